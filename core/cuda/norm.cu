// core/cuda/norm.cu — CUDA kernels of core/kernels/norm.h: fused batch normalization, forward
// (training statistics + running-statistic update, or evaluation with the running statistics)
// and backward, on x viewed as (B, C, S).
//
// Per-channel statistics: one block per channel; its threads stride over the channel's B·S
// elements (consecutive threads on consecutive positions of a row: coalesced) accumulating in
// double, then a shared-memory tree in a fixed order — deterministic, and within a float32 ulp
// or so of the CPU's serial double sums. Two passes like the CPU (mean, then centered squares),
// so the variance never cancels catastrophically. The running statistics are updated by the
// channel's block with the CPU's formula (unbiased variance q / (n − 1)). Elementwise passes:
// one thread per element.
#include <cmath>

#include "core/cuda/launch.cuh"
#include "core/kernels/norm.h"

namespace linattn::cuda {

namespace {

#define NORM_GRID_STRIDE(i, n)                                                                       \
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < (n);   \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// Σ v over the block (kBlock threads), the same tree every call; every thread gets the result.
// `scratch` holds kBlock doubles; the block must not be using it.
__device__ double block_sum(double v, double* scratch) {
  scratch[threadIdx.x] = v;
  __syncthreads();
  for (int h = kBlock / 2; h > 0; h /= 2) {
    if (static_cast<int>(threadIdx.x) < h) scratch[threadIdx.x] += scratch[threadIdx.x + h];
    __syncthreads();
  }
  const double total = scratch[0];
  __syncthreads();  // everyone has read slot 0 before the next call overwrites it
  return total;
}

// Offset of the q-th element (q in [0, B·S)) of channel c.
__device__ __forceinline__ std::int64_t at(const BatchNormGeometry& g, std::int64_t c, std::int64_t q) {
  return ((q / g.S) * g.C + c) * g.S + q % g.S;
}

template <class T>
__global__ void train_stats_kernel(BatchNormGeometry g, const T* x, T* rmean, T* rvar, double momentum, double eps,
                                   T* smean, T* sinvstd) {
  __shared__ double scratch[kBlock];
  const std::int64_t n = g.B * g.S;
  for (std::int64_t c = blockIdx.x; c < g.C; c += gridDim.x) {
    double s = 0;
    for (std::int64_t q = threadIdx.x; q < n; q += blockDim.x) s += static_cast<double>(x[at(g, c, q)]);
    const double mean = block_sum(s, scratch) / static_cast<double>(n);
    double sq = 0;
    for (std::int64_t q = threadIdx.x; q < n; q += blockDim.x) {
      const double d = static_cast<double>(x[at(g, c, q)]) - mean;
      sq += d * d;
    }
    const double q2 = block_sum(sq, scratch);
    if (threadIdx.x == 0) {
      const double var = q2 / static_cast<double>(n);
      if (rmean) rmean[c] = static_cast<T>((1 - momentum) * static_cast<double>(rmean[c]) + momentum * mean);
      if (rvar)
        rvar[c] = static_cast<T>((1 - momentum) * static_cast<double>(rvar[c]) + momentum * q2 / static_cast<double>(n - 1));
      smean[c] = static_cast<T>(mean);
      sinvstd[c] = static_cast<T>(1.0 / sqrt(var + eps));
    }
  }
}

template <class T>
__global__ void eval_stats_kernel(std::int64_t C, const T* rmean, const T* rvar, double eps, T* smean, T* sinvstd) {
  NORM_GRID_STRIDE(c, C) {
    smean[c] = rmean[c];
    sinvstd[c] = static_cast<T>(1.0 / sqrt(static_cast<double>(rvar[c]) + eps));
  }
}

// out = x·scale + shift, scale = invstd·w, shift = b − mean·scale (per channel).
template <class T>
__global__ void apply_kernel(BatchNormGeometry g, const T* x, const T* w, const T* bias, const T* smean,
                             const T* sinvstd, T* out) {
  NORM_GRID_STRIDE(e, g.B * g.C * g.S) {
    const std::int64_t c = (e / g.S) % g.C;
    const T scale = sinvstd[c] * (w ? w[c] : T(1));
    const T shift = (bias ? bias[c] : T(0)) - smean[c] * scale;
    out[e] = x[e] * scale + shift;
  }
}

// Per channel: Σ gy and Σ gy·x̂ (x̂ = (x − mean)·invstd) in double, into the workspaces and,
// where wanted, grad_bias / grad_weight.
template <class T>
__global__ void grad_sums_kernel(BatchNormGeometry g, const T* gy, const T* x, const T* smean, const T* sinvstd,
                                 double* sum_gy, double* sum_gy_xhat, T* gw, T* gb) {
  __shared__ double scratch[kBlock];
  const std::int64_t n = g.B * g.S;
  for (std::int64_t c = blockIdx.x; c < g.C; c += gridDim.x) {
    const double m = static_cast<double>(smean[c]);
    double s = 0, sx = 0;
    for (std::int64_t q = threadIdx.x; q < n; q += blockDim.x) {
      const std::int64_t off = at(g, c, q);
      const double d = static_cast<double>(gy[off]);
      s += d;
      sx += d * (static_cast<double>(x[off]) - m);
    }
    s = block_sum(s, scratch);
    sx = block_sum(sx, scratch) * static_cast<double>(sinvstd[c]);
    if (threadIdx.x == 0) {
      sum_gy[c] = s;
      sum_gy_xhat[c] = sx;
      if (gw) gw[c] = static_cast<T>(sx);
      if (gb) gb[c] = static_cast<T>(s);
    }
  }
}

// training: gx = k·(gy − mean(gy) − x̂·mean(gy·x̂)); otherwise gx = k·gy; k = invstd·w.
template <class T>
__global__ void grad_x_kernel(BatchNormGeometry g, const T* gy, const T* x, const T* w, const T* smean,
                              const T* sinvstd, const double* sum_gy, const double* sum_gy_xhat, bool training, T* gx) {
  const double n = static_cast<double>(g.B * g.S);
  NORM_GRID_STRIDE(e, g.B * g.C * g.S) {
    const std::int64_t c = (e / g.S) % g.C;
    const T k = sinvstd[c] * (w ? w[c] : T(1));
    if (!training) {
      gx[e] = gy[e] * k;
      continue;
    }
    const T mean_gy = static_cast<T>(sum_gy[c] / n), mean_gy_xhat = static_cast<T>(sum_gy_xhat[c] / n);
    const T xhat = (x[e] - smean[c]) * sinvstd[c];
    gx[e] = k * (gy[e] - mean_gy - xhat * mean_gy_xhat);
  }
}

#undef NORM_GRID_STRIDE

template <class T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

unsigned channel_blocks(std::int64_t C) { return grid_for(C * kBlock); }  // one block per channel (capped)

template <class T>
void forward_typed(const BatchNormGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const Tensor& running_mean, const Tensor& running_var, bool training, double momentum, double eps,
                   Tensor& out, Tensor& save_mean, Tensor& save_invstd) {
  if (g.C == 0) return;
  cudaStream_t stream = stream_of(out);
  T* smean = save_mean.data<T>();
  T* sinvstd = save_invstd.data<T>();
  if (training) {
    train_stats_kernel<<<channel_blocks(g.C), kBlock, 0, stream>>>(g, x.data<T>(), data_or_null<T>(running_mean),
                                                                   data_or_null<T>(running_var), momentum, eps, smean,
                                                                   sinvstd);
  } else {
    eval_stats_kernel<<<grid_for(g.C), kBlock, 0, stream>>>(g.C, running_mean.data<T>(), running_var.data<T>(), eps,
                                                            smean, sinvstd);
  }
  LINATTN_CUDA_LAUNCH_CHECK();
  if (out.numel() == 0) return;
  apply_kernel<<<grid_for(out.numel()), kBlock, 0, stream>>>(g, x.data<T>(), data_or_null<T>(weight),
                                                             data_or_null<T>(bias), smean, sinvstd, out.data<T>());
  LINATTN_CUDA_LAUNCH_CHECK();
}

template <class T>
void backward_typed(const BatchNormGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                    const Tensor& save_mean, const Tensor& save_invstd, bool training, Tensor& grad_x,
                    Tensor& grad_weight, Tensor& grad_bias) {
  if (g.C == 0) return;
  cudaStream_t stream = stream_of(grad_out);
  const bool need_sums = grad_weight.defined() || grad_bias.defined() || (grad_x.defined() && training);
  Tensor sums;  // (2, C) double: Σ gy, Σ gy·x̂
  if (need_sums) {
    sums = Tensor::empty({2, g.C}, {.dtype = DType::F64, .device = grad_out.device()});
    grad_sums_kernel<<<channel_blocks(g.C), kBlock, 0, stream>>>(
        g, grad_out.data<T>(), x.data<T>(), save_mean.data<T>(), save_invstd.data<T>(), sums.data<double>(),
        sums.data<double>() + g.C, data_or_null<T>(grad_weight), data_or_null<T>(grad_bias));
    LINATTN_CUDA_LAUNCH_CHECK();
  }
  if (!grad_x.defined() || grad_x.numel() == 0) return;
  grad_x_kernel<<<grid_for(grad_x.numel()), kBlock, 0, stream>>>(
      g, grad_out.data<T>(), x.data<T>(), data_or_null<T>(weight), save_mean.data<T>(), save_invstd.data<T>(),
      need_sums ? sums.data<double>() : nullptr, need_sums ? sums.data<double>() + g.C : nullptr, training,
      grad_x.data<T>());
  LINATTN_CUDA_LAUNCH_CHECK();
}

}  // namespace

void batch_norm_forward(const BatchNormGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const Tensor& running_mean, const Tensor& running_var, bool training, double momentum,
                        double eps, Tensor& out, Tensor& save_mean, Tensor& save_invstd) {
  LINATTN_FLOAT_TYPES(x.dtype(), "batch_norm", [&] {
    forward_typed<scalar_t>(g, x, weight, bias, running_mean, running_var, training, momentum, eps, out, save_mean,
                            save_invstd);
  });
}

void batch_norm_backward(const BatchNormGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                         const Tensor& save_mean, const Tensor& save_invstd, bool training, Tensor& grad_x,
                         Tensor& grad_weight, Tensor& grad_bias) {
  LINATTN_FLOAT_TYPES(grad_out.dtype(), "batch_norm backward", [&] {
    backward_typed<scalar_t>(g, grad_out, x, weight, save_mean, save_invstd, training, grad_x, grad_weight,
                             grad_bias);
  });
}

}  // namespace linattn::cuda
