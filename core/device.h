// core/device.h — where a tensor lives: the CPU, or CUDA device N ("cuda:N").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace linattn {

enum class DeviceType : std::uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static Device cpu() { return {DeviceType::CPU, 0}; }
  static Device cuda(int i = 0) { return {DeviceType::CUDA, i}; }
  static Device parse(std::string_view text);  // "cpu", "cuda", "cuda:1"; error otherwise

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const;  // "cpu" or "cuda:N"
  bool operator==(const Device&) const = default;
};

// True when this build has the CUDA backend and at least one device is visible.
bool cuda_available();
int cuda_device_count();  // 0 without the backend or without a device

}  // namespace linattn
