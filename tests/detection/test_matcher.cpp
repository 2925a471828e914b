// tests/detection/test_matcher.cpp — DETR's Hungarian matcher: the cost matrix of a 2 x 2 case
// worked out by hand (softmax and focal class costs, L1, GIoU, custom weights), obvious matches,
// images without targets, more targets than queries, agreement with the minimum over every
// assignment of the cost matrix, errors naming the batch element, and DETR's matcher restated in
// torch with scipy's assignment on a random batch (tests/reference/make_hungarian_goldens.py).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/ops.h"
#include "detection/hungarian.h"
#include "detection/matcher.h"
#include "support/reference.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::detection;

namespace {

Tensor f32(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::F32}); }
Tensor f64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::F64}); }

DetectionTarget target(const std::vector<double>& labels, const std::vector<double>& boxes_cxcywh) {
  const std::int64_t t = static_cast<std::int64_t>(labels.size());
  return {from_values(labels, {t}, {.dtype = DType::I64}), f32(boxes_cxcywh, {t, 4})};
}

// The 2-query x 2-target case. Logits over K + 1 = 3 classes: query 0 (0, 0, 0) -> p = 1/3 each;
// query 1 (ln 4, 0, ln 3) -> p = (4, 1, 3)/8. Targets: class 1 at (0.5, 0.5, 0.2, 0.2), class 0
// at (0.3, 0.2, 0.4, 0.4). Query 0's box equals target 0's; query 1's is (0.25, 0.25, 0.5, 0.5).
const Tensor hand_logits = f64({0, 0, 0, std::log(4.0), 0, std::log(3.0)}, {1, 2, 3});
const Tensor hand_boxes = f64({0.5, 0.5, 0.2, 0.2, 0.25, 0.25, 0.5, 0.5}, {1, 2, 4});
const DetectionTarget hand_target = target({1, 0}, {0.5, 0.5, 0.2, 0.2, 0.3, 0.2, 0.4, 0.4});

// Class cost −p(target class):      L1 on cxcywh:                 GIoU on xyxy (query 0 =
//   q0: (−1/3, −1/3)                  q0: (0, 0.9)                  [.4,.4,.6,.6], query 1 = [0,0,.5,.5],
//   q1: (−1/8, −1/2)                  q1: (1.1, 0.3)                target 0 = [.4,.4,.6,.6],
//                                                                   target 1 = [.1,0,.5,.4]):
// q0-t0 identical: 1. q0-t1: no overlap (y), union .04 + .16, enclosure .5 x .6 = .3 -> −1/3.
// q1-t0: overlap .1 x .1, union .25 + .04 − .01 = .28, enclosure .6 x .6 -> 1/28 − .08/.36.
// q1-t1: target 1 inside query 1: IoU .16/.25 = .64, enclosure = union -> .64.
const double class_cost[4] = {-1.0 / 3, -1.0 / 3, -0.125, -0.5};
const double l1_cost[4] = {0, 0.9, 1.1, 0.3};
const double giou[4] = {1, -1.0 / 3, 1.0 / 28 - 0.08 / 0.36, 0.64};

}  // namespace

TEST_CASE("matcher: the cost matrix of a 2 x 2 case, by hand") {
  // Default weights 1 / 5 / 2.
  std::vector<double> expected(4);
  for (int i = 0; i < 4; ++i) expected[i] = class_cost[i] + 5 * l1_cost[i] - 2 * giou[i];
  const Tensor cost = matching_cost(hand_logits, hand_boxes, hand_target, 0);
  CHECK(cost.shape() == Shape{2, 2});
  CHECK(cost.dtype() == DType::F64);
  // The target boxes are float32 (as the dataset makes them): 0.3, 0.2, 0.4 are off by ~1e-8.
  CHECK_VALUES(cost, 1e-7, {expected[0], expected[1], expected[2], expected[3]});

  // Each term alone, through the weights.
  CHECK_VALUES(
      matching_cost(hand_logits, hand_boxes, hand_target, 0, {.cost_class = 2, .cost_bbox = 0, .cost_giou = 0}), 1e-15,
      {2 * class_cost[0], 2 * class_cost[1], 2 * class_cost[2], 2 * class_cost[3]});
  CHECK_VALUES(
      matching_cost(hand_logits, hand_boxes, hand_target, 0, {.cost_class = 0, .cost_bbox = 1, .cost_giou = 0}), 1e-7,
      {l1_cost[0], l1_cost[1], l1_cost[2], l1_cost[3]});
  CHECK_VALUES(
      matching_cost(hand_logits, hand_boxes, hand_target, 0, {.cost_class = 0, .cost_bbox = 0, .cost_giou = 1}), 1e-7,
      {-giou[0], -giou[1], -giou[2], -giou[3]});

  // float32 predictions give the same costs to float32 precision.
  const Tensor cost32 = matching_cost(hand_logits.to(DType::F32), hand_boxes.to(DType::F32), hand_target, 0);
  CHECK_VALUES(cost32, 1e-6, {expected[0], expected[1], expected[2], expected[3]});

  // The matching takes the diagonal: q0 -> t0, q1 -> t1.
  const auto match = hungarian_match(hand_logits, hand_boxes, {hand_target});
  REQUIRE(match.size() == 1);
  CHECK(match[0].query == std::vector<std::int64_t>{0, 1});
  CHECK(match[0].target == std::vector<std::int64_t>{0, 1});
}

