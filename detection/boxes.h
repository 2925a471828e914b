// detection/boxes.h — box formats and overlaps: conversions between (cx, cy, w, h), (x1, y1,
// x2, y2) and COCO's (x, y, w, h), box areas, pairwise IoU, and generalized IoU (Rezatofighi et
// al. 2019) as a differentiable op. Tensors are (..., 4) float32 or float64 on any device.
//
// Conversions and areas are built from differentiable core ops, so gradients flow through them.
// box_iou is a measurement (no gradient). generalized_box_iou and generalized_box_iou_pairs are
// one op each, forward and backward written side by side in boxes.cpp; their gradient at a tie
// of a min or max (touching, identical or nested edges) is split evenly between the two sides —
// the mean of the one-sided derivatives, which is what central differences measure and what
// PyTorch's maximum/minimum do — so DETR's loss has the same gradient here and in PyTorch.
#pragma once
#include "core/tensor.h"

namespace linattn::detection {

// (..., 4) -> (..., 4). Differentiable.
Tensor box_cxcywh_to_xyxy(const Tensor& boxes);  // (cx − w/2, cy − h/2, cx + w/2, cy + h/2)
Tensor box_xyxy_to_cxcywh(const Tensor& boxes);
Tensor box_xywh_to_xyxy(const Tensor& boxes);    // COCO's top-left + size
Tensor box_xyxy_to_xywh(const Tensor& boxes);

// (..., 4) xyxy -> (...): (x2 − x1)·(y2 − y1). Differentiable.
Tensor box_area(const Tensor& boxes_xyxy);

// Pairwise IoU of xyxy boxes: a (N, 4), b (M, 4) -> (N, M). Two zero-area boxes have IoU 0
// (not NaN). Not differentiable (the result never requires grad).
Tensor box_iou(const Tensor& a, const Tensor& b);

// Pairwise generalized IoU of xyxy boxes: a (N, 4), b (M, 4) -> (N, M), in [−1, 1].
// GIoU = IoU − (|C| − |A ∪ B|) / |C| with C the smallest enclosing box. Boxes must have
// x2 ≥ x1 and y2 ≥ y1 (an error naming the box otherwise); where |C| = 0 (both boxes the same
// point or degenerate on one line) the result is defined as IoU − 0 with IoU = 0. Differentiable
// in a and b.
Tensor generalized_box_iou(const Tensor& a, const Tensor& b);

// Generalized IoU of matched pairs: a (N, 4), b (N, 4) -> (N): the diagonal of
// generalized_box_iou(a, b) in O(N), as DETR's loss uses it. Differentiable in a and b.
Tensor generalized_box_iou_pairs(const Tensor& a, const Tensor& b);

}  // namespace linattn::detection
