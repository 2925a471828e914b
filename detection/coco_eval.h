// detection/coco_eval.h — COCO bounding-box evaluation with exactly the semantics of
// pycocotools' COCOeval (iouType "bbox"): IoU thresholds linspace(0.5, 0.95, 10), 101 recall
// points, maxDets 1/10/100, small/medium/large by the ground truth's `area`, crowd regions,
// the precision envelope, -1 where a category or area range has no ground truth.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/coco_json.h"

namespace linattn::detection {

// One detection in COCO's results format.
struct CocoDetection {
  std::int64_t image_id = 0, category_id = 0;  // COCO ids (not contiguous class indices)
  std::array<double, 4> bbox{};                // x, y, w, h in pixels of the original image
  double score = 0;
};

struct CocoEvalResult {
  // pycocotools' order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
  std::array<double, 12> stats{};
  // AP over the 10 IoU thresholds, area "all", maxDets 100, per COCO category id; -1 for a
  // category without ground truth.
  std::map<std::int64_t, double> per_category_ap;
};

CocoEvalResult coco_evaluate(const CocoInstances& ground_truth, const std::vector<CocoDetection>& detections);

// Results files: a JSON list of {image_id, category_id, bbox, score} (the official format).
std::vector<CocoDetection> read_coco_results(const std::string& path);
void write_coco_results(const std::string& path, const std::vector<CocoDetection>& detections);

}  // namespace linattn::detection
