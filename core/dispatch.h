// core/dispatch.h — how an op reaches the kernel for its tensors' device.
//
// Each kernel family declares its signatures once, in core/kernels/<family>.h, with
// LINATTN_DECLARE_KERNELS(...): the same declarations appear in namespace linattn::cpu
// (implemented in core/cpu/<family>.cpp) and, in CUDA builds, in linattn::cuda (implemented in
// core/cuda/<family>.cu). Kernels are plain functions that write into outputs the op has
// already allocated and shape-checked; they know nothing of autograd.
//
// An op calls LINATTN_DISPATCH(device, kernel, args...). Without the CUDA backend a CUDA
// tensor cannot exist, and the CUDA branch is a clear error rather than a link failure.
#pragma once
#include "core/error.h"

namespace linattn::detail {
[[noreturn]] void no_cuda_backend(const char* kernel);
}

#if LINATTN_HAS_CUDA
#define LINATTN_DECLARE_KERNELS(...) \
  namespace linattn::cpu {           \
  __VA_ARGS__                        \
  }                                  \
  namespace linattn::cuda {          \
  __VA_ARGS__                        \
  }
#define LINATTN_DISPATCH(device, kernel, ...)                                   \
  ((device).is_cuda() ? ::linattn::cuda::kernel(__VA_ARGS__)                    \
                      : ::linattn::cpu::kernel(__VA_ARGS__))
#else
#define LINATTN_DECLARE_KERNELS(...) \
  namespace linattn::cpu {           \
  __VA_ARGS__                        \
  }
#define LINATTN_DISPATCH(device, kernel, ...)                                   \
  ((device).is_cuda() ? ::linattn::detail::no_cuda_backend(#kernel)             \
                      : ::linattn::cpu::kernel(__VA_ARGS__))
#endif
