// core/cpu/broadcast.h — iteration plan for K inputs broadcast to one output shape.
//
// The axes are collapsed by core/broadcast_plan.h (shared with the CUDA loop): same shape →
// (numel), bias (B·N, C) + (C) → rows of C with strides (C,1)/(0,1). for_each_run() then visits the output in innermost runs (one row of the last collapsed axis),
// handing each input's offset and inner stride (0 or 1) to the caller's loop.
#pragma once
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/broadcast_plan.h"
#include "core/cpu/parallel.h"

namespace linattn::cpu {

template <int K>
class BroadcastPlan {
 public:
  BroadcastPlan(const Shape& out, const std::array<const Shape*, K>& in) {
    CollapsedBroadcast<K> c = collapse_broadcast<K>(out, in);
    shape_ = std::move(c.shape);
    stride_ = std::move(c.stride);
  }

  std::int64_t inner() const { return shape_.back(); }
  std::int64_t rows() const {
    std::int64_t r = 1;
    for (std::size_t i = 0; i + 1 < shape_.size(); ++i) r *= shape_[i];
    return r;
  }
  const std::array<std::int64_t, K>& inner_strides() const { return stride_.back(); }

  // fn(std::array<int64_t, K> in_offsets, int64_t out_offset, int64_t count) for every run,
  // split over threads by rows.
  template <class F>
  void for_each_run(F&& fn) const {
    const std::int64_t n_inner = inner(), n_rows = rows();
    if (n_rows == 1) {  // one long run: split it
      parallel_for(n_inner, kElementwiseGrain, [&](std::int64_t b, std::int64_t e) {
        std::array<std::int64_t, K> off{};
        for (int k = 0; k < K; ++k) off[static_cast<std::size_t>(k)] = b * stride_.back()[static_cast<std::size_t>(k)];
        fn(off, b, e - b);
      });
      return;
    }
    const std::int64_t grain = std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(n_inner, 1));
    parallel_for(n_rows, grain, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        std::array<std::int64_t, K> off{};
        std::int64_t rem = r;
        for (std::size_t i = shape_.size() - 1; i-- > 0;) {
          std::int64_t idx = rem % shape_[i];
          rem /= shape_[i];
          for (int k = 0; k < K; ++k) off[static_cast<std::size_t>(k)] += idx * stride_[i][static_cast<std::size_t>(k)];
        }
        fn(off, r * n_inner, n_inner);
      }
    });
  }

 private:
  std::vector<std::int64_t> shape_;
  std::vector<std::array<std::int64_t, K>> stride_;
};

}  // namespace linattn::cpu
