// tests/reference_tests/test_detr_goldens.cpp — DETR-lite against its PyTorch reference: the golden
// files of tests/reference/make_detr_goldens.py hold a tiny DetrLite's weights (written by the
// reference, tests/reference/detr_lite_ref.py, from the same architecture description the C++
// model follows), a batch of images and targets, every decoder layer's logits and boxes, DETR's
// set loss (final + auxiliary outputs: each term, the total and the matching) and the gradient of
// the total w.r.t. every parameter. This test builds DetrLite from DetrLiteOptions (the file's
// model metadata), loads the weights with a strict load_state_dict (every name the model has is
// in the file, and no other: the names are the contract's), runs the forward pass in training
// mode, detection::set_criterion and backward, and compares everything: relative error
// (support/reference.h) ≤ 1e-10 in float64, ≤ 1e-4 in float32 (measured: at most 2e-13 and
// 2.2e-6, the worst in backbone gradients, where float32 rounding of a ~30-layer forward and
// backward is amplified by the norms). BatchNorm cases also compare the running statistics after
// the training-mode forward, and every case the matching the criterion found.
//
// Cases: the six encoder attention types × learned / anchor queries in float64, and the default
// configuration (anchor queries, sigmoid focal scores, softmax cross-attention, pre-norm,
// GroupNorm) in float32; between them both score heads, the three cross-attention types, pre- and
// post-norm, group- and batch-norm backbones and output strides 16 and 32.
//
// Exact zeros. Some gradients are exactly 0 in exact arithmetic: decoder layer 0's norm1.weight in
// pre-norm (it normalizes the zero target, x̂ = 0); its whole self_attn.qkv.weight in post-norm
// (the values of the zero target are all the bias); softmax-over-tokens biases (efficient's
// keys.bias, external's trans_dims / linear_0 biases and the norm1.bias before them). They are
// found from the golden itself (|g| ≤ 1e-12 · the model's largest gradient) and checked for
// |g| ≤ 1e-10 (float64) or ≤ 1e-4 (float32) times that largest gradient.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/ops.h"
#include "detection/set_criterion.h"
#include "layers/attention/attention_type.h"
#include "models/detr_lite.h"
#include "support/reference.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr double kExactZero = 1e-12;  // relative to the model's largest gradient

double tolerance(DType dtype) { return dtype == DType::F64 ? 1e-10 : 1e-4; }

#define CHECK_CLOSE_TO_GOLDEN(name, actual, expected, tol)                                       \
  do {                                                                                           \
    auto golden_result_ = ::linattn::testing::compare_to_golden(name, actual, expected, tol);    \
    INFO(golden_result_.message);                                                                \
    CHECK(golden_result_.ok);                                                                    \
  } while (0)

DetrLiteOptions model_options(const nlohmann::json& m) {
  DetrLiteOptions o;
  o.image_size = m.at("image_size");
  o.num_classes = m.at("num_classes");
  o.backbone_width = m.at("backbone_width");
  o.backbone_blocks = m.at("backbone_blocks");
  o.stride = m.at("stride");
  o.backbone_norm = m.at("backbone_norm");
  o.norm_groups = m.at("norm_groups");
  o.dim = m.at("dim");
  o.heads = m.at("heads");
  o.enc_layers = m.at("enc_layers");
  o.dec_layers = m.at("dec_layers");
  o.mlp_ratio = m.at("mlp_ratio");
  o.num_queries = m.at("num_queries");
  o.norm = m.at("norm");
  o.queries = m.at("queries");
  o.scores = m.at("scores");
  o.cross_attention_type = m.at("cross_attention");
  REQUIRE(m.at("attention_options").empty());  // the layer defaults; heads come from the model
  o.attention = parse_attention_options(m.at("attention").get<std::string>(), {});
  return o;
}

detection::SetCriterionOptions criterion_options(const nlohmann::json& c, std::int64_t num_classes) {
  detection::SetCriterionOptions o;
  o.num_classes = num_classes;
  o.eos_coef = c.at("eos_coef");
  o.weight_ce = c.at("weights").at("ce");
  o.weight_bbox = c.at("weights").at("bbox");
  o.weight_giou = c.at("weights").at("giou");
  o.focal = c.at("focal");
  o.focal_alpha = c.at("focal_alpha");
  o.focal_gamma = c.at("focal_gamma");
  o.matcher.cost_class = c.at("costs").at("class");
  o.matcher.cost_bbox = c.at("costs").at("bbox");
  o.matcher.cost_giou = c.at("costs").at("giou");
  REQUIRE(c.at("aux") == true);
  return o;
}

