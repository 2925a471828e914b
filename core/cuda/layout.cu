// core/cuda/layout.cu — CUDA kernels of core/kernels/layout.h: permute, copy_axis_block (narrow,
// cat, split and their backward) and expand.
//
// Pure data movement is done on raw 4- or 8-byte words, so one kernel serves every dtype of
// that size. permute first collapses the permutation (size-1 axes dropped, output axes that
// stay adjacent in the input merged), then takes one of three paths:
//   - nothing moves: one device-to-device copy;
//   - a (batched) swap of the last two collapsed axes, (batch, R, C) -> (batch, C, R): a tiled
//     transpose through shared memory, coalesced on both sides (also covers NCHW <-> NHWC);
//   - anything else: one thread per output element (coalesced writes) mapping its index to the
//     input offset through the collapsed shape.
#include <algorithm>
#include <utility>

#include "core/cuda/broadcast.cuh"
#include "core/kernels/layout.h"

namespace linattn::cuda {

namespace {

// The unsigned word type of a dtype's size.
template <class F>
void with_word_type(DType dtype, F&& f) {
  if (dtype_size(dtype) == 4)
    f(std::uint32_t{});
  else
    f(std::uint64_t{});
}

// ---- permute ------------------------------------------------------------------------------------

struct PermutePlan {
  int ndim = 0;
  std::int64_t out_shape[kMaxDims] = {};
  std::int64_t src_stride[kMaxDims] = {};  // input stride of each output axis
};

template <class Word, class Index>
__global__ void permute_kernel(const Word* src, Word* dst, PermutePlan plan, Index n) {
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    Index rem = i, off = 0;
    for (int d = plan.ndim - 1; d >= 0; --d) {
      const Index extent = static_cast<Index>(plan.out_shape[d]);
      const Index q = rem / extent;
      off += (rem - q * extent) * static_cast<Index>(plan.src_stride[d]);
      rem = q;
    }
    dst[i] = src[off];
  }
}

constexpr int kTile = 32, kTileRows = 8;  // a 32 x 32 tile moved by 32 x 8 threads

// src (batch, rows, cols) -> dst (batch, cols, rows). Block (32, 8); grid (column tiles, row
// tiles, batch), the last two walked in grid-stride loops.
template <class Word>
__global__ void transpose_kernel(const Word* src, Word* dst, std::int64_t batch, std::int64_t rows, std::int64_t cols) {
  __shared__ Word tile[kTile][kTile + 1];  // +1: column reads hit distinct banks
  const std::int64_t c0 = static_cast<std::int64_t>(blockIdx.x) * kTile;
  const int tx = threadIdx.x, ty = threadIdx.y;
  for (std::int64_t b = blockIdx.z; b < batch; b += gridDim.z) {
    const Word* s = src + b * rows * cols;
    Word* d = dst + b * rows * cols;
    for (std::int64_t r0 = static_cast<std::int64_t>(blockIdx.y) * kTile; r0 < rows;
         r0 += static_cast<std::int64_t>(gridDim.y) * kTile) {
      for (int j = ty; j < kTile; j += kTileRows)
        if (r0 + j < rows && c0 + tx < cols) tile[j][tx] = s[(r0 + j) * cols + c0 + tx];
      __syncthreads();
      for (int j = ty; j < kTile; j += kTileRows)
        if (c0 + j < cols && r0 + tx < rows) d[(c0 + j) * rows + r0 + tx] = tile[tx][j];
      __syncthreads();
    }
  }
}

// The permutation with size-1 axes dropped and runs of output axes that are consecutive input
// axes merged. in_shape: collapsed input shape; perm: output axis i = input axis perm[i].
struct CollapsedPermutation {
  Shape in_shape;
  std::vector<int> perm;
};

CollapsedPermutation collapse(const Shape& shape, const std::vector<int>& perm) {
  // Input axes of size > 1, numbered densely in input order.
  std::vector<int> dense(shape.size(), -1);
  int count = 0;
  for (std::size_t a = 0; a < shape.size(); ++a)
    if (shape[a] != 1) dense[a] = count++;
  // Groups of dense input axes, in output order: [first, last].
  std::vector<std::pair<int, int>> groups;
  for (int p : perm) {
    int a = dense[static_cast<std::size_t>(p)];
    if (a < 0) continue;
    if (!groups.empty() && groups.back().second + 1 == a)
      groups.back().second = a;
    else
      groups.emplace_back(a, a);
  }
  // Collapsed input axes = groups sorted by input position.
  std::vector<int> order(groups.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(), [&](int x, int y) {
    return groups[static_cast<std::size_t>(x)].first < groups[static_cast<std::size_t>(y)].first;
  });
  Shape dense_shape;
  for (std::int64_t s : shape)
    if (s != 1) dense_shape.push_back(s);
  CollapsedPermutation c;
  c.in_shape.resize(groups.size());
  c.perm.resize(groups.size());
  for (std::size_t j = 0; j < order.size(); ++j) {  // j: collapsed input axis
    auto [first, last] = groups[static_cast<std::size_t>(order[j])];
    std::int64_t extent = 1;
    for (int a = first; a <= last; ++a) extent *= dense_shape[static_cast<std::size_t>(a)];
    c.in_shape[j] = extent;
    c.perm[static_cast<std::size_t>(order[j])] = static_cast<int>(j);
  }
  return c;
}

template <class Word>
void permute_words(const Word* src, Word* dst, const CollapsedPermutation& c, std::int64_t n, cudaStream_t stream) {
  const auto nd = c.perm.size();
  const bool swap_last_two = nd >= 2 && c.perm[nd - 1] == static_cast<int>(nd - 2) &&
                             c.perm[nd - 2] == static_cast<int>(nd - 1);
  if (swap_last_two && nd <= 3) {  // (batch, rows, cols) -> (batch, cols, rows); batch axis kept in place
    const std::int64_t batch = nd == 3 ? c.in_shape[0] : 1;
    const std::int64_t rows = c.in_shape[nd - 2], cols = c.in_shape[nd - 1];
    const dim3 grid(static_cast<unsigned>((cols + kTile - 1) / kTile),
                    static_cast<unsigned>(std::min<std::int64_t>((rows + kTile - 1) / kTile, 65535)),
                    static_cast<unsigned>(std::min<std::int64_t>(batch, 65535)));
    transpose_kernel<<<grid, dim3(kTile, kTileRows), 0, stream>>>(src, dst, batch, rows, cols);
    LINATTN_CUDA_LAUNCH_CHECK();
    return;
  }
  LINATTN_CHECK(nd <= static_cast<std::size_t>(kMaxDims), "permute: the CUDA kernel handles at most ", kMaxDims,
                " axes after merging, got ", nd, " (collapsed input ", shape_str(c.in_shape), ")");
  PermutePlan plan;
  plan.ndim = static_cast<int>(nd);
  Shape in_strides = contiguous_strides(c.in_shape);
  for (std::size_t i = 0; i < nd; ++i) {
    plan.out_shape[i] = c.in_shape[static_cast<std::size_t>(c.perm[i])];
    plan.src_stride[i] = in_strides[static_cast<std::size_t>(c.perm[i])];
  }
  if (n < (std::int64_t{1} << 31))
    permute_kernel<<<grid_for(n), kBlock, 0, stream>>>(src, dst, plan, static_cast<std::uint32_t>(n));
  else
    permute_kernel<<<grid_for(n), kBlock, 0, stream>>>(src, dst, plan, n);
  LINATTN_CUDA_LAUNCH_CHECK();
}

// ---- copy_axis_block ----------------------------------------------------------------------------

// dst[o, dst_start + j, :] (+)= src[o, src_start + j, :] for j < count, flattened as
// i = o·block + r with block = count·inner elements per outer index.
template <class T, bool Accumulate, class Index>
__global__ void copy_block_kernel(const T* src, std::int64_t src_pitch, T* dst, std::int64_t dst_pitch,
                                  Index block, Index n) {
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const Index o = i / block, r = i - o * block;
    const T v = src[static_cast<std::int64_t>(o) * src_pitch + r];
    T& d = dst[static_cast<std::int64_t>(o) * dst_pitch + r];
    if constexpr (Accumulate)
      d += v;
    else
      d = v;
  }
}

