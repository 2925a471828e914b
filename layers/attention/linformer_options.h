// layers/attention/linformer_options.h — the options of Linformer attention (docs/attention.md §5) with
// their defaults, and the registry entry that declares their fields, rules and factory
// (linformer_options.cpp). A value of 0 for a size means "derive it" as noted.
#pragma once
#include <cstdint>
#include <string>

#include "layers/attention/attention_type.h"

namespace linattn {

struct LinformerOptions {
  static constexpr const char* type_name = "linformer";
  std::int64_t heads = 8;
  std::int64_t seq_len = 0;  // 0: the grid's H·W (N); N ≤ seq_len is required
  std::int64_t proj_k = 0;   // 0: min(128, seq_len / 2)
  std::string sharing = "none";  // none | kv
  double dropout = 0.0;
  bool emulate_public_layout_bug = false;  // §5.4: only for cross-checking the public code
};

// The registry entry of "linformer" (one line in registry.cpp registers it).
AttentionType linformer_attention_type();

}  // namespace linattn
