// core/factory.cpp — see factory.h.
#include "core/factory.h"

#include <cmath>

#include "core/kernels/memory.h"

namespace linattn {

namespace {
Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) t.requires_grad_();
  return t;
}
Options no_grad(Options o) {
  o.requires_grad = false;
  return o;
}
}  // namespace

Tensor empty(const Shape& shape, Options options) { return Tensor::empty(shape, options); }

Tensor full(const Shape& shape, double value, Options options) {
  Tensor t = Tensor::empty(shape, no_grad(options));
  t.fill_(value);
  return finish(t, options.requires_grad);
}
Tensor zeros(const Shape& shape, Options options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, Options options) { return full(shape, 1.0, options); }
Tensor scalar(double value, Options options) { return full({}, value, options); }

Tensor arange(double start, double end, double step, Options options) {
  LINATTN_CHECK(step != 0.0, "arange: step must be nonzero");
  auto n = static_cast<std::int64_t>(std::ceil((end - start) / step));
  n = std::max<std::int64_t>(n, 0);
  std::vector<double> values(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) values[static_cast<std::size_t>(i)] = start + static_cast<double>(i) * step;
  return from_values(values, {n}, options);
}

Tensor arange(std::int64_t end, Options options) { return arange(0.0, static_cast<double>(end), 1.0, options); }

Tensor from_values(const std::vector<double>& values, const Shape& shape, Options options) {
  LINATTN_CHECK(static_cast<std::int64_t>(values.size()) == numel(shape), "from_values: ", values.size(),
                " values for shape ", shape_str(shape), " (", numel(shape), " elements)");
  Tensor host = Tensor::empty(shape, {.dtype = options.dtype});
  LINATTN_ALL_TYPES(options.dtype, "from_values", [&] {
    auto* p = host.data<scalar_t>();
    for (std::size_t i = 0; i < values.size(); ++i) p[i] = static_cast<scalar_t>(values[i]);
  });
  Tensor out = options.device.is_cpu() ? host : host.to(options.device);
  return finish(out, options.requires_grad);
}

void uniform_(Tensor& t, double lo, double hi, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  std::uint64_t offset = g.reserve(static_cast<std::uint64_t>(t.numel()));
  LINATTN_DISPATCH(t.device(), fill_uniform, t, g.seed(), offset, lo, hi);
  t.bump_version();
}

void normal_(Tensor& t, double mean, double std, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  std::uint64_t offset = g.reserve(static_cast<std::uint64_t>(t.numel()));
  LINATTN_DISPATCH(t.device(), fill_normal, t, g.seed(), offset, mean, std);
  t.bump_version();
}

Tensor uniform(const Shape& shape, double lo, double hi, Options options, Generator* gen) {
  Tensor t = Tensor::empty(shape, no_grad(options));
  uniform_(t, lo, hi, gen);
  return finish(t, options.requires_grad);
}
Tensor normal(const Shape& shape, double mean, double std, Options options, Generator* gen) {
  Tensor t = Tensor::empty(shape, no_grad(options));
  normal_(t, mean, std, gen);
  return finish(t, options.requires_grad);
}
Tensor rand(const Shape& shape, Options options, Generator* gen) { return uniform(shape, 0.0, 1.0, options, gen); }
Tensor randn(const Shape& shape, Options options, Generator* gen) { return normal(shape, 0.0, 1.0, options, gen); }

Tensor empty_like(const Tensor& t) { return Tensor::empty(t.shape(), {.dtype = t.dtype(), .device = t.device()}); }
Tensor zeros_like(const Tensor& t) { return full(t.shape(), 0.0, {.dtype = t.dtype(), .device = t.device()}); }
Tensor ones_like(const Tensor& t) { return full(t.shape(), 1.0, {.dtype = t.dtype(), .device = t.device()}); }
Tensor full_like(const Tensor& t, double value) {
  return full(t.shape(), value, {.dtype = t.dtype(), .device = t.device()});
}

}  // namespace linattn
