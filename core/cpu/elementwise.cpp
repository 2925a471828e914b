// core/cpu/elementwise.cpp — CPU kernels of core/kernels/elementwise.h.
// Each op is a small functor; the loops are written so the compiler vectorizes the common
// stride patterns (both contiguous, one side broadcast).
#include <cmath>

#include "core/cpu/broadcast.h"
#include "core/cpu/vec_math.h"
#include "core/kernels/elementwise.h"

namespace linattn::cpu {

namespace {

template <class T, class F>
void binary_loop(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  BroadcastPlan<2> plan(out.shape(), {&a.shape(), &b.shape()});
  // Named copies, not a structured binding: clang 14 cannot capture bindings in a lambda.
  const auto strides = plan.inner_strides();
  const std::int64_t sa = strides[0], sb = strides[1];
  plan.for_each_run([&](const std::array<std::int64_t, 2>& off, std::int64_t o, std::int64_t n) {
    const T* x = pa + off[0];
    const T* y = pb + off[1];
    T* z = po + o;
    if (sa == 1 && sb == 1) {
      for (std::int64_t i = 0; i < n; ++i) z[i] = f(x[i], y[i]);
    } else if (sa == 1 && sb == 0) {
      const T yv = *y;
      for (std::int64_t i = 0; i < n; ++i) z[i] = f(x[i], yv);
    } else if (sa == 0 && sb == 1) {
      const T xv = *x;
      for (std::int64_t i = 0; i < n; ++i) z[i] = f(xv, y[i]);
    } else {
      for (std::int64_t i = 0; i < n; ++i) z[i] = f(x[i * sa], y[i * sb]);
    }
  });
}

template <class T>
void binary_typed(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  switch (op) {
    case BinaryOp::Add: return binary_loop<T>(a, b, out, [](T x, T y) { return x + y; });
    case BinaryOp::Sub: return binary_loop<T>(a, b, out, [](T x, T y) { return x - y; });
    case BinaryOp::Mul: return binary_loop<T>(a, b, out, [](T x, T y) { return x * y; });
    case BinaryOp::Div: return binary_loop<T>(a, b, out, [](T x, T y) { return x / y; });
    case BinaryOp::Maximum: return binary_loop<T>(a, b, out, [](T x, T y) { return x >= y ? x : y; });
    case BinaryOp::Minimum: return binary_loop<T>(a, b, out, [](T x, T y) { return x <= y ? x : y; });
    case BinaryOp::Pow: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(std::pow(x, y)); });
    case BinaryOp::Eq: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x == y); });
    case BinaryOp::Ne: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x != y); });
    case BinaryOp::Lt: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x < y); });
    case BinaryOp::Le: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x <= y); });
    case BinaryOp::Gt: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x > y); });
    case BinaryOp::Ge: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x >= y); });
  }
}

template <class T, class F>
void unary_loop(const Tensor& x, Tensor& out, F f) {
  const T* px = x.data<T>();
  T* po = out.data<T>();
  // Pointers captured by value: captured by reference, GCC reloads them every iteration
  // and does not vectorize the loop.
  parallel_for(x.numel(), kElementwiseGrain, [px, po, f](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) po[i] = f(px[i]);
  });
}

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

template <class T>
void unary_typed(UnaryOp op, const Tensor& x, Tensor& out, T a, T b) {
  switch (op) {
    case UnaryOp::Neg: return unary_loop<T>(x, out, [](T v) { return -v; });
    case UnaryOp::Exp: return unary_loop<T>(x, out, [](T v) { return exp_of(v); });
    case UnaryOp::Log: return unary_loop<T>(x, out, [](T v) { return std::log(v); });
    case UnaryOp::Sqrt: return unary_loop<T>(x, out, [](T v) { return std::sqrt(v); });
    case UnaryOp::Rsqrt: return unary_loop<T>(x, out, [](T v) { return T(1) / std::sqrt(v); });
    case UnaryOp::Abs: return unary_loop<T>(x, out, [](T v) { return std::abs(v); });
    case UnaryOp::Sign: return unary_loop<T>(x, out, [](T v) { return static_cast<T>((v > 0) - (v < 0)); });
    case UnaryOp::Square: return unary_loop<T>(x, out, [](T v) { return v * v; });
    case UnaryOp::Reciprocal: return unary_loop<T>(x, out, [](T v) { return T(1) / v; });
    case UnaryOp::Relu: return unary_loop<T>(x, out, [](T v) { return v > 0 ? v : T(0); });
    case UnaryOp::Gelu:
      return unary_loop<T>(x, out, [](T v) { return static_cast<T>(0.5) * v * (T(1) + erf_of(v * static_cast<T>(kInvSqrt2))); });
    case UnaryOp::Sigmoid: return unary_loop<T>(x, out, [](T v) { return T(1) / (T(1) + exp_of(-v)); });
    case UnaryOp::Tanh: return unary_loop<T>(x, out, [](T v) { return std::tanh(v); });
    case UnaryOp::Sin: return unary_loop<T>(x, out, [](T v) { return std::sin(v); });
    case UnaryOp::Cos: return unary_loop<T>(x, out, [](T v) { return std::cos(v); });
    case UnaryOp::AddScalar: return unary_loop<T>(x, out, [a](T v) { return v + a; });
    case UnaryOp::MulScalar: return unary_loop<T>(x, out, [a](T v) { return a * v; });
    case UnaryOp::Affine: return unary_loop<T>(x, out, [a, b](T v) { return a * v + b; });
    case UnaryOp::RSubScalar: return unary_loop<T>(x, out, [a](T v) { return a - v; });
    case UnaryOp::RDivScalar: return unary_loop<T>(x, out, [a](T v) { return a / v; });
    case UnaryOp::PowScalar: return unary_loop<T>(x, out, [a](T v) { return std::pow(v, a); });
    case UnaryOp::Clamp: return unary_loop<T>(x, out, [a, b](T v) { return v < a ? a : (v > b ? b : v); });
  }
}

