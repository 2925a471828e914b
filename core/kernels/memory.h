// core/kernels/memory.h — kernels that fill, copy and convert whole tensors.
// Cross-device copies are not kernels: see copy_between_devices in core/cuda/runtime.h.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

LINATTN_DECLARE_KERNELS(
  // out[i] = value (converted to out's dtype)
  void fill(Tensor& out, double value);
  // out[i] = src[i]; same device, same numel; dtypes may differ (converting copy)
  void copy(const Tensor& src, Tensor& out);
  // Philox draws (core/philox.h) for counters offset..offset+numel-1 under key seed:
  // out = lo + (hi-lo)·U[0,1)  or  out = mean + std·N(0,1)
  void fill_uniform(Tensor& out, std::uint64_t seed, std::uint64_t offset, double lo, double hi);
  void fill_normal(Tensor& out, std::uint64_t seed, std::uint64_t offset, double mean, double std);
)
