// tests/train/test_config_models.cpp — model.name is a free string checked against the model
// registry, each model reads only its own keys (an unused key is an error naming the key and the
// model; the resolved config leaves it out), `task:` is checked against the task registry, and
// the dataset fixes the geometry (image side, classes) the checks use.
#include <doctest/doctest.h>

#include "train/config.h"
#include "train/config_test_util.h"
#include "train/model_factory.h"

using namespace linattn;
using linattn::test::error_of;
using linattn::test::has;

namespace {

std::string parse_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  return error_of([&] { parse_config_string(yaml, "exp.yaml", overrides); });
}

}  // namespace

TEST_CASE("model.name: an unregistered model names file and line and lists the registered ones") {
  const std::string m = parse_error("seed: 1\nmodel:\n  name: vitt\n");
  CHECK(has(m, "exp.yaml:3: model.name: unknown model 'vitt' (did you mean 'vit'?)"));
  CHECK(has(m, "registered: eamlp, vit"));
}

TEST_CASE("model.name: a model registered from anywhere is selectable from YAML") {
  ModelType t;
  t.name = "test_only_model";
  t.keys = {"dim", "num_classes"};
  t.make = [](const ModelConfig&, Generator&) -> std::shared_ptr<Module> { return std::make_shared<Module>(); };
  register_model_type(t);
  const ExperimentConfig c = parse_config_string("model:\n  name: test_only_model\n  dim: 12\n", "exp.yaml");
  CHECK(c.model.name == "test_only_model");
  CHECK(c.model.dim == 12);
  // Only its keys are written back, and they read back the same.
  const std::string yaml = to_yaml(c);
  CHECK(has(yaml, "name: test_only_model"));
  CHECK_FALSE(has(yaml, "patch:"));
  CHECK_FALSE(has(yaml, "attention:"));
  CHECK(parse_config_string(yaml, "exp.yaml").model.dim == 12);
  // A key it does not read is an error naming the key, the model and the source.
  CHECK(has(parse_error("model:\n  name: test_only_model\n  heads: 2\n"),
            "exp.yaml:3: model.heads: model 'test_only_model' does not use model.heads (it reads: dim, num_classes)"));
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
  CHECK(c.model.dim == 64);  // read by both: kept
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
  CHECK(coco.model.num_classes == 80);
}
