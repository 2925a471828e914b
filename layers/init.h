// layers/init.h — seeded parameter initializers with PyTorch's definitions (docs/attention.md §0).
// fan_in = in_features × kernel area, fan_out = out_features × kernel area, taken from a weight
// of shape (out, in, k...) as PyTorch does. All write in place, never recorded by autograd.
#pragma once
#include <utility>

#include "core/rng.h"
#include "core/tensor.h"

namespace linattn::init {

std::pair<std::int64_t, std::int64_t> fan_in_out(const Tensor& weight);

void zeros_(const Tensor& t);
void ones_(const Tensor& t);
void constant_(const Tensor& t, double value);
void uniform_(const Tensor& t, double lo, double hi, Generator& gen);
void normal_(const Tensor& t, double mean, double std, Generator& gen);
// N(mean, std²) redrawn until inside [a, b] (absolute bounds, like timm's trunc_normal_).
void trunc_normal_(const Tensor& t, double std, Generator& gen, double mean = 0.0, double a = -2.0, double b = 2.0);
void xavier_uniform_(const Tensor& t, Generator& gen, double gain = 1.0);  // U(±gain·√(6/(fan_in+fan_out)))
void xavier_normal_(const Tensor& t, Generator& gen, double gain = 1.0);   // N(0, gain²·2/(fan_in+fan_out))
// Kaiming (He) with PyTorch's leaky-relu gain √(2/(1+a²)), over fan_in.
void kaiming_uniform_(const Tensor& t, Generator& gen, double a = 0.0);
void kaiming_normal_(const Tensor& t, Generator& gen, double a = 0.0);
// PyTorch's nn.Linear / nn.Conv default: weight and bias ~ U(±1/√fan_in) (bias may be undefined).
void default_linear_(const Tensor& weight, const Tensor& bias, Generator& gen);

}  // namespace linattn::init
