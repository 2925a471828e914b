// train/param_groups.cpp — see param_groups.h.
#include "train/param_groups.h"

#include "train/optim/adamw.h"
#include "train/optim/sgd.h"

namespace linattn {

bool exempt_from_weight_decay(const std::string& name, const Tensor& param) {
  return param.dim() <= 1 || name.find("pos_embed") != std::string::npos ||
         name.find("cls_token") != std::string::npos;
}

bool in_backbone(const std::string& name) { return name.starts_with("backbone."); }

namespace {

// The decay / no-decay groups of the parameters `keep` selects, appended to `groups`.
void append_decay_groups(std::vector<ParamGroupSpec>& groups, const Module& model, double weight_decay,
                         std::optional<double> lr, bool (*keep)(const std::string&)) {
  ParamGroupSpec decay{{}, lr, weight_decay}, no_decay{{}, lr, 0.0};
  for (const auto& [name, p] : model.named_parameters())
    if (keep(name)) (exempt_from_weight_decay(name, p) ? no_decay : decay).params.push_back(p);
  if (!decay.params.empty()) groups.push_back(std::move(decay));
  if (!no_decay.params.empty()) groups.push_back(std::move(no_decay));
}

}  // namespace

std::vector<ParamGroupSpec> weight_decay_groups(const Module& model, double weight_decay) {
  std::vector<ParamGroupSpec> groups;
  append_decay_groups(groups, model, weight_decay, std::nullopt, [](const std::string&) { return true; });
  LINATTN_CHECK(!groups.empty(), "the model has no parameters to train");
  return groups;
}

std::vector<ParamGroupSpec> optimizer_groups(const OptimConfig& optim, const Module& model) {
  std::vector<ParamGroupSpec> groups;
  append_decay_groups(groups, model, optim.weight_decay, std::nullopt,
                      [](const std::string& name) { return !in_backbone(name); });
  append_decay_groups(groups, model, optim.weight_decay, optim.lr * optim.backbone_lr_scale, in_backbone);
  LINATTN_CHECK(!groups.empty(), "the model has no parameters to train");
  return groups;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& optim, const Module& model) {
  auto groups = optimizer_groups(optim, model);
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

void set_scheduled_lr(Optimizer& optimizer, double scheduled_lr, double base_lr) {
  LINATTN_CHECK(base_lr > 0, "set_scheduled_lr: the base learning rate must be > 0, got ", base_lr);
  LINATTN_CHECK(scheduled_lr >= 0, optimizer.name(), ": learning rate must be ≥ 0, got ", scheduled_lr);
  for (ParamGroup& g : optimizer.param_groups())
    g.lr = g.initial_lr == base_lr ? scheduled_lr : scheduled_lr * (g.initial_lr / base_lr);
}

}  // namespace linattn
