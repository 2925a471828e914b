// core/cuda/nn_dropout.cu — CUDA kernel of core/kernels/nn.h for dropout.
//
// The mask is the CPU's (core/cpu/nn_dropout.cpp), bit for bit: element i is kept when
// uniform_f32(philox(offset + i, seed)) ≥ p, tested on integers as (w0 >> 8) ≥ ⌈p·2²⁴⌉ with the
// threshold worked out on the host exactly as the CPU does, and the Philox block comes from the
// same host/device function (core/philox.h). Each element is independent (a grid-stride loop);
// forward and backward both call this kernel, so the backward regenerates the forward's mask.
#include <cmath>

#include "core/cuda/launch.cuh"
#include "core/kernels/nn.h"
#include "core/philox.h"

namespace linattn::cuda {

namespace {

template <class T>
__global__ void dropout_kernel(const T* x, T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset,
                               std::uint32_t threshold, T scale) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const philox::Block block = philox::generate(offset + static_cast<std::uint64_t>(i), seed);
    out[i] = (block.w[0] >> 8) >= threshold ? x[i] * scale : T(0);
  }
}

}  // namespace

void dropout(const Tensor& x, std::uint64_t seed, std::uint64_t offset, double p, Tensor& out) {
  const std::int64_t n = x.numel();
  if (n == 0) return;
  // uniform_f32 = (w0 >> 8)·2⁻²⁴ ≥ p  ⇔  (w0 >> 8) ≥ ⌈p·2²⁴⌉ (p in [0, 1)), as on the CPU.
  const auto threshold = static_cast<std::uint32_t>(std::ceil(p * 16777216.0));
  LINATTN_FLOAT_TYPES(x.dtype(), "dropout", [&] {
    dropout_kernel<scalar_t><<<grid_for(n), kBlock, 0, stream_of(x)>>>(
        x.data<scalar_t>(), out.data<scalar_t>(), n, seed, offset, threshold,
        static_cast<scalar_t>(1.0 / (1.0 - p)));
  });
  LINATTN_CUDA_LAUNCH_CHECK();
}

}  // namespace linattn::cuda
