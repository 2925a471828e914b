// core/cuda/normalize.cu — CUDA kernels of core/kernels/normalize.h: L2 normalization along an
// axis and external attention's double normalization, forward and backward. Mirrors
// core/cpu/normalize.cpp; the CPU backend is the oracle (tests/cuda/test_normalize.cpp).
//
// Every sum is taken by one team of threads in a fixed tree (core/cuda/axis_team.cuh; sums in
// double), never with atomics, so results are identical run after run.
//  - l2_normalize: one team per segment of (outer, size, inner) (a warp per short row, a block
//    per long row, column tiles when inner > 1).
//  - double_normalize forward (x viewed as (B, N, G·S)): pass 1, column teams over N give each
//    column (b, j) its max m and 1 / Σ_N exp(x + bias − m) (a workspace); pass 2, row teams over
//    each group's S slots write y = P / (eps + Σ_S P) and den, recomputing P = exp(x + bias − m)·inv.
//  - double_normalize backward: with dot = Σ_S ḡy⊙y per (b, n, g), c = Σ_N (ḡy − dot)⊙y per column
//    and grad_x = y⊙((ḡy − dot) − den·c) (the algebra in core/cpu/normalize.cpp): pass 1 row teams
//    for dot, pass 2 column teams for c, pass 3 elementwise.
#include "core/cuda/axis_team.cuh"
#include "core/kernels/normalize.h"

namespace linattn::cuda {

namespace {

using namespace axis;

// ---- l2_normalize -------------------------------------------------------------------------------

template <class T>
struct L2Forward {
  const T* x;
  T* y;
  T* norm;
  std::int64_t size, inner;
  T eps;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t o, std::int64_t i, bool active) const {
    const std::int64_t n = active ? size : 0, base = o * size * inner + i;
    double ss = 0.0;
    for (std::int64_t k = team.rank(); k < n; k += team.size()) {
      const auto v = static_cast<double>(x[base + k * inner]);
      ss += v * v;
    }
    const auto nr = static_cast<T>(::sqrt(team.all_reduce(ss, SumOp{})));
    if (!active) return;
    if (team.rank() == 0) norm[o * inner + i] = nr;
    const T d = nr > eps ? nr : eps;
    for (std::int64_t k = team.rank(); k < n; k += team.size()) y[base + k * inner] = x[base + k * inner] / d;
  }
};

// grad_x = (g − y·(y·g)) / ‖x‖ where ‖x‖ > eps, else g / eps (no projection term).
template <class T>
struct L2Backward {
  const T* g;
  const T* y;
  const T* norm;
  T* gx;
  std::int64_t size, inner;
  T eps;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t o, std::int64_t i, bool active) const {
    const std::int64_t n = active ? size : 0, base = o * size * inner + i;
    double dot = 0.0;
    for (std::int64_t k = team.rank(); k < n; k += team.size())
      dot += static_cast<double>(g[base + k * inner]) * static_cast<double>(y[base + k * inner]);
    dot = team.all_reduce(dot, SumOp{});
    if (!active) return;
    const T v = norm[o * inner + i];
    const bool big = v > eps;
    const T f = big ? static_cast<T>(dot) : T(0), d = big ? v : eps;
    for (std::int64_t k = team.rank(); k < n; k += team.size()) {
      const std::int64_t e = base + k * inner;
      gx[e] = (g[e] - y[e] * f) / d;
    }
  }
};

// ---- double_normalize ---------------------------------------------------------------------------

template <class T>
__device__ __forceinline__ T bias_at(const T* bias, bool per_group, std::int64_t j, std::int64_t S) {
  return bias == nullptr ? T(0) : bias[per_group ? j : j % S];
}