template <class T, bool Accumulate>
void copy_block(const T* src, std::int64_t src_pitch, T* dst, std::int64_t dst_pitch, std::int64_t block,
                std::int64_t outer, cudaStream_t stream) {
  const std::int64_t n = block * outer;
  if (n == 0) return;
  if (n < (std::int64_t{1} << 31))
    copy_block_kernel<T, Accumulate><<<grid_for(n), kBlock, 0, stream>>>(
        src, src_pitch, dst, dst_pitch, static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(n));
  else
    copy_block_kernel<T, Accumulate><<<grid_for(n), kBlock, 0, stream>>>(src, src_pitch, dst, dst_pitch, block, n);
  LINATTN_CUDA_LAUNCH_CHECK();
}

// ---- expand -------------------------------------------------------------------------------------

template <class Word>
struct ExpandFn {
  const Word* src;
  Word* dst;
  template <class Index>
  __device__ void operator()(Index i, const Index (&off)[1]) const {
    dst[i] = src[off[0]];
  }
};

}  // namespace

void permute(const Tensor& x, const std::vector<int>& perm, Tensor& out) {
  const std::int64_t n = x.numel();
  if (n == 0) return;
  CollapsedPermutation c = collapse(x.shape(), perm);
  cudaStream_t stream = stream_of(out);
  bool identity = true;
  for (std::size_t i = 0; i < c.perm.size(); ++i) identity = identity && c.perm[i] == static_cast<int>(i);
  if (identity) {
    LINATTN_CUDA_CHECK(cudaMemcpyAsync(out.raw(), x.raw(), x.nbytes(), cudaMemcpyDeviceToDevice, stream));
    return;
  }
  with_word_type(x.dtype(), [&](auto word) {
    using Word = decltype(word);
    permute_words(static_cast<const Word*>(x.raw()), static_cast<Word*>(out.raw()), c, n, stream);
  });
}

