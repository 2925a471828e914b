// train/model_factory.h — the model registry: from model.name (a free string in the config) to
// what that model declares, once, next to its registration line (register_builtin_models in
// model_factory.cpp, or register_model_type from anywhere, e.g. a test):
//   - the model.* keys it reads (besides `name`): a key it does not read is a config error naming
//     the key and the model, and the resolved config.yaml leaves it out;
//   - its checks of those keys (reported at model.<key> with the file and line);
//   - where its attention layers sit (the token grid, a cls token), so the attention type's
//     rules are checked against the model the config builds;
//   - its factory: a Module — an ImageClassifier (models/classifier.h) or an ObjectDetector
//     (models/detector.h); the run's task (train/task.h) checks that it is the kind it trains.
// Used by the config reader and validator, the trainer, `linattn eval` and `linattn bench`.
//
// Invariants: the registry is filled once, on first use, and is safe to read from any thread;
// registering a name again replaces it (so a test can stand in for a real model). Asking for an
// unregistered name is a linattn::Error that lists every registered name.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "layers/attention/attention_type.h"
#include "layers/module.h"
#include "train/config.h"

namespace linattn {

// Builds a model from its config, drawing every initial weight from `gen`.
using ModelFactory = std::function<std::shared_ptr<Module>(const ModelConfig&, Generator&)>;

// Receives a model's checks; `key` is a model.* key ("patch"), reported as model.<key> with the
// file and line it came from.
class ModelChecks {
 public:
  virtual ~ModelChecks() = default;
  virtual void require(bool ok, const std::string& key, const std::string& what) const = 0;
};

struct ModelType {
  std::string name;               // model.name
  std::string summary;            // one line for messages and help
  std::vector<std::string> keys;  // the model.* keys it reads, in config order ("attention" included)
  std::function<void(const ModelConfig&, const ModelChecks&)> check;  // may be empty
  // Where its attention layers sit, for the attention type's rules; may be empty (no attention).
  std::function<AttentionSite(const ModelConfig&)> attention_site;
  ModelFactory make;

  bool reads(const std::string& key) const;
};

// Every model.* key a model may read (besides `name`), in config order.
const std::vector<std::string>& model_option_keys();

void register_model_type(ModelType type);
// A model that reads every key, with no checks of its own (tests' stand-ins).
void register_model(const std::string& name, ModelFactory factory);
std::vector<std::string> registered_models();  // sorted
// The type called `name`, or null.
const ModelType* find_model_type(const std::string& name);

// The model `config.name` names, initialized from `gen`. Error when no model has that name.
std::shared_ptr<Module> make_model(const ModelConfig& config, Generator& gen);

}  // namespace linattn
