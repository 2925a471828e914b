// core/cuda/elementwise.cu — CUDA kernels of core/kernels/elementwise.h: binary ops with NumPy
// broadcasting, unary math, the fused unary backward, and where.
//
// The math is written once per op as a device function on a compile-time op tag
// (binary_value<Op>, unary_value<Op>, unary_derivative<Op>) and mirrors core/cpu/elementwise.cpp
// formula for formula (exact GELU with erf, NaN-propagating comparisons as on the CPU), so the
// two backends differ only by the last bits of the math library. A runtime op is turned into
// its tag by visit(), a switch over every enumerator (-Wswitch flags a new one left out).
// Broadcasting goes through core/cuda/broadcast.cuh; unary kernels are contiguous 1-D loops
// (out may alias x). Types: binary and where take all dtypes, unary ops float32/float64.
#include <type_traits>

#include "core/cuda/broadcast.cuh"
#include "core/kernels/elementwise.h"

namespace linattn::cuda {

namespace {

template <class E, E V>
using Tag = std::integral_constant<E, V>;

template <auto V>
inline constexpr bool kUnhandled = false;  // for static_assert in the last `else` of an op chain

#define LINATTN_TAG_CASE(Enum, name) \
  case Enum::name:                   \
    return f(Tag<Enum, Enum::name>{});

template <class F>
void visit(BinaryOp op, F&& f) {
  switch (op) {
    LINATTN_TAG_CASE(BinaryOp, Add) LINATTN_TAG_CASE(BinaryOp, Sub) LINATTN_TAG_CASE(BinaryOp, Mul)
    LINATTN_TAG_CASE(BinaryOp, Div) LINATTN_TAG_CASE(BinaryOp, Maximum) LINATTN_TAG_CASE(BinaryOp, Minimum)
    LINATTN_TAG_CASE(BinaryOp, Pow) LINATTN_TAG_CASE(BinaryOp, Eq) LINATTN_TAG_CASE(BinaryOp, Ne)
    LINATTN_TAG_CASE(BinaryOp, Lt) LINATTN_TAG_CASE(BinaryOp, Le) LINATTN_TAG_CASE(BinaryOp, Gt)
    LINATTN_TAG_CASE(BinaryOp, Ge)
  }
  fail(str_cat("internal error: unknown binary op ", static_cast<int>(op)));
}

template <class F>
void visit(UnaryOp op, F&& f) {
  switch (op) {
    LINATTN_TAG_CASE(UnaryOp, Neg) LINATTN_TAG_CASE(UnaryOp, Exp) LINATTN_TAG_CASE(UnaryOp, Log)
    LINATTN_TAG_CASE(UnaryOp, Sqrt) LINATTN_TAG_CASE(UnaryOp, Rsqrt) LINATTN_TAG_CASE(UnaryOp, Abs)
    LINATTN_TAG_CASE(UnaryOp, Sign) LINATTN_TAG_CASE(UnaryOp, Square) LINATTN_TAG_CASE(UnaryOp, Reciprocal)
    LINATTN_TAG_CASE(UnaryOp, Relu) LINATTN_TAG_CASE(UnaryOp, Gelu) LINATTN_TAG_CASE(UnaryOp, Sigmoid)
    LINATTN_TAG_CASE(UnaryOp, Tanh) LINATTN_TAG_CASE(UnaryOp, Sin) LINATTN_TAG_CASE(UnaryOp, Cos)
    LINATTN_TAG_CASE(UnaryOp, AddScalar) LINATTN_TAG_CASE(UnaryOp, MulScalar) LINATTN_TAG_CASE(UnaryOp, Affine)
    LINATTN_TAG_CASE(UnaryOp, RSubScalar) LINATTN_TAG_CASE(UnaryOp, RDivScalar)
    LINATTN_TAG_CASE(UnaryOp, PowScalar) LINATTN_TAG_CASE(UnaryOp, Clamp)
  }
  fail(str_cat("internal error: unknown unary op ", static_cast<int>(op)));
}

#undef LINATTN_TAG_CASE

// ---- binary -------------------------------------------------------------------------------------

template <BinaryOp Op, class T>
__device__ __forceinline__ T binary_value(T x, T y) {
  if constexpr (Op == BinaryOp::Add) return x + y;
  else if constexpr (Op == BinaryOp::Sub) return x - y;
  else if constexpr (Op == BinaryOp::Mul) return x * y;
  else if constexpr (Op == BinaryOp::Div) return x / y;
  else if constexpr (Op == BinaryOp::Maximum) return x >= y ? x : y;
  else if constexpr (Op == BinaryOp::Minimum) return x <= y ? x : y;
  else if constexpr (Op == BinaryOp::Pow) {
    if constexpr (std::is_integral_v<T>)  // as std::pow on integers: through double
      return static_cast<T>(pow(static_cast<double>(x), static_cast<double>(y)));
    else
      return pow(x, y);
  }
  else if constexpr (Op == BinaryOp::Eq) return static_cast<T>(x == y);
  else if constexpr (Op == BinaryOp::Ne) return static_cast<T>(x != y);
  else if constexpr (Op == BinaryOp::Lt) return static_cast<T>(x < y);
  else if constexpr (Op == BinaryOp::Le) return static_cast<T>(x <= y);
  else if constexpr (Op == BinaryOp::Gt) return static_cast<T>(x > y);
  else if constexpr (Op == BinaryOp::Ge) return static_cast<T>(x >= y);
  else static_assert(kUnhandled<Op>, "binary op without a CUDA formula");
}

template <BinaryOp Op, class T>
struct BinaryFn {
  const T* a;
  const T* b;
  T* out;
  template <class Index>
  __device__ void operator()(Index i, const Index (&off)[2]) const {
    out[i] = binary_value<Op>(a[off[0]], b[off[1]]);
  }
};

template <class T>
void binary_typed(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  auto plan = make_broadcast<2>(out.shape(), {&a.shape(), &b.shape()}, binary_op_name(op));
  visit(op, [&](auto tag) {
    BinaryFn<decltype(tag)::value, T> fn{a.data<T>(), b.data<T>(), out.data<T>()};
    launch_broadcast(plan, out.numel(), stream_of(out), fn);
  });
}

// ---- unary --------------------------------------------------------------------------------------

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

template <UnaryOp Op, class T>
__device__ __forceinline__ T unary_value(T v, T a, T b) {
  if constexpr (Op == UnaryOp::Neg) return -v;
  else if constexpr (Op == UnaryOp::Exp) return exp(v);
  else if constexpr (Op == UnaryOp::Log) return log(v);
  else if constexpr (Op == UnaryOp::Sqrt) return sqrt(v);
  else if constexpr (Op == UnaryOp::Rsqrt) return T(1) / sqrt(v);
  else if constexpr (Op == UnaryOp::Abs) return fabs(v);
  else if constexpr (Op == UnaryOp::Sign) return static_cast<T>((v > 0) - (v < 0));
  else if constexpr (Op == UnaryOp::Square) return v * v;
  else if constexpr (Op == UnaryOp::Reciprocal) return T(1) / v;
  else if constexpr (Op == UnaryOp::Relu) return v > 0 ? v : T(0);
  else if constexpr (Op == UnaryOp::Gelu) return static_cast<T>(0.5) * v * (T(1) + erf(v * static_cast<T>(kInvSqrt2)));
  else if constexpr (Op == UnaryOp::Sigmoid) return T(1) / (T(1) + exp(-v));
  else if constexpr (Op == UnaryOp::Tanh) return tanh(v);
  else if constexpr (Op == UnaryOp::Sin) return sin(v);
  else if constexpr (Op == UnaryOp::Cos) return cos(v);
  else if constexpr (Op == UnaryOp::AddScalar) return v + a;
  else if constexpr (Op == UnaryOp::MulScalar) return a * v;
  else if constexpr (Op == UnaryOp::Affine) return a * v + b;
  else if constexpr (Op == UnaryOp::RSubScalar) return a - v;
  else if constexpr (Op == UnaryOp::RDivScalar) return a / v;
  else if constexpr (Op == UnaryOp::PowScalar) return pow(v, a);
  else if constexpr (Op == UnaryOp::Clamp) return v < a ? a : (v > b ? b : v);
  else static_assert(kUnhandled<Op>, "unary op without a CUDA formula");
}

template <UnaryOp Op, class T>
__global__ void unary_kernel(const T* x, T* out, std::int64_t n, T a, T b) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    out[i] = unary_value<Op>(x[i], a, b);
}

// ---- unary backward -----------------------------------------------------------------------------

// Which saved tensor a fused backward reads: x, y = f(x), or none (no fused backward; the op's
// gradient is built from other ops). Must agree with core/ops/elementwise.cpp (save_out).
enum class GradFrom { None, Input, Output };

constexpr GradFrom grad_from(UnaryOp op) {
  switch (op) {
    case UnaryOp::Exp: case UnaryOp::Sqrt: case UnaryOp::Rsqrt: case UnaryOp::Reciprocal:
    case UnaryOp::Sigmoid: case UnaryOp::Tanh:
      return GradFrom::Output;
    case UnaryOp::Log: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Square: case UnaryOp::Relu:
    case UnaryOp::Gelu: case UnaryOp::Sin: case UnaryOp::Cos: case UnaryOp::RDivScalar:
    case UnaryOp::PowScalar: case UnaryOp::Clamp:
      return GradFrom::Input;
    case UnaryOp::Neg: case UnaryOp::AddScalar: case UnaryOp::MulScalar: case UnaryOp::Affine:
    case UnaryOp::RSubScalar:
      return GradFrom::None;
  }
  return GradFrom::None;
}

// f'(x) written in terms of v = x or v = y = f(x), as grad_from(Op) says.
template <UnaryOp Op, class T>
__device__ __forceinline__ T unary_derivative(T v, T a, T b) {
  if constexpr (Op == UnaryOp::Exp) return v;
  else if constexpr (Op == UnaryOp::Log) return T(1) / v;
  else if constexpr (Op == UnaryOp::Sqrt) return static_cast<T>(0.5) / v;
  else if constexpr (Op == UnaryOp::Rsqrt) return static_cast<T>(-0.5) * v * v * v;
  else if constexpr (Op == UnaryOp::Abs) return static_cast<T>((v > 0) - (v < 0));
  else if constexpr (Op == UnaryOp::Sign) return T(0);
  else if constexpr (Op == UnaryOp::Square) return T(2) * v;
  else if constexpr (Op == UnaryOp::Reciprocal) return -v * v;
  else if constexpr (Op == UnaryOp::Relu) return v > 0 ? T(1) : T(0);
  else if constexpr (Op == UnaryOp::Gelu) {
    T cdf = static_cast<T>(0.5) * (T(1) + erf(v * static_cast<T>(kInvSqrt2)));
    T pdf = static_cast<T>(kInvSqrt2Pi) * exp(static_cast<T>(-0.5) * v * v);
    return cdf + v * pdf;
  }
  else if constexpr (Op == UnaryOp::Sigmoid) return v * (T(1) - v);
  else if constexpr (Op == UnaryOp::Tanh) return T(1) - v * v;
  else if constexpr (Op == UnaryOp::Sin) return cos(v);
  else if constexpr (Op == UnaryOp::Cos) return -sin(v);
  else if constexpr (Op == UnaryOp::RDivScalar) return -a / (v * v);
  else if constexpr (Op == UnaryOp::PowScalar) return a * pow(v, a - T(1));
  else if constexpr (Op == UnaryOp::Clamp) return v > a && v < b ? T(1) : T(0);
  else static_assert(kUnhandled<Op>, "unary op without a CUDA derivative");
}

template <UnaryOp Op, class T>
__global__ void unary_backward_kernel(const T* g, const T* src, T* gx, std::int64_t n, T a, T b) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    gx[i] = g[i] * unary_derivative<Op>(src[i], a, b);
}

