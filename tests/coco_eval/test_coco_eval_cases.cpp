// tests/coco_eval/test_coco_eval_cases.cpp — coco_evaluate on tiny hand-made cases whose AP and
// AR are worked out in the comments, one COCOeval rule per case: perfect detections, a missed
// object, a false positive above a true one, a duplicate, crowd regions, the three area ranges
// (with an area of exactly 32²), an unmatched detection out of range, a category without ground
// truth, the 100-detection cut per (image, category), IoU exactly on a threshold, an image
// without detections. The random comparison with an independent numpy COCOeval is elsewhere.
//
// Numbers used throughout: precision = tp / (tp + fp + eps) with eps = np.spacing(1) =
// DBL_EPSILON, so one true positive alone gives P1 = 1 / (1 + eps) = 1 − 2⁻⁵² (not 1), while
// 2 / (2 + eps) is exactly 1 (2 + eps rounds to 2). The 101 recall thresholds are i·0.01, so
// 51 of them are ≤ 0.5 and 34 are ≤ 1/3.
#include <doctest/doctest.h>

#include <cfloat>

#include "core/error.h"
#include "detection/coco_eval.h"
#include "detection/coco_eval_image.h"

using namespace linattn;
using namespace linattn::detection;

namespace {

const double P1 = 1.0 / (1.0 + DBL_EPSILON);  // precision of a lone true positive

enum Stat { AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl };

// Ground truth with images 1..num_images (640x480) and categories 1..num_categories.
CocoInstances make_gt(int num_images, int num_categories) {
  CocoInstances gt;
  gt.source = "test_gt";
  for (int i = 1; i <= num_images; ++i) gt.images.push_back({i, "img" + std::to_string(i) + ".jpg", 640, 480});
  for (int c = 1; c <= num_categories; ++c) gt.categories.push_back({c, "cat" + std::to_string(c), "thing"});
  return gt;
}

// An annotation; its `area` is w·h unless given.
void add_gt(CocoInstances& gt, std::int64_t image, std::int64_t category, std::array<double, 4> box, double area = -1,
            bool crowd = false) {
  const std::int64_t id = static_cast<std::int64_t>(gt.annotations.size()) + 1;
  gt.annotations.push_back({id, image, category, box, area >= 0 ? area : box[2] * box[3], crowd});
}

CocoDetection det(std::int64_t image, std::int64_t category, std::array<double, 4> box, double score) {
  return {image, category, box, score};
}

}  // namespace

TEST_CASE("coco_eval: thresholds are numpy's linspace") {
  const auto& iou = coco_iou_thresholds();
  CHECK(iou[0] == 0.5);
  CHECK(iou[5] == 0.75);                  // so AP75's exact lookup finds it
  CHECK(iou[8] == 0.8999999999999999);    // i·(0.45/9) + 0.5, not 0.9
  CHECK(iou[8] != 0.9);
  CHECK(iou[9] == 0.95);                  // the end point is set exactly
  const auto& rec = coco_recall_thresholds();
  CHECK(rec[0] == 0.0);
  CHECK(rec[50] == 0.5);
  CHECK(rec[100] == 1.0);
  int at_most_half = 0, at_most_third = 0;
  for (double r : rec) {
    at_most_half += r <= 0.5;
    at_most_third += r <= 1.0 / 3;
  }
  CHECK(at_most_half == 51);
  CHECK(at_most_third == 34);
}

TEST_CASE("coco_eval: crowd IoU is over the detection's area") {
  // Detection (100,0,50,50) inside the crowd box (100,0,100,100): 2500 / 2500 = 1 over the
  // detection's area; an ordinary IoU would be 2500 / 10000 = 0.25.
  CHECK(coco::box_iou_xywh({100, 0, 50, 50}, {100, 0, 100, 100}, true) == 1.0);
  CHECK(coco::box_iou_xywh({100, 0, 50, 50}, {100, 0, 100, 100}, false) == 0.25);
  // Touching edges: zero overlap width gives 0.
  CHECK(coco::box_iou_xywh({0, 0, 10, 10}, {10, 0, 10, 10}, false) == 0.0);
  // Half of a 100x100 box: 5000 / 10000.
  CHECK(coco::box_iou_xywh({0, 0, 50, 100}, {0, 0, 100, 100}, false) == 0.5);
}

