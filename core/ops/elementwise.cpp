// core/ops/elementwise.cpp — elementwise ops, forward and backward side by side.
// Broadcasting gradients are summed back to each input's shape with sum_to.
#include "core/ops/elementwise.h"

#include "core/autograd.h"
#include "core/kernels/elementwise.h"
#include "core/ops/reduce.h"

namespace linattn {

namespace {

Tensor empty_as(const Tensor& t) { return Tensor::empty(t.shape(), {.dtype = t.dtype(), .device = t.device()}); }

void check_pair(const Tensor& a, const Tensor& b, const char* op) {
  LINATTN_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ (", dtype_name(a.dtype()), " and ",
                dtype_name(b.dtype()), ", shapes ", shape_str(a.shape()), " and ",
                shape_str(b.shape()), "). ---> HINT: convert one with .to(dtype)");
  LINATTN_CHECK(a.device() == b.device(), op, ": tensors on different devices (", a.device().str(),
                " and ", b.device().str(), ")");
}

Tensor binary_forward(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = binary_op_name(op);
  check_pair(a, b, name);
  Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = Tensor::empty(shape, {.dtype = a.dtype(), .device = a.device()});
  LINATTN_DISPATCH(out.device(), binary, op, a, b, out);
  return out;
}

Tensor unary_forward(UnaryOp op, const Tensor& x, double p = 0, double q = 0) {
  Tensor out = Tensor::empty(x.shape(), {.dtype = x.dtype(), .device = x.device()});
  LINATTN_DISPATCH(out.device(), unary, op, x, out, p, q);
  return out;
}

// A differentiable unary op whose backward is the fused kernel unary_backward(op).
// `save_out` saves y = f(x) (for exp, sigmoid...), otherwise x is saved.
Tensor unary_op(UnaryOp op, const Tensor& x, bool save_out, double p = 0, double q = 0) {
  LINATTN_CHECK(is_floating(x.dtype()), unary_op_name(op), ": expected a float tensor, got ",
                dtype_name(x.dtype()));
  Tensor y = unary_forward(op, x, p, q);
  record(unary_op_name(op), y, {x}, {save_out ? y : x}, [op, save_out, p, q](const Tensor& g, const Saved& s) {
    Tensor gx = empty_as(g);
    const Tensor& x_or_y = s[0];
    LINATTN_DISPATCH(g.device(), unary_backward, op, g, save_out ? Tensor() : x_or_y,
                     save_out ? x_or_y : Tensor(), gx, p, q);
    return Grads{gx};
  });
  return y;
}

}  // namespace

// ---- binary -----------------------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Add, a, b);
  record("add", out, {a, b}, {}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const Saved&) {
    return Grads{sum_to(g, sa), sum_to(g, sb)};
  });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Sub, a, b);
  record("sub", out, {a, b}, {}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const Saved&) {
    return Grads{sum_to(g, sa), sum_to(neg(g), sb)};
  });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Mul, a, b);
  bool ga = a.requires_grad(), gb = b.requires_grad();
  record("mul", out, {a, b}, {gb ? a : Tensor(), ga ? b : Tensor()},
         [ga, gb, sa = a.shape(), sb = b.shape()](const Tensor& g, const Saved& s) {
           return Grads{ga ? sum_to(mul(g, s[1]), sa) : Tensor(), gb ? sum_to(mul(g, s[0]), sb) : Tensor()};
         });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Div, a, b);
  bool gb = b.requires_grad();
  record("div", out, {a, b}, {b, gb ? out : Tensor()},
         [sa = a.shape(), sb = b.shape()](const Tensor& g, const Saved& s) {
           Tensor g_over_b = div(g, s[0]);  // ∂(a/b)/∂a = 1/b
           Tensor grad_b = s[1].defined() ? sum_to(neg(mul(g_over_b, s[1])), sb) : Tensor();  // −(a/b)/b
           return Grads{sum_to(g_over_b, sa), grad_b};
         });
  return out;
}

namespace {
// Backward of maximum/minimum: the gradient goes to a where `a_wins` (a ≥ b, or a ≤ b).
Tensor extremum(BinaryOp op, BinaryOp a_wins, const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(op, a, b);
  record(binary_op_name(op), out, {a, b}, {a, b},
         [a_wins, sa = a.shape(), sb = b.shape()](const Tensor& g, const Saved& s) {
           Tensor mask = binary_forward(a_wins, s[0], s[1]);  // broadcast shape
           Tensor ga = mul(g, mask);
           return Grads{sum_to(ga, sa), sum_to(sub(g, ga), sb)};
         });
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(BinaryOp::Maximum, BinaryOp::Ge, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(BinaryOp::Minimum, BinaryOp::Le, a, b); }

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Pow, a, b);
  bool ga = a.requires_grad(), gb = b.requires_grad();
  record("pow", out, {a, b}, {a, b, gb ? out : Tensor()},
         [ga, gb, sa = a.shape(), sb = b.shape()](const Tensor& g, const Saved& s) {
           Grads grads(2);
           // ∂/∂a = b·a^(b−1)
           if (ga) grads[0] = sum_to(mul(g, mul(s[1], binary_forward(BinaryOp::Pow, s[0], sub(s[1], 1.0)))), sa);
           // ∂/∂b = out·log(a), taken as 0 where a = 0 and b ≥ 0 (0·log 0; PyTorch does the same)
           if (gb) {
             Tensor zero = Tensor::empty({}, {.dtype = g.dtype(), .device = g.device()});
             zero.fill_(0.0);
             Tensor at_zero = mul(binary_forward(BinaryOp::Eq, s[0], zero), binary_forward(BinaryOp::Ge, s[1], zero));
             Tensor d = mul(g, mul(s[2], log(s[0])));
             Tensor masked = empty_as(d);
             LINATTN_DISPATCH(d.device(), where, at_zero, zero, d, masked);
             grads[1] = sum_to(masked, sb);
           }
           return grads;
         });
  return out;
}

