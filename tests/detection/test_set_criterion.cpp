// tests/detection/test_set_criterion.cpp — DETR's set criterion (detection/set_criterion.h):
//   * against PyTorch: tests/reference/make_detection_goldens.py's SetCriterion (softmax and focal,
//     float64 and float32, final + 2 auxiliary outputs, an image without targets): the same
//     matching, every loss term, the total and the gradient of the total w.r.t. every logits and
//     boxes tensor (tolerances of support/reference.h);
//   * float64 finite-difference gradients of the whole criterion and of its two classification
//     losses;
//   * small cases whose values are worked out by hand in the test;
//   * the input checks' messages.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <sstream>

#include "core/ops.h"
#include "detection/set_criterion.h"
#include "support/gradcheck.h"
#include "support/reference.h"

using namespace linattn;
using namespace linattn::detection;
using namespace linattn::testing;

namespace {

// Target boxes in float64 here, so that values like 0.3 are the ones the hand computations use
// (datasets give float32 boxes; the golden tests use those).
DetectionTarget make_target(const std::vector<double>& labels, const std::vector<double>& boxes_cxcywh) {
  const auto n = static_cast<std::int64_t>(labels.size());
  return {from_values(labels, {n}, {.dtype = DType::I64}), from_values(boxes_cxcywh, {n, 4}, {.dtype = DType::F64})};
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

double meta_number(const SafetensorsFile& golden, const std::string& key) {
  auto it = golden.metadata.find(key);
  REQUIRE_MESSAGE(it != golden.metadata.end(), golden.path, " has no '", key, "' metadata");
  return std::stod(it->second);
}

// The golden's targets, split per image from the concatenated tensors (an image with no boxes
// gets a default DetectionTarget: undefined tensors, size 0).
std::vector<DetectionTarget> golden_targets(const SafetensorsFile& golden) {
  const std::vector<std::int64_t> counts = golden.at("targets.counts").to_vector<std::int64_t>();
  std::vector<DetectionTarget> targets;
  std::int64_t offset = 0;
  for (std::int64_t n : counts) {
    if (n == 0) {
      targets.emplace_back();
    } else {
      targets.push_back({narrow(golden.at("targets.labels"), 0, offset, n),
                         narrow(golden.at("targets.boxes"), 0, offset, n)});
    }
    offset += n;
  }
  return targets;
}

void check_set_criterion_golden(const std::string& case_name) {
  SafetensorsFile golden = load_golden_or_skip("set_criterion_" + case_name + ".safetensors");
  const bool focal = golden.metadata.at("focal") == "true";
  SetCriterionOptions options;
  options.num_classes = static_cast<std::int64_t>(meta_number(golden, "num_classes"));
  options.eos_coef = meta_number(golden, "eos_coef");
  options.weight_ce = meta_number(golden, "weight_ce");
  options.weight_bbox = meta_number(golden, "weight_bbox");
  options.weight_giou = meta_number(golden, "weight_giou");
  options.focal = focal;
  options.focal_alpha = meta_number(golden, "focal_alpha");
  options.focal_gamma = meta_number(golden, "focal_gamma");
  options.matcher.cost_class = meta_number(golden, "cost_class");
  options.matcher.cost_bbox = meta_number(golden, "cost_bbox");
  options.matcher.cost_giou = meta_number(golden, "cost_giou");
  const auto num_aux = static_cast<std::int64_t>(meta_number(golden, "num_aux"));

  std::vector<std::string> names{"final"};
  for (std::int64_t i = 0; i < num_aux; ++i) names.push_back(str_cat("aux", i));
  DetectionOutputs outputs;
  std::vector<DetectionPrediction*> predictions{&outputs.final};
  outputs.aux.resize(static_cast<std::size_t>(num_aux));
  for (DetectionPrediction& p : outputs.aux) predictions.push_back(&p);
  for (std::size_t o = 0; o < names.size(); ++o) {
    predictions[o]->logits = golden.at(names[o] + ".logits").clone().requires_grad_();
    predictions[o]->boxes = golden.at(names[o] + ".boxes").clone().requires_grad_();
  }
  const std::vector<DetectionTarget> targets = golden_targets(golden);

  SetLoss loss = set_criterion(outputs, targets, options);
  CHECK(loss.num_boxes == meta_number(golden, "num_boxes"));

  // The matching: each image's pairs in the golden's concatenation order.
  REQUIRE(loss.matches.size() == names.size());
  for (std::size_t o = 0; o < names.size(); ++o) {
    std::vector<std::int64_t> query, target;
    for (const MatchIndices& m : loss.matches[o]) {
      CHECK(m.query.size() == m.target.size());
      query.insert(query.end(), m.query.begin(), m.query.end());
      target.insert(target.end(), m.target.begin(), m.target.end());
    }
    INFO(case_name, ": matching of ", names[o]);
    CHECK(query == golden.at("match." + names[o] + ".query").to_vector<std::int64_t>());
    CHECK(target == golden.at("match." + names[o] + ".target").to_vector<std::int64_t>());
  }

  // Every term, and no term the reference does not have.
  const std::vector<std::string> terms = split_list(golden.metadata.at("terms"));
  std::set<std::string> ours;
  for (const auto& [name, value] : loss.terms) ours.insert(name);
  CHECK(ours == std::set<std::string>(terms.begin(), terms.end()));
  for (const std::string& term : terms) {
    if (!loss.terms.count(term)) continue;  // reported just above
    CHECK_MATCHES_GOLDEN(case_name + " " + term, loss.terms.at(term), golden.at("loss." + term));
  }
  CHECK_MATCHES_GOLDEN(case_name + " total", loss.total, golden.at("loss.total"));

  loss.total.backward();
  for (std::size_t o = 0; o < names.size(); ++o) {
    CHECK_MATCHES_GOLDEN(case_name + " d total / d " + names[o] + ".logits", predictions[o]->logits.grad(),
                         golden.at("grad." + names[o] + ".logits"));
    CHECK_MATCHES_GOLDEN(case_name + " d total / d " + names[o] + ".boxes", predictions[o]->boxes.grad(),
                         golden.at("grad." + names[o] + ".boxes"));
  }
}

// A small float64 batch for the gradient checks: 2 images (2 targets and 1 target), 3 queries,
// K = 2. Each target has one query whose box is close to it (offsets of 0.01–0.04 in every
// coordinate, all distinct and non-zero, so |pred − target| has no kink) and whose class is
// likely; the remaining queries are far away. The cost of the best matching is then lower than
// that of any other by about 1 — far more than the 1e-6 steps of the finite differences can
// change — so the matching is the same at every perturbed point (the check function asserts it).
// No edges of matched boxes coincide (no tie in GIoU's min/max) and every matched pair overlaps.
struct SmallBatch {
  std::vector<DetectionTarget> targets;
  Tensor logits, boxes, aux_logits, aux_boxes;  // (2, 3, C), (2, 3, 4)
};

SmallBatch small_batch(bool focal) {
  SmallBatch s;
  s.targets = {make_target({1, 0}, {0.30, 0.40, 0.20, 0.30, 0.70, 0.60, 0.25, 0.20}),
               make_target({1}, {0.50, 0.50, 0.40, 0.30})};
  // Image 0: query 2 near target 0 (class 1), query 0 near target 1 (class 0); query 1 far.
  // Image 1: query 1 near target 0 (class 1).
  const std::vector<double> boxes = {0.72, 0.57, 0.28, 0.23,  0.12, 0.90, 0.10, 0.08,  0.31, 0.43, 0.17, 0.34,
                                     0.85, 0.15, 0.10, 0.12,  0.52, 0.47, 0.37, 0.33,  0.10, 0.85, 0.06, 0.07};
  const std::vector<double> aux_boxes = {0.73, 0.62, 0.22, 0.18,  0.86, 0.12, 0.09, 0.11,  0.27, 0.38, 0.23, 0.27,
                                         0.49, 0.53, 0.43, 0.28,  0.15, 0.88, 0.07, 0.09,  0.90, 0.20, 0.05, 0.06};
  if (focal) {  // K = 2 sigmoid logits
    s.logits = leaf64({1.1, -0.9, -1.2, -0.7, -0.4, 1.3,  -1.1, -0.6, -0.3, 1.4, -0.8, -1.3}, {2, 3, 2});
    s.aux_logits = leaf64({0.9, -0.8, -0.5, -1.0, -0.6, 0.7,  -0.2, 1.2, -1.4, -0.9, -1.1, -0.3}, {2, 3, 2});
  } else {  // K + 1 = 3 softmax logits
    s.logits = leaf64({1.1, -0.9, 0.2, -1.2, -0.7, 0.9, -0.4, 1.3, -0.1,
                       -1.1, -0.6, 0.8, -0.3, 1.4, 0.1, -0.8, -1.3, 0.6}, {2, 3, 3});
    s.aux_logits = leaf64({0.9, -0.8, 0.3, -1.0, -0.6, 1.0, -0.5, 0.7, 0.2,
                           -0.2, 1.2, 0.4, -1.4, -0.9, 0.7, -1.1, -0.3, 0.5}, {2, 3, 3});
  }
  s.boxes = leaf64(boxes, {2, 3, 4});
  s.aux_boxes = leaf64(aux_boxes, {2, 3, 4});
  return s;
}

void check_criterion_gradients(bool focal) {
  SmallBatch s = small_batch(focal);
  SetCriterionOptions options;
  options.num_classes = 2;
  options.focal = focal;
  auto run = [&](const std::vector<Tensor>& x) {
    DetectionOutputs outputs{{x[0], x[1]}, {{x[2], x[3]}}};
    return set_criterion(outputs, s.targets, options);
  };
  const SetLoss base = run({s.logits, s.boxes, s.aux_logits, s.aux_boxes});
  // The matching described in small_batch (the aux output's queries are arranged the same way
  // in image 0 and differently in image 1).
  REQUIRE(base.matches.size() == 2);
  CHECK(base.matches[0][0].query == std::vector<std::int64_t>{0, 2});
  CHECK(base.matches[0][0].target == std::vector<std::int64_t>{1, 0});
  CHECK(base.matches[0][1].query == std::vector<std::int64_t>{1});
  CHECK(base.matches[1][0].query == std::vector<std::int64_t>{0, 2});
  CHECK(base.matches[1][0].target == std::vector<std::int64_t>{1, 0});
  CHECK(base.matches[1][1].query == std::vector<std::int64_t>{0});

  int changed_matchings = 0;
  auto total = [&](const std::vector<Tensor>& x) {
    SetLoss loss = run(x);
    for (std::size_t o = 0; o < loss.matches.size(); ++o)
      for (std::size_t b = 0; b < loss.matches[o].size(); ++b)
        if (loss.matches[o][b].query != base.matches[o][b].query ||
            loss.matches[o][b].target != base.matches[o][b].target)
          ++changed_matchings;
    return loss.total;
  };
  CHECK_GRADCHECK(total, {s.logits, s.boxes, s.aux_logits, s.aux_boxes});
  CHECK(changed_matchings == 0);
}

}  // namespace

TEST_CASE("set criterion: PyTorch goldens (softmax, float64)") { check_set_criterion_golden("softmax_f64"); }
TEST_CASE("set criterion: PyTorch goldens (softmax, float32)") { check_set_criterion_golden("softmax_f32"); }
TEST_CASE("set criterion: PyTorch goldens (focal, float64)") { check_set_criterion_golden("focal_f64"); }
TEST_CASE("set criterion: PyTorch goldens (focal, float32)") { check_set_criterion_golden("focal_f32"); }

TEST_CASE("set criterion: float64 gradient check with the matching held fixed (softmax)") {
  check_criterion_gradients(false);
}
TEST_CASE("set criterion: float64 gradient check with the matching held fixed (focal)") {
  check_criterion_gradients(true);
}

TEST_CASE("set criterion: weighted cross-entropy and focal loss gradients (float64)") {
  const Tensor targets = from_values({0, 2, 2, 1, 2}, {5}, {.dtype = DType::I64});
  const Tensor weights = from_values({1.0, 0.5, 0.1}, {3}, {.dtype = DType::F64});
  CHECK_GRADCHECK([&](const std::vector<Tensor>& x) { return weighted_cross_entropy(x[0], targets, weights); },
                  {randn64({5, 3}, 7)});
  // Logits include 0 exactly and large magnitudes: the loss is smooth everywhere.
  const Tensor onehot = from_values({1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0}, {2, 2, 3}, {.dtype = DType::F64});
  const Tensor logits = leaf64({0.0, -2.0, 3.5, 1.2, -0.4, 0.0, -7.0, 0.8, 9.0, -1.5, 2.2, -0.3}, {2, 2, 3});
  for (double gamma : {0.0, 1.0, 2.0})
    CHECK_GRADCHECK([&](const std::vector<Tensor>& x) { return sigmoid_focal_loss_sum(x[0], onehot, 0.25, gamma); },
                    {logits});
}

TEST_CASE("set criterion: one query on a perfect box") {
  // K = 2; the query's box equals the target's; logits (0, 0, 0) give p = 1/3 for every class.
  SetCriterionOptions options;
  options.num_classes = 2;
  const Tensor logits = zeros({1, 1, 3}, {.dtype = DType::F64, .requires_grad = true});
  const Tensor boxes = from_values({0.5, 0.4, 0.2, 0.3}, {1, 1, 4}, {.dtype = DType::F64, .requires_grad = true});
  SetLoss loss = set_criterion({{logits, boxes}, {}}, {make_target({1}, {0.5, 0.4, 0.2, 0.3})}, options);
  CHECK(loss.num_boxes == 1);
  CHECK(loss.matches.size() == 1);
  CHECK(loss.matches[0][0].query == std::vector<std::int64_t>{0});
  CHECK(loss.terms.at("loss_bbox").item() == 0.0);
  CHECK(loss.terms.at("loss_giou").item() == doctest::Approx(0.0).epsilon(1e-15));  // GIoU of a box with itself = 1
  CHECK(loss.terms.at("loss_ce").item() == doctest::Approx(std::log(3.0)).epsilon(1e-14));
  CHECK(loss.total.item() == doctest::Approx(std::log(3.0)).epsilon(1e-14));  // 1·ce + 5·0 + 2·0
  CHECK(loss.terms.size() == 3);  // no aux outputs, no suffixed terms
  // d ce / d logits = softmax − onehot(1) = (1/3, −2/3, 1/3).
  loss.total.backward();
  const std::vector<double> g = logits.grad().to_vector<double>();
  CHECK(g[0] == doctest::Approx(1.0 / 3).epsilon(1e-14));
  CHECK(g[1] == doctest::Approx(-2.0 / 3).epsilon(1e-14));
  CHECK(g[2] == doctest::Approx(1.0 / 3).epsilon(1e-14));
}

TEST_CASE("set criterion: eos_coef weights the no-object queries, normalized by the weight sum") {
  // K = 1 (class 0 real, class 1 no-object), two queries, one target of class 0.
  // Query 0: logits (2, 0), box on the target -> matched, target class 0: −log p = log(1 + e^−2).
  // Query 1: logits (0, 1), box far away      -> no object, weight 0.1:  −log p = log(1 + e^−1).
  // loss_ce = (1·log(1 + e^−2) + 0.1·log(1 + e^−1)) / (1 + 0.1)   (not the plain mean over 2 queries).
  SetCriterionOptions options;
  options.num_classes = 1;
  const Tensor logits = from_values({2, 0, 0, 1}, {1, 2, 2}, {.dtype = DType::F64});
  const Tensor boxes = from_values({0.3, 0.3, 0.2, 0.2, 0.8, 0.8, 0.1, 0.1}, {1, 2, 4}, {.dtype = DType::F64});
  SetLoss loss = set_criterion({{logits, boxes}, {}}, {make_target({0}, {0.3, 0.3, 0.2, 0.2})}, options);
  CHECK(loss.matches[0][0].query == std::vector<std::int64_t>{0});
  const double expected = (std::log1p(std::exp(-2.0)) + 0.1 * std::log1p(std::exp(-1.0))) / 1.1;
  CHECK(loss.terms.at("loss_ce").item() == doctest::Approx(expected).epsilon(1e-14));
  CHECK(loss.terms.at("loss_bbox").item() == 0.0);

  // With eos_coef = 1 it is the plain mean.
  options.eos_coef = 1.0;
  loss = set_criterion({{logits, boxes}, {}}, {make_target({0}, {0.3, 0.3, 0.2, 0.2})}, options);
  const double mean = (std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-1.0))) / 2;
  CHECK(loss.terms.at("loss_ce").item() == doctest::Approx(mean).epsilon(1e-14));
}

