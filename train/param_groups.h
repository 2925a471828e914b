// train/param_groups.h — the optimizer a config asks for, with the usual weight-decay split:
// no decay on biases, normalization weights and position embeddings / class tokens, i.e. on
// every parameter with ndim ≤ 1 or whose name contains "pos_embed" or "cls_token" (timm's rule).
// Used by the trainer; the groups keep the model's parameter order, decay group first.
#pragma once
#include <memory>
#include <string>

#include "layers/module.h"
#include "train/config.h"
#include "train/optim/optimizer.h"

namespace linattn {

// True for parameters that get no weight decay (see above).
bool exempt_from_weight_decay(const std::string& name, const Tensor& param);

// {decay group (weight_decay), no-decay group (0)}; an empty group is left out.
std::vector<ParamGroupSpec> weight_decay_groups(const Module& model, double weight_decay);

// AdamW or SGD over `model`'s parameters, with optim's hyperparameters and the groups above.
std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& optim, const Module& model);

}  // namespace linattn
