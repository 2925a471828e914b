// core/cpu/nn_layer_norm.cpp — CPU kernels of core/kernels/nn.h for layer norm.
//
// Forward: one row (C elements) per step, threads split rows; mean and variance are two passes
// over the row (numerically stable; the row stays in cache), accumulated over fixed lanes.
// Backward: rows are cut into at most kMaxBlocks blocks whose count depends only on the shape;
// each block writes its partial Σ grad_y ⊙ x̂ and Σ grad_y into its own slice of a scratch
// buffer (no atomics), then the blocks are summed in block order (in double for float32). So
// grad_weight and grad_bias are identical for any thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cpu/parallel.h"
#include "core/cpu/vec_math.h"
#include "core/kernels/nn.h"

namespace linattn::cpu {

namespace {

constexpr std::int64_t kMaxBlocks = 64;
constexpr std::int64_t kMinRowsPerBlock = 8;

template <class T>
const T* data_or_null(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }
template <class T>
T* mutable_or_null(Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

template <class T>
LINATTN_CPU_CLONES void layer_norm_rows(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, std::int64_t r0,
                                        std::int64_t r1, std::int64_t C, T eps) {
  const T inv_c = T(1) / static_cast<T>(C);
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* xr = x + r * C;
    T* yr = y + r * C;
    const T mu = lane_sum<T>(C, [&](std::int64_t i) { return xr[i]; }) * inv_c;
    const T var = lane_sum<T>(C, [&](std::int64_t i) { T d = xr[i] - mu; return d * d; }) * inv_c;
    const T rs = T(1) / std::sqrt(var + eps);
    mean[r] = mu;
    rstd[r] = rs;
    if (w && b) {
      for (std::int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - mu) * rs * w[i] + b[i];
    } else if (w) {
      for (std::int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - mu) * rs * w[i];
    } else if (b) {
      for (std::int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - mu) * rs + b[i];
    } else {
      for (std::int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - mu) * rs;
    }
  }
}

// Rows [r0, r1): grad_x (when gx) and this block's partial sums pw = Σ g ⊙ x̂, pb = Σ g (when
// non-null; zeroed here).
template <class T>
LINATTN_CPU_CLONES void layer_norm_backward_rows(const T* g, const T* x, const T* w, const T* mean, const T* rstd,
                                                 T* gx, T* pw, T* pb, std::int64_t r0, std::int64_t r1,
                                                 std::int64_t C) {
  const T inv_c = T(1) / static_cast<T>(C);
  if (pw) std::fill(pw, pw + C, T(0));
  if (pb) std::fill(pb, pb + C, T(0));
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* gr = g + r * C;
    const T* xr = x + r * C;
    const T mu = mean[r], rs = rstd[r];
    if (gx) {
      // a = mean(ĝ), c = mean(ĝ ⊙ x̂) with ĝ = g ⊙ w.
      T a, c;
      if (w) {
        a = lane_sum<T>(C, [&](std::int64_t i) { return gr[i] * w[i]; }) * inv_c;
        c = lane_sum<T>(C, [&](std::int64_t i) { return gr[i] * w[i] * ((xr[i] - mu) * rs); }) * inv_c;
        T* out = gx + r * C;
        for (std::int64_t i = 0; i < C; ++i) out[i] = rs * (gr[i] * w[i] - a - (xr[i] - mu) * rs * c);
      } else {
        a = lane_sum<T>(C, [&](std::int64_t i) { return gr[i]; }) * inv_c;
        c = lane_sum<T>(C, [&](std::int64_t i) { return gr[i] * ((xr[i] - mu) * rs); }) * inv_c;
        T* out = gx + r * C;
        for (std::int64_t i = 0; i < C; ++i) out[i] = rs * (gr[i] - a - (xr[i] - mu) * rs * c);
      }
    }
    if (pw)
      for (std::int64_t i = 0; i < C; ++i) pw[i] += gr[i] * ((xr[i] - mu) * rs);
    if (pb)
      for (std::int64_t i = 0; i < C; ++i) pb[i] += gr[i];
  }
}

// out[c] = Σ_blocks partial[block·C + c], in block order, accumulated in double for float32.
template <class T>
void sum_blocks(const std::vector<T>& partial, std::int64_t blocks, std::int64_t C, T* out) {
  using Acc = double;
  parallel_for(C, 4096, [&](std::int64_t c0, std::int64_t c1) {
    std::vector<Acc> acc(static_cast<std::size_t>(c1 - c0), Acc(0));
    for (std::int64_t blk = 0; blk < blocks; ++blk) {
      const T* p = partial.data() + blk * C;
      for (std::int64_t c = c0; c < c1; ++c) acc[static_cast<std::size_t>(c - c0)] += static_cast<Acc>(p[c]);
    }
    for (std::int64_t c = c0; c < c1; ++c) out[c] = static_cast<T>(acc[static_cast<std::size_t>(c - c0)]);
  });
}

template <class T>
void layer_norm_backward_typed(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Tensor& mean,
                               const Tensor& rstd, std::int64_t rows, std::int64_t C, Tensor& grad_x,
                               Tensor& grad_weight, Tensor& grad_bias) {
  if (C == 0) return;
  const bool want_w = grad_weight.defined(), want_b = grad_bias.defined();
  if (rows == 0) {
    if (want_w) std::fill(grad_weight.data<T>(), grad_weight.data<T>() + C, T(0));
    if (want_b) std::fill(grad_bias.data<T>(), grad_bias.data<T>() + C, T(0));
    return;
  }
  const std::int64_t blocks = std::clamp<std::int64_t>(rows / kMinRowsPerBlock, 1, kMaxBlocks);
  const std::int64_t per_block = (rows + blocks - 1) / blocks;
  std::vector<T> pw(want_w ? static_cast<std::size_t>(blocks * C) : 0), pb(want_b ? static_cast<std::size_t>(blocks * C) : 0);
  const T* g = grad_y.data<T>();
  const T* px = x.data<T>();
  const T* w = data_or_null<T>(weight);
  const T* pm = mean.data<T>();
  const T* pr = rstd.data<T>();
  T* gx = mutable_or_null<T>(grad_x);
  parallel_for(blocks, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(per_block * C, 1)),
               [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t blk = b0; blk < b1; ++blk) {
      const std::int64_t r0 = std::min(rows, blk * per_block), r1 = std::min(rows, r0 + per_block);
      layer_norm_backward_rows<T>(g, px, w, pm, pr, gx, want_w ? pw.data() + blk * C : nullptr,
                                  want_b ? pb.data() + blk * C : nullptr, r0, r1, C);
    }
  });
  if (want_w) sum_blocks(pw, blocks, C, grad_weight.data<T>());
  if (want_b) sum_blocks(pb, blocks, C, grad_bias.data<T>());
}

}  // namespace

void layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, std::int64_t rows, std::int64_t C,
                        double eps, Tensor& y, Tensor& mean, Tensor& rstd) {
  LINATTN_FLOAT_TYPES(x.dtype(), "layer_norm", [&] {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pw = data_or_null<scalar_t>(weight);
    const scalar_t* pb = data_or_null<scalar_t>(bias);
    scalar_t* py = y.data<scalar_t>();
    scalar_t* pm = mean.data<scalar_t>();
    scalar_t* pr = rstd.data<scalar_t>();
    const auto e = static_cast<scalar_t>(eps);
    parallel_for(rows, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(C, 1)),
                 [&](std::int64_t r0, std::int64_t r1) { layer_norm_rows<scalar_t>(px, pw, pb, py, pm, pr, r0, r1, C, e); });
  });
}

void layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Tensor& mean,
                         const Tensor& rstd, std::int64_t rows, std::int64_t C, Tensor& grad_x, Tensor& grad_weight,
                         Tensor& grad_bias) {
  LINATTN_FLOAT_TYPES(x.dtype(), "layer_norm_backward", [&] {
    layer_norm_backward_typed<scalar_t>(grad_y, x, weight, mean, rstd, rows, C, grad_x, grad_weight, grad_bias);
  });
}

}  // namespace linattn::cpu
