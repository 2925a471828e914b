// layers/layer_norm.cpp — see layer_norm.h.
#include "layers/layer_norm.h"

#include "core/ops.h"

namespace linattn {

LayerNorm::LayerNorm(std::int64_t dim_, double eps_) : dim(dim_), eps(eps_) {
  weight = register_parameter("weight", ones({dim_}));
  bias = register_parameter("bias", zeros({dim_}));
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, {dim}, weight, bias, eps); }

}  // namespace linattn