template <class T, class F>
void grad_loop(const Tensor& g, const Tensor& src, Tensor& out, F f) {
  const T* pg = g.data<T>();
  const T* ps = src.data<T>();
  T* po = out.data<T>();
  parallel_for(g.numel(), kElementwiseGrain, [pg, ps, po, f](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) po[i] = pg[i] * f(ps[i]);
  });
}

// grad_x = g · f'(·); `x` or `y` is defined depending on the op (see the kernel header).
template <class T>
void unary_backward_typed(UnaryOp op, const Tensor& g, const Tensor& x, const Tensor& y, Tensor& gx, T a, T b) {
  switch (op) {
    case UnaryOp::Exp: return grad_loop<T>(g, y, gx, [](T v) { return v; });
    case UnaryOp::Log: return grad_loop<T>(g, x, gx, [](T v) { return T(1) / v; });
    case UnaryOp::Sqrt: return grad_loop<T>(g, y, gx, [](T v) { return static_cast<T>(0.5) / v; });
    case UnaryOp::Rsqrt: return grad_loop<T>(g, y, gx, [](T v) { return static_cast<T>(-0.5) * v * v * v; });
    case UnaryOp::Abs: return grad_loop<T>(g, x, gx, [](T v) { return static_cast<T>((v > 0) - (v < 0)); });
    case UnaryOp::Sign: return grad_loop<T>(g, x, gx, [](T) { return T(0); });
    case UnaryOp::Square: return grad_loop<T>(g, x, gx, [](T v) { return T(2) * v; });
    case UnaryOp::Reciprocal: return grad_loop<T>(g, y, gx, [](T v) { return -v * v; });
    case UnaryOp::Relu: return grad_loop<T>(g, x, gx, [](T v) { return v > 0 ? T(1) : T(0); });
    case UnaryOp::Gelu:
      return grad_loop<T>(g, x, gx, [](T v) {
        T cdf = static_cast<T>(0.5) * (T(1) + erf_of(v * static_cast<T>(kInvSqrt2)));
        T pdf = static_cast<T>(kInvSqrt2Pi) * exp_of(static_cast<T>(-0.5) * v * v);
        return cdf + v * pdf;
      });
    case UnaryOp::Sigmoid: return grad_loop<T>(g, y, gx, [](T v) { return v * (T(1) - v); });
    case UnaryOp::Tanh: return grad_loop<T>(g, y, gx, [](T v) { return T(1) - v * v; });
    case UnaryOp::Sin: return grad_loop<T>(g, x, gx, [](T v) { return std::cos(v); });
    case UnaryOp::Cos: return grad_loop<T>(g, x, gx, [](T v) { return -std::sin(v); });
    case UnaryOp::RDivScalar: return grad_loop<T>(g, x, gx, [a](T v) { return -a / (v * v); });
    case UnaryOp::PowScalar: return grad_loop<T>(g, x, gx, [a](T v) { return a * std::pow(v, a - T(1)); });
    case UnaryOp::Clamp: return grad_loop<T>(g, x, gx, [a, b](T v) { return v > a && v < b ? T(1) : T(0); });
    case UnaryOp::Neg: case UnaryOp::AddScalar: case UnaryOp::MulScalar: case UnaryOp::Affine:
    case UnaryOp::RSubScalar:
      break;
  }
  fail(str_cat("internal error: no fused backward for unary op '", unary_op_name(op), "'"));
}

}  // namespace

void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  LINATTN_ALL_TYPES(out.dtype(), binary_op_name(op), [&] { binary_typed<scalar_t>(op, a, b, out); });
}

void unary(UnaryOp op, const Tensor& x, Tensor& out, double a, double b) {
  LINATTN_FLOAT_TYPES(out.dtype(), unary_op_name(op), [&] {
    unary_typed<scalar_t>(op, x, out, static_cast<scalar_t>(a), static_cast<scalar_t>(b));
  });
}

void unary_backward(UnaryOp op, const Tensor& grad_y, const Tensor& x, const Tensor& y, Tensor& grad_x,
                    double a, double b) {
  LINATTN_FLOAT_TYPES(grad_y.dtype(), unary_op_name(op), [&] {
    unary_backward_typed<scalar_t>(op, grad_y, x, y, grad_x, static_cast<scalar_t>(a), static_cast<scalar_t>(b));
  });
}

namespace {
template <class C>
void where_typed(const C* pc, const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  LINATTN_ALL_TYPES(out.dtype(), "where", [&] {
    const scalar_t* pa = a.data<scalar_t>();
    const scalar_t* pb = b.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    BroadcastPlan<3> plan(out.shape(), {&cond.shape(), &a.shape(), &b.shape()});
    const auto strides = plan.inner_strides();  // not a structured binding: see binary_loop
    const std::int64_t sc = strides[0], sa = strides[1], sb = strides[2];
    plan.for_each_run([&](const std::array<std::int64_t, 3>& off, std::int64_t o, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i)
        po[o + i] = pc[off[0] + i * sc] != C(0) ? pa[off[1] + i * sa] : pb[off[2] + i * sb];
    });
  });
}
}  // namespace

void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  LINATTN_ALL_TYPES(cond.dtype(), "where", [&] { where_typed(cond.data<scalar_t>(), cond, a, b, out); });
}

}  // namespace linattn::cpu