TEST_CASE("coco_eval: perfect detections") {
  // Image 1: a 10x10 box (area 100, small); image 2: a 50x50 box (2500, medium). Both detected
  // exactly. Area all: scores 0.9, 0.8 → tp 1, 2 → precision P1, 2/(2+eps) = 1 → the envelope
  // makes both 1 → AP exactly 1 at every threshold. Small: the medium box's ground truth is
  // ignored, so its detection is ignored: tp stays 1 → precision P1 everywhere → APs = P1.
  // Large: no ground truth at all → -1 (AP and AR).
  CocoInstances gt = make_gt(2, 1);
  add_gt(gt, 1, 1, {5, 5, 10, 10});
  add_gt(gt, 2, 1, {20, 30, 50, 50});
  const auto r = coco_evaluate(gt, {det(1, 1, {5, 5, 10, 10}, 0.9), det(2, 1, {20, 30, 50, 50}, 0.8)});
  CHECK(r.stats[AP] == 1.0);
  CHECK(r.stats[AP50] == 1.0);
  CHECK(r.stats[AP75] == 1.0);
  CHECK(r.stats[APs] == P1);
  CHECK(r.stats[APs] != 1.0);  // np.spacing(1) is in the denominator
  CHECK(r.stats[APm] == P1);
  CHECK(r.stats[APl] == -1.0);
  // One detection per image and category, so maxDets 1 already finds both.
  for (Stat s : {AR1, AR10, AR100, ARs, ARm}) CHECK(r.stats[s] == 1.0);
  CHECK(r.stats[ARl] == -1.0);
  CHECK(r.per_category_ap.at(1) == 1.0);
}

TEST_CASE("coco_eval: a missed object") {
  // Two medium boxes, one detected: rc = [0.5], precision [P1]. The 51 recall thresholds ≤ 0.5
  // get P1, the 50 above the reached recall get 0 → AP = 51/101·P1 at every threshold; AR = 0.5.
  CocoInstances gt = make_gt(1, 1);
  add_gt(gt, 1, 1, {0, 0, 50, 50});
  add_gt(gt, 1, 1, {100, 100, 50, 50});
  const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 50, 50}, 0.9)});
  CHECK(r.stats[AP] == doctest::Approx(51.0 / 101).epsilon(1e-14));
  CHECK(r.stats[APm] == doctest::Approx(51.0 / 101).epsilon(1e-14));
  CHECK(r.precision_at(0, 50, 0, 0, 2) == P1);
  CHECK(r.precision_at(0, 51, 0, 0, 2) == 0.0);
  CHECK(r.stats[AR100] == 0.5);
  CHECK(r.stats[AR1] == 0.5);
}

TEST_CASE("coco_eval: a false positive ranked above a true one") {
  SUBCASE("one object") {
    // FP (0.9) then TP (0.8): tp [0, 1], fp [1, 1] → rc [0, 1], precision [0, 1/(2+eps) = 0.5].
    // The envelope lifts the first to 0.5; every recall threshold reads 0.5 → AP = 0.5 exactly.
    CocoInstances gt = make_gt(1, 1);
    add_gt(gt, 1, 1, {0, 0, 50, 50});
    const auto r = coco_evaluate(gt, {det(1, 1, {300, 300, 50, 50}, 0.9), det(1, 1, {0, 0, 50, 50}, 0.8)});
    CHECK(r.stats[AP] == 0.5);
    CHECK(r.stats[AP50] == 0.5);
    CHECK(r.stats[AR100] == 1.0);
    // maxDets 1 keeps only the false positive: recall 0.
    CHECK(r.stats[AR1] == 0.0);
  }
  SUBCASE("between two true ones") {
    // TP (0.9), FP (0.8), TP (0.7), two objects: tp [1,1,2], fp [0,1,1] → rc [.5, .5, 1],
    // precision [P1, 0.5, 2/3]; envelope [P1, 2/3, 2/3]. The 51 thresholds ≤ 0.5 read index 0
    // (P1), the other 50 read index 2 (2/3): AP = (51·P1 + 50·2/3)/101 = 0.83498...
    CocoInstances gt = make_gt(1, 1);
    add_gt(gt, 1, 1, {0, 0, 50, 50});
    add_gt(gt, 1, 1, {100, 0, 50, 50});
    const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 50, 50}, 0.9), det(1, 1, {300, 300, 50, 50}, 0.8),
                                      det(1, 1, {100, 0, 50, 50}, 0.7)});
    const double expected = (51 * P1 + 50 * (2.0 / 3)) / 101;
    CHECK(r.stats[AP] == doctest::Approx(expected).epsilon(1e-14));
    CHECK(r.precision_at(3, 10, 0, 0, 2) == P1);
    CHECK(r.precision_at(3, 60, 0, 0, 2) == 2.0 / 3);
    CHECK(r.stats[AR100] == 1.0);
  }
}

