// core/ops/conv.cpp — conv2d, forward and backward side by side. Shapes are validated here
// once; the kernels (core/kernels/conv.h) do im2col + GEMM and col2im.
#include "core/ops/conv.h"

#include "core/autograd.h"
#include "core/kernels/conv.h"

namespace linattn {

namespace {

std::string pair_str(const std::array<std::int64_t, 2>& p) { return str_cat("(", p[0], ", ", p[1], ")"); }

Conv2dGeometry conv2d_geometry(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  LINATTN_CHECK(x.dim() == 4, "conv2d: input must be (B, Cin, H, W), got shape ", shape_str(x.shape()));
  LINATTN_CHECK(weight.dim() == 4, "conv2d: weight must be (Cout, Cin/groups, kh, kw), got shape ",
                shape_str(weight.shape()));
  LINATTN_CHECK(x.dtype() == weight.dtype() && x.device() == weight.device(), "conv2d: input is ",
                dtype_name(x.dtype()), " on ", x.device().str(), " but weight is ", dtype_name(weight.dtype()), " on ",
                weight.device().str());
  LINATTN_CHECK(p.stride[0] >= 1 && p.stride[1] >= 1, "conv2d: stride must be positive, got ", pair_str(p.stride));
  LINATTN_CHECK(p.dilation[0] >= 1 && p.dilation[1] >= 1, "conv2d: dilation must be positive, got ",
                pair_str(p.dilation));
  LINATTN_CHECK(p.padding[0] >= 0 && p.padding[1] >= 0, "conv2d: padding must be non-negative, got ",
                pair_str(p.padding));
  LINATTN_CHECK(p.groups >= 1, "conv2d: groups must be positive, got ", p.groups);
  Conv2dGeometry g;
  g.B = x.shape()[0], g.Cin = x.shape()[1], g.H = x.shape()[2], g.W = x.shape()[3];
  g.Cout = weight.shape()[0], g.kh = weight.shape()[2], g.kw = weight.shape()[3];
  g.sh = p.stride[0], g.sw = p.stride[1], g.ph = p.padding[0], g.pw = p.padding[1];
  g.dh = p.dilation[0], g.dw = p.dilation[1], g.groups = p.groups;
  LINATTN_CHECK(g.Cin % g.groups == 0, "conv2d: input channels ", g.Cin, " (input ", shape_str(x.shape()),
                ") are not divisible by groups = ", g.groups);
  LINATTN_CHECK(g.Cout % g.groups == 0, "conv2d: output channels ", g.Cout, " (weight ", shape_str(weight.shape()),
                ") are not divisible by groups = ", g.groups);
  LINATTN_CHECK(weight.shape()[1] == g.Cin / g.groups, "conv2d: weight ", shape_str(weight.shape()),
                " expects ", weight.shape()[1] * g.groups, " input channels with groups = ", g.groups,
                ", but the input ", shape_str(x.shape()), " has ", g.Cin,
                " (hint: weight must be (Cout, Cin/groups, kh, kw))");
  LINATTN_CHECK(g.kh >= 1 && g.kw >= 1, "conv2d: empty kernel in weight ", shape_str(weight.shape()));
  const std::int64_t ekh = g.dh * (g.kh - 1) + 1, ekw = g.dw * (g.kw - 1) + 1;  // dilated kernel
  const std::int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw;
  LINATTN_CHECK(ekh <= Hp && ekw <= Wp, "conv2d: kernel (", ekh, ", ", ekw, ") (weight ", shape_str(weight.shape()),
                ", dilation ", pair_str(p.dilation), ") is larger than the padded input (", Hp, ", ", Wp,
                ") (input ", shape_str(x.shape()), ", padding ", pair_str(p.padding), ")");
  g.Ho = (Hp - ekh) / g.sh + 1;
  g.Wo = (Wp - ekw) / g.sw + 1;
  if (bias.defined()) {
    LINATTN_CHECK(bias.shape() == Shape{g.Cout}, "conv2d: bias of shape ", shape_str(bias.shape()),
                  " does not match the weight's ", g.Cout, " output channels (weight ", shape_str(weight.shape()), ")");
    LINATTN_CHECK(bias.dtype() == x.dtype() && bias.device() == x.device(), "conv2d: bias is ",
                  dtype_name(bias.dtype()), " on ", bias.device().str(), " but input is ", dtype_name(x.dtype()),
                  " on ", x.device().str());
  }
  return g;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  const Conv2dGeometry g = conv2d_geometry(x, weight, bias, params);
  Tensor out = Tensor::empty({g.B, g.Cout, g.Ho, g.Wo}, {.dtype = x.dtype(), .device = x.device()});  // B x Cout x Ho x Wo
  LINATTN_DISPATCH(x.device(), conv2d_forward, g, x, weight, bias, out);

  const bool gx = x.requires_grad(), gw = weight.requires_grad(), gb = bias.defined() && bias.requires_grad();
  record("conv2d", out, {x, weight, bias}, {gw ? x : Tensor(), gx ? weight : Tensor()},
         [g, gx, gw, gb, xs = x.shape(), ws = weight.shape()](const Tensor& gy, const Saved& s) {
           const Options o{.dtype = gy.dtype(), .device = gy.device()};
           Tensor dx = gx ? Tensor::empty(xs, o) : Tensor();
           Tensor dw = gw ? Tensor::empty(ws, o) : Tensor();
           Tensor db = gb ? Tensor::empty({g.Cout}, o) : Tensor();
           LINATTN_DISPATCH(gy.device(), conv2d_backward, g, gy, s[0], s[1], dx, dw, db);
           return Grads{dx, dw, db};
         });
  return out;
}

}  // namespace linattn
