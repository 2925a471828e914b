// core/ops/pool.cpp — max_pool2d and avg_pool2d, forward and backward side by side. Max
// pooling saves the int64 argmax of every window (not the input) for its backward.
#include "core/ops/pool.h"

#include "core/autograd.h"
#include "core/kernels/pool.h"

namespace linattn {

namespace {

using Pair = std::array<std::int64_t, 2>;

std::string pair_str(const Pair& p) { return str_cat("(", p[0], ", ", p[1], ")"); }

Pool2dGeometry pool_geometry(const char* op, const Tensor& x, const Pair& kernel, Pair stride, const Pair& padding) {
  LINATTN_CHECK(x.dim() == 4, op, ": input must be (B, C, H, W), got shape ", shape_str(x.shape()));
  if (stride[0] == 0 && stride[1] == 0) stride = kernel;
  LINATTN_CHECK(kernel[0] >= 1 && kernel[1] >= 1, op, ": kernel must be positive, got ", pair_str(kernel));
  LINATTN_CHECK(stride[0] >= 1 && stride[1] >= 1, op, ": stride must be positive (or {0, 0} for the kernel size), got ",
                pair_str(stride));
  LINATTN_CHECK(padding[0] >= 0 && padding[1] >= 0 && 2 * padding[0] <= kernel[0] && 2 * padding[1] <= kernel[1], op,
                ": padding ", pair_str(padding), " must be non-negative and at most half the kernel ", pair_str(kernel));
  Pool2dGeometry g;
  g.B = x.shape()[0], g.C = x.shape()[1], g.H = x.shape()[2], g.W = x.shape()[3];
  g.kh = kernel[0], g.kw = kernel[1], g.sh = stride[0], g.sw = stride[1], g.ph = padding[0], g.pw = padding[1];
  const std::int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw;
  LINATTN_CHECK(g.kh <= Hp && g.kw <= Wp, op, ": kernel ", pair_str(kernel), " is larger than the padded input (", Hp,
                ", ", Wp, ") (input ", shape_str(x.shape()), ", padding ", pair_str(padding), ")");
  g.Ho = (Hp - g.kh) / g.sh + 1;
  g.Wo = (Wp - g.kw) / g.sw + 1;
  return g;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Pair kernel, Pair stride, Pair padding) {
  const Pool2dGeometry g = pool_geometry("max_pool2d", x, kernel, stride, padding);
  const Options o{.dtype = x.dtype(), .device = x.device()};
  Tensor out = Tensor::empty({g.B, g.C, g.Ho, g.Wo}, o);  // B x C x Ho x Wo
  Tensor indices = Tensor::empty({g.B, g.C, g.Ho, g.Wo}, {.dtype = DType::I64, .device = x.device()});
  LINATTN_DISPATCH(x.device(), max_pool2d_forward, g, x, out, indices);
  record("max_pool2d", out, {x}, {indices}, [g, xs = x.shape()](const Tensor& gy, const Saved& s) {
    Tensor dx = Tensor::empty(xs, {.dtype = gy.dtype(), .device = gy.device()});
    LINATTN_DISPATCH(gy.device(), max_pool2d_backward, g, gy, s[0], dx);
    return Grads{dx};
  });
  return out;
}

Tensor avg_pool2d(const Tensor& x, Pair kernel, Pair stride, Pair padding, bool count_include_pad) {
  const Pool2dGeometry g = pool_geometry("avg_pool2d", x, kernel, stride, padding);
  Tensor out = Tensor::empty({g.B, g.C, g.Ho, g.Wo}, {.dtype = x.dtype(), .device = x.device()});  // B x C x Ho x Wo
  LINATTN_DISPATCH(x.device(), avg_pool2d_forward, g, count_include_pad, x, out);
  record("avg_pool2d", out, {x}, {}, [g, count_include_pad, xs = x.shape()](const Tensor& gy, const Saved&) {
    Tensor dx = Tensor::empty(xs, {.dtype = gy.dtype(), .device = gy.device()});
    LINATTN_DISPATCH(gy.device(), avg_pool2d_backward, g, count_include_pad, gy, dx);
    return Grads{dx};
  });
  return out;
}

}  // namespace linattn
