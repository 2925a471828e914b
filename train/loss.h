// train/loss.h — the loss the classification task (train/tasks/) trains and evaluates with:
// cross-entropy of logits against hard labels (with optional label smoothing) or soft targets
// (mixup / cutmix).
// It is written from existing ops (log-softmax = x − max − log Σ exp(x − max)); this header is
// the one place to switch to the fused core cross_entropy once it lands (core/ops/nn.h).
//
// Invariants: every loss is the batch mean, returned as a 0-D tensor on the logits' device,
// differentiable in the logits; targets never require grad. Label smoothing ε turns a target t
// into (1 − ε)·t + ε/K, as torch.nn.functional.cross_entropy(label_smoothing=ε) does for both
// index and probability targets.
#pragma once
#include "core/tensor.h"

namespace linattn {

// log_softmax over the last axis of logits (B, K): logits − max − log Σ exp(logits − max),
// the max detached (it cancels in value and gradient).
Tensor log_softmax_rows(const Tensor& logits);

// Mean over B of −Σ_k t_bk · log_softmax(logits)_bk; targets (B, K) of the logits' dtype.
Tensor soft_cross_entropy(const Tensor& logits, const Tensor& targets, double label_smoothing = 0.0);

// Throws unless every one of the host labels (int64, B) is in [0, K), naming the bad label and
// hinting at model.num_classes. Run on the loader's labels before they go to a device (device
// kernels do not range-check).
void check_labels(const Tensor& labels, std::int64_t K);

// Cross-entropy against int64 labels (B) in [0, K) (host labels are range-checked here).
Tensor cross_entropy_labels(const Tensor& logits, const Tensor& labels, double label_smoothing = 0.0);

// The training loss: soft targets when defined (mixup/cutmix), else the labels.
Tensor classification_loss(const Tensor& logits, const Tensor& labels, const Tensor& soft_targets,
                           double label_smoothing);

}  // namespace linattn
