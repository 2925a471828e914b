// train/config_read.cpp — YAML → ExperimentConfig (see config.h): files and their base chain,
// --set overrides, type checks at the node that holds the value, then the value checks of
// config_validate.cpp. The only place besides config_write.cpp that includes yaml-cpp.
//
// Layers are applied one after another onto one config: a base file, the file naming it, each
// --set. A layer sets only the keys it names (maps merge key by key); where each value came
// from is kept, so a later error can cite the file and line that set it.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "models/model_type.h"
#include "train/config.h"
#include "train/config_detail.h"
#include "train/dataset_info.h"
#include "train/task.h"

namespace linattn {

namespace config_detail {
namespace {

namespace fs = std::filesystem;

struct Layer {
  std::string origin;      // the file, or "--set a.b=c"
  bool from_file = false;  // marks are lines of `origin`; `base:` allowed at the top
  Source at(const YAML::Node& node) const {
    return {origin, from_file && node.Mark().line >= 0 ? node.Mark().line + 1 : 0};
  }
};

struct Builder {
  ExperimentConfig config;
  Provenance where;
  bool name_set = false;
  std::string attention_type = "softmax";
  std::map<std::string, std::string> attention_values;  // the options given, as text
  // The model.* options given (besides name and attention), checked and applied in finish()
  // against the model model.name names then.
  std::map<std::string, YAML::Node> model_values;
};

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    default: return "nothing";
  }
}

[[noreturn]] void wrong_type(const Source& s, const std::string& path, const std::string& wanted, const YAML::Node& v) {
  fail_at(s, path, "expects " + wanted + ", got " + describe(v));
}

template <class T>
bool scalar_as(const YAML::Node& node, T& out) {
  if (!node.IsScalar()) return false;
  try {
    out = node.as<T>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

// Sets one leaf from its node, after checking the node's type.
struct LeafReader {
  ExperimentConfig& c;
  const YAML::Node& v;
  const Source& s;
  const std::string& path;
  const Ref& ref;

  [[noreturn]] void wrong() const { wrong_type(s, path, expected(ref), v); }
  double real(const YAML::Node& node) const {
    double x = 0;
    if (!scalar_as(node, x)) wrong();
    if (!std::isfinite(x)) fail_at(s, path, "expects a finite number, got " + describe(node));
    return x;
  }

  void operator()(IntRef r) const {
    std::int64_t x = 0;
    if (!scalar_as(v, x)) wrong();
    r(c) = x;
  }
  void operator()(RealRef r) const { r(c) = real(v); }
  void operator()(BoolRef r) const {
    bool x = false;
    if (!scalar_as(v, x)) wrong();
    r(c) = x;
  }
  void operator()(TextRef r) const {
    if (v.IsNull()) r(c).clear();
    else if (v.IsScalar()) r(c) = v.Scalar();
    else wrong();
  }
  void operator()(PairRef r) const {
    if (!v.IsSequence() || v.size() != 2) wrong();
    r(c) = {real(v[0]), real(v[1])};
  }
  void operator()(NameListRef r) const {
    if (v.IsNull()) return r(c).clear();
    if (!v.IsSequence()) wrong();
    std::vector<std::string> names;
    for (const auto& item : v) {
      if (!item.IsScalar() || item.Scalar().empty()) wrong();
      names.push_back(item.Scalar());
    }
    r(c) = std::move(names);
  }
  void operator()(DeviceRef r) const {
    if (!v.IsScalar()) wrong();
    try {
      r(c) = Device::parse(v.Scalar());
    } catch (const Error&) {
      wrong();
    }
  }
  void operator()(const ChoiceRef& choice) const {
    if (!v.IsScalar()) wrong();
    auto it = std::find(choice.names.begin(), choice.names.end(), v.Scalar());
    if (it == choice.names.end())
      fail_at(s, path, "unknown value '" + v.Scalar() + "'" + suggest(v.Scalar(), choice.names) + "; expected one of " +
                           join(choice.names));
    choice.set(c, static_cast<int>(it - choice.names.begin()));
  }
  void operator()(AttentionRef) const { fail_at(s, path, "internal: the attention block has its own reader"); }
};

// An option value as the text parse_attention_options reads: YAML's booleans (True, yes, on, ...)
// become true/false, everything else stays as written.
std::string option_text(const YAML::Node& v) {
  bool b = false;
  if (scalar_as(v, b)) return b ? "true" : "false";
  return v.Scalar();
}

// model.attention: `type` first (a different type drops the options inherited with the old
// one), then each option, checked alone so that its error points at its own line.
void apply_attention(Builder& b, const YAML::Node& block, const Layer& layer, const Source& block_source) {
  const std::string path = "model.attention";
  if (block.IsNull()) return;
  if (!block.IsMap()) wrong_type(block_source, path, expected(AttentionRef{}), block);
  for (const auto& kv : block) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != "type") continue;
    Source s = layer.at(kv.first);
    const YAML::Node& t = kv.second;
    const std::vector<std::string> types = attention_types();
    if (!t.IsScalar()) wrong_type(s, path + ".type", "one of " + join(types), t);
    if (std::find(types.begin(), types.end(), t.Scalar()) == types.end())
      fail_at(s, path + ".type",
              "unknown attention type '" + t.Scalar() + "'" + suggest(t.Scalar(), types) + "; expected one of " + join(types));
    if (t.Scalar() != b.attention_type) {
      for (const auto& [key, value] : b.attention_values) b.where.erase(path + "." + key);
      b.attention_values.clear();
      b.attention_type = t.Scalar();
    }
    b.where[path + ".type"] = s;
  }
  std::vector<std::string> seen;
  for (const auto& kv : block) {
    Source s = layer.at(kv.first);
    if (!kv.first.IsScalar()) fail_at(s, path, "keys must be plain names; got " + describe(kv.first));
    const std::string key = kv.first.Scalar(), key_path = path + "." + key;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) fail_at(s, key_path, "is given twice");
    seen.push_back(key);
    if (key == "type") continue;
    if (key == kAttentionHeadsKey)
      fail_at(s, key_path, "the attention's heads come from model.heads; set model.heads instead");
    std::vector<std::string> keys = attention_option_keys(b.attention_type);
    keys.erase(std::remove(keys.begin(), keys.end(), kAttentionHeadsKey), keys.end());
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      fail_at(s, key_path, "unknown option '" + key + "' for attention type '" + b.attention_type + "'" + suggest(key, keys) +
                               "; valid: type, " + join(keys));
    if (!kv.second.IsScalar()) wrong_type(s, key_path, "a single value", kv.second);
    std::string value = option_text(kv.second);
    try {
      parse_attention_options(b.attention_type, {{key, value}});
    } catch (const Error& e) {
      fail_at(s, key_path, e.what());
    }
    b.attention_values[key] = value;
    b.where[key_path] = s;
  }
}

