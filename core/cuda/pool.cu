// core/cuda/pool.cu — CUDA kernels of core/kernels/pool.h: 2-D max and average pooling,
// forward and backward, one thread per output element (forward) or per input element
// (backward).
//
// Same arithmetic as core/cpu/pool.cpp, element for element, so results match the CPU bit for
// bit: the forward walks each window row by row in T (max: '>' keeps the first maximum, the
// first NaN wins; padding is never read). The backward passes are gathers, not atomics: each
// input pixel visits the outputs whose window holds it in ascending output order (oh, then
// ow) — the order in which the CPU scatters them — adding gy (max: where the saved argmax is
// this pixel) or gy / divisor (average). Deterministic run to run.
#include <cmath>
#include <limits>

#include "core/cuda/launch.cuh"
#include "core/kernels/pool.h"

namespace linattn::cuda {

namespace {

#define POOL_GRID_STRIDE(i, n)                                                                       \
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < (n);   \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// The window of output (oh, ow) clipped to the input: rows [h0, h1), columns [w0, w1).
struct Window {
  std::int64_t h0, h1, w0, w1;
};
__device__ Window window(const Pool2dGeometry& g, std::int64_t oh, std::int64_t ow) {
  const std::int64_t hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
  return {hs > 0 ? hs : 0, hs + g.kh < g.H ? hs + g.kh : g.H, ws > 0 ? ws : 0, ws + g.kw < g.W ? ws + g.kw : g.W};
}

// The outputs along one axis whose window holds input coordinate i: [lo, hi].
struct Range {
  std::int64_t lo, hi;
};
__device__ Range outputs_covering(std::int64_t i, std::int64_t k, std::int64_t s, std::int64_t pad, std::int64_t out) {
  // window o covers [o·s − pad, o·s − pad + k): o·s ≥ i + pad − k + 1 and o·s ≤ i + pad.
  const std::int64_t a = i + pad - k + 1;
  const std::int64_t lo = a <= 0 ? 0 : (a + s - 1) / s;
  const std::int64_t hi = (i + pad) / s < out - 1 ? (i + pad) / s : out - 1;
  return {lo, hi};
}

template <class T>
__device__ T divisor(const Pool2dGeometry& g, bool include_pad, const Window& w) {
  return static_cast<T>(include_pad ? g.kh * g.kw : (w.h1 - w.h0) * (w.w1 - w.w0));
}

template <class T>
__global__ void max_forward_kernel(Pool2dGeometry g, const T* x, T* out, std::int64_t* idx) {
  const std::int64_t P = g.Ho * g.Wo;
  POOL_GRID_STRIDE(e, g.B * g.C * P) {
    const std::int64_t pl = e / P, oh = (e % P) / g.Wo, ow = e % g.Wo;
    const T* xp = x + pl * g.H * g.W;
    const Window w = window(g, oh, ow);
    T best = -std::numeric_limits<T>::infinity();
    std::int64_t at = w.h0 * g.W + w.w0;
    for (std::int64_t ih = w.h0; ih < w.h1; ++ih) {
      for (std::int64_t iw = w.w0; iw < w.w1; ++iw) {
        const T v = xp[ih * g.W + iw];
        if (v != v) {  // the first NaN wins
          best = v, at = ih * g.W + iw;
          ih = w.h1;
          break;
        }
        if (v > best) best = v, at = ih * g.W + iw;
      }
    }
    out[e] = best;
    idx[e] = at;
  }
}

template <class T>
__global__ void max_backward_kernel(Pool2dGeometry g, const T* gy, const std::int64_t* idx, T* gx) {
  const std::int64_t HW = g.H * g.W, P = g.Ho * g.Wo;
  POOL_GRID_STRIDE(e, g.B * g.C * HW) {
    const std::int64_t pl = e / HW, at = e % HW, ih = at / g.W, iw = at % g.W;
    const Range rh = outputs_covering(ih, g.kh, g.sh, g.ph, g.Ho), rw = outputs_covering(iw, g.kw, g.sw, g.pw, g.Wo);
    T s = T(0);
    for (std::int64_t oh = rh.lo; oh <= rh.hi; ++oh)
      for (std::int64_t ow = rw.lo; ow <= rw.hi; ++ow) {
        const std::int64_t q = pl * P + oh * g.Wo + ow;
        if (idx[q] == at) s += gy[q];
      }
    gx[e] = s;
  }
}

template <class T>
__global__ void avg_forward_kernel(Pool2dGeometry g, bool include_pad, const T* x, T* out) {
  const std::int64_t P = g.Ho * g.Wo;
  POOL_GRID_STRIDE(e, g.B * g.C * P) {
    const std::int64_t pl = e / P, oh = (e % P) / g.Wo, ow = e % g.Wo;
    const T* xp = x + pl * g.H * g.W;
    const Window w = window(g, oh, ow);
    T s = T(0);
    for (std::int64_t ih = w.h0; ih < w.h1; ++ih)
      for (std::int64_t iw = w.w0; iw < w.w1; ++iw) s += xp[ih * g.W + iw];
    out[e] = s / divisor<T>(g, include_pad, w);
  }
}

template <class T>
__global__ void avg_backward_kernel(Pool2dGeometry g, bool include_pad, const T* gy, T* gx) {
  const std::int64_t HW = g.H * g.W, P = g.Ho * g.Wo;
  POOL_GRID_STRIDE(e, g.B * g.C * HW) {
    const std::int64_t pl = e / HW, ih = (e % HW) / g.W, iw = e % g.W;
    const Range rh = outputs_covering(ih, g.kh, g.sh, g.ph, g.Ho), rw = outputs_covering(iw, g.kw, g.sw, g.pw, g.Wo);
    T s = T(0);
    for (std::int64_t oh = rh.lo; oh <= rh.hi; ++oh)
      for (std::int64_t ow = rw.lo; ow <= rw.hi; ++ow)
        s += gy[pl * P + oh * g.Wo + ow] / divisor<T>(g, include_pad, window(g, oh, ow));
    gx[e] = s;
  }
}

#undef POOL_GRID_STRIDE

}  // namespace

void max_pool2d_forward(const Pool2dGeometry& g, const Tensor& x, Tensor& out, Tensor& indices) {
  if (out.numel() == 0) return;
  LINATTN_FLOAT_TYPES(x.dtype(), "max_pool2d", [&] {
    max_forward_kernel<<<grid_for(out.numel()), kBlock, 0, stream_of(out)>>>(
        g, x.data<scalar_t>(), out.data<scalar_t>(), indices.data<std::int64_t>());
    LINATTN_CUDA_LAUNCH_CHECK();
  });
}

void max_pool2d_backward(const Pool2dGeometry& g, const Tensor& grad_out, const Tensor& indices, Tensor& grad_x) {
  if (grad_x.numel() == 0) return;
  LINATTN_FLOAT_TYPES(grad_out.dtype(), "max_pool2d backward", [&] {
    max_backward_kernel<<<grid_for(grad_x.numel()), kBlock, 0, stream_of(grad_x)>>>(
        g, grad_out.data<scalar_t>(), indices.data<std::int64_t>(), grad_x.data<scalar_t>());
    LINATTN_CUDA_LAUNCH_CHECK();
  });
}

void avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad, const Tensor& x, Tensor& out) {
  if (out.numel() == 0) return;
  LINATTN_FLOAT_TYPES(x.dtype(), "avg_pool2d", [&] {
    avg_forward_kernel<<<grid_for(out.numel()), kBlock, 0, stream_of(out)>>>(g, count_include_pad,
                                                                              x.data<scalar_t>(), out.data<scalar_t>());
    LINATTN_CUDA_LAUNCH_CHECK();
  });
}

void avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad, const Tensor& grad_out, Tensor& grad_x) {
  if (grad_x.numel() == 0) return;
  LINATTN_FLOAT_TYPES(grad_out.dtype(), "avg_pool2d backward", [&] {
    avg_backward_kernel<<<grid_for(grad_x.numel()), kBlock, 0, stream_of(grad_x)>>>(
        g, count_include_pad, grad_out.data<scalar_t>(), grad_x.data<scalar_t>());
    LINATTN_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace linattn::cuda
