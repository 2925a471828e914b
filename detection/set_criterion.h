// detection/set_criterion.h — DETR's set-prediction loss (Carion et al. 2020, models/detr.py
// SetCriterion): match predictions to targets (detection/matcher.h), then
//   loss_ce    cross-entropy over K + 1 classes, unmatched queries labelled "no object" (index K),
//              class weights 1 and eos_coef for no-object, normalized like PyTorch's weighted
//              cross-entropy (divided by the sum of the weights of the targets);
//              or, with focal = true, the sigmoid focal loss over K classes (Deformable DETR:
//              summed over queries and classes, divided by num_boxes);
//   loss_bbox  L1 between matched normalized cxcywh boxes, summed, divided by num_boxes;
//   loss_giou  Σ (1 − GIoU) over matched pairs, divided by num_boxes;
// with num_boxes = the number of target boxes in the batch, at least 1. Every decoder layer's
// auxiliary output gets its own matching and the same three losses (suffix _0, _1, ...).
// total = Σ over outputs of w_ce·loss_ce + w_bbox·loss_bbox + w_giou·loss_giou.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/detection_target.h"
#include "detection/matcher.h"

namespace linattn::detection {

// One set of predictions: the final decoder layer's, or an auxiliary one.
struct DetectionPrediction {
  Tensor logits;  // (B, Q, K + 1), or (B, Q, K) with focal
  Tensor boxes;   // (B, Q, 4) normalized cxcywh (after the sigmoid)
};

struct DetectionOutputs {
  DetectionPrediction final;
  std::vector<DetectionPrediction> aux;  // one per earlier decoder layer, first layer first
};

struct SetCriterionOptions {
  std::int64_t num_classes = 0;  // K, real classes (no-object not counted)
  double eos_coef = 0.1;         // weight of the no-object class in loss_ce
  double weight_ce = 1.0, weight_bbox = 5.0, weight_giou = 2.0;
  bool focal = false;            // sigmoid focal loss (and focal matching costs)
  double focal_alpha = 0.25, focal_gamma = 2.0;
  MatcherOptions matcher{};      // its focal fields follow `focal` above
};

struct SetLoss {
  Tensor total;                            // scalar, differentiable
  std::map<std::string, Tensor> terms;     // "loss_ce", "loss_bbox", "loss_giou", "loss_ce_0", ...: unweighted scalars
  std::vector<std::vector<MatchIndices>> matches;  // [output][image]: final first, then aux in order
  double num_boxes = 1;
};

SetLoss set_criterion(const DetectionOutputs& outputs, const std::vector<DetectionTarget>& targets,
                      const SetCriterionOptions& options);

// Building blocks, exposed for tests and for users writing their own criterion.
// Weighted cross-entropy: logits (N, C), targets int64 (N), class weights (C):
// Σ_i w[t_i]·(−log softmax(logits_i)[t_i]) / Σ_i w[t_i].
Tensor weighted_cross_entropy(const Tensor& logits, const Tensor& targets, const Tensor& class_weights);
// Sigmoid focal loss, summed over all elements: logits and targets (0/1) of the same shape.
// FL = −α_t (1 − p_t)^γ log p_t with p_t = p where target = 1, 1 − p elsewhere, α_t = α or 1 − α.
Tensor sigmoid_focal_loss_sum(const Tensor& logits, const Tensor& targets, double alpha, double gamma);

}  // namespace linattn::detection
