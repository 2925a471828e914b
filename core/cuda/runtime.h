// core/cuda/runtime.h — the CUDA device runtime: error checks, one stream per device, the
// per-device caching allocator, host<->device copies, and the cuBLAS handle.
// Included only in CUDA builds (LINATTN_HAS_CUDA). Kernel launches go to current_stream().
#pragma once
#include <cstddef>

#include "core/allocator.h"
#include "core/tensor.h"

typedef struct CUstream_st* cudaStream_t;
typedef struct cublasContext* cublasHandle_t;

namespace linattn::cuda {

int device_count();                        // 0 when no device or no driver (never throws)
void set_device(int index);                // errors name the index and the device count
cudaStream_t current_stream(int index = -1);  // the device's stream (-1: current device)
cublasHandle_t cublas_handle(int index = -1);
CachingAllocator& device_allocator(int index);
void synchronize(int index = -1);

// dst = src where at least one side is on a CUDA device; same dtype and numel.
void copy_between_devices(const Tensor& src, Tensor& dst);

// Throws linattn::Error with file:line and the CUDA/cuBLAS error string.
void check_cuda(int status, const char* expr, const char* file, int line);
void check_cublas(int status, const char* expr, const char* file, int line);

}  // namespace linattn::cuda

#define LINATTN_CUDA_CHECK(expr) ::linattn::cuda::check_cuda(static_cast<int>(expr), #expr, __FILE__, __LINE__)
#define LINATTN_CUBLAS_CHECK(expr) ::linattn::cuda::check_cublas(static_cast<int>(expr), #expr, __FILE__, __LINE__)
