// tests/train/test_config_models.cpp — model.name is a free string checked against the model
// registry, each model reads only its own keys (an unused key is an error naming the key and the
// model; the resolved config leaves it out), `task:` is checked against the task registry, and
// the dataset fixes the geometry (image side, classes) the checks use.
#include <doctest/doctest.h>

#include "train/config.h"
#include "train/config_test_util.h"
#include "models/eamlp.h"
#include "models/model_type.h"
#include "models/vit.h"

using namespace linattn;
using linattn::test::error_of;
using linattn::test::has;
using linattn::test::parse_error;

TEST_CASE("model.name: an unregistered model names file and line and lists the registered ones") {
  const std::string m = parse_error("seed: 1\nmodel:\n  name: vitt\n");
  CHECK(has(m, "exp.yaml:3: model.name: unknown model 'vitt' (did you mean 'vit'?)"));
  CHECK(has(m, "eamlp, vit"));  // the registered models, in order
}

// A model declared here, over its own options struct: nothing outside this file knows it.
namespace {
struct TestOnlyOptions {
  std::int64_t dim = 8, num_classes = 10;
};
}  // namespace

TEST_CASE("model.name: a model registered from anywhere is selectable from YAML") {
  register_model_type(ModelTypeBuilder<TestOnlyOptions>("test_only_model", "a test's model")
                          .integer("dim", &TestOnlyOptions::dim, "width")
                          .integer("num_classes", &TestOnlyOptions::num_classes, "classes")
                          .no_attention()
                          .make([](const TestOnlyOptions&, const AttentionOptions&, std::int64_t,
                                   Generator&) -> std::shared_ptr<Module> { return std::make_shared<Module>(); })
                          .build());
  const ExperimentConfig c = parse_config_string("model:\n  name: test_only_model\n  dim: 12\n", "exp.yaml");
  CHECK(c.model.name == "test_only_model");
  CHECK(c.model.options.get<TestOnlyOptions>().dim == 12);
  // Only its keys are written back, and they read back the same.
  const std::string yaml = to_yaml(c);
  CHECK(has(yaml, "name: test_only_model"));
  CHECK_FALSE(has(yaml, "patch:"));
  CHECK_FALSE(has(yaml, "attention:"));
  CHECK(parse_config_string(yaml, "exp.yaml").model.options.get<TestOnlyOptions>().dim == 12);
  // A key it does not read is an error naming the key, the model and the source.
  CHECK(has(parse_error("model:\n  name: test_only_model\n  heads: 2\n"),
            "exp.yaml:3: model.heads: model 'test_only_model' does not use model.heads (it reads: dim, num_classes)"));
}

// The one-place rule for models: a toy model with an option no shipped model has, declared and
// registered here, is read from YAML (its own checks at the key's file and line), written back
// and read again to the same options, and built by make_model.
namespace {
struct ToyOptions {
  std::int64_t dim = 4, num_classes = 10;
  std::string mixer = "sum";  // sum | max
  double gain = 1.5;
};

class ToyModel : public Module {
 public:
  explicit ToyModel(const ToyOptions& o) : options(o) {}
  ToyOptions options;
};
}  // namespace

