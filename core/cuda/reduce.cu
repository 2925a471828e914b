// core/cuda/reduce.cu — CUDA kernels of core/kernels/reduce.h: reduce (sum, mean, max, min)
// and argmax over the middle axis of x viewed as (outer, size, inner).
//
// Deterministic by construction: no atomics. Every output is reduced by one warp or one block
// in an order fixed by the shapes alone (launch sizes never depend on the GPU model), so the
// same input gives the same bits run after run. Sums of float32 accumulate in double, like the
// CPU kernels, so the two backends agree to the last float32 bit in almost every case.
//
// Two layouts:
//  - inner == 1 (row reductions, e.g. over the channels of (B·N, C)): rows of ≤ 1024 elements
//    get one warp each; longer rows one block each, lanes striding the row (coalesced).
//  - inner > 1 (e.g. over N of (B, N, C)): a block covers tx consecutive inner positions
//    (coalesced loads) with ty threads splitting the reduced axis, then a shared-memory tree
//    over ty.
// When the outputs alone would give too few blocks to fill the GPU (a full sum of a large
// tensor, a column sum of a tall matrix), the reduced axis is cut into fixed chunks: pass 1
// writes one partial state per chunk into a workspace, pass 2 reduces the partials in order.
//
// A reducer describes one reduction: its State, init(), step(state, value, index),
// combine(lower, higher) and finish<Out>(state). Argmax is a reducer over (value, index) pairs.
#include <limits>
#include <type_traits>

#include "core/cuda/launch.cuh"
#include "core/kernels/reduce.h"

namespace linattn::cuda {

namespace {

constexpr int kWarp = 32;
constexpr std::int64_t kWarpRowMax = 1024;  // rows up to this length take one warp each
constexpr std::int64_t kTargetBlocks = 264;  // ~2 blocks per SM on an H100 (132 SMs)
constexpr std::int64_t kMinPerBlock = 8192;  // elements a block should read when splitting

// Accumulator of a value reduction: double for float types, the type itself otherwise.
template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;

// ---- reducers -----------------------------------------------------------------------------------

template <ReduceOp Op, class T>
struct ValueReducer {
  using State = Acc<T>;
  double scale = 1.0;  // Mean: 1 / size, applied by finish

