// tests/core/test_layout.cpp — layout ops (core/ops/layout.h): float64 gradchecks for every op
// (multi-output split/chunk are checked through a cat of differently weighted pieces) and
// forward values on arange inputs, where the expected layout can be read off by hand.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {
Tensor iota64(const Shape& shape) {
  return reshape(arange(0.0, static_cast<double>(numel(shape)), 1.0, {.dtype = DType::F64}), shape);
}
}  // namespace

TEST_CASE("gradcheck: reshape, flatten, unsqueeze, squeeze") {
  Tensor x = randn64({2, 3, 2}, 41);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return reshape(t[0], {3, -1}); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return flatten(t[0], 1); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return unsqueeze(t[0], -1); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return squeeze(unsqueeze(t[0], 1), 1); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return t[0].clone(); }, {x});
  // a view feeding an op that reads it twice
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { Tensor r = reshape(t[0], {6, 2}); return mul(r, r); }, {x});
}

TEST_CASE("gradcheck: permute, transpose, expand") {
  Tensor x = randn64({2, 3, 4}, 42);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return permute(t[0], {2, 0, 1}); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return permute(t[0], {-1, 1, 0}); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return transpose(t[0], 0, 2); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return transpose(t[0], -1, -2); }, {x});
  Tensor small = randn64({3, 1}, 43);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return expand(t[0], {2, 3, 4}); }, {small});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return expand(t[0], {3, 1}); }, {small});  // no-op
}

TEST_CASE("gradcheck: narrow and slice") {
  Tensor x = randn64({3, 5, 2}, 44);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return narrow(t[0], 1, 1, 3); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return narrow(t[0], 0, -2, 2); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return slice(t[0], 1, -3, 100); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return slice(t[0], -1, 0, 1); }, {x});
}

TEST_CASE("gradcheck: cat, split, chunk") {
  Tensor a = randn64({2, 1, 3}, 45), b = randn64({2, 3, 3}, 46), c = randn64({2, 2, 3}, 47);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return cat(t, 1); }, {a, b, c});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return cat({t[0], t[0]}, -1); }, {a});  // same input twice
  Tensor x = randn64({2, 6}, 48);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) {
    auto p = split(t[0], {1, 3, 2}, 1);
    return cat({mul(p[0], 2.0), exp(p[1]), mul(p[2], -1.0)}, 1);
  }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) {
    auto p = chunk(t[0], 4, 1);  // sizes 2, 2, 2 (torch.chunk)
    return cat({p[2], mul(p[0], 3.0)}, 1);  // p[1] unused: its gradient is 0
  }, {x});
}

TEST_CASE("layout ops: values") {
  Tensor x = iota64({2, 3});  // [[0 1 2] [3 4 5]]
  CHECK_VALUES(transpose(x, 0, 1), 0, {0, 3, 1, 4, 2, 5});
  Tensor y = iota64({2, 3, 4});
  Tensor p = permute(y, {2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.at({1, 1, 2}) == y.at({1, 2, 1}));
  CHECK_VALUES(narrow(x, 1, 1, 2), 0, {1, 2, 4, 5});
  CHECK_VALUES(slice(x, 1, -2, 10), 0, {1, 2, 4, 5});
  CHECK(slice(x, 1, 2, 1).shape() == Shape{2, 0});
  CHECK_VALUES(cat({x, x}, 0), 0, {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
  CHECK_VALUES(cat({x, narrow(x, 1, 0, 1)}, 1), 0, {0, 1, 2, 0, 3, 4, 5, 3});
  CHECK_VALUES(expand(from_values({1, 2}, {2, 1}, {.dtype = DType::F64}), {2, 3}), 0, {1, 1, 1, 2, 2, 2});
  auto parts = chunk(iota64({5}), 2, 0);
  REQUIRE(parts.size() == 2);
  CHECK_VALUES(parts[0], 0, {0, 1, 2});
  CHECK_VALUES(parts[1], 0, {3, 4});
  auto pieces = split(x, {2, 1}, 1);
  CHECK_VALUES(pieces[1], 0, {2, 5});
  CHECK(reshape(x, {-1}).shares_storage(x));
  CHECK(flatten(y, 0, 1).shape() == Shape{6, 4});
  CHECK(unsqueeze(x, 0).shape() == Shape{1, 2, 3});
  CHECK(squeeze(unsqueeze(x, 2), -1).shape() == Shape{2, 3});
}

TEST_CASE("permute and transpose of 0-d and 1-d tensors") {
  Tensor s = leaf64({4.0}, {});
  Tensor ps = permute(s, {});
  CHECK(ps.shape() == Shape{});
  CHECK(ps.item() == 4.0);
  CHECK_VALUES(grad(mul(permute(s, {}), 2.0), {s})[0], 0, {2});
  CHECK_VALUES(transpose(iota64({3}), 0, -1), 0, {0, 1, 2});
}

TEST_CASE("layout ops report bad arguments") {
  Tensor x = iota64({2, 3});
  CHECK_THROWS_WITH_AS(reshape(x, {4, -1}), doctest::Contains("cannot reshape"), Error);
  CHECK_THROWS_WITH_AS(reshape(x, {-1, -1}), doctest::Contains("more than one -1"), Error);
  CHECK_THROWS_WITH_AS(squeeze(x, 0), doctest::Contains("not 1"), Error);
  CHECK_THROWS_WITH_AS(permute(x, {0, 0}), doctest::Contains("repeated"), Error);
  CHECK_THROWS_WITH_AS(narrow(x, 1, 2, 2), doctest::Contains("out of range"), Error);
  CHECK_THROWS_WITH_AS(cat({x, iota64({3, 3})}, 1), doctest::Contains("differ outside axis"), Error);
  CHECK_THROWS_WITH_AS(split(x, {1, 1}, 1), doctest::Contains("add up to 2"), Error);
  CHECK_THROWS_WITH_AS(expand(x, {3, 3}), doctest::Contains("cannot"), Error);
}
