// core/cuda/indexing.cu — CUDA kernels of core/kernels/indexing.h: index_select / index_add
// along one axis with a 1-D index, gather / scatter_add with an index per element (PyTorch
// semantics), for float32, float64 and int64.
//
// Determinism: the accumulating kernels never use floating-point atomics; each output element
// is owned by one thread, which adds its contributions in the CPU's order, so results match the
// CPU bit for bit and never vary run to run.
//  - index_add: one thread per destination element (o, k, i) scans the whole index list in
//    order (j ascending) and adds src[o, j, i] wherever index[j] == k. That costs L index reads
//    per destination element (cached, shared by a warp): fine for the vision models' sizes (L
//    and the axis in the thousands), not for embedding tables of 10⁵ rows — sort the index
//    (a stable radix sort of (index, j)) first if that ever matters.
//  - scatter_add: targets of different (outer, inner) coordinates of the index never collide,
//    so one thread per (outer, inner) walks the indexed axis in order.
// Out-of-range indices (gather / scatter_add; index_select's are checked by the op): each
// kernel records the lowest bad flat position with an integer atomicMin (order-independent),
// and the host reads it back after the kernel — one stream synchronization per call — to raise
// the CPU's error message. As on the CPU, gather writes 0 there and scatter_add skips them.
#include <limits>

#include "core/cuda/launch.cuh"
#include "core/kernels/indexing.h"

namespace linattn::cuda {

namespace {

#define INDEXING_GRID_STRIDE(i, n)                                                                   \
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < (n);   \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

constexpr int kMaxDims = 8;
constexpr unsigned long long kNoBadIndex = std::numeric_limits<unsigned long long>::max();

// The index's shape and, per axis, the target tensor's stride (target: x for gather, out for
// scatter_add; it may be larger than the index off the axis).
struct IndexPlan {
  int ndim = 0, axis = 0;
  std::int64_t shape[kMaxDims] = {};
  std::int64_t target_stride[kMaxDims] = {};
  std::int64_t axis_size = 0;
};

IndexPlan make_plan(const Tensor& index, const Shape& target, int axis, const char* op) {
  LINATTN_CHECK(index.dim() <= kMaxDims, op, ": CUDA supports at most ", kMaxDims, " axes, got index of shape ",
                shape_str(index.shape()));
  IndexPlan plan;
  plan.ndim = index.dim();
  plan.axis = axis;
  const Shape strides = contiguous_strides(target);
  for (int d = 0; d < plan.ndim; ++d) {
    plan.shape[d] = index.size(d);
    plan.target_stride[d] = strides[static_cast<std::size_t>(d)];
  }
  plan.axis_size = target[static_cast<std::size_t>(axis)];
  return plan;
}

// Target offset of index position p with its axis coordinate dropped (0 there).
__device__ std::int64_t offset_off_axis(const IndexPlan& plan, std::int64_t p) {
  std::int64_t off = 0;
  for (int d = plan.ndim - 1; d >= 0; --d) {
    const std::int64_t coord = p % plan.shape[d];
    p /= plan.shape[d];
    if (d != plan.axis) off += coord * plan.target_stride[d];
  }
  return off;
}

__device__ __forceinline__ void note_bad(unsigned long long* bad, std::int64_t position) {
  atomicMin(bad, static_cast<unsigned long long>(position));
}

template <class T>
__global__ void index_select_kernel(const T* x, const std::int64_t* index, std::int64_t outer, std::int64_t size,
                                    std::int64_t L, std::int64_t inner, T* out) {
  INDEXING_GRID_STRIDE(e, outer * L * inner) {
    const std::int64_t i = e % inner, j = (e / inner) % L, o = e / (inner * L);
    out[e] = x[(o * size + index[j]) * inner + i];
  }
}

template <class T>
__global__ void index_add_kernel(const T* src, const std::int64_t* index, std::int64_t outer, std::int64_t size,
                                 std::int64_t L, std::int64_t inner, T* out) {
  INDEXING_GRID_STRIDE(e, outer * size * inner) {
    const std::int64_t i = e % inner, k = (e / inner) % size, o = e / (inner * size);
    T acc = out[e];
    bool hit = false;
    for (std::int64_t j = 0; j < L; ++j) {
      if (index[j] != k) continue;
      acc += src[(o * L + j) * inner + i];
      hit = true;
    }
    if (hit) out[e] = acc;
  }
}

template <class T>
__global__ void gather_kernel(IndexPlan plan, const T* x, const std::int64_t* index, std::int64_t n, T* out,
                              unsigned long long* bad) {
  const std::int64_t axis_stride = plan.target_stride[plan.axis];
  INDEXING_GRID_STRIDE(p, n) {
    const std::int64_t k = index[p];
    if (k < 0 || k >= plan.axis_size) {
      note_bad(bad, p);
      out[p] = T(0);
      continue;
    }
    out[p] = x[offset_off_axis(plan, p) + k * axis_stride];
  }
}

// One thread per (o, i) of the index viewed as (outer, size, inner) around the axis.
template <class T>
__global__ void scatter_add_kernel(IndexPlan plan, const T* src, const std::int64_t* index, std::int64_t outer,
                                   std::int64_t size, std::int64_t inner, T* out, unsigned long long* bad) {
  const std::int64_t axis_stride = plan.target_stride[plan.axis];
  INDEXING_GRID_STRIDE(t, outer * inner) {
    const std::int64_t o = t / inner, i = t % inner;
    const std::int64_t first = o * size * inner + i;  // position (o, 0, i)
    T* base = out + offset_off_axis(plan, first);
    for (std::int64_t j = 0; j < size; ++j) {
      const std::int64_t p = first + j * inner, k = index[p];
      if (k < 0 || k >= plan.axis_size) {
        note_bad(bad, p);
        continue;
      }
      base[k * axis_stride] += src[p];
    }
  }
}

#undef INDEXING_GRID_STRIDE

// A device word holding the lowest bad position seen (kNoBadIndex: none).
class BadIndex {
 public:
  explicit BadIndex(const Tensor& like)
      : word_(Tensor::empty({1}, {.dtype = DType::I64, .device = like.device()})), stream_(stream_of(like)) {
    LINATTN_CUDA_CHECK(cudaMemsetAsync(word_.raw(), 0xff, sizeof(unsigned long long), stream_));
  }
  unsigned long long* device_word() { return static_cast<unsigned long long*>(word_.raw()); }