// The golden's targets split per image (an image without boxes gets an empty DetectionTarget).
std::vector<DetectionTarget> golden_targets(const SafetensorsFile& golden) {
  std::vector<DetectionTarget> targets;
  std::int64_t offset = 0;
  for (std::int64_t n : golden.at("targets.counts").to_vector<std::int64_t>()) {
    if (n == 0) targets.emplace_back();
    else targets.push_back({narrow(golden.at("targets.labels"), 0, offset, n), narrow(golden.at("targets.boxes"), 0, offset, n)});
    offset += n;
  }
  return targets;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

double max_abs(const Tensor& t) { return max(abs(t.detach().to(DType::F64))).item(); }

void check_detr_golden(const std::string& case_name) {
  SafetensorsFile golden = load_golden_or_skip("detr_" + case_name + ".safetensors");
  INFO("golden " << golden.path);
  REQUIRE(golden.metadata.at("format") == "linattn-detr-golden/1");
  REQUIRE(golden.metadata.at("case") == case_name);
  const DType dtype = parse_dtype(golden.metadata.at("dtype"));
  const double tol = tolerance(dtype);
  const DetrLiteOptions options = model_options(nlohmann::json::parse(golden.metadata.at("model")));

  Generator gen(0);
  DetrLite model(options, gen);
  model.to(dtype);
  model.train();

  // Every name the model has is in the golden, and the golden has no other weight.
  NamedTensors weights;
  std::set<std::string> names;
  for (const auto& [name, t] : model.state_dict()) {
    INFO("weight " << name);
    REQUIRE(golden.contains(name));
    weights.emplace_back(name, golden.at(name));
    names.insert(name);
  }
  for (const auto& [name, t] : golden.tensors) {
    static const char* kPrefixes[] = {"images", "targets.", "out", "match.", "loss.", "grad.", "after."};
    bool known = names.count(name) > 0;
    for (const char* p : kPrefixes) known = known || name.starts_with(p);
    CHECK_MESSAGE(known, "the golden has a weight ", name, " that the model does not");
  }
  model.load_state_dict(weights, /*strict=*/true);

  // Forward: every decoder layer's logits and boxes (final = the last layer, aux = the others).
  DetectorOutput out = model.forward(golden.at("images"));
  const auto L = static_cast<std::size_t>(options.dec_layers);
  REQUIRE(out.aux.size() == L - 1);
  std::vector<const DetectorPrediction*> layers;
  for (const DetectorPrediction& p : out.aux) layers.push_back(&p);
  layers.push_back(&out.final);
  for (std::size_t l = 0; l < L; ++l) {
    CHECK_CLOSE_TO_GOLDEN(str_cat("out", l, ".logits"), layers[l]->logits, golden.at(str_cat("out", l, ".logits")), tol);
    CHECK_CLOSE_TO_GOLDEN(str_cat("out", l, ".boxes"), layers[l]->boxes, golden.at(str_cat("out", l, ".boxes")), tol);
  }
  for (const auto& [name, b] : model.named_buffers()) {
    if (!golden.contains("after." + name)) continue;
    if (b.dtype() == DType::I64) CHECK(b.to_vector<std::int64_t>() == golden.at("after." + name).to_vector<std::int64_t>());
    else CHECK_CLOSE_TO_GOLDEN("after." + name, b, golden.at("after." + name), tol);
  }

  // The set criterion over the final and auxiliary outputs.
  detection::DetectionOutputs outputs;
  outputs.final = {out.final.logits, out.final.boxes};
  for (const DetectorPrediction& p : out.aux) outputs.aux.push_back({p.logits, p.boxes});
  const auto criterion = criterion_options(nlohmann::json::parse(golden.metadata.at("criterion")), options.num_classes);
  REQUIRE(criterion.focal == model.sigmoid_scores());
  detection::SetLoss loss = detection::set_criterion(outputs, golden_targets(golden), criterion);

  // The matching of each output (final first, then aux layer 0, 1, ...), pairs in image order.
  REQUIRE(loss.matches.size() == L);
  for (std::size_t o = 0; o < L; ++o) {
    const std::size_t layer = o == 0 ? L - 1 : o - 1;
    std::vector<std::int64_t> query, target;
    for (const detection::MatchIndices& m : loss.matches[o]) {
      query.insert(query.end(), m.query.begin(), m.query.end());
      target.insert(target.end(), m.target.begin(), m.target.end());
    }
    INFO("matching of decoder layer " << layer);
    CHECK(query == golden.at(str_cat("match.", layer, ".query")).to_vector<std::int64_t>());
    CHECK(target == golden.at(str_cat("match.", layer, ".target")).to_vector<std::int64_t>());
  }
  const std::vector<std::string> terms = split_list(golden.metadata.at("terms"));
  std::set<std::string> ours;
  for (const auto& [name, value] : loss.terms) ours.insert(name);
  CHECK(ours == std::set<std::string>(terms.begin(), terms.end()));
  for (const std::string& term : terms)
    if (loss.terms.count(term)) CHECK_CLOSE_TO_GOLDEN("loss." + term, loss.terms.at(term), golden.at("loss." + term), tol);
  CHECK_CLOSE_TO_GOLDEN("loss.total", loss.total, golden.at("loss.total"), tol);

  // Backward: every parameter's gradient.
  loss.total.backward();
  double largest = 0;
  for (const auto& [name, p] : model.named_parameters()) largest = std::max(largest, max_abs(golden.at("grad." + name)));
  REQUIRE(largest > 0);
  for (const auto& [name, p] : model.named_parameters()) {
    const Tensor& g = golden.at("grad." + name);
    INFO("grad." << name);
    REQUIRE(p.grad().defined());
    if (max_abs(g) <= kExactZero * largest) {
      INFO("exactly zero in exact arithmetic; ours is at most " << max_abs(p.grad()));
      CHECK(max_abs(p.grad()) <= tol * largest);
    } else {
      CHECK_CLOSE_TO_GOLDEN("grad." + name, p.grad(), g, tol);
    }
  }
}

}  // namespace

