// core/cpu/conv.cpp — CPU kernels of core/kernels/conv.h: im2col + one GEMM (core/cpu/blas.h) per group
// for a chunk of images, col2im for the input gradient; the same im2col / col2im, over the
// whole batch in unfold's (B, K, P) layout, are the unfold2d / fold2d kernels.
//
// A chunk of n images is unrolled into col (K, n·P), K = Cin·kh·kw rows ordered (c, i, j) so
// that each group's rows are contiguous, columns ordered (image, oh, ow), P = Ho·Wo. Then per
// group g: out_g (Cout/groups, n·P) = W_g (Cout/groups, K/groups) · col_g. With one image per
// chunk (large planes) the GEMM writes straight into the output; otherwise a parallel scatter
// moves (Cout, n, P) to (n, Cout, P) and adds the bias. Non-overlapping patches (stride ==
// kernel, no padding, dilation 1: the ViT patch embedding) take the same route: their im2col
// is a pure permutation of x (no duplication, no padding tests) and their col2im has no
// overlapping writes, so the general code is already the reshape + one GEMM per chunk. A 1x1
// convolution over a large plane skips im2col / col2im altogether (the image is its own col).
//
// GEMMs are only called between parallel_for regions, never inside one. The input gradient
// is a col2im in which each (image, channel) plane is owned by one thread and accumulated in a
// fixed order; the weight gradient accumulates chunk after chunk (beta = 1), so results never
// depend on the thread count.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/cpu/blas.h"
#include "core/cpu/lane_sum.h"
#include "core/cpu/parallel.h"
#include "core/kernels/conv.h"

namespace linattn::cpu {

namespace {

// Chunking. Planes of at least kDirectPlane outputs are one image per chunk: each GEMM is big
// enough to thread well and writes the output directly. Smaller planes (the ViT patch
// embedding: 8x8) are batched into chunks of about kChunkColumns GEMM columns, which keeps the
// column and scatter buffers cache-sized and measured fastest with 2 threads (one GEMM per
// image is slower there: each small call pays a thread hand-off).
// kColumnBudget caps a chunk's column buffer (elements) for very deep inputs.
constexpr std::int64_t kDirectPlane = 1024;
constexpr std::int64_t kChunkColumns = 2048;
constexpr std::int64_t kColumnBudget = std::int64_t{1} << 22;

std::int64_t images_per_chunk(const Conv2dGeometry& g) {
  const std::int64_t P = g.Ho * g.Wo;
  if (P >= kDirectPlane) return 1;
  const std::int64_t per_image = std::max<std::int64_t>(std::max(g.Cin * g.kh * g.kw, g.Cout) * P, 1);
  const std::int64_t n = std::min((kChunkColumns + P - 1) / P, kColumnBudget / per_image);
  return std::clamp<std::int64_t>(n, 1, std::max<std::int64_t>(g.B, 1));
}

// The output columns [lo, hi) of a kernel tap whose input column is ow·sw + off lie inside
// [0, W); the others read padding.
struct ColumnRange {
  std::int64_t lo, hi;
};
ColumnRange valid_columns(std::int64_t off, std::int64_t stride, std::int64_t W, std::int64_t Wo) {
  std::int64_t lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  std::int64_t hi = (W - 1 - off) < 0 ? 0 : std::min(Wo, (W - 1 - off) / stride + 1);
  lo = std::min(lo, Wo);
  return {lo, std::max(lo, hi)};
}

// Where im2col writes image b's row `row` (P = Ho·Wo values): col + row·row_stride +
// b·image_stride. The convolution's chunk layout (K, n·P) is {n·P, P}; unfold's (n, K, P) is
// {P, K·P}.
struct ColLayout {
  std::int64_t row_stride, image_stride;
};

// col from images [b0, b0 + n) of x, rows ordered (c, i, j).
template <class T>
void im2col(const Conv2dGeometry& g, const T* x, std::int64_t b0, std::int64_t n, T* col, ColLayout layout) {
  const std::int64_t P = g.Ho * g.Wo, taps = g.kh * g.kw, K = g.Cin * taps;
  parallel_for(K * n, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(P, 1)),
               [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const std::int64_t row = r / n, b = r % n;
      const std::int64_t c = row / taps, i = (row / g.kw) % g.kh, j = row % g.kw;
      const T* plane = x + ((b0 + b) * g.Cin + c) * g.H * g.W;
      T* dst = col + row * layout.row_stride + b * layout.image_stride;
      const std::int64_t off = j * g.dw - g.pw;
      const ColumnRange cols = valid_columns(off, g.sw, g.W, g.Wo);
      for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
        T* d = dst + oh * g.Wo;
        const std::int64_t ih = oh * g.sh - g.ph + i * g.dh;
        if (ih < 0 || ih >= g.H) {
          std::fill(d, d + g.Wo, T(0));
          continue;
        }
        const T* s = plane + ih * g.W;  // input column of output column ow: ow·sw + off
        std::fill(d, d + cols.lo, T(0));
        if (g.sw == 1) {
          std::memcpy(d + cols.lo, s + off + cols.lo, static_cast<std::size_t>(cols.hi - cols.lo) * sizeof(T));
        } else {
          for (std::int64_t ow = cols.lo; ow < cols.hi; ++ow) d[ow] = s[ow * g.sw + off];
        }
        std::fill(d + cols.hi, d + g.Wo, T(0));
      }
    }
  });
}

