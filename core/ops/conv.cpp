// core/ops/conv.cpp — conv2d, unfold and fold, forward and backward side by side. Shapes are
// validated here once; the kernels (core/kernels/conv.h) do im2col + GEMM and col2im.
#include "core/ops/conv.h"

#include "core/autograd.h"
#include "core/kernels/conv.h"

namespace linattn {

namespace {

using Pair = std::array<std::int64_t, 2>;  // (height, width)

std::string pair_str(const Pair& p) { return str_cat("(", p[0], ", ", p[1], ")"); }

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

// The sliding-window geometry of unfold / fold over a (B, C, H, W) image; `op` names the caller.
Conv2dGeometry window_geometry(const char* op, std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W,
                               Pair kernel, Pair stride, Pair padding, Pair dilation) {
  LINATTN_CHECK(kernel[0] >= 1 && kernel[1] >= 1, op, ": kernel must be positive, got ", pair_str(kernel));
  LINATTN_CHECK(stride[0] >= 1 && stride[1] >= 1, op, ": stride must be positive, got ", pair_str(stride));
  LINATTN_CHECK(dilation[0] >= 1 && dilation[1] >= 1, op, ": dilation must be positive, got ", pair_str(dilation));
  LINATTN_CHECK(padding[0] >= 0 && padding[1] >= 0, op, ": padding must be non-negative, got ", pair_str(padding));
  Conv2dGeometry g;
  g.B = B, g.Cin = C, g.H = H, g.W = W, g.kh = kernel[0], g.kw = kernel[1];
  g.sh = stride[0], g.sw = stride[1], g.ph = padding[0], g.pw = padding[1], g.dh = dilation[0], g.dw = dilation[1];
  const std::int64_t ekh = g.dh * (g.kh - 1) + 1, ekw = g.dw * (g.kw - 1) + 1;  // dilated kernel
  const std::int64_t Hp = H + 2 * g.ph, Wp = W + 2 * g.pw;
  LINATTN_CHECK(ekh <= Hp && ekw <= Wp, op, ": kernel (", ekh, ", ", ekw, ") (kernel ", pair_str(kernel),
                ", dilation ", pair_str(dilation), ") is larger than the padded image (", Hp, ", ", Wp, ") (image (",
                H, ", ", W, "), padding ", pair_str(padding), ")");
  g.Ho = (Hp - ekh) / g.sh + 1;
  g.Wo = (Wp - ekw) / g.sw + 1;
  return g;
}

}  // namespace

Tensor unfold(const Tensor& x, Pair kernel, Pair stride, Pair padding, Pair dilation) {
  LINATTN_CHECK(x.dim() == 4, "unfold: input must be (B, C, H, W), got shape ", shape_str(x.shape()));
  const Conv2dGeometry g =
      window_geometry("unfold", x.size(0), x.size(1), x.size(2), x.size(3), kernel, stride, padding, dilation);
  const Options o{.dtype = x.dtype(), .device = x.device()};
  Tensor cols = Tensor::empty({g.B, g.Cin * g.kh * g.kw, g.Ho * g.Wo}, o);  // B x C·kh·kw x L
  LINATTN_DISPATCH(x.device(), unfold2d, g, x, cols);
  record("unfold", cols, {x}, {}, [g, xs = x.shape()](const Tensor& gy, const Saved&) {
    Tensor gx = Tensor::empty(xs, {.dtype = gy.dtype(), .device = gy.device()});  // B x C x H x W
    LINATTN_DISPATCH(gy.device(), fold2d, g, gy, gx);
    return Grads{gx};
  });
  return cols;
}

Tensor fold(const Tensor& cols, Pair output_size, Pair kernel, Pair stride, Pair padding, Pair dilation) {
  LINATTN_CHECK(cols.dim() == 3, "fold: input must be (B, C·kh·kw, L), got shape ", shape_str(cols.shape()));
  LINATTN_CHECK(kernel[0] >= 1 && kernel[1] >= 1, "fold: kernel must be positive, got ", pair_str(kernel));
  const std::int64_t taps = kernel[0] * kernel[1];
  LINATTN_CHECK(cols.size(1) % taps == 0, "fold: input ", shape_str(cols.shape()), " has ", cols.size(1),
                " rows, not a multiple of kh·kw = ", taps, " (kernel ", pair_str(kernel), ")");
  LINATTN_CHECK(output_size[0] >= 1 && output_size[1] >= 1, "fold: output_size must be positive, got ",
                pair_str(output_size));
  const Conv2dGeometry g = window_geometry("fold", cols.size(0), cols.size(1) / taps, output_size[0], output_size[1],
                                           kernel, stride, padding, dilation);
  LINATTN_CHECK(cols.size(2) == g.Ho * g.Wo, "fold: input ", shape_str(cols.shape()), " has L = ", cols.size(2),
                " windows, but output_size ", pair_str(output_size), " with kernel ", pair_str(kernel), ", stride ",
                pair_str(stride), ", padding ", pair_str(padding), ", dilation ", pair_str(dilation), " gives ",
                g.Ho, "·", g.Wo, " = ", g.Ho * g.Wo);
  Tensor x = Tensor::empty({g.B, g.Cin, g.H, g.W}, {.dtype = cols.dtype(), .device = cols.device()});  // B x C x H x W
  LINATTN_DISPATCH(cols.device(), fold2d, g, cols, x);
  record("fold", x, {cols}, {}, [g, cs = cols.shape()](const Tensor& gy, const Saved&) {
    Tensor gc = Tensor::empty(cs, {.dtype = gy.dtype(), .device = gy.device()});  // B x C·kh·kw x L
    LINATTN_DISPATCH(gy.device(), unfold2d, g, gy, gc);
    return Grads{gc};
  });
  return x;
}

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
