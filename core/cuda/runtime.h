// core/cuda/runtime.h — the CUDA device runtime: error checks, one stream per device, the
// per-device caching allocator, the pinned (page-locked) host allocator, host<->device copies
// (synchronous, and asynchronous from pinned memory), stream events, and the cuBLAS handle.
// Included only in CUDA builds (LINATTN_HAS_CUDA). Kernel launches go to current_stream().
#pragma once
#include <cstddef>

#include "core/allocator.h"
#include "core/tensor.h"

typedef struct CUstream_st* cudaStream_t;
typedef struct cublasContext* cublasHandle_t;
typedef struct CUevent_st* cudaEvent_t;

namespace linattn::cuda {

int device_count();                        // 0 when no device or no driver (never throws)
void set_device(int index);                // errors name the index and the device count
cudaStream_t current_stream(int index = -1);  // the device's stream (-1: current device)
cublasHandle_t cublas_handle(int index = -1);
CachingAllocator& device_allocator(int index);
void synchronize(int index = -1);

// dst = src where at least one side is on a CUDA device; same dtype and numel.
void copy_between_devices(const Tensor& src, Tensor& dst);

// Page-locked host memory (cudaHostAlloc, portable to every device), cached like device memory;
// its bytes count in neither the CPU's nor a device's statistics. Staging buffers for
// asynchronous host -> device copies (core/upload.h).
CachingAllocator& pinned_host_allocator();

// Queues dst (a CUDA tensor) = dst.nbytes() bytes from `pinned` on dst's device stream and
// returns at once: the caller keeps `pinned` alive and untouched until an Event recorded after
// this call has completed. `pinned` must come from pinned_host_allocator().
void copy_host_to_device_async(const void* pinned, Tensor& dst);

// A marker in a device's stream: record() places it after the work queued so far;
// synchronize() blocks the host until that work has finished (at once if never recorded).
class Event {
 public:
  Event() = default;
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void record(int index);
  void synchronize();
  bool recorded() const { return recorded_; }

 private:
  cudaEvent_t event_ = nullptr;
  int device_ = -1;
  bool recorded_ = false;
};

// Throws linattn::Error with file:line and the CUDA/cuBLAS error string.
void check_cuda(int status, const char* expr, const char* file, int line);
void check_cublas(int status, const char* expr, const char* file, int line);

}  // namespace linattn::cuda

#define LINATTN_CUDA_CHECK(expr) ::linattn::cuda::check_cuda(static_cast<int>(expr), #expr, __FILE__, __LINE__)
#define LINATTN_CUBLAS_CHECK(expr) ::linattn::cuda::check_cublas(static_cast<int>(expr), #expr, __FILE__, __LINE__)
