// layers/conv.cpp — see conv.h.
#include "layers/conv.h"

#include "core/factory.h"
#include "layers/init.h"

namespace linattn {

Conv2d::Conv2d(std::int64_t cin, std::int64_t cout, std::array<std::int64_t, 2> kernel, const Conv2dParams& p,
               bool with_bias, Generator& gen)
    : params(p) {
  LINATTN_CHECK(p.groups > 0 && cin % p.groups == 0 && cout % p.groups == 0, "Conv2d: in_channels ", cin,
                " and out_channels ", cout, " must both be divisible by groups ", p.groups);
  weight = register_parameter("weight", empty({cout, cin / p.groups, kernel[0], kernel[1]}));
  if (with_bias) bias = register_parameter("bias", empty({cout}));
  init::default_linear_(weight, bias, gen);
}

Tensor Conv2d::forward(const Tensor& x) const { return conv2d(x, weight, bias, params); }

}  // namespace linattn
