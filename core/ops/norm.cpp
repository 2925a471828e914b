// core/ops/norm.cpp — batch_norm, forward and backward side by side. The forward saves x,
// weight and the per-channel mean / invstd it used (fresh tensors, so a later in-place update
// of the running statistics never invalidates this graph).
#include "core/ops/norm.h"

#include "core/autograd.h"
#include "core/kernels/norm.h"

namespace linattn {

namespace {

void check_channel_tensor(const Tensor& t, const char* name, const Tensor& x, std::int64_t C) {
  if (!t.defined()) return;
  LINATTN_CHECK(t.shape() == Shape{C}, "batch_norm: ", name, " of shape ", shape_str(t.shape()),
                " does not match the ", C, " channels of input ", shape_str(x.shape()), " (expected (", C, ",))");
  LINATTN_CHECK(t.dtype() == x.dtype() && t.device() == x.device(), "batch_norm: ", name, " is ",
                dtype_name(t.dtype()), " on ", t.device().str(), " but the input is ", dtype_name(x.dtype()), " on ",
                x.device().str());
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  LINATTN_CHECK(x.dim() >= 2 && x.dim() <= 4, "batch_norm: input must be (B, C), (B, C, L) or (B, C, H, W), got shape ",
                shape_str(x.shape()));
  BatchNormGeometry g;
  g.B = x.shape()[0], g.C = x.shape()[1], g.S = x.numel() / std::max<std::int64_t>(g.B * g.C, 1);  // B x C x S
  check_channel_tensor(weight, "weight", x, g.C);
  check_channel_tensor(bias, "bias", x, g.C);
  check_channel_tensor(running_mean, "running_mean", x, g.C);
  check_channel_tensor(running_var, "running_var", x, g.C);
  LINATTN_CHECK(running_mean.defined() == running_var.defined(),
                "batch_norm: running_mean and running_var must both be defined or both undefined");
  LINATTN_CHECK(training || running_mean.defined(),
                "batch_norm: evaluation mode needs running_mean and running_var (hint: pass training = true to "
                "normalize with the batch statistics)");
  LINATTN_CHECK(!training || g.B * g.S > 1, "batch_norm: training needs more than one value per channel, got input ",
                shape_str(x.shape()));
  LINATTN_CHECK(eps > 0, "batch_norm: eps must be positive, got ", eps);

  const Options o{.dtype = x.dtype(), .device = x.device()};
  Tensor out = Tensor::empty(x.shape(), o);
  Tensor mean = Tensor::empty({g.C}, o), invstd = Tensor::empty({g.C}, o);
  LINATTN_DISPATCH(x.device(), batch_norm_forward, g, x, weight, bias, running_mean, running_var, training, momentum,
                   eps, out, mean, invstd);
  if (training && running_mean.defined()) {
    running_mean.bump_version();
    running_var.bump_version();
  }

  const bool gw = weight.defined() && weight.requires_grad(), gb = bias.defined() && bias.requires_grad();
  record("batch_norm", out, {x, weight, bias}, {x, weight, mean, invstd},
         [g, training, gx = x.requires_grad(), gw, gb](const Tensor& gy, const Saved& s) {
           const Options go{.dtype = gy.dtype(), .device = gy.device()};
           Tensor dx = gx ? Tensor::empty(s[0].shape(), go) : Tensor();
           Tensor dw = gw ? Tensor::empty({g.C}, go) : Tensor();
           Tensor db = gb ? Tensor::empty({g.C}, go) : Tensor();
           LINATTN_DISPATCH(gy.device(), batch_norm_backward, g, gy, s[0], s[1], s[2], s[3], training, dx, dw, db);
           return Grads{dx, dw, db};
         });
  return out;
}

}  // namespace linattn
