// core/philox.h — Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11), usable from host and CUDA device code.
//
// linattn's random streams are defined element by element, so that any device produces the
// same numbers: element i of a random tensor drawn from a generator with (seed, offset) uses the
// Philox block for counter (offset + i) and key seed, i.e. four 32-bit words w0..w3:
//   uniform float32  u = (w0 >> 8) · 2⁻²⁴                      in [0, 1)
//   uniform float64  u = ((w0 << 21) ^ (w1 >> 11)) · 2⁻⁵³       in [0, 1)   (53 bits)
//   normal           Box–Muller, cos branch: √(−2 ln u1) · cos(2π u2), with u1 in (0, 1]
//                    from the first word(s) and u2 in [0, 1) from the next ones
// Drawing n elements advances the generator's offset by n.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define LINATTN_HD __host__ __device__ __forceinline__
#else
#define LINATTN_HD inline
#endif

namespace linattn::philox {

struct Block {
  std::uint32_t w[4];
};

LINATTN_HD std::uint32_t mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& lo) {
  std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  lo = static_cast<std::uint32_t>(p);
  return static_cast<std::uint32_t>(p >> 32);
}

// The 10-round Philox4x32 bijection of counter `ctr` under key `key`.
LINATTN_HD Block generate(std::uint64_t ctr, std::uint64_t key) {
  std::uint32_t c0 = static_cast<std::uint32_t>(ctr), c1 = static_cast<std::uint32_t>(ctr >> 32);
  std::uint32_t c2 = 0, c3 = 0;
  std::uint32_t k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    std::uint32_t lo0, lo1;
    std::uint32_t hi0 = mulhilo(0xD2511F53u, c0, lo0);
    std::uint32_t hi1 = mulhilo(0xCD9E8D57u, c2, lo1);
    std::uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

LINATTN_HD float uniform_f32(const Block& b) { return static_cast<float>(b.w[0] >> 8) * 0x1p-24f; }

LINATTN_HD double uniform_f64(const Block& b) {
  std::uint64_t bits = (static_cast<std::uint64_t>(b.w[0]) << 21) ^ (b.w[1] >> 11);
  return static_cast<double>(bits & ((1ull << 53) - 1)) * 0x1p-53;
}

// Standard normal from one block. float32 path computes in float64 then rounds, so host and
// device agree to the last bit wherever log/cos are correctly rounded.
LINATTN_HD double normal_f64(const Block& b) {
  double u1 = (static_cast<double>(((static_cast<std::uint64_t>(b.w[0]) << 21) ^ (b.w[1] >> 11)) &
                                   ((1ull << 53) - 1)) + 1.0) * 0x1p-53;  // (0, 1]
  double u2 = static_cast<double>(((static_cast<std::uint64_t>(b.w[2]) << 21) ^ (b.w[3] >> 11)) &
                                  ((1ull << 53) - 1)) * 0x1p-53;          // [0, 1)
  constexpr double kTwoPi = 6.283185307179586476925286766559;
#if defined(__CUDA_ARCH__)
  return sqrt(-2.0 * log(u1)) * cos(kTwoPi * u2);
#else
  return __builtin_sqrt(-2.0 * __builtin_log(u1)) * __builtin_cos(kTwoPi * u2);
#endif
}

}  // namespace linattn::philox