TEST_CASE("set criterion: L1 and GIoU of one matched pair by hand") {
  // Prediction (0.5, 0.5, 0.4, 0.4) = xyxy (0.3, 0.3, 0.7, 0.7); target (0.6, 0.5, 0.4, 0.2) =
  // xyxy (0.4, 0.4, 0.8, 0.6). L1 = 0.1 + 0 + 0 + 0.2 = 0.3. Intersection (0.4..0.7) x (0.4..0.6)
  // = 0.3·0.2 = 0.06; union 0.16 + 0.08 − 0.06 = 0.18; hull (0.3..0.8) x (0.3..0.7) = 0.2.
  // GIoU = 0.06/0.18 − (0.2 − 0.18)/0.2 = 1/3 − 0.1. Two images, the second without targets:
  // num_boxes = 1.
  SetCriterionOptions options;
  options.num_classes = 3;
  const Tensor logits = zeros({2, 1, 4}, {.dtype = DType::F64});
  const Tensor boxes = from_values({0.5, 0.5, 0.4, 0.4, 0.1, 0.1, 0.1, 0.1}, {2, 1, 4}, {.dtype = DType::F64});
  const std::vector<DetectionTarget> targets = {
      make_target({2}, {0.6, 0.5, 0.4, 0.2}),
      {Tensor::empty({0}, {.dtype = DType::I64}), Tensor::empty({0, 4})}};  // explicit empty tensors
  SetLoss loss = set_criterion({{logits, boxes}, {}}, targets, options);
  CHECK(loss.num_boxes == 1);
  CHECK(loss.matches[0][1].query.empty());
  CHECK(loss.terms.at("loss_bbox").item() == doctest::Approx(0.3).epsilon(1e-14));
  CHECK(loss.terms.at("loss_giou").item() == doctest::Approx(1 - (1.0 / 3 - 0.1)).epsilon(1e-14));
  // Both queries see uniform probabilities 1/4: loss_ce = (1·log 4 + 0.1·log 4) / 1.1 = log 4.
  CHECK(loss.terms.at("loss_ce").item() == doctest::Approx(std::log(4.0)).epsilon(1e-14));
}

