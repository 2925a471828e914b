// core/ops/elementwise.h — differentiable elementwise ops: arithmetic with NumPy broadcasting,
// scalar arithmetic, math and activation functions, comparisons (not differentiable), where.
#pragma once
#include "core/tensor.h"

namespace linattn {

// Binary, broadcasting. Both inputs must share dtype and device.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);  // gradient goes to a where a ≥ b, else to b
Tensor minimum(const Tensor& a, const Tensor& b);  // gradient goes to a where a ≤ b, else to b
Tensor pow(const Tensor& a, const Tensor& b);      // a > 0 where b's gradient is needed

// With a scalar.
Tensor add(const Tensor& x, double s);
Tensor sub(const Tensor& x, double s);
Tensor rsub(double s, const Tensor& x);  // s − x
Tensor mul(const Tensor& x, double s);
Tensor div(const Tensor& x, double s);
Tensor rdiv(double s, const Tensor& x);  // s / x
Tensor affine(const Tensor& x, double scale, double shift);  // scale·x + shift
Tensor pow(const Tensor& x, double exponent);
Tensor clamp(const Tensor& x, double lo, double hi);  // gradient 1 strictly inside (lo, hi)

// Unary.
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor abs(const Tensor& x);      // gradient sign(x), 0 at 0
Tensor sign(const Tensor& x);     // gradient 0
Tensor square(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor relu(const Tensor& x);     // gradient 0 at 0 (PyTorch's convention)
Tensor gelu(const Tensor& x);     // exact: x·Φ(x) with erf
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);

// Comparisons: 1 where true, else 0, in the inputs' dtype; never require grad.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

// cond ? a : b, broadcasting all three; cond is any dtype (nonzero = true).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// x with `value` where mask is nonzero (mask broadcasts to x's shape).
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// Operators.
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return div(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace linattn
