// core/cpu/blas.h — one typed row-major GEMM for the fused CPU kernels (conv.cpp,
// linear_attention.cpp, softmax_attention.cpp): C = op(A)·op(B) + beta·C with explicit leading
// dimensions, so kernels multiply strided per-head views (leading dimension h·d, offset head·d)
// without copying. float32 runs linattn's sgemm (core/cpu/sgemm.h: OpenMP threads, one inside
// a parallel region); float64 runs OpenBLAS, which must never be called inside an OpenMP
// region (BUILD_NOTES.md). Handles the empty cases BLAS rejects.
#pragma once
#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/cpu/sgemm.h"

namespace linattn::cpu {

template <class T>
void gemm_rm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* a, std::int64_t lda,
             const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  } else {
    if (k == 0) {  // op(A)·op(B) is zero: C = beta·C
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
      return;
    }
    auto A = ta ? CblasTrans : CblasNoTrans, B = tb ? CblasTrans : CblasNoTrans;
    auto bi = [](std::int64_t x) { return static_cast<blasint>(x); };
    cblas_dgemm(CblasRowMajor, A, B, bi(m), bi(n), bi(k), 1.0, a, bi(lda), b, bi(ldb), beta, c, bi(ldc));
  }
}

}  // namespace linattn::cpu
