// core/upload.h — host/device ordering for training loops: DeviceUploader moves host tensors (a
// training batch) to a device without waiting for the device, and synchronize(device) waits for
// it. Used by the trainer, the evaluation loop (train/) and `linattn bench`.
//
// On CUDA, upload(host) copies the host tensor into a page-locked staging buffer (one of a ring
// of `slots`, from cuda::pinned_host_allocator()), queues an asynchronous copy from there into a
// new device tensor on the device's stream, records an event and returns: the host goes on (to
// the next batch, built ahead by the DataLoader's workers) while the device is still busy with
// the previous step. The copy runs on the compute stream itself, in order after the previous
// step's kernels, so the caching allocator's one-stream ordering stays valid (a second copy
// stream would need the allocator to track cross-stream uses) — for a CIFAR batch it is ~1.5 MB,
// a few microseconds on the bus. A slot is reused only after its event has completed, so the
// host runs at most `slots` uploads ahead of the device.
// On the CPU, upload(host) returns `host` itself (no copy).
//
// Invariants: the returned tensor has the host tensor's shape, dtype and values, no autograd
// history (requires_grad false), and is ready for any kernel queued after the call on the
// device's stream. Not thread-safe: one uploader per consuming thread.
#pragma once
#include <memory>

#include "core/tensor.h"

namespace linattn {

// Blocks until the work queued on `device` has finished: a no-op on the CPU (its kernels return
// when done), the device stream's cudaStreamSynchronize on CUDA. Timers call it before reading
// the clock.
void synchronize(Device device);

class DeviceUploader {
 public:
  explicit DeviceUploader(Device device, int slots = 8);
  ~DeviceUploader();
  DeviceUploader(const DeviceUploader&) = delete;
  DeviceUploader& operator=(const DeviceUploader&) = delete;

  Device device() const { return device_; }
  // `host` (a CPU tensor, any dtype) on the device; undefined stays undefined.
  Tensor upload(const Tensor& host);

 private:
  struct Staging;  // the ring of pinned buffers and their events (CUDA builds)
  Device device_;
  std::unique_ptr<Staging> staging_;
};

}  // namespace linattn