TEST_CASE("DETR-lite matches PyTorch: softmax encoder, learned queries, softmax scores (float64)") {
  check_detr_golden("softmax_learned_f64");
}
TEST_CASE("DETR-lite matches PyTorch: softmax encoder, anchor queries, efficient cross-attention, post-norm (float64)") {
  check_detr_golden("softmax_anchor_f64");
}
TEST_CASE("DETR-lite matches PyTorch: cos2d encoder, learned queries, linformer cross-attention, batch norm (float64)") {
  check_detr_golden("cos2d_learned_f64");
}
TEST_CASE("DETR-lite matches PyTorch: cos2d encoder, anchor queries, softmax scores, stride 32 (float64)") {
  check_detr_golden("cos2d_anchor_f64");
}
TEST_CASE("DETR-lite matches PyTorch: external encoder, learned queries, efficient cross-attention (float64)") {
  check_detr_golden("external_learned_f64");
}
TEST_CASE("DETR-lite matches PyTorch: external encoder, anchor queries, linformer cross-attention, post-norm, batch norm (float64)") {
  check_detr_golden("external_anchor_f64");
}
TEST_CASE("DETR-lite matches PyTorch: linformer encoder, learned queries, post-norm (float64)") {
  check_detr_golden("linformer_learned_f64");
}
TEST_CASE("DETR-lite matches PyTorch: linformer encoder, anchor queries, efficient cross-attention, softmax scores (float64)") {
  check_detr_golden("linformer_anchor_f64");
}
TEST_CASE("DETR-lite matches PyTorch: additive encoder, learned queries, linformer cross-attention, stride 32 (float64)") {
  check_detr_golden("additive_learned_f64");
}
TEST_CASE("DETR-lite matches PyTorch: additive encoder, anchor queries, batch norm (float64)") {
  check_detr_golden("additive_anchor_f64");
}
TEST_CASE("DETR-lite matches PyTorch: efficient encoder, learned queries, efficient cross-attention, post-norm (float64)") {
  check_detr_golden("efficient_learned_f64");
}
TEST_CASE("DETR-lite matches PyTorch: efficient encoder, anchor queries, linformer cross-attention, softmax scores (float64)") {
  check_detr_golden("efficient_anchor_f64");
}
TEST_CASE("DETR-lite matches PyTorch: the default configuration (float32)") { check_detr_golden("softmax_anchor_f32"); }
