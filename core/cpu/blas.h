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

#include "core/cpu/parallel.h"
#include "core/cpu/sgemm.h"

namespace linattn::cpu {

// C = alpha·op(A)·op(B) + beta·C.
template <class T>
void gemm_rm_scaled(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
                    std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    if (k == 0) {  // op(A)·op(B) is zero: C = beta·C
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
      return;
    }
    auto A = ta ? CblasTrans : CblasNoTrans, B = tb ? CblasTrans : CblasNoTrans;
    auto bi = [](std::int64_t x) { return static_cast<blasint>(x); };
    cblas_dgemm(CblasRowMajor, A, B, bi(m), bi(n), bi(k), alpha, a, bi(lda), b, bi(ldb), beta, c, bi(ldc));
  }
}

// C = op(A)·op(B) + beta·C.
template <class T>
void gemm_rm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* a, std::int64_t lda,
             const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  gemm_rm_scaled<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, beta, c, ldc);
}

// Whether gemm_rm<T> may run inside an OpenMP region (then on the calling thread): float32 on
// linattn's sgemm may; float64 on OpenBLAS may not (nor float32 with LINATTN_SGEMM=openblas).
template <class T>
bool gemm_rm_nests() {
  return std::is_same_v<T, float> && sgemm_default_kernel() != SgemmKernel::openblas;
}

// fn(begin, end) over independent items [0, n) — (batch, head) pairs of a fused kernel — each
// running its own GEMMs: spread over the OpenMP threads in contiguous blocks when the GEMMs nest
// and there are at least two items per thread (no fork per GEMM, elementwise passes threaded
// too), else one block on the calling thread with each GEMM threaded. Either way every item is
// computed the same way, so results do not depend on the thread count.
template <class T, class F>
void for_items_with_gemms(std::int64_t n, F&& fn) {
  if (gemm_rm_nests<T>() && !omp_in_parallel() && n >= 2 * omp_get_max_threads())
    parallel_for(n, 1, fn);
  else if (n > 0)
    fn(std::int64_t{0}, n);
}

}  // namespace linattn::cpu
