// detection/coco_eval_image.h — one (image, category) of the COCO evaluation, as pycocotools'
// COCOeval.computeIoU and evaluateImg do it: the IoU of every detection with every ground truth
// (crowd regions by the detection's own area), then, per area range and IoU threshold, the
// greedy matching of detections (best score first) to ground truth. Internal to coco_eval.cpp;
// the tests reach it through coco_evaluate.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "detection/coco_eval.h"

namespace linattn::detection::coco {

// pycocotools' bbIou for xywh boxes: intersection over union, or over the detection's area when
// the ground truth is a crowd region; 0 when the overlap has no positive width or height.
double box_iou_xywh(const std::array<double, 4>& dt, const std::array<double, 4>& gt, bool gt_crowd);

// The detections of one (image, category), sorted by descending score (stable: ties keep the
// results list's order) and cut to the first kCocoMaxDets.back(); their IoUs with the ground
// truth of the same (image, category), in its file order.
struct ImageCategory {
  std::vector<const CocoAnnotation*> gts;  // G
  std::vector<const CocoDetection*> dts;   // D
  std::vector<double> ious;                // D x G
};
ImageCategory prepare_image_category(std::vector<const CocoAnnotation*> gts, std::vector<const CocoDetection*> dts);

// The outcome of matching one (image, category) for one area range (at maxDets 100; cutting it
// to fewer detections is a prefix, since a detection's match depends only on those above it).
struct ImageCategoryEval {
  std::vector<double> dt_scores;             // D, descending
  std::vector<std::uint8_t> dt_matched;      // T x D: matched to a ground truth (see the .cpp)
  std::vector<std::uint8_t> dt_ignored;      // T x D: matched to an ignored one, or unmatched out of range
  std::int64_t regular_gts = 0;              // ground truth neither crowd nor out of range
};
ImageCategoryEval evaluate_image_category(const ImageCategory& ic, const std::array<double, 2>& area_range);

}  // namespace linattn::detection::coco