TEST_CASE("coco_eval: a duplicate detection is a false positive") {
  // Both detections hit the one box; the second finds it taken: tp [1, 1], fp [0, 1] → rc [1, 1],
  // precision [P1, 0.5] → envelope [P1, 0.5]; every threshold reads index 0 → P1.
  CocoInstances gt = make_gt(1, 1);
  add_gt(gt, 1, 1, {0, 0, 50, 50});
  const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 50, 50}, 0.9), det(1, 1, {0, 0, 50, 50}, 0.8)});
  for (int t = 0; t < kCocoNumIouThresholds; ++t) CHECK(r.precision_at(t, 100, 0, 0, 2) == P1);
  CHECK(r.stats[AP] == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(r.stats[AR100] == 1.0);
  // Reversed scores change nothing: whichever comes first takes the box.
  const auto r2 = coco_evaluate(gt, {det(1, 1, {0, 0, 50, 50}, 0.8), det(1, 1, {0, 0, 50, 50}, 0.9)});
  CHECK(r2.stats == r.stats);
}

TEST_CASE("coco_eval: crowd regions") {
  SUBCASE("detections on a crowd are neither true nor false positives") {
    // A (0,0,50,50) regular; C (100,0,100,100) crowd. d1 (0.9) and d3 (0.7) lie inside C: IoU 1
    // by their own area, so they match C (a crowd takes any number) and are ignored. d2 (0.8)
    // hits A. Sorted: ignored, TP, ignored → tp [0,1,1], fp [0,0,0] → precision [0, P1, P1],
    // envelope P1 everywhere; rc [0, 1, 1] → AP = P1 (mean of P1s). Were the crowd an ordinary
    // box (IoU 0.25 < 0.5) both would be false positives: FP, TP, FP → AP 0.5.
    CocoInstances gt = make_gt(1, 1);
    add_gt(gt, 1, 1, {0, 0, 50, 50});
    add_gt(gt, 1, 1, {100, 0, 100, 100}, -1, /*crowd=*/true);
    const auto r = coco_evaluate(gt, {det(1, 1, {100, 0, 50, 50}, 0.9), det(1, 1, {0, 0, 50, 50}, 0.8),
                                      det(1, 1, {150, 50, 50, 50}, 0.7)});
    CHECK(r.precision_at(0, 0, 0, 0, 2) == P1);
    CHECK(r.precision_at(9, 100, 0, 0, 2) == P1);
    CHECK(r.stats[AP] == doctest::Approx(1.0).epsilon(1e-15));
    CHECK(r.stats[AR100] == 1.0);  // the crowd is not an object to find: npig = 1
    // Large: the crowd (area 10000) is the only box in range, and crowd → ignored → -1.
    CHECK(r.stats[APl] == -1.0);
  }
  SUBCASE("a regular match stops before the ignored ground truth") {
    // A (0,0,100,62.5) regular, C (0,0,100,100) crowd; one detection (0,0,100,100). IoU with A
    // = 6250/10000 = 0.625, with C = 1. Regular ground truth is visited first: at thresholds
    // 0.5, 0.55, 0.6 the detection matches A and stops at C (a TP); from 0.65 on A is too far,
    // so it matches C and is ignored: no TP, no FP → precision 0, recall 0 there.
    // AP = 3/10·P1.
    CocoInstances gt = make_gt(1, 1);
    add_gt(gt, 1, 1, {0, 0, 100, 62.5});
    add_gt(gt, 1, 1, {0, 0, 100, 100}, -1, /*crowd=*/true);
    const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 100, 100}, 0.9)});
    CHECK(r.precision_at(2, 100, 0, 0, 2) == P1);
    CHECK(r.precision_at(3, 0, 0, 0, 2) == 0.0);
    CHECK(r.recall_at(2, 0, 0, 2) == 1.0);
    CHECK(r.recall_at(3, 0, 0, 2) == 0.0);
    CHECK(r.stats[AP] == doctest::Approx(0.3).epsilon(1e-14));
    CHECK(r.stats[AP50] == doctest::Approx(1.0).epsilon(1e-15));
    CHECK(r.stats[AP75] == 0.0);
  }
  SUBCASE("only crowd ground truth: -1") {
    CocoInstances gt = make_gt(1, 1);
    add_gt(gt, 1, 1, {0, 0, 100, 100}, -1, true);
    const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 100, 100}, 0.9)});
    for (double s : r.stats) CHECK(s == -1.0);
    CHECK(r.per_category_ap.at(1) == -1.0);
  }
}

