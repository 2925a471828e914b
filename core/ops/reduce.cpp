// core/ops/reduce.cpp — reductions, forward and backward side by side. A multi-axis reduction
// is a chain of one-axis kernel calls (last axis first), each on an (outer, size, inner) view.
#include "core/ops/reduce.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/kernels/reduce.h"
#include "core/ops/elementwise.h"
#include "core/ops/layout.h"

namespace linattn {

namespace {

// Sorted, unique, normalized axes; empty input means all axes.
std::vector<int> resolve_axes(const Axes& axes, const Shape& shape, const char* op) {
  std::vector<int> out;
  if (axes.empty()) {
    for (int i = 0; i < static_cast<int>(shape.size()); ++i) out.push_back(i);
    return out;
  }
  for (auto a : axes) out.push_back(normalize_axis(a, shape, op));
  std::sort(out.begin(), out.end());
  LINATTN_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), op, ": an axis is repeated in the axis list");
  return out;
}

// Shape with the reduced axes kept as 1.
Shape kept_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape s = shape;
  for (int a : axes) s[static_cast<std::size_t>(a)] = 1;
  return s;
}

Shape dropped_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape s;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (std::find(axes.begin(), axes.end(), static_cast<int>(i)) == axes.end()) s.push_back(shape[i]);
  return s;
}

// Reduces each axis in turn (no autograd); the result has the kept (keepdim) shape.
Tensor reduce_raw(ReduceOp op, const Tensor& x, const std::vector<int>& axes) {
  Tensor cur = x;
  if (axes.empty()) return cur;
  for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
    AxisView v = axis_view(cur.shape(), *it);
    Shape next = cur.shape();
    next[static_cast<std::size_t>(*it)] = 1;
    Tensor out = Tensor::empty(next, {.dtype = cur.dtype(), .device = cur.device()});
    LINATTN_DISPATCH(out.device(), reduce, op, cur, v.outer, v.size, v.inner, out);
    cur = out;
  }
  return cur;
}

Tensor finish_shape(const Tensor& kept, const Shape& in_shape, const std::vector<int>& axes, bool keepdim) {
  return keepdim ? kept : reshape(kept, dropped_shape(in_shape, axes));
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes_in, bool keepdim) {
  auto axes = resolve_axes(axes_in, x.shape(), "sum");
  Tensor kept = reduce_raw(ReduceOp::Sum, x, axes);
  if (kept.shares_storage(x)) kept = kept.clone().detach();  // no axis reduced: a copy, not an alias
  Tensor out = finish_shape(kept, x.shape(), axes, keepdim);
  record("sum", out, {x}, {}, [in = x.shape(), kshape = kept_shape(x.shape(), axes)](const Tensor& g, const Saved&) {
    return Grads{expand(reshape(g, kshape), in)};
  });
  return out;
}

Tensor mean(const Tensor& x, const Axes& axes_in, bool keepdim) {
  auto axes = resolve_axes(axes_in, x.shape(), "mean");
  std::int64_t count = 1;
  for (int a : axes) count *= x.shape()[static_cast<std::size_t>(a)];
  LINATTN_CHECK(count > 0, "mean: reducing over an empty axis of shape ", shape_str(x.shape()));
  Tensor kept = reduce_raw(ReduceOp::Mean, x, axes);
  if (kept.shares_storage(x)) kept = kept.clone().detach();
  Tensor out = finish_shape(kept, x.shape(), axes, keepdim);
  record("mean", out, {x}, {}, [in = x.shape(), kshape = kept_shape(x.shape(), axes), count](const Tensor& g, const Saved&) {
    return Grads{expand(reshape(mul(g, 1.0 / static_cast<double>(count)), kshape), in)};
  });
  return out;
}

namespace {
// max/min (torch.amax semantics): the gradient is split evenly among the positions holding the
// extreme value of each reduced slice.
Tensor extreme(ReduceOp op, const Tensor& x, const Axes& axes_in, bool keepdim, const char* name) {
  auto axes = resolve_axes(axes_in, x.shape(), name);
  LINATTN_CHECK(x.numel() > 0, name, ": empty tensor of shape ", shape_str(x.shape()));
  Tensor kept = reduce_raw(op, x, axes);
  if (kept.shares_storage(x)) kept = kept.clone().detach();
  Tensor out = finish_shape(kept, x.shape(), axes, keepdim);
  record(name, out, {x}, {x, kept}, [axes](const Tensor& g, const Saved& s) {
    Axes as(axes.begin(), axes.end());
    Tensor hits = eq(s[0], s[1]);                         // 1 at each extreme (ties included)
    Tensor share = div(reshape(g, s[1].shape()), sum(hits, as, true));
    return Grads{mul(hits, share)};
  });
  return out;
}
}  // namespace

Tensor max(const Tensor& x, const Axes& axes, bool keepdim) { return extreme(ReduceOp::Max, x, axes, keepdim, "max"); }
Tensor min(const Tensor& x, const Axes& axes, bool keepdim) { return extreme(ReduceOp::Min, x, axes, keepdim, "min"); }

Tensor var(const Tensor& x, const Axes& axes_in, bool keepdim, int correction) {
  auto axes = resolve_axes(axes_in, x.shape(), "var");
  std::int64_t count = 1;
  for (int a : axes) count *= x.shape()[static_cast<std::size_t>(a)];
  LINATTN_CHECK(count - correction > 0, "var: ", count, " elements with correction ", correction,
                " leave no degrees of freedom");
  Axes as(axes.begin(), axes.end());
  Tensor centered = sub(x, mean(x, as, true));
  return div(sum(square(centered), as, keepdim), static_cast<double>(count - correction));
}

Tensor argmax(const Tensor& x, std::int64_t axis_in, bool keepdim) {
  int axis = normalize_axis(axis_in, x.shape(), "argmax");
  AxisView v = axis_view(x.shape(), axis);
  LINATTN_CHECK(v.size > 0, "argmax: empty axis ", axis, " in shape ", shape_str(x.shape()));
  Shape kshape = x.shape();
  kshape[static_cast<std::size_t>(axis)] = 1;
  Tensor out = Tensor::empty(kshape, {.dtype = DType::I64, .device = x.device()});
  LINATTN_DISPATCH(x.device(), argmax, x, v.outer, v.size, v.inner, out);
  return keepdim ? out : reshape(out, dropped_shape(x.shape(), {axis}));
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  LINATTN_CHECK(broadcast_shapes(shape, x.shape(), "sum_to") == x.shape(), "sum_to: shape ",
                shape_str(shape), " does not broadcast to ", shape_str(x.shape()));
  std::size_t lead = x.shape().size() - shape.size();
  Axes axes;
  for (std::size_t i = 0; i < x.shape().size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) axes.push_back(static_cast<std::int64_t>(i));
  Tensor s = sum(x, axes, true);
  return reshape(s, shape);
}

}  // namespace linattn
