// core/cuda/broadcast.cuh — K inputs broadcast to one output shape, on the GPU: the collapsed
// index plan (host side) and the grid-stride kernel that walks the output with it.
//
// make_broadcast() copies the axis collapse of core/broadcast_plan.h (shared with the CPU loop)
// into a fixed-size plan, so common cases collapse to one or two axes: same shape -> 1 axis,
// strides 1; tensor ∘ scalar -> 1 axis, strides (1, 0); bias (B·N, C) + (C) -> 2 axes, strides
// (C, 1)/(0, 1). The plan travels to the kernel by value.
// launch_broadcast() picks a kernel specialised for 1 axis (no division), 2 axes (one division,
// 32-bit when the output has < 2^31 elements) or the general N-d walk, and calls
// `f(out_index, in_offsets)` once per output element. Writes are coalesced (consecutive threads
// take consecutive output elements).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/broadcast_plan.h"
#include "core/cuda/launch.cuh"
#include "core/shape.h"

namespace linattn::cuda {

constexpr int kMaxDims = 8;  // collapsed axes; more is an error naming the shapes

template <int K>
struct BroadcastPlan {
  int ndim = 1;
  std::int64_t shape[kMaxDims] = {};
  std::int64_t stride[K][kMaxDims] = {};  // element stride of input k along each axis (0 = broadcast)
};

template <int K>
BroadcastPlan<K> make_broadcast(const Shape& out, const std::array<const Shape*, K>& in, const char* op) {
  CollapsedBroadcast<K> c = collapse_broadcast<K>(out, in);
  LINATTN_CHECK(c.shape.size() <= static_cast<std::size_t>(kMaxDims), op, ": the CUDA kernel handles at most ",
                kMaxDims, " non-mergeable broadcast axes; output shape ", shape_str(out),
                ". ---> HINT: reshape the operands to merge axes");
  BroadcastPlan<K> plan;
  plan.ndim = static_cast<int>(c.shape.size());
  for (int d = 0; d < plan.ndim; ++d) {
    plan.shape[d] = c.shape[static_cast<std::size_t>(d)];
    for (int k = 0; k < K; ++k) plan.stride[k][d] = c.stride[static_cast<std::size_t>(d)][static_cast<std::size_t>(k)];
  }
  return plan;
}

// Dims: 1 or 2 for the specialised walks, 0 for the general one. Index: the integer type of
// the index arithmetic (32-bit divisions are several times cheaper than 64-bit ones).
template <int Dims, class Index, int K, class F>
__global__ void broadcast_kernel(BroadcastPlan<K> plan, Index n, F f) {
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    Index off[K];
    if constexpr (Dims == 1) {
#pragma unroll
      for (int k = 0; k < K; ++k) off[k] = i * static_cast<Index>(plan.stride[k][0]);
    } else if constexpr (Dims == 2) {
      const Index inner = static_cast<Index>(plan.shape[1]);
      const Index row = i / inner, col = i - row * inner;
#pragma unroll
      for (int k = 0; k < K; ++k)
        off[k] = row * static_cast<Index>(plan.stride[k][0]) + col * static_cast<Index>(plan.stride[k][1]);
    } else {
#pragma unroll
      for (int k = 0; k < K; ++k) off[k] = 0;
      Index rem = i;
      for (int d = plan.ndim - 1; d >= 0; --d) {
        const Index extent = static_cast<Index>(plan.shape[d]);
        const Index q = rem / extent, idx = rem - q * extent;
        rem = q;
#pragma unroll
        for (int k = 0; k < K; ++k) off[k] += idx * static_cast<Index>(plan.stride[k][d]);
      }
    }
    f(i, off);
  }
}

// Runs f over the n output elements of `plan` on `stream`.
template <int K, class F>
void launch_broadcast(const BroadcastPlan<K>& plan, std::int64_t n, cudaStream_t stream, F f) {
  if (n == 0) return;
  const unsigned grid = grid_for(n);
  const bool small = n < (std::int64_t{1} << 31);
  if (plan.ndim == 1) {
    broadcast_kernel<1, std::int64_t><<<grid, kBlock, 0, stream>>>(plan, n, f);
  } else if (plan.ndim == 2 && small) {
    broadcast_kernel<2, std::uint32_t><<<grid, kBlock, 0, stream>>>(plan, static_cast<std::uint32_t>(n), f);
  } else if (plan.ndim == 2) {
    broadcast_kernel<2, std::int64_t><<<grid, kBlock, 0, stream>>>(plan, n, f);
  } else if (small) {
    broadcast_kernel<0, std::uint32_t><<<grid, kBlock, 0, stream>>>(plan, static_cast<std::uint32_t>(n), f);
  } else {
    broadcast_kernel<0, std::int64_t><<<grid, kBlock, 0, stream>>>(plan, n, f);
  }
  LINATTN_CUDA_LAUNCH_CHECK();
}

}  // namespace linattn::cuda
