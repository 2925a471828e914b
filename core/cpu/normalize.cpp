// core/cpu/normalize.cpp — CPU kernels of core/kernels/normalize.h: L2 normalization along an
// axis and external attention's double normalization, forward and backward.
//
// l2_normalize has the two loop shapes of the softmax kernels (core/cpu/nn_softmax.cpp): rows
// (inner == 1, vectorized along the row) and column blocks (inner > 1, vectorized across up to
// kCols adjacent positions, sums in double). double_normalize runs one task per (b, g): the S
// slot columns of that group over all N tokens (rows of S contiguous values, stride G·S).
//   forward: column max and Σ exp over N in one streaming pass (chunks of kChunk rows: a chunk's
//            max, then its exps while it is in cache, rescaling the running sum when the max
//            grows), then one pass writing y = P / (eps + Σ_S P) and den;
//   backward: one pass for c_s = Σ_N ḡP⊙P, one pass writing grad_x (ḡP is recomputed from
//            ḡy, y and den rather than stored).
// Column sums over N accumulate in double. float32 uses fast_exp, float64 std::exp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/cpu/parallel.h"
#include "core/cpu/vec_math.h"
#include "core/kernels/normalize.h"

namespace linattn::cpu {

namespace {

constexpr std::int64_t kCols = 64;           // positions per column block (l2, inner > 1)
constexpr std::int64_t kChunk = 64;          // rows per chunk of the streaming max/sum pass
constexpr std::int64_t kGrainElems = 16384;  // elements per thread below which work stays serial

std::int64_t grain_for(std::int64_t elems_per_task) {
  return std::max<std::int64_t>(1, kGrainElems / std::max<std::int64_t>(elems_per_task, 1));
}

// ---- l2_normalize -------------------------------------------------------------------------------

template <class T>
LINATTN_CPU_CLONES void l2_rows(const T* x, T* y, T* norm, std::int64_t r0, std::int64_t r1, std::int64_t n, T eps) {
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    const T nr = std::sqrt(lane_sum<T>(n, [&](std::int64_t i) { return xr[i] * xr[i]; }));
    norm[r] = nr;
    const T d = nr > eps ? nr : eps;
    for (std::int64_t i = 0; i < n; ++i) yr[i] = xr[i] / d;
  }
}

template <class T>
LINATTN_CPU_CLONES void l2_cols(const T* x, T* y, T* norm, std::int64_t t0, std::int64_t t1, std::int64_t n,
                                std::int64_t inner, T eps) {
  const std::int64_t blocks = (inner + kCols - 1) / kCols;
  double ss[kCols];
  T d[kCols];
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t o = t / blocks, c0 = (t % blocks) * kCols, w = std::min(kCols, inner - c0);
    const T* xb = x + o * n * inner + c0;
    T* yb = y + o * n * inner + c0;
    for (std::int64_t j = 0; j < w; ++j) ss[j] = 0.0;
    for (std::int64_t k = 0; k < n; ++k)
      for (std::int64_t j = 0; j < w; ++j) ss[j] += static_cast<double>(xb[k * inner + j]) * xb[k * inner + j];
    for (std::int64_t j = 0; j < w; ++j) {
      const T nr = static_cast<T>(std::sqrt(ss[j]));
      norm[o * inner + c0 + j] = nr;
      d[j] = nr > eps ? nr : eps;
    }
    for (std::int64_t k = 0; k < n; ++k)
      for (std::int64_t j = 0; j < w; ++j) yb[k * inner + j] = xb[k * inner + j] / d[j];
  }
}

template <class T>
LINATTN_CPU_CLONES void l2_backward_rows(const T* g, const T* y, const T* norm, T* gx, std::int64_t r0,
                                         std::int64_t r1, std::int64_t n, T eps) {
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* gr = g + r * n;
    const T* yr = y + r * n;
    T* out = gx + r * n;
    const T nr = norm[r];
    if (nr > eps) {
      const T dot = lane_sum<T>(n, [&](std::int64_t i) { return gr[i] * yr[i]; });
      for (std::int64_t i = 0; i < n; ++i) out[i] = (gr[i] - yr[i] * dot) / nr;
    } else {
      for (std::int64_t i = 0; i < n; ++i) out[i] = gr[i] / eps;
    }
  }
}

