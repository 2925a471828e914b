// detection/postprocess.h — a detector's raw outputs turned into COCO results: per image, class
// scores and boxes in pixels of the ORIGINAL image with COCO category ids, ready for
// coco_evaluate (detection/coco_eval.h) or write_coco_results.
//
// Softmax heads (DETR's PostProcess): p = softmax over K + 1; every query gives one detection,
// labelled with its best real class (the no-object column is left out, never thresholded —
// DETR's paper reports +2 AP for this over dropping "no object" queries), score = that p.
// Sigmoid heads (focal loss; Deformable DETR's PostProcess): p = sigmoid over K; the top
// `max_detections` of all Q·K (query, class) scores of the image, so a query may give several
// detections. Ties keep the lower flat index (query-major).
// Boxes: normalized (cx, cy, w, h) of the S x S canvas -> x1 y1 x2 y2 canvas pixels (× S) ->
// original pixels (÷ the batch's letterbox scale; the image sits at the canvas' top-left) ->
// clipped to the original image -> COCO's (x, y, w, h).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "data/batch.h"
#include "data/category_map.h"
#include "detection/coco_eval.h"

namespace linattn::detection {

struct PostprocessOptions {
  bool focal = false;               // sigmoid scores over K (logits (B, Q, K)) instead of softmax over K + 1
  std::int64_t max_detections = 100;  // per image; softmax heads give min(Q, this) (highest scores first)
  double score_threshold = 0.0;     // detections scoring below it are left out
};

// logits (B, Q, K + 1) or (B, Q, K) with focal; boxes (B, Q, 4) normalized cxcywh; any float
// dtype and device (copied to the host). The batch supplies image_ids, original_sizes and
// scales; canvas_size is S. K must equal categories.size(). Detections of image b come out
// together, highest score first.
std::vector<CocoDetection> detections_to_coco(const Tensor& logits, const Tensor& boxes, const Batch& batch,
                                              std::int64_t canvas_size, const CategoryMap& categories,
                                              const PostprocessOptions& options = {});

}  // namespace linattn::detection
