// core/cuda/axis_team.cuh — "one team of threads per segment" launching for the CUDA kernels
// that normalize along an axis (core/cuda/nn_softmax.cu, nn_layer_norm.cu, normalize.cu).
//
// A contiguous tensor viewed as (outer, size, inner) (core/shape.h: axis_view) has outer·inner
// segments of `size` elements, element k of segment (o, i) at o·size·inner + k·inner + i. A team
// of threads processes one segment: its members stride over k and meet in all_reduce, which
// every member must call (uniformly: same number of calls in the same order) and which hands
// every member the same value. for_each_segment picks the team by shape alone:
//  - inner == 1, size ≤ kWarpRowMax: a warp per row (WarpTeam, shuffles only);
//  - inner == 1, longer rows: a block of kRowBlock threads per row (BlockTeam);
//  - inner > 1: a block of (tx, ty) threads covers tx adjacent segments (coalesced loads), ty
//    threads per segment (ColumnTeam, a shared-memory tree over ty). Members of a column past
//    `inner` are inactive (n = 0) but still take part in every all_reduce.
// Determinism: launch sizes depend only on the shape, and every all_reduce is a fixed tree
// (xor butterfly in a warp — each pair adds the same two values, so all lanes agree to the
// bit — then warp results combined in warp order), so results are identical run after run.
// Everything lives in namespace linattn::cuda::axis (the .cu files say `using namespace axis;`).
// A segment functor F is a __device__ operator()(const Team&, std::int64_t o, std::int64_t i,
// bool active) const; it must not return before an all_reduce that other members reach.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "core/cuda/launch.cuh"

namespace linattn::cuda::axis {

constexpr int kWarp = 32;
constexpr std::int64_t kWarpRowMax = 1024;  // rows up to this length take one warp each
constexpr int kRowBlock = 512;              // threads of a block-per-row team
constexpr int kColumnBlock = 256;           // threads of a column tile (tx·ty)

// ---- reduction operators and float math that picks float or double ------------------------------

struct SumOp {
  template <class V>
  __device__ __forceinline__ V operator()(V a, V b) const { return a + b; }
};
// max that skips NaN (NaN never wins), as the CPU's lane_max: a NaN row still yields NaN
// outputs through exp(x − max).
struct MaxOp {
  template <class V>
  __device__ __forceinline__ V operator()(V a, V b) const { return b > a ? b : a; }
};

__device__ __forceinline__ float dev_exp(float x) { return expf(x); }
__device__ __forceinline__ double dev_exp(double x) { return exp(x); }
__device__ __forceinline__ float dev_log(float x) { return logf(x); }
__device__ __forceinline__ double dev_log(double x) { return log(x); }
__device__ __forceinline__ float dev_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double dev_sqrt(double x) { return sqrt(x); }

template <class T>
__device__ __forceinline__ T neg_infinity() { return -static_cast<T>(INFINITY); }

// ---- teams --------------------------------------------------------------------------------------

struct WarpTeam {
  __device__ int rank() const { return static_cast<int>(threadIdx.x) % kWarp; }
  __device__ int size() const { return kWarp; }
  template <class V, class Op>
  __device__ V all_reduce(V v, Op op) const {
#pragma unroll
    for (int d = kWarp / 2; d > 0; d /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, d));
    return v;
  }
};

struct BlockTeam {
  __device__ int rank() const { return static_cast<int>(threadIdx.x); }
  __device__ int size() const { return static_cast<int>(blockDim.x); }
  template <class V, class Op>
  __device__ V all_reduce(V v, Op op) const {
    __shared__ V warp_results[kWarp];
#pragma unroll
    for (int d = kWarp / 2; d > 0; d /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, d));
    if (threadIdx.x % kWarp == 0) warp_results[threadIdx.x / kWarp] = v;
    __syncthreads();
    V r = warp_results[0];
    for (int w = 1; w < static_cast<int>(blockDim.x) / kWarp; ++w) r = op(r, warp_results[w]);
    __syncthreads();  // the slots are reused by the next all_reduce
    return r;
  }
};

