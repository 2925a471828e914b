// data/batch.h — one mini-batch as the loader hands it to the trainer, for classification and
// for detection. Tensors live on the CPU; the trainer moves them to its device.
//
// Classification (data/transforms.h collate): images, labels, soft_targets; the detection fields
// stay empty. Detection (data/detection_collate.h): images, targets, image_ids, original_sizes
// and scales, one entry per image; labels and soft_targets stay undefined.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "data/detection_target.h"

namespace linattn {

struct Batch {
  Tensor images;        // B x 3 x H x W float32 (detection: B x 3 x S x S, the letterbox canvas)
  Tensor labels;        // B int64 (the original labels, also when mixed)
  Tensor soft_targets;  // B x K float32 when mixup/cutmix is enabled (rows sum to 1), else undefined
  std::vector<std::int64_t> indices;  // the B dataset indices
  std::int64_t epoch = 0, index = 0;  // this is batch `index` of epoch `epoch`

  // Detection only (empty for classification), B entries each.
  std::vector<DetectionTarget> targets;  // image i: labels (T_i), boxes (T_i, 4) cxcywh in [0, 1] of the canvas
  std::vector<std::int64_t> image_ids;   // the dataset's image ids (COCO's image.id)
  std::vector<std::array<std::int64_t, 2>> original_sizes;  // (height, width) of the original image
  // Canvas pixels per original-image pixel: a canvas point p maps back to p / scale in the original
  // image (exactly for the eval letterbox; in training it is the resize factor, the crop offset aside).
  std::vector<double> scales;

  std::int64_t size() const { return static_cast<std::int64_t>(indices.size()); }
  bool is_detection() const { return !image_ids.empty(); }
};

}  // namespace linattn
