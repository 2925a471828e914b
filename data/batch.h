// data/batch.h — one mini-batch as the loader hands it to the trainer.
// Tensors live on the CPU; the trainer moves them to its device.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace linattn {

struct Batch {
  Tensor images;        // B x 3 x H x W float32
  Tensor labels;        // B int64 (the original labels, also when mixed)
  Tensor soft_targets;  // B x K float32 when mixup/cutmix is enabled (rows sum to 1), else undefined
  std::vector<std::int64_t> indices;  // the B dataset indices
  std::int64_t epoch = 0, index = 0;  // this is batch `index` of epoch `epoch`

  std::int64_t size() const { return static_cast<std::int64_t>(indices.size()); }
};

}  // namespace linattn
