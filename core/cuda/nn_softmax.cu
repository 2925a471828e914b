// core/cuda/nn_softmax.cu — CUDA kernels of core/kernels/nn.h for softmax, log-softmax and the
// fused log-softmax + cross-entropy (forward and backward). Mirrors core/cpu/nn_softmax.cpp
// formula for formula; the CPU backend is the oracle (tests/cuda/test_nn.cpp).
//
// Softmax-like passes run one team per segment of (outer, size, inner) (core/cuda/axis_team.cuh:
// a warp per short row, a block per long row, column tiles when inner > 1): max, then Σ exp
// (accumulated in double, like the CPU's column sums; exp itself in T), then the writes, which
// recompute exp rather than storing it. The cross-entropy backward is elementwise (one thread per
// logit, from the saved log-sum-exp). No atomics; every sum is a fixed tree, so results are
// identical run after run. Types: float32 and float64.
#include "core/cuda/axis_team.cuh"
#include "core/kernels/nn.h"

namespace linattn::cuda {

namespace {

using namespace axis;

// ---- softmax ------------------------------------------------------------------------------------

template <class T>
struct SoftmaxForward {
  const T* x;
  T* y;
  std::int64_t size, inner;
  bool log;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t o, std::int64_t i, bool active) const {
    const std::int64_t n = active ? size : 0, base = o * size * inner + i;
    const T* xs = x + base;
    T* ys = y + base;
    T m = neg_infinity<T>();
    for (std::int64_t k = team.rank(); k < n; k += team.size()) m = MaxOp{}(m, xs[k * inner]);
    m = team.all_reduce(m, MaxOp{});
    double s = 0.0;
    for (std::int64_t k = team.rank(); k < n; k += team.size()) s += static_cast<double>(dev_exp(xs[k * inner] - m));
    s = team.all_reduce(s, SumOp{});
    if (log) {
      const T log_s = static_cast<T>(::log(s));
      for (std::int64_t k = team.rank(); k < n; k += team.size()) ys[k * inner] = (xs[k * inner] - m) - log_s;
    } else {
      const T inv = static_cast<T>(1.0 / s);
      for (std::int64_t k = team.rank(); k < n; k += team.size()) ys[k * inner] = dev_exp(xs[k * inner] - m) * inv;
    }
  }
};

// softmax: grad_x = y ⊙ (g − Σ g⊙y);  log_softmax: grad_x = g − exp(y) · Σ g.
template <class T>
struct SoftmaxBackward {
  const T* g;
  const T* y;
  T* gx;
  std::int64_t size, inner;
  bool log;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t o, std::int64_t i, bool active) const {
    const std::int64_t n = active ? size : 0, base = o * size * inner + i;
    const T* gs = g + base;
    const T* ys = y + base;
    T* out = gx + base;
    double s = 0.0;
    if (log) {
      for (std::int64_t k = team.rank(); k < n; k += team.size()) s += static_cast<double>(gs[k * inner]);
    } else {
      for (std::int64_t k = team.rank(); k < n; k += team.size())
        s += static_cast<double>(gs[k * inner] * ys[k * inner]);
    }
    const T f = static_cast<T>(team.all_reduce(s, SumOp{}));
    if (log) {
      for (std::int64_t k = team.rank(); k < n; k += team.size())
        out[k * inner] = gs[k * inner] - dev_exp(ys[k * inner]) * f;
    } else {
      for (std::int64_t k = team.rank(); k < n; k += team.size())
        out[k * inner] = ys[k * inner] * (gs[k * inner] - f);
    }
  }
};

// ---- cross-entropy ------------------------------------------------------------------------------