TEST_CASE("model.name: a toy model with its own options, registered from the test") {
  register_model_type(ModelTypeBuilder<ToyOptions>("toy_mixer", "a test's toy model")
                          .integer("dim", &ToyOptions::dim, "width")
                          .integer("num_classes", &ToyOptions::num_classes, "classes")
                          .choice("mixer", &ToyOptions::mixer, {"sum", "max"}, "how tokens are mixed")
                          .real("gain", &ToyOptions::gain, "> 0")
                          .check([](const ToyOptions& o, const ModelContext&, const ModelChecks& c) {
                            c.require(o.gain > 0, "gain", "must be > 0; got " + std::to_string(o.gain));
                          })
                          .no_attention()
                          .num_classes("num_classes")
                          .make([](const ToyOptions& o, const AttentionOptions&, std::int64_t,
                                   Generator&) -> std::shared_ptr<Module> { return std::make_shared<ToyModel>(o); })
                          .build());
  const std::string yaml = "model:\n  name: toy_mixer\n  mixer: max\n  gain: 0.25\n";
  const ExperimentConfig c = parse_config_string(yaml, "exp.yaml");
  CHECK(c.model.options.get<ToyOptions>().mixer == "max");
  CHECK(c.model.options.get<ToyOptions>().gain == 0.25);
  CHECK(model_num_classes(c.model) == 10);
  const std::string written = to_yaml(c);
  CHECK(has(written, "  name: toy_mixer\n  dim: 4\n  num_classes: 10\n  mixer: max\n  gain: 0.25\n"));
  CHECK(parse_config_string(written, "again.yaml") == c);
  Generator gen(0);
  auto model = std::dynamic_pointer_cast<ToyModel>(make_model(c.model, gen));
  REQUIRE(model != nullptr);
  CHECK(model->options.mixer == "max");
  // Its options are checked like any model's, at the key's own file and line.
  CHECK(has(parse_error("model:\n  name: toy_mixer\n  mixer: min\n"), "exp.yaml:3: model.mixer: unknown value 'min'"));
  CHECK(has(parse_error("model:\n  name: toy_mixer\n  gain: 0\n"), "exp.yaml:3: model.gain: must be > 0"));
  CHECK(has(parse_error("model:\n  name: toy_mixer\n  patch: 4\n"), "exp.yaml:3: model.patch: model 'toy_mixer' does not use"));
  // A vit config does not know the toy's option.
  CHECK(has(parse_error("model:\n  mixer: max\n"), "exp.yaml:2: model.mixer: model 'vit' does not use model.mixer"));
}

TEST_CASE("model keys: EAMLP reads neither patch nor pool") {
  const std::string eamlp = "model:\n  name: eamlp\n  dim: 64\n  heads: 4\n  attention:\n    type: external\n";
  CHECK(has(parse_error(eamlp, {"model.pool=mean"}),
            "--set model.pool=mean: model.pool: model 'eamlp' does not use model.pool"));
  CHECK(has(parse_error(eamlp + "  patch: 4\n"), "exp.yaml:7: model.patch: model 'eamlp' does not use model.patch"));
  const ExperimentConfig c = parse_config_string(eamlp, "exp.yaml");
  const std::string yaml = to_yaml(c);
  CHECK_FALSE(has(yaml, "patch:"));
  CHECK_FALSE(has(yaml, "pool:"));
  CHECK(parse_config_string(yaml, "again.yaml").model == c.model);
}

TEST_CASE("model keys: switching model.name drops the keys inherited for the old model") {
  test::ScratchDir dir;
  dir.write("base.yaml", "model:\n  name: vit\n  patch: 8\n  pool: cls\n  dim: 64\n  heads: 4\n");
  dir.write("eamlp.yaml", "base: base.yaml\nmodel:\n  name: eamlp\n  attention:\n    type: external\n");
  const ExperimentConfig c = load_config(dir.path("eamlp.yaml"));
  CHECK(c.model.name == "eamlp");
  CHECK(c.model.options.get<EAMLPOptions>().embed_dim == 64);  // read by both: kept
  // The same from the command line.
  CHECK(load_config(dir.path("base.yaml"), {"model.name=eamlp"}).model.name == "eamlp");
}

TEST_CASE("model keys: EAMLP's cls token meets the attention rules without model.pool") {
  const std::string m = parse_error("model:\n  name: eamlp\n  dim: 64\n  heads: 4\n  attention:\n    type: cos2d\n");
  CHECK(has(m, "model.attention.type: cos2d needs every token on the grid"));
  CHECK(has(m, "model.name (eamlp"));
}

