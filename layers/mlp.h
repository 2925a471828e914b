// layers/mlp.h — the transformer MLP: fc1 (C → hidden) → GELU → fc2 (hidden → C), names
// `fc1.*`, `fc2.*` as in timm. No dropout (docs/attention.md §8.1).
#pragma once
#include <memory>

#include "layers/linear.h"

namespace linattn {

class MLP : public Module {
 public:
  MLP(std::int64_t dim, std::int64_t hidden, Generator& gen);
  Tensor forward(const Tensor& x) const;  // (..., C) -> (..., C)

  std::shared_ptr<Linear> fc1, fc2;
};

}  // namespace linattn
