// core/broadcast_plan.h — the host-side axis collapse shared by the CPU and CUDA broadcast
// loops (core/cpu/broadcast.h, core/cuda/broadcast.cuh).
//
// collapse_broadcast(out, inputs) lays each of K input shapes over the output's axes (element
// stride 0 where an input is broadcast or missing), drops size-1 output axes and merges
// adjacent axes that are contiguous for every operand, so common cases collapse to one or two
// axes: same shape → (numel) with strides 1; bias (B·N, C) + (C) → (B·N, C) with strides
// (C, 1) / (0, 1). A one-element output collapses to one axis of size 1 (strides 0).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/shape.h"

namespace linattn {

template <int K>
struct CollapsedBroadcast {
  std::vector<std::int64_t> shape;                  // collapsed output axes (never empty)
  std::vector<std::array<std::int64_t, K>> stride;  // per axis, each input's element stride
};

template <int K>
CollapsedBroadcast<K> collapse_broadcast(const Shape& out, const std::array<const Shape*, K>& in) {
  const std::size_t nd = out.size();
  std::vector<std::array<std::int64_t, K>> st(nd);  // input strides over the output's axes
  for (std::size_t k = 0; k < static_cast<std::size_t>(K); ++k) {
    const Shape& s = *in[k];
    std::int64_t stride = 1;
    for (std::size_t i = nd; i-- > 0;) {
      const std::size_t pad = nd - s.size();
      const std::int64_t dim = i < pad ? 1 : s[i - pad];
      st[i][k] = dim == 1 ? 0 : stride;
      stride *= dim;
    }
  }
  CollapsedBroadcast<K> c;
  for (std::size_t i = 0; i < nd; ++i) {
    if (out[i] == 1) continue;  // size-1 axes carry nothing
    if (!c.shape.empty()) {
      bool mergeable = true;
      for (std::size_t k = 0; k < static_cast<std::size_t>(K); ++k)
        if (c.stride.back()[k] != st[i][k] * out[i]) mergeable = false;
      if (mergeable) {
        c.shape.back() *= out[i];
        c.stride.back() = st[i];
        continue;
      }
    }
    c.shape.push_back(out[i]);
    c.stride.push_back(st[i]);
  }
  if (c.shape.empty()) {  // a one-element output
    c.shape.push_back(1);
    c.stride.push_back({});
  }
  return c;
}

}  // namespace linattn