TEST_CASE("coco_eval: area ranges by the ground truth's area field, ends inclusive") {
  // S: box 40x40 (1600 by its box) but area field 1024 = 32²; M: area 5000; L: area 20000.
  // S is not detected; M and L exactly (0.8, 0.7).
  //  small  [0, 1024]: S is in range (inclusive; by the field, not the box) and missed; M, L
  //         ignored, their detections matched to them are ignored → APs = 0, ARs = 0 (not -1).
  //  medium [1024, 9216]: S and M in range: dM TP, dL ignored → rc [.5, .5], precision P1 →
  //         APm = 51/101·P1, ARm = 0.5.
  //  large  [9216, 1e10]: dL TP; dM matches the ignored M → APl = P1, ARl = 1.
  //  all: 3 objects, dM then dL: tp [1, 2] → rc [1/3, 2/3], precision [P1, 1] → envelope [1, 1];
  //       34 thresholds ≤ 1/3 and 33 more ≤ 2/3 read 1, 34 read 0 → AP = 67/101 exactly
  //       (sums of ones), AR = 2/3.
  CocoInstances gt = make_gt(1, 1);
  add_gt(gt, 1, 1, {0, 0, 40, 40}, 1024.0);
  add_gt(gt, 1, 1, {100, 0, 70, 70}, 5000.0);
  add_gt(gt, 1, 1, {300, 0, 150, 150}, 20000.0);
  const auto r = coco_evaluate(gt, {det(1, 1, {100, 0, 70, 70}, 0.8), det(1, 1, {300, 0, 150, 150}, 0.7)});
  CHECK(r.stats[APs] == 0.0);
  CHECK(r.stats[ARs] == 0.0);
  CHECK(r.stats[APm] == doctest::Approx(51.0 / 101).epsilon(1e-14));
  CHECK(r.stats[ARm] == 0.5);
  CHECK(r.stats[APl] == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(r.stats[ARl] == 1.0);
  CHECK(r.stats[AP] == 670.0 / 1010);
  CHECK(r.stats[AR100] == doctest::Approx(2.0 / 3).epsilon(1e-15));  // a mean of ten 2/3s
}

TEST_CASE("coco_eval: an unmatched detection outside the area range is ignored") {
  // A small box (20x20) found at score 0.8, and a far-away 100x100 false positive at 0.9.
  // All: FP, TP → AP = 0.5 (as above). Small: the false positive's own area 10000 is out of
  // range and it matched nothing → ignored → APs = P1. Medium, large: no ground truth → -1.
  CocoInstances gt = make_gt(1, 1);
  add_gt(gt, 1, 1, {0, 0, 20, 20});
  const auto r = coco_evaluate(gt, {det(1, 1, {300, 300, 100, 100}, 0.9), det(1, 1, {0, 0, 20, 20}, 0.8)});
  CHECK(r.stats[AP] == 0.5);
  CHECK(r.stats[APs] == P1);
  CHECK(r.stats[APm] == -1.0);
  CHECK(r.stats[APl] == -1.0);
}

TEST_CASE("coco_eval: a category without ground truth is left out of the means") {
  // Category 1: one box, found (AP = P1 at every point). Category 2: a detection but no ground
  // truth → -1, not 0 (else the mean would be P1/2). Category 3: nothing at all → -1.
  CocoInstances gt = make_gt(1, 3);
  add_gt(gt, 1, 1, {0, 0, 50, 50});
  const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 50, 50}, 0.9), det(1, 2, {200, 200, 50, 50}, 0.95)});
  CHECK(r.category_ids == std::vector<std::int64_t>{1, 2, 3});
  CHECK(r.per_category_ap.at(1) == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(r.per_category_ap.at(2) == -1.0);
  CHECK(r.per_category_ap.at(3) == -1.0);
  CHECK(r.stats[AP] == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(r.stats[AR100] == 1.0);
}

TEST_CASE("coco_eval: at most 100 detections per image and category") {
  // Category 1: one box, 100 false positives scored 0.99 … 0.90 above its exact detection
  // (0.5), which is the 101st and is cut → AP 0, AR 0 (0, not -1: the box counts).
  // Category 2 in the same image: one box found at score 0.1 — the image has 102 detections, but
  // the cut is per (image, category), so it survives → AP P1, AR 1.
  // Means over the two categories: AP = P1/2, AR1 = AR10 = AR100 = 0.5.
  CocoInstances gt = make_gt(1, 2);
  add_gt(gt, 1, 1, {0, 0, 50, 50});
  add_gt(gt, 1, 2, {0, 100, 50, 50});
  std::vector<CocoDetection> dets;
  for (int n = 0; n < 100; ++n) dets.push_back(det(1, 1, {200.0 + 3 * n, 300, 2, 2}, 0.99 - 0.001 * n));
  dets.push_back(det(1, 1, {0, 0, 50, 50}, 0.5));
  dets.push_back(det(1, 2, {0, 100, 50, 50}, 0.1));
  const auto r = coco_evaluate(gt, dets);
  CHECK(r.per_category_ap.at(1) == 0.0);
  CHECK(r.per_category_ap.at(2) == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(r.stats[AP] == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(r.stats[AR1] == 0.5);
  CHECK(r.stats[AR10] == 0.5);
  CHECK(r.stats[AR100] == 0.5);
  // With 99 false positives above it, the true one is the 100th and is kept: rc [0 … 0, 1],
  // precision at index 99 = 1/100, which the envelope spreads to every threshold.
  dets.erase(dets.begin());
  const auto kept = coco_evaluate(gt, dets);
  CHECK(kept.precision_at(0, 0, 0, 0, 2) == 1.0 / (100 + DBL_EPSILON));
  CHECK(kept.precision_at(0, 100, 0, 0, 2) == 1.0 / (100 + DBL_EPSILON));
  CHECK(kept.recall_at(0, 0, 0, 2) == 1.0);
  CHECK(kept.recall_at(0, 0, 0, 1) == 0.0);  // maxDets 10 stops before it
}

TEST_CASE("coco_eval: IoU exactly on a threshold matches") {
  // Ground truth 100x100. Category 1's detection covers half of it: IoU 5000/10000 = 0.5, a
  // match at the threshold 0.5 only → AP50 P1, AP = P1/10. Category 2's covers three quarters:
  // IoU 0.75, a match at 0.5 … 0.75 (6 thresholds) → AP = 6/10·P1, AP75 P1.
  CocoInstances gt = make_gt(1, 2);
  add_gt(gt, 1, 1, {0, 0, 100, 100});
  add_gt(gt, 1, 2, {0, 0, 100, 100});
  const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 50, 100}, 0.9), det(1, 2, {0, 0, 75, 100}, 0.9)});
  CHECK(r.per_category_ap.at(1) == doctest::Approx(0.1).epsilon(1e-14));
  CHECK(r.per_category_ap.at(2) == doctest::Approx(0.6).epsilon(1e-14));
  CHECK(r.precision_at(0, 0, 0, 0, 2) == P1);
  CHECK(r.precision_at(1, 0, 0, 0, 2) == 0.0);
  CHECK(r.precision_at(5, 0, 1, 0, 2) == P1);
  CHECK(r.precision_at(6, 0, 1, 0, 2) == 0.0);
  CHECK(r.stats[AP50] == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(r.stats[AP75] == doctest::Approx(0.5).epsilon(1e-15));  // (0 + P1) / 2
  CHECK(r.stats[AR100] == doctest::Approx(0.35).epsilon(1e-14));  // (1/10 + 6/10) / 2
}