  // Waits for the kernel; throws the CPU's message if an index was out of range.
  void throw_if_any(const char* op, const Tensor& index, int axis, std::int64_t axis_size) {
    unsigned long long p = kNoBadIndex;
    LINATTN_CUDA_CHECK(cudaMemcpyAsync(&p, word_.raw(), sizeof p, cudaMemcpyDeviceToHost, stream_));
    LINATTN_CUDA_CHECK(cudaStreamSynchronize(stream_));
    if (p == kNoBadIndex) return;
    std::int64_t value = 0;
    LINATTN_CUDA_CHECK(cudaMemcpyAsync(&value, index.data<std::int64_t>() + p, sizeof value, cudaMemcpyDeviceToHost,
                                       stream_));
    LINATTN_CUDA_CHECK(cudaStreamSynchronize(stream_));
    fail(str_cat(op, ": index ", value, " (at flat position ", p, " of the index of shape ", shape_str(index.shape()),
                 ") is out of range for axis ", axis, " of size ", axis_size, " (valid: 0..", axis_size - 1, ")"));
  }

 private:
  Tensor word_;
  cudaStream_t stream_;
};

template <class T>
void gather_typed(const Tensor& x, int axis, const Tensor& index, Tensor& out) {
  const std::int64_t n = index.numel();
  if (n == 0) return;
  const IndexPlan plan = make_plan(index, x.shape(), axis, "gather");
  BadIndex bad(out);
  gather_kernel<<<grid_for(n), kBlock, 0, stream_of(out)>>>(plan, x.data<T>(), index.data<std::int64_t>(), n,
                                                             out.data<T>(), bad.device_word());
  LINATTN_CUDA_LAUNCH_CHECK();
  bad.throw_if_any("gather", index, axis, plan.axis_size);
}

template <class T>
void scatter_add_typed(const Tensor& src, int axis, const Tensor& index, Tensor& out) {
  if (index.numel() == 0) return;
  const IndexPlan plan = make_plan(index, out.shape(), axis, "scatter_add");
  const AxisView v = axis_view(index.shape(), axis);
  BadIndex bad(out);
  scatter_add_kernel<<<grid_for(v.outer * v.inner), kBlock, 0, stream_of(out)>>>(
      plan, src.data<T>(), index.data<std::int64_t>(), v.outer, v.size, v.inner, out.data<T>(), bad.device_word());
  LINATTN_CUDA_LAUNCH_CHECK();
  bad.throw_if_any("scatter_add", index, axis, plan.axis_size);
}

}  // namespace

void index_select(const Tensor& x, const Tensor& index, std::int64_t outer, std::int64_t size, std::int64_t inner,
                  Tensor& out) {
  const std::int64_t L = index.numel();
  if (out.numel() == 0) return;
  LINATTN_ALL_TYPES(x.dtype(), "index_select", [&] {
    index_select_kernel<<<grid_for(out.numel()), kBlock, 0, stream_of(out)>>>(
        x.data<scalar_t>(), index.data<std::int64_t>(), outer, size, L, inner, out.data<scalar_t>());
    LINATTN_CUDA_LAUNCH_CHECK();
  });
}

void index_add(const Tensor& src, const Tensor& index, std::int64_t outer, std::int64_t size, std::int64_t inner,
               Tensor& out) {
  const std::int64_t L = index.numel();
  if (out.numel() == 0 || L == 0) return;
  LINATTN_ALL_TYPES(src.dtype(), "index_add", [&] {
    index_add_kernel<<<grid_for(out.numel()), kBlock, 0, stream_of(out)>>>(
        src.data<scalar_t>(), index.data<std::int64_t>(), outer, size, L, inner, out.data<scalar_t>());
    LINATTN_CUDA_LAUNCH_CHECK();
  });
}

void gather(const Tensor& x, int axis, const Tensor& index, Tensor& out) {
  LINATTN_ALL_TYPES(x.dtype(), "gather", [&] { gather_typed<scalar_t>(x, axis, index, out); });
}

void scatter_add(const Tensor& src, int axis, const Tensor& index, Tensor& out) {
  LINATTN_ALL_TYPES(src.dtype(), "scatter_add", [&] { scatter_add_typed<scalar_t>(src, axis, index, out); });
}

}  // namespace linattn::cuda
