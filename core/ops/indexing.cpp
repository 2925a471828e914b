// core/ops/indexing.cpp — index_select, gather and scatter_add, forward and backward side by
// side: index_select's backward is an index_add, gather's a scatter_add, scatter_add's a gather.
#include "core/ops/indexing.h"

#include "core/autograd.h"
#include "core/kernels/indexing.h"
#include "core/kernels/memory.h"

namespace linattn {

namespace {

Tensor zeros_shaped(const Shape& shape, const Tensor& like) {
  Tensor t = Tensor::empty(shape, {.dtype = like.dtype(), .device = like.device()});
  LINATTN_DISPATCH(t.device(), fill, t, 0.0);
  return t;
}

void check_index(const Tensor& x, const Tensor& index, const char* op) {
  LINATTN_CHECK(index.dtype() == DType::I64, op, ": index must be int64, got ", dtype_name(index.dtype()),
                " of shape ", shape_str(index.shape()));
  LINATTN_CHECK(index.device() == x.device(), op, ": input on ", x.device().str(), " but index on ",
                index.device().str());
}

// gather / scatter_add: index has x's rank and fits inside x off the axis.
int check_gather_shapes(const Tensor& x, std::int64_t axis_in, const Tensor& index, const char* op) {
  check_index(x, index, op);
  int axis = normalize_axis(axis_in, x.shape(), op);
  LINATTN_CHECK(index.dim() == x.dim(), op, ": index of shape ", shape_str(index.shape()),
                " must have the same number of axes as the input of shape ", shape_str(x.shape()));
  for (int d = 0; d < x.dim(); ++d)
    LINATTN_CHECK(d == axis || index.size(d) <= x.size(d), op, ": index of shape ", shape_str(index.shape()),
                  " is larger than the input of shape ", shape_str(x.shape()), " at axis ", d,
                  " (only axis ", axis, " may differ freely)");
  return axis;
}

}  // namespace

Tensor index_select(const Tensor& x, std::int64_t axis_in, const Tensor& index) {
  check_index(x, index, "index_select");
  LINATTN_CHECK(index.dim() == 1, "index_select: index must be 1-D, got shape ", shape_str(index.shape()));
  int axis = normalize_axis(axis_in, x.shape(), "index_select");
  AxisView v = axis_view(x.shape(), axis);
  {  // validate on the host (a 1-D index is small)
    Tensor host = index.is_cuda() ? index.cpu() : index;
    const std::int64_t* p = host.data<std::int64_t>();
    for (std::int64_t j = 0; j < host.numel(); ++j)
      LINATTN_CHECK(p[j] >= 0 && p[j] < v.size, "index_select: index ", p[j], " (at position ", j,
                    ") is out of range for axis ", axis, " of size ", v.size, " in shape ", shape_str(x.shape()),
                    " (valid: 0..", v.size - 1, ")");
  }
  const std::int64_t L = index.numel();
  Shape shape = x.shape();
  shape[static_cast<std::size_t>(axis)] = L;
  Tensor out = Tensor::empty(shape, {.dtype = x.dtype(), .device = x.device()});
  LINATTN_DISPATCH(x.device(), index_select, x, index, v.outer, v.size, v.inner, out);
  record("index_select", out, {x}, {index}, [v, in = x.shape()](const Tensor& g, const Saved& s) {
    Tensor gx = zeros_shaped(in, g);
    LINATTN_DISPATCH(g.device(), index_add, g, s[0], v.outer, v.size, v.inner, gx);
    return Grads{gx};
  });
  return out;
}

Tensor gather(const Tensor& x, std::int64_t axis_in, const Tensor& index) {
  int axis = check_gather_shapes(x, axis_in, index, "gather");
  Tensor out = Tensor::empty(index.shape(), {.dtype = x.dtype(), .device = x.device()});
  LINATTN_DISPATCH(x.device(), gather, x, axis, index, out);
  record("gather", out, {x}, {index}, [axis, in = x.shape()](const Tensor& g, const Saved& s) {
    Tensor gx = zeros_shaped(in, g);
    LINATTN_DISPATCH(g.device(), scatter_add, g, axis, s[0], gx);
    return Grads{gx};
  });
  return out;
}

Tensor scatter_add(const Tensor& x, std::int64_t axis_in, const Tensor& index, const Tensor& src) {
  int axis = check_gather_shapes(x, axis_in, index, "scatter_add");
  LINATTN_CHECK(src.shape() == index.shape(), "scatter_add: src of shape ", shape_str(src.shape()),
                " must have the index's shape ", shape_str(index.shape()));
  LINATTN_CHECK(src.dtype() == x.dtype() && src.device() == x.device(), "scatter_add: src is ",
                dtype_name(src.dtype()), " on ", src.device().str(), " but the input is ", dtype_name(x.dtype()),
                " on ", x.device().str());
  Tensor out = Tensor::empty(x.shape(), {.dtype = x.dtype(), .device = x.device()});
  LINATTN_DISPATCH(x.device(), copy, x, out);
  LINATTN_DISPATCH(x.device(), scatter_add, src, axis, index, out);
  const bool g_src = src.requires_grad();
  record("scatter_add", out, {x, src}, {g_src ? index : Tensor()}, [axis, g_src](const Tensor& g, const Saved& s) {
    Grads grads{g, Tensor()};  // ∂/∂x = g; ∂/∂src = g read back at the scattered positions
    if (g_src) {
      grads[1] = Tensor::empty(s[0].shape(), {.dtype = g.dtype(), .device = g.device()});
      LINATTN_DISPATCH(g.device(), gather, g, axis, s[0], grads[1]);
    }
    return grads;
  });
  return out;
}

}  // namespace linattn
