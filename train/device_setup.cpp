// train/device_setup.cpp — see device_setup.h.
#include "train/device_setup.h"

#include "core/cuda_options.h"
#include "core/error.h"

namespace linattn {

void check_device(Device device) {
  if (device.is_cpu()) return;
  const int count = cuda_device_count();
  LINATTN_CHECK(LINATTN_HAS_CUDA, "device: '", device.str(),
                "' was asked for, but this linattn was built without CUDA ---> HINT: --set device=cpu, or "
                "rebuild with -DLINATTN_CUDA=ON on a machine with nvcc");
  LINATTN_CHECK(count > 0, "device: '", device.str(),
                "' was asked for, but no CUDA device is visible ---> HINT: --set device=cpu");
  LINATTN_CHECK(device.index < count, "device: '", device.str(), "' was asked for, but only ", count,
                " CUDA device(s) are visible (cuda:0 .. cuda:", count - 1, ") ---> HINT: --set device=cuda:0");
}

void apply_device_config(const ExperimentConfig& config) {
  check_device(config.device);
  set_allow_tf32(config.train.tf32);
}

}  // namespace linattn
