// train/optim/adamw.h — Adam with decoupled weight decay (Loshchilov & Hutter): torch.optim.AdamW's
// update rule exactly, bias correction included (core/kernels/optim.h). No amsgrad, no maximize.
// State per parameter: exp_avg, exp_avg_sq, and its own step count (a parameter skipped for lack
// of a gradient keeps its count, as in PyTorch).
#pragma once
#include "train/optim/optimizer.h"

namespace linattn {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<ParamGroupSpec> groups, AdamWOptions options);
  AdamW(std::vector<Tensor> params, AdamWOptions options)
      : AdamW({ParamGroupSpec{std::move(params), {}, {}}}, options) {}
  const AdamWOptions& options() const { return options_; }

 protected:
  std::vector<std::string> buffer_names() const override;
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;

 private:
  AdamWOptions options_;
};

}  // namespace linattn