TEST_CASE("coco_eval: an image with ground truth but no detections counts") {
  // Two images, one box each; only image 1 has a detection: rc [0.5] → AP = 51/101·P1,
  // AR 0.5. Dropping image 2 would give AP ≈ 1.
  CocoInstances gt = make_gt(2, 1);
  add_gt(gt, 1, 1, {0, 0, 50, 50});
  add_gt(gt, 2, 1, {0, 0, 50, 50});
  const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 50, 50}, 0.9)});
  CHECK(r.stats[AP] == doctest::Approx(51.0 / 101).epsilon(1e-14));
  CHECK(r.stats[AR100] == 0.5);
}

TEST_CASE("coco_eval: equal scores keep image order across images") {
  // Image 1: a false positive; image 2: a true positive; both score 0.5. The stable sort keeps
  // image id order (FP first) → AP 0.5, as in the FP-above-TP case. Listing image 2's detection
  // first in the results changes nothing: the order across images is the image ids'.
  CocoInstances gt = make_gt(2, 1);
  add_gt(gt, 2, 1, {0, 0, 50, 50});
  const auto fp = det(1, 1, {0, 0, 50, 50}, 0.5), tp = det(2, 1, {0, 0, 50, 50}, 0.5);
  CHECK(coco_evaluate(gt, {fp, tp}).stats[AP] == 0.5);
  CHECK(coco_evaluate(gt, {tp, fp}).stats[AP] == 0.5);
}

