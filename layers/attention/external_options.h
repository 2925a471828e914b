// layers/attention/external_options.h — the options of multi-head external attention (docs/attention.md §4.2) with
// their defaults, and the registry entry that declares their fields, rules and factory
// (external_options.cpp). A value of 0 for a size means "derive it" as noted.
#pragma once
#include <cstdint>
#include <string>

#include "layers/attention/attention_type.h"

namespace linattn {

struct ExternalOptions {
  static constexpr const char* type_name = "external";
  std::int64_t heads = 8;
  std::int64_t coef = 4;
  std::int64_t S = 64;     // memory slots
  double attn_drop = 0.0, proj_drop = 0.0;
};

// The registry entry of "external" (one line in registry.cpp registers it).
AttentionType external_attention_type();

}  // namespace linattn
