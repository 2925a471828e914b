// models/model_type.h — the model registry: from model.name (a free string in the config) to
// what that model declares, once, in its own file (models/vit_type.cpp, models/eamlp_type.cpp;
// one registration line each in model_type.cpp, or register_model_type from anywhere, e.g. a
// test):
//   - its options: a struct with defaults and a field table (ModelTypeBuilder<O>, built on
//     layers/option_fields.h) — the model.* keys it reads besides `name` and `attention`; a key
//     it does not declare is a config error naming the key and the model;
//   - its checks of those options against the dataset (reported at model.<key> with the file and
//     line the value came from);
//   - where its attention layers sit (the token grid, a cls token), so the attention type's
//     rules are checked against the model the config builds, and which option gives the
//     attention its heads;
//   - its class count (a classifier's), for the task;
//   - its factory: a Module — an ImageClassifier (models/classifier.h) or an ObjectDetector
//     (models/detector.h); the run's task checks that it is the kind it trains.
// Used by the config reader, writer and validator (train/config_*.cpp), the trainer, `linattn
// eval` and `linattn bench`. Nothing here knows the config file format.
//
// Invariants: the registry is filled once, on first use, and is safe to read from any thread;
// registering a name again replaces it (so a test can stand in for a real model). Asking for an
// unregistered name is a linattn::Error that lists every registered name.
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "layers/attention/attention_type.h"
#include "layers/attention/options.h"
#include "layers/module.h"
#include "layers/option_fields.h"

namespace linattn {

struct ModelType;

// The options of one model as a value: its options struct (type-erased) and its field table.
class ModelOptions {
 public:
  ModelOptions();  // vit's defaults
  // The defaults of the model called `model` (an error lists the registered models).
  static ModelOptions defaults(const std::string& model);

  const std::string& model_name() const { return model_; }
  template <class T>
  const T& get() const {
    check_holds(typeid(T));
    return *std::any_cast<T>(&value_);
  }
  template <class T>
  T& get() {
    check_holds(typeid(T));
    return *std::any_cast<T>(&value_);
  }
  const std::any& value() const { return value_; }
  const std::vector<OptionField>& fields() const { return *fields_; }

  bool has(const std::string& key) const { return find_option_field(*fields_, key) != nullptr; }
  // The option `key` as text (as the resolved config writes it); an unknown key is an error.
  std::string text(const std::string& key) const;
  // One option from text (an unknown key lists the model's keys; a bad value names the key).
  void set(const std::string& key, const std::string& value);
  // Every option as key -> text, in the model's field order; setting them back gives equal options.
  std::vector<std::pair<std::string, std::string>> values() const;

  bool operator==(const ModelOptions& other) const;

 private:
  struct Uninitialized {};
  explicit ModelOptions(Uninitialized) {}
  void check_holds(const std::type_info& t) const;
  std::string model_;
  std::shared_ptr<const std::vector<OptionField>> fields_;
  std::any value_;
};

// A model's configuration: which model, its options, its attention, and the image side.
struct ModelConfig {
  std::string name = "vit";                                  // a registered model
  ModelOptions options;                                      // that model's options (model.*)
  AttentionOptions attention = SoftmaxOptions{.heads = 3};  // type + that type's options
  // Not a key: the side of the square images the model sees, set from data.dataset when the
  // config is read (train/dataset_info.h).
  std::int64_t image_size = 32;