TEST_CASE("set criterion: fewer queries than targets") {
  // One query, two targets: the query takes the target its box sits on (target 1, class 0);
  // target 0 stays unmatched but still counts in num_boxes = 2. Logits (ln 2, 0): p(0) = 2/3.
  SetCriterionOptions options;
  options.num_classes = 1;
  const Tensor logits = from_values({std::log(2.0), 0}, {1, 1, 2}, {.dtype = DType::F64});
  const Tensor boxes = from_values({0.6, 0.6, 0.2, 0.2}, {1, 1, 4}, {.dtype = DType::F64});
  SetLoss loss = set_criterion({{logits, boxes}, {}},
                               {make_target({0, 0}, {0.2, 0.2, 0.1, 0.1, 0.6, 0.6, 0.2, 0.2})}, options);
  CHECK(loss.num_boxes == 2);
  CHECK(loss.matches[0][0].query == std::vector<std::int64_t>{0});
  CHECK(loss.matches[0][0].target == std::vector<std::int64_t>{1});
  CHECK(loss.terms.at("loss_ce").item() == doctest::Approx(std::log(1.5)).epsilon(1e-14));
  CHECK(loss.terms.at("loss_bbox").item() == 0.0);
  CHECK(loss.terms.at("loss_giou").item() == doctest::Approx(0.0).epsilon(1e-15));
}