TEST_CASE("matcher: focal class costs (Deformable DETR), by hand") {
  // K = 2 logits, no no-object column. Query 0 has logits (0, ln 3): sigmoid 1/2 and 3/4; query 1
  // has (−ln 3, 0): sigmoid 1/4 and 1/2. Targets: class 1, then class 0. For p = σ(logit):
  //   pos = α (1 − p)^γ · −log(p + 1e-8),  neg = (1 − α) p^γ · −log(1 − p + 1e-8),  cost = pos − neg.
  const double alpha = 0.25, gamma = 2;
  auto focal = [&](double p) {
    return alpha * std::pow(1 - p, gamma) * -std::log(p + 1e-8) -
           (1 - alpha) * std::pow(p, gamma) * -std::log(1 - p + 1e-8);
  };
  const Tensor logits = f64({0, std::log(3.0), -std::log(3.0), 0}, {1, 2, 2});
  const MatcherOptions focal_only{.cost_class = 1, .cost_bbox = 0, .cost_giou = 0, .focal = true};
  CHECK_VALUES(matching_cost(logits, hand_boxes, hand_target, 0, focal_only), 1e-12,
               {focal(0.75), focal(0.5), focal(0.5), focal(0.25)});
  // With p = 3/4: pos = 0.25 · 1/16 · ln(4/3) ≈ 0.004495, neg = 0.75 · 9/16 · ln 4 ≈ 0.584843.
  CHECK(focal(0.75) == doctest::Approx(0.25 / 16 * std::log(4.0 / 3) - 0.75 * 9 / 16 * std::log(4.0)).epsilon(1e-7));
  // A confident query is cheaper: the matching gives each target the query most sure of its class.
  const auto match = hungarian_match(logits, hand_boxes, {hand_target}, focal_only);
  CHECK(match[0].query == std::vector<std::int64_t>{0, 1});
  CHECK(match[0].target == std::vector<std::int64_t>{0, 1});
  // Labels index the K logits directly: class 2 does not exist with K = 2.
  CHECK_THROWS_WITH_AS(hungarian_match(logits, hand_boxes, {target({2}, {0.5, 0.5, 0.1, 0.1})}, focal_only),
                       doctest::Contains("batch element 0: target 0 has label 2, outside [0, 2)"), Error);
}