template <class T>
void unary_typed(UnaryOp op, const Tensor& x, Tensor& out, T a, T b) {
  const std::int64_t n = out.numel();
  if (n == 0) return;
  visit(op, [&](auto tag) {
    unary_kernel<decltype(tag)::value, T><<<grid_for(n), kBlock, 0, stream_of(out)>>>(x.data<T>(), out.data<T>(), n, a, b);
  });
  LINATTN_CUDA_LAUNCH_CHECK();
}

template <class T>
void unary_backward_typed(UnaryOp op, const Tensor& g, const Tensor& x, const Tensor& y, Tensor& gx, T a, T b) {
  const std::int64_t n = gx.numel();
  visit(op, [&](auto tag) {
    constexpr UnaryOp kOp = decltype(tag)::value;
    if constexpr (grad_from(kOp) == GradFrom::None) {
      fail(str_cat("internal error: no fused backward for unary op '", unary_op_name(op), "'"));
    } else {
      if (n == 0) return;
      const Tensor& src = grad_from(kOp) == GradFrom::Output ? y : x;
      unary_backward_kernel<kOp, T><<<grid_for(n), kBlock, 0, stream_of(gx)>>>(g.data<T>(), src.data<T>(),
                                                                              gx.data<T>(), n, a, b);
      LINATTN_CUDA_LAUNCH_CHECK();
    }
  });
}

// ---- where --------------------------------------------------------------------------------------

template <class C, class T>
struct WhereFn {
  const C* cond;
  const T* a;
  const T* b;
  T* out;
  template <class Index>
  __device__ void operator()(Index i, const Index (&off)[3]) const {
    out[i] = cond[off[0]] != C(0) ? a[off[1]] : b[off[2]];
  }
};

template <class C>
void where_typed(const C* cond, const BroadcastPlan<3>& plan, const Tensor& a, const Tensor& b, Tensor& out) {
  LINATTN_ALL_TYPES(out.dtype(), "where", [&] {
    WhereFn<C, scalar_t> fn{cond, a.data<scalar_t>(), b.data<scalar_t>(), out.data<scalar_t>()};
    launch_broadcast(plan, out.numel(), stream_of(out), fn);
  });
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

void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  auto plan = make_broadcast<3>(out.shape(), {&cond.shape(), &a.shape(), &b.shape()}, "where");
  LINATTN_ALL_TYPES(cond.dtype(), "where", [&] { where_typed(cond.data<scalar_t>(), plan, a, b, out); });
}

}  // namespace linattn::cuda