// The keys directly under `group` ("" for the model section itself, "cross_attention" for the
// options cross_attention.*) among `keys` (a model's option keys, dotted ones included), in order.
std::vector<std::string> keys_under(const std::vector<std::string>& keys, const std::string& group) {
  const std::string prefix = group.empty() ? "" : group + ".";
  std::vector<std::string> out;
  for (const auto& k : keys) {
    if (!k.starts_with(prefix)) continue;
    const std::string rest = k.substr(prefix.size()), head = rest.substr(0, rest.find('.'));
    if (std::find(out.begin(), out.end(), head) == out.end()) out.push_back(head);
  }
  return out;
}

// The keys of a section; for `model`, name and the keys of the model named so far (a group of
// dotted options by its first part: cross_attention for cross_attention.type).
std::vector<std::string> section_keys(const Builder& b, const std::string& section) {
  if (section != "model") return child_keys(section);
  std::vector<std::string> keys{"name"};
  if (const ModelType* type = find_model_type(b.config.model.name))
    for (const auto& k : keys_under(type->keys(), "")) keys.push_back(k);
  return keys;
}

// Whether some registered model declares the option `key`.
bool is_model_option(const std::string& key) {
  for (const auto& name : registered_models())
    if (const ModelType* type = find_model_type(name); type && find_option_field(*type->fields, key)) return true;
  return false;
}

// Whether some registered model declares options under `group` ("cross_attention" for
// cross_attention.type): a map of them in YAML.
bool is_model_option_group(const std::string& group) {
  for (const auto& name : registered_models())
    if (const ModelType* type = find_model_type(name))
      for (const auto& key : option_field_keys(*type->fields))
        if (key.starts_with(group + ".")) return true;
  return false;
}

