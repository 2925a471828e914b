// core/factory.h — functions that create tensors: constants, ranges, host values, and random
// draws from a seeded Generator (core/rng.h; the default generator when none is given).
#pragma once
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"

namespace linattn {

Tensor empty(const Shape& shape, Options options = {});
Tensor zeros(const Shape& shape, Options options = {});
Tensor ones(const Shape& shape, Options options = {});
Tensor full(const Shape& shape, double value, Options options = {});
Tensor scalar(double value, Options options = {});  // shape ()
// [start, end) with step, like torch.arange; int64 by default.
Tensor arange(double start, double end, double step = 1.0, Options options = {.dtype = DType::I64});
Tensor arange(std::int64_t end, Options options = {.dtype = DType::I64});
// A tensor holding `values` (row-major) with `shape`; numel must match.
Tensor from_values(const std::vector<double>& values, const Shape& shape, Options options = {});

Tensor rand(const Shape& shape, Options options = {}, Generator* gen = nullptr);   // U[0, 1)
Tensor randn(const Shape& shape, Options options = {}, Generator* gen = nullptr);  // N(0, 1)
Tensor uniform(const Shape& shape, double lo, double hi, Options options = {}, Generator* gen = nullptr);
Tensor normal(const Shape& shape, double mean, double std, Options options = {}, Generator* gen = nullptr);

Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);

// In-place random fills (not recorded by autograd), for initializers.
void uniform_(Tensor& t, double lo, double hi, Generator* gen = nullptr);
void normal_(Tensor& t, double mean, double std, Generator* gen = nullptr);

}  // namespace linattn
