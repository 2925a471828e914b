// tests/train/test_toy_attention.cpp — the one-place rule for attention types: a seventh type,
// "toy_mean", declared and registered here, in the test, with nothing else in the tree knowing
// it, is selectable from YAML (model.attention.type: toy_mean and its option), checked with the
// config's file:line errors, written back in the resolved config.yaml and read again to an
// equal config, listed by the registry, and trained for a few steps by the Trainer inside the
// real ViT built from the config.
//
// toy_mean (x (B, N, C) → (B, N, C)): y_n = proj(gain · mean_m x_m) for every token n — every
// token gets the same global summary; differentiable in x and proj's parameters. One option:
// gain (a real number, default 1.0, > 0).
#include <doctest/doctest.h>

#include <algorithm>

#include "core/ops.h"
#include "fixtures/tiny.h"
#include "layers/attention/attention.h"
#include "layers/linear.h"
#include "models/vit.h"
#include "support/gradcheck.h"
#include "train/run_dir.h"
#include "train/trainer.h"

using namespace linattn;

namespace {

struct ToyMeanOptions {
  static constexpr const char* type_name = "toy_mean";
  double gain = 1.0;
};

class ToyMeanAttention : public Attention {
 public:
  ToyMeanAttention(std::int64_t dim, const ToyMeanOptions& o, Generator& gen) : gain(o.gain) {
    proj = register_module("proj", std::make_shared<Linear>(dim, dim, true, gen));
  }
  Tensor forward(const Tensor& x) override {  // (B, N, C) -> (B, N, C)
    Tensor summary = proj->forward(mul(mean(x, {1}, true), gain));  // B x 1 x C
    return expand(summary, x.shape());
  }
  std::string type() const override { return "toy_mean"; }

  double gain;
  std::shared_ptr<Linear> proj;
};

// The whole declaration of the type: fields, rules, factory — and its one registration line.
void register_toy_mean() {
  register_attention_type(
      AttentionTypeBuilder<ToyMeanOptions>("toy: every token gets proj(gain · mean of the tokens) (test only)")
          .real("gain", &ToyMeanOptions::gain, "scale of the token mean, > 0")
          .check([](const ToyMeanOptions& o, const AttentionSite&, const OptionChecks& c) { c.positive("gain", o.gain); })
          .factory([](const ToyMeanOptions& o, std::int64_t dim, Grid, Generator& gen) {
            return std::make_shared<ToyMeanAttention>(dim, o, gen);
          }));
}

// A 1-block ViT on CIFAR-10's 32x32 images with 8x8 patches (a 4x4 grid), the toy attention.
const char* kToyYaml =
    "seed: 5\n"
    "threads: 1\n"
    "data:\n"
    "  batch_size: 8\n"
    "  workers: 0\n"
    "model:\n"
    "  name: vit\n"
    "  dim: 8\n"
    "  depth: 1\n"
    "  heads: 2\n"
    "  patch: 8\n"
    "  attention:\n"
    "    type: toy_mean\n"
    "    gain: 0.5\n"
    "optim:\n"
    "  lr: 0.01\n"
    "train:\n"
    "  epochs: 1\n"
    "  max_steps: 4\n"
    "  log_every: 1\n";

std::string error_of(const std::string& yaml) {
  try {
    parse_config_string(yaml, "toy.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("toy attention: registered from the test, listed, built, and differentiable") {
  register_toy_mean();
  const auto types = attention_types();
  CHECK(std::find(types.begin(), types.end(), "toy_mean") != types.end());
  CHECK(std::vector<std::string>(types.begin(), types.begin() + 6) ==
        std::vector<std::string>{"softmax", "cos2d", "external", "linformer", "additive", "efficient"});
  CHECK(attention_option_keys("toy_mean") == std::vector<std::string>{"gain"});

  Generator gen(1);
  auto layer = make_attention(parse_attention_options("toy_mean", {{"gain", "2"}}), 4, {}, gen);
  CHECK(layer->type() == "toy_mean");
  CHECK_FALSE(layer->supports_cross());
  layer->to(DType::F64);
  Tensor x = testing::randn64({2, 3, 4}, 2);
  std::vector<Tensor> inputs{x};
  for (auto& p : layer->parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward(x); }, inputs);
}

TEST_CASE("toy attention: selected from YAML, its option read, checked and written back") {
  register_toy_mean();
  ExperimentConfig c = parse_config_string(kToyYaml, "toy.yaml");
  CHECK(c.model.attention_type() == "toy_mean");
  CHECK(c.model.attention.get<ToyMeanOptions>().gain == 0.5);

  const std::string text = to_yaml(c);
  CHECK(text.find("  attention:\n    type: toy_mean\n    gain: 0.5\n") != std::string::npos);
  ExperimentConfig back = parse_config_string(text, "written.yaml");
  CHECK(back == c);
  CHECK(to_yaml(back) == text);
  CHECK_FALSE(back == parse_config_string(kToyYaml, "toy.yaml", {"model.attention.gain=0.25"}));

  // The config's errors, with key, file and line, from the type's own declaration.
  std::string yaml = kToyYaml;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string y = yaml;
    y.replace(y.find(from), from.size(), to);
    return y;
  };
  CHECK(error_of(with("gain: 0.5", "gian: 0.5")).find("toy.yaml:14: model.attention.gian: unknown option 'gian' for "
                                                      "attention type 'toy_mean' (did you mean 'gain'?)") == 0);
  CHECK(error_of(with("gain: 0.5", "gain: abc")).find("toy.yaml:14: model.attention.gain: attention option 'gain' "
                                                      "expects a number, got 'abc'") == 0);
  CHECK(error_of(with("gain: 0.5", "gain: 0")).find("toy.yaml:14: model.attention.gain: must be > 0; got 0") == 0);
  CHECK(error_of(with("type: toy_mean", "type: toy_maen")).find("toy.yaml:13: model.attention.type: unknown attention "
                                                                "type 'toy_maen' (did you mean 'toy_mean'?)") == 0);
}

TEST_CASE("toy attention: the Trainer trains a ViT with it for a few steps") {
  register_toy_mean();
  testing::Scratch dir("toy_attention");
  ExperimentConfig c = parse_config_string(kToyYaml, "toy.yaml");
  TrainerOptions o;
  o.run_dir = dir.str("run");
  o.console = false;
  auto train = std::make_shared<testing::TintDataset>(32, 32, 32, 10, 1);
  auto test = std::make_shared<testing::TintDataset>(16, 32, 32, 10, 2);
  Trainer trainer(c, o, TrainerParts{nullptr, train, test});  // the model comes from the config

  auto* vit = dynamic_cast<ViT*>(&trainer.model());
  REQUIRE(vit != nullptr);
  REQUIRE(vit->blocks.size() == 1);
  auto* toy = dynamic_cast<ToyMeanAttention*>(vit->blocks[0]->attn.get());
  REQUIRE(toy != nullptr);
  CHECK(toy->gain == 0.5);
  const std::vector<float> before = toy->proj->weight.to_vector<float>();

  RunResult r = trainer.run();
  CHECK(r.status == RunStatus::Completed);
  CHECK(r.state.step == 4);
  CHECK(toy->proj->weight.to_vector<float>() != before);  // the toy layer's parameters trained

  RunPaths p(o.run_dir);
  const std::string written = testing::read_text(p.config);
  CHECK(written.find("    type: toy_mean\n    gain: 0.5\n") != std::string::npos);
  CHECK(load_config(p.config) == c);
  for (const auto& m : read_metrics(p.metrics)) CHECK(std::isfinite(m.train_loss));
}
