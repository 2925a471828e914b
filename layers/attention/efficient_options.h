// layers/attention/efficient_options.h — the options of efficient attention (docs/attention.md §7) with
// their defaults, and the registry entry that declares their fields, rules and factory
// (efficient_options.cpp). A value of 0 for a size means "derive it" as noted.
#pragma once
#include <cstdint>
#include <string>

#include "layers/attention/attention_type.h"

namespace linattn {

struct EfficientOptions {
  static constexpr const char* type_name = "efficient";
  std::int64_t heads = 8;
  std::int64_t key_channels = 0, value_channels = 0;  // 0: C
  std::string norm = "softmax";  // softmax | scaling | identity (ρ_q, ρ_k of §7.2)
  bool residual = false;  // the ViT slot has it off; the 2-D wrapper keeps it
};

// The registry entry of "efficient" (one line in registry.cpp registers it).
AttentionType efficient_attention_type();

}  // namespace linattn