// The model key a provenance path belongs to: "attention" for model.attention and its options,
// else the (possibly dotted) option key: "cross_attention.type" for model.cross_attention.type.
std::string model_key_of(const std::string& path) {
  const std::string rest = path.substr(6);  // after "model."
  return rest == "attention" || rest.starts_with("attention.") ? "attention" : rest;
}

// The text of a model option's value after checking the node's type against the field's kind,
// with the messages of the schema's keys ("expects an integer, got 'x'").
std::string model_option_text(const OptionField& field, const YAML::Node& v, const Source& s, const std::string& path) {
  const auto wrong = [&](const std::string& wanted) { wrong_type(s, path, wanted, v); };
  switch (field.kind) {
    case OptionKind::Integer: {
      std::int64_t x = 0;
      if (!scalar_as(v, x)) wrong("an integer");
      return std::to_string(x);
    }
    case OptionKind::Real: {
      double x = 0;
      if (!scalar_as(v, x)) wrong("a number");
      if (!std::isfinite(x)) fail_at(s, path, "expects a finite number, got " + describe(v));
      return real_text(x);
    }
    case OptionKind::Boolean: {
      bool x = false;
      if (!scalar_as(v, x)) wrong("true or false");
      return x ? "true" : "false";
    }
    case OptionKind::Choice: {
      if (!v.IsScalar()) wrong("one of " + join(field.choices));
      if (std::find(field.choices.begin(), field.choices.end(), v.Scalar()) == field.choices.end())
        fail_at(s, path, "unknown value '" + v.Scalar() + "'" + suggest(v.Scalar(), field.choices) +
                             "; expected one of " + join(field.choices));
      return v.Scalar();
    }
  }
  return v.Scalar();
}

// The option keys under `group` of the model named so far (else of every registered model), for
// an unknown key's message.
std::vector<std::string> group_keys(const Builder& b, const std::string& group) {
  std::vector<std::string> keys;
  if (const ModelType* type = find_model_type(b.config.model.name))
    keys = keys_under(option_field_keys(*type->fields), group);
  if (keys.empty())
    for (const auto& name : registered_models())
      if (const ModelType* type = find_model_type(name))
        for (const auto& k : keys_under(option_field_keys(*type->fields), group))
          if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  return keys;
}

// One model.<key> option: kept as given (applied in finish() to the model named then), its type
// checked now when the model named so far declares it. A key no model declares is unknown. A
// group of dotted options (`cross_attention: {type: linformer}`) applies each of its keys.
void apply_model_option(Builder& b, const std::string& key, const YAML::Node& v, const Layer& layer, const Source& s) {
  const std::string path = "model." + key;
  const ModelType* type = find_model_type(b.config.model.name);
  if (!is_model_option(key) && is_model_option_group(key)) {
    if (v.IsNull()) return;
    if (!v.IsMap()) wrong_type(s, path, "a map of " + join(group_keys(b, key)), v);
    std::vector<std::string> seen;
    for (const auto& kv : v) {
      const Source at = layer.at(kv.first);
      if (!kv.first.IsScalar()) fail_at(at, path, "keys must be plain names; got " + describe(kv.first));
      const std::string sub = kv.first.Scalar();
      if (std::find(seen.begin(), seen.end(), sub) != seen.end()) fail_at(at, path + "." + sub, "is given twice");
      seen.push_back(sub);
      apply_model_option(b, key + "." + sub, kv.second, layer, at);
    }
    return;
  }
  if (!is_model_option(key)) {
    const auto dot = key.rfind('.');
    const std::string group = dot == std::string::npos ? "" : key.substr(0, dot);
    const std::string name = key.substr(group.empty() ? 0 : dot + 1);
    const std::vector<std::string> keys = group.empty() ? section_keys(b, "model") : group_keys(b, group);
    fail_at(s, path, "unknown key '" + name + "' in model" + (group.empty() ? "" : "." + group) + suggest(name, keys) +
                         "; valid keys: " + join(keys));
  }
  if (type)
    if (const OptionField* field = find_option_field(*type->fields, key)) model_option_text(*field, v, s, path);
  b.model_values[key] = YAML::Clone(v);
  b.where[path] = s;
}

