// tests/support/thread_runs.h — the float32 check for fused kernels that spread their work over
// threads: run op on float32 copies of the inputs with 1, 2 and 3 threads, and CHECK that the
// output and the gradients of every input are each within 1e-5 (relative) of the float64 run
// and bit-identical for every thread count.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <vector>

#include "core/autograd.h"
#include "core/parallel.h"
#include "support/reference.h"

namespace linattn::testing {

// op maps inputs (all float64, or all float32) to one output; dy64 is the output's gradient.
inline void check_float32_thread_runs(const std::function<Tensor(const std::vector<Tensor>&)>& op,
                                      const std::vector<Tensor>& inputs64, const Tensor& dy64) {
  auto output_and_grads = [&](const std::vector<Tensor>& inputs, const Tensor& dy) {
    Tensor y = op(inputs);
    std::vector<Tensor> all = grad(y, inputs, dy);
    all.insert(all.begin(), y);
    return all;
  };
  const std::vector<Tensor> ref = output_and_grads(inputs64, dy64);
  const int saved_threads = num_threads();
  std::vector<std::vector<Tensor>> runs;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<Tensor> inputs32;
    for (const Tensor& t : inputs64) inputs32.push_back(t.detach().to(DType::F32).requires_grad_());
    runs.push_back(output_and_grads(inputs32, dy64.to(DType::F32)));
  }
  set_num_threads(saved_threads);
  for (std::size_t i = 0; i < ref.size(); ++i) {
    INFO("0: the output; i > 0: the gradient of input i - 1; i = ", i);
    CHECK(relative_error(runs[0][i].to(DType::F64), ref[i]) <= 1e-5);
    CHECK(relative_error(runs[1][i], runs[0][i]) == 0.0);
    CHECK(relative_error(runs[2][i], runs[0][i]) == 0.0);
  }
}

}  // namespace linattn::testing
