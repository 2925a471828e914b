// tests/detection/test_boxes.cpp — detection/boxes.h: conversions and areas (hand values,
// round trips, gradients), box_iou and generalized IoU against values worked out by hand
// (disjoint, touching, nested, identical, zero-area, zero enclosure), the error on an inverted
// box, and float64 gradchecks of both GIoU ops on random boxes and at every kind of tie.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "detection/boxes.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::detection;
using namespace linattn::testing;

namespace {

Tensor f64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::F64}); }
Tensor f32(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::F32}); }

// n random valid xyxy boxes as a float64 leaf: corners in [0, 1), sizes in [0.05, 1).
Tensor random_boxes(std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<double> corner = rand({n, 2}, {.dtype = DType::F64}, &gen).to_vector<double>();
  std::vector<double> size = uniform({n, 2}, 0.05, 1.0, {.dtype = DType::F64}, &gen).to_vector<double>();
  std::vector<double> v(static_cast<std::size_t>(4 * n));
  for (std::int64_t i = 0; i < n; ++i) {
    v[4 * i] = corner[2 * i];
    v[4 * i + 1] = corner[2 * i + 1];
    v[4 * i + 2] = corner[2 * i] + size[2 * i];
    v[4 * i + 3] = corner[2 * i + 1] + size[2 * i + 1];
  }
  return leaf64(v, {n, 4});
}

const TensorFn giou_pairwise = [](const std::vector<Tensor>& x) { return generalized_box_iou(x[0], x[1]); };
const TensorFn giou_diagonal = [](const std::vector<Tensor>& x) { return generalized_box_iou_pairs(x[0], x[1]); };

double giou_of(const std::vector<double>& a, const std::vector<double>& b) {
  return generalized_box_iou_pairs(f64(a, {1, 4}), f64(b, {1, 4})).item();
}

}  // namespace

// ---- conversions and areas ------------------------------------------------------------------

TEST_CASE("boxes: conversions between cxcywh, xyxy and xywh, by hand and round trip") {
  // (cx, cy, w, h) = (2, 3, 4, 2) is x from 0 to 4, y from 2 to 4; COCO's (x, y, w, h) = (0, 2, 4, 2).
  const Tensor cxcywh = f64({2, 3, 4, 2, 0.5, 0.5, 0, 1}, {2, 4});
  CHECK_VALUES(box_cxcywh_to_xyxy(cxcywh), 1e-15, {0, 2, 4, 4, 0.5, 0, 0.5, 1});
  CHECK_VALUES(box_xyxy_to_cxcywh(box_cxcywh_to_xyxy(cxcywh)), 1e-15, {2, 3, 4, 2, 0.5, 0.5, 0, 1});
  CHECK_VALUES(box_xyxy_to_xywh(f64({0, 2, 4, 4}, {1, 4})), 1e-15, {0, 2, 4, 2});
  CHECK_VALUES(box_xywh_to_xyxy(f64({0, 2, 4, 2}, {1, 4})), 1e-15, {0, 2, 4, 4});
  CHECK_VALUES(box_area(f64({0, 2, 4, 4, 0.5, 0, 0.5, 1}, {2, 4})), 1e-15, {8, 0});

  // Batched (2, 3, 4) round trips keep the shape; float32 works the same way.
  const Tensor boxes = reshape(random_boxes(6, 3).detach(), {2, 3, 4});
  const Tensor back = box_cxcywh_to_xyxy(box_xyxy_to_cxcywh(boxes));
  CHECK(back.shape() == Shape{2, 3, 4});
  CHECK(max(abs(sub(back, boxes))).item() < 1e-15);
  CHECK(max(abs(sub(box_xywh_to_xyxy(box_xyxy_to_xywh(boxes)), boxes))).item() < 1e-15);
  CHECK(box_area(boxes).shape() == Shape{2, 3});
  const Tensor boxes32 = boxes.to(DType::F32);
  CHECK(box_xyxy_to_cxcywh(boxes32).dtype() == DType::F32);
  CHECK(max(abs(sub(box_cxcywh_to_xyxy(box_xyxy_to_cxcywh(boxes32)), boxes32))).item() < 1e-6);

  CHECK_THROWS_WITH_AS(box_area(f64({1, 2, 3}, {1, 3})), doctest::Contains("(..., 4)"), Error);
}