TEST_CASE("task: checked against the task registry") {
  CHECK(parse_config_string("seed: 1\n", "exp.yaml").task == "classification");
  const std::string m = parse_error("task: clasification\n");
  CHECK(has(m, "exp.yaml:1: task: unknown task 'clasification' (did you mean 'classification'?)"));
  CHECK(has(m, "registered: classification, detection"));
}

TEST_CASE("geometry: the dataset fixes the image side and the classes the checks use") {
  CHECK(has(parse_error("model:\n  patch: 5\n"), "exp.yaml:2: model.patch: must divide the image side (32 for cifar10)"));
  CHECK(has(parse_error("model:\n  num_classes: 100\n"), "exp.yaml:2: model.num_classes: CIFAR-10 has 10 classes; got 100"));
  CHECK(parse_config_string("seed: 1\n", "exp.yaml").model.image_size == 32);
  CHECK(parse_config_string("data:\n  image_size: 32\n", "exp.yaml").model.image_size == 32);
  // COCO: the detection canvas (data.image_size, 256 by default) and 80 classes, or those of
  // data.categories.
  const ExperimentConfig coco = parse_config_string("data:\n  dataset: coco\nmodel:\n  patch: 8\n  num_classes: 80\n", "c.yaml");
  CHECK(coco.model.image_size == 256);
  CHECK(coco.model.options.get<ViTOptions>().num_classes == 80);
  CHECK(has(parse_error("data:\n  dataset: coco\nmodel:\n  patch: 5\n  num_classes: 80\n"),
            "exp.yaml:4: model.patch: must divide the image side (256 for coco)"));
  CHECK(has(parse_error("data:\n  dataset: coco\n  image_size: 96\nmodel:\n  patch: 64\n  num_classes: 80\n"),
            "exp.yaml:5: model.patch: must divide the image side (96 for coco)"));
  CHECK(parse_config_string("data:\n  dataset: coco\n  image_size: 96\nmodel:\n  num_classes: 80\n", "c.yaml").model.image_size == 96);
  CHECK(has(parse_error("data:\n  dataset: coco\nmodel:\n  num_classes: 10\n"),
            "exp.yaml:4: model.num_classes: COCO has 80 classes; got 10"));
  CHECK(has(parse_error("data:\n  dataset: coco\n  categories: [person]\nmodel:\n  num_classes: 80\n"),
            "exp.yaml:5: model.num_classes: COCO has 1 classes; got 80"));
  CHECK(parse_config_string("data:\n  dataset: coco\n  categories: [person, dog]\nmodel:\n  num_classes: 2\n", "c.yaml")
            .data.categories.size() == 2);
}

// A model with dotted option keys, as DETR-lite's cross_attention.type: nested maps in YAML,
// dotted paths with --set, suggestions for unknown sub-keys, and nested again when written.
namespace {
struct NestedOptions {
  std::int64_t dim = 8, num_classes = 80;
  std::string cross_type = "softmax";
  std::int64_t cross_heads = 1;
  double gain = 1;
};
class NestedModel : public Module {};
void register_nested_model() {
  register_model_type(ModelTypeBuilder<NestedOptions>("nested_model", "a test's model with dotted keys")
                          .integer("dim", &NestedOptions::dim, "width")
                          .integer("num_classes", &NestedOptions::num_classes, "classes")
                          .choice("cross_attention.type", &NestedOptions::cross_type,
                                  {"softmax", "efficient", "linformer"}, "decoder cross-attention")
                          .integer("cross_attention.heads", &NestedOptions::cross_heads, "its heads")
                          .real("gain", &NestedOptions::gain, "a number after the group")
                          .check([](const NestedOptions& o, const ModelContext&, const ModelChecks& c) {
                            c.require(o.cross_heads > 0, "cross_attention.heads", "must be > 0");
                          })
                          .no_attention()
                          .num_classes("num_classes")
                          .make([](const NestedOptions&, const AttentionOptions&, std::int64_t,
                                   Generator&) -> std::shared_ptr<Module> { return std::make_shared<NestedModel>(); })
                          .build());
}
}  // namespace

