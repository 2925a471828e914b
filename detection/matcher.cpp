// detection/matcher.cpp — DETR's Hungarian matcher: per image, the (Q, T) float64 cost of every
// query against every target (class, L1 box and GIoU terms) and its linear_sum_assignment.
//
// Everything is computed on the host in float64 from a host copy of the predictions (no
// gradient). Q < T is supported: the assignment then matches every query, and some targets stay
// unmatched (linear_sum_assignment's rectangular rule), so there are min(Q, T) pairs.
#include "detection/matcher.h"

#include <cmath>
#include <span>

#include "core/ops.h"
#include "detection/boxes.h"
#include "detection/hungarian.h"

namespace linattn::detection {

namespace {

// The float64 host values of the predictions for the whole batch.
struct HostPredictions {
  std::vector<double> logits;  // B x Q x C
  std::vector<double> boxes;   // B x Q x 4
  std::int64_t batch = 0, queries = 0, classes = 0;
};

std::vector<double> host_f64(const Tensor& t) { return t.detach().to(DType::F64).cpu().to_vector<double>(); }

HostPredictions host_predictions(const Tensor& logits, const Tensor& boxes, const MatcherOptions& options,
                                 const char* op) {
  LINATTN_CHECK(logits.defined() && boxes.defined(), op, ": undefined logits or boxes");
  LINATTN_CHECK(is_floating(logits.dtype()) && is_floating(boxes.dtype()), op,
                ": logits and boxes must be float32 or float64, got ", dtype_name(logits.dtype()), " and ",
                dtype_name(boxes.dtype()));
  LINATTN_CHECK(logits.dim() == 3, op, ": logits must be (B, Q, ", options.focal ? "K" : "K + 1", "), got ",
                shape_str(logits.shape()));
  LINATTN_CHECK(boxes.dim() == 3 && boxes.size(2) == 4 && boxes.size(0) == logits.size(0) &&
                    boxes.size(1) == logits.size(1),
                op, ": boxes must be (B, Q, 4) = (", logits.size(0), ", ", logits.size(1), ", 4) to match logits ",
                shape_str(logits.shape()), ", got ", shape_str(boxes.shape()));
  LINATTN_CHECK(logits.size(2) >= (options.focal ? 1 : 2), op, ": logits ", shape_str(logits.shape()), " have no ",
                options.focal ? "class" : "real class besides no-object");
  return {host_f64(logits), host_f64(boxes), logits.size(0), logits.size(1), logits.size(2)};
}

// Every logit and box of batch element b must be finite: names the element, query and value.
void check_predictions_finite(const HostPredictions& p, std::int64_t b, const char* op) {
  for (std::int64_t q = 0; q < p.queries; ++q) {
    const double* logit = &p.logits[(b * p.queries + q) * p.classes];
    for (std::int64_t k = 0; k < p.classes; ++k)
      LINATTN_CHECK(std::isfinite(logit[k]), op, ": batch element ", b, ": query ", q, " has logit ", logit[k],
                    " for class ", k, " (predictions must be finite)");
    const double* box = &p.boxes[(b * p.queries + q) * 4];
    for (int k = 0; k < 4; ++k)
      LINATTN_CHECK(std::isfinite(box[k]), op, ": batch element ", b, ": query ", q, " has box (", box[0], ", ",
                    box[1], ", ", box[2], ", ", box[3], ") (predictions must be finite)");
  }
}

// Targets of batch element b: labels in range, boxes (T, 4) finite with w, h ≥ 0.
void check_target(const DetectionTarget& target, std::int64_t b, std::int64_t n_labels, const char* op,
                  std::vector<std::int64_t>& labels, std::vector<double>& boxes) {
  const std::int64_t t = target.size();
  labels.clear();
  boxes.clear();
  if (t == 0) return;
  LINATTN_CHECK(target.labels.dtype() == DType::I64 && target.labels.dim() == 1, op, ": batch element ", b,
                ": target labels must be (T) int64, got ", dtype_name(target.labels.dtype()), " ",
                shape_str(target.labels.shape()));
  LINATTN_CHECK(target.boxes.defined() && target.boxes.shape() == Shape({t, 4}), op, ": batch element ", b,
                ": target boxes must be (T, 4) = (", t, ", 4), got ",
                target.boxes.defined() ? shape_str(target.boxes.shape()) : std::string("undefined"));
  labels = target.labels.cpu().to_vector<std::int64_t>();
  boxes = host_f64(target.boxes);
  for (std::int64_t i = 0; i < t; ++i) {
    LINATTN_CHECK(labels[i] >= 0 && labels[i] < n_labels, op, ": batch element ", b, ": target ", i, " has label ",
                  labels[i], ", outside [0, ", n_labels, ")");
    const double* box = &boxes[i * 4];
    LINATTN_CHECK(std::isfinite(box[0]) && std::isfinite(box[1]) && std::isfinite(box[2]) && std::isfinite(box[3]) &&
                      box[2] >= 0 && box[3] >= 0,
                  op, ": batch element ", b, ": target ", i, " has box (cx, cy, w, h) = (", box[0], ", ", box[1], ", ",
                  box[2], ", ", box[3], "); it must be finite with w, h >= 0");
  }
}

// The (Q, T) cost of batch element b, row-major.
std::vector<double> cost_matrix(const HostPredictions& p, std::int64_t b, const DetectionTarget& target,
                                const MatcherOptions& options, const char* op) {
  check_predictions_finite(p, b, op);
  std::vector<std::int64_t> labels;
  std::vector<double> tgt_boxes;
  // softmax: K + 1 classes of which the last is no-object, so labels are < K; focal: K classes.
  const std::int64_t n_labels = options.focal ? p.classes : p.classes - 1;
  check_target(target, b, n_labels, op, labels, tgt_boxes);
  const std::int64_t nq = p.queries, nt = target.size();
  std::vector<double> cost(nq * nt, 0.0);
  if (nt == 0 || nq == 0) return cost;

  // Class term: Q x C probabilities -> cost_class(q, t).
  std::vector<double> prob(p.classes);
  for (std::int64_t q = 0; q < nq; ++q) {
    const double* logit = &p.logits[(b * nq + q) * p.classes];
    if (options.focal) {
      for (std::int64_t t = 0; t < nt; ++t) {
        const double x = 1.0 / (1.0 + std::exp(-logit[labels[t]]));  // sigmoid
        const double neg = (1 - options.focal_alpha) * std::pow(x, options.focal_gamma) * -std::log(1 - x + 1e-8);
        const double pos = options.focal_alpha * std::pow(1 - x, options.focal_gamma) * -std::log(x + 1e-8);
        cost[q * nt + t] = options.cost_class * (pos - neg);
      }
    } else {
      double top = logit[0];
      for (std::int64_t k = 1; k < p.classes; ++k) top = std::max(top, logit[k]);
      double total = 0;
      for (std::int64_t k = 0; k < p.classes; ++k) total += prob[k] = std::exp(logit[k] - top);
      for (std::int64_t t = 0; t < nt; ++t) cost[q * nt + t] = options.cost_class * -(prob[labels[t]] / total);
    }
  }

  // L1 term on cxcywh.
  const double* pred = &p.boxes[b * nq * 4];
  for (std::int64_t q = 0; q < nq; ++q)
    for (std::int64_t t = 0; t < nt; ++t) {
      double l1 = 0;
      for (int k = 0; k < 4; ++k) l1 += std::abs(pred[q * 4 + k] - tgt_boxes[t * 4 + k]);
      cost[q * nt + t] += options.cost_bbox * l1;
    }

  // GIoU term on xyxy. Predicted widths and heights must be ≥ 0 (DETR's sigmoid boxes are).
  for (std::int64_t q = 0; q < nq; ++q)
    LINATTN_CHECK(pred[q * 4 + 2] >= 0 && pred[q * 4 + 3] >= 0, op, ": batch element ", b, ": query ", q,
                  " has box (cx, cy, w, h) = (", pred[q * 4], ", ", pred[q * 4 + 1], ", ", pred[q * 4 + 2], ", ",
                  pred[q * 4 + 3], ") with a negative size");
  if (options.cost_giou != 0) {
    NoGradGuard no_grad;
    const Tensor pred_xyxy = box_cxcywh_to_xyxy(from_values({pred, pred + nq * 4}, {nq, 4}, {.dtype = DType::F64}));
    const Tensor tgt_xyxy = box_cxcywh_to_xyxy(from_values(tgt_boxes, {nt, 4}, {.dtype = DType::F64}));
    const std::vector<double> giou = generalized_box_iou(pred_xyxy, tgt_xyxy).to_vector<double>();
    for (std::int64_t i = 0; i < nq * nt; ++i) cost[i] += options.cost_giou * -giou[i];
  }

  for (std::int64_t q = 0; q < nq; ++q)
    for (std::int64_t t = 0; t < nt; ++t)
      LINATTN_CHECK(std::isfinite(cost[q * nt + t]), op, ": batch element ", b, ": the cost of query ", q,
                    " against target ", t, " is ", cost[q * nt + t], " (check the matcher weights and predictions)");
  return cost;
}

}  // namespace

std::vector<MatchIndices> hungarian_match(const Tensor& logits, const Tensor& boxes,
                                          const std::vector<DetectionTarget>& targets, const MatcherOptions& options) {
  const char* op = "hungarian_match";
  const HostPredictions p = host_predictions(logits, boxes, options, op);
  LINATTN_CHECK(static_cast<std::int64_t>(targets.size()) == p.batch, op, ": ", targets.size(),
                " targets for a batch of ", p.batch, " (logits ", shape_str(logits.shape()), ")");
  std::vector<MatchIndices> out(targets.size());
  for (std::int64_t b = 0; b < p.batch; ++b) {
    const std::vector<double> cost = cost_matrix(p, b, targets[b], options, op);
    Assignment a = linear_sum_assignment(cost, p.queries, targets[b].size());
    out[b].query = std::move(a.rows);
    out[b].target = std::move(a.cols);
  }
  return out;
}

Tensor matching_cost(const Tensor& logits, const Tensor& boxes, const DetectionTarget& target, std::int64_t b,
                     const MatcherOptions& options) {
  const char* op = "matching_cost";
  LINATTN_CHECK(logits.defined() && logits.dim() == 3 && b >= 0 && b < logits.size(0), op, ": batch element ", b,
                " is out of range for logits ",
                logits.defined() ? shape_str(logits.shape()) : std::string("undefined"));
  const HostPredictions p = host_predictions(logits, boxes, options, op);
  std::vector<double> cost = cost_matrix(p, b, target, options, op);
  return from_values(cost, {p.queries, target.size()}, {.dtype = DType::F64});
}

}  // namespace linattn::detection
