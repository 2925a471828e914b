// tests/support/tf32_scope.h — Tf32Scope: sets allow_tf32 (core/cuda_options.h) for one scope and
// restores the previous value, so a CUDA parity test can run with TF32 off (float32-exact
// GEMMs, tight tolerances) or on (the training default, looser tolerances) without leaking the
// switch into the next test. Used by tests/cuda/*.cpp.
#pragma once
#include "core/cuda_options.h"

namespace linattn::testing {

class Tf32Scope {
 public:
  explicit Tf32Scope(bool on) : previous_(allow_tf32()) { set_allow_tf32(on); }
  ~Tf32Scope() { set_allow_tf32(previous_); }
  Tf32Scope(const Tf32Scope&) = delete;
  Tf32Scope& operator=(const Tf32Scope&) = delete;

 private:
  bool previous_;
};

}  // namespace linattn::testing