// One segment = the K logits of position (b, j). Ignored positions are computed like the others
// (the team must reach every all_reduce together; column tiles mix positions) and written as 0.
template <class T>
struct CrossEntropyForward {
  const T* x;
  const std::int64_t* target;
  T* loss;
  T* lse;
  std::int64_t K, inner, ignore_index;
  double label_smoothing;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t b, std::int64_t j, bool active) const {
    const std::int64_t n = active ? K : 0;
    const T* xs = x + b * K * inner + j;
    T m = neg_infinity<T>();
    for (std::int64_t k = team.rank(); k < n; k += team.size()) m = MaxOp{}(m, xs[k * inner]);
    m = team.all_reduce(m, MaxOp{});
    double s = 0.0, sx = 0.0;
    for (std::int64_t k = team.rank(); k < n; k += team.size()) {
      s += static_cast<double>(dev_exp(xs[k * inner] - m));
      sx += static_cast<double>(xs[k * inner]);
    }
    s = team.all_reduce(s, SumOp{});
    if (label_smoothing != 0.0) sx = team.all_reduce(sx, SumOp{});  // uniform: same branch for all
    if (!active || team.rank() != 0) return;
    const std::int64_t p = b * inner + j, t = target[p];
    if (t == ignore_index) {
      loss[p] = T(0);
      lse[p] = T(0);
      return;
    }
    const T l = m + static_cast<T>(::log(s));
    T value = l - xs[t * inner];
    const auto eps = static_cast<T>(label_smoothing);
    if (eps != T(0)) value = (T(1) - eps) * value + eps * (l - static_cast<T>(sx / static_cast<double>(K)));
    loss[p] = value;
    lse[p] = l;
  }
};

// grad_logits[b, k, j] = w · (exp(x − lse) − ε/K), minus w·(1 − ε) at k = target; 0 where ignored.
template <class T>
__global__ void cross_entropy_backward_kernel(const T* x, const std::int64_t* target, const T* lse, const T* g,
                                              bool g_scalar, T scale, T eps, std::int64_t K, std::int64_t inner,
                                              std::int64_t ignore_index, std::int64_t n, T* gx) {
  const T smooth = eps / static_cast<T>(K);
  for (std::int64_t idx = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t j = idx % inner, k = (idx / inner) % K, b = idx / (inner * K);
    const std::int64_t p = b * inner + j, t = target[p];
    if (t == ignore_index) {
      gx[idx] = T(0);
      continue;
    }
    const T w = scale * g[g_scalar ? 0 : p];
    T v = w * (dev_exp(x[idx] - lse[p]) - smooth);
    if (k == t) v -= w * (T(1) - eps);
    gx[idx] = v;
  }
}

}  // namespace

// ---- kernel entry points ------------------------------------------------------------------------

void softmax_forward(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, bool log, Tensor& y) {
  LINATTN_FLOAT_TYPES(x.dtype(), log ? "log_softmax" : "softmax", [&] {
    for_each_segment(outer, size, inner, stream_of(x),
                     SoftmaxForward<scalar_t>{x.data<scalar_t>(), y.data<scalar_t>(), size, inner, log});
  });
}

void softmax_backward(const Tensor& grad_y, const Tensor& y, std::int64_t outer, std::int64_t size,
                      std::int64_t inner, bool log, Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&] {
    for_each_segment(outer, size, inner, stream_of(y),
                     SoftmaxBackward<scalar_t>{grad_y.data<scalar_t>(), y.data<scalar_t>(),
                                               grad_x.data<scalar_t>(), size, inner, log});
  });
}

void cross_entropy_forward(const CrossEntropyShape& s, const Tensor& logits, const Tensor& targets, Tensor& loss,
                           Tensor& lse) {
  LINATTN_FLOAT_TYPES(logits.dtype(), "cross_entropy", [&] {
    for_each_segment(s.batch, s.classes, s.inner, stream_of(logits),
                     CrossEntropyForward<scalar_t>{logits.data<scalar_t>(), targets.data<std::int64_t>(),
                                                   loss.data<scalar_t>(), lse.data<scalar_t>(), s.classes, s.inner,
                                                   s.ignore_index, s.label_smoothing});
  });
}

void cross_entropy_backward(const CrossEntropyShape& s, const Tensor& logits, const Tensor& targets,
                            const Tensor& lse, const Tensor& grad_loss, double grad_scale, Tensor& grad_logits) {
  const std::int64_t n = s.batch * s.classes * s.inner;
  if (n == 0) return;
  LINATTN_FLOAT_TYPES(logits.dtype(), "cross_entropy_backward", [&] {
    cross_entropy_backward_kernel<scalar_t><<<grid_for(n), kBlock, 0, stream_of(logits)>>>(
        logits.data<scalar_t>(), targets.data<std::int64_t>(), lse.data<scalar_t>(), grad_loss.data<scalar_t>(),
        grad_loss.numel() == 1, static_cast<scalar_t>(grad_scale), static_cast<scalar_t>(s.label_smoothing),
        s.classes, s.inner, s.ignore_index, n, grad_logits.data<scalar_t>());
  });
  LINATTN_CUDA_LAUNCH_CHECK();
}

}  // namespace linattn::cuda