template <class T>
LINATTN_CPU_CLONES void l2_backward_cols(const T* g, const T* y, const T* norm, T* gx, std::int64_t t0,
                                         std::int64_t t1, std::int64_t n, std::int64_t inner, T eps) {
  const std::int64_t blocks = (inner + kCols - 1) / kCols;
  double dot[kCols];
  T f[kCols], nr[kCols];
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t o = t / blocks, c0 = (t % blocks) * kCols, w = std::min(kCols, inner - c0);
    const std::int64_t base = o * n * inner + c0;
    for (std::int64_t j = 0; j < w; ++j) dot[j] = 0.0;
    for (std::int64_t k = 0; k < n; ++k)
      for (std::int64_t j = 0; j < w; ++j)
        dot[j] += static_cast<double>(g[base + k * inner + j]) * y[base + k * inner + j];
    for (std::int64_t j = 0; j < w; ++j) {
      const T v = norm[o * inner + c0 + j];
      const bool big = v > eps;
      f[j] = big ? static_cast<T>(dot[j]) : T(0);  // the eps branch has no projection term
      nr[j] = big ? v : eps;
    }
    for (std::int64_t k = 0; k < n; ++k)
      for (std::int64_t j = 0; j < w; ++j) {
        const std::int64_t i = base + k * inner + j;
        gx[i] = (g[i] - y[i] * f[j]) / nr[j];
      }
  }
}

// ---- double_normalize ---------------------------------------------------------------------------

template <class T>
LINATTN_CPU_CLONES void dn_forward(const DoubleNormalizeShape& s, const T* x, const T* bias, T* y, T* den,
                                   std::int64_t t0, std::int64_t t1) {
  const std::int64_t N = s.N, G = s.G, S = s.S, stride = G * S;
  const T eps = static_cast<T>(s.eps);
  std::vector<T> b(static_cast<std::size_t>(S), T(0)), m(b.size()), cm(b.size()), inv(b.size());
  std::vector<double> z(b.size());
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t bi = t / G, g = t % G;
    if (bias != nullptr) std::copy_n(bias + (s.bias_per_group ? g * S : 0), S, b.begin());
    const T* xb = x + bi * N * stride + g * S;
    T* yb = y + bi * N * stride + g * S;
    T* db = den + bi * N * G + g;
    std::fill(m.begin(), m.end(), -std::numeric_limits<T>::infinity());
    std::fill(z.begin(), z.end(), 0.0);
    for (std::int64_t n0 = 0; n0 < N; n0 += kChunk) {  // streaming column max and Σ exp over N
      const std::int64_t n1 = std::min(N, n0 + kChunk);
      std::fill(cm.begin(), cm.end(), -std::numeric_limits<T>::infinity());
      for (std::int64_t n = n0; n < n1; ++n) {
        const T* xr = xb + n * stride;
        for (std::int64_t j = 0; j < S; ++j) {
          const T v = xr[j] + b[j];
          cm[j] = v > cm[j] ? v : cm[j];
        }
      }
      for (std::int64_t j = 0; j < S; ++j) {
        if (cm[j] > m[j]) {  // the max grew: rescale the sum taken so far
          z[j] *= static_cast<double>(exp_of<T>(m[j] - cm[j]));
          m[j] = cm[j];
        }
      }
      for (std::int64_t n = n0; n < n1; ++n) {
        const T* xr = xb + n * stride;
        for (std::int64_t j = 0; j < S; ++j) z[j] += static_cast<double>(exp_of<T>((xr[j] + b[j]) - m[j]));
      }
    }
    for (std::int64_t j = 0; j < S; ++j) inv[j] = static_cast<T>(1.0 / z[j]);
    for (std::int64_t n = 0; n < N; ++n) {
      const T* xr = xb + n * stride;
      T* yr = yb + n * stride;
      for (std::int64_t j = 0; j < S; ++j) yr[j] = exp_of<T>((xr[j] + b[j]) - m[j]) * inv[j];
      const T d = eps + lane_sum<T>(S, [&](std::int64_t j) { return yr[j]; });
      db[n * G] = d;
      for (std::int64_t j = 0; j < S; ++j) yr[j] = yr[j] / d;
    }
  }
}

