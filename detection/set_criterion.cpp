// detection/set_criterion.cpp — DETR's set criterion (see set_criterion.h): input checks, then for
// the final output and every auxiliary one a fresh Hungarian matching and the three losses
// (classification, L1 and GIoU on the matched boxes), summed with their weights into `total`.
// Everything differentiable is built from core ops, so the gradients are autograd's.
#include "detection/set_criterion.h"

#include <algorithm>
#include <cmath>

#include "core/ops.h"
#include "detection/boxes.h"

namespace linattn::detection {

namespace {

std::string describe(const Tensor& t) {
  return t.defined() ? str_cat(shape_str(t.shape()), " ", dtype_name(t.dtype()), " on ", t.device().str())
                     : std::string("undefined");
}

void check_options(const SetCriterionOptions& o) {
  LINATTN_CHECK(o.num_classes > 0, "set_criterion: options.num_classes = ", o.num_classes,
                " must be > 0 (the number of real classes K, no-object not counted)");
  if (o.focal) {
    LINATTN_CHECK(o.focal_alpha >= 0 && o.focal_alpha <= 1, "set_criterion: focal_alpha = ", o.focal_alpha,
                  " must be in [0, 1]");
    LINATTN_CHECK(o.focal_gamma >= 0, "set_criterion: focal_gamma = ", o.focal_gamma, " must be ≥ 0");
  } else {
    LINATTN_CHECK(std::isfinite(o.eos_coef) && o.eos_coef > 0, "set_criterion: eos_coef = ", o.eos_coef,
                  " must be > 0 (the weight of the no-object class in loss_ce)");
  }
}

// One prediction set: logits (B, Q, K + 1) or (B, Q, K) with focal, boxes (B, Q, 4), same B for all.
void check_prediction(const DetectionPrediction& p, const std::string& name, std::int64_t batch,
                      const SetCriterionOptions& o) {
  const std::int64_t classes = o.focal ? o.num_classes : o.num_classes + 1;
  const char* layout = o.focal ? "(B, Q, K) (focal: one sigmoid logit per real class)"
                               : "(B, Q, K + 1) (the last class is no-object)";
  LINATTN_CHECK(p.logits.defined() && p.logits.dim() == 3 &&
                    (p.logits.dtype() == DType::F32 || p.logits.dtype() == DType::F64),
                "set_criterion: ", name, ".logits must be float ", layout, ", got ", describe(p.logits));
  LINATTN_CHECK(p.logits.size(2) == classes, "set_criterion: ", name, ".logits is ", shape_str(p.logits.shape()),
                " but num_classes = ", o.num_classes, " needs ", layout, " = (B, Q, ", classes, ")");
  LINATTN_CHECK(p.logits.size(0) == batch, "set_criterion: ", name, ".logits is ", shape_str(p.logits.shape()),
                " but the batch has ", batch, " images");
  const Shape box_shape{p.logits.size(0), p.logits.size(1), 4};
  LINATTN_CHECK(p.boxes.defined() && p.boxes.shape() == box_shape && p.boxes.dtype() == p.logits.dtype() &&
                    p.boxes.device() == p.logits.device(),
                "set_criterion: ", name, ".boxes must be (B, Q, 4) = ", shape_str(box_shape),
                " cxcywh with the logits' dtype and device (logits ", describe(p.logits), "), got ",
                describe(p.boxes));
}

void check_targets(const std::vector<DetectionTarget>& targets, std::int64_t batch, std::int64_t num_classes) {
  LINATTN_CHECK(static_cast<std::int64_t>(targets.size()) == batch, "set_criterion: ", targets.size(),
                " targets for a batch of ", batch, " images (one DetectionTarget per image, possibly empty)");
  for (std::size_t b = 0; b < targets.size(); ++b) {
    const DetectionTarget& t = targets[b];
    const std::int64_t n = t.size();
    if (!t.labels.defined()) {  // an image without objects may leave both tensors undefined
      LINATTN_CHECK(!t.boxes.defined() || t.boxes.numel() == 0, "set_criterion: targets[", b,
                    "] has boxes ", describe(t.boxes), " but no labels");
      continue;
    }
    LINATTN_CHECK(t.labels.defined() && t.labels.dtype() == DType::I64 && t.labels.dim() == 1,
                  "set_criterion: targets[", b, "].labels must be int64 (T), got ", describe(t.labels));
    LINATTN_CHECK(t.boxes.defined() && t.boxes.shape() == (Shape{n, 4}) &&
                      (t.boxes.dtype() == DType::F32 || t.boxes.dtype() == DType::F64),
                  "set_criterion: targets[", b, "].boxes must be float (T, 4) = (", n, ", 4) for its ", n,
                  " labels, got ", describe(t.boxes));
    const std::vector<std::int64_t> labels = t.labels.cpu().to_vector<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i)
      LINATTN_CHECK(labels[i] >= 0 && labels[i] < num_classes, "set_criterion: targets[", b, "].labels[", i,
                    "] = ", labels[i], " is outside [0, ", num_classes, ") (num_classes = ", num_classes, ")");
  }
}

// The batch's targets concatenated: labels on the host, boxes (ΣT, 4) in the predictions' dtype
// and device; image b's rows start at offset[b].
struct FlatTargets {
  std::vector<std::int64_t> labels, offset;
  Tensor boxes;  // ΣT x 4, undefined when ΣT = 0
};

FlatTargets flatten_targets(const std::vector<DetectionTarget>& targets, DType dtype, Device device) {
  FlatTargets flat;
  std::vector<Tensor> boxes;
  for (const DetectionTarget& t : targets) {
    flat.offset.push_back(static_cast<std::int64_t>(flat.labels.size()));
    if (t.size() == 0) continue;
    for (std::int64_t label : t.labels.cpu().to_vector<std::int64_t>()) flat.labels.push_back(label);
    boxes.push_back(t.boxes.to(device).to(dtype));
  }
  if (!boxes.empty()) flat.boxes = boxes.size() == 1 ? boxes[0] : cat(boxes, 0);
  return flat;
}

struct OutputLosses {
  Tensor ce, bbox, giou;
  std::vector<MatchIndices> matches;
};

OutputLosses output_losses(const DetectionPrediction& p, const std::vector<DetectionTarget>& targets,
                           const FlatTargets& flat, const SetCriterionOptions& o, double num_boxes) {
  const std::int64_t B = p.logits.size(0), Q = p.logits.size(1), K = o.num_classes;
  const Options like{.dtype = p.logits.dtype(), .device = p.logits.device()};
  OutputLosses out;
  out.matches = hungarian_match(p.logits, p.boxes, targets, o.matcher);

  // The matched pairs as rows of the flattened predictions (b·Q + q) and of the flat targets.
  std::vector<double> pred_rows, target_rows;
  std::vector<std::int64_t> pred_labels;  // the matched target's class for each pred_rows entry
  for (std::int64_t b = 0; b < B; ++b) {
    const MatchIndices& m = out.matches[b];
    for (std::size_t i = 0; i < m.query.size(); ++i) {
      pred_rows.push_back(static_cast<double>(b * Q + m.query[i]));
      target_rows.push_back(static_cast<double>(flat.offset[b] + m.target[i]));
      pred_labels.push_back(flat.labels[flat.offset[b] + m.target[i]]);
    }
  }
  const auto M = static_cast<std::int64_t>(pred_rows.size());

  if (o.focal) {
    // One-hot over the K real classes; unmatched queries (no object) are all zeros.
    std::vector<double> onehot(static_cast<std::size_t>(B * Q * K), 0.0);
    for (std::int64_t i = 0; i < M; ++i)
      onehot[static_cast<std::size_t>(static_cast<std::int64_t>(pred_rows[i]) * K + pred_labels[i])] = 1.0;
    Tensor target = from_values(onehot, {B, Q, K}, like);  // B x Q x K
    out.ce = div(sigmoid_focal_loss_sum(p.logits, target, o.focal_alpha, o.focal_gamma), num_boxes);
  } else {
    std::vector<double> classes(static_cast<std::size_t>(B * Q), static_cast<double>(K));  // no object
    for (std::int64_t i = 0; i < M; ++i) classes[static_cast<std::size_t>(pred_rows[i])] = double(pred_labels[i]);
    Tensor target = from_values(classes, {B * Q}, {.dtype = DType::I64, .device = like.device});
    std::vector<double> weights(static_cast<std::size_t>(K + 1), 1.0);
    weights[K] = o.eos_coef;
    out.ce = weighted_cross_entropy(reshape(p.logits, {B * Q, K + 1}), target, from_values(weights, {K + 1}, like));
  }

  if (M == 0) {  // no target in the whole batch: zero box losses, still connected to the boxes
    out.bbox = mul(sum(p.boxes), 0.0);
    out.giou = mul(sum(p.boxes), 0.0);
    return out;
  }
  const Options index_options{.dtype = DType::I64, .device = like.device};
  Tensor src = index_select(reshape(p.boxes, {B * Q, 4}), 0, from_values(pred_rows, {M}, index_options));  // M x 4
  Tensor tgt = index_select(flat.boxes, 0, from_values(target_rows, {M}, index_options));               // M x 4
  out.bbox = div(sum(abs(sub(src, tgt))), num_boxes);
  Tensor giou = generalized_box_iou_pairs(box_cxcywh_to_xyxy(src), box_cxcywh_to_xyxy(tgt));  // M
  out.giou = div(sum(rsub(1.0, giou)), num_boxes);
  return out;
}

}  // namespace

