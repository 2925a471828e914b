// core/cpu/normalize.cpp — CPU kernels of core/kernels/normalize.h: L2 normalization along an
// axis and external attention's double normalization, forward and backward.
//
// l2_normalize has the two loop shapes of the softmax kernels (core/cpu/nn_softmax.cpp): rows
// (inner == 1, vectorized along the row) and column blocks (inner > 1, vectorized across up to
// kCols adjacent positions, sums in double). double_normalize runs one task per sample (or per
// block of groups of a sample when there are fewer samples than threads), reading whole token
// rows in order (sequential memory, no 4 KiB-strided columns):
//   forward: column max and Σ exp over N in one streaming pass (chunks of kChunk rows: a chunk's
//            max, then its exps while it is in cache, rescaling the running sum when the max
//            grows), then one pass writing y = P / (eps + Σ_S P) and den;
//   backward: one pass for c = Σ_N ḡP⊙P, one pass writing grad_x (ḡP is recomputed from ḡy, y
//            and den rather than stored; no divisions).
// Column sums over N: per chunk in T, chunks added in double. float32 uses fast_exp, float64
// std::exp.
#include <omp.h>

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

// A task is (b, block of gb groups): columns [g0·S, g1·S) of every token row of sample b, read
// row after row (contiguous when the block is all G groups, the usual case). A column's sums over
// N are taken in chunks of kChunk rows, each chunk summed in T and added to a double total, in
// the same order whatever the block: results do not depend on gb or the thread count.
struct GroupBlocks {
  std::int64_t gb, per_sample;
};

GroupBlocks group_blocks(const DoubleNormalizeShape& s) {
  // Whole rows when the samples alone keep every thread busy; else split the groups.
  const std::int64_t want = (2 * static_cast<std::int64_t>(omp_get_max_threads()) + s.B - 1) / std::max<std::int64_t>(s.B, 1);
  const std::int64_t per_sample = std::clamp<std::int64_t>(want, 1, std::max<std::int64_t>(s.G, 1));
  const std::int64_t gb = (s.G + per_sample - 1) / per_sample;
  return {gb, (s.G + gb - 1) / gb};
}

template <class T>
LINATTN_CPU_CLONES void dn_forward(const DoubleNormalizeShape& s, const T* x, const T* bias, T* y, T* den,
                                   GroupBlocks blk, std::int64_t t0, std::int64_t t1) {
  const std::int64_t N = s.N, G = s.G, S = s.S, row = G * S;
  const T eps = static_cast<T>(s.eps);
  const auto cols = static_cast<std::size_t>(blk.gb * S);
  std::vector<T> b(cols), m(cols), cm(cols), zc(cols), inv(cols);
  std::vector<double> z(cols);
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t bi = t / blk.per_sample, g0 = (t % blk.per_sample) * blk.gb, g1 = std::min(G, g0 + blk.gb);
    const std::int64_t w = (g1 - g0) * S;
    const T* xb = x + bi * N * row + g0 * S;
    T* yb = y + bi * N * row + g0 * S;
    for (std::int64_t j = 0; j < w; ++j)
      b[j] = bias == nullptr ? T(0) : bias[s.bias_per_group ? g0 * S + j : j % S];
    std::fill(m.begin(), m.end(), -std::numeric_limits<T>::infinity());
    std::fill(z.begin(), z.end(), 0.0);
    for (std::int64_t n0 = 0; n0 < N; n0 += kChunk) {  // column max and Σ exp over N, streaming
      const std::int64_t n1 = std::min(N, n0 + kChunk);
      std::fill(cm.begin(), cm.end(), -std::numeric_limits<T>::infinity());
      for (std::int64_t n = n0; n < n1; ++n) {
        const T* xr = xb + n * row;
        for (std::int64_t j = 0; j < w; ++j) {
          const T v = xr[j] + b[j];
          cm[j] = v > cm[j] ? v : cm[j];
        }
      }
      for (std::int64_t j = 0; j < w; ++j) {
        if (cm[j] > m[j]) {  // the max grew: rescale the sum taken so far
          z[j] *= static_cast<double>(exp_of<T>(m[j] - cm[j]));
          m[j] = cm[j];
        }
        zc[j] = T(0);
      }
      for (std::int64_t n = n0; n < n1; ++n) {  // the chunk again, now from cache
        const T* xr = xb + n * row;
        for (std::int64_t j = 0; j < w; ++j) zc[j] += exp_of<T>((xr[j] + b[j]) - m[j]);
      }
      for (std::int64_t j = 0; j < w; ++j) z[j] += static_cast<double>(zc[j]);
    }
    for (std::int64_t j = 0; j < w; ++j) inv[j] = static_cast<T>(1.0 / z[j]);
    for (std::int64_t n = 0; n < N; ++n) {  // P, then ℓ1 over each group's S slots
      const T* xr = xb + n * row;
      T* yr = yb + n * row;
      for (std::int64_t j = 0; j < w; ++j) yr[j] = exp_of<T>((xr[j] + b[j]) - m[j]) * inv[j];
      for (std::int64_t g = g0; g < g1; ++g) {
        T* yg = yr + (g - g0) * S;
        const T d = eps + lane_sum<T>(S, [&](std::int64_t j) { return yg[j]; });
        den[(bi * N + n) * G + g] = d;
        const T rd = T(1) / d;
        for (std::int64_t j = 0; j < S; ++j) yg[j] *= rd;
      }
    }
  }
}

