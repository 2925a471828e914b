// layers/mlp.cpp — see mlp.h.
#include "layers/mlp.h"

#include "core/ops.h"

namespace linattn {

MLP::MLP(std::int64_t dim, std::int64_t hidden, Generator& gen) {
  fc1 = register_module("fc1", std::make_shared<Linear>(dim, hidden, true, gen));
  fc2 = register_module("fc2", std::make_shared<Linear>(hidden, dim, true, gen));
}

Tensor MLP::forward(const Tensor& x) const { return fc2->forward(gelu(fc1->forward(x))); }

}  // namespace linattn
