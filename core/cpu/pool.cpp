// core/cpu/pool.cpp — CPU kernels of core/kernels/pool.h. Every loop runs over (image,
// channel) planes, one plane per thread, so each gradient element is accumulated by one thread
// in a fixed order: results never depend on the thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/cpu/parallel.h"
#include "core/kernels/pool.h"

namespace linattn::cpu {

namespace {

// The window of output (oh, ow) clipped to the input: rows [h0, h1), columns [w0, w1).
struct Window {
  std::int64_t h0, h1, w0, w1;
};
Window window(const Pool2dGeometry& g, std::int64_t oh, std::int64_t ow) {
  const std::int64_t hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
  return {std::max<std::int64_t>(hs, 0), std::min(hs + g.kh, g.H), std::max<std::int64_t>(ws, 0),
          std::min(ws + g.kw, g.W)};
}

template <class F>
void for_planes(const Pool2dGeometry& g, std::int64_t work_per_plane, F&& fn) {
  parallel_for(g.B * g.C, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(work_per_plane, 1)), fn);
}

// The max of window w in plane xp and its flat position (first on ties; the first NaN wins).
template <class T>
std::pair<T, std::int64_t> window_max(const Pool2dGeometry& g, const T* xp, const Window& w) {
  T best = -std::numeric_limits<T>::infinity();
  std::int64_t at = w.h0 * g.W + w.w0;
  for (std::int64_t ih = w.h0; ih < w.h1; ++ih)
    for (std::int64_t iw = w.w0; iw < w.w1; ++iw) {
      const T v = xp[ih * g.W + iw];
      if (std::isnan(v)) return {v, ih * g.W + iw};
      if (v > best) best = v, at = ih * g.W + iw;
    }
  return {best, at};
}

template <class T>
void max_forward(const Pool2dGeometry& g, const T* x, T* out, std::int64_t* idx) {
  const std::int64_t HW = g.H * g.W, P = g.Ho * g.Wo;
  for_planes(g, P * g.kh * g.kw, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t pl = p0; pl < p1; ++pl)
      for (std::int64_t oh = 0; oh < g.Ho; ++oh)
        for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
          const auto [best, at] = window_max(g, x + pl * HW, window(g, oh, ow));
          out[pl * P + oh * g.Wo + ow] = best;
          idx[pl * P + oh * g.Wo + ow] = at;
        }
  });
}

template <class T>
void max_backward(const Pool2dGeometry& g, const T* gy, const std::int64_t* idx, T* gx) {
  const std::int64_t HW = g.H * g.W, P = g.Ho * g.Wo;
  for_planes(g, HW + P, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t pl = p0; pl < p1; ++pl) {
      T* gp = gx + pl * HW;
      std::fill(gp, gp + HW, T(0));
      for (std::int64_t q = 0; q < P; ++q) gp[idx[pl * P + q]] += gy[pl * P + q];
    }
  });
}

template <class T>
T divisor(const Pool2dGeometry& g, bool count_include_pad, const Window& w) {
  return static_cast<T>(count_include_pad ? g.kh * g.kw : (w.h1 - w.h0) * (w.w1 - w.w0));
}

template <class T>
void avg_forward(const Pool2dGeometry& g, bool include_pad, const T* x, T* out) {
  const std::int64_t HW = g.H * g.W, P = g.Ho * g.Wo;
  for_planes(g, P * g.kh * g.kw, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t pl = p0; pl < p1; ++pl) {
      const T* xp = x + pl * HW;
      for (std::int64_t oh = 0; oh < g.Ho; ++oh)
        for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
          const Window w = window(g, oh, ow);
          T s = 0;
          for (std::int64_t ih = w.h0; ih < w.h1; ++ih)
            for (std::int64_t iw = w.w0; iw < w.w1; ++iw) s += xp[ih * g.W + iw];
          out[pl * P + oh * g.Wo + ow] = s / divisor<T>(g, include_pad, w);
        }
    }
  });
}

template <class T>
void avg_backward(const Pool2dGeometry& g, bool include_pad, const T* gy, T* gx) {
  const std::int64_t HW = g.H * g.W, P = g.Ho * g.Wo;
  for_planes(g, HW + P * g.kh * g.kw, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t pl = p0; pl < p1; ++pl) {
      T* gp = gx + pl * HW;
      std::fill(gp, gp + HW, T(0));
      for (std::int64_t oh = 0; oh < g.Ho; ++oh)
        for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
          const Window w = window(g, oh, ow);
          const T share = gy[pl * P + oh * g.Wo + ow] / divisor<T>(g, include_pad, w);
          for (std::int64_t ih = w.h0; ih < w.h1; ++ih)
            for (std::int64_t iw = w.w0; iw < w.w1; ++iw) gp[ih * g.W + iw] += share;
        }
    }
  });
}

}  // namespace

void max_pool2d_forward(const Pool2dGeometry& g, const Tensor& x, Tensor& out, Tensor& indices) {
  LINATTN_FLOAT_TYPES(x.dtype(), "max_pool2d", [&] {
    max_forward<scalar_t>(g, x.data<scalar_t>(), out.data<scalar_t>(), indices.data<std::int64_t>());
  });
}

void max_pool2d_backward(const Pool2dGeometry& g, const Tensor& grad_out, const Tensor& indices, Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(grad_out.dtype(), "max_pool2d backward", [&] {
    max_backward<scalar_t>(g, grad_out.data<scalar_t>(), indices.data<std::int64_t>(), grad_x.data<scalar_t>());
  });
}

void avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad, const Tensor& x, Tensor& out) {
  LINATTN_FLOAT_TYPES(x.dtype(), "avg_pool2d", [&] {
    avg_forward<scalar_t>(g, count_include_pad, x.data<scalar_t>(), out.data<scalar_t>());
  });
}

void avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad, const Tensor& grad_out, Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(grad_out.dtype(), "avg_pool2d backward", [&] {
    avg_backward<scalar_t>(g, count_include_pad, grad_out.data<scalar_t>(), grad_x.data<scalar_t>());
  });
}

}  // namespace linattn::cpu