// A layer that changes model.name drops what earlier layers (another file, a base) set of the
// keys the new model does not read — as a new attention type drops the old one's options — so a
// config can build on a base written for another model. Keys of the same layer stay and are
// checked in finish().
void forget_inherited_model_keys(Builder& b, const std::string& previous_name, const Source& s) {
  const ModelType* type = find_model_type(b.config.model.name);
  if (!type || b.config.model.name == previous_name) return;
  for (auto it = b.where.begin(); it != b.where.end();) {
    const std::string& path = it->first;
    const bool model_key = path.starts_with("model.") && path != "model.name";
    const std::string key = model_key ? model_key_of(path) : "";
    if (model_key && !type->reads(key) && it->second.origin != s.origin) {
      if (path == "model." + key) b.model_values.erase(key);
      it = b.where.erase(it);
    } else {
      ++it;
    }
  }
}

void set_leaf(Builder& b, const Leaf& leaf, const YAML::Node& v, const Layer& layer, const Source& s) {
  if (std::holds_alternative<AttentionRef>(leaf.ref)) return apply_attention(b, v, layer, s);
  const std::string previous_model = b.config.model.name;
  std::visit(LeafReader{b.config, v, s, leaf.path, leaf.ref}, leaf.ref);
  b.where[leaf.path] = s;
  if (leaf.path == "name") b.name_set = true;
  if (leaf.path == "model.name") forget_inherited_model_keys(b, previous_model, s);
}

// `value` must be one of `known` (a registry's names); the error lists them.
void check_registered(const Builder& b, const std::string& path, const std::string& what, const std::string& value,
                      const std::vector<std::string>& known) {
  if (std::find(known.begin(), known.end(), value) != known.end()) return;
  fail_at(source_of(b.where, path), path,
          "unknown " + what + " '" + value + "'" + suggest(value, known) + "; registered: " + join(known));
}

// model.name names a registered model, and no key of the model section is one it does not read.
void check_model_keys(const Builder& b) {
  const std::string& name = b.config.model.name;
  check_registered(b, "model.name", "model", name, registered_models());
  const ModelType& type = *find_model_type(name);
  for (const auto& [path, source] : b.where) {
    if (!path.starts_with("model.") || path == "model.name") continue;
    const std::string key = model_key_of(path);
    if (!type.reads(key))
      fail_at(source, path,
              "model '" + name + "' does not use model." + key + " (it reads: " + join(type.keys()) + "); remove it");
  }
}

void apply_map(Builder& b, const YAML::Node& map, const std::string& section, const Layer& layer) {
  std::vector<std::string> seen;
  for (const auto& kv : map) {
    Source s = layer.at(kv.first);
    if (!kv.first.IsScalar())
      fail_at(s, section.empty() ? "(top level)" : section, "keys must be plain names; got " + describe(kv.first));
    const std::string key = kv.first.Scalar(), path = section.empty() ? key : section + "." + key;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) fail_at(s, path, "is given twice");
    seen.push_back(key);
    if (section.empty() && key == "base" && layer.from_file) continue;  // the file loader's
    if (const Leaf* leaf = find_leaf(path)) {
      set_leaf(b, *leaf, kv.second, layer, s);
    } else if (section == "model") {
      apply_model_option(b, key, kv.second, layer, s);
    } else if (is_section(path)) {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsMap()) wrong_type(s, path, "a map of " + join(section_keys(b, path)), kv.second);
      apply_map(b, kv.second, path, layer);
    } else {
      std::vector<std::string> keys = child_keys(section);
      if (section.empty() && layer.from_file) keys.push_back("base");
      fail_at(s, path,
              "unknown key '" + key + "'" + (section.empty() ? "" : " in " + section) + suggest(key, keys) +
                  "; valid keys: " + join(keys));
    }
  }
}

