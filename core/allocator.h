// core/allocator.h — the caching allocator behind every tensor's storage, one per device.
//
// Freed blocks are kept in per-size free lists and handed out again, so a training step that
// allocates the same activations every iteration stops paying for malloc/mmap page faults (CPU)
// or cudaMalloc synchronizations (CUDA). Sizes are rounded up to a size class — 512 B steps
// below 64 KiB, then 1/8 of the power of two above them (≤ 12.5% waste) — so similar tensors
// share blocks. Statistics (bytes in use, peak, reserved) feed the run metrics and benchmarks.
// Thread-safe: data-loader workers allocate concurrently with the training thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "core/device.h"

namespace linattn {

struct MemoryStats {
  std::size_t allocated_bytes = 0;       // in live tensors (rounded sizes)
  std::size_t peak_allocated_bytes = 0;  // max of allocated_bytes since the last reset_peak
  std::size_t reserved_bytes = 0;        // allocated + cached, held from the system
  std::size_t peak_reserved_bytes = 0;
  std::uint64_t allocations = 0;         // requests served
  std::uint64_t cache_hits = 0;          // requests served from the cache
};

// The system allocator a CachingAllocator draws from (malloc/free, cudaMalloc/cudaFree).
struct RawAllocator {
  void* (*allocate)(std::size_t bytes);  // throws linattn::Error when out of memory
  void (*release)(void* ptr);
};

class CachingAllocator {
 public:
  explicit CachingAllocator(RawAllocator raw) : raw_(raw) {}
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  void* allocate(std::size_t bytes);  // bytes == 0 gives a valid, unique pointer
  void deallocate(void* ptr);
  void empty_cache();                 // returns every cached block to the system
  MemoryStats stats() const;
  void reset_peak();

  static std::size_t size_class(std::size_t bytes);

 private:
  RawAllocator raw_;
  mutable std::mutex mutex_;
  std::map<void*, std::size_t> live_;                    // ptr -> rounded size
  std::map<std::size_t, std::vector<void*>> free_;       // rounded size -> cached blocks
  MemoryStats stats_;
};

// The allocator for a device (created on first use). CUDA needs the CUDA backend.
CachingAllocator& allocator_for(Device device);

// Convenience wrappers used by benchmarks and the trainer's metrics.
MemoryStats memory_stats(Device device);
void reset_peak_memory(Device device);
void empty_cache(Device device);

}  // namespace linattn
