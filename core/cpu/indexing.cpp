// core/cpu/indexing.cpp — CPU kernels of core/kernels/indexing.h.
//
// gather / scatter_add walk the index tensor viewed as (outer, size, inner) around the axis. A
// position's offset in the other tensor (x for gather, out for scatter_add) is
// outer_offset[o] + index·axis_stride + inner_offset[i]; the two offset tables come from that
// tensor's strides, since it may be larger than the index off the axis (inner_offset is the
// identity, and skipped, when the trailing shapes agree). Bad indices are recorded (the first
// by position) and reported after the parallel loop: nothing may throw inside one.
#include <atomic>
#include <cstring>
#include <limits>
#include <vector>

#include "core/cpu/parallel.h"
#include "core/kernels/indexing.h"

namespace linattn::cpu {

namespace {

constexpr std::int64_t kInnerChunk = 64;  // columns per task in the accumulating kernels

// The index's (outer, size, inner) view and where each position lands in `target`.
struct IndexPlan {
  std::int64_t outer = 1, size = 1, inner = 1;  // index shape around the axis
  std::int64_t axis_size = 0, axis_stride = 1;  // target's
  std::vector<std::int64_t> outer_offset;       // per outer index, into target
  std::vector<std::int64_t> inner_offset;       // per inner index, into target; empty = identity

  IndexPlan(const Shape& index_shape, const Shape& target_shape, int axis) {
    const auto a = static_cast<std::size_t>(axis);
    AxisView v = axis_view(index_shape, axis);
    outer = v.outer, size = v.size, inner = v.inner;
    Shape strides = contiguous_strides(target_shape);
    axis_size = target_shape[a];
    axis_stride = strides[a];
    outer_offset = offsets(index_shape, strides, 0, a);
    bool same_inner = true;
    for (std::size_t d = a + 1; d < index_shape.size(); ++d) same_inner = same_inner && index_shape[d] == target_shape[d];
    if (!same_inner) inner_offset = offsets(index_shape, strides, a + 1, index_shape.size());
  }

  // Offsets (with `strides`) of every coordinate over dims [d0, d1) of `shape`, row-major.
  static std::vector<std::int64_t> offsets(const Shape& shape, const Shape& strides, std::size_t d0, std::size_t d1) {
    std::vector<std::int64_t> out{0};
    for (std::size_t d = d0; d < d1; ++d) {
      std::vector<std::int64_t> next;
      next.reserve(out.size() * static_cast<std::size_t>(shape[d]));
      for (std::int64_t base : out)
        for (std::int64_t c = 0; c < shape[d]; ++c) next.push_back(base + c * strides[d]);
      out.swap(next);
    }
    return out;
  }

  std::int64_t inner_at(std::int64_t i) const { return inner_offset.empty() ? i : inner_offset[static_cast<std::size_t>(i)]; }
};

// The first (lowest-position) bad index seen by any thread.
class BadIndex {
 public:
  void note(std::int64_t position) {
    std::int64_t cur = first_.load(std::memory_order_relaxed);
    while (position < cur && !first_.compare_exchange_weak(cur, position, std::memory_order_relaxed)) {
    }
  }
  void throw_if_any(const char* op, const Tensor& index, int axis, std::int64_t axis_size) const {
    std::int64_t p = first_.load();
    if (p == std::numeric_limits<std::int64_t>::max()) return;
    fail(str_cat(op, ": index ", index.data<std::int64_t>()[p], " (at flat position ", p, " of the index of shape ",
                 shape_str(index.shape()), ") is out of range for axis ", axis, " of size ", axis_size,
                 " (valid: 0..", axis_size - 1, ")"));
  }

 private:
  std::atomic<std::int64_t> first_{std::numeric_limits<std::int64_t>::max()};
};

template <class T>
void gather_typed(const Tensor& x, int axis, const Tensor& index, Tensor& out) {
  IndexPlan plan(index.shape(), x.shape(), axis);
  const T* px = x.data<T>();
  const std::int64_t* pi = index.data<std::int64_t>();
  T* po = out.data<T>();
  BadIndex bad;
  const std::int64_t rows = plan.outer * plan.size, inner = plan.inner;
  parallel_for(rows, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(inner, 1)),
               [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const T* base = px + plan.outer_offset[static_cast<std::size_t>(r / plan.size)];
      const std::int64_t* ir = pi + r * inner;
      T* orow = po + r * inner;
      for (std::int64_t i = 0; i < inner; ++i) {
        const std::int64_t k = ir[i];
        if (k < 0 || k >= plan.axis_size) {
          bad.note(r * inner + i);
          orow[i] = T(0);
          continue;
        }
        orow[i] = base[k * plan.axis_stride + plan.inner_at(i)];
      }
    }
  });
  bad.throw_if_any("gather", index, axis, plan.axis_size);
}