// Column (b, j) of x viewed as (B, N, G·S): m = max_N (x + bias), inv = 1 / Σ_N exp(x + bias − m).
template <class T>
struct DnColumnStats {
  const T* x;
  const T* bias;
  T* col_max;  // B x G·S
  T* col_inv;  // B x G·S
  std::int64_t N, row, S;
  bool per_group;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t b, std::int64_t j, bool active) const {
    const std::int64_t n = active ? N : 0;
    const T* xs = x + b * N * row + j;
    const T bj = active ? bias_at(bias, per_group, j, S) : T(0);
    T m = neg_infinity<T>();
    for (std::int64_t k = team.rank(); k < n; k += team.size()) m = MaxOp{}(m, xs[k * row] + bj);
    m = team.all_reduce(m, MaxOp{});
    double z = 0.0;
    for (std::int64_t k = team.rank(); k < n; k += team.size()) z += static_cast<double>(dev_exp((xs[k * row] + bj) - m));
    z = team.all_reduce(z, SumOp{});
    if (active && team.rank() == 0) {
      col_max[b * row + j] = m;
      col_inv[b * row + j] = static_cast<T>(1.0 / z);
    }
  }
};

// Row r = (b, n, g) of S slots: P = exp(x + bias − m)·inv, den = eps + Σ_S P, y = P / den.
template <class T>
struct DnRows {
  const T* x;
  const T* bias;
  const T* col_max;
  const T* col_inv;
  T* y;
  T* den;
  std::int64_t N, G, S;
  bool per_group;
  T eps;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t r, std::int64_t, bool) const {
    const std::int64_t b = r / (N * G), g = r % G, row = G * S;
    const T* xr = x + r * S;
    T* yr = y + r * S;
    const T* mr = col_max + b * row + g * S;
    const T* ir = col_inv + b * row + g * S;
    double s = 0.0;
    for (std::int64_t k = team.rank(); k < S; k += team.size())
      s += static_cast<double>(dev_exp((xr[k] + bias_at(bias, per_group, g * S + k, S)) - mr[k]) * ir[k]);
    const T d = eps + static_cast<T>(team.all_reduce(s, SumOp{}));
    if (team.rank() == 0) den[r] = d;
    const T rd = T(1) / d;
    for (std::int64_t k = team.rank(); k < S; k += team.size())
      yr[k] = (dev_exp((xr[k] + bias_at(bias, per_group, g * S + k, S)) - mr[k]) * ir[k]) * rd;
  }
};

// dot[r] = Σ_S ḡy ⊙ y over row r = (b, n, g).
template <class T>
struct DnRowDot {
  const T* gy;
  const T* y;
  T* dot;
  std::int64_t S;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t r, std::int64_t, bool) const {
    double s = 0.0;
    for (std::int64_t k = team.rank(); k < S; k += team.size())
      s += static_cast<double>(gy[r * S + k]) * static_cast<double>(y[r * S + k]);
    s = team.all_reduce(s, SumOp{});
    if (team.rank() == 0) dot[r] = static_cast<T>(s);
  }
};

// c[b, j] = Σ_N (ḡy − dot) ⊙ y down column (b, j) of (B, N, G·S).
template <class T>
struct DnColumnC {
  const T* gy;
  const T* y;
  const T* dot;  // B·N·G
  T* c;          // B x G·S
  std::int64_t N, row, S;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t b, std::int64_t j, bool active) const {
    const std::int64_t n = active ? N : 0, base = b * N * row + j, g = active ? j / S : 0;
    const std::int64_t G = row / S;
    double s = 0.0;
    for (std::int64_t k = team.rank(); k < n; k += team.size()) {
      const std::int64_t e = base + k * row;
      s += static_cast<double>((gy[e] - dot[(b * N + k) * G + g]) * y[e]);
    }
    s = team.all_reduce(s, SumOp{});
    if (active && team.rank() == 0) c[b * row + j] = static_cast<T>(s);
  }
};

template <class T>
__global__ void dn_backward_kernel(const T* gy, const T* y, const T* den, const T* dot, const T* c, std::int64_t n,
                                   std::int64_t S, std::int64_t row, std::int64_t sample, T* gx) {
  for (std::int64_t e = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; e < n;
       e += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t r = e / S, b = e / sample, j = e % row;
    gx[e] = y[e] * ((gy[e] - dot[r]) - den[r] * c[b * row + j]);
  }
}

Tensor workspace_like(std::int64_t n, const Tensor& like) {
  return Tensor::empty({n}, {.dtype = like.dtype(), .device = like.device()});
}

