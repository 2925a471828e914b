// core/cpu/gemm.cpp — CPU kernel of core/kernels/gemm.h on OpenBLAS (cblas_sgemm/dgemm),
// one call per batch entry; OpenBLAS threads each call (never called inside an OpenMP region).
#include <cblas.h>

#include "core/kernels/gemm.h"

namespace linattn::cpu {

namespace {

template <class T>
void gemm_call(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, T alpha, const T* a,
               blasint lda, const T* b, blasint ldb, T beta, T* c, blasint ldc) {
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace

void gemm(const GemmShape& g, const Tensor& a, const Tensor& b, Tensor& c) {
  LINATTN_FLOAT_TYPES(c.dtype(), "gemm", [&] {
    const scalar_t* pa = a.data<scalar_t>();
    const scalar_t* pb = b.data<scalar_t>();
    scalar_t* pc = c.data<scalar_t>();
    if (g.m == 0 || g.n == 0) return;
    if (g.k == 0) {  // empty inner dimension: C = beta·C
      for (std::int64_t i = 0; i < g.batch; ++i)
        for (std::int64_t j = 0; j < g.m * g.n; ++j)
          pc[i * g.stride_c + j] = g.beta == 0.0 ? scalar_t(0) : static_cast<scalar_t>(g.beta) * pc[i * g.stride_c + j];
      return;
    }
    auto lda = static_cast<blasint>(g.trans_a ? g.m : g.k);
    auto ldb = static_cast<blasint>(g.trans_b ? g.k : g.n);
    for (std::int64_t i = 0; i < g.batch; ++i)
      gemm_call<scalar_t>(g.trans_a ? CblasTrans : CblasNoTrans, g.trans_b ? CblasTrans : CblasNoTrans,
                          static_cast<blasint>(g.m), static_cast<blasint>(g.n), static_cast<blasint>(g.k),
                          static_cast<scalar_t>(g.alpha), pa + i * g.stride_a, lda, pb + i * g.stride_b, ldb,
                          static_cast<scalar_t>(g.beta), pc + i * g.stride_c, static_cast<blasint>(g.n));
  });
}

}  // namespace linattn::cpu