TEST_CASE("set criterion: a batch without any target") {
  // Every query is no-object: loss_ce is the mean of −log p(no object) (the 0.1 weights cancel),
  // the box losses are 0 with zero gradient, num_boxes is clamped to 1.
  SetCriterionOptions options;
  options.num_classes = 1;
  const Tensor logits = from_values({1, 0, 0, 2}, {1, 2, 2}, {.dtype = DType::F64, .requires_grad = true});
  const Tensor boxes = full({1, 2, 4}, 0.3, {.dtype = DType::F64, .requires_grad = true});
  SetLoss loss = set_criterion({{logits, boxes}, {{logits, boxes}}}, {DetectionTarget{}}, options);
  CHECK(loss.num_boxes == 1);
  const double ce = (std::log1p(std::exp(1.0)) + std::log1p(std::exp(-2.0))) / 2;
  CHECK(loss.terms.at("loss_ce").item() == doctest::Approx(ce).epsilon(1e-14));
  CHECK(loss.terms.at("loss_ce_0").item() == doctest::Approx(ce).epsilon(1e-14));
  CHECK(loss.terms.at("loss_bbox").item() == 0.0);
  CHECK(loss.terms.at("loss_giou_0").item() == 0.0);
  CHECK(loss.total.item() == doctest::Approx(2 * ce).epsilon(1e-14));
  loss.total.backward();
  for (double g : boxes.grad().to_vector<double>()) CHECK(g == 0.0);
}