std::string read_text(const std::string& path, const std::string& context) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(str_cat("config file '", path, "' does not exist", context));
  if (!fs::is_regular_file(path, ec)) fail(str_cat("config path '", path, "' is not a file", context));
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(str_cat("cannot open config file '", path, "'", context));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Byte offset of the first byte that does not start or continue a valid UTF-8 sequence (YAML
// text is UTF-8; yaml-cpp passes bad bytes through, and they would not survive a round trip
// through the resolved config.yaml), or npos.
std::size_t invalid_utf8_at(const std::string& text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return i;
    const std::uint32_t cp = len == 1 ? c
                             : len == 2 ? (c & 0x1Fu) << 6 | (p[i + 1] & 0x3Fu)
                             : len == 3 ? (c & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu)
                                        : (c & 0x07u) << 18 | (p[i + 1] & 0x3Fu) << 12 | (p[i + 2] & 0x3Fu) << 6 |
                                              (p[i + 3] & 0x3Fu);
    const std::uint32_t min_cp = len == 2 ? 0x80 : len == 3 ? 0x800 : len == 4 ? 0x10000 : 0;
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;  // overlong, too large, surrogate
    i += len;
  }
  return std::string::npos;
}

void check_utf8(const std::string& text, const std::string& origin) {
  const std::size_t bad = invalid_utf8_at(text);
  if (bad == std::string::npos) return;
  const std::size_t line_start = bad == 0 ? std::string::npos : text.rfind('\n', bad - 1);
  const std::size_t column = bad - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
  const auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n') + 1;
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
  fail(str_cat(origin, ":", line, ":", column, ": the text is not valid UTF-8 (byte ", byte,
               "); YAML config files must be UTF-8"));
}

YAML::Node parse_yaml(const std::string& text, const std::string& origin) {
  check_utf8(text, origin);
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    fail(str_cat(origin, ":", e.mark.line + 1, ":", e.mark.column + 1, ": YAML syntax error: ", e.msg));
  }
}

std::string chain_key(const std::string& path) {
  std::error_code ec;
  auto canonical = fs::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

// Applies one file's text: its base chain first, then its own keys. `chain` holds the files being
// loaded (for cycle errors).
void apply_document(Builder& b, const std::string& text, const std::string& origin, std::vector<std::string>& chain) {
  YAML::Node root = parse_yaml(text, origin);
  if (root.IsNull()) return;
  Layer layer{origin, true};
  if (!root.IsMap())
    fail(str_cat(layer.at(root).str(), ": a config is a map of keys (", join(child_keys("")), ", base); got ",
                 describe(root)));
  for (const auto& kv : root) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != "base") continue;
    Source s = layer.at(kv.first);
    if (!kv.second.IsScalar() || kv.second.Scalar().empty())
      wrong_type(s, "base", "a config file path, relative to this file", kv.second);
    fs::path base = (fs::path(origin).parent_path() / kv.second.Scalar()).lexically_normal();
    std::string key = chain_key(base.string());
    if (std::find(chain.begin(), chain.end(), key) != chain.end()) {
      std::string cycle;
      for (const auto& file : chain) cycle += file + " -> ";
      fail_at(s, "base", "the base chain loops: " + cycle + key);
    }
    std::string base_text = read_text(base.string(), " (named by base: at " + s.str() + ")");
    chain.push_back(key);
    apply_document(b, base_text, base.string(), chain);
    chain.pop_back();
  }
  apply_map(b, root, "", layer);
}

std::vector<std::string> all_paths() {
  std::vector<std::string> paths;
  for (const auto& name : registered_models())  // the models' own keys
    if (const ModelType* type = find_model_type(name))
      for (const auto& key : option_field_keys(*type->fields))
        if (std::find(paths.begin(), paths.end(), "model." + key) == paths.end()) paths.push_back("model." + key);
  for (const auto& leaf : schema()) {
    paths.push_back(leaf.path);
    for (auto dot = leaf.path.find('.'); dot != std::string::npos; dot = leaf.path.find('.', dot + 1))
      if (std::find(paths.begin(), paths.end(), leaf.path.substr(0, dot)) == paths.end())
        paths.push_back(leaf.path.substr(0, dot));
  }
  return paths;
}

// Whether `key` (after "model.") is a model option, a group of them, or a key inside a group
// (a misspelt one gets the group's keys as suggestions).
bool is_model_key_path(const std::string& key) {
  const auto dot = key.rfind('.');
  return is_model_option(key) || is_model_option_group(key) ||
         (dot != std::string::npos && is_model_option_group(key.substr(0, dot)));
}

