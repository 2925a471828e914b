// core/cuda/gemm.cu — CUDA kernel of core/kernels/gemm.h on cuBLAS: one
// cublasGemmStridedBatchedEx call per gemm, on the device's stream and cuBLAS handle.
//
// Row-major to cuBLAS's column-major: a row-major (r x c) matrix is the column-major (c x r)
// matrix of its transpose, so C = op(A)·op(B) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ with the
// operands swapped and the same transpose flags. A batch stride of 0 broadcasts one matrix.
// float32 runs on TF32 tensor cores when allow_tf32() (core/cuda_options.h) is on
// (CUBLAS_COMPUTE_32F_FAST_TF32), in full float32 otherwise; float64 uses CUBLAS_COMPUTE_64F.
// cuBLAS gives the same bits run after run on one stream (its documented reproducibility).
#include <cublas_v2.h>

#include <limits>

#include "core/cuda/launch.cuh"
#include "core/cuda_options.h"
#include "core/kernels/gemm.h"

namespace linattn::cuda {

namespace {

// C[i] = beta·C[i] (0 when beta == 0, even over NaN): the whole gemm when k == 0.
template <class T>
__global__ void scale_matrices_kernel(T* c, std::int64_t batch, std::int64_t mn, std::int64_t stride_c, T beta) {
  const std::int64_t n = batch * mn;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    T& v = c[(i / mn) * stride_c + i % mn];
    v = beta == T(0) ? T(0) : beta * v;
  }
}

int checked_int(std::int64_t v, const char* what, const GemmShape& g) {
  LINATTN_CHECK(v >= 0 && v <= std::numeric_limits<int>::max(), "gemm: ", what, " = ", v,
                " exceeds cuBLAS's 32-bit limit (batch ", g.batch, ", m ", g.m, ", n ", g.n, ", k ", g.k,
                "). ---> HINT: split the batch");
  return static_cast<int>(v);
}

template <class T>
void gemm_typed(const GemmShape& g, const Tensor& a, const Tensor& b, Tensor& c) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  cudaStream_t stream = stream_of(c);
  if (g.k == 0) {
    const std::int64_t mn = g.m * g.n;
    scale_matrices_kernel<<<grid_for(g.batch * mn), kBlock, 0, stream>>>(c.data<T>(), g.batch, mn, g.stride_c,
                                                                        static_cast<T>(g.beta));
    LINATTN_CUDA_LAUNCH_CHECK();
    return;
  }
  const int m = checked_int(g.m, "m", g), n = checked_int(g.n, "n", g), k = checked_int(g.k, "k", g);
  const int batch = checked_int(g.batch, "batch", g);
  // Column-major view: C' (n x m) = op(B)' (n x k) · op(A)' (k x m), where X' is X's buffer read
  // column-major, i.e. Xᵀ. B stored (k x n) row-major is B' = Bᵀ (n x k), leading dimension n.
  const cublasOperation_t op_b = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_a = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int ldb = g.trans_b ? k : n;  // row length of B as stored
  const int lda = g.trans_a ? m : k;  // row length of A as stored
  const int ldc = n;

  constexpr bool kF32 = std::is_same_v<T, float>;
  const cudaDataType_t type = kF32 ? CUDA_R_32F : CUDA_R_64F;
  const cublasComputeType_t compute =
      kF32 ? (allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F) : CUBLAS_COMPUTE_64F;
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);  // scale type = T
  cublasHandle_t handle = cublas_handle(c.device().index);
  LINATTN_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
      handle, op_b, op_a, n, m, k, &alpha, b.data<T>(), type, ldb, g.stride_b, a.data<T>(), type, lda, g.stride_a,
      &beta, c.data<T>(), type, ldc, g.stride_c, batch, compute, CUBLAS_GEMM_DEFAULT));
}

}  // namespace

void gemm(const GemmShape& g, const Tensor& a, const Tensor& b, Tensor& c) {
  LINATTN_FLOAT_TYPES(c.dtype(), "gemm", [&] { gemm_typed<scalar_t>(g, a, b, c); });
}

}  // namespace linattn::cuda
