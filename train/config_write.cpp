// train/config_write.cpp — ExperimentConfig → YAML with every key (defaults, the model's options
// and the attention options included), in schema order with the model's options after
// model.name, for runs/<name>/config.yaml. Numbers are written in their shortest exact form, so
// parsing the text back gives an equal config.
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "models/model_type.h"
#include "train/config.h"
#include "train/config_detail.h"

namespace linattn {

namespace config_detail {
namespace {

struct LeafWriter {
  YAML::Emitter& out;
  ExperimentConfig& c;

  void operator()(IntRef r) const { out << r(c); }
  void operator()(RealRef r) const { out << real_text(r(c)); }
  void operator()(BoolRef r) const { out << r(c); }
  void operator()(TextRef r) const {
    if (r(c).empty()) out << YAML::DoubleQuoted << "";
    else out << r(c);
  }
  void operator()(PairRef r) const {
    out << YAML::Flow << YAML::BeginSeq << real_text(r(c)[0]) << real_text(r(c)[1]) << YAML::EndSeq;
  }
  void operator()(NameListRef r) const {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& name : r(c)) out << name;
    out << YAML::EndSeq;
  }
  void operator()(DeviceRef r) const { out << r(c).str(); }
  void operator()(const ChoiceRef& choice) const { out << choice.names[static_cast<std::size_t>(choice.get(c))]; }
  void operator()(AttentionRef) const {
    out << YAML::BeginMap << YAML::Key << "type" << YAML::Value << c.model.attention_type();
    for (const auto& [key, value] : attention_option_values(c.model.attention)) {
      if (key == kAttentionHeadsKey && c.model.attention.has_heads()) continue;  // it is model.heads
      out << YAML::Key << key << YAML::Value << value;
    }
    out << YAML::EndMap;
  }
};

// model.attention is left out for a model that does not read it (models/model_type.h).
bool unused_model_key(const ExperimentConfig& c, const std::string& section, const std::string& key) {
  if (section != "model" || key == "name") return false;
  const ModelType* type = find_model_type(c.model.name);
  return type && !type->reads(key);
}

// Options as key -> text in field order, dotted keys nested: a.b and a.c become one map `a` at
// the place of a.b.
void emit_option_tree(YAML::Emitter& out, const std::vector<std::pair<std::string, std::string>>& items) {
  std::vector<std::string> groups_done;
  for (const auto& [key, value] : items) {
    const auto dot = key.find('.');
    if (dot == std::string::npos) {
      out << YAML::Key << key << YAML::Value << value;
      continue;
    }
    const std::string group = key.substr(0, dot);
    if (std::find(groups_done.begin(), groups_done.end(), group) != groups_done.end()) continue;
    groups_done.push_back(group);
    std::vector<std::pair<std::string, std::string>> members;
    for (const auto& [k, v] : items)
      if (k.starts_with(group + ".")) members.emplace_back(k.substr(group.size() + 1), v);
    out << YAML::Key << group << YAML::Value << YAML::BeginMap;
    emit_option_tree(out, members);
    out << YAML::EndMap;
  }
}

// The model's own options, in its field order.
void emit_model_options(YAML::Emitter& out, const ExperimentConfig& c) {
  emit_option_tree(out, c.model.options.values());
}

void emit_section(YAML::Emitter& out, ExperimentConfig& c, const std::string& section) {
  for (const auto& key : child_keys(section)) {
    if (unused_model_key(c, section, key)) continue;
    const std::string path = section.empty() ? key : section + "." + key;
    out << YAML::Key << key << YAML::Value;
    if (const Leaf* leaf = find_leaf(path)) {
      std::visit(LeafWriter{out, c}, leaf->ref);
      if (path == "model.name") emit_model_options(out, c);
    } else {
      out << YAML::BeginMap;
      emit_section(out, c, path);
      out << YAML::EndMap;
    }
  }
}

}  // namespace
}  // namespace config_detail

std::string to_yaml(const ExperimentConfig& config) {
  ExperimentConfig copy = config;  // the schema's accessors take a mutable config
  YAML::Emitter out;
  out << YAML::BeginMap;
  config_detail::emit_section(out, copy, "");
  out << YAML::EndMap;
  return "# linattn experiment config, fully resolved (every key, defaults included)\n" + std::string(out.c_str()) +
         "\n";
}

}  // namespace linattn
