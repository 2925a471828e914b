// core/cuda/optim.cu — CUDA kernels of core/kernels/optim.h: fused in-place AdamW and SGD
// updates, one thread per element (grid-stride loops), so results never depend on the launch.
//
// The update is the CPU's (core/cpu/optim.cpp) term for term, in the same order, with the same
// scalars (worked out on the host in double, then cast to the parameter's dtype). / and sqrt are
// IEEE-exact on both sides; the two compilers may fuse different a·b + c into FMAs, so a step
// can differ from the CPU's in the last bit (tests/cuda/test_optim.cpp).
#include "core/cuda/launch.cuh"
#include "core/kernels/optim.h"

namespace linattn::cuda {

namespace {

__device__ __forceinline__ float root(float a) { return sqrtf(a); }
__device__ __forceinline__ double root(double a) { return sqrt(a); }

template <class T>
struct AdamWArgs {
  T decay, b1, one_minus_b1, b2, one_minus_b2, bc2_sqrt, eps, neg_step;
};

//   p ← p·decay;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  p ← p − step·m / (√v / bc2 + eps)
template <class T>
__global__ void adamw_kernel(T* p, const T* g, T* m, T* v, std::int64_t n, AdamWArgs<T> a) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const T gi = g[i];
    const T pi = p[i] * a.decay;
    const T mi = m[i] * a.b1 + gi * a.one_minus_b1;
    const T vi = v[i] * a.b2 + a.one_minus_b2 * gi * gi;
    const T denom = root(vi) / a.bc2_sqrt + a.eps;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + a.neg_step * mi / denom;
  }
}

// d ← g (+ wd·p); with a buffer: buf ← first ? d : μ·buf + (1 − dampening)·d, d ← nesterov ? d + μ·buf
// : buf; then p ← p − lr·d. buf is null without momentum.
template <class T>
__global__ void sgd_kernel(T* p, const T* g, T* buf, std::int64_t n, T wd, T mu, T one_minus_damp, T neg_lr,
                           bool decay, bool first, bool nesterov) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    T d = decay ? g[i] + wd * p[i] : g[i];
    if (buf) {
      const T b = first ? d : buf[i] * mu + one_minus_damp * d;
      buf[i] = b;
      d = nesterov ? d + mu * b : b;
    }
    p[i] = p[i] + neg_lr * d;
  }
}

template <class T>
void adamw_typed(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, const AdamWScalars& s) {
  const std::int64_t n = param.numel();
  if (n == 0) return;
  const AdamWArgs<T> a{static_cast<T>(1.0 - s.lr * s.weight_decay),
                       static_cast<T>(s.beta1),
                       static_cast<T>(1.0 - s.beta1),
                       static_cast<T>(s.beta2),
                       static_cast<T>(1.0 - s.beta2),
                       static_cast<T>(s.bias_correction2_sqrt),
                       static_cast<T>(s.eps),
                       static_cast<T>(-s.step_size)};
  adamw_kernel<T><<<grid_for(n), kBlock, 0, stream_of(param)>>>(param.data<T>(), grad.data<T>(), exp_avg.data<T>(),
                                                               exp_avg_sq.data<T>(), n, a);
  LINATTN_CUDA_LAUNCH_CHECK();
}

template <class T>
void sgd_typed(Tensor& param, const Tensor& grad, Tensor& buffer, const SgdScalars& s) {
  const std::int64_t n = param.numel();
  if (n == 0) return;
  T* buf = s.momentum != 0.0 ? buffer.data<T>() : nullptr;
  sgd_kernel<T><<<grid_for(n), kBlock, 0, stream_of(param)>>>(
      param.data<T>(), grad.data<T>(), buf, n, static_cast<T>(s.weight_decay), static_cast<T>(s.momentum),
      static_cast<T>(1.0 - s.dampening), static_cast<T>(-s.lr), s.weight_decay != 0.0, s.first_step, s.nesterov);
  LINATTN_CUDA_LAUNCH_CHECK();
}

}  // namespace

void adamw_step(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, const AdamWScalars& s) {
  LINATTN_FLOAT_TYPES(param.dtype(), "adamw_step", [&] { adamw_typed<scalar_t>(param, grad, exp_avg, exp_avg_sq, s); });
}

void sgd_step(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, const SgdScalars& s) {
  LINATTN_FLOAT_TYPES(param.dtype(), "sgd_step", [&] { sgd_typed<scalar_t>(param, grad, momentum_buffer, s); });
}

}  // namespace linattn::cuda
