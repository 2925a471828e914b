// core/kernels/gemm.h — (batched) matrix multiply, transposes passed as flags (never copies).
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

// C[i] = alpha · op(A[i]) · op(B[i]) + beta · C[i] for i in [0, batch), where op(X) = Xᵀ when
// the flag is set. op(A) is (m×k), op(B) is (k×n), C is (m×n), all row-major; A is stored
// (m×k) or, transposed, (k×m). Batch strides are in elements; a stride of 0 broadcasts one
// matrix over the batch. beta = 0 ignores C's previous contents (even NaN).
struct GemmShape {
  bool trans_a = false, trans_b = false;
  std::int64_t batch = 1, m = 0, n = 0, k = 0;
  std::int64_t stride_a = 0, stride_b = 0, stride_c = 0;
  double alpha = 1.0, beta = 0.0;
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  void gemm(const GemmShape& g, const Tensor& a, const Tensor& b, Tensor& c);
)
