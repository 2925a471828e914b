// layers/attention/options.h — the typed options of the six attention layers, with the
// defaults of docs/attention.md, and their parsing from key=value strings (the CLI's --set and
// the YAML config's model.attention block). A value of 0 for a size means "derive it" as noted.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace linattn {

struct SoftmaxOptions {  // §1
  std::int64_t heads = 8;
  bool qkv_bias = true;
  double attn_drop = 0.0, proj_drop = 0.0;
};

struct Cos2dOptions {  // §3
  std::int64_t heads = 8;
  std::int64_t M = 0;      // 0: max(H, W) + 2; must exceed max(H, W) − 1
  double eps = 1e-5;       // added after ReLU
  bool qkv_bias = false;
  double proj_drop = 0.0;
};

struct ExternalOptions {  // §4.2
  std::int64_t heads = 8;
  std::int64_t coef = 4;
  std::int64_t S = 64;     // memory slots
  double attn_drop = 0.0, proj_drop = 0.0;
};

struct LinformerOptions {  // §5
  std::int64_t heads = 8;
  std::int64_t seq_len = 0;  // 0: the grid's H·W (N); N ≤ seq_len is required
  std::int64_t proj_k = 0;   // 0: min(128, seq_len / 2)
  std::string sharing = "none";  // none | kv
  double dropout = 0.0;
  bool emulate_public_layout_bug = false;  // §5.4: only for cross-checking the public code
};

struct AdditiveOptions {  // §6
  std::int64_t token_dim = 0;  // 0: C
  std::int64_t num_heads = 1;
  std::string alpha_norm = "l2";  // l2 | softmax
};

struct EfficientOptions {  // §7
  std::int64_t heads = 8;
  std::int64_t key_channels = 0, value_channels = 0;  // 0: C
  std::string norm = "softmax";  // softmax | scaling | identity (ρ_q, ρ_k of §7.2)
  bool residual = false;  // the ViT slot has it off; the 2-D wrapper keeps it
};

using AttentionOptions =
    std::variant<SoftmaxOptions, Cos2dOptions, ExternalOptions, LinformerOptions, AdditiveOptions, EfficientOptions>;

// The registry keys, in the order of docs/attention.md.
const std::vector<std::string>& attention_types();

// Options of `type` with the defaults of docs/attention.md, then each key=value applied. An
// unknown type lists the valid ones; an unknown key lists the keys of that type; a bad value
// names key and type.
AttentionOptions parse_attention_options(const std::string& type, const std::map<std::string, std::string>& values);

// The keys one type accepts (for help texts and config validation).
std::vector<std::string> attention_option_keys(const std::string& type);

std::string attention_type_of(const AttentionOptions& options);

}  // namespace linattn
