// core/cuda/launch.cuh — helpers shared by the CUDA kernel files: grid sizing, the stream of a
// tensor's device, and a float-type switch usable in .cu files.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/cuda/runtime.h"

namespace linattn::cuda {

constexpr int kBlock = 256;

inline unsigned grid_for(std::int64_t n, int block = kBlock) {
  std::int64_t blocks = (n + block - 1) / block;
  return static_cast<unsigned>(blocks < 65535 * 32 ? (blocks > 0 ? blocks : 1) : 65535 * 32);
}

inline cudaStream_t stream_of(const Tensor& t) { return current_stream(t.device().index); }

// Checks the launch that just happened on this thread.
#define LINATTN_CUDA_LAUNCH_CHECK() LINATTN_CUDA_CHECK(cudaGetLastError())

}  // namespace linattn::cuda
