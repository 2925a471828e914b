// layers/dropout.h — Dropout as a Module (active in training mode only).
#pragma once
#include "core/ops/nn.h"
#include "layers/module.h"

namespace linattn {

class Dropout : public Module {
 public:
  explicit Dropout(double probability, Generator* generator = nullptr) : p(probability), gen(generator) {}
  Tensor forward(const Tensor& x) const { return dropout(x, p, is_training(), gen); }

  double p;
  Generator* gen;  // the default generator when null
};

}  // namespace linattn