// blockDim = (tx, ty), ty a power of two; the team of a segment is the ty threads of one tx.
struct ColumnTeam {
  __device__ int rank() const { return static_cast<int>(threadIdx.y); }
  __device__ int size() const { return static_cast<int>(blockDim.y); }
  template <class V, class Op>
  __device__ V all_reduce(V v, Op op) const {
    __shared__ V tile[kColumnBlock];
    const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
    const int nx = static_cast<int>(blockDim.x);
    tile[ty * nx + tx] = v;
    __syncthreads();
    for (int h = static_cast<int>(blockDim.y) / 2; h > 0; h /= 2) {
      if (ty < h) tile[ty * nx + tx] = op(tile[ty * nx + tx], tile[(ty + h) * nx + tx]);
      __syncthreads();
    }
    const V r = tile[tx];
    __syncthreads();
    return r;
  }
};

// ---- kernels and the launcher -------------------------------------------------------------------

template <class F>
__global__ void warp_rows_kernel(F f, std::int64_t rows) {
  const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * (blockDim.x / kWarp);
  const WarpTeam team;
  for (std::int64_t row = blockIdx.x * static_cast<std::int64_t>(blockDim.x / kWarp) + threadIdx.x / kWarp;
       row < rows; row += warps)
    f(team, row, 0, true);
}

template <class F>
__global__ void block_rows_kernel(F f, std::int64_t rows) {
  const BlockTeam team;
  for (std::int64_t row = blockIdx.x; row < rows; row += gridDim.x) f(team, row, 0, true);
}

// Both loops are uniform over the block (they depend on blockIdx only), as all_reduce needs.
template <class F>
__global__ void columns_kernel(F f, std::int64_t outer, std::int64_t inner) {
  const ColumnTeam team;
  const std::int64_t tile_stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t o = blockIdx.y; o < outer; o += gridDim.y)
    for (std::int64_t i0 = static_cast<std::int64_t>(blockIdx.x) * blockDim.x; i0 < inner; i0 += tile_stride) {
      const std::int64_t i = i0 + threadIdx.x;
      f(team, o, i, i < inner);
    }
}

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
inline unsigned clamp_grid(std::int64_t n, std::int64_t cap) {
  return static_cast<unsigned>(std::max<std::int64_t>(1, std::min(n, cap)));
}

// Runs f once for every segment (o, i) of (outer, size, inner), on `stream`.
template <class F>
void for_each_segment(std::int64_t outer, std::int64_t size, std::int64_t inner, cudaStream_t stream, const F& f) {
  if (outer == 0 || inner == 0) return;
  constexpr std::int64_t kGridCap = 65535;
  if (inner == 1) {
    if (size <= kWarpRowMax) {
      constexpr int warps_per_block = kBlock / kWarp;
      warp_rows_kernel<<<clamp_grid(ceil_div(outer, warps_per_block), kGridCap * 32), kBlock, 0, stream>>>(f, outer);
    } else {
      block_rows_kernel<<<clamp_grid(outer, kGridCap * 32), kRowBlock, 0, stream>>>(f, outer);
    }
    LINATTN_CUDA_LAUNCH_CHECK();
    return;
  }
  int tx = 1;
  while (tx < kWarp && tx < inner) tx *= 2;
  const dim3 block(static_cast<unsigned>(tx), static_cast<unsigned>(kColumnBlock / tx));
  const dim3 grid(clamp_grid(ceil_div(inner, tx), kGridCap * 32), clamp_grid(outer, kGridCap));
  columns_kernel<<<grid, block, 0, stream>>>(f, outer, inner);
  LINATTN_CUDA_LAUNCH_CHECK();
}

}  // namespace linattn::cuda::axis
