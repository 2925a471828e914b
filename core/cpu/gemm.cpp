// core/cpu/gemm.cpp — CPU kernel of core/kernels/gemm.h: one gemm_rm_scaled (core/cpu/blas.h:
// float32 on linattn's own sgemm, float64 on OpenBLAS) per batch entry.
// A float32 batch of at least two entries per thread gives each thread whole entries (each GEMM
// then on its thread: no fork per entry, no thin row shares; for_items_with_gemms in blas.h);
// otherwise each GEMM threads itself.
// OpenBLAS is never called inside an OpenMP region (BUILD_NOTES.md).
#include "core/cpu/blas.h"
#include "core/kernels/gemm.h"

namespace linattn::cpu {

namespace {

using i64 = std::int64_t;

template <class T>
void gemm_typed(const GemmShape& g, const T* pa, const T* pb, T* pc) {
  const i64 lda = g.trans_a ? g.m : g.k, ldb = g.trans_b ? g.k : g.n;
  auto entry = [&](i64 i) {
    gemm_rm_scaled<T>(g.trans_a, g.trans_b, g.m, g.n, g.k, static_cast<T>(g.alpha), pa + i * g.stride_a, lda,
                      pb + i * g.stride_b, ldb, static_cast<T>(g.beta), pc + i * g.stride_c, g.n);
  };
  auto entries = [&](i64 begin, i64 end) {
    for (i64 i = begin; i < end; ++i) entry(i);
  };
  if (g.stride_c == 0)  // entries sharing C (accumulation) run one after the other
    entries(0, g.batch);
  else
    for_items_with_gemms<T>(g.batch, entries);
}

}  // namespace

void gemm(const GemmShape& g, const Tensor& a, const Tensor& b, Tensor& c) {
  if (g.m == 0 || g.n == 0) return;
  LINATTN_FLOAT_TYPES(c.dtype(), "gemm",
                      [&] { gemm_typed<scalar_t>(g, a.data<scalar_t>(), b.data<scalar_t>(), c.data<scalar_t>()); });
}

}  // namespace linattn::cpu
