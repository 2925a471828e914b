// core/cuda/memory.cu — CUDA kernels of core/kernels/memory.h (grid-stride loops).
#include "core/cuda/launch.cuh"
#include "core/kernels/memory.h"
#include "core/philox.h"

namespace linattn::cuda {

namespace {

template <class T>
__global__ void fill_kernel(T* out, std::int64_t n, T value) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    out[i] = value;
}

template <class S, class D>
__global__ void convert_kernel(const S* src, D* dst, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    dst[i] = static_cast<D>(src[i]);
}

template <class T>
__global__ void uniform_kernel(T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset, double lo, double hi) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    auto block = philox::generate(offset + static_cast<std::uint64_t>(i), seed);
    double u = sizeof(T) == 4 ? static_cast<double>(philox::uniform_f32(block)) : philox::uniform_f64(block);
    out[i] = static_cast<T>(lo + (hi - lo) * u);
  }
}

template <class T>
__global__ void normal_kernel(T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset, double mean, double std) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    auto block = philox::generate(offset + static_cast<std::uint64_t>(i), seed);
    out[i] = static_cast<T>(mean + std * philox::normal_f64(block));
  }
}

}  // namespace

void fill(Tensor& out, double value) {
  std::int64_t n = out.numel();
  if (n == 0) return;
  LINATTN_ALL_TYPES(out.dtype(), "fill", [&] {
    fill_kernel<<<grid_for(n), kBlock, 0, stream_of(out)>>>(out.data<scalar_t>(), n, static_cast<scalar_t>(value));
  });
  LINATTN_CUDA_LAUNCH_CHECK();
}

void copy(const Tensor& src, Tensor& out) {
  std::int64_t n = out.numel();
  if (n == 0) return;
  if (src.dtype() == out.dtype()) {
    LINATTN_CUDA_CHECK(cudaMemcpyAsync(out.raw(), src.raw(), src.nbytes(), cudaMemcpyDeviceToDevice, stream_of(out)));
    return;
  }
  LINATTN_ALL_TYPES(src.dtype(), "copy", [&] {
    using src_t = scalar_t;
    LINATTN_ALL_TYPES(out.dtype(), "copy", [&] {
      convert_kernel<<<grid_for(n), kBlock, 0, stream_of(out)>>>(src.data<src_t>(), out.data<scalar_t>(), n);
    });
  });
  LINATTN_CUDA_LAUNCH_CHECK();
}

void fill_uniform(Tensor& out, std::uint64_t seed, std::uint64_t offset, double lo, double hi) {
  std::int64_t n = out.numel();
  if (n == 0) return;
  LINATTN_FLOAT_TYPES(out.dtype(), "uniform", [&] {
    uniform_kernel<<<grid_for(n), kBlock, 0, stream_of(out)>>>(out.data<scalar_t>(), n, seed, offset, lo, hi);
  });
  LINATTN_CUDA_LAUNCH_CHECK();
}

void fill_normal(Tensor& out, std::uint64_t seed, std::uint64_t offset, double mean, double std) {
  std::int64_t n = out.numel();
  if (n == 0) return;
  LINATTN_FLOAT_TYPES(out.dtype(), "normal", [&] {
    normal_kernel<<<grid_for(n), kBlock, 0, stream_of(out)>>>(out.data<scalar_t>(), n, seed, offset, mean, std);
  });
  LINATTN_CUDA_LAUNCH_CHECK();
}

}  // namespace linattn::cuda