  std::string attention_type() const { return attention.type_name(); }
  bool operator==(const ModelConfig& other) const = default;  // options compared key by key
};

// What the dataset fixes for a model's checks (train/dataset_info.h).
struct ModelContext {
  std::int64_t image_size = 0;   // the square images' side; 0: not fixed
  std::int64_t num_classes = 0;  // 0: not fixed
  std::string dataset;           // data.dataset as written: "cifar10"
  std::string display_name;      // "CIFAR-10", for messages
};

// Receives a model's checks; `key` is one of its option keys ("patch"), reported as model.<key>
// with the file and line it came from.
class ModelChecks {
 public:
  virtual ~ModelChecks() = default;
  virtual void require(bool ok, const std::string& key, const std::string& what) const = 0;
  // "model.dim (192, from configs/x.yaml:3)": another option cited in a message.
  virtual std::string cite(const std::string& key) const = 0;
};

// Builds a model from its config, drawing every initial weight from `gen`.
using ModelFactory = std::function<std::shared_ptr<Module>(const ModelConfig&, Generator&)>;

struct ModelType {
  std::string name;     // model.name
  std::string summary;  // one line for messages and help
  std::any defaults;    // the options struct, with its defaults
  std::shared_ptr<const std::vector<OptionField>> fields;  // its model.* keys, in config order
  bool reads_attention = true;                             // whether it reads model.attention
  // May be empty (no checks).
  std::function<void(const ModelOptions&, const ModelContext&, const ModelChecks&)> check;
  // Where its attention layers sit, for the attention type's rules; empty: no attention. The
  // int is the image side (0: unknown).
  std::function<AttentionSite(const ModelOptions&, std::int64_t)> attention_site;
  std::string heads_key;        // the option that sets the attention's heads; empty: none
  std::string num_classes_key;  // a classifier's class count; empty: not a classifier
  ModelFactory make;

  // The model.* keys it reads besides `name`: its option keys, then "attention" if it reads it.
  std::vector<std::string> keys() const;
  bool reads(const std::string& key) const;
  ModelOptions default_options() const;
};

// Declares a model over its options struct O: the fields (from OptionFieldsBuilder), then
//     .check(f) .attention_site(f) .heads("heads") .num_classes("num_classes") .make(f)
// with f taking `const O&`; build() hands over the ModelType.
template <class O>
class ModelTypeBuilder : public OptionFieldsBuilder<O, ModelTypeBuilder<O>> {
 public:
  ModelTypeBuilder(std::string name, std::string summary, O defaults = O{})
      : OptionFieldsBuilder<O, ModelTypeBuilder<O>>("model option") {
    type_.name = std::move(name);
    type_.summary = std::move(summary);
    type_.defaults = std::move(defaults);
  }
  ModelTypeBuilder& check(std::function<void(const O&, const ModelContext&, const ModelChecks&)> f) {
    type_.check = [f](const ModelOptions& o, const ModelContext& ctx, const ModelChecks& c) { f(o.get<O>(), ctx, c); };
    return *this;
  }
  ModelTypeBuilder& attention_site(std::function<AttentionSite(const O&, std::int64_t)> f) {
    type_.attention_site = [f](const ModelOptions& o, std::int64_t side) { return f(o.get<O>(), side); };
    return *this;
  }
  ModelTypeBuilder& no_attention() {
    type_.reads_attention = false;
    return *this;
  }
  ModelTypeBuilder& heads(std::string key) {
    type_.heads_key = std::move(key);
    return *this;
  }
  ModelTypeBuilder& num_classes(std::string key) {
    type_.num_classes_key = std::move(key);
    return *this;
  }
  // f(options, attention, image side, gen)
  ModelTypeBuilder& make(
      std::function<std::shared_ptr<Module>(const O&, const AttentionOptions&, std::int64_t, Generator&)> f) {
    type_.make = [f](const ModelConfig& c, Generator& g) { return f(c.options.get<O>(), c.attention, c.image_size, g); };
    return *this;
  }
  ModelType build() {
    type_.fields = std::make_shared<const std::vector<OptionField>>(this->take_fields());
    return std::move(type_);
  }

 private:
  ModelType type_;
};

void register_model_type(ModelType type);
// A stand-in for tests: vit's options and attention, no checks, `factory` as its factory.
void register_model(const std::string& name, ModelFactory factory);
std::vector<std::string> registered_models();  // sorted
// The type called `name`, or null.
const ModelType* find_model_type(const std::string& name);

// The model `config.name` names, initialized from `gen`. Error when no model has that name.
std::shared_ptr<Module> make_model(const ModelConfig& config, Generator& gen);

// A classifier's class count (its num_classes option); 0 for a model without one.
std::int64_t model_num_classes(const ModelConfig& config);

}  // namespace linattn
