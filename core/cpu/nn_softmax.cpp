// core/cpu/nn_softmax.cpp — CPU kernels of core/kernels/nn.h for softmax, log-softmax and
// cross-entropy (forward and backward).
//
// Two loop shapes: rows (inner == 1: the reduced axis is contiguous; one row per output
// position, vectorized along the row) and columns (inner > 1, e.g. logits (B, K, H·W): the
// reduced axis is strided, so blocks of up to kCols adjacent positions are processed together,
// vectorized across positions; a column's sums add one term per step, so they accumulate in
// double). Threads split rows / column blocks; each output element is
// computed by one thread in a fixed order, so results do not depend on the thread count.
// float32 uses fast_exp (core/cpu/vec_math.h), float64 std::exp.
#include <algorithm>
#include <cmath>

#include "core/cpu/parallel.h"
#include "core/cpu/vec_math.h"
#include "core/kernels/nn.h"

namespace linattn::cpu {

namespace {

constexpr std::int64_t kCols = 64;        // positions per column block
constexpr std::int64_t kGrainElems = 16384;  // elements per thread below which work stays serial

std::int64_t row_grain(std::int64_t row_elems) { return std::max<std::int64_t>(1, kGrainElems / std::max<std::int64_t>(row_elems, 1)); }

// ---- softmax forward --------------------------------------------------------------------------

template <class T>
LINATTN_CPU_CLONES void softmax_rows(const T* x, T* y, std::int64_t r0, std::int64_t r1, std::int64_t n, bool log) {
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    const T m = lane_max(xr, n);
    if (log) {
      const T s = lane_sum<T>(n, [&](std::int64_t i) { return exp_of<T>(xr[i] - m); });
      const T log_s = std::log(s);
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) - log_s;
    } else {
      const T s = lane_sum<T>(n, [&](std::int64_t i) {
        T e = exp_of<T>(xr[i] - m);
        yr[i] = e;
        return e;
      });
      const T inv = T(1) / s;
      for (std::int64_t i = 0; i < n; ++i) yr[i] *= inv;
    }
  }
}

// Column block: positions [c0, c0 + w) of outer index o, reduced axis of length n, stride inner.
template <class T>
LINATTN_CPU_CLONES void softmax_cols(const T* x, T* y, std::int64_t t0, std::int64_t t1, std::int64_t n,
                                     std::int64_t inner, bool log) {
  const std::int64_t blocks = (inner + kCols - 1) / kCols;
  T m[kCols], f[kCols];
  double s[kCols];  // a column sums n terms one by one: accumulate in double
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t o = t / blocks, c0 = (t % blocks) * kCols, w = std::min(kCols, inner - c0);
    const T* xb = x + o * n * inner + c0;
    T* yb = y + o * n * inner + c0;
    for (std::int64_t j = 0; j < w; ++j) m[j] = -std::numeric_limits<T>::infinity(), s[j] = 0.0;
    for (std::int64_t k = 0; k < n; ++k)
      for (std::int64_t j = 0; j < w; ++j) m[j] = xb[k * inner + j] > m[j] ? xb[k * inner + j] : m[j];
    if (log) {
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t j = 0; j < w; ++j) s[j] += static_cast<double>(exp_of<T>(xb[k * inner + j] - m[j]));
      for (std::int64_t j = 0; j < w; ++j) f[j] = static_cast<T>(std::log(s[j]));
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t j = 0; j < w; ++j) yb[k * inner + j] = (xb[k * inner + j] - m[j]) - f[j];
    } else {
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t j = 0; j < w; ++j) {
          T e = exp_of<T>(xb[k * inner + j] - m[j]);
          yb[k * inner + j] = e;
          s[j] += static_cast<double>(e);
        }
      for (std::int64_t j = 0; j < w; ++j) f[j] = static_cast<T>(1.0 / s[j]);
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t j = 0; j < w; ++j) yb[k * inner + j] *= f[j];
    }
  }
}

// ---- softmax backward -------------------------------------------------------------------------

