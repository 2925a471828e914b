// core/cpu/parallel.h — parallel_for over [0, n) on the OpenMP threads, in static contiguous
// chunks (one chunk per thread, so results never depend on scheduling). Runs serially when
// the work is small (n ≤ grain), when called from inside a parallel region, or with 1 thread.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace linattn::cpu {

template <class F>
void parallel_for(std::int64_t n, std::int64_t grain, F&& fn) {
  if (n <= 0) return;
  int threads = omp_get_max_threads();
  if (n <= grain || threads == 1 || omp_in_parallel()) {
    fn(std::int64_t{0}, n);
    return;
  }
  threads = static_cast<int>(std::min<std::int64_t>(threads, (n + grain - 1) / grain));
#pragma omp parallel num_threads(threads)
  {
    std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    std::int64_t chunk = (n + nt - 1) / nt;
    std::int64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin < end) fn(begin, end);
  }
}

// Elements per thread below which elementwise loops stay serial.
constexpr std::int64_t kElementwiseGrain = 32768;

}  // namespace linattn::cpu
