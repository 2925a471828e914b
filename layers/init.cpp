// layers/init.cpp — see init.h. Draws happen on the host (one Philox counter per draw, see
// core/rng.h) and are copied to the tensor's device, so every device starts from the same values.
#include "layers/init.h"

#include <cmath>
#include <vector>

#include "core/autograd.h"
#include "core/factory.h"

namespace linattn::init {

namespace {

template <class Draw>
void fill_host(const Tensor& t, Draw draw) {
  std::vector<double> v(static_cast<std::size_t>(t.numel()));
  for (double& x : v) x = draw();
  NoGradGuard no_grad;
  t.copy_(from_values(v, t.shape(), {.dtype = t.dtype()}));
}

}  // namespace

std::pair<std::int64_t, std::int64_t> fan_in_out(const Tensor& w) {
  LINATTN_CHECK(w.dim() >= 2, "fan_in/fan_out need a weight with at least 2 axes, got ", shape_str(w.shape()));
  std::int64_t receptive = 1;
  for (int i = 2; i < w.dim(); ++i) receptive *= w.shape()[static_cast<std::size_t>(i)];
  return {w.shape()[1] * receptive, w.shape()[0] * receptive};
}

void constant_(const Tensor& t, double value) { t.fill_(value); }
void zeros_(const Tensor& t) { t.fill_(0.0); }
void ones_(const Tensor& t) { t.fill_(1.0); }

void uniform_(const Tensor& t, double lo, double hi, Generator& gen) {
  fill_host(t, [&] { return lo + (hi - lo) * gen.uniform(); });
}

void normal_(const Tensor& t, double mean, double std, Generator& gen) {
  fill_host(t, [&] { return mean + std * gen.normal(); });
}

void trunc_normal_(const Tensor& t, double std, Generator& gen, double mean, double a, double b) {
  LINATTN_CHECK(a < b && std > 0, "trunc_normal_: need a < b and std > 0");
  fill_host(t, [&] {
    for (;;) {
      double x = mean + std * gen.normal();
      if (x >= a && x <= b) return x;
    }
  });
}

void xavier_uniform_(const Tensor& t, Generator& gen, double gain) {
  auto [fi, fo] = fan_in_out(t);
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fi + fo));
  uniform_(t, -bound, bound, gen);
}

void xavier_normal_(const Tensor& t, Generator& gen, double gain) {
  auto [fi, fo] = fan_in_out(t);
  normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fi + fo)), gen);
}

void kaiming_uniform_(const Tensor& t, Generator& gen, double a) {
  auto [fi, fo] = fan_in_out(t);
  double bound = std::sqrt(2.0 / (1.0 + a * a)) * std::sqrt(3.0 / static_cast<double>(fi));
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(const Tensor& t, Generator& gen, double a) {
  auto [fi, fo] = fan_in_out(t);
  normal_(t, 0.0, std::sqrt(2.0 / (1.0 + a * a)) / std::sqrt(static_cast<double>(fi)), gen);
}

void default_linear_(const Tensor& weight, const Tensor& bias, Generator& gen) {
  auto [fi, fo] = fan_in_out(weight);
  double bound = 1.0 / std::sqrt(static_cast<double>(fi));
  uniform_(weight, -bound, bound, gen);
  if (bias.defined()) uniform_(bias, -bound, bound, gen);
}

}  // namespace linattn::init
