// core/cpu/lane_sum.h — a deterministic, fast serial sum for reductions inside one thread
// (conv2d's bias gradient, batch_norm's statistics).
//
// lane_sum(n, f) = Σ f(i), i in [0, n), accumulated in double in 8 independent lanes (lane
// i mod 8) that are combined in a fixed order: the result depends only on the inputs, never
// on threads, and the 8 chains hide the latency of dependent floating-point additions.
#pragma once
#include <cstdint>

namespace linattn::cpu {

template <class F>
double lane_sum(std::int64_t n, F&& f) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l) acc[l] += static_cast<double>(f(i + l));
  for (int l = 0; i < n; ++i, ++l) acc[l] += static_cast<double>(f(i));
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

}  // namespace linattn::cpu
