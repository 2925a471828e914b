// core/cuda/unported.cpp — the kernels that have no CUDA implementation yet. Each one is a
// clear error at run time (DESIGN.md: an op without a CUDA kernel never silently copies to the
// host). Every kernel ported to a .cu file is deleted from this list; the CUDA issue empties it.
#include "core/kernels/elementwise.h"
#include "core/kernels/gemm.h"
#include "core/kernels/layout.h"
#include "core/kernels/optim.h"
#include "core/kernels/reduce.h"

namespace linattn::cuda {

namespace {
[[noreturn]] void unported(const char* kernel) {
  fail(str_cat("kernel '", kernel, "' has no CUDA implementation in this version of linattn; "
               "run this op on the CPU (device: cpu)"));
}
}  // namespace

void binary(BinaryOp, const Tensor&, const Tensor&, Tensor&) { unported("binary"); }
void unary(UnaryOp, const Tensor&, Tensor&, double, double) { unported("unary"); }
void unary_backward(UnaryOp, const Tensor&, const Tensor&, const Tensor&, Tensor&, double, double) {
  unported("unary_backward");
}
void where(const Tensor&, const Tensor&, const Tensor&, Tensor&) { unported("where"); }
void reduce(ReduceOp, const Tensor&, std::int64_t, std::int64_t, std::int64_t, Tensor&) { unported("reduce"); }
void argmax(const Tensor&, std::int64_t, std::int64_t, std::int64_t, Tensor&) { unported("argmax"); }
void gemm(const GemmShape&, const Tensor&, const Tensor&, Tensor&) { unported("gemm"); }
void permute(const Tensor&, const std::vector<int>&, Tensor&) { unported("permute"); }
void copy_axis_block(const Tensor&, std::int64_t, std::int64_t, Tensor&, std::int64_t, std::int64_t, std::int64_t,
                     std::int64_t, std::int64_t, bool) {
  unported("copy_axis_block");
}
void expand(const Tensor&, Tensor&) { unported("expand"); }
void adamw_step(Tensor&, const Tensor&, Tensor&, Tensor&, const AdamWScalars&) { unported("adamw_step"); }
void sgd_step(Tensor&, const Tensor&, Tensor&, const SgdScalars&) { unported("sgd_step"); }

}  // namespace linattn::cuda