TEST_CASE("matcher: obvious pairs in a batch, images without targets, more targets than queries") {
  // Q = 5 queries over K + 1 = 4 classes. Image 0 has three targets sitting exactly on queries 4,
  // 0 and 2 with those queries confident of the right class; image 1 has no targets.
  const std::int64_t q = 5, k1 = 4;
  std::vector<double> logit_values(2 * q * k1, 0.0), box_values;
  const double boxes_of_query[5][4] = {
      {0.2, 0.2, 0.1, 0.1}, {0.5, 0.5, 0.3, 0.3}, {0.7, 0.3, 0.2, 0.4}, {0.4, 0.8, 0.2, 0.1}, {0.8, 0.8, 0.3, 0.2}};
  for (int b = 0; b < 2; ++b)
    for (const auto& box : boxes_of_query) box_values.insert(box_values.end(), box, box + 4);
  const int class_of_query[5] = {2, 0, 1, 0, 0};
  for (int i = 0; i < 5; ++i) logit_values[i * k1 + class_of_query[i]] = 5.0;
  const Tensor logits = f32(logit_values, {2, q, k1}), boxes = f32(box_values, {2, q, 4});
  const DetectionTarget on_queries =
      target({0, 2, 1}, {0.8, 0.8, 0.3, 0.2, 0.2, 0.2, 0.1, 0.1, 0.7, 0.3, 0.2, 0.4});  // queries 4, 0, 2
  const auto match = hungarian_match(logits, boxes, {on_queries, DetectionTarget{}});
  REQUIRE(match.size() == 2);
  CHECK(match[0].query == std::vector<std::int64_t>{0, 2, 4});
  CHECK(match[0].target == std::vector<std::int64_t>{1, 2, 0});
  CHECK(match[1].query.empty());
  CHECK(match[1].target.empty());
  // An empty (0-length) target tensor is the same as no target.
  const DetectionTarget empty{from_values({}, {0}, {.dtype = DType::I64}), f32({}, {0, 4})};
  CHECK(hungarian_match(logits, boxes, {empty, empty})[0].query.empty());
  CHECK(matching_cost(logits, boxes, empty, 1).shape() == Shape{5, 0});

  // More targets than queries is supported: every query is matched, to min(Q, T) = Q targets.
  // Two queries (the first two above) and three targets; query 0 sits on target 2, query 1 on 0.
  const Tensor two_logits = narrow(logits, 1, 0, 2), two_boxes = narrow(boxes, 1, 0, 2);
  const DetectionTarget three = target({0, 1, 2}, {0.5, 0.5, 0.3, 0.3, 0.9, 0.1, 0.1, 0.1, 0.2, 0.2, 0.1, 0.1});
  const auto few = hungarian_match(two_logits, two_boxes, {three, three});
  CHECK(few[0].query == std::vector<std::int64_t>{0, 1});
  CHECK(few[0].target == std::vector<std::int64_t>{2, 0});
}

TEST_CASE("matcher: the matching attains the minimum over all assignments of matching_cost") {
  Generator gen(4);
  const std::int64_t batch = 4, q = 6, k1 = 5;
  const Tensor logits = randn({batch, q, k1}, {.dtype = DType::F32}, &gen);
  const Tensor boxes = uniform({batch, q, 4}, 0.1, 0.6, {.dtype = DType::F32}, &gen);
  std::vector<DetectionTarget> targets;
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t t = b + 1;  // 1 .. 4 targets
    std::vector<double> labels(static_cast<std::size_t>(t));
    for (std::int64_t i = 0; i < t; ++i)
      labels[static_cast<std::size_t>(i)] = static_cast<double>((3 * i + b) % (k1 - 1));
    targets.push_back(
        {from_values(labels, {t}, {.dtype = DType::I64}), uniform({t, 4}, 0.1, 0.6, {.dtype = DType::F32}, &gen)});
  }
  const auto match = hungarian_match(logits, boxes, targets);
  for (std::int64_t b = 0; b < batch; ++b) {
    INFO("batch element ", b);
    const std::int64_t t = targets[b].size();
    const std::vector<double> cost = matching_cost(logits, boxes, targets[b], b).to_vector<double>();
    double ours = 0;
    REQUIRE(match[b].query.size() == static_cast<std::size_t>(t));
    for (std::size_t i = 0; i < match[b].query.size(); ++i) ours += cost[match[b].query[i] * t + match[b].target[i]];
    // Every injection of the t targets into the 6 queries.
    double best = std::numeric_limits<double>::infinity();
    std::vector<std::int64_t> chosen;
    std::vector<char> used(q, 0);
    auto visit = [&](auto&& self, std::int64_t target_index, double partial) -> void {
      if (target_index == t) {
        best = std::min(best, partial);
        return;
      }
      for (std::int64_t query = 0; query < q; ++query) {
        if (used[query]) continue;
        used[query] = 1;
        self(self, target_index + 1, partial + cost[query * t + target_index]);
        used[query] = 0;
      }
    };
    visit(visit, 0, 0.0);
    CHECK(ours == doctest::Approx(best).epsilon(1e-12));
  }
}