template <class T>
void double_normalize_forward_typed(const DoubleNormalizeShape& s, const Tensor& x, const Tensor& bias, Tensor& y,
                                    Tensor& den) {
  if (s.B * s.N * s.G * s.S == 0) return;
  const std::int64_t row = s.G * s.S;
  cudaStream_t stream = stream_of(x);
  const T* pb = bias.defined() ? bias.data<T>() : nullptr;
  Tensor col_max = workspace_like(s.B * row, x), col_inv = workspace_like(s.B * row, x);  // B x G·S
  for_each_segment(s.B, s.N, row, stream,
                   DnColumnStats<T>{x.data<T>(), pb, col_max.data<T>(), col_inv.data<T>(), s.N, row, s.S,
                                    s.bias_per_group});
  for_each_segment(s.B * s.N * s.G, s.S, 1, stream,
                   DnRows<T>{x.data<T>(), pb, col_max.data<T>(), col_inv.data<T>(), y.data<T>(), den.data<T>(), s.N,
                             s.G, s.S, s.bias_per_group, static_cast<T>(s.eps)});
}

template <class T>
void double_normalize_backward_typed(const DoubleNormalizeShape& s, const Tensor& grad_y, const Tensor& y,
                                     const Tensor& den, Tensor& grad_x) {
  const std::int64_t n = s.B * s.N * s.G * s.S;
  if (n == 0) return;
  const std::int64_t row = s.G * s.S;
  cudaStream_t stream = stream_of(y);
  Tensor dot = workspace_like(s.B * s.N * s.G, y), c = workspace_like(s.B * row, y);
  for_each_segment(s.B * s.N * s.G, s.S, 1, stream, DnRowDot<T>{grad_y.data<T>(), y.data<T>(), dot.data<T>(), s.S});
  for_each_segment(s.B, s.N, row, stream,
                   DnColumnC<T>{grad_y.data<T>(), y.data<T>(), dot.data<T>(), c.data<T>(), s.N, row, s.S});
  dn_backward_kernel<T><<<grid_for(n), kBlock, 0, stream>>>(grad_y.data<T>(), y.data<T>(), den.data<T>(),
                                                            dot.data<T>(), c.data<T>(), n, s.S, row, s.N * row,
                                                            grad_x.data<T>());
  LINATTN_CUDA_LAUNCH_CHECK();
}

}  // namespace

// ---- kernel entry points ------------------------------------------------------------------------

void l2_normalize_forward(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, double eps,
                          Tensor& y, Tensor& norm) {
  LINATTN_FLOAT_TYPES(x.dtype(), "l2_normalize", [&] {
    for_each_segment(outer, size, inner, stream_of(x),
                     L2Forward<scalar_t>{x.data<scalar_t>(), y.data<scalar_t>(), norm.data<scalar_t>(), size, inner,
                                         static_cast<scalar_t>(eps)});
  });
}

void l2_normalize_backward(const Tensor& grad_y, const Tensor& y, const Tensor& norm, std::int64_t outer,
                           std::int64_t size, std::int64_t inner, double eps, Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(y.dtype(), "l2_normalize_backward", [&] {
    for_each_segment(outer, size, inner, stream_of(y),
                     L2Backward<scalar_t>{grad_y.data<scalar_t>(), y.data<scalar_t>(), norm.data<scalar_t>(),
                                          grad_x.data<scalar_t>(), size, inner, static_cast<scalar_t>(eps)});
  });
}

void double_normalize_forward(const DoubleNormalizeShape& s, const Tensor& x, const Tensor& bias, Tensor& y,
                              Tensor& den) {
  LINATTN_FLOAT_TYPES(x.dtype(), "double_normalize",
                      [&] { double_normalize_forward_typed<scalar_t>(s, x, bias, y, den); });
}

void double_normalize_backward(const DoubleNormalizeShape& s, const Tensor& grad_y, const Tensor& y, const Tensor& den,
                               Tensor& grad_x) {
  LINATTN_FLOAT_TYPES(y.dtype(), "double_normalize_backward",
                      [&] { double_normalize_backward_typed<scalar_t>(s, grad_y, y, den, grad_x); });
}

}  // namespace linattn::cuda
