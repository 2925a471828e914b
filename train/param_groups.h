// train/param_groups.h — the optimizer a config asks for, with the usual weight-decay split:
// no decay on biases, normalization weights and position embeddings / class tokens, i.e. on
// every parameter with ndim ≤ 1 or whose name contains "pos_embed" or "cls_token" (timm's rule);
// and a lower learning rate for a detector's backbone: parameters whose name starts with
// "backbone." train at optim.lr · optim.backbone_lr_scale (DETR trains its backbone at 1/10).
// Used by the trainer. Groups keep the model's parameter order: the other parameters' decay and
// no-decay groups first, then the backbone's; an empty group is left out, so a model without
// a backbone has exactly the two weight-decay groups.
//
// The LR schedule (train/schedule.h) gives the base lr of a step; set_scheduled_lr scales every
// group by the same factor, so the backbone keeps its ratio through warmup and decay (and
// through a resume: the ratio is initial_lr / optim.lr, and initial_lr is checkpointed).
#pragma once
#include <memory>
#include <string>

#include "layers/module.h"
#include "train/config.h"
#include "train/optim/optimizer.h"

namespace linattn {

// True for parameters that get no weight decay (see above).
bool exempt_from_weight_decay(const std::string& name, const Tensor& param);
// True for the parameters of a detector's backbone (name "backbone.*").
bool in_backbone(const std::string& name);

// {decay group (weight_decay), no-decay group (0)}; an empty group is left out.
std::vector<ParamGroupSpec> weight_decay_groups(const Module& model, double weight_decay);

// The weight-decay groups of the parameters outside the backbone (the optimizer's lr), then
// those of the backbone's with lr = optim.lr · optim.backbone_lr_scale; empty groups left out.
std::vector<ParamGroupSpec> optimizer_groups(const OptimConfig& optim, const Module& model);

// AdamW or SGD over `model`'s parameters, with optim's hyperparameters and the groups above.
std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& optim, const Module& model);

// Sets each group's lr to scheduled_lr · initial_lr / base_lr (base_lr = optim.lr): every group
// follows the schedule by the same factor. A group at the base lr gets scheduled_lr exactly.
void set_scheduled_lr(Optimizer& optimizer, double scheduled_lr, double base_lr);

}  // namespace linattn
