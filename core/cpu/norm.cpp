// core/cpu/norm.cpp — CPU kernels of core/kernels/norm.h. Statistics: one thread per channel,
// two passes (mean, then centered squares) in double. Elementwise passes: one thread per
// (image, channel) row of S elements.
#include <cmath>
#include <vector>

#include "core/cpu/lane_sum.h"
#include "core/cpu/parallel.h"
#include "core/kernels/norm.h"

namespace linattn::cpu {

namespace {

template <class T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// Calls fn(c, row pointer offset) for every (b, c) row of x in order b = 0..B-1.
template <class F>
void for_channel_rows(const BatchNormGeometry& g, std::int64_t c, F&& fn) {
  for (std::int64_t b = 0; b < g.B; ++b) fn((b * g.C + c) * g.S);
}

template <class F>
void for_rows(const BatchNormGeometry& g, F&& fn) {
  parallel_for(g.B * g.C, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(g.S, 1)),
               [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) fn(r % g.C, r * g.S);
  });
}

std::int64_t channel_grain(const BatchNormGeometry& g) {
  return std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(g.B * g.S, 1));
}

template <class T>
void forward_typed(const BatchNormGeometry& g, const T* x, const T* w, const T* bias, T* rmean, T* rvar,
                   bool training, double momentum, double eps, T* out, T* smean, T* sinvstd) {
  const std::int64_t n = g.B * g.S;
  parallel_for(g.C, channel_grain(g), [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      double mean, var;
      if (training) {
        double s = 0, q = 0;
        for_channel_rows(g, c, [&](std::int64_t off) {
          s += lane_sum(g.S, [&](std::int64_t i) { return x[off + i]; });
        });
        mean = s / static_cast<double>(n);
        for_channel_rows(g, c, [&](std::int64_t off) {
          q += lane_sum(g.S, [&](std::int64_t i) {
            const double d = static_cast<double>(x[off + i]) - mean;
            return d * d;
          });
        });
        var = q / static_cast<double>(n);
        if (rmean) rmean[c] = static_cast<T>((1 - momentum) * static_cast<double>(rmean[c]) + momentum * mean);
        if (rvar)
          rvar[c] = static_cast<T>((1 - momentum) * static_cast<double>(rvar[c]) +
                                   momentum * q / static_cast<double>(n - 1));
      } else {
        mean = static_cast<double>(rmean[c]);
        var = static_cast<double>(rvar[c]);
      }
      smean[c] = static_cast<T>(mean);
      sinvstd[c] = static_cast<T>(1.0 / std::sqrt(var + eps));
    }
  });
  for_rows(g, [&](std::int64_t c, std::int64_t off) {
    // y = x·scale + shift with scale = invstd·w, shift = b − mean·scale
    const T scale = sinvstd[c] * (w ? w[c] : T(1));
    const T shift = (bias ? bias[c] : T(0)) - smean[c] * scale;
    for (std::int64_t i = 0; i < g.S; ++i) out[off + i] = x[off + i] * scale + shift;
  });
}

template <class T>
void backward_typed(const BatchNormGeometry& g, const T* gy, const T* x, const T* w, const T* smean,
                    const T* sinvstd, bool training, T* gx, T* gw, T* gb) {
  const std::int64_t n = g.B * g.S;
  // Per channel: Σ gy and Σ gy·x̂ with x̂ = (x − mean)·invstd.
  std::vector<double> sum_gy(static_cast<std::size_t>(g.C)), sum_gy_xhat(static_cast<std::size_t>(g.C));
  const bool need_sums = gw || gb || (gx && training);
  if (need_sums) {
    parallel_for(g.C, channel_grain(g), [&](std::int64_t c0, std::int64_t c1) {
      for (std::int64_t c = c0; c < c1; ++c) {
        double s = 0, sx = 0;
        const double m = static_cast<double>(smean[c]);
        for_channel_rows(g, c, [&](std::int64_t off) {
          s += lane_sum(g.S, [&](std::int64_t i) { return gy[off + i]; });
          sx += lane_sum(g.S, [&](std::int64_t i) {
            return static_cast<double>(gy[off + i]) * (static_cast<double>(x[off + i]) - m);
          });
        });
        sx *= static_cast<double>(sinvstd[c]);  // Σ gy·x̂ = invstd·Σ gy·(x − mean)
        sum_gy[static_cast<std::size_t>(c)] = s;
        sum_gy_xhat[static_cast<std::size_t>(c)] = sx;
        if (gw) gw[c] = static_cast<T>(sx);
        if (gb) gb[c] = static_cast<T>(s);
      }
    });
  }
  if (!gx) return;
  for_rows(g, [&](std::int64_t c, std::int64_t off) {
    const auto cc = static_cast<std::size_t>(c);
    const T k = sinvstd[c] * (w ? w[c] : T(1));  // ∂y/∂x with the statistics held fixed
    if (!training) {
      for (std::int64_t i = 0; i < g.S; ++i) gx[off + i] = gy[off + i] * k;
      return;
    }
    // dx = k·(gy − mean(gy) − x̂·mean(gy·x̂))
    const T mean_gy = static_cast<T>(sum_gy[cc] / static_cast<double>(n));
    const T mean_gy_xhat = static_cast<T>(sum_gy_xhat[cc] / static_cast<double>(n));
    const T m = smean[c], is = sinvstd[c];
    for (std::int64_t i = 0; i < g.S; ++i) {
      const T xhat = (x[off + i] - m) * is;
      gx[off + i] = k * (gy[off + i] - mean_gy - xhat * mean_gy_xhat);
    }
  });
}

}  // namespace

void batch_norm_forward(const BatchNormGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const Tensor& running_mean, const Tensor& running_var, bool training, double momentum,
                        double eps, Tensor& out, Tensor& save_mean, Tensor& save_invstd) {
  LINATTN_FLOAT_TYPES(x.dtype(), "batch_norm", [&] {
    forward_typed<scalar_t>(g, x.data<scalar_t>(), data_or_null<scalar_t>(weight), data_or_null<scalar_t>(bias),
                            data_or_null<scalar_t>(running_mean), data_or_null<scalar_t>(running_var), training,
                            momentum, eps, out.data<scalar_t>(), save_mean.data<scalar_t>(),
                            save_invstd.data<scalar_t>());
  });
}

void batch_norm_backward(const BatchNormGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                         const Tensor& save_mean, const Tensor& save_invstd, bool training, Tensor& grad_x,
                         Tensor& grad_weight, Tensor& grad_bias) {
  LINATTN_FLOAT_TYPES(grad_out.dtype(), "batch_norm backward", [&] {
    backward_typed<scalar_t>(g, grad_out.data<scalar_t>(), x.data<scalar_t>(), data_or_null<scalar_t>(weight),
                             save_mean.data<scalar_t>(), save_invstd.data<scalar_t>(), training,
                             data_or_null<scalar_t>(grad_x), data_or_null<scalar_t>(grad_weight),
                             data_or_null<scalar_t>(grad_bias));
  });
}

}  // namespace linattn::cpu
