// core/cuda/runtime.cu — see runtime.h.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <memory>
#include <mutex>
#include <vector>

#include "core/cuda/runtime.h"

namespace linattn::cuda {

void check_cuda(int status, const char* expr, const char* file, int line) {
  if (status == cudaSuccess) return;
  auto err = static_cast<cudaError_t>(status);
  fail(str_cat("CUDA error at ", file, ":", line, ": ", cudaGetErrorString(err), " (", cudaGetErrorName(err),
               ") in ", expr));
}

void check_cublas(int status, const char* expr, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  fail(str_cat("cuBLAS error at ", file, ":", line, ": ", cublasGetStatusString(static_cast<cublasStatus_t>(status)),
               " in ", expr));
}

int device_count() {
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // clear the sticky "no driver / no device" error
      return 0;
    }
    return n;
  }();
  return count;
}

namespace {

int current_index(int index) {
  if (index >= 0) return index;
  int d = 0;
  LINATTN_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

struct DeviceState {
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  std::unique_ptr<CachingAllocator> allocator;
};

void* raw_device_allocate(std::size_t bytes) {
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, bytes);
  if (err != cudaSuccess) {
    cudaGetLastError();
    fail(str_cat("out of GPU memory: could not allocate ", bytes, " bytes (", cudaGetErrorString(err), ")"));
  }
  return p;
}
void raw_device_release(void* p) { cudaFree(p); }

void* raw_pinned_allocate(std::size_t bytes) {
  void* p = nullptr;
  cudaError_t err = cudaHostAlloc(&p, bytes, cudaHostAllocPortable);
  if (err != cudaSuccess) {
    cudaGetLastError();
    fail(str_cat("out of pinned host memory: could not allocate ", bytes, " bytes (", cudaGetErrorString(err), ")"));
  }
  return p;
}
void raw_pinned_release(void* p) { cudaFreeHost(p); }

DeviceState& state(int index) {
  static std::mutex mutex;
  static std::vector<std::unique_ptr<DeviceState>> states;
  std::lock_guard lock(mutex);
  int count = device_count();
  LINATTN_CHECK(count > 0, "no CUDA device is available (cudaGetDeviceCount found none). ---> HINT: run on a "
                "machine with an NVIDIA GPU, or use device: cpu");
  LINATTN_CHECK(index >= 0 && index < count, "CUDA device ", index, " does not exist (", count, " visible)");
  if (states.empty()) states.resize(static_cast<std::size_t>(count));
  auto& s = states[static_cast<std::size_t>(index)];
  if (!s) {
    s = std::make_unique<DeviceState>();
    LINATTN_CUDA_CHECK(cudaSetDevice(index));
    LINATTN_CUDA_CHECK(cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking));
    s->allocator = std::make_unique<CachingAllocator>(RawAllocator{raw_device_allocate, raw_device_release});
  }
  return *s;
}

}  // namespace

void set_device(int index) {
  state(index);
  LINATTN_CUDA_CHECK(cudaSetDevice(index));
}

cudaStream_t current_stream(int index) { return state(current_index(index)).stream; }

cublasHandle_t cublas_handle(int index) {
  DeviceState& s = state(current_index(index));
  if (!s.cublas) {
    LINATTN_CUBLAS_CHECK(cublasCreate(&s.cublas));
    LINATTN_CUBLAS_CHECK(cublasSetStream(s.cublas, s.stream));
  }
  return s.cublas;
}

CachingAllocator& device_allocator(int index) { return *state(index).allocator; }

void synchronize(int index) { LINATTN_CUDA_CHECK(cudaStreamSynchronize(current_stream(index))); }

void copy_between_devices(const Tensor& src, Tensor& dst) {
  LINATTN_CHECK(src.dtype() == dst.dtype() && src.numel() == dst.numel(), "copy_between_devices: ",
                shape_str(src.shape()), " ", dtype_name(src.dtype()), " into ", shape_str(dst.shape()), " ",
                dtype_name(dst.dtype()));
  int index = src.is_cuda() ? src.device().index : dst.device().index;
  cudaStream_t stream = current_stream(index);
  LINATTN_CUDA_CHECK(cudaMemcpyAsync(dst.raw(), src.raw(), src.nbytes(), cudaMemcpyDefault, stream));
  // Host memory is pageable: the copy must finish before the caller touches or frees it.
  if (!src.is_cuda() || !dst.is_cuda()) LINATTN_CUDA_CHECK(cudaStreamSynchronize(stream));
}

CachingAllocator& pinned_host_allocator() {
  // Intentionally leaked, like the CPU allocator: pinned blocks may be released after main().
  static auto* pinned = new CachingAllocator(RawAllocator{raw_pinned_allocate, raw_pinned_release});
  return *pinned;
}

void copy_host_to_device_async(const void* pinned, Tensor& dst) {
  LINATTN_CHECK(dst.is_cuda(), "copy_host_to_device_async: the destination must be a CUDA tensor, got ",
                dst.device().str());
  if (dst.nbytes() == 0) return;
  LINATTN_CUDA_CHECK(cudaMemcpyAsync(dst.raw(), pinned, dst.nbytes(), cudaMemcpyHostToDevice,
                                     current_stream(dst.device().index)));
}

Event::~Event() {
  if (event_) cudaEventDestroy(event_);
}

void Event::record(int index) {
  cudaStream_t stream = current_stream(index);
  if (event_ && device_ != index) {
    cudaEventDestroy(event_);
    event_ = nullptr;
  }
  if (!event_) {
    int previous = 0;
    LINATTN_CUDA_CHECK(cudaGetDevice(&previous));
    LINATTN_CUDA_CHECK(cudaSetDevice(index));
    const cudaError_t err = cudaEventCreateWithFlags(&event_, cudaEventDisableTiming);
    LINATTN_CUDA_CHECK(cudaSetDevice(previous));
    LINATTN_CUDA_CHECK(err);
    device_ = index;
  }
  LINATTN_CUDA_CHECK(cudaEventRecord(event_, stream));
  recorded_ = true;
}

void Event::synchronize() {
  if (recorded_) LINATTN_CUDA_CHECK(cudaEventSynchronize(event_));
}

}  // namespace linattn::cuda
