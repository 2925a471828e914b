// core/ops/nn.cpp — softmax, log_softmax, cross_entropy, layer_norm and dropout, forward and
// backward side by side, each backward one fused kernel (core/kernels/nn.h).
#include "core/ops/nn.h"

#include <string>

#include "core/autograd.h"
#include "core/kernels/elementwise.h"
#include "core/kernels/nn.h"
#include "core/kernels/reduce.h"

namespace linattn {

namespace {

Tensor empty_shaped(const Shape& shape, const Tensor& like) {
  return Tensor::empty(shape, {.dtype = like.dtype(), .device = like.device()});
}

void check_float(const Tensor& x, const char* op, const char* what) {
  LINATTN_CHECK(is_floating(x.dtype()), op, ": ", what, " must be float32 or float64, got ", dtype_name(x.dtype()),
                " of shape ", shape_str(x.shape()));
}

// ---- softmax / log_softmax --------------------------------------------------------------------

Tensor softmax_op(const Tensor& x, std::int64_t axis_in, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  check_float(x, name, "the input");
  int axis = normalize_axis(axis_in, x.shape(), name);
  AxisView v = axis_view(x.shape(), axis);
  Tensor y = empty_shaped(x.shape(), x);
  LINATTN_DISPATCH(x.device(), softmax_forward, x, v.outer, v.size, v.inner, log, y);
  record(name, y, {x}, {y}, [v, log](const Tensor& g, const Saved& s) {
    Tensor gx = empty_shaped(g.shape(), g);
    LINATTN_DISPATCH(g.device(), softmax_backward, g, s[0], v.outer, v.size, v.inner, log, gx);
    return Grads{gx};
  });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) { return softmax_op(x, axis, false); }
Tensor log_softmax(const Tensor& x, std::int64_t axis) { return softmax_op(x, axis, true); }

// ---- cross_entropy ----------------------------------------------------------------------------

Reduction parse_reduction(std::string_view name) {
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  if (name == "none") return Reduction::None;
  fail(str_cat("unknown reduction '", name, "' (valid: mean, sum, none)"));
}

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
    case Reduction::None: return "none";
  }
  return "?";
}

namespace {

// Every target is in [0, K) or ignore_index; returns how many are not ignored. Reads the
// targets on the host (a copy for CUDA tensors: B·d integers, small next to the logits).
std::int64_t check_targets(const Tensor& targets, std::int64_t K, std::int64_t ignore_index) {
  Tensor host = targets.is_cuda() ? targets.cpu() : targets;
  const std::int64_t* t = host.data<std::int64_t>();
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < host.numel(); ++i) {
    if (t[i] == ignore_index) continue;
    LINATTN_CHECK(t[i] >= 0 && t[i] < K, "cross_entropy: target ", t[i], " (at flat position ", i,
                  " of the targets) is out of range for ", K, " classes (valid: 0..", K - 1, ", or ignore_index ",
                  ignore_index, ")");
    ++count;
  }
  return count;
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& o) {
  check_float(logits, "cross_entropy", "logits");
  LINATTN_CHECK(targets.dtype() == DType::I64, "cross_entropy: targets must be int64 class indices, got ",
                dtype_name(targets.dtype()), " of shape ", shape_str(targets.shape()),
                ". ---> HINT: class-probability targets are not supported; convert labels with .to(DType::I64)");
  LINATTN_CHECK(logits.device() == targets.device(), "cross_entropy: logits on ", logits.device().str(),
                " but targets on ", targets.device().str());
  LINATTN_CHECK(o.label_smoothing >= 0.0 && o.label_smoothing <= 1.0,
                "cross_entropy: label_smoothing must be in [0, 1], got ", o.label_smoothing);
  // (K) with a 0-d target is one sample; otherwise classes are axis 1.
  const bool single = logits.dim() == 1;
  LINATTN_CHECK(logits.dim() >= 1, "cross_entropy: logits must be (B, K) or (B, K, d1, ...), got shape ",
                shape_str(logits.shape()));
  Shape expected;
  CrossEntropyShape s;
  s.label_smoothing = o.label_smoothing;
  s.ignore_index = o.ignore_index;
  if (single) {
    s.batch = 1;
    s.classes = logits.shape()[0];
  } else {
    AxisView v = axis_view(logits.shape(), 1);
    s.batch = v.outer;
    s.classes = v.size;
    s.inner = v.inner;
    expected = logits.shape();
    expected.erase(expected.begin() + 1);
  }
  LINATTN_CHECK(targets.shape() == expected, "cross_entropy: targets of shape ", shape_str(targets.shape()),
                " do not match logits of shape ", shape_str(logits.shape()), " (expected targets of shape ",
                shape_str(expected), ": the logits' shape without the class axis 1)");
  LINATTN_CHECK(s.classes > 0, "cross_entropy: logits of shape ", shape_str(logits.shape()), " have no classes");
  const std::int64_t count = check_targets(targets, s.classes, s.ignore_index);

  Tensor loss = empty_shaped(targets.shape(), logits);  // per position
  Tensor lse = empty_shaped(targets.shape(), logits);
  LINATTN_DISPATCH(logits.device(), cross_entropy_forward, s, logits, targets, loss, lse);

  double scale = 1.0;
  Tensor out = loss;
  if (o.reduction != Reduction::None) {
    out = empty_shaped({}, logits);
    LINATTN_DISPATCH(logits.device(), reduce, ReduceOp::Sum, loss, 1, loss.numel(), 1, out);
    if (o.reduction == Reduction::Mean) {
      scale = 1.0 / static_cast<double>(count);  // inf for no targets: the mean is then NaN
      LINATTN_DISPATCH(logits.device(), unary, UnaryOp::MulScalar, out, out, scale, 0.0);
    }
  }
  record("cross_entropy", out, {logits}, {logits, targets, lse}, [s, scale](const Tensor& g, const Saved& sv) {
    Tensor gx = empty_shaped(sv[0].shape(), sv[0]);
    LINATTN_DISPATCH(g.device(), cross_entropy_backward, s, sv[0], sv[1], sv[2], g, scale, gx);
    return Grads{gx};
  });
  return out;
}