  __device__ State init() const {
    if constexpr (Op == ReduceOp::Max) return static_cast<State>(std::numeric_limits<T>::lowest());
    else if constexpr (Op == ReduceOp::Min) return static_cast<State>(std::numeric_limits<T>::max());
    else return State(0);
  }
  // Max/Min propagate NaN, as on the CPU.
  __device__ State combine(State a, State b) const {
    if constexpr (Op == ReduceOp::Max) return (b > a || b != b) ? b : a;
    else if constexpr (Op == ReduceOp::Min) return (b < a || b != b) ? b : a;
    else return a + b;
  }
  template <class In>
  __device__ State step(State s, In v, std::int64_t) const { return combine(s, static_cast<State>(v)); }
  template <class Out>
  __device__ Out finish(State s) const {
    if constexpr (Op == ReduceOp::Mean) return static_cast<Out>(static_cast<double>(s) * scale);
    else return static_cast<Out>(s);
  }
};

// What pass 1 of a split reduction computes: the same reduction, but Mean's partials are sums.
template <ReduceOp Op>
constexpr ReduceOp partial_op = Op == ReduceOp::Mean ? ReduceOp::Sum : Op;

template <class T>
struct ArgState {  // no default member initializers: it lives in __shared__ arrays
  T value;
  std::int64_t index;  // -1: nothing seen yet
};

// argmax with the CPU's semantics: the first index of the maximum; NaNs never win, except a
// NaN at index 0, which nothing can beat (the CPU loop starts from element 0 and uses '>').
template <class T>
struct ArgmaxReducer {
  using State = ArgState<T>;
  __device__ State init() const { return {T(0), -1}; }
  __device__ State combine(State a, State b) const {
    if (b.index < 0) return a;
    if (a.index < 0) return b;
    if (a.value != a.value) return a;  // only index 0 may hold a NaN (see step)
    if (b.value != b.value) return b;
    return (b.value > a.value || (b.value == a.value && b.index < a.index)) ? b : a;
  }
  __device__ State step(State s, T v, std::int64_t index) const {
    if (v != v && index != 0) return s;
    return combine(s, {v, index});
  }
  template <class Out>
  __device__ Out finish(State s) const { return s.index < 0 ? Out(0) : static_cast<Out>(s.index); }
};

// ---- warp and block trees -----------------------------------------------------------------------

__device__ __forceinline__ double shuffle_down(double v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
__device__ __forceinline__ float shuffle_down(float v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
__device__ __forceinline__ std::int64_t shuffle_down(std::int64_t v, int d) {
  return static_cast<std::int64_t>(__shfl_down_sync(0xffffffffu, static_cast<long long>(v), d));
}
template <class T>
__device__ __forceinline__ ArgState<T> shuffle_down(ArgState<T> s, int d) {
  return {shuffle_down(s.value, d), shuffle_down(s.index, d)};
}

// Tree over the 32 lanes; lane 0 ends with the result. Every lane of the warp must call it.
template <class R, class S>
__device__ __forceinline__ S warp_reduce(const R& r, S s) {
#pragma unroll
  for (int d = kWarp / 2; d > 0; d /= 2) s = r.combine(s, shuffle_down(s, d));
  return s;
}

// Tree over a 1-D block (blockDim.x a multiple of 32); thread 0 ends with the result. Callers
// that reduce again in the same block must __syncthreads() first (the shared slots are reused).
template <class R, class S>
__device__ S block_reduce(const R& r, S s) {
  __shared__ S warp_results[kWarp];
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  s = warp_reduce(r, s);
  if (lane == 0) warp_results[warp] = s;
  __syncthreads();
  if (warp == 0) {
    const int warps = blockDim.x / kWarp;
    s = warp_reduce(r, lane < warps ? warp_results[lane] : r.init());
  }
  return s;
}

// ---- kernels ------------------------------------------------------------------------------------

// x (rows, size) -> out (rows): one warp per row.
template <class R, class In, class Out>
__global__ void reduce_rows_warp(R r, const In* x, std::int64_t rows, std::int64_t size, Out* out) {
  const int lane = threadIdx.x % kWarp;
  const std::int64_t warps_per_block = blockDim.x / kWarp;
  for (std::int64_t row = blockIdx.x * warps_per_block + threadIdx.x / kWarp; row < rows;
       row += gridDim.x * warps_per_block) {
    const In* p = x + row * size;
    auto s = r.init();
    for (std::int64_t i = lane; i < size; i += kWarp) s = r.step(s, p[i], i);
    s = warp_reduce(r, s);
    if (lane == 0) out[row] = r.template finish<Out>(s);
  }
}

// x (rows, size) -> out (rows, parts): one block per (row, part), part = blockIdx.y covering
// [part·chunk, (part+1)·chunk) of the row.
template <class R, class In, class Out>
__global__ void reduce_rows_block(R r, const In* x, std::int64_t rows, std::int64_t size, std::int64_t chunk,
                                  Out* out) {
  const std::int64_t parts = gridDim.y, part = blockIdx.y;
  const std::int64_t begin = part * chunk, end = begin + chunk < size ? begin + chunk : size;
  for (std::int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const In* p = x + row * size;
    auto s = r.init();
    for (std::int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) s = r.step(s, p[i], i);
    s = block_reduce(r, s);
    if (threadIdx.x == 0) out[row * parts + part] = r.template finish<Out>(s);
    __syncthreads();
  }
}

// x (outer, size, inner) -> out (outer, parts, inner). Block (tx, ty), ty a power of two:
// blockIdx.x picks tx consecutive inner positions, blockIdx.y walks outer, blockIdx.z is the
// part [part·chunk, (part+1)·chunk) of the reduced axis that the ty threads stride over.
template <class R, class In, class Out>
__global__ void reduce_cols(R r, const In* x, std::int64_t outer, std::int64_t size, std::int64_t inner,
                            std::int64_t chunk, Out* out) {
  using S = decltype(r.init());
  __shared__ S tile[kBlock];
  const int tx = threadIdx.x, ty = threadIdx.y, nx = blockDim.x, ny = blockDim.y;
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * nx + tx;
  const std::int64_t parts = gridDim.z, part = blockIdx.z;
  const std::int64_t begin = part * chunk, end = begin + chunk < size ? begin + chunk : size;
  for (std::int64_t o = blockIdx.y; o < outer; o += gridDim.y) {
    S s = r.init();
    if (i < inner) {
      const In* p = x + o * size * inner + i;
      for (std::int64_t k = begin + ty; k < end; k += ny) s = r.step(s, p[k * inner], k);
    }
    tile[ty * nx + tx] = s;
    __syncthreads();
    for (int h = ny / 2; h > 0; h /= 2) {
      if (ty < h) tile[ty * nx + tx] = r.combine(tile[ty * nx + tx], tile[(ty + h) * nx + tx]);
      __syncthreads();
    }
    if (ty == 0 && i < inner) out[(o * parts + part) * inner + i] = r.template finish<Out>(tile[tx]);
    __syncthreads();
  }
}

// ---- host side ----------------------------------------------------------------------------------

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
unsigned grid_dim(std::int64_t n, std::int64_t cap) { return static_cast<unsigned>(std::max<std::int64_t>(1, std::min(n, cap))); }

// Number of chunks to cut the reduced axis into when `blocks` blocks would be too few.
std::int64_t split_parts(std::int64_t blocks, std::int64_t size, std::int64_t min_chunk) {
  if (blocks >= kTargetBlocks || size < 2 * min_chunk) return 1;
  return std::min(ceil_div(kTargetBlocks, blocks), size / min_chunk);
}

// A device workspace of n accumulators; it returns to the allocator's cache when the handle
// dies, which is safe because every later use is ordered after these kernels on the one stream.
template <class A>
Tensor workspace(std::int64_t n, const Device& device) {
  return Tensor::empty({n}, {.dtype = dtype_of<A>(), .device = device});
}

// Reduces x (outer, size, inner) into out (outer, inner) with reducer `final_r`; Partial is the
// reducer of pass 1 when the axis is split (void: never split, e.g. argmax).
template <class Partial, class R, class T, class Out>
void run_reduce(const R& final_r, const T* x, std::int64_t outer, std::int64_t size, std::int64_t inner, Out* out,
                const Device& device) {
  if (outer == 0 || inner == 0) return;
  constexpr bool kSplittable = !std::is_void_v<Partial>;
  cudaStream_t stream = current_stream(device.index);
  constexpr std::int64_t kGridCap = 65535;

  if (inner == 1) {
    const std::int64_t rows = outer;
    if (size <= kWarpRowMax) {
      constexpr int warps_per_block = kBlock / kWarp;
      reduce_rows_warp<<<grid_dim(ceil_div(rows, warps_per_block), kGridCap * 32), kBlock, 0, stream>>>(
          final_r, x, rows, size, out);
      LINATTN_CUDA_LAUNCH_CHECK();
      return;
    }
    if constexpr (kSplittable) {
      if (const std::int64_t parts = split_parts(rows, size, kMinPerBlock); parts > 1) {
        using A = typename Partial::State;
        const std::int64_t chunk = ceil_div(size, parts);
        const std::int64_t used = ceil_div(size, chunk);
        Tensor partials = workspace<A>(rows * used, device);  // rows x parts
        reduce_rows_block<<<dim3(grid_dim(rows, kGridCap * 32), static_cast<unsigned>(used)), kBlock, 0, stream>>>(
            Partial{}, x, rows, size, chunk, partials.data<A>());
        LINATTN_CUDA_LAUNCH_CHECK();
        constexpr int warps_per_block = kBlock / kWarp;
        reduce_rows_warp<<<grid_dim(ceil_div(rows, warps_per_block), kGridCap * 32), kBlock, 0, stream>>>(
            final_r, partials.data<A>(), rows, used, out);
        LINATTN_CUDA_LAUNCH_CHECK();
        return;
      }
    }
    reduce_rows_block<<<grid_dim(rows, kGridCap * 32), kBlock, 0, stream>>>(final_r, x, rows, size, size, out);
    LINATTN_CUDA_LAUNCH_CHECK();
    return;
  }

  // inner > 1: tx = inner rounded up to a power of two, at most 32; ty = the rest of the block.
  int tx = 1;
  while (tx < kWarp && tx < inner) tx *= 2;
  const dim3 block(static_cast<unsigned>(tx), static_cast<unsigned>(kBlock / tx));
  const std::int64_t tiles = ceil_div(inner, tx);
  if constexpr (kSplittable) {
    if (const std::int64_t parts = split_parts(tiles * outer, size, ceil_div(kMinPerBlock, tx)); parts > 1) {
      using A = typename Partial::State;
      const std::int64_t chunk = ceil_div(size, parts);
      const std::int64_t used = ceil_div(size, chunk);
      Tensor partials = workspace<A>(outer * used * inner, device);  // outer x parts x inner
      reduce_cols<<<dim3(static_cast<unsigned>(tiles), grid_dim(outer, kGridCap), static_cast<unsigned>(used)), block,
                    0, stream>>>(Partial{}, x, outer, size, inner, chunk, partials.data<A>());
      LINATTN_CUDA_LAUNCH_CHECK();
      reduce_cols<<<dim3(static_cast<unsigned>(tiles), grid_dim(outer, kGridCap), 1), block, 0, stream>>>(
          final_r, partials.data<A>(), outer, used, inner, used, out);
      LINATTN_CUDA_LAUNCH_CHECK();
      return;
    }
  }
  reduce_cols<<<dim3(static_cast<unsigned>(tiles), grid_dim(outer, kGridCap), 1), block, 0, stream>>>(
      final_r, x, outer, size, inner, size, out);
  LINATTN_CUDA_LAUNCH_CHECK();
}

template <ReduceOp Op, class T>
void reduce_op(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, Tensor& out) {
  ValueReducer<Op, T> r;
  r.scale = 1.0 / static_cast<double>(size);
  run_reduce<ValueReducer<partial_op<Op>, T>>(r, x.data<T>(), outer, size, inner, out.data<T>(), x.device());
}

template <class T>
void reduce_typed(ReduceOp op, const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner,
                  Tensor& out) {
  switch (op) {
    case ReduceOp::Sum: return reduce_op<ReduceOp::Sum, T>(x, outer, size, inner, out);
    case ReduceOp::Mean: return reduce_op<ReduceOp::Mean, T>(x, outer, size, inner, out);
    case ReduceOp::Max: return reduce_op<ReduceOp::Max, T>(x, outer, size, inner, out);
    case ReduceOp::Min: return reduce_op<ReduceOp::Min, T>(x, outer, size, inner, out);
  }
  fail(str_cat("internal error: unknown reduce op ", static_cast<int>(op)));
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, Tensor& out) {
  LINATTN_ALL_TYPES(x.dtype(), "reduce", [&] { reduce_typed<scalar_t>(op, x, outer, size, inner, out); });
}

void argmax(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, Tensor& index) {
  LINATTN_ALL_TYPES(x.dtype(), "argmax", [&] {
    run_reduce<void>(ArgmaxReducer<scalar_t>{}, x.data<scalar_t>(), outer, size, inner,
                     index.data<std::int64_t>(), x.device());
  });
}

}  // namespace linattn::cuda
