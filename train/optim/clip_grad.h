// train/optim/clip_grad.h — gradient clipping by global L2 norm (torch.nn.utils.clip_grad_norm_).
// The norm is computed parameter by parameter in the given order, each with the deterministic
// core reductions, and combined on the host in double: the same inputs give the same bits.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace linattn {

// Returns the total L2 norm of the gradients of `params` (undefined gradients are skipped; 0
// when there are none) and, when it exceeds max_norm, scales every gradient in place by
// max_norm / (norm + 1e-6). A non-finite norm scales by NaN, as PyTorch does; check the result.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

// The total L2 norm of the gradients alone, without clipping.
double grad_norm(const std::vector<Tensor>& params);

}  // namespace linattn
