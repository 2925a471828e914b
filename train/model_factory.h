// train/model_factory.h — builds the classifier a config names: a registry from model name ("vit",
// "eamlp", the YAML spelling of ModelConfig::name) to a factory function. Used by the trainer and
// `linattn eval`; the models register themselves in register_builtin_models() (model_factory.cpp), and
// tests register tiny models of their own with register_model().
//
// Invariants: the registry is filled once, on first use, and is safe to read from any thread;
// register_model() replaces an existing entry (so a test can stand in for a real model). Asking
// for an unregistered name is a linattn::Error that lists every registered name.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "models/classifier.h"
#include "train/config.h"

namespace linattn {

// Builds a model from its config, drawing every initial weight from `gen`.
using ModelFactory = std::function<std::shared_ptr<ImageClassifier>(const ModelConfig&, Generator&)>;

void register_model(const std::string& name, ModelFactory factory);
std::vector<std::string> registered_models();  // sorted

// The model `config.name` names, initialized from `gen`. Error when no factory has that name.
std::shared_ptr<ImageClassifier> make_model(const ModelConfig& config, Generator& gen);

}  // namespace linattn
