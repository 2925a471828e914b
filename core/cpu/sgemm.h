// core/cpu/sgemm.h — linattn's own float32 GEMM for the CPU: C = alpha·op(A)·op(B) + beta·C,
// row-major, in the GotoBLAS blocking (packed B panels and A micro-panels, a register-tiled
// microkernel) with an AVX-512 or an AVX2+FMA microkernel picked at run time, and OpenMP
// threads split over rows, columns or the inner dimension — whichever the shape has most of.
//
// Why not OpenBLAS for float: the layers here are tall-skinny GEMMs (B·N tokens × C ≤ 512
// channels), weight gradients with a long token axis and small per-head products. There
// OpenBLAS 0.3.21 packs a 128-wide A at a large share of the multiply's cost, its worker
// threads keep spinning after each call against our OpenMP loops, and OPENBLAS_CORETYPE (set
// to Haswell on the project machine) can pin it to AVX2 kernels on an AVX-512 CPU:
// bench/results/ops_cpu.md measured 111–198 GFLOP/s here against its 48–135 on 2 cores.
// float64 (the gradient checks) stays on OpenBLAS.
//
// LINATTN_SGEMM=openblas|avx2|avx512 forces a kernel (to compare, or to rule ours out); the
// default is the widest the CPU supports. Results may differ from OpenBLAS in the last bits
// (another summation order), never in anything a float32 tolerance sees.
#pragma once
#include <cstdint>
#include <string>

namespace linattn::cpu {

enum class SgemmKernel { openblas, avx2, avx512 };

// LINATTN_SGEMM's choice, else the widest kernel this CPU runs (read once).
SgemmKernel sgemm_default_kernel();
bool sgemm_kernel_supported(SgemmKernel kernel);
const char* sgemm_kernel_name(SgemmKernel kernel);
// "openblas" / "avx2" / "avx512" → the kernel; anything else, or a kernel this CPU lacks, is an
// error naming `text` and the choices (`origin` says where it came from, e.g. "LINATTN_SGEMM=").
SgemmKernel sgemm_kernel_from_name(const std::string& text, const std::string& origin);

// C (m×n, leading dimension ldc) = alpha·op(A)·op(B) + beta·C, where op(A) (m×k) is A stored
// (m×k, lda) or, with ta, Aᵀ of A stored (k×m, lda); likewise op(B) (k×n). beta = 0 ignores C's
// previous contents (even NaN), as BLAS does. Threads: omp_get_max_threads(), one when called
// inside an OpenMP parallel region (so batched callers may parallelize over the batch).
void sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
           std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc,
           SgemmKernel kernel = sgemm_default_kernel());

}  // namespace linattn::cpu
