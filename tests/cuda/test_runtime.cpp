// tests/cuda/test_runtime.cpp — the CUDA runtime pieces the kernels stand on: host <-> device
// round trips (every dtype, conversions, empty and 0-d tensors), fills and random draws on the
// device against the CPU, the device caching allocator's statistics, and device-mismatch errors.
#include <doctest/doctest.h>

#include "core/allocator.h"
#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"

using namespace linattn;
using namespace linattn::testing;

namespace {
constexpr Tolerance kExact{};
constexpr Tolerance kDraw{.rtol = 1e-6};  // same Philox counters; the double math may differ by an ulp
}  // namespace

TEST_CASE("host -> device -> host round trips are bit-exact for every dtype and shape") {
  REQUIRE_CUDA();
  Generator gen(1);
  for (const Shape& shape : {Shape{}, Shape{0}, Shape{7}, Shape{3, 0, 2}, Shape{33, 65}}) {
    for (DType dtype : {DType::F32, DType::F64}) {
      Tensor x = randn(shape, {.dtype = dtype}, &gen);
      Tensor d = x.to(Device::cuda());
      CHECK(d.is_cuda());
      CHECK(d.shape() == shape);
      CHECK_CLOSE(d.to(Device::cpu()), x, kExact);
    }
    Tensor i = reshape(arange(0.0, static_cast<double>(numel(shape)), 1.0, {.dtype = DType::I64}), shape);
    CHECK(i.to(Device::cuda()).to(Device::cpu()).to_vector<std::int64_t>() == i.to_vector<std::int64_t>());
  }
}

TEST_CASE("dtype conversions, copies and host access work on and across the device") {
  REQUIRE_CUDA();
  Tensor x = from_values({1.5, -2.25, 3.0, 1e30}, {2, 2}, {.dtype = DType::F64});
  Tensor d = x.to(Device::cuda());
  CHECK_CLOSE(d.to(DType::F32), x.to(DType::F32), kExact);     // convert on the device
  CHECK_CLOSE(d.to(DType::I64).to(DType::F64), x.to(DType::I64).to(DType::F64), kExact);
  Tensor host = zeros({2, 2});
  host.copy_(d);  // device float64 -> host float32
  CHECK_CLOSE(host, x.to(DType::F32), kExact);
  Tensor dev = zeros({2, 2}, {.device = Device::cuda()});
  dev.copy_(x);  // host float64 -> device float32
  CHECK_CLOSE(dev, x.to(DType::F32), kExact);
  CHECK(d.at({1, 0}) == 3.0);
  CHECK(sum(d).item() == doctest::Approx(1e30));
  Tensor filled = full({3}, 2.5, {.device = Device::cuda()});
  CHECK(filled.to_vector<float>() == std::vector<float>{2.5f, 2.5f, 2.5f});
  filled.zero_();
  CHECK(filled.to_vector<float>() == std::vector<float>{0.f, 0.f, 0.f});
  CHECK(d.clone().to(Device::cpu()).to_vector<double>() == x.to_vector<double>());
}

TEST_CASE("random draws on the device equal the CPU draws of the same seed") {
  REQUIRE_CUDA();
  for (DType dtype : {DType::F32, DType::F64}) {
    Generator g_cpu(7), g_gpu(7);
    CHECK_CLOSE(uniform({1000}, -1.0, 3.0, {.dtype = dtype, .device = Device::cuda()}, &g_gpu),
                uniform({1000}, -1.0, 3.0, {.dtype = dtype}, &g_cpu), kDraw);
    CHECK_CLOSE(randn({1000}, {.dtype = dtype, .device = Device::cuda()}, &g_gpu),
                randn({1000}, {.dtype = dtype}, &g_cpu), kDraw);
    CHECK(g_cpu.offset() == g_gpu.offset());
  }
}

TEST_CASE("the device caching allocator reuses blocks and keeps exact statistics") {
  REQUIRE_CUDA();
  const Device dev = Device::cuda();
  empty_cache(dev);
  const MemoryStats s0 = memory_stats(dev);
  CHECK(s0.reserved_bytes == s0.allocated_bytes);  // nothing cached after empty_cache
  const std::int64_t count = (3 << 20) + 1234;     // float32 elements: an odd size, its own size class
  const std::size_t block = CachingAllocator::size_class(static_cast<std::size_t>(count) * 4);
  { Tensor t = empty({count}, {.device = dev}); }
  const MemoryStats s1 = memory_stats(dev);
  CHECK(s1.allocations == s0.allocations + 1);
  CHECK(s1.allocated_bytes == s0.allocated_bytes);          // freed again...
  CHECK(s1.reserved_bytes == s0.reserved_bytes + block);    // ...but kept in the cache
  CHECK(s1.peak_allocated_bytes >= s0.allocated_bytes + block);
  {
    Tensor again = empty({count}, {.device = dev});
    const MemoryStats s2 = memory_stats(dev);
    CHECK(s2.cache_hits == s1.cache_hits + 1);  // served from the cache, no cudaMalloc
    CHECK(s2.reserved_bytes == s1.reserved_bytes);
    CHECK(s2.allocated_bytes == s0.allocated_bytes + block);
  }
  reset_peak_memory(dev);
  const MemoryStats s3 = memory_stats(dev);
  CHECK(s3.peak_allocated_bytes == s3.allocated_bytes);
  empty_cache(dev);
  CHECK(memory_stats(dev).reserved_bytes == s0.reserved_bytes);
  CHECK(&allocator_for(dev) != &allocator_for(Device::cpu()));  // one allocator per device
}

TEST_CASE("ops refuse tensors on different devices with a clear error") {
  REQUIRE_CUDA();
  Tensor a = ones({3}), b = ones({3}, {.device = Device::cuda()});
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("different devices"), Error);
  CHECK_THROWS_WITH_AS(matmul(reshape(a, {1, 3}), reshape(b, {3, 1})), doctest::Contains("cuda:0"), Error);
}
