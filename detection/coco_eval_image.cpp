// detection/coco_eval_image.cpp — see coco_eval_image.h. Follows pycocotools' cocoeval.py
// (computeIoU, evaluateImg) and maskApi.c (bbIou) step by step; the comments name the places
// where the obvious alternative gives a different number.
#include "detection/coco_eval_image.h"

#include <algorithm>
#include <numeric>

namespace linattn::detection::coco {

double box_iou_xywh(const std::array<double, 4>& dt, const std::array<double, 4>& gt, bool gt_crowd) {
  const double dt_area = dt[2] * dt[3], gt_area = gt[2] * gt[3];  // plain w·h, no +1
  const double w = std::min(dt[0] + dt[2], gt[0] + gt[2]) - std::max(dt[0], gt[0]);
  if (w <= 0) return 0.0;
  const double h = std::min(dt[1] + dt[3], gt[1] + gt[3]) - std::max(dt[1], gt[1]);
  if (h <= 0) return 0.0;
  const double inter = w * h;
  const double denom = gt_crowd ? dt_area : dt_area + gt_area - inter;
  return inter / denom;
}

ImageCategory prepare_image_category(std::vector<const CocoAnnotation*> gts, std::vector<const CocoDetection*> dts) {
  ImageCategory ic;
  // Highest score first; a stable sort, as numpy's mergesort, so equal scores keep list order.
  std::stable_sort(dts.begin(), dts.end(),
                   [](const CocoDetection* a, const CocoDetection* b) { return a->score > b->score; });
  const std::size_t max_dets = static_cast<std::size_t>(kCocoMaxDets.back());
  if (dts.size() > max_dets) dts.resize(max_dets);  // per (image, category), not per image
  ic.gts = std::move(gts);
  ic.dts = std::move(dts);
  const std::size_t D = ic.dts.size(), G = ic.gts.size();
  ic.ious.resize(D * G);
  for (std::size_t d = 0; d < D; ++d)
    for (std::size_t g = 0; g < G; ++g)
      ic.ious[d * G + g] = box_iou_xywh(ic.dts[d]->bbox, ic.gts[g]->bbox, ic.gts[g]->iscrowd);
  return ic;
}

ImageCategoryEval evaluate_image_category(const ImageCategory& ic, const std::array<double, 2>& area_range) {
  const auto& thresholds = coco_iou_thresholds();
  const std::size_t T = thresholds.size(), D = ic.dts.size(), G = ic.gts.size();
  auto outside = [&](double area) { return area < area_range[0] || area > area_range[1]; };  // inclusive ends

  // Ground truth is ignored when crowd (pycocotools' `ignore` = iscrowd) or when its `area`
  // field — not its box — is out of range. Visit the regular ones first, in file order.
  std::vector<std::uint8_t> gt_ignored(G);
  ImageCategoryEval out;
  for (std::size_t g = 0; g < G; ++g) {
    gt_ignored[g] = ic.gts[g]->iscrowd || outside(ic.gts[g]->area);
    if (!gt_ignored[g]) ++out.regular_gts;
  }
  std::vector<std::size_t> gt_order(G);
  std::iota(gt_order.begin(), gt_order.end(), std::size_t{0});
  std::stable_sort(gt_order.begin(), gt_order.end(),
                   [&](std::size_t a, std::size_t b) { return gt_ignored[a] < gt_ignored[b]; });

  out.dt_scores.resize(D);
  for (std::size_t d = 0; d < D; ++d) out.dt_scores[d] = ic.dts[d]->score;
  out.dt_matched.assign(T * D, 0);
  out.dt_ignored.assign(T * D, 0);
  // pycocotools records a match as the ground truth's id and later tests that id for non-zero,
  // so a match with an annotation whose id is 0 counts as no match. Kept, to give its numbers.
  std::vector<std::uint8_t> gt_taken(G);
  for (std::size_t t = 0; t < T; ++t) {
    std::fill(gt_taken.begin(), gt_taken.end(), 0);
    for (std::size_t d = 0; d < D; ++d) {
      double best = std::min(thresholds[t], 1 - 1e-10);
      std::ptrdiff_t m = -1;
      for (std::size_t g : gt_order) {
        if (gt_taken[g] && !ic.gts[g]->iscrowd) continue;  // a crowd region may take many detections
        // Once matched to a regular ground truth, stop at the first ignored one.
        if (m > -1 && !gt_ignored[static_cast<std::size_t>(m)] && gt_ignored[g]) break;
        const double iou = ic.ious[d * G + g];
        if (iou < best) continue;  // so IoU == threshold matches, and a tie goes to the later one
        best = iou;
        m = static_cast<std::ptrdiff_t>(g);
      }
      if (m == -1) continue;
      const auto mg = static_cast<std::size_t>(m);
      out.dt_ignored[t * D + d] = gt_ignored[mg];
      out.dt_matched[t * D + d] = ic.gts[mg]->id != 0;
      gt_taken[mg] = 1;
    }
  }
  // An unmatched detection whose own area (w·h) is out of range is ignored: neither TP nor FP.
  for (std::size_t d = 0; d < D; ++d) {
    const bool dt_outside = outside(ic.dts[d]->bbox[2] * ic.dts[d]->bbox[3]);
    for (std::size_t t = 0; t < T; ++t) {
      const std::size_t i = t * D + d;
      if (!out.dt_matched[i] && dt_outside) out.dt_ignored[i] = 1;
    }
  }
  return out;
}

}  // namespace linattn::detection::coco