TEST_CASE("coco_eval: no detections, no ground truth") {
  CocoInstances gt = make_gt(1, 1);
  add_gt(gt, 1, 1, {0, 0, 50, 50});
  const auto none = coco_evaluate(gt, {});
  CHECK(none.stats[AP] == 0.0);
  CHECK(none.stats[AR100] == 0.0);
  CHECK(none.stats[APl] == -1.0);
  const auto empty = coco_evaluate(make_gt(2, 2), {});
  for (double s : empty.stats) CHECK(s == -1.0);
}

TEST_CASE("coco_eval: detections outside the ground truth are errors naming the id") {
  CocoInstances gt = make_gt(2, 2);
  add_gt(gt, 1, 1, {0, 0, 50, 50});
  CHECK_THROWS_WITH_AS(coco_evaluate(gt, {det(1, 1, {0, 0, 5, 5}, 0.5), det(7, 1, {0, 0, 5, 5}, 0.5)}),
                       doctest::Contains("detection 1: image_id 7 is not an image of test_gt"), Error);
  CHECK_THROWS_WITH_AS(coco_evaluate(gt, {det(2, 9, {0, 0, 5, 5}, 0.5)}),
                       doctest::Contains("category_id 9 is not a category of test_gt"), Error);
}

TEST_CASE("coco_eval: a match with annotation id 0 counts as none (pycocotools' quirk, kept)") {
  // pycocotools stores a detection's match as the annotation's id and tests it for non-zero, so
  // an exact hit on annotation id 0 is a false positive, and the box, taken, stays unfound:
  // AP 0, AR 0. (Real COCO ids start at 1; 0-based converters meet this in pycocotools too.)
  CocoInstances gt = make_gt(1, 1);
  gt.annotations.push_back({0, 1, 1, {0, 0, 50, 50}, 2500, false});
  const auto r = coco_evaluate(gt, {det(1, 1, {0, 0, 50, 50}, 0.9), det(1, 1, {0, 0, 50, 50}, 0.8)});
  CHECK(r.stats[AP] == 0.0);
  CHECK(r.stats[AR100] == 0.0);
  gt.annotations[0].id = 1;
  CHECK(coco_evaluate(gt, {det(1, 1, {0, 0, 50, 50}, 0.9)}).stats[AR100] == 1.0);
}
