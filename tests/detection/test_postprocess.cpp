// tests/detection/test_postprocess.cpp — detections_to_coco: scores, labels and the map from
// normalized canvas boxes back to original-image pixels, worked out by hand; and the whole
// detection path closed on itself: ground truth -> dataset -> eval transforms -> targets used as
// perfect predictions -> detections_to_coco -> coco_evaluate gives AP 1.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/ops.h"
#include "data/coco.h"
#include "data/coco_paths.h"
#include "data/detection_collate.h"
#include "data/loader.h"
#include "detection/postprocess.h"

namespace linattn::detection {
namespace {

CategoryMap two_categories() {  // class 0 = COCO id 1, class 1 = COCO id 18
  return CategoryMap({{.id = 18, .name = "dog", .supercategory = "animal"},
                      {.id = 1, .name = "person", .supercategory = "person"}});
}

// One image of 200 (h) x 100 (w) pixels letterboxed onto a 100 x 100 canvas: scale 0.5.
Batch one_image_batch() {
  Batch batch;
  batch.indices = {0};
  batch.image_ids = {42};
  batch.original_sizes = {{200, 100}};
  batch.scales = {0.5};
  return batch;
}

TEST_CASE("detections_to_coco: softmax heads give every query its best real class, in original pixels") {
  // Query 0: logits (0, ln 3, 0) -> p = (1, 3, 1)/5: class 1 (COCO id 18) with 0.6.
  // Query 1: logits (2, 0, 5): no-object wins, but the best real class, 0 (COCO id 1), is
  // reported with p = e² / (e² + 1 + e⁵).
  Tensor logits = from_values({0, std::log(3.0), 0, 2, 0, 5}, {1, 2, 3}, {.dtype = DType::F64});
  // The image fills canvas x in [0, 50), y in [0, 100). Query 0's box (0.2, 0.5, 0.2, 0.1) of the
  // canvas = x1 y1 x2 y2 (10, 45, 30, 55) canvas px = (20, 90, 60, 110) original px = COCO
  // (20, 90, 40, 20). Query 1's box (0.45, 0.5, 0.2, 0.2) = canvas (35, 40, 55, 60) = original
  // (70, 80, 110, 120), clipped to the 100-px-wide image: COCO (70, 80, 30, 40).
  Tensor boxes = from_values({0.2, 0.5, 0.2, 0.1, 0.45, 0.5, 0.2, 0.2}, {1, 2, 4}, {.dtype = DType::F64});
  auto dets = detections_to_coco(logits, boxes, one_image_batch(), 100, two_categories());
  REQUIRE(dets.size() == 2);
  CHECK(dets[0].image_id == 42);
  CHECK(dets[0].category_id == 18);
  CHECK(dets[0].score == doctest::Approx(0.6).epsilon(1e-12));
  CHECK(dets[0].bbox[0] == doctest::Approx(20).epsilon(1e-12));
  CHECK(dets[0].bbox[1] == doctest::Approx(90).epsilon(1e-12));
  CHECK(dets[0].bbox[2] == doctest::Approx(40).epsilon(1e-12));
  CHECK(dets[0].bbox[3] == doctest::Approx(20).epsilon(1e-12));
  const double e2 = std::exp(2.0), e5 = std::exp(5.0);
  CHECK(dets[1].category_id == 1);
  CHECK(dets[1].score == doctest::Approx(e2 / (e2 + 1 + e5)).epsilon(1e-12));
  CHECK(dets[1].bbox[0] == doctest::Approx(70).epsilon(1e-12));
  CHECK(dets[1].bbox[1] == doctest::Approx(80).epsilon(1e-12));
  CHECK(dets[1].bbox[2] == doctest::Approx(30).epsilon(1e-12));
  CHECK(dets[1].bbox[3] == doctest::Approx(40).epsilon(1e-12));

  // max_detections keeps the highest scores; score_threshold drops the low ones.
  CHECK(detections_to_coco(logits, boxes, one_image_batch(), 100, two_categories(), {.max_detections = 1})
            .at(0)
            .category_id == 18);
  CHECK(detections_to_coco(logits, boxes, one_image_batch(), 100, two_categories(), {.score_threshold = 0.5})
            .size() == 1);
}

TEST_CASE("detections_to_coco: sigmoid heads take the top (query, class) pairs of the image") {
  // sigmoid scores: q0 (0.5, 0.88), q1 (0.98, 0.12) -> top 3: (q1, c0), (q0, c1), (q0, c0).
  Tensor logits = from_values({0, 2, 4, -2}, {1, 2, 2}, {.dtype = DType::F64});
  Tensor boxes = from_values({0.2, 0.5, 0.2, 0.2, 0.25, 0.25, 0.1, 0.1}, {1, 2, 4}, {.dtype = DType::F64});
  auto dets = detections_to_coco(logits, boxes, one_image_batch(), 100, two_categories(),
                                 {.focal = true, .max_detections = 3});
  REQUIRE(dets.size() == 3);
  auto sigmoid = [](double x) { return 1 / (1 + std::exp(-x)); };
  CHECK(dets[0].category_id == 1);
  CHECK(dets[0].score == doctest::Approx(sigmoid(4)).epsilon(1e-12));
  CHECK(dets[0].bbox[0] == doctest::Approx(40).epsilon(1e-12));  // q1: x from 0.2 · 200 px
  CHECK(dets[1].category_id == 18);
  CHECK(dets[1].score == doctest::Approx(sigmoid(2)).epsilon(1e-12));
  CHECK(dets[2].category_id == 1);
  CHECK(dets[2].score == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(dets[2].bbox[2] == doctest::Approx(40).epsilon(1e-12));  // q0: w 0.2 · 200 px
}

TEST_CASE("detections_to_coco: errors name the shapes and the batch") {
  Tensor boxes = zeros({1, 2, 4});
  CHECK_THROWS_WITH_AS(detections_to_coco(zeros({1, 2, 2}), boxes, one_image_batch(), 100, two_categories()),
                       doctest::Contains("logits have 2 classes, but 2 categories need 3"), Error);
  CHECK_THROWS_WITH_AS(detections_to_coco(zeros({1, 2, 3}), zeros({1, 3, 4}), one_image_batch(), 100, two_categories()),
                       doctest::Contains("(1, 3, 4)"), Error);
  Batch classification;
  classification.indices = {0};
  CHECK_THROWS_WITH_AS(detections_to_coco(zeros({1, 2, 3}), boxes, classification, 100, two_categories()),
                       doctest::Contains("a detection batch is needed"), Error);
}

// The COCO subset's val split, if $LINATTN_DATA holds it (the data root or the subset folder).
std::string coco_subset_dir() {
  const char* env = std::getenv("LINATTN_DATA");
  if (!env || !*env) return "";
  for (const std::filesystem::path& dir : {std::filesystem::path(env) / "coco-subset", std::filesystem::path(env)})
    if (std::filesystem::is_regular_file(dir / "annotations" / "instances_val.json")) return dir.string();
  return "";
}

TEST_CASE("ground truth through the eval pipeline and back scores AP 1 (the real COCO val subset)") {
  const std::string dir = coco_subset_dir();
  if (dir.empty()) {
    std::cout << "SKIP: $LINATTN_DATA holds no coco-subset\n";
    return;
  }
  CocoSplitPaths val = find_coco_split(std::filesystem::path(dir).parent_path().string(),
                                       std::filesystem::path(dir).filename().string(), "val");
  auto dataset = std::make_shared<CocoDetectionDataset>(
      CocoDatasetOptions{.annotation_file = val.annotations, .image_dir = val.images, .categories = {}});
  // The subset's long sides are at most 384 px: on a 384 canvas no box falls under the eval
  // transform's 1-px minimum (on a smaller canvas the thinnest boxes would be dropped).
  const int S = 384;
  DataLoader loader(std::make_shared<DetectionBatches>(dataset, DetectionTransformOptions{.image_size = S},
                                                       DetectionMode::Eval),
                    {.batch_size = 64});
  loader.start_epoch(0);
  const std::int64_t K = dataset->num_classes();
  std::vector<CocoDetection> detections;
  while (auto batch = loader.next()) {
    // Perfect predictions: one query per target, its class logit 10 (no-object 0, others 0), its box
    // the target's own. Q = the batch's largest target count; the extra queries predict a
    // far-off tiny box with no-object certain, which stays below the threshold.
    std::int64_t Q = 1;
    for (const auto& t : batch->targets) Q = std::max(Q, t.size());
    const std::int64_t B = batch->size();
    std::vector<double> logits(static_cast<std::size_t>(B * Q * (K + 1)), 0.0);
    std::vector<double> boxes(static_cast<std::size_t>(B * Q * 4), 0.0);
    for (std::int64_t b = 0; b < B; ++b) {
      const DetectionTarget& t = batch->targets[static_cast<std::size_t>(b)];
      const auto labels = t.labels.to_vector<std::int64_t>();
      const auto tb = t.boxes.to_vector<float>();
      for (std::int64_t q = 0; q < Q; ++q) {
        double* row = logits.data() + (b * Q + q) * (K + 1);
        double* box = boxes.data() + (b * Q + q) * 4;
        if (q < t.size()) {
          row[labels[static_cast<std::size_t>(q)]] = 10;
          for (int i = 0; i < 4; ++i) box[i] = tb[static_cast<std::size_t>(q * 4 + i)];
        } else {
          row[K] = 50;
          box[0] = box[1] = 0.5;
          box[2] = box[3] = 0.01;
        }
      }
    }
    auto dets = detections_to_coco(from_values(logits, {B, Q, K + 1}, {.dtype = DType::F64}),
                                   from_values(boxes, {B, Q, 4}, {.dtype = DType::F64}), *batch, S,
                                   dataset->category_map(), {.score_threshold = 0.5});
    detections.insert(detections.end(), dets.begin(), dets.end());
  }
  CHECK(static_cast<std::int64_t>(detections.size()) == dataset->stats().targets);
  CocoEvalResult result = coco_evaluate(dataset->instances(), detections);
  // Every non-crowd object found once at IoU ≥ 0.95 (boxes pass through float32 and back):
  // AP, AP50, AP75 and the three area ranges are 1; no false positive anywhere.
  for (int i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(result.stats[static_cast<std::size_t>(i)] == doctest::Approx(1.0).epsilon(1e-12));
  }
  CHECK(result.stats[8] == doctest::Approx(1.0).epsilon(1e-12));  // AR@100
}

}  // namespace
}  // namespace linattn::detection
