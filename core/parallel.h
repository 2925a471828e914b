// core/parallel.h — the CPU thread count, shared by OpenMP (our kernels and float32 GEMM,
// core/cpu/sgemm.h) and OpenBLAS (float64 GEMM).
// Defaults to OMP_NUM_THREADS, else the number of cores.
#pragma once

namespace linattn {
void set_num_threads(int n);
int num_threads();
}  // namespace linattn
