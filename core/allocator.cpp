// core/allocator.cpp — see allocator.h. The CPU raw allocator is 64-byte aligned malloc; the
// CUDA one lives in core/cuda/runtime.cu.
#include "core/allocator.h"

#include <bit>
#include <cstdlib>
#include <memory>

#include "core/error.h"
#if LINATTN_HAS_CUDA
#include "core/cuda/runtime.h"
#endif

namespace linattn {

namespace {
constexpr std::size_t kAlignment = 64;  // cache line; also enough for AVX-512 loads

void* cpu_raw_allocate(std::size_t bytes) {
  void* p = std::aligned_alloc(kAlignment, bytes);
  LINATTN_CHECK(p != nullptr, "out of CPU memory: could not allocate ", bytes, " bytes");
  return p;
}
void cpu_raw_release(void* p) { std::free(p); }
}  // namespace

std::size_t CachingAllocator::size_class(std::size_t bytes) {
  constexpr std::size_t kSmallStep = 512, kSmallLimit = 64 * 1024;
  if (bytes <= kSmallLimit) return std::max<std::size_t>(kSmallStep, (bytes + kSmallStep - 1) / kSmallStep * kSmallStep);
  std::size_t pow2 = std::bit_floor(bytes);
  std::size_t step = pow2 / 8;
  return (bytes + step - 1) / step * step;
}

CachingAllocator::~CachingAllocator() {
  // Live blocks at exit belong to static tensors being destroyed after us; leave them.
  empty_cache();
}

void* CachingAllocator::allocate(std::size_t bytes) {
  std::size_t size = size_class(bytes);
  std::lock_guard lock(mutex_);
  void* ptr = nullptr;
  auto it = free_.find(size);
  if (it != free_.end() && !it->second.empty()) {
    ptr = it->second.back();
    it->second.pop_back();
    ++stats_.cache_hits;
  } else {
    try {
      ptr = raw_.allocate(size);
    } catch (const Error&) {
      // Out of memory: give the cache back to the system and try once more.
      for (auto& [s, blocks] : free_)
        for (void* b : blocks) { raw_.release(b); stats_.reserved_bytes -= s; }
      free_.clear();
      ptr = raw_.allocate(size);
    }
    stats_.reserved_bytes += size;
    stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  }
  live_.emplace(ptr, size);
  ++stats_.allocations;
  stats_.allocated_bytes += size;
  stats_.peak_allocated_bytes = std::max(stats_.peak_allocated_bytes, stats_.allocated_bytes);
  return ptr;
}

void CachingAllocator::deallocate(void* ptr) {
  if (!ptr) return;
  std::lock_guard lock(mutex_);
  auto it = live_.find(ptr);
  LINATTN_CHECK(it != live_.end(), "internal error: freeing a pointer this allocator does not own");
  std::size_t size = it->second;
  live_.erase(it);
  stats_.allocated_bytes -= size;
  free_[size].push_back(ptr);
}

void CachingAllocator::empty_cache() {
  std::lock_guard lock(mutex_);
  for (auto& [size, blocks] : free_)
    for (void* b : blocks) {
      raw_.release(b);
      stats_.reserved_bytes -= size;
    }
  free_.clear();
}

MemoryStats CachingAllocator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void CachingAllocator::reset_peak() {
  std::lock_guard lock(mutex_);
  stats_.peak_allocated_bytes = stats_.allocated_bytes;
  stats_.peak_reserved_bytes = stats_.reserved_bytes;
}

CachingAllocator& allocator_for(Device device) {
  if (device.is_cpu()) {
    // Intentionally leaked: tensors in static storage may be freed after main() returns.
    static auto* cpu = new CachingAllocator({cpu_raw_allocate, cpu_raw_release});
    return *cpu;
  }
#if LINATTN_HAS_CUDA
  return cuda::device_allocator(device.index);
#else
  fail(str_cat("cannot allocate on ", device.str(), ": this build of linattn has no CUDA backend "
               "(configure with nvcc available, or LINATTN_CUDA=ON)"));
#endif
}

MemoryStats memory_stats(Device device) { return allocator_for(device).stats(); }
void reset_peak_memory(Device device) { allocator_for(device).reset_peak(); }
void empty_cache(Device device) { allocator_for(device).empty_cache(); }

}  // namespace linattn
