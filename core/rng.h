// core/rng.h — seeded random number generators.
//
// A Generator is (seed, offset) over the Philox4x32-10 stream of core/philox.h: a draw of n
// numbers uses counters offset..offset+n-1 and advances the offset by n, on any device. Its
// state is two integers, so checkpoints save and restore it exactly. The default generator
// (used when none is passed) is seeded with 0 until manual_seed() is called.
#pragma once
#include <atomic>
#include <cstdint>

namespace linattn {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : seed_(seed), offset_(0) {}
  Generator(const Generator& other) : seed_(other.seed_), offset_(other.offset_.load()) {}
  Generator& operator=(const Generator& other) {
    seed_ = other.seed_;
    offset_ = other.offset_.load();
    return *this;
  }

  std::uint64_t seed() const { return seed_; }
  std::uint64_t offset() const { return offset_; }
  void set_state(std::uint64_t seed, std::uint64_t offset) { seed_ = seed; offset_ = offset; }

  // Claims n consecutive counters and returns the first; thread-safe.
  std::uint64_t reserve(std::uint64_t n) { return offset_.fetch_add(n); }

  // Host-side scalars (one counter each): for shuffles, augmentation choices, initializers.
  double uniform();                                      // [0, 1)
  double normal();                                       // N(0, 1)
  std::int64_t randint(std::int64_t lo, std::int64_t hi);  // uniform in [lo, hi)

 private:
  std::uint64_t seed_;
  std::atomic<std::uint64_t> offset_;
};

Generator& default_generator();
void manual_seed(std::uint64_t seed);  // reseeds the default generator, offset 0

}  // namespace linattn
