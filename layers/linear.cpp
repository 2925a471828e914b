// layers/linear.cpp — see linear.h.
#include "layers/linear.h"

#include "core/ops.h"
#include "layers/init.h"

namespace linattn {

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias, Generator& gen)
    : in_features(in), out_features(out) {
  LINATTN_CHECK(in > 0 && out > 0, "Linear: in and out features must be positive, got ", in, " and ", out);
  weight = register_parameter("weight", empty({out, in}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  init::default_linear_(weight, bias, gen);
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight, bias); }

}  // namespace linattn
