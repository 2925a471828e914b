// layers/attention/cos2d_options.h — the options of the cosFormer-2D attention (docs/attention.md §3) with
// their defaults, and the registry entry that declares their fields, rules and factory
// (cos2d_options.cpp). A value of 0 for a size means "derive it" as noted.
#pragma once
#include <cstdint>
#include <string>

#include "layers/attention/attention_type.h"

namespace linattn {

struct Cos2dOptions {
  static constexpr const char* type_name = "cos2d";
  std::int64_t heads = 8;
  std::int64_t M = 0;      // 0: max(H, W) + 2; must exceed max(H, W) − 1
  double eps = 1e-5;       // added after ReLU
  bool qkv_bias = false;
  double proj_drop = 0.0;
};

// The registry entry of "cos2d" (one line in registry.cpp registers it).
AttentionType cos2d_attention_type();

}  // namespace linattn
