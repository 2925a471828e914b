// train/optim/sgd.h — stochastic gradient descent with momentum, dampening, Nesterov momentum
// and (L2, coupled) weight decay: torch.optim.SGD's update rule exactly (core/kernels/optim.h).
// State per parameter: momentum_buffer (only when momentum ≠ 0).
#pragma once
#include "train/optim/optimizer.h"

namespace linattn {

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening = 0
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroupSpec> groups, SgdOptions options);
  SGD(std::vector<Tensor> params, SgdOptions options) : SGD({ParamGroupSpec{std::move(params), {}, {}}}, options) {}
  const SgdOptions& options() const { return options_; }

 protected:
  std::vector<std::string> buffer_names() const override;
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;

 private:
  SgdOptions options_;
};

}  // namespace linattn