template <class T>
LINATTN_CPU_CLONES void softmax_backward_rows(const T* g, const T* y, T* gx, std::int64_t r0, std::int64_t r1,
                                              std::int64_t n, bool log) {
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* gr = g + r * n;
    const T* yr = y + r * n;
    T* out = gx + r * n;
    if (log) {
      const T sg = lane_sum<T>(n, [&](std::int64_t i) { return gr[i]; });
      for (std::int64_t i = 0; i < n; ++i) out[i] = gr[i] - exp_of<T>(yr[i]) * sg;
    } else {
      const T dot = lane_sum<T>(n, [&](std::int64_t i) { return gr[i] * yr[i]; });
      for (std::int64_t i = 0; i < n; ++i) out[i] = yr[i] * (gr[i] - dot);
    }
  }
}

template <class T>
LINATTN_CPU_CLONES void softmax_backward_cols(const T* g, const T* y, T* gx, std::int64_t t0, std::int64_t t1,
                                              std::int64_t n, std::int64_t inner, bool log) {
  const std::int64_t blocks = (inner + kCols - 1) / kCols;
  double s[kCols];
  T f[kCols];
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t o = t / blocks, c0 = (t % blocks) * kCols, w = std::min(kCols, inner - c0);
    const std::int64_t base = o * n * inner + c0;
    const T* gb = g + base;
    const T* yb = y + base;
    T* ob = gx + base;
    for (std::int64_t j = 0; j < w; ++j) s[j] = 0.0;
    if (log) {
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t j = 0; j < w; ++j) s[j] += static_cast<double>(gb[k * inner + j]);
      for (std::int64_t j = 0; j < w; ++j) f[j] = static_cast<T>(s[j]);
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t j = 0; j < w; ++j) ob[k * inner + j] = gb[k * inner + j] - exp_of<T>(yb[k * inner + j]) * f[j];
    } else {
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t j = 0; j < w; ++j) s[j] += static_cast<double>(gb[k * inner + j] * yb[k * inner + j]);
      for (std::int64_t j = 0; j < w; ++j) f[j] = static_cast<T>(s[j]);
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t j = 0; j < w; ++j) ob[k * inner + j] = yb[k * inner + j] * (gb[k * inner + j] - f[j]);
    }
  }
}

// Runs rows(r0, r1) or cols(t0, t1) over threads, whichever shape (outer, size, inner) needs.
template <class Rows, class Cols>
void along_axis(std::int64_t outer, std::int64_t size, std::int64_t inner, Rows rows, Cols cols) {
  if (outer == 0 || size == 0 || inner == 0) return;
  if (inner == 1) {
    parallel_for(outer, row_grain(size), rows);
  } else {
    const std::int64_t tasks = outer * ((inner + kCols - 1) / kCols);
    parallel_for(tasks, row_grain(size * std::min(inner, kCols)), cols);
  }
}

// ---- cross-entropy ----------------------------------------------------------------------------

template <class T>
LINATTN_CPU_CLONES void ce_forward_rows(const CrossEntropyShape& s, const T* x, const std::int64_t* target, T* loss,
                                        T* lse, std::int64_t r0, std::int64_t r1) {
  const std::int64_t K = s.classes;
  const T eps = static_cast<T>(s.label_smoothing);
  for (std::int64_t r = r0; r < r1; ++r) {
    const std::int64_t t = target[r];
    if (t == s.ignore_index) {
      loss[r] = T(0);
      lse[r] = T(0);
      continue;
    }
    const T* xr = x + r * K;
    const T m = lane_max(xr, K);
    const T l = m + std::log(lane_sum<T>(K, [&](std::int64_t i) { return exp_of<T>(xr[i] - m); }));
    T value = l - xr[t];
    if (eps != T(0)) {
      const T mean_x = lane_sum<T>(K, [&](std::int64_t i) { return xr[i]; }) / static_cast<T>(K);
      value = (T(1) - eps) * value + eps * (l - mean_x);
    }
    loss[r] = value;
    lse[r] = l;
  }
}