TEST_CASE("boxes: conversions and areas are differentiable (float64 gradcheck)") {
  const Tensor x = randn64({3, 4}, 7);
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return box_cxcywh_to_xyxy(v[0]); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return box_xyxy_to_cxcywh(v[0]); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return box_xywh_to_xyxy(v[0]); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return box_xyxy_to_xywh(v[0]); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return box_area(v[0]); }, {x});
}

// ---- IoU and GIoU values ----------------------------------------------------------------------

TEST_CASE("boxes: box_iou by hand") {
  // a0 = [0,0,2,2] against: [1,1,3,3] (overlap 1, union 4 + 4 − 1 = 7), itself (1),
  // [3,0,4,1] (disjoint, 0), [0.5,0.5,1,1] (nested: 0.25 / 4), and a zero-area box (0).
  const Tensor a = f64({0, 0, 2, 2}, {1, 4});
  const Tensor b = f64({1, 1, 3, 3, 0, 0, 2, 2, 3, 0, 4, 1, 0.5, 0.5, 1, 1, 1, 1, 1, 1.5}, {5, 4});
  CHECK_VALUES(box_iou(a, b), 1e-15, {1.0 / 7, 1, 0, 0.0625, 0});
  // Two zero-area boxes: the union is 0, IoU is 0 (not NaN).
  CHECK_VALUES(box_iou(f64({1, 1, 1, 1}, {1, 4}), f64({1, 1, 1, 1, 0, 0, 2, 0}, {2, 4})), 0, {0, 0});
  CHECK_FALSE(box_iou(a.clone().requires_grad_(), b).requires_grad());
  CHECK_VALUES(box_iou(f32({0, 0, 2, 2}, {1, 4}), f32({1, 1, 3, 3}, {1, 4})), 1e-7, {1.0 / 7});
  CHECK(box_iou(a, f64({}, {0, 4})).shape() == Shape{1, 0});
}

