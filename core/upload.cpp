// core/upload.cpp — see upload.h.
#include "core/upload.h"

#include <cstring>
#include <vector>

#include "core/allocator.h"
#include "core/error.h"
#if LINATTN_HAS_CUDA
#include "core/cuda/runtime.h"
#endif

namespace linattn {

void synchronize(Device device) {
  if (device.is_cpu()) return;
#if LINATTN_HAS_CUDA
  cuda::synchronize(device.index);
#else
  fail(str_cat("cannot synchronize ", device.str(), ": this build of linattn has no CUDA backend"));
#endif
}

#if LINATTN_HAS_CUDA
struct DeviceUploader::Staging {
  struct Slot {
    void* buffer = nullptr;  // from cuda::pinned_host_allocator()
    std::size_t bytes = 0;
    cuda::Event done;        // recorded after the copy out of `buffer`
  };
  std::vector<Slot> slots;
  std::size_t next = 0;

  explicit Staging(int n) : slots(static_cast<std::size_t>(n)) {}
  ~Staging() {
    for (Slot& s : slots) {
      if (!s.buffer) continue;
      try {
        s.done.synchronize();  // never free a buffer a queued copy still reads
      } catch (...) {
      }
      cuda::pinned_host_allocator().deallocate(s.buffer);
    }
  }
};
#else
struct DeviceUploader::Staging {};
#endif

DeviceUploader::DeviceUploader(Device device, int slots) : device_(device) {
  LINATTN_CHECK(slots >= 1, "DeviceUploader: needs at least one staging slot, got ", slots);
  if (device.is_cpu()) return;
#if LINATTN_HAS_CUDA
  LINATTN_CHECK(device.index < cuda_device_count(), "cannot upload to ", device.str(), ": ", cuda_device_count(),
                " CUDA device(s) visible ---> HINT: use device: cpu, or a device that exists");
  staging_ = std::make_unique<Staging>(slots);
#else
  fail(str_cat("cannot upload to ", device.str(), ": this build of linattn has no CUDA backend ---> HINT: use device: cpu"));
#endif
}

DeviceUploader::~DeviceUploader() = default;

Tensor DeviceUploader::upload(const Tensor& host) {
  if (!host.defined() || device_.is_cpu()) return host;
  LINATTN_CHECK(host.device().is_cpu(), "DeviceUploader::upload: expected a host tensor, got one on ",
                host.device().str());
#if LINATTN_HAS_CUDA
  Tensor out = Tensor::empty(host.shape(), {.dtype = host.dtype(), .device = device_});
  const std::size_t bytes = host.nbytes();
  if (bytes == 0) return out;
  Staging::Slot& slot = staging_->slots[staging_->next];
  staging_->next = (staging_->next + 1) % staging_->slots.size();
  slot.done.synchronize();  // the copy that last read this buffer has finished
  if (slot.bytes < bytes) {
    if (slot.buffer) cuda::pinned_host_allocator().deallocate(slot.buffer);
    slot.buffer = nullptr;
    slot.buffer = cuda::pinned_host_allocator().allocate(bytes);
    slot.bytes = bytes;
  }
  std::memcpy(slot.buffer, host.raw(), bytes);
  cuda::copy_host_to_device_async(slot.buffer, out);
  slot.done.record(device_.index);
  return out;
#else
  fail("DeviceUploader: no CUDA backend in this build");
#endif
}

}  // namespace linattn