template <class T>
LINATTN_CPU_CLONES void ce_forward_cols(const CrossEntropyShape& s, const T* x, const std::int64_t* target, T* loss,
                                        T* lse, std::int64_t t0, std::int64_t t1) {
  const std::int64_t K = s.classes, inner = s.inner, blocks = (inner + kCols - 1) / kCols;
  const T eps = static_cast<T>(s.label_smoothing);
  T m[kCols];
  double sum[kCols], sum_x[kCols];
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t b = t / blocks, c0 = (t % blocks) * kCols, w = std::min(kCols, inner - c0);
    const T* xb = x + b * K * inner + c0;
    const std::int64_t* tb = target + b * inner + c0;
    for (std::int64_t j = 0; j < w; ++j) m[j] = -std::numeric_limits<T>::infinity(), sum[j] = 0.0, sum_x[j] = 0.0;
    for (std::int64_t k = 0; k < K; ++k)
      for (std::int64_t j = 0; j < w; ++j) m[j] = xb[k * inner + j] > m[j] ? xb[k * inner + j] : m[j];
    for (std::int64_t k = 0; k < K; ++k)
      for (std::int64_t j = 0; j < w; ++j) {
        sum[j] += static_cast<double>(exp_of<T>(xb[k * inner + j] - m[j]));
        sum_x[j] += static_cast<double>(xb[k * inner + j]);
      }
    for (std::int64_t j = 0; j < w; ++j) {
      const std::int64_t p = b * inner + c0 + j;
      if (tb[j] == s.ignore_index) {
        loss[p] = T(0);
        lse[p] = T(0);
        continue;
      }
      const T l = m[j] + static_cast<T>(std::log(sum[j]));
      T value = l - xb[tb[j] * inner + j];
      if (eps != T(0)) value = (T(1) - eps) * value + eps * (l - static_cast<T>(sum_x[j] / static_cast<double>(K)));
      loss[p] = value;
      lse[p] = l;
    }
  }
}

template <class T>
LINATTN_CPU_CLONES void ce_backward_rows(const CrossEntropyShape& s, const T* x, const std::int64_t* target,
                                         const T* lse, const T* g, bool g_scalar, T scale, T* gx, std::int64_t r0,
                                         std::int64_t r1) {
  const std::int64_t K = s.classes;
  const T eps = static_cast<T>(s.label_smoothing), smooth = eps / static_cast<T>(K);
  for (std::int64_t r = r0; r < r1; ++r) {
    const std::int64_t t = target[r];
    T* out = gx + r * K;
    if (t == s.ignore_index) {
      for (std::int64_t i = 0; i < K; ++i) out[i] = T(0);
      continue;
    }
    const T* xr = x + r * K;
    const T w = scale * g[g_scalar ? 0 : r], l = lse[r];
    for (std::int64_t i = 0; i < K; ++i) out[i] = w * (exp_of<T>(xr[i] - l) - smooth);
    out[t] -= w * (T(1) - eps);
  }
}

template <class T>
LINATTN_CPU_CLONES void ce_backward_cols(const CrossEntropyShape& s, const T* x, const std::int64_t* target,
                                         const T* lse, const T* g, bool g_scalar, T scale, T* gx, std::int64_t t0,
                                         std::int64_t t1) {
  const std::int64_t K = s.classes, inner = s.inner, blocks = (inner + kCols - 1) / kCols;
  const T eps = static_cast<T>(s.label_smoothing), smooth = eps / static_cast<T>(K);
  T w[kCols], l[kCols];
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t b = t / blocks, c0 = (t % blocks) * kCols, cw = std::min(kCols, inner - c0);
    const std::int64_t* tb = target + b * inner + c0;
    const T* xb = x + b * K * inner + c0;
    T* ob = gx + b * K * inner + c0;
    for (std::int64_t j = 0; j < cw; ++j) {
      const std::int64_t p = b * inner + c0 + j;
      const bool ignored = tb[j] == s.ignore_index;
      w[j] = ignored ? T(0) : scale * g[g_scalar ? 0 : p];
      l[j] = ignored ? std::numeric_limits<T>::infinity() : lse[p];  // exp(x − ∞) = 0
    }
    for (std::int64_t k = 0; k < K; ++k)
      for (std::int64_t j = 0; j < cw; ++j) ob[k * inner + j] = w[j] * (exp_of<T>(xb[k * inner + j] - l[j]) - smooth);
    for (std::int64_t j = 0; j < cw; ++j)
      if (tb[j] != s.ignore_index) ob[tb[j] * inner + j] -= w[j] * (T(1) - eps);
  }
}

}  // namespace

