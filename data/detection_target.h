// data/detection_target.h — the targets of one image for a detector: its objects' class indices
// and boxes, as the COCO dataset's transforms produce them and the matcher and set criterion
// (detection/) consume them.
#pragma once
#include "core/tensor.h"

namespace linattn {

struct DetectionTarget {
  Tensor labels;  // (T) int64, contiguous class indices in [0, num_classes)
  Tensor boxes;   // (T, 4) float32, normalized (cx, cy, w, h) in [0, 1] of the canvas
  std::int64_t size() const { return labels.defined() ? labels.numel() : 0; }
};

}  // namespace linattn
