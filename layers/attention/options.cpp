// layers/attention/options.cpp — see options.h. Each option type lists its fields once, as
// (key, member) bindings; parsing and key listing both read that table.
#include "layers/attention/options.h"

#include <charconv>
#include <functional>

#include "core/error.h"

namespace linattn {

namespace {

using Setter = std::function<void(const std::string& value)>;

std::int64_t to_int(const std::string& key, const std::string& v) {
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  LINATTN_CHECK(ec == std::errc() && end == v.data() + v.size(), "attention option '", key,
                "' expects an integer, got '", v, "'");
  return out;
}

double to_double(const std::string& key, const std::string& v) {
  try {
    std::size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (const std::exception&) {
  }
  fail(str_cat("attention option '", key, "' expects a number, got '", v, "'"));
}

bool to_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  fail(str_cat("attention option '", key, "' expects true or false, got '", v, "'"));
}

std::string to_choice(const std::string& key, const std::string& v, const std::vector<std::string>& choices) {
  for (const auto& c : choices)
    if (c == v) return v;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  fail(str_cat("attention option '", key, "' must be one of ", list, "; got '", v, "'"));
}

template <class T>
using Bindings = std::vector<std::pair<std::string, std::function<void(T&, const std::string&)>>>;

#define INT_FIELD(name) {#name, [](auto& o, const std::string& v) { o.name = to_int(#name, v); }}
#define NUM_FIELD(name) {#name, [](auto& o, const std::string& v) { o.name = to_double(#name, v); }}
#define BOOL_FIELD(name) {#name, [](auto& o, const std::string& v) { o.name = to_bool(#name, v); }}

Bindings<SoftmaxOptions> softmax_fields() { return {INT_FIELD(heads), BOOL_FIELD(qkv_bias), NUM_FIELD(attn_drop), NUM_FIELD(proj_drop)}; }
Bindings<Cos2dOptions> cos2d_fields() { return {INT_FIELD(heads), INT_FIELD(M), NUM_FIELD(eps), BOOL_FIELD(qkv_bias), NUM_FIELD(proj_drop)}; }
Bindings<ExternalOptions> external_fields() { return {INT_FIELD(heads), INT_FIELD(coef), INT_FIELD(S), NUM_FIELD(attn_drop), NUM_FIELD(proj_drop)}; }
Bindings<LinformerOptions> linformer_fields() {
  return {INT_FIELD(heads), INT_FIELD(seq_len), INT_FIELD(proj_k),
          {"sharing", [](auto& o, const std::string& v) { o.sharing = to_choice("sharing", v, {"none", "kv"}); }},
          NUM_FIELD(dropout), BOOL_FIELD(emulate_public_layout_bug)};
}
Bindings<AdditiveOptions> additive_fields() {
  return {INT_FIELD(token_dim), INT_FIELD(num_heads),
          {"alpha_norm", [](auto& o, const std::string& v) { o.alpha_norm = to_choice("alpha_norm", v, {"l2", "softmax"}); }}};
}
Bindings<EfficientOptions> efficient_fields() {
  return {INT_FIELD(heads), INT_FIELD(key_channels), INT_FIELD(value_channels),
          {"norm", [](auto& o, const std::string& v) { o.norm = to_choice("norm", v, {"softmax", "scaling", "identity"}); }},
          BOOL_FIELD(residual)};
}

#undef INT_FIELD
#undef NUM_FIELD
#undef BOOL_FIELD

template <class T>
AttentionOptions apply(const std::string& type, const Bindings<T>& fields, const std::map<std::string, std::string>& values) {
  T options;
  for (const auto& kv : values) {  // not a structured binding: clang 14 cannot capture one in a lambda
    const std::string& key = kv.first;
    const std::string& value = kv.second;
    auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
    if (it == fields.end()) {
      std::string keys;
      for (const auto& f : fields) keys += (keys.empty() ? "" : ", ") + f.first;
      fail(str_cat("unknown option '", key, "' for attention type '", type, "' (valid: ", keys, ")"));
    }
    it->second(options, value);
  }
  return options;
}

template <class T>
std::vector<std::string> keys_of(const Bindings<T>& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) out.push_back(f.first);
  return out;
}

void check_type(const std::string& type) {
  for (const auto& t : attention_types())
    if (t == type) return;
  std::string list;
  for (const auto& t : attention_types()) list += (list.empty() ? "" : ", ") + t;
  fail(str_cat("unknown attention type '", type, "' (valid: ", list, ")"));
}

}  // namespace

const std::vector<std::string>& attention_types() {
  static const std::vector<std::string> types{"softmax", "cos2d", "external", "linformer", "additive", "efficient"};
  return types;
}

AttentionOptions parse_attention_options(const std::string& type, const std::map<std::string, std::string>& values) {
  check_type(type);
  if (type == "softmax") return apply(type, softmax_fields(), values);
  if (type == "cos2d") return apply(type, cos2d_fields(), values);
  if (type == "external") return apply(type, external_fields(), values);
  if (type == "linformer") return apply(type, linformer_fields(), values);
  if (type == "additive") return apply(type, additive_fields(), values);
  return apply(type, efficient_fields(), values);
}

std::vector<std::string> attention_option_keys(const std::string& type) {
  check_type(type);
  if (type == "softmax") return keys_of(softmax_fields());
  if (type == "cos2d") return keys_of(cos2d_fields());
  if (type == "external") return keys_of(external_fields());
  if (type == "linformer") return keys_of(linformer_fields());
  if (type == "additive") return keys_of(additive_fields());
  return keys_of(efficient_fields());
}

std::string attention_type_of(const AttentionOptions& options) { return attention_types()[options.index()]; }

}  // namespace linattn
