// detection/matcher.h — DETR's Hungarian matcher: for every image of a batch, the one-to-one
// assignment of predicted queries to target boxes that minimizes
//   C = w_class · cost_class + w_bbox · L1(cxcywh) + w_giou · (−GIoU(xyxy))
// with cost_class = −p(target class) under softmax over K + 1 classes (the last is "no object"),
// or, with focal costs (Deformable DETR), the difference of the positive and negative sigmoid
// focal terms at the target class. Weights 1 / 5 / 2 by default (DETR's main.py).
// The cost matrix is built in float64 on the CPU from the predictions (no gradient) and solved
// per image with linear_sum_assignment (detection/hungarian.h).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "data/detection_target.h"

namespace linattn::detection {

struct MatcherOptions {
  double cost_class = 1.0;
  double cost_bbox = 5.0;
  double cost_giou = 2.0;
  bool focal = false;          // sigmoid focal class cost over K logits instead of softmax over K + 1
  double focal_alpha = 0.25;
  double focal_gamma = 2.0;
};

// The matched pairs of one image: query[i] is matched to target[i]; query ascending.
struct MatchIndices {
  std::vector<std::int64_t> query, target;
};

// logits (B, Q, K + 1) (softmax costs) or (B, Q, K) (focal costs); boxes (B, Q, 4) normalized
// cxcywh; targets: B entries. Returns B MatchIndices of min(Q, T_b) pairs each. A non-finite
// cost is an error naming the batch element (and the query and target).
std::vector<MatchIndices> hungarian_match(const Tensor& logits, const Tensor& boxes,
                                          const std::vector<DetectionTarget>& targets,
                                          const MatcherOptions& options = {});

// The float64 cost matrix (Q, T_b) of batch element b, as hungarian_match builds it (for tests
// and for anyone who wants to inspect the costs).
Tensor matching_cost(const Tensor& logits, const Tensor& boxes, const DetectionTarget& target, std::int64_t b,
                     const MatcherOptions& options = {});

}  // namespace linattn::detection