template <class T>
LINATTN_CPU_CLONES void dn_backward(const DoubleNormalizeShape& s, const T* gy, const T* y, const T* den, T* gx,
                                    std::int64_t t0, std::int64_t t1) {
  const std::int64_t N = s.N, G = s.G, S = s.S, stride = G * S;
  std::vector<double> c(static_cast<std::size_t>(S));
  std::vector<T> ct(c.size());
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t bi = t / G, g = t % G;
    const std::int64_t base = bi * N * stride + g * S;
    const T* db = den + bi * N * G + g;
    std::fill(c.begin(), c.end(), 0.0);
    for (std::int64_t n = 0; n < N; ++n) {  // c_s = Σ_N ḡP ⊙ P
      const T* yr = y + base + n * stride;
      const T* gr = gy + base + n * stride;
      const T d = db[n * G];
      const T dot = lane_sum<T>(S, [&](std::int64_t j) { return gr[j] * yr[j]; });
      for (std::int64_t j = 0; j < S; ++j) c[j] += static_cast<double>(((gr[j] - dot) / d) * (yr[j] * d));
    }
    for (std::int64_t j = 0; j < S; ++j) ct[j] = static_cast<T>(c[j]);
    for (std::int64_t n = 0; n < N; ++n) {  // grad_x = P ⊙ (ḡP − c)
      const T* yr = y + base + n * stride;
      const T* gr = gy + base + n * stride;
      T* out = gx + base + n * stride;
      const T d = db[n * G];
      const T dot = lane_sum<T>(S, [&](std::int64_t j) { return gr[j] * yr[j]; });
      for (std::int64_t j = 0; j < S; ++j) out[j] = (yr[j] * d) * ((gr[j] - dot) / d - ct[j]);
    }
  }
}

}  // namespace

// ---- kernel entry points ------------------------------------------------------------------------

void l2_normalize_forward(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, double eps,
                          Tensor& y, Tensor& norm) {
  LINATTN_FLOAT_TYPES(x.dtype(), "l2_normalize", [&] {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* py = y.data<scalar_t>();
    scalar_t* pn = norm.data<scalar_t>();
    const auto e = static_cast<scalar_t>(eps);
    if (outer == 0 || inner == 0) return;
    if (inner == 1) {
      parallel_for(outer, grain_for(size), [&](std::int64_t r0, std::int64_t r1) { l2_rows<scalar_t>(px, py, pn, r0, r1, size, e); });
    } else {
      const std::int64_t tasks = outer * ((inner + kCols - 1) / kCols);
      parallel_for(tasks, grain_for(size * std::min(inner, kCols)),
                   [&](std::int64_t t0, std::int64_t t1) { l2_cols<scalar_t>(px, py, pn, t0, t1, size, inner, e); });
    }
  });
}

void l2_normalize_backward(const Tensor& grad_y, const Tensor& y, const Tensor& norm, std::int64_t outer,
                           std::int64_t size, std::int64_t inner, double eps, Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(y.dtype(), "l2_normalize_backward", [&] {
    const scalar_t* pg = grad_y.data<scalar_t>();
    const scalar_t* py = y.data<scalar_t>();
    const scalar_t* pn = norm.data<scalar_t>();
    scalar_t* po = grad_x.data<scalar_t>();
    const auto e = static_cast<scalar_t>(eps);
    if (outer == 0 || inner == 0) return;
    if (inner == 1) {
      parallel_for(outer, grain_for(size),
                   [&](std::int64_t r0, std::int64_t r1) { l2_backward_rows<scalar_t>(pg, py, pn, po, r0, r1, size, e); });
    } else {
      const std::int64_t tasks = outer * ((inner + kCols - 1) / kCols);
      parallel_for(tasks, grain_for(size * std::min(inner, kCols)), [&](std::int64_t t0, std::int64_t t1) {
        l2_backward_cols<scalar_t>(pg, py, pn, po, t0, t1, size, inner, e);
      });
    }
  });
}

void double_normalize_forward(const DoubleNormalizeShape& s, const Tensor& x, const Tensor& bias, Tensor& y,
                              Tensor& den) {
  LINATTN_FLOAT_TYPES(x.dtype(), "double_normalize", [&] {
    const scalar_t* px = x.data<scalar_t>();
    const scalar_t* pb = bias.defined() ? bias.data<scalar_t>() : nullptr;
    scalar_t* py = y.data<scalar_t>();
    scalar_t* pd = den.data<scalar_t>();
    parallel_for(s.B * s.G, grain_for(s.N * s.S),
                 [&](std::int64_t t0, std::int64_t t1) { dn_forward<scalar_t>(s, px, pb, py, pd, t0, t1); });
  });
}

void double_normalize_backward(const DoubleNormalizeShape& s, const Tensor& grad_y, const Tensor& y, const Tensor& den,
                               Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(y.dtype(), "double_normalize_backward", [&] {
    const scalar_t* pg = grad_y.data<scalar_t>();
    const scalar_t* py = y.data<scalar_t>();
    const scalar_t* pd = den.data<scalar_t>();
    scalar_t* po = grad_x.data<scalar_t>();
    parallel_for(s.B * s.G, grain_for(s.N * s.S),
                 [&](std::int64_t t0, std::int64_t t1) { dn_backward<scalar_t>(s, pg, py, pd, po, t0, t1); });
  });
}

}  // namespace linattn::cpu
