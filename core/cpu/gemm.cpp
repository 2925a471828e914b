// core/cpu/gemm.cpp — CPU kernel of core/kernels/gemm.h: float32 on linattn's own sgemm
// (core/cpu/sgemm.h), float64 on OpenBLAS (cblas_dgemm), one call per batch entry.
// A float32 batch of at least two entries per thread runs one entry per thread (each GEMM then
// single-threaded: no fork per entry, no thin row shares); otherwise each GEMM threads itself.
// OpenBLAS is never called inside an OpenMP region (BUILD_NOTES.md).
#include <cblas.h>
#include <omp.h>

#include <type_traits>

#include "core/cpu/sgemm.h"
#include "core/kernels/gemm.h"

namespace linattn::cpu {

namespace {

using i64 = std::int64_t;

void gemm_one(bool ta, bool tb, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda, const float* b, i64 ldb,
              float beta, float* c, i64 ldc) {
  sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_one(bool ta, bool tb, i64 m, i64 n, i64 k, double alpha, const double* a, i64 lda, const double* b,
              i64 ldb, double beta, double* c, i64 ldc) {
  if (k == 0) {  // empty inner dimension (BLAS rejects it): C = beta·C
    for (i64 i = 0; i < m; ++i)
      for (i64 j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0 ? 0.0 : beta * c[i * ldc + j];
    return;
  }
  auto bi = [](i64 x) { return static_cast<blasint>(x); };
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, bi(m), bi(n), bi(k),
              alpha, a, bi(lda), b, bi(ldb), beta, c, bi(ldc));
}

template <class T>
void gemm_typed(const GemmShape& g, const T* pa, const T* pb, T* pc) {
  const i64 lda = g.trans_a ? g.m : g.k, ldb = g.trans_b ? g.k : g.n;
  auto entry = [&](i64 i) {
    gemm_one(g.trans_a, g.trans_b, g.m, g.n, g.k, static_cast<T>(g.alpha), pa + i * g.stride_a, lda,
             pb + i * g.stride_b, ldb, static_cast<T>(g.beta), pc + i * g.stride_c, g.n);
  };
  const int threads = omp_get_max_threads();
  // Entries sharing C (stride_c = 0: accumulation) run one after the other.
  const bool per_thread = std::is_same_v<T, float> && sgemm_default_kernel() != SgemmKernel::openblas &&
                          g.stride_c != 0 && threads > 1 && g.batch >= 2 * threads && !omp_in_parallel();
  if (per_thread) {
#pragma omp parallel for schedule(static)
    for (i64 i = 0; i < g.batch; ++i) entry(i);
  } else {
    for (i64 i = 0; i < g.batch; ++i) entry(i);
  }
}

}  // namespace

void gemm(const GemmShape& g, const Tensor& a, const Tensor& b, Tensor& c) {
  if (g.m == 0 || g.n == 0) return;
  LINATTN_FLOAT_TYPES(c.dtype(), "gemm", [&] { gemm_typed<scalar_t>(g, a.data<scalar_t>(), b.data<scalar_t>(), c.data<scalar_t>()); });
}

}  // namespace linattn::cpu