template <class T>
void scatter_add_typed(const Tensor& src, int axis, const Tensor& index, Tensor& out) {
  IndexPlan plan(index.shape(), out.shape(), axis);
  const T* ps = src.data<T>();
  const std::int64_t* pi = index.data<std::int64_t>();
  T* po = out.data<T>();
  BadIndex bad;
  const std::int64_t chunks = (plan.inner + kInnerChunk - 1) / kInnerChunk;
  // Tasks are (outer, inner chunk): disjoint targets; the axis is walked in order inside one.
  parallel_for(plan.outer * chunks, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(plan.size * kInnerChunk, 1)),
               [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      const std::int64_t o = t / chunks, i0 = (t % chunks) * kInnerChunk, i1 = std::min(plan.inner, i0 + kInnerChunk);
      T* base = po + plan.outer_offset[static_cast<std::size_t>(o)];
      for (std::int64_t j = 0; j < plan.size; ++j) {
        const std::int64_t row = (o * plan.size + j) * plan.inner;
        for (std::int64_t i = i0; i < i1; ++i) {
          const std::int64_t k = pi[row + i];
          if (k < 0 || k >= plan.axis_size) {
            bad.note(row + i);
            continue;
          }
          base[k * plan.axis_stride + plan.inner_at(i)] += ps[row + i];
        }
      }
    }
  });
  bad.throw_if_any("scatter_add", index, axis, plan.axis_size);
}

}  // namespace

void index_select(const Tensor& x, const Tensor& index, std::int64_t outer, std::int64_t size, std::int64_t inner,
                  Tensor& out) {
  const std::int64_t L = index.numel();
  const std::int64_t* pi = index.data<std::int64_t>();
  const std::size_t elem = dtype_size(x.dtype());
  const auto* src = static_cast<const char*>(x.raw());
  auto* dst = static_cast<char*>(out.raw());
  parallel_for(outer * L, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(inner, 1)),
               [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const std::int64_t o = r / L, j = r % L;
      std::memcpy(dst + static_cast<std::size_t>(r * inner) * elem,
                  src + static_cast<std::size_t>((o * size + pi[j]) * inner) * elem, static_cast<std::size_t>(inner) * elem);
    }
  });
}

void index_add(const Tensor& src, const Tensor& index, std::int64_t outer, std::int64_t size, std::int64_t inner,
               Tensor& out) {
  LINATTN_ALL_TYPES(src.dtype(), "index_add", [&] {
    const std::int64_t L = index.numel();
    const std::int64_t* pi = index.data<std::int64_t>();
    const scalar_t* ps = src.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    const std::int64_t chunks = (inner + kInnerChunk - 1) / kInnerChunk;
    parallel_for(outer * chunks, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(L * kInnerChunk, 1)),
                 [&](std::int64_t t0, std::int64_t t1) {
      for (std::int64_t t = t0; t < t1; ++t) {
        const std::int64_t o = t / chunks, i0 = (t % chunks) * kInnerChunk, i1 = std::min(inner, i0 + kInnerChunk);
        for (std::int64_t j = 0; j < L; ++j) {
          const scalar_t* s = ps + (o * L + j) * inner;
          scalar_t* d = po + (o * size + pi[j]) * inner;
          for (std::int64_t i = i0; i < i1; ++i) d[i] += s[i];
        }
      }
    });
  });
}

void gather(const Tensor& x, int axis, const Tensor& index, Tensor& out) {
  LINATTN_ALL_TYPES(x.dtype(), "gather", [&] { gather_typed<scalar_t>(x, axis, index, out); });
}

void scatter_add(const Tensor& src, int axis, const Tensor& index, Tensor& out) {
  LINATTN_ALL_TYPES(src.dtype(), "scatter_add", [&] { scatter_add_typed<scalar_t>(src, axis, index, out); });
}

}  // namespace linattn::cpu
