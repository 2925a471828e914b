// train/loss.cpp — cross-entropy from primitive ops (see loss.h).
#include "train/loss.h"

#include "core/factory.h"
#include "core/ops/elementwise.h"
#include "core/ops/layout.h"
#include "core/ops/nn.h"
#include "core/ops/reduce.h"

namespace linattn {

namespace {

void check_logits(const Tensor& logits, const char* op) {
  LINATTN_CHECK(logits.dim() == 2, op, ": logits must be (B, K), got ", shape_str(logits.shape()));
  LINATTN_CHECK(is_floating(logits.dtype()), op, ": logits must be float, got ", dtype_name(logits.dtype()));
}

}  // namespace

Tensor log_softmax_rows(const Tensor& logits) { return log_softmax(logits, -1); }  // B x K (fused)

Tensor soft_cross_entropy(const Tensor& logits, const Tensor& targets, double label_smoothing) {
  check_logits(logits, "soft_cross_entropy");
  LINATTN_CHECK(targets.shape() == logits.shape(), "soft_cross_entropy: targets ", shape_str(targets.shape()),
                " must have the logits' shape ", shape_str(logits.shape()));
  LINATTN_CHECK(label_smoothing >= 0.0 && label_smoothing < 1.0,
                "cross-entropy: label_smoothing must be in [0, 1), got ", label_smoothing);
  const std::int64_t B = logits.size(0), K = logits.size(1);
  LINATTN_CHECK(B > 0, "cross-entropy: empty batch");
  Tensor t = targets.detach().to(logits.dtype()).to(logits.device());
  if (label_smoothing > 0.0) t = affine(t, 1.0 - label_smoothing, label_smoothing / static_cast<double>(K));
  Tensor total = sum(mul(t, log_softmax_rows(logits)));  // ()
  return mul(total, -1.0 / static_cast<double>(B));
}

void check_labels(const Tensor& labels, std::int64_t K) {
  for (std::int64_t y : labels.to_vector<std::int64_t>())
    LINATTN_CHECK(y >= 0 && y < K, "cross_entropy_labels: label ", y, " is outside [0, ", K,
                  ") ---> HINT: model.num_classes must match the dataset's classes");
}

Tensor cross_entropy_labels(const Tensor& logits, const Tensor& labels, double label_smoothing) {
  check_logits(logits, "cross_entropy_labels");
  LINATTN_CHECK(labels.dim() == 1 && labels.size(0) == logits.size(0) && labels.dtype() == DType::I64,
                "cross_entropy_labels: labels must be int64 (B) with B = ", logits.size(0), ", got ",
                dtype_name(labels.dtype()), " ", shape_str(labels.shape()));
  const std::int64_t K = logits.size(1);
  if (labels.device().is_cpu()) check_labels(labels, K);  // the loader's labels: a cheap check on the host
  LINATTN_CHECK(label_smoothing >= 0.0 && label_smoothing < 1.0,
                "cross-entropy: label_smoothing must be in [0, 1), got ", label_smoothing);
  // The fused log-softmax + NLL (PyTorch's formula, label smoothing included).
  return cross_entropy(logits, labels.to(logits.device()), CrossEntropyOptions{.label_smoothing = label_smoothing});
}

Tensor classification_loss(const Tensor& logits, const Tensor& labels, const Tensor& soft_targets,
                           double label_smoothing) {
  if (soft_targets.defined()) return soft_cross_entropy(logits, soft_targets, label_smoothing);
  return cross_entropy_labels(logits, labels, label_smoothing);
}

}  // namespace linattn
