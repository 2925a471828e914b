// core/cuda/nn_layer_norm.cu — CUDA kernels of core/kernels/nn.h for layer norm (forward and
// backward). Mirrors core/cpu/nn_layer_norm.cpp; the CPU backend is the oracle
// (tests/cuda/test_nn.cpp).
//
// Forward: one team per row of C (core/cuda/axis_team.cuh: a warp for C ≤ 1024, else a block):
// two passes over the row for mean and (population) variance, sums in double, then the writes;
// the team's rank 0 saves mean and rstd (x's dtype).
// Backward: grad_x by the same row teams (a = mean(ĝ), c = mean(ĝ ⊙ x̂) per row). grad_weight and
// grad_bias are column sums over rows, taken without atomics in two passes: the rows are cut into
// `parts` chunks (a number that depends only on the shape); pass 1 gives each (column tile, chunk)
// block its partial Σ grad_y ⊙ x̂ and Σ grad_y (ty threads per column, a fixed shared-memory tree)
// in a double workspace; pass 2 adds the chunks in chunk order. Identical results run after run.
#include "core/cuda/axis_team.cuh"
#include "core/kernels/nn.h"

namespace linattn::cuda {

namespace {

using namespace axis;

constexpr std::int64_t kRowsPerPart = 256;  // rows a pass-1 block covers (before the cap)
constexpr std::int64_t kMaxParts = 128;
constexpr int kTileX = 32, kTileY = 8;      // pass-1 block: 32 columns × 8 threads over rows

template <class T>
const T* data_or_null(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }
template <class T>
T* mutable_or_null(Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

template <class T>
struct LayerNormForward {
  const T* x;
  const T* w;  // may be null
  const T* b;  // may be null
  T* y;
  T* mean;
  T* rstd;
  std::int64_t C;
  T eps;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t r, std::int64_t, bool) const {
    const T* xr = x + r * C;
    T* yr = y + r * C;
    double s = 0.0;
    for (std::int64_t i = team.rank(); i < C; i += team.size()) s += static_cast<double>(xr[i]);
    const auto mu = static_cast<T>(team.all_reduce(s, SumOp{}) / static_cast<double>(C));
    double v = 0.0;
    for (std::int64_t i = team.rank(); i < C; i += team.size()) {
      const T d = xr[i] - mu;
      v += static_cast<double>(d * d);
    }
    const auto var = static_cast<T>(team.all_reduce(v, SumOp{}) / static_cast<double>(C));
    const T rs = T(1) / dev_sqrt(var + eps);
    if (team.rank() == 0) {
      mean[r] = mu;
      rstd[r] = rs;
    }
    for (std::int64_t i = team.rank(); i < C; i += team.size()) {
      T h = (xr[i] - mu) * rs;
      if (w) h = h * w[i];
      if (b) h = h + b[i];
      yr[i] = h;
    }
  }
};

// grad_x = rstd · (ĝ − a − x̂·c), ĝ = g ⊙ w (g without weight), a = mean(ĝ), c = mean(ĝ ⊙ x̂).
template <class T>
struct LayerNormBackwardX {
  const T* g;
  const T* x;
  const T* w;  // may be null
  const T* mean;
  const T* rstd;
  T* gx;
  std::int64_t C;

