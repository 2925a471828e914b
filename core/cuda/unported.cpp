// core/cuda/unported.cpp — the kernels that have no CUDA implementation yet. Each one is a
// clear error at run time (DESIGN.md: an op without a CUDA kernel never silently copies to the
// host). Every kernel ported to a .cu file is deleted from this list; the CUDA issue empties it.
// A new kernel family adds its stubs here, e.g.
//   void softmax(const Tensor&, std::int64_t, std::int64_t, std::int64_t, Tensor&) { unported("softmax"); }
#include "core/kernels/elementwise.h"
#include "core/kernels/gemm.h"
#include "core/kernels/layout.h"
#include "core/kernels/reduce.h"

namespace linattn::cuda {

namespace {
[[maybe_unused]] [[noreturn]] void unported(const char* kernel) {
  fail(str_cat("kernel '", kernel, "' has no CUDA implementation in this version of linattn; "
               "run this op on the CPU (device: cpu)"));
}
}  // namespace

// (empty: elementwise, reduce, gemm and layout live in core/cuda/<family>.cu)

}  // namespace linattn::cuda
