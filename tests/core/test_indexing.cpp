// tests/core/test_indexing.cpp — index_select, gather, scatter_add (core/ops/indexing.h):
// float64 gradchecks (repeated indices included, so backward accumulation is exercised),
// values from PyTorch 1.13, an index smaller than the input off the axis, thread-count
// independence of the accumulating backward, and out-of-range errors.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {
Tensor i64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::I64}); }
Tensor iota64(const Shape& shape) {
  return reshape(arange(0.0, static_cast<double>(numel(shape)), 1.0, {.dtype = DType::F64}), shape);
}
struct ThreadCount {
  int saved = num_threads();
  ~ThreadCount() { set_num_threads(saved); }
};
}  // namespace

TEST_CASE("gradcheck: index_select on every axis with repeated indices") {
  Tensor x = randn64({3, 4, 2}, 91);
  Tensor idx = i64({2, 0, 2, 1, 2}, {5});
  for (std::int64_t axis : {0, 1, -1}) {
    Tensor ix = axis == -1 ? i64({1, 1, 0}, {3}) : idx;
    INFO("axis ", axis);
    CHECK_GRADCHECK([ix, axis](const std::vector<Tensor>& t) { return index_select(t[0], axis, ix); }, {x});
  }
}

TEST_CASE("gradcheck: gather, including an index smaller than the input off the axis") {
  Tensor x = randn64({3, 4}, 92);
  Tensor idx = i64({0, 2, 1, 1, 0, 2}, {2, 3});  // axis 0 of (3, 4); 3 < 4 columns off the axis
  CHECK_GRADCHECK([idx](const std::vector<Tensor>& t) { return gather(t[0], 0, idx); }, {x});
  Tensor idx1 = i64({3, 3, 0, 1, 1, 2}, {3, 2});  // axis 1, two picks per row
  CHECK_GRADCHECK([idx1](const std::vector<Tensor>& t) { return gather(t[0], 1, idx1); }, {x});
  Tensor x3 = randn64({2, 3, 4}, 93);
  Tensor idx3 = i64({2, 0, 1, 1, 0, 0, 2, 2, 1, 0, 0, 2}, {2, 2, 3});  // smaller on axes 1 and 2
  CHECK_GRADCHECK([idx3](const std::vector<Tensor>& t) { return gather(t[0], 1, idx3); }, {x3});
}

TEST_CASE("gradcheck: scatter_add in the input and in src") {
  Tensor x = randn64({2, 3}, 94), src = randn64({2, 3}, 95);
  Tensor idx = i64({0, 0, 2, 1, 1, 1}, {2, 3});
  CHECK_GRADCHECK([idx](const std::vector<Tensor>& t) { return scatter_add(t[0], 1, idx, t[1]); }, {x, src});
  Tensor big = randn64({4, 3}, 96), small_src = randn64({2, 2}, 97);
  Tensor idx0 = i64({3, 0, 3, 3}, {2, 2});
  CHECK_GRADCHECK([idx0](const std::vector<Tensor>& t) { return scatter_add(t[0], 0, idx0, t[1]); }, {big, small_src});
}

TEST_CASE("indexing: values from PyTorch") {
  Tensor x = iota64({3, 4});
  CHECK_VALUES(index_select(x, 1, i64({3, 0, 3}, {3})), 0, {3, 0, 3, 7, 4, 7, 11, 8, 11});
  CHECK(index_select(x, 0, i64({}, {0})).shape() == Shape{0, 4});
  CHECK_VALUES(gather(x, 1, i64({0, 0, 3, 1, 2, 2}, {3, 2})), 0, {0, 0, 7, 5, 10, 10});
  CHECK_VALUES(gather(x, 0, i64({2, 0, 1, 0}, {1, 4})), 0, {8, 1, 6, 3});
  Tensor src = from_values({1, 2, 3, 4, 5, 6}, {2, 3}, {.dtype = DType::F64});
  CHECK_VALUES(scatter_add(zeros({2, 3}, {.dtype = DType::F64}), 1, i64({0, 0, 2, 1, 1, 1}, {2, 3}), src), 0,
               {3, 0, 3, 0, 15, 0});
  // int64 data works too (labels, boxes' indices)
  CHECK_VALUES(gather(i64({5, 6, 7}, {3}), 0, i64({2, 2, 0}, {3})), 0, {7, 7, 5});
  CHECK_VALUES(index_select(x.to(DType::F32), 0, i64({2}, {1})), 0, {8, 9, 10, 11});
}

