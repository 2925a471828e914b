// tests/core/test_linalg.cpp — bmm / matmul / linear (core/ops/linalg.h): float64 gradchecks
// for all four transpose-flag combinations, batched and broadcast (one side unbatched)
// operands, linear with and without bias; forward values worked by hand.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {
// Stored shape of an (r × c) operand, transposed when the flag is set, with batch axes.
Shape stored(Shape batch, std::int64_t r, std::int64_t c, bool trans) {
  batch.push_back(trans ? c : r);
  batch.push_back(trans ? r : c);
  return batch;
}
}  // namespace

TEST_CASE("gradcheck: bmm with every transpose combination and batch layout") {
  const std::int64_t m = 2, k = 3, n = 4;
  struct Batches {
    Shape a, b;
  };
  const Batches layouts[] = {{{}, {}}, {{2}, {2}}, {{2, 2}, {}}, {{}, {3}}};
  std::uint64_t seed = 50;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (const auto& L : layouts) {
        INFO("trans_a ", ta, " trans_b ", tb, " batch a ", shape_str(L.a), " batch b ", shape_str(L.b));
        Tensor a = randn64(stored(L.a, m, k, ta), seed++), b = randn64(stored(L.b, k, n, tb), seed++);
        CHECK_GRADCHECK([ta, tb](const std::vector<Tensor>& t) { return bmm(t[0], t[1], ta, tb); }, {a, b});
      }
    }
  }
}

TEST_CASE("gradcheck: bmm when only one operand needs a gradient") {
  Tensor a = randn64({2, 2, 3}, 60), b = randn64({3, 2}, 61, false);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return bmm(t[0], t[1]); }, {a, b});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return bmm(t[1], t[0], true, true); }, {a, randn64({2, 3, 2}, 62, false)});
}

TEST_CASE("gradcheck: matmul and linear") {
  Tensor a = randn64({2, 3, 4}, 63), b = randn64({4, 2}, 64);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return matmul(t[0], t[1]); }, {a, b});
  Tensor x = randn64({2, 3, 4}, 65), w = randn64({5, 4}, 66), bias = randn64({5}, 67);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return linear(t[0], t[1], t[2]); }, {x, w, bias});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return linear(t[0], t[1]); }, {x, w});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return linear(t[0], t[1], t[2]); }, {randn64({4}, 68), w, bias});
}

TEST_CASE("bmm, matmul, linear: values") {
  Tensor a = from_values({1, 2, 3, 4, 5, 6}, {2, 3}, {.dtype = DType::F64});  // [[1 2 3] [4 5 6]]
  Tensor b = from_values({1, 0, 0, 1, 1, 1}, {3, 2}, {.dtype = DType::F64});  // [[1 0] [0 1] [1 1]]
  CHECK_VALUES(matmul(a, b), 0, {4, 5, 10, 11});
  CHECK_VALUES(bmm(a, a, false, true), 0, {14, 32, 32, 77});   // a·aᵀ
  CHECK_VALUES(bmm(a, a, true, false), 0, {17, 22, 27, 22, 29, 36, 27, 36, 45});  // aᵀ·a
  CHECK_VALUES(bmm(b, a, true, true), 0, {4, 10, 5, 11});      // bᵀ·aᵀ = (a·b)ᵀ
  Tensor batched = bmm(reshape(cat({a, mul(a, 2.0)}, 0), {2, 2, 3}), b);  // b shared over the batch
  CHECK(batched.shape() == Shape{2, 2, 2});
  CHECK_VALUES(batched, 0, {4, 5, 10, 11, 8, 10, 20, 22});
  Tensor w = from_values({1, 1, 1, 0, 0, 1}, {2, 3}, {.dtype = DType::F64});
  CHECK_VALUES(linear(a, w, from_values({10, 20}, {2}, {.dtype = DType::F64})), 0, {16, 23, 25, 26});
  CHECK_VALUES(linear(a, w), 0, {6, 3, 15, 6});
  // float32 goes through sgemm
  CHECK_VALUES(matmul(a.to(DType::F32), b.to(DType::F32)), 0, {4, 5, 10, 11});
}

TEST_CASE("linalg ops report shape errors with both shapes") {
  Tensor a = zeros({2, 3}, {.dtype = DType::F64}), b = zeros({2, 3}, {.dtype = DType::F64});
  CHECK_THROWS_WITH_AS(matmul(a, b), doctest::Contains("inner dimensions differ"), Error);
  CHECK_THROWS_WITH_AS(bmm(zeros({2, 2, 3}, {.dtype = DType::F64}), zeros({3, 3, 2}, {.dtype = DType::F64})),
                       doctest::Contains("batch axes differ"), Error);
  CHECK_THROWS_WITH_AS(linear(a, zeros({4, 2}, {.dtype = DType::F64})), doctest::Contains("in_features"), Error);
  CHECK_THROWS_WITH_AS(linear(a, zeros({4, 3}, {.dtype = DType::F64}), zeros({3}, {.dtype = DType::F64})),
                       doctest::Contains("bias"), Error);
}
