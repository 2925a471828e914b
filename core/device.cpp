// core/device.cpp — device names and CUDA availability (see device.h).
#include "core/device.h"

#include <charconv>

#include "core/error.h"
#if LINATTN_HAS_CUDA
#include "core/cuda/runtime.h"
#endif

namespace linattn {

Device Device::parse(std::string_view text) {
  if (text == "cpu") return cpu();
  if (text == "cuda") return cuda(0);
  if (text.starts_with("cuda:")) {
    int index = -1;
    auto digits = text.substr(5);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec == std::errc() && end == digits.data() + digits.size() && index >= 0) return cuda(index);
  }
  fail(str_cat("unknown device '", text, "' (valid: cpu, cuda, cuda:N)"));
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

int cuda_device_count() {
#if LINATTN_HAS_CUDA
  return cuda::device_count();
#else
  return 0;
#endif
}

bool cuda_available() { return cuda_device_count() > 0; }

}  // namespace linattn