TEST_CASE("set criterion: focal loss of one matched and one unmatched query by hand") {
  // K = 1, α = 0.25, γ = 2. Query 0 (logit 1, box on the target) is matched to class 0:
  //   −α (1 − p)² log p with p = σ(1); query 1 (logit −0.5, far away) is background:
  //   −(1 − α) p² log(1 − p) with p = σ(−0.5). loss_ce = their sum / num_boxes (= 1).
  SetCriterionOptions options;
  options.num_classes = 1;
  options.focal = true;
  const Tensor logits = from_values({1.0, -0.5}, {1, 2, 1}, {.dtype = DType::F64});
  const Tensor boxes = from_values({0.3, 0.3, 0.2, 0.2, 0.8, 0.8, 0.1, 0.1}, {1, 2, 4}, {.dtype = DType::F64});
  SetLoss loss = set_criterion({{logits, boxes}, {}}, {make_target({0}, {0.3, 0.3, 0.2, 0.2})}, options);
  CHECK(loss.matches[0][0].query == std::vector<std::int64_t>{0});
  const double p0 = 1 / (1 + std::exp(-1.0)), p1 = 1 / (1 + std::exp(0.5));
  const double expected = -0.25 * (1 - p0) * (1 - p0) * std::log(p0) - 0.75 * p1 * p1 * std::log(1 - p1);
  CHECK(loss.terms.at("loss_ce").item() == doctest::Approx(expected).epsilon(1e-14));
  // The building block directly: the same two elements.
  const Tensor onehot = from_values({1, 0}, {1, 2, 1}, {.dtype = DType::F64});
  CHECK(sigmoid_focal_loss_sum(logits, onehot, 0.25, 2.0).item() == doctest::Approx(expected).epsilon(1e-14));
  // A saturated logit stays finite (log p comes from a log-softmax, not log(sigmoid)).
  const Tensor extreme = from_values({-800.0, 800.0}, {1, 2, 1}, {.dtype = DType::F64});
  const double big = sigmoid_focal_loss_sum(extreme, onehot, 0.25, 2.0).item();
  CHECK(big == doctest::Approx(0.25 * 800 + 0.75 * 800).epsilon(1e-12));
}

