// core/cpu/nn_dropout.cpp — CPU kernel of core/kernels/nn.h for dropout.
//
// The mask is a pure function of (seed, offset + i): element i is kept when
// uniform_f32(philox(offset + i, seed)) ≥ p (core/philox.h), i.e. when the top 24 bits of the
// block's first word, w0 >> 8, are ≥ ⌈p·2²⁴⌉ — the same test done on integers. Each element is
// independent, so any split over threads gives the same result, and the backward regenerates
// the mask from (seed, offset) instead of storing it.
#include <cmath>

#include "core/cpu/parallel.h"
#include "core/cpu/vec_math.h"
#include "core/kernels/nn.h"
#include "core/philox.h"

namespace linattn::cpu {

namespace {

template <class T>
LINATTN_CPU_CLONES void dropout_range(const T* x, T* out, std::int64_t b, std::int64_t e, std::uint64_t seed,
                                      std::uint64_t offset, std::uint32_t threshold, T scale) {
  for (std::int64_t i = b; i < e; ++i) {
    const philox::Block block = philox::generate(offset + static_cast<std::uint64_t>(i), seed);
    out[i] = (block.w[0] >> 8) >= threshold ? x[i] * scale : T(0);
  }
}

}  // namespace

void dropout(const Tensor& x, std::uint64_t seed, std::uint64_t offset, double p, Tensor& out) {
  // uniform_f32 = (w0 >> 8)·2⁻²⁴ ≥ p  ⇔  (w0 >> 8) ≥ p·2²⁴  ⇔  (w0 >> 8) ≥ ⌈p·2²⁴⌉ (p in [0, 1)).
  const auto threshold = static_cast<std::uint32_t>(std::ceil(p * 16777216.0));
  LINATTN_FLOAT_TYPES(x.dtype(), "dropout", [&] {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    const auto scale = static_cast<scalar_t>(1.0 / (1.0 - p));
    parallel_for(x.numel(), 4096, [&](std::int64_t b, std::int64_t e) {
      dropout_range<scalar_t>(px, po, b, e, seed, offset, threshold, scale);
    });
  });
}

}  // namespace linattn::cpu
