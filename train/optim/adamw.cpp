// train/optim/adamw.cpp — see adamw.h. The bias corrections are computed on the host in double,
// as PyTorch does in Python, and handed to the fused kernel.
#include "train/optim/adamw.h"

#include <cmath>

#include "core/kernels/optim.h"

namespace linattn {

AdamW::AdamW(std::vector<ParamGroupSpec> groups, AdamWOptions options)
    : Optimizer("AdamW", std::move(groups), options.lr, options.weight_decay), options_(options) {
  LINATTN_CHECK(options.beta1 >= 0 && options.beta1 < 1, "AdamW: beta1 must be in [0, 1), got ", options.beta1);
  LINATTN_CHECK(options.beta2 >= 0 && options.beta2 < 1, "AdamW: beta2 must be in [0, 1), got ", options.beta2);
  LINATTN_CHECK(options.eps >= 0, "AdamW: eps must be ≥ 0, got ", options.eps);
}

std::vector<std::string> AdamW::buffer_names() const { return {"exp_avg", "exp_avg_sq"}; }

void AdamW::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const auto t = static_cast<double>(state.step);
  AdamWScalars s;
  s.lr = group.lr;
  s.weight_decay = group.weight_decay;
  s.beta1 = options_.beta1;
  s.beta2 = options_.beta2;
  s.eps = options_.eps;
  s.step_size = group.lr / (1.0 - std::pow(options_.beta1, t));
  s.bias_correction2_sqrt = std::sqrt(1.0 - std::pow(options_.beta2, t));
  LINATTN_DISPATCH(param.device(), adamw_step, param, grad, state.buffers[0], state.buffers[1], s);
}

}  // namespace linattn
