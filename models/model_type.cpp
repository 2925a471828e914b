// models/model_type.cpp — the model registry behind make_model and the config's model.* section
// (see model_type.h), ModelOptions, and the registration line of each model linattn ships.
#include "models/model_type.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/error.h"
#include "core/guarded_registry.h"

namespace linattn {

// Each shipped model's declaration, in its own file.
ModelType vit_model_type();        // models/vit_type.cpp
ModelType eamlp_model_type();      // models/eamlp_type.cpp
ModelType detr_lite_model_type();  // models/detr_lite_type.cpp

namespace {

using Registry = std::map<std::string, ModelType>;

// The models linattn ships, registered on the registry's first use (one line per model).
void register_builtin_models(Registry& registry) {
  for (ModelType t : {vit_model_type(), eamlp_model_type(), detr_lite_model_type()}) registry[t.name] = std::move(t);
}

GuardedRegistry<ModelType>& guarded() { return guarded_registry<ModelType>(register_builtin_models); }

std::string known_models() {
  std::string known;
  for (const auto& name : registered_models()) known += (known.empty() ? "" : ", ") + name;
  return known.empty() ? "none yet" : known;
}

const ModelType& model_type_or_fail(const std::string& name) {
  const ModelType* type = find_model_type(name);
  if (!type)
    fail(str_cat("model.name: no model called '", name, "' is built into this linattn (known models: ", known_models(),
                 ")"));
  return *type;
}

}  // namespace

// ---- ModelType --------------------------------------------------------------------------------

std::vector<std::string> ModelType::keys() const {
  std::vector<std::string> out = option_field_keys(*fields);
  if (reads_attention) out.push_back("attention");
  return out;
}

bool ModelType::reads(const std::string& key) const {
  const std::vector<std::string> all = keys();
  return std::find(all.begin(), all.end(), key) != all.end();
}

// ---- ModelOptions -----------------------------------------------------------------------------

ModelOptions::ModelOptions() : ModelOptions(defaults("vit")) {}

ModelOptions ModelType::default_options() const { return ModelOptions::defaults(name); }

ModelOptions ModelOptions::defaults(const std::string& model) {
  const ModelType& type = model_type_or_fail(model);
  ModelOptions out{ModelOptions::Uninitialized{}};
  out.model_ = type.name;
  out.fields_ = type.fields;
  out.value_ = type.defaults;
  return out;
}

void ModelOptions::check_holds(const std::type_info& t) const {
  LINATTN_CHECK(value_.type() == t, "the options of model '", model_, "' do not hold ", t.name());
}

std::string ModelOptions::text(const std::string& key) const {
  const OptionField* f = find_option_field(*fields_, key);
  LINATTN_CHECK(f, "model '", model_, "' has no option '", key, "'");
  return f->text(value_);
}

void ModelOptions::set(const std::string& key, const std::string& value) {
  const OptionField* f = find_option_field(*fields_, key);
  if (!f) {
    std::string valid;
    for (const auto& k : option_field_keys(*fields_)) valid += (valid.empty() ? "" : ", ") + k;
    fail(str_cat("unknown option '", key, "' for model '", model_, "' (valid: ", valid, ")"));
  }
  f->set(value_, value);
}

std::vector<std::pair<std::string, std::string>> ModelOptions::values() const {
  return option_field_values(*fields_, value_);
}

bool ModelOptions::operator==(const ModelOptions& other) const {
  return model_ == other.model_ && values() == other.values();
}

// ---- the registry -----------------------------------------------------------------------------

void register_model_type(ModelType type) {
  LINATTN_CHECK(!type.name.empty() && type.make && type.fields && type.defaults.has_value(),
                "register_model_type: needs a non-empty name, options (defaults and fields) and a factory");
  auto& g = guarded();
  std::lock_guard lock(g.mutex);
  g.registry[type.name] = std::move(type);
}

void register_model(const std::string& name, ModelFactory factory) {
  LINATTN_CHECK(!name.empty() && factory, "register_model: needs a non-empty name and a factory");
  ModelType t = vit_model_type();
  t.name = name;
  t.summary = "registered with register_model (vit's options)";
  t.check = nullptr;
  t.make = std::move(factory);
  register_model_type(std::move(t));
}

std::vector<std::string> registered_models() {
  auto& g = guarded();
  std::lock_guard lock(g.mutex);
  std::vector<std::string> names;
  for (const auto& [name, t] : g.registry) names.push_back(name);
  return names;
}

const ModelType* find_model_type(const std::string& name) {
  auto& g = guarded();
  std::lock_guard lock(g.mutex);
  auto it = g.registry.find(name);
  return it == g.registry.end() ? nullptr : &it->second;  // entries are never erased (std::map nodes are stable)
}

std::shared_ptr<Module> make_model(const ModelConfig& config, Generator& gen) {
  ModelFactory factory = model_type_or_fail(config.name).make;  // a copy: a later registration may replace it
  auto model = factory(config, gen);
  LINATTN_CHECK(model != nullptr, "model factory '", config.name, "' returned no model");
  return model;
}

std::int64_t model_num_classes(const ModelConfig& config) {
  const ModelType* type = find_model_type(config.name);
  if (!type || type->num_classes_key.empty() || !config.options.has(type->num_classes_key)) return 0;
  return std::stoll(config.options.text(type->num_classes_key));
}

}  // namespace linattn
