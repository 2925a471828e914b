// train/param_groups.cpp — see param_groups.h.
#include "train/param_groups.h"

#include "train/optim/adamw.h"
#include "train/optim/sgd.h"

namespace linattn {

bool exempt_from_weight_decay(const std::string& name, const Tensor& param) {
  return param.dim() <= 1 || name.find("pos_embed") != std::string::npos ||
         name.find("cls_token") != std::string::npos;
}

std::vector<ParamGroupSpec> weight_decay_groups(const Module& model, double weight_decay) {
  ParamGroupSpec decay{{}, {}, weight_decay}, no_decay{{}, {}, 0.0};
  for (const auto& [name, p] : model.named_parameters())
    (exempt_from_weight_decay(name, p) ? no_decay : decay).params.push_back(p);
  std::vector<ParamGroupSpec> groups;
  if (!decay.params.empty()) groups.push_back(std::move(decay));
  if (!no_decay.params.empty()) groups.push_back(std::move(no_decay));
  LINATTN_CHECK(!groups.empty(), "the model has no parameters to train");
  return groups;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& optim, const Module& model) {
  auto groups = weight_decay_groups(model, optim.weight_decay);
  switch (optim.name) {
    case OptimizerName::AdamW:
      return std::make_unique<AdamW>(std::move(groups), AdamWOptions{.lr = optim.lr,
                                                                     .beta1 = optim.betas[0],
                                                                     .beta2 = optim.betas[1],
                                                                     .eps = optim.eps,
                                                                     .weight_decay = optim.weight_decay});
    case OptimizerName::Sgd:
      return std::make_unique<SGD>(std::move(groups), SgdOptions{.lr = optim.lr,
                                                                 .momentum = optim.momentum,
                                                                 .dampening = 0.0,
                                                                 .weight_decay = optim.weight_decay,
                                                                 .nesterov = optim.nesterov});
  }
  fail("optim.name: unknown optimizer");
}

}  // namespace linattn