TEST_CASE("indexing backward: repeated indices accumulate") {
  Tensor x = leaf64({1, 2, 3}, {3});
  CHECK_VALUES(grad(sum(index_select(x, 0, i64({2, 2, 0, 2}, {4}))), {x})[0], 0, {1, 0, 3});
  Tensor y = leaf64({1, 2, 3, 4}, {2, 2});
  CHECK_VALUES(grad(sum(gather(y, 1, i64({1, 1, 1, 0, 0, 0}, {2, 3}))), {y})[0], 0, {0, 3, 3, 0});
}

TEST_CASE("indexing backward does not depend on the thread count") {
  Generator gen(98);
  Tensor x = randn({200, 256}, {.requires_grad = true}, &gen);  // 4 column tasks
  std::vector<double> iv(1000);
  for (std::size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<double>((i * 7919) % 200);
  Tensor idx = i64(iv, {1000});
  Tensor g = randn({1000, 256}, {}, &gen);
  std::vector<double> gv(100 * 256);
  for (std::size_t i = 0; i < gv.size(); ++i) gv[i] = static_cast<double>((i * 13) % 200);
  Tensor gidx = i64(gv, {100, 256});
  Tensor gg = randn({100, 256}, {}, &gen);
  ThreadCount restore;
  set_num_threads(1);
  Tensor a = grad(index_select(x, 0, idx), {x}, g)[0], b = grad(gather(x, 0, gidx), {x}, gg)[0];
  set_num_threads(2);
  Tensor a2 = grad(index_select(x, 0, idx), {x}, g)[0], b2 = grad(gather(x, 0, gidx), {x}, gg)[0];
  CHECK(a.to_vector<float>() == a2.to_vector<float>());
  CHECK(b.to_vector<float>() == b2.to_vector<float>());
}

TEST_CASE("indexing reports out-of-range indices and bad shapes") {
  Tensor x = iota64({3, 4});
  CHECK_THROWS_WITH_AS(index_select(x, 1, i64({0, 4}, {2})),
                       doctest::Contains("index 4 (at position 1) is out of range for axis 1 of size 4"), Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, i64({-1}, {1})), doctest::Contains("index -1"), Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, i64({0, 1}, {1, 2})), doctest::Contains("must be 1-D"), Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, from_values({0}, {1})), doctest::Contains("index must be int64"), Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, i64({0, 1, 2, 9}, {2, 2})),
                       doctest::Contains("gather: index 9 (at flat position 3 of the index of shape (2, 2)) is out of "
                                         "range for axis 1 of size 4"),
                       Error);
  CHECK_THROWS_WITH_AS(gather(x, 0, i64({0, 1}, {2})), doctest::Contains("same number of axes"), Error);
  CHECK_THROWS_WITH_AS(gather(x, 0, i64(std::vector<double>(10, 0.0), {2, 5})), doctest::Contains("larger than the input"),
                       Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, i64({3, 0}, {1, 2}), from_values({1, 1}, {1, 2}, {.dtype = DType::F64})),
                       doctest::Contains("scatter_add: index 3"), Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, i64({0, 0}, {1, 2}), from_values({1, 1, 1}, {1, 3}, {.dtype = DType::F64})),
                       doctest::Contains("must have the index's shape"), Error);
}
