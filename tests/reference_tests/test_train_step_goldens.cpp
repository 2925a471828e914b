// tests/reference_tests/test_train_step_goldens.cpp — one ViT training step against PyTorch, for
// every attention type: the golden files of tests/reference/make_train_step_goldens.py hold a
// small §8 ViT's weights, a batch, and PyTorch's loss, every gradient and every parameter after
// one AdamW step. This test builds the model, loss and optimizer the way the trainer does
// (make_model, classification_loss, make_optimizer with the default OptimConfig and its
// weight-decay groups, LrSchedule's first lr), loads the weights by name and compares
// everything, parameter by parameter: relative error ≤ 1e-10 in float64, ≤ 1e-5 in float32.
//
// Exact zeros. Some gradients are exactly 0 in exact arithmetic (a bias that a softmax over the
// tokens cancels: softmax's key bias, efficient's keys.bias, external's linear_0 / trans_dims
// biases and norm1.bias). They are found from the golden itself (|g| ≤ 1e-12 · the largest
// gradient of the model; PyTorch's float64 leaves ~1e-17 there); a tensor of only such zeros is
// checked for |g| ≤ 1e-12 (float64) or ≤ 1e-5 (float32), as the attention goldens do.
//
// Ill-conditioned steps (float32 only). AdamW's first step moves a parameter by
// lr·g/(|g| + eps), whose derivative in g is lr·eps/(|g| + eps)²: where |g| is near eps a float32
// gradient error δ (~1e-9 here) moves the result by up to lr·δ/eps ≈ 1e-4 — and an exactly-zero
// gradient computed as rounding noise lands anywhere in (−lr, lr). So in float32 the elements
// with |golden g| ≤ 10·eps (exact zeros included) are checked for |after − before| ≤ lr (one
// Adam step at most), and every other element against the golden at 1e-5; beyond 10·eps a
// gradient error moves the step by < lr·δ/(121·eps) ≈ 1e-6. In float64 (δ ~ 1e-17) every element
// is compared with the golden at 1e-10.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/ops.h"
#include "support/reference.h"
#include "models/model_type.h"
#include "models/vit.h"
#include "train/loss.h"
#include "train/param_groups.h"
#include "train/schedule.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr double kExactZero = 1e-12;  // relative to the model's largest gradient

ModelConfig model_config(const std::string& type, const nlohmann::json& m) {
  ModelConfig c;
  c.name = "vit";
  ViTOptions& o = c.options.get<ViTOptions>();
  o.dim = m.at("dim");
  o.depth = m.at("depth");
  o.heads = m.at("heads");
  o.mlp_ratio = m.at("mlp_ratio");
  o.patch = m.at("patch");
  o.num_classes = m.at("num_classes");
  REQUIRE(m.at("pool") == "mean");
  REQUIRE(m.at("image_size") == ViTOptions{}.image_size);  // the factory's ViT is built for 32x32
  c.attention = parse_attention_options(type, {});         // the layer defaults; heads come from the model
  return c;
}

double max_abs(const Tensor& t) { return max(abs(t.detach().to(DType::F64))).item(); }

// Compares `after` with the golden, except the elements where `ill_conditioned` is set, which
// must have moved by no more than one Adam step (lr) from `before`.
void check_after_step(const std::string& name, const Tensor& after, const Tensor& expected, const Tensor& before,
                      const std::vector<bool>& ill_conditioned, double lr) {
  std::vector<double> a = after.detach().to(DType::F64).to_vector<double>();
  std::vector<double> e = expected.to(DType::F64).to_vector<double>();
  std::vector<double> b = before.to(DType::F64).to_vector<double>();
  std::int64_t masked = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!ill_conditioned[i]) continue;
    INFO(name << "[" << i << "] has a gradient within 10 eps of 0; moved by " << a[i] - b[i]);
    CHECK(std::abs(a[i] - b[i]) <= lr);
    a[i] = e[i];
    ++masked;
  }
  INFO(masked << " elements with gradients within 10 eps of 0 checked separately");
  CHECK_MATCHES_GOLDEN(name, from_values(a, after.shape()).to(after.dtype()), expected);
}

