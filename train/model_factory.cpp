// train/model_factory.cpp — the model registry behind make_model (see model_factory.h).
#include "train/model_factory.h"

#include <map>
#include <mutex>

#include "core/error.h"
#include "models/eamlp.h"
#include "models/vit.h"

namespace linattn {

namespace {

using Registry = std::map<std::string, ModelFactory>;

ViTOptions vit_options(const ModelConfig& c) {
  return ViTOptions{.patch = c.patch, .dim = c.dim, .depth = c.depth, .heads = c.heads, .mlp_ratio = c.mlp_ratio,
                    .pool = c.pool == Pool::Cls ? "cls" : "mean", .num_classes = c.num_classes,
                    .attention = c.attention};
}

// EAMLP takes dim, depth, heads, MLP ratio, classes and the attention from the config; its
// tokens-to-token stem is fixed (models/eamlp.h, docs/eamlp.md) and it always reads out a cls
// token, so model.patch and model.pool do not apply to it.
EAMLPOptions eamlp_options(const ModelConfig& c) {
  EAMLPOptions o;
  o.embed_dim = c.dim;
  o.depth = c.depth;
  o.heads = c.heads;
  o.mlp_ratio = c.mlp_ratio;
  o.num_classes = c.num_classes;
  o.attention = c.attention;
  return o;
}

// The models linattn ships, registered on the registry's first use (one line per model).
void register_builtin_models(Registry& registry) {
  registry["vit"] = [](const ModelConfig& c, Generator& g) { return std::make_shared<ViT>(vit_options(c), g); };
  registry["eamlp"] = [](const ModelConfig& c, Generator& g) { return std::make_shared<EAMLP>(eamlp_options(c), g); };
}

struct Guarded {
  std::mutex mutex;
  Registry registry;
};

Guarded& guarded() {
  static Guarded* g = [] {
    auto* out = new Guarded();  // never destroyed: usable from static destructors
    register_builtin_models(out->registry);
    return out;
  }();
  return *g;
}

// The YAML spelling of the name (train/config.cpp's to_string, without linking train/).
std::string model_key(ModelName name) {
  switch (name) {
    case ModelName::Vit: return "vit";
    case ModelName::Eamlp: return "eamlp";
  }
  return "?";
}

}  // namespace

void register_model(const std::string& name, ModelFactory factory) {
  LINATTN_CHECK(!name.empty() && factory, "register_model: needs a non-empty name and a factory");
  Guarded& g = guarded();
  std::lock_guard lock(g.mutex);
  g.registry[name] = std::move(factory);
}

std::vector<std::string> registered_models() {
  Guarded& g = guarded();
  std::lock_guard lock(g.mutex);
  std::vector<std::string> names;
  for (const auto& [name, f] : g.registry) names.push_back(name);
  return names;
}

std::shared_ptr<ImageClassifier> make_model(const ModelConfig& config, Generator& gen) {
  const std::string key = model_key(config.name);
  ModelFactory factory;
  {
    Guarded& g = guarded();
    std::lock_guard lock(g.mutex);
    auto it = g.registry.find(key);
    if (it != g.registry.end()) factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const auto& name : registered_models()) known += (known.empty() ? "" : ", ") + name;
    fail(str_cat("model.name: no model called '", key, "' is built into this linattn (known models: ",
                 known.empty() ? "none yet" : known, ")"));
  }
  auto model = factory(config, gen);
  LINATTN_CHECK(model != nullptr, "model factory '", key, "' returned no model");
  return model;
}

}  // namespace linattn
