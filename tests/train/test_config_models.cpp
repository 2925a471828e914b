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
  CHECK(has(m, "registered: eamlp, vit"));
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
  CHECK(has(m, "registered: classification"));
}

TEST_CASE("geometry: the dataset fixes the image side and the classes the checks use") {
  CHECK(has(parse_error("model:\n  patch: 5\n"), "exp.yaml:2: model.patch: must divide the image side (32 for cifar10)"));
  CHECK(has(parse_error("model:\n  num_classes: 100\n"), "exp.yaml:2: model.num_classes: CIFAR-10 has 10 classes; got 100"));
  CHECK(parse_config_string("seed: 1\n", "exp.yaml").model.image_size == 32);
  // COCO fixes neither (the detection task letterboxes to its own canvas).
  const ExperimentConfig coco = parse_config_string("data:\n  dataset: coco\nmodel:\n  patch: 5\n  num_classes: 80\n", "c.yaml");
  CHECK(coco.model.options.get<ViTOptions>().num_classes == 80);
}