TEST_CASE("matcher: errors name the batch element") {
  const Tensor boxes = f32({0.5, 0.5, 0.2, 0.2, 0.3, 0.3, 0.1, 0.1, 0.5, 0.5, 0.2, 0.2, 0.3, 0.3, 0.1, 0.1}, {2, 2, 4});
  std::vector<double> logit_values(12, 0.0);
  logit_values[6 + 3 + 1] = std::numeric_limits<double>::quiet_NaN();  // batch 1, query 1, class 1
  const Tensor nan_logits = f32(logit_values, {2, 2, 3});
  const DetectionTarget one = target({0}, {0.5, 0.5, 0.2, 0.2});
  CHECK_THROWS_WITH_AS(hungarian_match(nan_logits, boxes, {one, one}),
                       doctest::Contains("batch element 1: query 1 has logit nan for class 1"), Error);
  std::vector<double> box_values(16, 0.25);
  box_values[2] = std::numeric_limits<double>::infinity();  // batch 0, query 0, w
  CHECK_THROWS_WITH_AS(
      hungarian_match(f32(std::vector<double>(12, 0.0), {2, 2, 3}), f32(box_values, {2, 2, 4}), {one, one}),
      doctest::Contains("batch element 0: query 0 has box (0.25, 0.25, inf, 0.25)"), Error);

  const Tensor logits = f32(std::vector<double>(12, 0.0), {2, 2, 3});
  // Label 2 is the no-object class of K + 1 = 3: not a valid target.
  CHECK_THROWS_WITH_AS(hungarian_match(logits, boxes, {one, target({2}, {0.5, 0.5, 0.2, 0.2})}),
                       doctest::Contains("batch element 1: target 0 has label 2, outside [0, 2)"), Error);
  CHECK_THROWS_WITH_AS(hungarian_match(logits, boxes, {one, target({0}, {0.5, 0.5, -0.2, 0.2})}),
                       doctest::Contains("batch element 1: target 0 has box (cx, cy, w, h) = (0.5, 0.5, -0.2, 0.2)"),
                       Error);
  CHECK_THROWS_WITH_AS(hungarian_match(logits, boxes, {one}), doctest::Contains("1 targets for a batch of 2"), Error);
  CHECK_THROWS_WITH_AS(hungarian_match(logits, narrow(boxes, 1, 0, 1), {one, one}), doctest::Contains("(B, Q, 4)"),
                       Error);
  std::vector<double> negative = std::vector<double>(16, 0.25);
  negative[4 + 3] = -0.1;  // batch 0, query 1, h
  CHECK_THROWS_WITH_AS(hungarian_match(logits, f32(negative, {2, 2, 4}), {one, one}),
                       doctest::Contains("batch element 0: query 1 has box (cx, cy, w, h) = (0.25, 0.25, 0.25, -0.1)"),
                       Error);
  CHECK_THROWS_WITH_AS(matching_cost(logits, boxes, one, 2), doctest::Contains("batch element 2 is out of range"),
                       Error);
}

TEST_CASE("matcher: DETR's cost matrices (torch) and scipy's matching on a random batch (golden)") {
  const auto golden = testing::load_golden_or_skip("matcher.safetensors");
  const std::int64_t batch = std::stoll(golden.metadata.at("batch"));
  const Tensor& logits = golden.at("logits");  // B x Q x (K + 1)
  const Tensor& boxes = golden.at("boxes");    // B x Q x 4
  const std::int64_t k = logits.size(2) - 1;
  std::vector<DetectionTarget> targets;
  for (std::int64_t b = 0; b < batch; ++b)
    targets.push_back({golden.at(std::to_string(b) + ".labels"), golden.at(std::to_string(b) + ".boxes")});
  CHECK(targets[1].size() == 0);
  CHECK(targets[3].size() > logits.size(1));
  for (const bool focal : {false, true}) {
    const std::string variant = focal ? "focal" : "softmax";
    INFO("variant ", variant);
    const MatcherOptions options{.focal = focal};
    // The focal variant scores the first K logits (no no-object column).
    const Tensor used_logits = focal ? narrow(logits, 2, 0, k) : logits;
    const auto match = hungarian_match(used_logits, boxes, targets, options);
    REQUIRE(match.size() == static_cast<std::size_t>(batch));
    for (std::int64_t b = 0; b < batch; ++b) {
      INFO("batch element ", b);
      const std::string key = variant + "." + std::to_string(b);
      CHECK_MATCHES_GOLDEN(key + ".cost", matching_cost(used_logits, boxes, targets[b], b, options),
                           golden.at(key + ".cost"));
      CHECK(match[b].query == golden.at(key + ".query").to_vector<std::int64_t>());
      CHECK(match[b].target == golden.at(key + ".target").to_vector<std::int64_t>());
    }
  }
}
