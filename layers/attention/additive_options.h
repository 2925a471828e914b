// layers/attention/additive_options.h — the options of SwiftFormer's efficient additive attention (docs/attention.md §6) with
// their defaults, and the registry entry that declares their fields, rules and factory
// (additive_options.cpp). A value of 0 for a size means "derive it" as noted.
#pragma once
#include <cstdint>
#include <string>

#include "layers/attention/attention_type.h"

namespace linattn {

struct AdditiveOptions {
  static constexpr const char* type_name = "additive";
  std::int64_t token_dim = 0;  // 0: C
  std::int64_t num_heads = 1;
  std::string alpha_norm = "l2";  // l2 | softmax
};

// The registry entry of "additive" (one line in registry.cpp registers it).
AttentionType additive_attention_type();

}  // namespace linattn
