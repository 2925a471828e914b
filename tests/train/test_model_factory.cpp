// tests/train/test_model_factory.cpp — the model registry and the weight-decay parameter groups.
#include <doctest/doctest.h>

#include "fixtures/tiny.h"
#include "train/optim/adamw.h"
#include "train/param_groups.h"

using namespace linattn;

namespace {

// A module with the parameter kinds the decay rule tells apart.
class Mixed : public Module {
 public:
  Mixed() {
    register_parameter("pos_embed", zeros({1, 4, 8}));
    register_parameter("cls_token", zeros({1, 1, 8}));
    register_parameter("proj_weight", zeros({8, 8}));
    register_parameter("proj_bias", zeros({8}));
    register_parameter("norm_weight", ones({8}));
    register_parameter("scale", ones({}));
  }
};

}  // namespace

TEST_CASE("factory: an unknown model is an error listing the registered ones") {
  ModelConfig c;
  c.name = "no_such_model";
  Generator gen(0);
  register_model("tiny_listed", [](const ModelConfig&, Generator& g) -> std::shared_ptr<ImageClassifier> {
    return std::make_shared<testing::TinyClassifier>(4, 4, 2, 2, g);
  });
  CHECK_THROWS_WITH_AS(make_model(c, gen), doctest::Contains("no model called 'no_such_model'"), Error);
  CHECK_THROWS_WITH_AS(make_model(c, gen), doctest::Contains("tiny_listed"), Error);
  CHECK_THROWS_WITH_AS(make_model(c, gen), doctest::Contains("eamlp"), Error);
}

TEST_CASE("factory: a registered model is built from its config and generator, deterministically") {
  register_model("tiny_factory", [](const ModelConfig& c, Generator& g) -> std::shared_ptr<ImageClassifier> {
    return std::make_shared<testing::TinyClassifier>(8, 8, c.options.get<ViTOptions>().dim, c.options.get<ViTOptions>().num_classes, g);
  });
  ModelConfig c;
  c.name = "tiny_factory";
  c.options.get<ViTOptions>().dim = 5;  // register_model's stand-ins read vit's options
  c.options.get<ViTOptions>().num_classes = 3;
  Generator g1(42), g2(42);
  auto a = make_model(c, g1), b = make_model(c, g2);
  auto* classifier = dynamic_cast<ImageClassifier*>(a.get());
  REQUIRE(classifier != nullptr);
  CHECK(classifier->forward(zeros({2, 3, 8, 8})).shape() == Shape{2, 3});
  CHECK(a->state_dict().size() == 4);
  CHECK(a->state_dict()[0].first == "fc1.weight");
  CHECK(a->state_dict()[0].second.to_vector<float>() == b->state_dict()[0].second.to_vector<float>());
  CHECK_THROWS_AS(register_model("", nullptr), Error);
}

TEST_CASE("param groups: no decay for biases, norms, scalars, pos_embed and cls_token") {
  Mixed m;
  for (const auto& [name, p] : m.named_parameters())
    CHECK_MESSAGE(exempt_from_weight_decay(name, p) == (name != "proj_weight"), name);
  auto groups = weight_decay_groups(m, 0.05);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].params.size() == 1);
  CHECK(*groups[0].weight_decay == 0.05);
  CHECK(groups[1].params.size() == 5);
  CHECK(*groups[1].weight_decay == 0.0);
}

TEST_CASE("param groups: make_optimizer follows the config") {
  Mixed m;
  OptimConfig o;
  o.lr = 0.003;
  o.weight_decay = 0.1;
  auto opt = make_optimizer(o, m);
  CHECK(std::string(opt->name()) == "AdamW");
  REQUIRE(opt->param_groups().size() == 2);
  CHECK(opt->param_groups()[0].weight_decay == 0.1);
  CHECK(opt->param_groups()[1].weight_decay == 0.0);
  CHECK(opt->param_groups()[1].lr == 0.003);
  o.name = OptimizerName::Sgd;
  CHECK(std::string(make_optimizer(o, m)->name()) == "SGD");
}
