// core/cpu/memory.cpp — CPU kernels of core/kernels/memory.h.
#include <cstring>

#include "core/cpu/parallel.h"
#include "core/kernels/memory.h"
#include "core/philox.h"

namespace linattn::cpu {

void fill(Tensor& out, double value) {
  LINATTN_ALL_TYPES(out.dtype(), "fill", [&] {
    auto* p = out.data<scalar_t>();
    auto v = static_cast<scalar_t>(value);
    parallel_for(out.numel(), kElementwiseGrain, [&](std::int64_t b, std::int64_t e) {
      std::fill(p + b, p + e, v);
    });
  });
}

namespace {
template <class S>
void convert_from(const S* s, Tensor& out) {
  LINATTN_ALL_TYPES(out.dtype(), "copy", [&] {
    auto* d = out.data<scalar_t>();
    parallel_for(out.numel(), kElementwiseGrain, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) d[i] = static_cast<scalar_t>(s[i]);
    });
  });
}
}  // namespace

void copy(const Tensor& src, Tensor& out) {
  if (src.dtype() == out.dtype()) {
    if (src.raw() != out.raw()) std::memcpy(out.raw(), src.raw(), src.nbytes());
    return;
  }
  LINATTN_ALL_TYPES(src.dtype(), "copy", [&] { convert_from(src.data<scalar_t>(), out); });
}

void fill_uniform(Tensor& out, std::uint64_t seed, std::uint64_t offset, double lo, double hi) {
  LINATTN_FLOAT_TYPES(out.dtype(), "uniform", [&] {
    auto* p = out.data<scalar_t>();
    parallel_for(out.numel(), 4096, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) {
        auto block = philox::generate(offset + static_cast<std::uint64_t>(i), seed);
        double u = std::is_same_v<scalar_t, float> ? philox::uniform_f32(block) : philox::uniform_f64(block);
        p[i] = static_cast<scalar_t>(lo + (hi - lo) * u);
      }
    });
  });
}

void fill_normal(Tensor& out, std::uint64_t seed, std::uint64_t offset, double mean, double std) {
  LINATTN_FLOAT_TYPES(out.dtype(), "normal", [&] {
    auto* p = out.data<scalar_t>();
    parallel_for(out.numel(), 4096, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) {
        auto block = philox::generate(offset + static_cast<std::uint64_t>(i), seed);
        p[i] = static_cast<scalar_t>(mean + std * philox::normal_f64(block));
      }
    });
  });
}

}  // namespace linattn::cpu