void check_train_step(const std::string& type, const std::string& dtype_key) {
  const std::string file = str_cat("train_step_", type, "_", dtype_key, ".safetensors");
  SafetensorsFile golden = load_golden_or_skip(file);
  INFO("golden " << golden.path);
  REQUIRE(golden.metadata.at("format") == "linattn-train-step-golden/1");
  REQUIRE(golden.metadata.at("type") == type);
  const DType dtype = parse_dtype(golden.metadata.at("dtype"));

  // The model, loss and optimizer as the trainer builds them.
  Generator gen(0);
  auto model = std::dynamic_pointer_cast<ImageClassifier>(
      make_model(model_config(type, nlohmann::json::parse(golden.metadata.at("model"))), gen));
  REQUIRE(model != nullptr);
  model->to(dtype);
  model->train();
  OptimConfig optim;  // the defaults; the golden must have been made with the same
  auto o = nlohmann::json::parse(golden.metadata.at("optim"));
  REQUIRE(o.at("lr") == optim.lr);
  REQUIRE(o.at("weight_decay") == optim.weight_decay);
  REQUIRE(o.at("betas")[0] == optim.betas[0]);
  REQUIRE(o.at("betas")[1] == optim.betas[1]);
  REQUIRE(o.at("eps") == optim.eps);
  const double label_smoothing = std::stod(golden.metadata.at("label_smoothing"));

  // Every golden weight by name, and no other.
  NamedTensors weights;
  std::set<std::string> names;
  for (const auto& [name, p] : model->state_dict()) {
    INFO("weight " << name);
    REQUIRE(golden.contains(name));
    weights.emplace_back(name, golden.at(name));
    names.insert(name);
  }
  for (const auto& [name, t] : golden.tensors) {
    bool known = names.count(name) || name == "images" || name == "labels" || name == "loss" ||
                 name.starts_with("grad.") || name.starts_with("after.");
    CHECK_MESSAGE(known, "the golden has a tensor ", name, " that the model does not");
  }
  model->load_state_dict(weights);
  NamedTensors before;
  for (const auto& [name, p] : model->named_parameters()) before.emplace_back(name, p.detach().clone());

  auto optimizer = make_optimizer(optim, *model);
  LrSchedule schedule(optim, /*steps_per_epoch=*/1, /*total_steps=*/100);
  const double lr = schedule.lr_at(0);
  REQUIRE(lr == optim.lr);

  Tensor logits = model->forward(golden.at("images"));  // B x K
  Tensor loss = classification_loss(logits, golden.at("labels"), Tensor{}, label_smoothing);
  CHECK_MATCHES_GOLDEN("loss", loss, golden.at("loss"));
  optimizer->zero_grad();
  loss.backward();

  double largest = 0;
  for (const auto& [name, p] : model->named_parameters()) largest = std::max(largest, max_abs(golden.at("grad." + name)));
  REQUIRE(largest > 0);
  const double zero_tol = dtype == DType::F64 ? 1e-12 : 1e-5;
  std::map<std::string, std::vector<bool>> ill_conditioned;  // float32: |golden g| <= 10 eps
  for (const auto& [name, p] : model->named_parameters()) {
    const Tensor& g = golden.at("grad." + name);
    const std::vector<double> values = g.to(DType::F64).to_vector<double>();
    if (std::all_of(values.begin(), values.end(), [&](double v) { return std::abs(v) <= kExactZero * largest; })) {
      INFO("grad." << name << " is exactly zero in exact arithmetic");
      CHECK(max_abs(p.grad()) <= zero_tol);
    } else {
      CHECK_MATCHES_GOLDEN("grad." + name, p.grad(), g);
    }
    for (double v : values) ill_conditioned[name].push_back(std::abs(v) <= 10 * optim.eps);
  }

  optimizer->set_lr(lr);
  optimizer->step();
  std::size_t i = 0;
  for (const auto& [name, p] : model->named_parameters()) {
    const Tensor& expected = golden.at("after." + name);
    if (dtype == DType::F64) CHECK_MATCHES_GOLDEN("after." + name, p, expected);
    else check_after_step("after." + name, p, expected, before[i].second, ill_conditioned[name], lr);
    ++i;
  }
}

void check_both(const std::string& type) {
  SUBCASE("float64") { check_train_step(type, "f64"); }
  SUBCASE("float32") { check_train_step(type, "f32"); }
}

}  // namespace

TEST_CASE("one ViT training step with softmax attention matches PyTorch") { check_both("softmax"); }
TEST_CASE("one ViT training step with cos2d attention matches PyTorch") { check_both("cos2d"); }
TEST_CASE("one ViT training step with external attention matches PyTorch") { check_both("external"); }
TEST_CASE("one ViT training step with linformer attention matches PyTorch") { check_both("linformer"); }
TEST_CASE("one ViT training step with additive attention matches PyTorch") { check_both("additive"); }
TEST_CASE("one ViT training step with efficient attention matches PyTorch") { check_both("efficient"); }