  template <class Team>
  __device__ void operator()(const Team& team, std::int64_t r, std::int64_t, bool) const {
    const T* gr = g + r * C;
    const T* xr = x + r * C;
    T* out = gx + r * C;
    const T mu = mean[r], rs = rstd[r];
    double sa = 0.0, sc = 0.0;
    for (std::int64_t i = team.rank(); i < C; i += team.size()) {
      const T gh = w ? gr[i] * w[i] : gr[i];
      sa += static_cast<double>(gh);
      sc += static_cast<double>(gh * ((xr[i] - mu) * rs));
    }
    const auto a = static_cast<T>(team.all_reduce(sa, SumOp{}) / static_cast<double>(C));
    const auto c = static_cast<T>(team.all_reduce(sc, SumOp{}) / static_cast<double>(C));
    for (std::int64_t i = team.rank(); i < C; i += team.size()) {
      const T gh = w ? gr[i] * w[i] : gr[i];
      out[i] = rs * (gh - a - (xr[i] - mu) * rs * c);
    }
  }
};

// Pass 1: block (kTileX, kTileY) at (column tile blockIdx.x, chunk blockIdx.y) writes
// pw[chunk·C + c] = Σ_{rows of the chunk} g ⊙ x̂ and pb[chunk·C + c] = Σ g (each when non-null).
template <class T>
__global__ void layer_norm_param_partials(const T* g, const T* x, const T* mean, const T* rstd, std::int64_t rows,
                                          std::int64_t C, std::int64_t chunk, double* pw, double* pb) {
  __shared__ double tile_w[kTileY][kTileX];
  __shared__ double tile_b[kTileY][kTileX];
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * kTileX + tx, part = blockIdx.y;
  const std::int64_t r0 = part * chunk, r1 = r0 + chunk < rows ? r0 + chunk : rows;
  double sw = 0.0, sb = 0.0;
  if (c < C) {
    for (std::int64_t r = r0 + ty; r < r1; r += kTileY) {
      const T gv = g[r * C + c];
      sw += static_cast<double>(gv * ((x[r * C + c] - mean[r]) * rstd[r]));
      sb += static_cast<double>(gv);
    }
  }
  tile_w[ty][tx] = sw;
  tile_b[ty][tx] = sb;
  __syncthreads();
  for (int h = kTileY / 2; h > 0; h /= 2) {
    if (ty < h) {
      tile_w[ty][tx] += tile_w[ty + h][tx];
      tile_b[ty][tx] += tile_b[ty + h][tx];
    }
    __syncthreads();
  }
  if (ty == 0 && c < C) {
    if (pw) pw[part * C + c] = tile_w[0][tx];
    if (pb) pb[part * C + c] = tile_b[0][tx];
  }
}

// Pass 2: out[c] = Σ_parts partial[part·C + c], in part order.
template <class T>
__global__ void sum_parts(const double* partial, std::int64_t parts, std::int64_t C, T* out) {
  for (std::int64_t c = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; c < C;
       c += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    double s = 0.0;
    for (std::int64_t p = 0; p < parts; ++p) s += partial[p * C + c];
    out[c] = static_cast<T>(s);
  }
}

template <class T>
void layer_norm_backward_typed(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Tensor& mean,
                               const Tensor& rstd, std::int64_t rows, std::int64_t C, Tensor& grad_x,
                               Tensor& grad_weight, Tensor& grad_bias) {
  if (C == 0) return;
  cudaStream_t stream = stream_of(x);
  const bool want_w = grad_weight.defined(), want_b = grad_bias.defined();
  if (rows == 0) {  // Σ over no rows
    if (want_w) LINATTN_CUDA_CHECK(cudaMemsetAsync(grad_weight.raw(), 0, grad_weight.nbytes(), stream));
    if (want_b) LINATTN_CUDA_CHECK(cudaMemsetAsync(grad_bias.raw(), 0, grad_bias.nbytes(), stream));
    return;
  }
  if (grad_x.defined())
    for_each_segment(rows, C, 1, stream,
                     LayerNormBackwardX<T>{grad_y.data<T>(), x.data<T>(), data_or_null<T>(weight), mean.data<T>(),
                                           rstd.data<T>(), grad_x.data<T>(), C});
  if (!want_w && !want_b) return;
  const std::int64_t parts = std::clamp<std::int64_t>(ceil_div(rows, kRowsPerPart), 1, kMaxParts);
  const std::int64_t chunk = ceil_div(rows, parts), used = ceil_div(rows, chunk);
  const Options ws{.dtype = DType::F64, .device = x.device()};
  Tensor pw = want_w ? Tensor::empty({used * C}, ws) : Tensor();  // used x C
  Tensor pb = want_b ? Tensor::empty({used * C}, ws) : Tensor();
  const dim3 grid(static_cast<unsigned>(ceil_div(C, kTileX)), static_cast<unsigned>(used));
  layer_norm_param_partials<T><<<grid, dim3(kTileX, kTileY), 0, stream>>>(
      grad_y.data<T>(), x.data<T>(), mean.data<T>(), rstd.data<T>(), rows, C, chunk, mutable_or_null<double>(pw),
      mutable_or_null<double>(pb));
  LINATTN_CUDA_LAUNCH_CHECK();
  if (want_w) {
    sum_parts<T><<<grid_for(C), kBlock, 0, stream>>>(pw.data<double>(), used, C, grad_weight.data<T>());
    LINATTN_CUDA_LAUNCH_CHECK();
  }
  if (want_b) {
    sum_parts<T><<<grid_for(C), kBlock, 0, stream>>>(pb.data<double>(), used, C, grad_bias.data<T>());
    LINATTN_CUDA_LAUNCH_CHECK();
  }
}

}  // namespace

void layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, std::int64_t rows, std::int64_t C,
                        double eps, Tensor& y, Tensor& mean, Tensor& rstd) {
  LINATTN_FLOAT_TYPES(x.dtype(), "layer_norm", [&] {
    if (C == 0) return;
    for_each_segment(rows, C, 1, stream_of(x),
                     LayerNormForward<scalar_t>{x.data<scalar_t>(), data_or_null<scalar_t>(weight),
                                                data_or_null<scalar_t>(bias), y.data<scalar_t>(),
                                                mean.data<scalar_t>(), rstd.data<scalar_t>(), C,
                                                static_cast<scalar_t>(eps)});
  });
}

void layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Tensor& mean,
                         const Tensor& rstd, std::int64_t rows, std::int64_t C, Tensor& grad_x, Tensor& grad_weight,
                         Tensor& grad_bias) {
  LINATTN_FLOAT_TYPES(x.dtype(), "layer_norm_backward", [&] {
    layer_norm_backward_typed<scalar_t>(grad_y, x, weight, mean, rstd, rows, C, grad_x, grad_weight, grad_bias);
  });
}

}  // namespace linattn::cuda
