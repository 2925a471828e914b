// train/config.cpp — enum spellings, config equality, attention options as text, and the error
// and suggestion helpers of config_detail.h. Parsing is in config_read.cpp, writing in
// config_write.cpp, the value checks in config_validate.cpp.
#include <algorithm>
#include <charconv>
#include <numeric>
#include <type_traits>

#include "core/error.h"
#include "train/config.h"
#include "train/config_detail.h"

namespace linattn {

namespace config_detail {

template <>
const std::vector<std::string>& enum_names<DatasetName>() {
  static const std::vector<std::string> names{"cifar10", "coco"};
  return names;
}
template <>
const std::vector<std::string>& enum_names<DataFormat>() {
  static const std::vector<std::string> names{"auto", "folders", "binary"};
  return names;
}
template <>
const std::vector<std::string>& enum_names<ModelName>() {
  static const std::vector<std::string> names{"vit", "eamlp"};
  return names;
}
template <>
const std::vector<std::string>& enum_names<Pool>() {
  static const std::vector<std::string> names{"mean", "cls"};
  return names;
}
template <>
const std::vector<std::string>& enum_names<OptimizerName>() {
  static const std::vector<std::string> names{"adamw", "sgd"};
  return names;
}
template <>
const std::vector<std::string>& enum_names<Schedule>() {
  static const std::vector<std::string> names{"cosine", "step", "constant"};
  return names;
}

void fail_at(const Source& where, const std::string& path, const std::string& what) {
  fail(str_cat(where.str(), ": ", path, ": ", what));
}

Source source_of(const Provenance& where, const std::string& path) {
  auto it = where.find(path);
  return it == where.end() ? Source{"default", 0} : it->second;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string suggest(const std::string& key, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(key, c);
    if (!best || d < best_distance) best = &c, best_distance = d;
  }
  // Plausible typo: at most half the longer word changed (and at least 1 edit allowed).
  if (!best || best_distance > std::max<std::size_t>(1, std::max(key.size(), best->size()) / 2)) return "";
  return " (did you mean '" + *best + "'?)";
}

std::string real_text(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  std::string out(buf, end);
  // A dot in the mantissa keeps it a float for YAML 1.1 readers too: 1 -> 1.0, 1e-08 -> 1.0e-08.
  if (out.find('.') == std::string::npos) {
    auto e = out.find('e');
    out.insert(e == std::string::npos ? out.size() : e, ".0");
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace config_detail

using config_detail::enum_names;

std::string to_string(DatasetName v) { return enum_names<DatasetName>()[static_cast<int>(v)]; }
std::string to_string(DataFormat v) { return enum_names<DataFormat>()[static_cast<int>(v)]; }
std::string to_string(ModelName v) { return enum_names<ModelName>()[static_cast<int>(v)]; }
std::string to_string(Pool v) { return enum_names<Pool>()[static_cast<int>(v)]; }
std::string to_string(OptimizerName v) { return enum_names<OptimizerName>()[static_cast<int>(v)]; }
std::string to_string(Schedule v) { return enum_names<Schedule>()[static_cast<int>(v)]; }

namespace {

std::string text(std::int64_t v) { return std::to_string(v); }
std::string text(bool v) { return v ? "true" : "false"; }
std::string text(const std::string& v) { return v; }
std::string text(double v) { return config_detail::real_text(v); }

struct Values {
  std::vector<std::pair<std::string, std::string>> out;
  template <class T>
  Values& operator()(const std::string& key, const T& value) {
    out.emplace_back(key, text(value));
    return *this;
  }
};

}  // namespace

// Keys in the order of layers/attention/options.cpp's tables; a test asserts that the key lists
// agree with attention_option_keys(), so a new option cannot be silently left out.
std::vector<std::pair<std::string, std::string>> attention_option_values(const AttentionOptions& options) {
  struct Visitor {
    Values operator()(const SoftmaxOptions& o) const {
      return Values{}("heads", o.heads)("qkv_bias", o.qkv_bias)("attn_drop", o.attn_drop)("proj_drop", o.proj_drop);
    }
    Values operator()(const Cos2dOptions& o) const {
      return Values{}("heads", o.heads)("M", o.M)("eps", o.eps)("qkv_bias", o.qkv_bias)("proj_drop", o.proj_drop);
    }
    Values operator()(const ExternalOptions& o) const {
      return Values{}("heads", o.heads)("coef", o.coef)("S", o.S)("attn_drop", o.attn_drop)("proj_drop", o.proj_drop);
    }
    Values operator()(const LinformerOptions& o) const {
      return Values{}("heads", o.heads)("seq_len", o.seq_len)("proj_k", o.proj_k)("sharing", o.sharing)(
          "dropout", o.dropout)("emulate_public_layout_bug", o.emulate_public_layout_bug);
    }
    Values operator()(const AdditiveOptions& o) const {
      return Values{}("token_dim", o.token_dim)("num_heads", o.num_heads)("alpha_norm", o.alpha_norm);
    }
    Values operator()(const EfficientOptions& o) const {
      return Values{}("heads", o.heads)("key_channels", o.key_channels)("value_channels", o.value_channels)(
          "norm", o.norm)("residual", o.residual);
    }
  };
  return std::visit(Visitor{}, options).out;
}

bool ModelConfig::operator==(const ModelConfig& o) const {
  return name == o.name && dim == o.dim && depth == o.depth && heads == o.heads && mlp_ratio == o.mlp_ratio &&
         patch == o.patch && pool == o.pool && num_classes == o.num_classes &&
         attention.index() == o.attention.index() &&
         attention_option_values(attention) == attention_option_values(o.attention);
}

}  // namespace linattn
