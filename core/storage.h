// core/storage.h — a block of device memory owned by one or more tensors (via shared_ptr).
//
// The version counter counts in-place writes; autograd records it when a tensor is saved for
// backward and refuses to use the tensor if it has changed since (see autograd.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/device.h"

namespace linattn {

class Storage {
 public:
  Storage(std::size_t nbytes, Device device);  // uninitialized memory from allocator_for(device)
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  std::uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_;
  std::size_t nbytes_;
  Device device_;
  std::uint64_t version_ = 0;
};

}  // namespace linattn
