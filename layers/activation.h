// layers/activation.h — parameter-free activation modules (GELU is the exact, erf form).
#pragma once
#include "core/ops/elementwise.h"
#include "layers/module.h"

namespace linattn {

class GELU : public Module {
 public:
  Tensor forward(const Tensor& x) const { return gelu(x); }
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) const { return relu(x); }
};

}  // namespace linattn
