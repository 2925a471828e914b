// core/cuda/unported.cpp — the kernels that have no CUDA implementation yet. Each one is a
// clear error at run time (DESIGN.md: an op without a CUDA kernel never silently copies to the
// host). Every kernel ported to a .cu file is deleted from this list; the CUDA issue empties it.
#include "core/kernels/conv.h"
#include "core/kernels/indexing.h"
#include "core/kernels/linear_attention.h"
#include "core/kernels/nn.h"
#include "core/kernels/norm.h"
#include "core/kernels/normalize.h"
#include "core/kernels/optim.h"
#include "core/kernels/pool.h"

namespace linattn::cuda {

namespace {
[[maybe_unused]] [[noreturn]] void unported(const char* kernel) {
  fail(str_cat("kernel '", kernel, "' has no CUDA implementation in this version of linattn; "
               "run this op on the CPU (device: cpu)"));
}
}  // namespace

void adamw_step(Tensor&, const Tensor&, Tensor&, Tensor&, const AdamWScalars&) { unported("adamw_step"); }
void sgd_step(Tensor&, const Tensor&, Tensor&, const SgdScalars&) { unported("sgd_step"); }

// nn.h
void softmax_forward(const Tensor&, std::int64_t, std::int64_t, std::int64_t, bool, Tensor&) { unported("softmax_forward"); }
void softmax_backward(const Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, bool, Tensor&) {
  unported("softmax_backward");
}
void cross_entropy_forward(const CrossEntropyShape&, const Tensor&, const Tensor&, Tensor&, Tensor&) {
  unported("cross_entropy_forward");
}
void cross_entropy_backward(const CrossEntropyShape&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, double,
                            Tensor&) {
  unported("cross_entropy_backward");
}
void layer_norm_forward(const Tensor&, const Tensor&, const Tensor&, std::int64_t, std::int64_t, double, Tensor&, Tensor&,
                        Tensor&) {
  unported("layer_norm_forward");
}
void layer_norm_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, std::int64_t,
                         std::int64_t, Tensor&, Tensor&, Tensor&) {
  unported("layer_norm_backward");
}
void dropout(const Tensor&, std::uint64_t, std::uint64_t, double, Tensor&) { unported("dropout"); }

// normalize.h
void l2_normalize_forward(const Tensor&, std::int64_t, std::int64_t, std::int64_t, double, Tensor&, Tensor&) {
  unported("l2_normalize_forward");
}
void l2_normalize_backward(const Tensor&, const Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, double,
                           Tensor&) {
  unported("l2_normalize_backward");
}
void double_normalize_forward(const DoubleNormalizeShape&, const Tensor&, const Tensor&, Tensor&, Tensor&) {
  unported("double_normalize_forward");
}
void double_normalize_backward(const DoubleNormalizeShape&, const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unported("double_normalize_backward");
}

// linear_attention.h (the op runs linear_attention_composite on CUDA tensors instead)
void linear_attention_forward(const LinearAttentionShape&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                              const Tensor&, Tensor&, Tensor&, Tensor&, Tensor&) {
  unported("linear_attention_forward");
}
void linear_attention_backward(const LinearAttentionShape&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                               const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                               Tensor&, Tensor&, Tensor&) {
  unported("linear_attention_backward");
}

// (empty: elementwise, reduce, gemm and layout live in core/cuda/<family>.cu)

}  // namespace linattn::cuda
