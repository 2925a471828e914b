// core/rng.cpp — see rng.h.
#include "core/rng.h"

#include "core/error.h"
#include "core/philox.h"

namespace linattn {

double Generator::uniform() { return philox::uniform_f64(philox::generate(reserve(1), seed_)); }

double Generator::normal() { return philox::normal_f64(philox::generate(reserve(1), seed_)); }

std::int64_t Generator::randint(std::int64_t lo, std::int64_t hi) {
  LINATTN_CHECK(hi > lo, "randint: empty range [", lo, ", ", hi, ")");
  auto b = philox::generate(reserve(1), seed_);
  std::uint64_t bits = (static_cast<std::uint64_t>(b.w[0]) << 32) | b.w[1];
  auto range = static_cast<std::uint64_t>(hi - lo);
  // 128-bit multiply-shift: unbiased enough for ranges far below 2^64 (Lemire).
  __extension__ using u128 = unsigned __int128;
  auto scaled = static_cast<u128>(bits) * range;
  return lo + static_cast<std::int64_t>(scaled >> 64);
}

Generator& default_generator() {
  static Generator g(0);
  return g;
}

void manual_seed(std::uint64_t seed) { default_generator().set_state(seed, 0); }

}  // namespace linattn
