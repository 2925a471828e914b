// detection/coco_eval.h — COCO bounding-box evaluation with exactly the semantics of
// pycocotools' COCOeval (iouType "bbox"): IoU thresholds linspace(0.5, 0.95, 10), 101 recall
// points, maxDets 1/10/100, small/medium/large by the ground truth's `area`, crowd regions,
// the precision envelope, -1 where a category or area range has no ground truth.
//
// Where this differs from pycocotools (on input pycocotools would mishandle, never in a result):
// a detection whose category is not a ground-truth category is an error (pycocotools drops it
// silently), and an empty results list is allowed (pycocotools' loadRes fails on it).
// Everything else — sort stability, the per (image, category) cut at 100 detections, greedy
// matching and its tie-breaking, crowd IoU, the summation order of the means — follows it.
//
// Files: coco_eval.cpp (evaluate + accumulate + summarize), coco_eval_image.{h,cpp} (one image
// and category: IoUs and greedy matching), coco_results.cpp (results files),
// coco_eval_report.{h,cpp} (the printed summary, the per-category table, JSON).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "data/coco_json.h"

namespace linattn::detection {

// One detection in COCO's results format.
struct CocoDetection {
  std::int64_t image_id = 0, category_id = 0;  // COCO ids (not contiguous class indices)
  std::array<double, 4> bbox{};                // x, y, w, h in pixels of the original image
  double score = 0;
};

// The fixed evaluation parameters (pycocotools' defaults for bbox).
inline constexpr int kCocoNumIouThresholds = 10;     // T
inline constexpr int kCocoNumRecallThresholds = 101;  // R
inline constexpr int kCocoNumAreaRanges = 4;         // A: all, small, medium, large
inline constexpr int kCocoNumMaxDets = 3;            // M: 1, 10, 100
inline constexpr std::array<int, kCocoNumMaxDets> kCocoMaxDets = {1, 10, 100};
// Inclusive bounds on the ground truth's `area` (and a detection's w·h): 32² = 1024 is both small
// and medium.
inline constexpr std::array<std::array<double, 2>, kCocoNumAreaRanges> kCocoAreaRanges = {
    {{0.0, 1e10}, {0.0, 1024.0}, {1024.0, 9216.0}, {9216.0, 1e10}}};
inline constexpr std::array<const char*, kCocoNumAreaRanges> kCocoAreaNames = {"all", "small", "medium", "large"};

// numpy.linspace(0.5, 0.95, 10): 0.5 + i·(0.45/9), the last one exactly 0.95 (so the 9th is
// 0.8999999999999999, not 0.9).
const std::array<double, kCocoNumIouThresholds>& coco_iou_thresholds();
// numpy.linspace(0, 1, 101): i·0.01.
const std::array<double, kCocoNumRecallThresholds>& coco_recall_thresholds();

struct CocoEvalResult {
  // pycocotools' order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
  std::array<double, 12> stats{};
  // AP over the 10 IoU thresholds, area "all", maxDets 100, per COCO category id; -1 for a
  // category without ground truth.
  std::map<std::int64_t, double> per_category_ap;

  // The accumulated tables (pycocotools' eval['precision'] and eval['recall']), -1 where the
  // category has no (non-crowd, in-range) ground truth.
  std::vector<std::int64_t> category_ids;  // K, sorted: the ground truth's categories
  std::vector<double> precision;           // T x R x K x A x M, interpolated precision
  std::vector<double> recall;              // T x K x A x M, the largest recall reached

  double precision_at(int t, int r, int k, int a, int m) const;
  double recall_at(int t, int k, int a, int m) const;
};

// Evaluates `detections` against `ground_truth`. Every ground-truth image counts (also one
// without detections); categories are the ground truth's, sorted by id. An Error names the
// detection (its index) whose image id is not a ground-truth image or whose category id is not a
// ground-truth category.
CocoEvalResult coco_evaluate(const CocoInstances& ground_truth, const std::vector<CocoDetection>& detections);

// Results files: a JSON list of {image_id, category_id, bbox, score} (the official format);
// other fields (id, area, segmentation) are ignored. Errors name the file, the entry and the
// field ("dets.json: [3].bbox: expected 4 numbers").
std::vector<CocoDetection> read_coco_results(const std::string& path);
std::vector<CocoDetection> parse_coco_results(std::string_view json_text, const std::string& source);
// Writes the list in the same format (numbers printed so that they read back exactly).
void write_coco_results(const std::string& path, const std::vector<CocoDetection>& detections);

}  // namespace linattn::detection