TEST_CASE("model keys: dotted option keys are nested maps in YAML and dotted paths with --set") {
  register_nested_model();
  const std::string yaml = "data:\n  dataset: coco\nmodel:\n  name: nested_model\n  cross_attention:\n"
                           "    type: linformer\n    heads: 2\n";
  const ExperimentConfig c = parse_config_string(yaml, "exp.yaml");
  CHECK(c.model.options.get<NestedOptions>().cross_type == "linformer");
  CHECK(c.model.options.get<NestedOptions>().cross_heads == 2);
  // Written back nested, at the place of the group's first key, and read back equal.
  const std::string written = to_yaml(c);
  CHECK(has(written, "  name: nested_model\n  dim: 8\n  num_classes: 80\n  cross_attention:\n    type: linformer\n"
                     "    heads: 2\n  gain: 1.0\n"));
  CHECK(parse_config_string(written, "again.yaml") == c);
  // --set by the dotted path, or the group as a flow map.
  const ExperimentConfig s = parse_config_string(yaml, "exp.yaml", {"model.cross_attention.type=efficient"});
  CHECK(s.model.options.get<NestedOptions>().cross_type == "efficient");
  CHECK(s.model.options.get<NestedOptions>().cross_heads == 2);  // the group merges key by key
  CHECK(parse_config_string(yaml, "exp.yaml", {"model.cross_attention={heads: 3}"})
            .model.options.get<NestedOptions>()
            .cross_heads == 3);
  CHECK(apply_override(c, "model.cross_attention.heads=4").model.options.get<NestedOptions>().cross_heads == 4);
  // Errors: unknown sub-keys with suggestions, bad values and the model's checks at the key's line.
  std::string m = parse_error(yaml + "    tpye: softmax\n");
  CHECK(has(m, "exp.yaml:8: model.cross_attention.tpye: unknown key 'tpye' in model.cross_attention (did you mean 'type'?)"));
  CHECK(has(m, "valid keys: type, heads"));
  m = parse_error(yaml, {"model.cross_attention.tpye=softmax"});
  CHECK(has(m, "--set model.cross_attention.tpye=softmax: model.cross_attention.tpye: unknown key 'tpye'"));
  CHECK(has(m, "did you mean 'type'?"));
  CHECK(has(parse_error(yaml, {"model.cross_attention.type=additive"}),
            "model.cross_attention.type: unknown value 'additive'; expected one of softmax, efficient, linformer"));
  CHECK(has(parse_error("data:\n  dataset: coco\nmodel:\n  name: nested_model\n  cross_attention:\n    heads: 0\n"),
            "exp.yaml:6: model.cross_attention.heads: must be > 0"));
  CHECK(has(parse_error("data:\n  dataset: coco\nmodel:\n  name: nested_model\n  cross_attention: linformer\n"),
            "exp.yaml:5: model.cross_attention: expects a map of type, heads, got 'linformer'"));
  CHECK(has(parse_error("data:\n  dataset: coco\nmodel:\n  name: nested_model\n  cross_atention:\n    type: softmax\n"),
            "exp.yaml:5: model.cross_atention: unknown key 'cross_atention' in model (did you mean 'cross_attention'?)"));
  // A model without the group does not read it; switching models drops an inherited group.
  CHECK(has(parse_error("model:\n  cross_attention:\n    type: softmax\n"),
            "exp.yaml:3: model.cross_attention.type: model 'vit' does not use model.cross_attention.type"));
  test::ScratchDir dir;
  dir.write("base.yaml", yaml);
  dir.write("vit.yaml", "base: base.yaml\ndata:\n  dataset: cifar10\nmodel:\n  name: vit\n  num_classes: 10\n");
  const ExperimentConfig v = load_config(dir.path("vit.yaml"));
  CHECK(v.model.name == "vit");
  CHECK_FALSE(has(to_yaml(v), "cross_attention"));
}
