// core/cuda/unported.cpp — the kernels that have no CUDA implementation yet. Each one is a
// clear error at run time (docs/ARCHITECTURE.md: an op without a CUDA kernel never silently
// copies to the host). Every kernel ported to a .cu file is deleted from this list; the CUDA issue empties it.
#include "core/kernels/softmax_attention.h"

namespace linattn::cuda {

namespace {
[[maybe_unused]] [[noreturn]] void unported(const char* kernel) {
  fail(str_cat("kernel '", kernel, "' has no CUDA implementation in this version of linattn; "
               "run this op on the CPU (device: cpu)"));
}
}  // namespace

// softmax_attention.h (the op runs softmax_attention_composite on CUDA tensors instead, so
// these are never reached)
void softmax_attention_forward(const SoftmaxAttentionShape&, const Tensor&, const Tensor&, const Tensor&, Tensor&,
                               Tensor&) {
  unported("softmax_attention_forward");
}
void softmax_attention_backward(const SoftmaxAttentionShape&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                const Tensor&, const Tensor&, Tensor&, Tensor&, Tensor&) {
  unported("softmax_attention_backward");
}

// (everything else lives in core/cuda/<family>.cu)

}  // namespace linattn::cuda