// ---- with a scalar ------------------------------------------------------------------------------

Tensor affine(const Tensor& x, double scale, double shift) {
  Tensor y = unary_forward(UnaryOp::Affine, x, scale, shift);
  record("affine", y, {x}, {}, [scale](const Tensor& g, const Saved&) {
    return Grads{scale == 1.0 ? g : unary_forward(UnaryOp::MulScalar, g, scale)};
  });
  return y;
}
Tensor add(const Tensor& x, double s) { return affine(x, 1.0, s); }
Tensor sub(const Tensor& x, double s) { return affine(x, 1.0, -s); }
Tensor rsub(double s, const Tensor& x) { return affine(x, -1.0, s); }
Tensor mul(const Tensor& x, double s) { return affine(x, s, 0.0); }
Tensor div(const Tensor& x, double s) { return affine(x, 1.0 / s, 0.0); }
Tensor neg(const Tensor& x) { return affine(x, -1.0, 0.0); }

Tensor rdiv(double s, const Tensor& x) { return unary_op(UnaryOp::RDivScalar, x, false, s); }
Tensor pow(const Tensor& x, double exponent) { return unary_op(UnaryOp::PowScalar, x, false, exponent); }
Tensor clamp(const Tensor& x, double lo, double hi) {
  LINATTN_CHECK(lo <= hi, "clamp: lower bound ", lo, " is above upper bound ", hi);
  return unary_op(UnaryOp::Clamp, x, false, lo, hi);
}

// ---- unary ------------------------------------------------------------------------------------

Tensor exp(const Tensor& x) { return unary_op(UnaryOp::Exp, x, true); }
Tensor log(const Tensor& x) { return unary_op(UnaryOp::Log, x, false); }
Tensor sqrt(const Tensor& x) { return unary_op(UnaryOp::Sqrt, x, true); }
Tensor rsqrt(const Tensor& x) { return unary_op(UnaryOp::Rsqrt, x, true); }
Tensor abs(const Tensor& x) { return unary_op(UnaryOp::Abs, x, false); }
Tensor sign(const Tensor& x) { return unary_op(UnaryOp::Sign, x, false); }
Tensor square(const Tensor& x) { return unary_op(UnaryOp::Square, x, false); }
Tensor reciprocal(const Tensor& x) { return unary_op(UnaryOp::Reciprocal, x, true); }
Tensor relu(const Tensor& x) { return unary_op(UnaryOp::Relu, x, false); }
Tensor gelu(const Tensor& x) { return unary_op(UnaryOp::Gelu, x, false); }
Tensor sigmoid(const Tensor& x) { return unary_op(UnaryOp::Sigmoid, x, true); }
Tensor tanh(const Tensor& x) { return unary_op(UnaryOp::Tanh, x, true); }
Tensor sin(const Tensor& x) { return unary_op(UnaryOp::Sin, x, false); }
Tensor cos(const Tensor& x) { return unary_op(UnaryOp::Cos, x, false); }

// ---- comparisons and selection ----------------------------------------------------------------

Tensor eq(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Ge, a, b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_pair(a, b, "where");
  LINATTN_CHECK(cond.device() == a.device(), "where: condition on ", cond.device().str(),
                " but values on ", a.device().str());
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = Tensor::empty(shape, {.dtype = a.dtype(), .device = a.device()});
  LINATTN_DISPATCH(out.device(), where, cond, a, b, out);
  record("where", out, {a, b}, {cond}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const Saved& s) {
    Tensor zero = Tensor::empty({}, {.dtype = g.dtype(), .device = g.device()});
    zero.fill_(0.0);
    Tensor ga = empty_as(g), gb = empty_as(g);
    LINATTN_DISPATCH(g.device(), where, s[0], g, zero, ga);
    LINATTN_DISPATCH(g.device(), where, s[0], zero, g, gb);
    return Grads{sum_to(ga, sa), sum_to(gb, sb)};
  });
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  Tensor fill = Tensor::empty({}, {.dtype = x.dtype(), .device = x.device()});
  fill.fill_(value);
  LINATTN_CHECK(broadcast_shapes(mask.shape(), x.shape(), "masked_fill") == x.shape(),
                "masked_fill: mask of shape ", shape_str(mask.shape()),
                " does not broadcast to the input's shape ", shape_str(x.shape()));
  return where(mask, fill, x);
}

}  // namespace linattn

namespace linattn {

const char* binary_op_name(BinaryOp op) {
  static constexpr const char* names[] = {"add", "sub", "mul", "div", "maximum", "minimum", "pow",
                                          "eq",  "ne",  "lt",  "le",  "gt",      "ge"};
  return names[static_cast<int>(op)];
}

const char* unary_op_name(UnaryOp op) {
  static constexpr const char* names[] = {
      "neg",  "exp",     "log",  "sqrt", "rsqrt", "abs",       "sign",      "square",
      "reciprocal", "relu", "gelu", "sigmoid", "tanh", "sin", "cos", "add_scalar", "mul_scalar",
      "affine", "rsub_scalar", "rdiv_scalar", "pow_scalar", "clamp"};
  return names[static_cast<int>(op)];
}

}  // namespace linattn
