// tests/core/test_tensor.cpp — Tensor basics: factories, dtype/device, host access, in-place
// writes, printing, the RNG's reproducibility and the allocator's statistics.
#include <doctest/doctest.h>

#include <cmath>

#include "core/allocator.h"
#include "core/ops.h"

using namespace linattn;

TEST_CASE("factories fill shapes and values") {
  Tensor z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dtype() == DType::F32);
  CHECK(z.numel() == 6);
  CHECK(z.at({1, 2}) == 0.0);
  CHECK(ones({4}, {.dtype = DType::F64}).at({3}) == 1.0);
  CHECK(full({2}, 2.5).at({1}) == 2.5);
  Tensor r = arange(5);
  CHECK(r.dtype() == DType::I64);
  CHECK(r.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  Tensor s = arange(0.0, 1.0, 0.25, {.dtype = DType::F64});
  CHECK(s.to_vector<double>() == std::vector<double>{0.0, 0.25, 0.5, 0.75});
  CHECK(scalar(3.0).dim() == 0);
  CHECK(scalar(3.0).item() == 3.0);
}

TEST_CASE("from_values checks the element count") {
  CHECK_THROWS_WITH_AS(from_values({1, 2, 3}, {2, 2}), doctest::Contains("3 values for shape (2, 2)"), Error);
  Tensor t = from_values({1, 2, 3, 4}, {2, 2}, {.dtype = DType::F64});
  CHECK(t.at({1, 0}) == 3.0);
  CHECK_THROWS_WITH_AS(t.at({2, 0}), doctest::Contains("out of range"), Error);
  CHECK_THROWS_AS(t.data<float>(), Error);
}

TEST_CASE("dtype conversion round-trips and casts") {
  Tensor t = from_values({1.5, -2.25, 3.0}, {3}, {.dtype = DType::F64});
  Tensor f = t.to(DType::F32);
  CHECK(f.dtype() == DType::F32);
  CHECK(f.at({1}) == -2.25);
  Tensor i = t.to(DType::I64);
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2, 3});
  CHECK(parse_dtype("f64") == DType::F64);
  CHECK_THROWS_WITH_AS(parse_dtype("half"), doctest::Contains("unknown dtype 'half'"), Error);
}

TEST_CASE("devices parse, and CUDA without a device is a clear error") {
  CHECK(Device::parse("cpu").is_cpu());
  CHECK(Device::parse("cuda:1") == Device::cuda(1));
  CHECK(Device::cuda(2).str() == "cuda:2");
  CHECK_THROWS_WITH_AS(Device::parse("gpu"), doctest::Contains("unknown device 'gpu'"), Error);
  if (!cuda_available()) CHECK_THROWS_AS(zeros({2}, {.device = Device::cuda()}), Error);
}

TEST_CASE("in-place writes bump the version and reshape shares storage") {
  Tensor t = zeros({2, 2});
  auto v0 = t.version();
  t.fill_(1.0);
  CHECK(t.version() == v0 + 1);
  Tensor r = reshape(t, {4});
  CHECK(r.shares_storage(t));
  t.copy_(from_values({1, 2, 3, 4}, {2, 2}));
  CHECK(r.at({3}) == 4.0);
  CHECK_THROWS_WITH_AS(t.copy_(zeros({3})), doctest::Contains("does not match"), Error);
}

TEST_CASE("random draws are reproducible from the seed and have the right moments") {
  Generator a(42), b(42);
  Tensor x = randn({10000}, {.dtype = DType::F64}, &a);
  Tensor y = randn({10000}, {.dtype = DType::F64}, &b);
  CHECK(x.to_vector<double>() == y.to_vector<double>());
  CHECK(a.offset() == 10000);
  double m = mean(x).item(), s = std::sqrt(var(x).item());
  CHECK(std::abs(m) < 0.03);
  CHECK(std::abs(s - 1.0) < 0.03);
  Tensor u = uniform({10000}, -2.0, 2.0, {}, &a);
  CHECK(min(u).item() >= -2.0);
  CHECK(max(u).item() < 2.0);
  CHECK(std::abs(mean(u).item()) < 0.05);
  // Float32 and float64 normal streams agree (both compute in float64).
  Generator c(7), d(7);
  Tensor n32 = randn({8}, {}, &c), n64 = randn({8}, {.dtype = DType::F64}, &d);
  for (std::int64_t i = 0; i < 8; ++i) CHECK(n32.at({i}) == doctest::Approx(n64.at({i})).epsilon(1e-7));
}

TEST_CASE("printing is readable and summarizes large tensors") {
  Tensor t = from_values({1, 2, 3, 4}, {2, 2});
  CHECK(t.str() == "tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]])");
  CHECK(arange(3).str() == "tensor([0, 1, 2], dtype=int64)");
  std::string big = zeros({2000}).str();
  CHECK(big.find("...") != std::string::npos);
  CHECK(big.size() < 200);
}

TEST_CASE("the caching allocator reuses blocks and tracks the peak") {
  CHECK(CachingAllocator::size_class(1) == 512);
  CHECK(CachingAllocator::size_class(70000) >= 70000);
  CHECK(CachingAllocator::size_class(70000) <= 70000 * 9 / 8 + 1);
  reset_peak_memory(Device::cpu());
  auto before = memory_stats(Device::cpu());
  { Tensor big = empty({1 << 20}); }
  auto mid = memory_stats(Device::cpu());
  CHECK(mid.peak_allocated_bytes >= before.allocated_bytes + (4u << 20));
  CHECK(mid.allocated_bytes == before.allocated_bytes);
  { Tensor again = empty({1 << 20}); }
  auto after = memory_stats(Device::cpu());
  CHECK(after.cache_hits > mid.cache_hits);
}
