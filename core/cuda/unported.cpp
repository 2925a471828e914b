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
#include "core/kernels/softmax_attention.h"

namespace linattn::cuda {

namespace {
[[maybe_unused]] [[noreturn]] void unported(const char* kernel) {
  fail(str_cat("kernel '", kernel, "' has no CUDA implementation in this version of linattn; "
               "run this op on the CPU (device: cpu)"));
}
}  // namespace

void conv2d_forward(const Conv2dGeometry&, const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unported("conv2d_forward");
}
void conv2d_backward(const Conv2dGeometry&, const Tensor&, const Tensor&, const Tensor&, Tensor&, Tensor&, Tensor&) {
  unported("conv2d_backward");
}
void unfold2d(const Conv2dGeometry&, const Tensor&, Tensor&) { unported("unfold2d"); }
void fold2d(const Conv2dGeometry&, const Tensor&, Tensor&) { unported("fold2d"); }
void max_pool2d_forward(const Pool2dGeometry&, const Tensor&, Tensor&, Tensor&) { unported("max_pool2d_forward"); }
void max_pool2d_backward(const Pool2dGeometry&, const Tensor&, const Tensor&, Tensor&) {
  unported("max_pool2d_backward");
}
void avg_pool2d_forward(const Pool2dGeometry&, bool, const Tensor&, Tensor&) { unported("avg_pool2d_forward"); }
void avg_pool2d_backward(const Pool2dGeometry&, bool, const Tensor&, Tensor&) { unported("avg_pool2d_backward"); }
void batch_norm_forward(const BatchNormGeometry&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                        const Tensor&, bool, double, double, Tensor&, Tensor&, Tensor&) {
  unported("batch_norm_forward");
}
void batch_norm_backward(const BatchNormGeometry&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                         const Tensor&, bool, Tensor&, Tensor&, Tensor&) {
  unported("batch_norm_backward");
}

// indexing.h
void index_select(const Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, Tensor&) {
  unported("index_select");
}
void index_add(const Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, Tensor&) { unported("index_add"); }
void gather(const Tensor&, int, const Tensor&, Tensor&) { unported("gather"); }
void scatter_add(const Tensor&, int, const Tensor&, Tensor&) { unported("scatter_add"); }

// softmax_attention.h (the op runs softmax_attention_composite on CUDA tensors instead)
void softmax_attention_forward(const SoftmaxAttentionShape&, const Tensor&, const Tensor&, const Tensor&, Tensor&,
                               Tensor&) {
  unported("softmax_attention_forward");
}
void softmax_attention_backward(const SoftmaxAttentionShape&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                const Tensor&, const Tensor&, Tensor&, Tensor&, Tensor&) {
  unported("softmax_attention_backward");
}

// (empty: elementwise, reduce, gemm and layout live in core/cuda/<family>.cu)

}  // namespace linattn::cuda
