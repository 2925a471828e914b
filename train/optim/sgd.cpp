// train/optim/sgd.cpp — see sgd.h.
#include "train/optim/sgd.h"

#include "core/kernels/optim.h"

namespace linattn {

SGD::SGD(std::vector<ParamGroupSpec> groups, SgdOptions options)
    : Optimizer("SGD", std::move(groups), options.lr, options.weight_decay), options_(options) {
  LINATTN_CHECK(options.momentum >= 0, "SGD: momentum must be ≥ 0, got ", options.momentum);
  LINATTN_CHECK(!options.nesterov || (options.momentum > 0 && options.dampening == 0),
                "SGD: Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum ", options.momentum,
                ", dampening ", options.dampening, ")");
}

std::vector<std::string> SGD::buffer_names() const {
  if (options_.momentum == 0) return {};
  return {"momentum_buffer"};
}

void SGD::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  SgdScalars s;
  s.lr = group.lr;
  s.weight_decay = group.weight_decay;
  s.momentum = options_.momentum;
  s.dampening = options_.dampening;
  s.nesterov = options_.nesterov;
  s.first_step = state.step == 1;
  Tensor none;
  LINATTN_DISPATCH(param.device(), sgd_step, param, grad, state.buffers.empty() ? none : state.buffers[0], s);
}

}  // namespace linattn