SetLoss set_criterion(const DetectionOutputs& outputs, const std::vector<DetectionTarget>& targets,
                      const SetCriterionOptions& options) {
  check_options(options);
  SetCriterionOptions o = options;
  o.matcher.focal = o.focal;  // the matching cost follows the classification loss
  o.matcher.focal_alpha = o.focal_alpha;
  o.matcher.focal_gamma = o.focal_gamma;

  LINATTN_CHECK(outputs.final.logits.defined() && outputs.final.logits.dim() == 3,
                "set_criterion: outputs.final.logits must be (B, Q, ", o.focal ? "K" : "K + 1", "), got ",
                describe(outputs.final.logits));
  const std::int64_t batch = outputs.final.logits.size(0);
  check_prediction(outputs.final, "outputs.final", batch, o);
  for (std::size_t i = 0; i < outputs.aux.size(); ++i) {
    check_prediction(outputs.aux[i], str_cat("outputs.aux[", i, "]"), batch, o);
    LINATTN_CHECK(outputs.aux[i].logits.dtype() == outputs.final.logits.dtype() &&
                      outputs.aux[i].logits.device() == outputs.final.logits.device(),
                  "set_criterion: outputs.aux[", i, "] is ", describe(outputs.aux[i].logits),
                  " but outputs.final is ", describe(outputs.final.logits), " (same dtype and device needed)");
  }
  check_targets(targets, batch, o.num_classes);

  SetLoss result;
  std::int64_t total_boxes = 0;
  for (const DetectionTarget& t : targets) total_boxes += t.size();
  result.num_boxes = std::max(1.0, static_cast<double>(total_boxes));
  const FlatTargets flat = flatten_targets(targets, outputs.final.logits.dtype(), outputs.final.logits.device());

  std::vector<const DetectionPrediction*> all{&outputs.final};
  for (const DetectionPrediction& p : outputs.aux) all.push_back(&p);
  for (std::size_t i = 0; i < all.size(); ++i) {
    OutputLosses l = output_losses(*all[i], targets, flat, o, result.num_boxes);
    const std::string suffix = i == 0 ? "" : str_cat("_", i - 1);
    Tensor weighted = add(add(mul(l.ce, o.weight_ce), mul(l.bbox, o.weight_bbox)), mul(l.giou, o.weight_giou));
    result.total = i == 0 ? weighted : add(result.total, weighted);
    result.terms["loss_ce" + suffix] = l.ce;
    result.terms["loss_bbox" + suffix] = l.bbox;
    result.terms["loss_giou" + suffix] = l.giou;
    result.matches.push_back(std::move(l.matches));
  }
  return result;
}

}  // namespace linattn::detection