TEST_CASE("boxes: generalized IoU by hand") {
  // identical: 1; nested: the area ratio (the enclosure is the outer box, which is the union);
  // disjoint side by side [0,0,1,1] and [2,0,3,1]: IoU 0, enclosure 3, union 2 -> −(3 − 2)/3;
  // overlapping [0,0,2,2] and [1,1,3,3]: 1/7 − (9 − 7)/9; touching [0,0,1,1] and [1,0,2,1]:
  // IoU 0, enclosure 2 = union -> 0; far apart diagonally [0,0,1,1] and [9,9,10,10]: 0 − 98/100.
  CHECK(giou_of({0.2, 0.3, 0.9, 1.1}, {0.2, 0.3, 0.9, 1.1}) == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(giou_of({0, 0, 4, 4}, {1, 1, 2, 2}) == doctest::Approx(1.0 / 16).epsilon(1e-15));
  CHECK(giou_of({0, 0, 1, 1}, {2, 0, 3, 1}) == doctest::Approx(-1.0 / 3).epsilon(1e-15));
  CHECK(giou_of({0, 0, 2, 2}, {1, 1, 3, 3}) == doctest::Approx(1.0 / 7 - 2.0 / 9).epsilon(1e-15));
  CHECK(giou_of({0, 0, 1, 1}, {1, 0, 2, 1}) == doctest::Approx(0.0));
  CHECK(giou_of({0, 0, 1, 1}, {9, 9, 10, 10}) == doctest::Approx(-0.98).epsilon(1e-15));
  // Zero-area box inside another: IoU 0, union = the other's area = the enclosure -> 0.
  CHECK(giou_of({0, 0, 2, 2}, {1, 0.5, 1, 1.5}) == doctest::Approx(0.0));
  // Zero-area box sticking out: [0,0,2,2] and the segment x = 1, y from 1 to 3: enclosure 2 x 3,
  // union 4 -> −2/6.
  CHECK(giou_of({0, 0, 2, 2}, {1, 1, 1, 3}) == doctest::Approx(-1.0 / 3).epsilon(1e-15));
  // Zero enclosure (two equal points, or two segments on one vertical line): defined as 0.
  CHECK(giou_of({1, 1, 1, 1}, {1, 1, 1, 1}) == 0.0);
  CHECK(giou_of({1, 0, 1, 1}, {1, 2, 1, 3}) == 0.0);

  // Pairwise (N, M) and its diagonal, in [−1, 1]; float32 agrees with float64 to float32 precision.
  const Tensor a = random_boxes(5, 1).detach(), b = random_boxes(5, 2).detach();
  const Tensor pairwise = generalized_box_iou(a, b);
  CHECK(pairwise.shape() == Shape{5, 5});
  const std::vector<double> all = pairwise.to_vector<double>();
  const std::vector<double> diagonal = generalized_box_iou_pairs(a, b).to_vector<double>();
  for (int i = 0; i < 5; ++i) CHECK(diagonal[i] == all[i * 5 + i]);
  for (double g : all) {
    CHECK(g >= -1.0);
    CHECK(g <= 1.0);
  }
  const Tensor pairwise32 = generalized_box_iou(a.to(DType::F32), b.to(DType::F32));
  CHECK(pairwise32.dtype() == DType::F32);
  CHECK(max(abs(sub(pairwise32.to(DType::F64), pairwise))).item() < 1e-6);
  CHECK(generalized_box_iou(a, f64({}, {0, 4})).shape() == Shape{5, 0});
}

TEST_CASE("boxes: invalid boxes and mismatched inputs are errors naming the box") {
  const Tensor good = f64({0, 0, 1, 1, 0, 0, 2, 2}, {2, 4});
  const Tensor inverted = f64({0, 0, 1, 1, 0.5, 0, 0.25, 1}, {2, 4});
  CHECK_THROWS_WITH_AS(generalized_box_iou(good, inverted),
                       doctest::Contains("box 1 of the second argument (b) is invalid: (x1, y1, x2, y2) = "
                                         "(0.5, 0, 0.25, 1) has x2 < x1"),
                       Error);
  CHECK_THROWS_WITH_AS(generalized_box_iou_pairs(f64({0, 1, 1, 0.5}, {1, 4}), f64({0, 0, 1, 1}, {1, 4})),
                       doctest::Contains("box 0 of the first argument (a) is invalid: (x1, y1, x2, y2) = "
                                         "(0, 1, 1, 0.5) has y2 < y1"),
                       Error);
  CHECK_THROWS_WITH_AS(box_iou(good, f64({0, 0, NAN, 1}, {1, 4})), doctest::Contains("is not finite"), Error);
  CHECK_THROWS_WITH_AS(generalized_box_iou_pairs(good, f64({0, 0, 1, 1}, {1, 4})),
                       doctest::Contains("the same number of boxes"), Error);
  CHECK_THROWS_WITH_AS(generalized_box_iou(good, f32({0, 0, 1, 1}, {1, 4})), doctest::Contains("same dtype"), Error);
  CHECK_THROWS_WITH_AS(generalized_box_iou(reshape(good, {1, 2, 4}), good), doctest::Contains("(N, 4)"), Error);
}

// ---- GIoU gradients ---------------------------------------------------------------------------

TEST_CASE("boxes: GIoU gradients on random boxes (float64 gradcheck)") {
  // Continuous random boxes: every min / max has a clear winner, the function is smooth there.
  // Both sets overlap, touch nothing and lie apart in various pairs.
  CHECK_GRADCHECK(giou_pairwise, {random_boxes(4, 11), random_boxes(3, 12)});
  CHECK_GRADCHECK(giou_diagonal, {random_boxes(6, 13), random_boxes(6, 14)});
  // Only one side requiring grad.
  CHECK_GRADCHECK(giou_pairwise, {random_boxes(3, 15), random_boxes(2, 16).detach()});
}

TEST_CASE("boxes: float32 GIoU gradients agree with float64") {
  const Tensor a64 = random_boxes(5, 17), b64 = random_boxes(4, 18);
  const Tensor a32 = a64.detach().to(DType::F32).requires_grad_(), b32 = b64.detach().to(DType::F32).requires_grad_();
  const std::vector<Tensor> g64 = grad(sum(generalized_box_iou(a64, b64)), {a64, b64});
  const std::vector<Tensor> g32 = grad(sum(generalized_box_iou(a32, b32)), {a32, b32});
  REQUIRE(g32[0].dtype() == DType::F32);
  for (int i = 0; i < 2; ++i) {
    const double scale = max(abs(g64[i])).item();
    CHECK(max(abs(sub(g32[i].to(DType::F64), g64[i]))).item() <= 1e-5 * scale);
  }
}

TEST_CASE("boxes: GIoU gradients at ties split evenly, as central differences measure") {
  // At a tie of a min or max, the derivative from one side follows one argument and from the other
  // side the other one; central differences measure their mean, which is the ½ / ½ split. Each
  // coordinate enters one kink per intermediate quantity and GIoU is smooth in those quantities
  // here (union and enclosure positive), so the mean of the one-sided derivatives is exactly the
  // split. The checks use the default tolerances. One thing differs from a smooth point: the two
  // sides curve differently, so the central difference carries a first-order error
  // (f''₊ − f''₋)·ε/4 instead of a second-order one; ε = 1e-8 keeps it (and the round-off, about
  // 1e-16/ε) well below the tolerance.
  const GradcheckOptions at_ties{.eps = 1e-8};
  struct Case {
    const char* name;
    std::vector<double> a, b;
  };
  const Case cases[] = {
      // identical: every edge ties in both the intersection and the enclosure
      {"identical", {0.2, 0.3, 0.9, 1.1}, {0.2, 0.3, 0.9, 1.1}},
      // touching on x = 1 (the clamp of the intersection width at 0), equal y extents
      {"touching", {0, 0, 1, 1}, {1, 0, 2, 1}},
      // touching at a corner only: both intersection lengths are clamped at 0
      {"corner", {0, 0, 1, 1}, {1, 1, 2, 3}},
      // nested, sharing the left and bottom edges
      {"nested, shared edges", {0, 0, 2, 2}, {0, 0, 1, 1.5}},
      // nested strictly inside
      {"nested", {0, 0, 4, 4}, {1, 1.5, 2, 3}},
      // overlapping with one equal edge (y2)
      {"one equal edge", {0, 0, 2, 2}, {1, 0.5, 3, 2}},
  };
  for (const Case& c : cases) {
    INFO("case: ", std::string(c.name));
    CHECK_GRADCHECK(giou_diagonal, {leaf64(c.a, {1, 4}), leaf64(c.b, {1, 4})}, at_ties);
    CHECK_GRADCHECK(giou_pairwise, {leaf64(c.a, {1, 4}), leaf64(c.b, {1, 4})}, at_ties);
  }
  // By hand for identical boxes [0,0,1,1], moving a's x2: to the right IoU = 1/(1 + e) and the
  // enclosure is the union, so GIoU = 1/(1 + e), slope −1; to the left a shrinks inside b, GIoU =
  // IoU = 1 − e, slope +1 in x2. The mean is 0, and likewise for every coordinate: GIoU = 1 is
  // the maximum, and the split gradient there is exactly 0.
  const Tensor a = leaf64({0, 0, 1, 1}, {1, 4}), b = leaf64({0, 0, 1, 1}, {1, 4});
  const std::vector<Tensor> g = grad(sum(generalized_box_iou_pairs(a, b)), {a, b});
  CHECK_VALUES(g[0], 0, {0, 0, 0, 0});
  CHECK_VALUES(g[1], 0, {0, 0, 0, 0});
}

TEST_CASE("boxes: GIoU gradients with zero-area boxes (valid directions, and the one-sided derivative)") {
  // A zero-area box cannot be perturbed both ways along its collapsed axis: narrowing it makes it
  // invalid (an error). So the gradcheck covers (1) its partner's coordinates with the zero-area
  // box held fixed, and (2) the zero-area box moved along directions that keep it valid, built from
  // a leaf p = (x, y1, y2) as the segment (x, y1, x, y2): translating x and moving its ends.
  const Tensor big = random_boxes(1, 21);
  for (const std::vector<double>& segment : {std::vector<double>{0.3, 0.2, 0.3, 0.9},  // crosses or inside
                                             std::vector<double>{2.5, 0.1, 2.5, 0.4}}) {  // far outside
    INFO("segment x = ", segment[0]);
    CHECK_GRADCHECK(giou_pairwise, {big, f64(segment, {1, 4})});
    const TensorFn moved = [](const std::vector<Tensor>& x) {
      auto p = split(x[1], {1, 1, 1}, 1);  // x, y1, y2
      return generalized_box_iou_pairs(x[0], cat({p[0], p[1], p[0], p[2]}, 1));
    };
    CHECK_GRADCHECK(moved, {big, leaf64({segment[0], segment[1], segment[3]}, {1, 3})});
  }

  // (3) Widening: a = [0,0,2,2], b the segment x = 1, y from 1 to 3. Only x2 → 1 + e is valid:
  // intersection e·1, union 4 + 2e − e, enclosure 2·3, so GIoU = e/(4 + e) − (2 − e)/6, and the
  // one-sided slope is 1/4 + 1/6 = 5/12. The formula continued to x2 = 1 − e (width −e, area −2e,
  // intersection clamped to 0) gives −(2 + 2e)/6, slope 1/3: the intersection width's clamp at 0 is
  // a tie, so the gradient is the mean (5/12 + 1/3)/2 = 3/8. We check the measured one-sided slope
  // (a second-order forward difference) against 5/12, and the gradient against 3/8.
  const std::vector<double> a_box = {0, 0, 2, 2};
  auto giou_at = [&](double x2) { return giou_of(a_box, {1, 1, x2, 3}); };
  const double h = 1e-5;
  const double forward_slope = (-3 * giou_at(1) + 4 * giou_at(1 + h) - giou_at(1 + 2 * h)) / (2 * h);
  CHECK(std::abs(forward_slope - 5.0 / 12) <= 1e-7);
  const Tensor b = leaf64({1, 1, 1, 3}, {1, 4});
  const std::vector<Tensor> g = grad(sum(generalized_box_iou_pairs(f64(a_box, {1, 4}), b)), {b});
  CHECK(g[0].at({0, 2}) == doctest::Approx(3.0 / 8).epsilon(1e-14));
}

TEST_CASE("boxes: zero enclosure gives GIoU 0 with gradient 0") {
  // Two boxes on the vertical line x = 1: the enclosure has width 0. Widening either box by e > 0
  // makes the enclosure positive and GIoU jump to −(|C| − |U|)/|C| (here −2/3 for [1,0,1+e,1]
  // and [1,2,1,3]), so there is no derivative; the value and the gradient are both defined as 0.
  const Tensor a = leaf64({1, 0, 1, 1, 1, 1, 1, 1}, {2, 4}), b = leaf64({1, 2, 1, 3, 1, 1, 1, 1}, {2, 4});
  const Tensor giou = generalized_box_iou_pairs(a, b);
  CHECK_VALUES(giou, 0, {0, 0});
  const std::vector<Tensor> g = grad(sum(giou), {a, b});
  CHECK_VALUES(g[0], 0, {0, 0, 0, 0, 0, 0, 0, 0});
  CHECK_VALUES(g[1], 0, {0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(giou_of({1, 0, 1 + 1e-9, 1}, {1, 2, 1, 3}) == doctest::Approx(-2.0 / 3).epsilon(1e-6));
}