// ---- kernel entry points ----------------------------------------------------------------------

void softmax_forward(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, bool log, Tensor& y) {
  LINATTN_FLOAT_TYPES(x.dtype(), log ? "log_softmax" : "softmax", [&] {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* py = y.data<scalar_t>();
    along_axis(outer, size, inner,
               [&](std::int64_t r0, std::int64_t r1) { softmax_rows<scalar_t>(px, py, r0, r1, size, log); },
               [&](std::int64_t t0, std::int64_t t1) { softmax_cols<scalar_t>(px, py, t0, t1, size, inner, log); });
  });
}

void softmax_backward(const Tensor& grad_y, const Tensor& y, std::int64_t outer, std::int64_t size,
                      std::int64_t inner, bool log, Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&] {
    const scalar_t* pg = grad_y.data<scalar_t>();
    const scalar_t* py = y.data<scalar_t>();
    scalar_t* po = grad_x.data<scalar_t>();
    along_axis(outer, size, inner,
               [&](std::int64_t r0, std::int64_t r1) { softmax_backward_rows<scalar_t>(pg, py, po, r0, r1, size, log); },
               [&](std::int64_t t0, std::int64_t t1) {
                 softmax_backward_cols<scalar_t>(pg, py, po, t0, t1, size, inner, log);
               });
  });
}

void cross_entropy_forward(const CrossEntropyShape& s, const Tensor& logits, const Tensor& targets, Tensor& loss,
                           Tensor& lse) {
  LINATTN_FLOAT_TYPES(logits.dtype(), "cross_entropy", [&] {
    const scalar_t* px = logits.data<scalar_t>();
    const std::int64_t* pt = targets.data<std::int64_t>();
    scalar_t* pl = loss.data<scalar_t>();
    scalar_t* pe = lse.data<scalar_t>();
    along_axis(s.batch, s.classes, s.inner,
               [&](std::int64_t r0, std::int64_t r1) { ce_forward_rows<scalar_t>(s, px, pt, pl, pe, r0, r1); },
               [&](std::int64_t t0, std::int64_t t1) { ce_forward_cols<scalar_t>(s, px, pt, pl, pe, t0, t1); });
  });
}

void cross_entropy_backward(const CrossEntropyShape& s, const Tensor& logits, const Tensor& targets,
                            const Tensor& lse, const Tensor& grad_loss, double grad_scale, Tensor& grad_logits) {
  LINATTN_FLOAT_TYPES(logits.dtype(), "cross_entropy_backward", [&] {
    const scalar_t* px = logits.data<scalar_t>();
    const std::int64_t* pt = targets.data<std::int64_t>();
    const scalar_t* pe = lse.data<scalar_t>();
    const scalar_t* pg = grad_loss.data<scalar_t>();
    scalar_t* po = grad_logits.data<scalar_t>();
    const bool g_scalar = grad_loss.numel() == 1;
    const auto scale = static_cast<scalar_t>(grad_scale);
    along_axis(s.batch, s.classes, s.inner,
               [&](std::int64_t r0, std::int64_t r1) {
                 ce_backward_rows<scalar_t>(s, px, pt, pe, pg, g_scalar, scale, po, r0, r1);
               },
               [&](std::int64_t t0, std::int64_t t1) {
                 ce_backward_cols<scalar_t>(s, px, pt, pe, pg, g_scalar, scale, po, t0, t1);
               });
  });
}

}  // namespace linattn::cpu
