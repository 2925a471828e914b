// layers/batch_norm.h — BatchNorm2d over the channels of (B, C, H, W) or (B, C), with running
// statistics (PyTorch semantics: biased variance to normalize, unbiased to update running_var;
// buffers running_mean, running_var and num_batches_tracked, as in PyTorch's state_dict).
#pragma once
#include "layers/module.h"

namespace linattn {

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(std::int64_t channels, double momentum = 0.1, double eps = 1e-5);
  Tensor forward(const Tensor& x);  // updates the running statistics in training mode

  double momentum, eps;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};

}  // namespace linattn
