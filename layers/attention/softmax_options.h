// layers/attention/softmax_options.h — the options of softmax multi-head attention (docs/attention.md §1) with
// their defaults, and the registry entry that declares their fields, rules and factory
// (softmax_options.cpp). A value of 0 for a size means "derive it" as noted.
#pragma once
#include <cstdint>
#include <string>

#include "layers/attention/attention_type.h"

namespace linattn {

struct SoftmaxOptions {
  static constexpr const char* type_name = "softmax";
  std::int64_t heads = 8;
  bool qkv_bias = true;
  double attn_drop = 0.0, proj_drop = 0.0;
};

// The registry entry of "softmax" (one line in registry.cpp registers it).
AttentionType softmax_attention_type();

}  // namespace linattn
