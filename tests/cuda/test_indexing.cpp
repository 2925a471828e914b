// tests/cuda/test_indexing.cpp — index_select, gather and scatter_add on CUDA
// (core/cuda/indexing.cu) against the CPU, forward and backward: every axis, repeated indices
// (the accumulating backward kernels index_add / scatter_add), an index smaller than the input
// off the axis, float32, float64 and int64, many repeats of few rows, run-to-run determinism,
// and the CPU's out-of-range error messages.
//
// Tolerance: exact everywhere. Selection copies values, and the accumulating kernels add each
// destination's contributions in the CPU's order (index position ascending) in the same type.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kExact{};

Tensor i64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::I64}); }

// An int64 index of `shape` with entries in [0, size), many of them repeated.
Tensor index_of(const Shape& shape, std::int64_t size, std::int64_t salt) {
  std::vector<double> v(static_cast<std::size_t>(numel(shape)));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<double>((static_cast<std::int64_t>(i) * 7 + salt * 3 + static_cast<std::int64_t>(i) / 5) % size);
  return i64(v, shape);
}

}  // namespace

TEST_CASE("index_select on CUDA matches the CPU on every axis, forward and backward") {
  REQUIRE_CUDA();
  std::uint64_t seed = 1;
  for (DType dtype : {DType::F32, DType::F64}) {
    Tensor x = randn_t({5, 6, 7}, ++seed, dtype);
    for (std::int64_t axis : {0, 1, 2, -1}) {
      const std::int64_t size = x.size(static_cast<int>(axis < 0 ? axis + 3 : axis));
      Tensor idx = index_of({11}, size, axis + 5);  // longer than the axis: repeats
      check_parity([axis](const std::vector<Tensor>& in) { return index_select(in[0], axis, in[1]); }, {x, idx}, kExact,
                   kExact, str_cat("index_select ", dtype_name(dtype), " axis ", axis));
    }
  }
  // Many repeats of few rows: index_add sums ~140 contributions per destination row.
  Tensor x = randn_t({3, 7, 33}, 50, DType::F32);
  Tensor idx = index_of({1000}, 7, 2);
  check_parity([](const std::vector<Tensor>& in) { return index_select(in[0], 1, in[1]); }, {x, idx}, kExact, kExact,
               "index_select with 1000 indices into 7 rows");
  // int64 data (no gradient).
  Tensor xi = i64({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  check_parity([](const std::vector<Tensor>& in) { return index_select(in[0], 1, in[1]); }, {xi, i64({3, 0, 3}, {3})},
               kExact, kExact, "index_select of int64 data");
}

TEST_CASE("gather on CUDA matches the CPU, including an index smaller than the input off the axis") {
  REQUIRE_CUDA();
  std::uint64_t seed = 100;
  struct GatherCase {
    Shape x, index;
    int axis;
  };
  const std::vector<GatherCase> cases = {
      {{4, 5}, {4, 9}, 1},        {{6, 3}, {10, 3}, 0},          {{3, 4, 5}, {3, 4, 2}, 2},
      {{3, 4, 5}, {2, 7, 3}, 1},  {{3, 4, 5}, {5, 2, 4}, 0},     {{2, 3, 40, 6}, {2, 3, 100, 6}, 2},
  };
  for (DType dtype : {DType::F32, DType::F64}) {
    for (const GatherCase& c : cases) {
      Tensor x = randn_t(c.x, ++seed, dtype);
      Tensor idx = index_of(c.index, c.x[static_cast<std::size_t>(c.axis)], static_cast<std::int64_t>(seed));
      const int axis = c.axis;
      check_parity([axis](const std::vector<Tensor>& in) { return gather(in[0], axis, in[1]); }, {x, idx}, kExact,
                   kExact, str_cat("gather ", dtype_name(dtype), " ", shape_str(c.x), " axis ", axis, " index ",
                                   shape_str(c.index)));
    }
  }
  Tensor xi = i64({0, 1, 2, 3, 4, 5}, {2, 3});
  check_parity([](const std::vector<Tensor>& in) { return gather(in[0], 1, in[1]); }, {xi, i64({2, 2, 0, 1}, {2, 2})},
               kExact, kExact, "gather of int64 data");
}

TEST_CASE("scatter_add on CUDA matches the CPU, forward and backward in x and src") {
  REQUIRE_CUDA();
  std::uint64_t seed = 200;
  struct ScatterCase {
    Shape x, index;
    int axis;
  };
  const std::vector<ScatterCase> cases = {
      {{4, 5}, {4, 12}, 1}, {{6, 3}, {20, 2}, 0}, {{3, 4, 5}, {3, 4, 9}, 2}, {{3, 4, 5}, {2, 30, 3}, 1},
      {{2, 8, 64}, {2, 500, 64}, 1},
  };
  for (DType dtype : {DType::F32, DType::F64}) {
    for (const ScatterCase& c : cases) {
      Tensor x = randn_t(c.x, ++seed, dtype), src = randn_t(c.index, ++seed, dtype);
      Tensor idx = index_of(c.index, c.x[static_cast<std::size_t>(c.axis)], static_cast<std::int64_t>(seed));
      const int axis = c.axis;
      check_parity([axis](const std::vector<Tensor>& in) { return scatter_add(in[0], axis, in[1], in[2]); },
                   {x, idx, src}, kExact, kExact,
                   str_cat("scatter_add ", dtype_name(dtype), " ", shape_str(c.x), " axis ", axis, " index ",
                           shape_str(c.index)));
    }
  }
  Tensor xi = i64({0, 1, 2, 3, 4, 5}, {2, 3});
  check_parity([](const std::vector<Tensor>& in) { return scatter_add(in[0], 0, in[1], in[2]); },
               {xi, i64({1, 1, 0, 1, 1, 1}, {2, 3}), i64({10, 20, 30, 40, 50, 60}, {2, 3})}, kExact, kExact,
               "scatter_add of int64 data");
}

TEST_CASE("indexing backward on CUDA repeats bit for bit") {
  REQUIRE_CUDA();
  Tensor x = to_cuda(randn_t({4, 9, 16}, 300, DType::F32));
  Tensor idx = to_cuda(index_of({700}, 9, 1)), gidx = to_cuda(index_of({4, 300, 16}, 9, 2));
  Tensor g = to_cuda(randn_t({4, 700, 16}, 301, DType::F32, false));
  Tensor gg = to_cuda(randn_t({4, 300, 16}, 302, DType::F32, false));
  Tensor a = grad(index_select(x, 1, idx), {x}, g)[0], b = grad(gather(x, 1, gidx), {x}, gg)[0];
  Tensor a2 = grad(index_select(x, 1, idx), {x}, g)[0], b2 = grad(gather(x, 1, gidx), {x}, gg)[0];
  CHECK_CLOSE(a2, a, kExact);
  CHECK_CLOSE(b2, b, kExact);
}

TEST_CASE("indexing on CUDA reports out-of-range indices like the CPU") {
  REQUIRE_CUDA();
  Tensor x = to_cuda(from_values({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4}, {.dtype = DType::F64}));
  CHECK_THROWS_WITH_AS(index_select(x, 1, to_cuda(i64({0, 4}, {2}))),
                       doctest::Contains("index 4 (at position 1) is out of range for axis 1 of size 4"), Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, to_cuda(i64({0, 1, -2, 9}, {2, 2}))),
                       doctest::Contains("gather: index -2 (at flat position 2 of the index of shape (2, 2)) is out of "
                                         "range for axis 1 of size 4"),
                       Error);
  CHECK_THROWS_WITH_AS(
      scatter_add(x, 0, to_cuda(i64({0, 3}, {1, 2})), to_cuda(from_values({1, 1}, {1, 2}, {.dtype = DType::F64}))),
      doctest::Contains("scatter_add: index 3 (at flat position 1 of the index of shape (1, 2)) is out of range for "
                        "axis 0 of size 3"),
      Error);
  // The device is still usable afterwards.
  Tensor ok = gather(x, 1, to_cuda(i64({3, 0}, {2, 1})));
  CHECK_CLOSE(ok, gather(x.cpu(), 1, i64({3, 0}, {2, 1})), kExact);
}
