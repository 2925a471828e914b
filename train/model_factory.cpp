// train/model_factory.cpp — the model registry behind make_model and the config's model.*
// section (see model_factory.h), with the declarations of the models linattn ships.
#include "train/model_factory.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/error.h"
#include "models/eamlp.h"
#include "models/vit.h"

namespace linattn {

namespace {

using Registry = std::map<std::string, ModelType>;

// ---- vit: models/vit.h ------------------------------------------------------------------------
ViTOptions vit_options(const ModelConfig& c) {
  return ViTOptions{.image_size = c.image_size, .patch = c.patch, .dim = c.dim, .depth = c.depth, .heads = c.heads,
                    .mlp_ratio = c.mlp_ratio, .pool = c.pool == Pool::Cls ? "cls" : "mean",
                    .num_classes = c.num_classes, .attention = c.attention};
}

ModelType vit_type() {
  ModelType t;
  t.name = "vit";
  t.summary = "the reference Vision Transformer (docs/attention.md §8)";
  // patch and pool are checked by the config validator, which knows the dataset's image side.
  t.keys = {"dim", "depth", "heads", "mlp_ratio", "patch", "pool", "num_classes", "attention"};
  t.attention_site = [](const ModelConfig& c) {
    const std::int64_t side = c.image_size > 0 && c.patch > 0 ? c.image_size / c.patch : 0;  // 0: unknown
    return AttentionSite{.dim = c.dim, .heads = c.heads, .grid = {side, side}, .cls_token = c.pool == Pool::Cls};
  };
  t.make = [](const ModelConfig& c, Generator& g) { return std::make_shared<ViT>(vit_options(c), g); };
  return t;
}

// ---- eamlp: models/eamlp.h --------------------------------------------------------------------
// EAMLP's tokens-to-token stem is fixed (docs/eamlp.md) and it always reads out a cls token, so it
// reads neither model.patch nor model.pool.
EAMLPOptions eamlp_options(const ModelConfig& c) {
  EAMLPOptions o;
  o.image_size = c.image_size;
  o.embed_dim = c.dim;
  o.depth = c.depth;
  o.heads = c.heads;
  o.mlp_ratio = c.mlp_ratio;
  o.num_classes = c.num_classes;
  o.attention = c.attention;
  return o;
}

ModelType eamlp_type() {
  ModelType t;
  t.name = "eamlp";
  t.summary = "EANet's all-MLP classifier, a T2T-ViT with external attention (docs/eamlp.md)";
  t.keys = {"dim", "depth", "heads", "mlp_ratio", "num_classes", "attention"};
  t.attention_site = [](const ModelConfig& c) {
    std::int64_t side = c.image_size;  // the stem's splits: stride 1, 2, 2 (padding 1, kernel 3)
    for (const SoftSplit& s : EAMLPOptions{}.soft_splits)
      side = side > 0 ? (side + 2 * s.padding - s.kernel) / s.stride + 1 : 0;
    return AttentionSite{.dim = c.dim, .heads = c.heads, .grid = {side, side}, .cls_token = true};
  };
  t.make = [](const ModelConfig& c, Generator& g) { return std::make_shared<EAMLP>(eamlp_options(c), g); };
  return t;
}

// The models linattn ships, registered on the registry's first use (one line per model).
void register_builtin_models(Registry& registry) {
  for (ModelType t : {vit_type(), eamlp_type()}) registry[t.name] = std::move(t);
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

}  // namespace

bool ModelType::reads(const std::string& key) const { return std::find(keys.begin(), keys.end(), key) != keys.end(); }

const std::vector<std::string>& model_option_keys() {
  static const std::vector<std::string> keys{"dim", "depth", "heads", "mlp_ratio", "patch",
                                             "pool", "num_classes", "attention"};
  return keys;
}

void register_model_type(ModelType type) {
  LINATTN_CHECK(!type.name.empty() && type.make, "register_model_type: needs a non-empty name and a factory");
  for (const auto& key : type.keys)
    LINATTN_CHECK(std::find(model_option_keys().begin(), model_option_keys().end(), key) != model_option_keys().end(),
                  "register_model_type: model '", type.name, "' reads '", key, "', which is no model.* key");
  Guarded& g = guarded();
  std::lock_guard lock(g.mutex);
  g.registry[type.name] = std::move(type);
}

void register_model(const std::string& name, ModelFactory factory) {
  LINATTN_CHECK(!name.empty() && factory, "register_model: needs a non-empty name and a factory");
  ModelType t;
  t.name = name;
  t.summary = "registered with register_model";
  t.keys = model_option_keys();
  t.make = std::move(factory);
  register_model_type(std::move(t));
}

std::vector<std::string> registered_models() {
  Guarded& g = guarded();
  std::lock_guard lock(g.mutex);
  std::vector<std::string> names;
  for (const auto& [name, t] : g.registry) names.push_back(name);
  return names;
}

const ModelType* find_model_type(const std::string& name) {
  Guarded& g = guarded();
  std::lock_guard lock(g.mutex);
  auto it = g.registry.find(name);
  return it == g.registry.end() ? nullptr : &it->second;  // entries are never erased (std::map nodes are stable)
}

std::shared_ptr<Module> make_model(const ModelConfig& config, Generator& gen) {
  const ModelType* type = find_model_type(config.name);
  if (!type) {
    std::string known;
    for (const auto& name : registered_models()) known += (known.empty() ? "" : ", ") + name;
    fail(str_cat("model.name: no model called '", config.name, "' is built into this linattn (known models: ",
                 known.empty() ? "none yet" : known, ")"));
  }
  ModelFactory factory = type->make;  // a copy: a later registration may replace the entry
  auto model = factory(config, gen);
  LINATTN_CHECK(model != nullptr, "model factory '", config.name, "' returned no model");
  return model;
}

}  // namespace linattn