void copy_axis_block(const Tensor& src, std::int64_t src_size, std::int64_t src_start, Tensor& dst,
                     std::int64_t dst_size, std::int64_t dst_start, std::int64_t outer, std::int64_t inner,
                     std::int64_t count, bool accumulate) {
  const std::int64_t block = count * inner;  // contiguous elements per outer index
  const std::int64_t src_offset = src_start * inner, dst_offset = dst_start * inner;
  cudaStream_t stream = stream_of(dst);
  if (!accumulate) {
    with_word_type(src.dtype(), [&](auto word) {
      using Word = decltype(word);
      copy_block<Word, false>(static_cast<const Word*>(src.raw()) + src_offset, src_size * inner,
                              static_cast<Word*>(dst.raw()) + dst_offset, dst_size * inner, block, outer, stream);
    });
    return;
  }
  LINATTN_FLOAT_TYPES(src.dtype(), "copy_axis_block", [&] {
    copy_block<scalar_t, true>(src.data<scalar_t>() + src_offset, src_size * inner,
                               dst.data<scalar_t>() + dst_offset, dst_size * inner, block, outer, stream);
  });
}

void expand(const Tensor& x, Tensor& out) {
  auto plan = make_broadcast<1>(out.shape(), {&x.shape()}, "expand");
  with_word_type(x.dtype(), [&](auto word) {
    using Word = decltype(word);
    launch_broadcast(plan, out.numel(), stream_of(out),
                     ExpandFn<Word>{static_cast<const Word*>(x.raw()), static_cast<Word*>(out.raw())});
  });
}

}  // namespace linattn::cuda