// With P = y·den and ḡP = (ḡy − dot)/den (dot = Σ_S ḡy⊙y), the den factors cancel:
//   c = Σ_N ḡP⊙P = Σ_N (ḡy − dot)⊙y,   grad_x = P⊙(ḡP − c) = y⊙((ḡy − dot) − den·c).
template <class T>
LINATTN_CPU_CLONES void dn_backward(const DoubleNormalizeShape& s, const T* gy, const T* y, const T* den, T* gx,
                                    GroupBlocks blk, std::int64_t t0, std::int64_t t1) {
  const std::int64_t N = s.N, G = s.G, S = s.S, row = G * S;
  const auto cols = static_cast<std::size_t>(blk.gb * S);
  std::vector<double> c(cols);
  std::vector<T> cc(cols), ct(cols);
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::int64_t bi = t / blk.per_sample, g0 = (t % blk.per_sample) * blk.gb, g1 = std::min(G, g0 + blk.gb);
    const std::int64_t w = (g1 - g0) * S, base = bi * N * row + g0 * S;
    std::fill(c.begin(), c.end(), 0.0);
    for (std::int64_t n0 = 0; n0 < N; n0 += kChunk) {
      const std::int64_t n1 = std::min(N, n0 + kChunk);
      std::fill(cc.begin(), cc.end(), T(0));
      for (std::int64_t n = n0; n < n1; ++n) {
        const T* yr = y + base + n * row;
        const T* gr = gy + base + n * row;
        for (std::int64_t k = 0; k < w; k += S) {
          const T dot = lane_sum<T>(S, [&](std::int64_t j) { return gr[k + j] * yr[k + j]; });
          for (std::int64_t j = k; j < k + S; ++j) cc[j] += (gr[j] - dot) * yr[j];
        }
      }
      for (std::int64_t j = 0; j < w; ++j) c[j] += static_cast<double>(cc[j]);
    }
    for (std::int64_t j = 0; j < w; ++j) ct[j] = static_cast<T>(c[j]);
    for (std::int64_t n = 0; n < N; ++n) {
      const T* yr = y + base + n * row;
      const T* gr = gy + base + n * row;
      T* out = gx + base + n * row;
      for (std::int64_t g = g0; g < g1; ++g) {
        const std::int64_t k = (g - g0) * S;
        const T d = den[(bi * N + n) * G + g];
        const T dot = lane_sum<T>(S, [&](std::int64_t j) { return gr[k + j] * yr[k + j]; });
        for (std::int64_t j = k; j < k + S; ++j) out[j] = yr[j] * ((gr[j] - dot) - d * ct[j]);
      }
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
    const GroupBlocks blk = group_blocks(s);
    parallel_for(s.B * blk.per_sample, grain_for(s.N * blk.gb * s.S),
                 [&](std::int64_t t0, std::int64_t t1) { dn_forward<scalar_t>(s, px, pb, py, pd, blk, t0, t1); });
  });
}

void double_normalize_backward(const DoubleNormalizeShape& s, const Tensor& grad_y, const Tensor& y, const Tensor& den,
                               Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(y.dtype(), "double_normalize_backward", [&] {
    const scalar_t* pg = grad_y.data<scalar_t>();
    const scalar_t* py = y.data<scalar_t>();
    const scalar_t* pd = den.data<scalar_t>();
    scalar_t* po = grad_x.data<scalar_t>();
    const GroupBlocks blk = group_blocks(s);
    parallel_for(s.B * blk.per_sample, grain_for(s.N * blk.gb * s.S),
                 [&](std::int64_t t0, std::int64_t t1) { dn_backward<scalar_t>(s, pg, py, pd, po, blk, t0, t1); });
  });
}

}  // namespace linattn::cpu
