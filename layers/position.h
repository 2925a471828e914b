// layers/position.h — fixed 2-D sine position encodings (DETR's PositionEmbeddingSine): for
// a grid H×W and C channels, channels [0, C/2) encode the row, [C/2, C) the column; within
// each half, channel 2k is sin(p / T^(2k/(C/2))) and 2k+1 is cos of the same, with the
// position p = (cumulative count of unpadded cells up to here) normalized to (0, 2π] over the
// unpadded extent when `normalize` is set. The optional mask (B, H, W) marks padded cells
// (nonzero = padding), as DETR's padded batches need.
#pragma once
#include "core/tensor.h"

namespace linattn {

struct SinePositionOptions {
  double temperature = 10000.0;
  bool normalize = true;
  double scale = 6.283185307179586;  // 2π
};

// Tokens layout: (H·W, C) without a mask, (B, H·W, C) with one. C must be even.
Tensor sine_position_2d(std::int64_t H, std::int64_t W, std::int64_t C, const SinePositionOptions& options = {},
                        const Tensor& padding_mask = Tensor(), DType dtype = DType::F32);

}  // namespace linattn