// grad_x images [b0, b0 + n) = col2im(dcol laid out as `layout`), overwritten. One thread per
// (image, channel) plane, taps and positions visited in a fixed order.
template <class T>
void col2im(const Conv2dGeometry& g, const T* dcol, std::int64_t b0, std::int64_t n, T* gx, ColLayout layout) {
  const std::int64_t taps = g.kh * g.kw, P = g.Ho * g.Wo;
  parallel_for(n * g.Cin, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(taps * P, 1)),
               [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t pl = p0; pl < p1; ++pl) {
      const std::int64_t b = pl / g.Cin, c = pl % g.Cin;
      T* plane = gx + ((b0 + b) * g.Cin + c) * g.H * g.W;
      std::fill(plane, plane + g.H * g.W, T(0));
      for (std::int64_t i = 0; i < g.kh; ++i) {
        for (std::int64_t j = 0; j < g.kw; ++j) {
          const T* src = dcol + (c * taps + i * g.kw + j) * layout.row_stride + b * layout.image_stride;
          const std::int64_t off = j * g.dw - g.pw;
          const ColumnRange cols = valid_columns(off, g.sw, g.W, g.Wo);
          for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
            const std::int64_t ih = oh * g.sh - g.ph + i * g.dh;
            if (ih < 0 || ih >= g.H) continue;
            T* d = plane + ih * g.W;
            const T* s = src + oh * g.Wo;
            for (std::int64_t ow = cols.lo; ow < cols.hi; ++ow) d[ow * g.sw + off] += s[ow];
          }
        }
      }
    }
  });
}

// A 1x1 convolution with stride 1 and no padding, one image per chunk: the image itself
// (Cin, H·W) is its column matrix, so im2col / col2im are skipped.
bool image_is_col(const Conv2dGeometry& g, std::int64_t chunk) {
  return chunk == 1 && g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

template <class T>
void forward_typed(const Conv2dGeometry& g, const T* x, const T* w, const T* bias, T* out) {
  const std::int64_t P = g.Ho * g.Wo, K = g.Cin * g.kh * g.kw;
  const std::int64_t Kg = K / g.groups, Cg = g.Cout / g.groups;
  const std::int64_t chunk = images_per_chunk(g);
  const bool direct = image_is_col(g, chunk);
  Tensor col_buf = direct ? Tensor() : Tensor::empty({K * chunk * P}, {.dtype = dtype_of<T>()});
  Tensor tmp_buf = chunk > 1 ? Tensor::empty({g.Cout * chunk * P}, {.dtype = dtype_of<T>()}) : Tensor();
  for (std::int64_t b0 = 0; b0 < g.B; b0 += chunk) {
    const std::int64_t n = std::min(chunk, g.B - b0), N = n * P;
    const T* col = direct ? x + b0 * K * P : col_buf.data<T>();
    if (!direct) im2col(g, x, b0, n, col_buf.data<T>(), {N, P});
    if (n == 1) {  // (Cout, P) is the output image's own layout: GEMM into it, bias first
      T* o = out + b0 * g.Cout * P;
      if (bias) {
        parallel_for(g.Cout, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(P, 1)),
                     [&](std::int64_t c0, std::int64_t c1) {
          for (std::int64_t co = c0; co < c1; ++co) std::fill(o + co * P, o + (co + 1) * P, bias[co]);
        });
      }
      for (std::int64_t gr = 0; gr < g.groups; ++gr)
        gemm_rm<T>(false, false, Cg, P, Kg, w + gr * Cg * Kg, Kg, col + gr * Kg * N, N, bias ? T(1) : T(0),
                   o + gr * Cg * P, P);
      continue;
    }
    T* tmp = tmp_buf.data<T>();
    for (std::int64_t gr = 0; gr < g.groups; ++gr)
      gemm_rm<T>(false, false, Cg, N, Kg, w + gr * Cg * Kg, Kg, col + gr * Kg * N, N, T(0), tmp + gr * Cg * N, N);
    // (Cout, n, P) -> (n, Cout, P), plus the bias.
    parallel_for(n * g.Cout, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(P, 1)),
                 [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const std::int64_t b = r / g.Cout, co = r % g.Cout;
        const T* s = tmp + co * N + b * P;
        T* d = out + (b0 + b) * g.Cout * P + co * P;
        const T add = bias ? bias[co] : T(0);
        for (std::int64_t p = 0; p < P; ++p) d[p] = s[p] + add;
      }
    });
  }
}

