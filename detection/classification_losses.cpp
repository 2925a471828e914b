// detection/classification_losses.cpp — the two classification losses of the set criterion
// (detection/set_criterion.h): the class-weighted cross-entropy of DETR and the sigmoid focal
// loss of Deformable DETR (Lin et al. 2017). Both are built from differentiable core ops, so their
// gradients are autograd's exact ones (checked by finite differences in
// tests/detection/test_set_criterion.cpp).
#include "core/ops.h"
#include "detection/set_criterion.h"

namespace linattn::detection {

namespace {

bool is_float(DType dtype) { return dtype == DType::F32 || dtype == DType::F64; }

}  // namespace

// Σ_i w[t_i]·(−log softmax(logits_i)[t_i]) / Σ_i w[t_i]: torch's F.cross_entropy(weight=w),
// reduction "mean".
Tensor weighted_cross_entropy(const Tensor& logits, const Tensor& targets, const Tensor& class_weights) {
  LINATTN_CHECK(logits.defined() && logits.dim() == 2 && is_float(logits.dtype()),
                "weighted_cross_entropy: logits must be float (N, C), got ",
                logits.defined() ? shape_str(logits.shape()) + " " + dtype_name(logits.dtype()) : "undefined");
  const std::int64_t N = logits.size(0), C = logits.size(1);
  LINATTN_CHECK(targets.defined() && targets.dtype() == DType::I64 && targets.shape() == Shape{N},
                "weighted_cross_entropy: targets must be int64 (N) = (", N, ") for logits ",
                shape_str(logits.shape()), ", got ",
                targets.defined() ? shape_str(targets.shape()) + " " + dtype_name(targets.dtype()) : "undefined");
  LINATTN_CHECK(class_weights.defined() && class_weights.shape() == Shape{C} &&
                    class_weights.dtype() == logits.dtype() && class_weights.device() == logits.device(),
                "weighted_cross_entropy: class_weights must be (C) = (", C, ") with the logits' dtype ",
                dtype_name(logits.dtype()), " and device, got ",
                class_weights.defined() ? shape_str(class_weights.shape()) + " " + dtype_name(class_weights.dtype())
                                        : "undefined");
  LINATTN_CHECK(targets.device() == logits.device(), "weighted_cross_entropy: targets are on ",
                targets.device().str(), ", logits on ", logits.device().str());
  const std::vector<std::int64_t> t = targets.cpu().to_vector<std::int64_t>();
  for (std::int64_t i = 0; i < N; ++i)
    LINATTN_CHECK(t[i] >= 0 && t[i] < C, "weighted_cross_entropy: targets[", i, "] = ", t[i], " is outside [0, ", C,
                  ")");

  Tensor log_probs = log_softmax(logits, -1);                                    // N x C
  Tensor picked = reshape(gather(log_probs, 1, reshape(targets, {N, 1})), {N});  // N: log p(t_i)
  Tensor weights = index_select(class_weights, 0, targets);                      // N: w[t_i]
  return div(neg(sum(mul(weights, picked))), sum(weights));
}

// FL = −α_t (1 − p_t)^γ log p_t, summed. log p and log(1 − p) come from one log_softmax over the
// pair (x, 0) — log σ(x) = x − log(eˣ + 1), log σ(−x) = −log(eˣ + 1) — which is stable for any x and
// has the exact gradient everywhere (binary_cross_entropy_with_logits' value).
Tensor sigmoid_focal_loss_sum(const Tensor& logits, const Tensor& targets, double alpha, double gamma) {
  LINATTN_CHECK(logits.defined() && is_float(logits.dtype()), "sigmoid_focal_loss_sum: logits must be a float tensor");
  LINATTN_CHECK(targets.defined() && targets.shape() == logits.shape() && targets.dtype() == logits.dtype() &&
                    targets.device() == logits.device(),
                "sigmoid_focal_loss_sum: targets must have the logits' shape ", shape_str(logits.shape()), ", dtype ",
                dtype_name(logits.dtype()), " and device, got ",
                targets.defined() ? shape_str(targets.shape()) + " " + dtype_name(targets.dtype()) : "undefined");
  LINATTN_CHECK(alpha >= 0 && alpha <= 1, "sigmoid_focal_loss_sum: alpha = ", alpha, " must be in [0, 1]");
  LINATTN_CHECK(gamma >= 0, "sigmoid_focal_loss_sum: gamma = ", gamma, " must be ≥ 0");

  // The pair on a new leading axis (2 x ...): a softmax over that outer axis runs several times
  // faster than one over a trailing axis of size 2.
  Tensor x = unsqueeze(logits, 0);                            // 1 x ...
  Tensor pair = log_softmax(cat({x, zeros_like(x)}, 0), 0);  // 2 x ...: (log p, log(1 − p))
  Tensor log_p = squeeze(narrow(pair, 0, 0, 1), 0);
  Tensor log_1mp = squeeze(narrow(pair, 0, 1, 1), 0);
  Tensor ce = neg(add(mul(targets, log_p), mul(rsub(1.0, targets), log_1mp)));  // BCE with logits
  Tensor p = exp(log_p);
  Tensor p_t = add(mul(p, targets), mul(rsub(1.0, p), rsub(1.0, targets)));
  Tensor loss = ce;
  if (gamma != 0) loss = mul(loss, pow(rsub(1.0, p_t), gamma));  // (1 − p_t)^γ; γ = 0: plain BCE
  Tensor alpha_t = affine(targets, 2 * alpha - 1, 1 - alpha);      // α where t = 1, 1 − α where t = 0
  return sum(mul(alpha_t, loss));
}

}  // namespace linattn::detection