// One --set: "a.b.c=value", the value read as YAML (a scalar, or a flow list/map).
void apply_assignment(Builder& b, const std::string& assignment) {
  const Layer layer{"--set " + assignment, false};
  const Source s{layer.origin, 0};
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) fail(layer.origin + ": expected key.path=value, like optim.lr=3e-4");
  const std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  check_utf8(assignment, layer.origin);
  const YAML::Node value = [&] {
    try {
      return YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      fail_at(s, path, "the value '" + text + "' is not valid YAML: " + e.msg);
    }
  }();
  const std::string at = "model.attention.";
  if (const Leaf* leaf = find_leaf(path)) {
    set_leaf(b, *leaf, value, layer, s);
  } else if (path.starts_with("model.") && path.size() > 6 && model_key_of(path) != "attention" &&
             is_model_key_path(path.substr(6))) {
    apply_model_option(b, path.substr(6), value, layer, s);
  } else if (path.starts_with(at) && path.size() > at.size() && path.find('.', at.size()) == std::string::npos) {
    YAML::Node block(YAML::NodeType::Map);
    block[path.substr(at.size())] = value;
    apply_attention(b, block, layer, s);
  } else if (is_section(path) && !path.empty()) {
    if (!value.IsMap()) wrong_type(s, path, "a map of " + join(section_keys(b, path)), value);
    apply_map(b, value, path, layer);
  } else if (path == "base") {
    fail_at(s, path, "base can only be given inside a config file");
  } else {
    fail_at(s, path, "unknown key '" + path + "' given with --set" + suggest(path, all_paths()) +
                         "; keys are dotted paths like optim.lr or model.attention.proj_k");
  }
}

// The model's options: its defaults, then each model.* option given, checked at its own source.
void apply_model_options(Builder& b) {
  const ModelType& type = *find_model_type(b.config.model.name);  // checked by check_model_keys
  b.config.model.options = ModelOptions::defaults(type.name);
  for (const auto& [key, node] : b.model_values) {
    const std::string path = "model." + key;
    const Source s = source_of(b.where, path);
    const OptionField* field = find_option_field(*type.fields, key);
    if (!field) fail_at(s, path, "internal: model '" + type.name + "' has no option '" + key + "'");
    const std::string text = model_option_text(*field, node, s, path);
    try {
      b.config.model.options.set(key, text);
    } catch (const Error& e) {
      fail_at(s, path, e.what());
    }
  }
}

ExperimentConfig finish(Builder& b, const std::string& source_name) {
  if (!b.name_set) b.config.name = fs::path(source_name).stem().string();
  check_registered(b, "task", "task", b.config.task, registered_tasks());
  check_model_keys(b);
  b.config.model.image_size = dataset_info(b.config.data).image_size;
  apply_model_options(b);
  const ModelType& type = *find_model_type(b.config.model.name);
  try {
    b.config.model.attention = parse_attention_options(b.attention_type, b.attention_values);
    if (!type.heads_key.empty())  // the heads rule of the type
      b.config.model.attention.set_heads(std::stoll(b.config.model.options.text(type.heads_key)));
  } catch (const Error& e) {
    fail_at(source_of(b.where, "model.attention.type"), "model.attention", e.what());
  }
  validate(b.config, b.where);
  return b.config;
}

ExperimentConfig build(const std::string& text, const std::string& source_name, const std::vector<std::string>& overrides) {
  Builder b;
  std::vector<std::string> chain{chain_key(source_name)};
  apply_document(b, text, source_name, chain);
  for (const auto& assignment : overrides) apply_assignment(b, assignment);
  return finish(b, source_name);
}

}  // namespace
}  // namespace config_detail

ExperimentConfig load_config(const std::string& path, const std::vector<std::string>& overrides) {
  return config_detail::build(config_detail::read_text(path, ""), path, overrides);
}

ExperimentConfig parse_config_string(const std::string& yaml, const std::string& source_name,
                                     const std::vector<std::string>& overrides) {
  return config_detail::build(yaml, source_name, overrides);
}

ExperimentConfig apply_override(const ExperimentConfig& config, const std::string& assignment) {
  return config_detail::build(to_yaml(config), "resolved config of run '" + config.name + "'", {assignment});
}

}  // namespace linattn