TEST_CASE("set criterion: weighted cross-entropy by hand") {
  // Two rows, logits (0, 0) and (ln 3, 0): −log p = ln 2 for row 0's class 1,
  // ln(4/3) for row 1's class 0. Weights (2, 0.5): (0.5·ln 2 + 2·ln(4/3)) / 2.5.
  const Tensor logits = from_values({0, 0, std::log(3.0), 0}, {2, 2}, {.dtype = DType::F64});
  const Tensor targets = from_values({1, 0}, {2}, {.dtype = DType::I64});
  const Tensor weights = from_values({2.0, 0.5}, {2}, {.dtype = DType::F64});
  const double expected = (0.5 * std::log(2.0) + 2 * std::log(4.0 / 3)) / 2.5;
  CHECK(weighted_cross_entropy(logits, targets, weights).item() == doctest::Approx(expected).epsilon(1e-14));
  CHECK_THROWS_WITH_AS(weighted_cross_entropy(logits, from_values({1, 2}, {2}, {.dtype = DType::I64}), weights),
                       doctest::Contains("targets[1] = 2 is outside [0, 2)"), Error);
}

TEST_CASE("set criterion: input errors name the shapes and values") {
  SetCriterionOptions options;
  options.num_classes = 2;
  const Tensor logits = zeros({1, 2, 3}, {.dtype = DType::F64});
  const Tensor boxes = full({1, 2, 4}, 0.3, {.dtype = DType::F64});
  const std::vector<DetectionTarget> one = {make_target({1}, {0.3, 0.3, 0.2, 0.2})};

  CHECK_THROWS_WITH_AS(set_criterion({{logits, boxes}, {}}, {one[0], one[0]}, options),
                       doctest::Contains("2 targets for a batch of 1 images"), Error);
  CHECK_THROWS_WITH_AS(set_criterion({{logits, boxes}, {}}, {make_target({2}, {0.3, 0.3, 0.2, 0.2})}, options),
                       doctest::Contains("targets[0].labels[0] = 2 is outside [0, 2)"), Error);
  CHECK_THROWS_WITH_AS(set_criterion({{zeros({1, 2, 2}, {.dtype = DType::F64}), boxes}, {}}, one, options),
                       doctest::Contains("outputs.final.logits is (1, 2, 2) but num_classes = 2 needs"), Error);
  CHECK_THROWS_WITH_AS(set_criterion({{logits, full({1, 3, 4}, 0.3, {.dtype = DType::F64})}, {}}, one, options),
                       doctest::Contains("outputs.final.boxes must be (B, Q, 4) = (1, 2, 4)"), Error);
  const Tensor aux_logits = zeros({2, 2, 3}, {.dtype = DType::F64});
  CHECK_THROWS_WITH_AS(set_criterion({{logits, boxes}, {{aux_logits, boxes}}}, one, options),
                       doctest::Contains("outputs.aux[0].logits is (2, 2, 3) but the batch has 1 images"), Error);
  CHECK_THROWS_WITH_AS(
      set_criterion({{logits, boxes}, {}}, {{from_values({0}, {1}, {.dtype = DType::I64}), zeros({2, 4})}}, options),
      doctest::Contains("targets[0].boxes must be float (T, 4) = (1, 4)"), Error);
  SetCriterionOptions focal = options;
  focal.focal = true;  // focal logits have K = 2 columns, not K + 1
  CHECK_THROWS_WITH_AS(set_criterion({{logits, boxes}, {}}, one, focal), doctest::Contains("(B, Q, K) (focal"), Error);
  SetCriterionOptions no_classes;
  CHECK_THROWS_WITH_AS(set_criterion({{logits, boxes}, {}}, one, no_classes),
                       doctest::Contains("options.num_classes = 0 must be > 0"), Error);
}