// ---- layer_norm -------------------------------------------------------------------------------

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_float(x, "layer_norm", "the input");
  const auto nd = normalized_shape.size();
  LINATTN_CHECK(nd >= 1 && nd <= x.shape().size() &&
                    Shape(x.shape().end() - static_cast<std::ptrdiff_t>(nd), x.shape().end()) == normalized_shape,
                "layer_norm: normalized_shape ", shape_str(normalized_shape), " must be the trailing axes of the input's shape ",
                shape_str(x.shape()));
  for (const Tensor* p : {&weight, &bias}) {
    if (!p->defined()) continue;
    const char* what = p == &weight ? "weight" : "bias";
    LINATTN_CHECK(p->shape() == normalized_shape, "layer_norm: ", what, " of shape ", shape_str(p->shape()),
                  " does not match normalized_shape ", shape_str(normalized_shape));
    LINATTN_CHECK(p->dtype() == x.dtype() && p->device() == x.device(), "layer_norm: ", what, " is ",
                  dtype_name(p->dtype()), " on ", p->device().str(), " but the input is ", dtype_name(x.dtype()),
                  " on ", x.device().str());
  }
  LINATTN_CHECK(eps >= 0.0, "layer_norm: eps must be non-negative, got ", eps);
  const std::int64_t C = numel(normalized_shape);
  const std::int64_t rows = C > 0 ? x.numel() / C : 0;
  Tensor y = empty_shaped(x.shape(), x);
  Tensor mean = empty_shaped({rows}, x), rstd = empty_shaped({rows}, x);  // saved for backward
  LINATTN_DISPATCH(x.device(), layer_norm_forward, x, weight, bias, rows, C, eps, y, mean, rstd);

  const bool gx = x.requires_grad(), gw = weight.defined() && weight.requires_grad(),
             gb = bias.defined() && bias.requires_grad();
  record("layer_norm", y, {x, weight, bias}, {x, weight, mean, rstd},
         [gx, gw, gb, rows, C, ns = normalized_shape](const Tensor& g, const Saved& s) {
           Grads grads(3);  // x, weight, bias; undefined where not needed (the kernel skips them)
           if (gx) grads[0] = empty_shaped(s[0].shape(), g);
           if (gw) grads[1] = empty_shaped(ns, g);
           if (gb) grads[2] = empty_shaped(ns, g);
           LINATTN_DISPATCH(g.device(), layer_norm_backward, g, s[0], s[1], s[2], s[3], rows, C, grads[0], grads[1],
                            grads[2]);
           return grads;
         });
  return y;
}

// ---- dropout ----------------------------------------------------------------------------------

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  LINATTN_CHECK(p >= 0.0 && p < 1.0, "dropout: p must be in [0, 1), got ", p);
  if (p == 0.0 || !training) return x;
  check_float(x, "dropout", "the input");
  Generator& g = gen ? *gen : default_generator();
  const std::uint64_t seed = g.seed(), offset = g.reserve(static_cast<std::uint64_t>(x.numel()));
  Tensor out = empty_shaped(x.shape(), x);
  LINATTN_DISPATCH(x.device(), dropout, x, seed, offset, p, out);
  record("dropout", out, {x}, {}, [seed, offset, p](const Tensor& gy, const Saved&) {
    Tensor gx = empty_shaped(gy.shape(), gy);
    LINATTN_DISPATCH(gy.device(), dropout, gy, seed, offset, p, gx);
    return Grads{gx};
  });
  return out;
}

}  // namespace linattn
