// layers/conv.h — Conv2d: weight (Cout, Cin/groups, kh, kw), bias (Cout); PyTorch default init
// (U(±1/√fan_in), fan_in = Cin/groups·kh·kw). Input (B, Cin, H, W) → (B, Cout, H', W').
#pragma once
#include "core/ops/conv.h"
#include "core/rng.h"
#include "layers/module.h"

namespace linattn {

class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, std::array<std::int64_t, 2> kernel,
         const Conv2dParams& params, bool bias, Generator& gen);
  Tensor forward(const Tensor& x) const;

  Conv2dParams params;
  Tensor weight, bias;
};

}  // namespace linattn