template <class T>
void backward_typed(const Conv2dGeometry& g, const T* gy, const T* x, const T* w, T* gx, T* gw, T* gb) {
  const std::int64_t P = g.Ho * g.Wo, K = g.Cin * g.kh * g.kw;
  const std::int64_t Kg = K / g.groups, Cg = g.Cout / g.groups;
  const std::int64_t chunk = images_per_chunk(g);
  const bool direct = image_is_col(g, chunk);
  Tensor col_buf = (gx || gw) && !direct ? Tensor::empty({K * chunk * P}, {.dtype = dtype_of<T>()}) : Tensor();
  Tensor gyc_buf = chunk > 1 ? Tensor::empty({g.Cout * chunk * P}, {.dtype = dtype_of<T>()}) : Tensor();
  std::vector<double> bias_acc(gb ? static_cast<std::size_t>(g.Cout) : 0, 0.0);
  for (std::int64_t b0 = 0; b0 < g.B; b0 += chunk) {
    const std::int64_t n = std::min(chunk, g.B - b0), N = n * P;
    // gyc (Cout, n·P): the chunk's output gradient with columns ordered like col's.
    const T* gyc = gy + b0 * g.Cout * P;
    if (n > 1) {
      T* dst = gyc_buf.data<T>();
      parallel_for(n * g.Cout, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(P, 1)),
                   [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r) {
          const std::int64_t b = r / g.Cout, co = r % g.Cout;
          std::memcpy(dst + co * N + b * P, gy + (b0 + b) * g.Cout * P + co * P, static_cast<std::size_t>(P) * sizeof(T));
        }
      });
      gyc = dst;
    }
    if (gb) {
      parallel_for(g.Cout, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(N, 1)),
                   [&](std::int64_t c0, std::int64_t c1) {
        for (std::int64_t co = c0; co < c1; ++co)
          bias_acc[static_cast<std::size_t>(co)] += lane_sum(N, [&](std::int64_t q) { return gyc[co * N + q]; });
      });
    }
    if (gw) {  // gW_g (Cg, Kg) += gy_g (Cg, N) · col_gᵀ
      const T* col = direct ? x + b0 * K * P : col_buf.data<T>();
      if (!direct) im2col(g, x, b0, n, col_buf.data<T>(), {N, P});
      for (std::int64_t gr = 0; gr < g.groups; ++gr)
        gemm_rm<T>(false, true, Cg, Kg, N, gyc + gr * Cg * N, N, col + gr * Kg * N, N, b0 == 0 ? T(0) : T(1),
                   gw + gr * Cg * Kg, Kg);
    }
    if (gx) {  // dcol_g (Kg, N) = W_gᵀ · gy_g, then col2im
      T* dcol = direct ? gx + b0 * K * P : col_buf.data<T>();
      for (std::int64_t gr = 0; gr < g.groups; ++gr)
        gemm_rm<T>(true, false, Kg, N, Cg, w + gr * Cg * Kg, Kg, gyc + gr * Cg * N, N, T(0), dcol + gr * Kg * N, N);
      if (!direct) col2im(g, dcol, b0, n, gx, {N, P});
    }
  }
  if (gb)
    for (std::int64_t co = 0; co < g.Cout; ++co) gb[co] = static_cast<T>(bias_acc[static_cast<std::size_t>(co)]);
}

template <class T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

}  // namespace

void unfold2d(const Conv2dGeometry& g, const Tensor& x, Tensor& cols) {
  const std::int64_t P = g.Ho * g.Wo, K = g.Cin * g.kh * g.kw;
  LINATTN_FLOAT_TYPES(x.dtype(), "unfold", [&] {
    im2col<scalar_t>(g, x.data<scalar_t>(), 0, g.B, cols.data<scalar_t>(), {P, K * P});
  });
}

void fold2d(const Conv2dGeometry& g, const Tensor& cols, Tensor& x) {
  const std::int64_t P = g.Ho * g.Wo, K = g.Cin * g.kh * g.kw;
  LINATTN_FLOAT_TYPES(cols.dtype(), "fold", [&] {
    col2im<scalar_t>(g, cols.data<scalar_t>(), 0, g.B, x.data<scalar_t>(), {P, K * P});
  });
}

void conv2d_forward(const Conv2dGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& out) {
  LINATTN_FLOAT_TYPES(x.dtype(), "conv2d", [&] {
    forward_typed<scalar_t>(g, x.data<scalar_t>(), weight.data<scalar_t>(), data_or_null<scalar_t>(bias),
                            out.data<scalar_t>());
  });
}

void conv2d_backward(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                     Tensor& grad_x, Tensor& grad_weight, Tensor& grad_bias) {
  LINATTN_FLOAT_TYPES(grad_out.dtype(), "conv2d backward", [&] {
    backward_typed<scalar_t>(g, grad_out.data<scalar_t>(), data_or_null<scalar_t>(x), data_or_null<scalar_t>(weight),
                             data_or_null<scalar_t>(grad_x), data_or_null<scalar_t>(grad_weight),
                             data_or_null<scalar_t>(grad_bias));
  });
}

}  // namespace linattn::cpu
