// core/ops/normalize.cpp — l2_normalize and double_normalize, forward and backward side by side,
// each backward one fused kernel (core/kernels/normalize.h).
#include "core/ops/normalize.h"

#include "core/autograd.h"
#include "core/factory.h"
#include "core/kernels/normalize.h"

namespace linattn {

namespace {

Tensor empty_shaped(const Shape& shape, const Tensor& like) {
  return Tensor::empty(shape, {.dtype = like.dtype(), .device = like.device()});
}

}  // namespace

Tensor l2_normalize(const Tensor& x, std::int64_t axis_in, double eps) {
  LINATTN_CHECK(is_floating(x.dtype()), "l2_normalize: the input must be float32 or float64, got ",
                dtype_name(x.dtype()), " of shape ", shape_str(x.shape()));
  LINATTN_CHECK(eps > 0.0, "l2_normalize: eps must be positive, got ", eps);
  int axis = normalize_axis(axis_in, x.shape(), "l2_normalize");
  AxisView v = axis_view(x.shape(), axis);
  Shape norm_shape = x.shape();
  norm_shape[static_cast<std::size_t>(axis)] = 1;
  Tensor y = empty_shaped(x.shape(), x);
  Tensor norm = empty_shaped(norm_shape, x);  // ‖x‖ per normalized vector, saved for backward
  LINATTN_DISPATCH(x.device(), l2_normalize_forward, x, v.outer, v.size, v.inner, eps, y, norm);
  record("l2_normalize", y, {x}, {y, norm}, [v, eps](const Tensor& g, const Saved& s) {
    Tensor gx = empty_shaped(g.shape(), g);
    LINATTN_DISPATCH(g.device(), l2_normalize_backward, g, s[0], s[1], v.outer, v.size, v.inner, eps, gx);
    return Grads{gx};
  });
  return y;
}

Tensor double_normalize(const Tensor& x, const Tensor& bias, double eps) {
  LINATTN_CHECK(is_floating(x.dtype()), "double_normalize: the input must be float32 or float64, got ",
                dtype_name(x.dtype()), " of shape ", shape_str(x.shape()));
  LINATTN_CHECK(x.dim() >= 3, "double_normalize: expected (B, N, ..., S) with tokens on axis 1 and slots last, got ",
                shape_str(x.shape()));
  LINATTN_CHECK(eps >= 0.0, "double_normalize: eps must be non-negative, got ", eps);
  DoubleNormalizeShape s;
  s.B = x.shape()[0];
  s.N = x.shape()[1];
  s.S = x.shape().back();
  s.G = s.S > 0 && s.B * s.N > 0 ? x.numel() / (s.B * s.N * s.S) : 0;
  s.eps = eps;
  if (bias.defined()) {
    const Shape groups_slots(x.shape().begin() + 2, x.shape().end());
    LINATTN_CHECK(bias.shape() == Shape{s.S} || bias.shape() == groups_slots, "double_normalize: bias of shape ",
                  shape_str(bias.shape()), " must be (", s.S, ",) or ", shape_str(groups_slots),
                  " (the axes after N) for input ", shape_str(x.shape()));
    LINATTN_CHECK(bias.dtype() == x.dtype() && bias.device() == x.device(), "double_normalize: bias is ",
                  dtype_name(bias.dtype()), " on ", bias.device().str(), " but the input is ", dtype_name(x.dtype()),
                  " on ", x.device().str());
    s.bias_per_group = bias.numel() != s.S;
  }
  Tensor y = empty_shaped(x.shape(), x);
  Shape den_shape(x.shape().begin(), x.shape().end() - 1);
  Tensor den = empty_shaped(den_shape, x);  // B x N x groups: eps + Σ_S P, saved for backward
  if (x.numel() > 0) LINATTN_DISPATCH(x.device(), double_normalize_forward, s, x, bias, y, den);
  const bool gb = bias.defined() && bias.requires_grad();
  const Shape bias_shape = bias.defined() ? bias.shape() : Shape{};
  record("double_normalize", y, {x, bias}, {y, den}, [s, gb, bias_shape](const Tensor& g, const Saved& sv) {
    Tensor gx = empty_shaped(g.shape(), g);
    if (g.numel() > 0) LINATTN_DISPATCH(g.device(), double_normalize_backward, s, g, sv[0], sv[1], gx);
    // ∂y/∂bias ≡ 0: the bias is constant over N, where the softmax normalizes.
    return Grads{gx, gb ? zeros(bias_shape, {.dtype = g.dtype(), .device = g.device()}) : Tensor()};
  });
  return y;
}

}  // namespace linattn
