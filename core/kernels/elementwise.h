// core/kernels/elementwise.h — elementwise kernels: binary ops with NumPy broadcasting, unary
// math, and the fused "gradient of a unary op" kernels used by backward passes.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

enum class BinaryOp : std::uint8_t {
  Add, Sub, Mul, Div,
  Maximum, Minimum,
  Pow,                 // a^b
  Eq, Ne, Lt, Le, Gt, Ge,  // 1 where true, else 0, in the inputs' dtype
};

// Ops of one input and up to two scalar parameters (a, b).
enum class UnaryOp : std::uint8_t {
  Neg, Exp, Log, Sqrt, Rsqrt, Abs, Sign, Square, Reciprocal,
  Relu, Gelu /* exact, erf */, Sigmoid, Tanh, Sin, Cos,
  AddScalar /* x + a */, MulScalar /* a·x */, Affine /* a·x + b */, RSubScalar /* a − x */,
  RDivScalar /* a / x */, PowScalar /* x^a */, Clamp /* min(max(x, a), b) */,
};

const char* binary_op_name(BinaryOp op);
const char* unary_op_name(UnaryOp op);

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  // out = a ∘ b, with a and b broadcast to out's shape (NumPy rules; the op checked them).
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out);
  // out = f(x; a, b); out may be x itself (in place).
  void unary(UnaryOp op, const Tensor& x, Tensor& out, double a, double b);
  // grad_x = grad_y · f'(x) for the unary ops with a derivative; y = f(x) is passed for the ops
  // whose derivative is cheaper from the output (exp, sqrt, rsqrt, sigmoid, tanh, reciprocal).
  void unary_backward(UnaryOp op, const Tensor& grad_y, const Tensor& x, const Tensor& y,
                      Tensor& grad_x, double a, double b);
  // out = cond ? a : b  (cond: any dtype, nonzero = true), all broadcast to out's shape.
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out);
)
