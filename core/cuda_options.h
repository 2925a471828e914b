// core/cuda_options.h — process-wide numerical switches of the CUDA backend, settable from any
// code (no CUDA types here; in CPU-only builds the switches just store their value).
//
// allow_tf32: float32 GEMMs on CUDA may run on TF32 tensor cores (inputs rounded to a 10-bit
// mantissa, float32 accumulation): ~8x faster, relative error ~1e-3. On by default, like
// PyTorch's cuDNN default; turn it off for float32-exact GEMMs (parity tests, debugging).
// Read by core/cuda/gemm.cu at each call. Header-only so that CUDA and CPU objects share the
// one flag without a link-order dependency between linattn_core and linattn_cuda.
#pragma once
#include <atomic>

namespace linattn {

namespace detail {
inline std::atomic<bool>& allow_tf32_flag() {
  static std::atomic<bool> flag{true};
  return flag;
}
}  // namespace detail

inline void set_allow_tf32(bool on) { detail::allow_tf32_flag().store(on, std::memory_order_relaxed); }
inline bool allow_tf32() { return detail::allow_tf32_flag().load(std::memory_order_relaxed); }

}  // namespace linattn
