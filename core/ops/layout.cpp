// core/ops/layout.cpp — layout ops, forward and backward side by side.
#include "core/ops/layout.h"

#include <numeric>

#include "core/autograd.h"
#include "core/kernels/layout.h"
#include "core/kernels/memory.h"
#include "core/ops/reduce.h"

namespace linattn {

namespace {
Tensor empty_shaped(const Shape& shape, const Tensor& like) {
  return Tensor::empty(shape, {.dtype = like.dtype(), .device = like.device()});
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape_in) {
  Shape shape = shape_in;
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      LINATTN_CHECK(infer < 0, "reshape: more than one -1 in ", shape_str(shape_in));
      infer = static_cast<int>(i);
    } else {
      LINATTN_CHECK(shape[i] >= 0, "reshape: negative size in ", shape_str(shape_in));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    LINATTN_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot reshape ", shape_str(x.shape()),
                  " (", x.numel(), " elements) into ", shape_str(shape_in));
    shape[static_cast<std::size_t>(infer)] = x.numel() / known;
  }
  LINATTN_CHECK(numel(shape) == x.numel(), "reshape: cannot reshape ", shape_str(x.shape()), " (",
                x.numel(), " elements) into ", shape_str(shape_in), " (", numel(shape), " elements)");
  Tensor out = Tensor::from_storage(x.storage(), shape, x.dtype());
  record("reshape", out, {x}, {}, [in = x.shape()](const Tensor& g, const Saved&) {
    return Grads{reshape(g, in)};
  });
  return out;
}

Tensor flatten(const Tensor& x, std::int64_t start_axis, std::int64_t end_axis) {
  if (x.dim() == 0) return reshape(x, {1});
  int s = normalize_axis(start_axis, x.shape(), "flatten"), e = normalize_axis(end_axis, x.shape(), "flatten");
  LINATTN_CHECK(s <= e, "flatten: start axis ", start_axis, " is after end axis ", end_axis);
  Shape shape;
  for (int i = 0; i < s; ++i) shape.push_back(x.shape()[static_cast<std::size_t>(i)]);
  std::int64_t merged = 1;
  for (int i = s; i <= e; ++i) merged *= x.shape()[static_cast<std::size_t>(i)];
  shape.push_back(merged);
  for (int i = e + 1; i < x.dim(); ++i) shape.push_back(x.shape()[static_cast<std::size_t>(i)]);
  return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, std::int64_t axis) {
  Shape probe = x.shape();
  probe.push_back(1);
  int a = normalize_axis(axis, probe, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + a, 1);
  return reshape(x, shape);
}

Tensor squeeze(const Tensor& x, std::int64_t axis) {
  int a = normalize_axis(axis, x.shape(), "squeeze");
  LINATTN_CHECK(x.shape()[static_cast<std::size_t>(a)] == 1, "squeeze: axis ", axis, " of shape ",
                shape_str(x.shape()), " has size ", x.shape()[static_cast<std::size_t>(a)], ", not 1");
  Shape shape = x.shape();
  shape.erase(shape.begin() + a);
  return reshape(x, shape);
}

Tensor permute(const Tensor& x, const std::vector<int>& perm_in) {
  LINATTN_CHECK(static_cast<int>(perm_in.size()) == x.dim(), "permute: ", perm_in.size(),
                " axes given for a tensor of shape ", shape_str(x.shape()));
  std::vector<int> perm(perm_in.size());
  std::vector<bool> seen(perm.size(), false);
  Shape shape(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    perm[i] = normalize_axis(perm_in[i], x.shape(), "permute");
    LINATTN_CHECK(!seen[static_cast<std::size_t>(perm[i])], "permute: axis ", perm_in[i], " repeated");
    seen[static_cast<std::size_t>(perm[i])] = true;
    shape[i] = x.shape()[static_cast<std::size_t>(perm[i])];
  }
  Tensor out = empty_shaped(shape, x);
  LINATTN_DISPATCH(x.device(), permute, x, perm, out);
  std::vector<int> inverse(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) inverse[static_cast<std::size_t>(perm[i])] = static_cast<int>(i);
  record("permute", out, {x}, {}, [inverse](const Tensor& g, const Saved&) { return Grads{permute(g, inverse)}; });
  return out;
}

Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1) {
  std::vector<int> perm(static_cast<std::size_t>(x.dim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[static_cast<std::size_t>(normalize_axis(axis0, x.shape(), "transpose"))],
            perm[static_cast<std::size_t>(normalize_axis(axis1, x.shape(), "transpose"))]);
  return permute(x, perm);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  LINATTN_CHECK(broadcast_shapes(x.shape(), shape, "expand") == shape, "expand: cannot expand shape ",
                shape_str(x.shape()), " to ", shape_str(shape));
  Tensor out = empty_shaped(shape, x);
  LINATTN_DISPATCH(x.device(), expand, x, out);
  record("expand", out, {x}, {}, [in = x.shape()](const Tensor& g, const Saved&) { return Grads{sum_to(g, in)}; });
  return out;
}

Tensor narrow(const Tensor& x, std::int64_t axis_in, std::int64_t start, std::int64_t length) {
  int axis = normalize_axis(axis_in, x.shape(), "narrow");
  AxisView v = axis_view(x.shape(), axis);
  if (start < 0) start += v.size;
  LINATTN_CHECK(start >= 0 && length >= 0 && start + length <= v.size, "narrow: [", start, ", ",
                start + length, ") is out of range for axis ", axis_in, " of shape ", shape_str(x.shape()));
  Shape shape = x.shape();
  shape[static_cast<std::size_t>(axis)] = length;
  Tensor out = empty_shaped(shape, x);
  LINATTN_DISPATCH(x.device(), copy_axis_block, x, v.size, start, out, length, 0, v.outer, v.inner, length, false);
  record("narrow", out, {x}, {}, [in = x.shape(), v, start, length](const Tensor& g, const Saved&) {
    Tensor gx = empty_shaped(in, g);
    gx.fill_(0.0);
    LINATTN_DISPATCH(g.device(), copy_axis_block, g, length, 0, gx, v.size, start, v.outer, v.inner, length, false);
    return Grads{gx};
  });
  return out;
}

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end) {
  std::int64_t n = x.size(axis);
  auto clampi = [n](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + n : i, 0, n); };
  std::int64_t s = clampi(start), e = clampi(end);
  return narrow(x, axis, s, std::max<std::int64_t>(e - s, 0));
}

Tensor cat(const std::vector<Tensor>& xs, std::int64_t axis_in) {
  LINATTN_CHECK(!xs.empty(), "cat: no tensors given");
  const Tensor& first = xs[0];
  int axis = normalize_axis(axis_in, first.shape(), "cat");
  Shape shape = first.shape();
  std::int64_t total = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    LINATTN_CHECK(t.dim() == first.dim() && t.dtype() == first.dtype() && t.device() == first.device(),
                  "cat: tensor ", i, " (", shape_str(t.shape()), ", ", dtype_name(t.dtype()), ", ",
                  t.device().str(), ") does not match tensor 0 (", shape_str(first.shape()), ", ",
                  dtype_name(first.dtype()), ", ", first.device().str(), ")");
    for (int d = 0; d < first.dim(); ++d)
      LINATTN_CHECK(d == axis || t.shape()[static_cast<std::size_t>(d)] == shape[static_cast<std::size_t>(d)],
                    "cat: shapes ", shape_str(first.shape()), " and ", shape_str(t.shape()),
                    " differ outside axis ", axis);
    total += t.shape()[static_cast<std::size_t>(axis)];
  }
  shape[static_cast<std::size_t>(axis)] = total;
  Tensor out = empty_shaped(shape, first);
  AxisView ov = axis_view(shape, axis);
  std::vector<std::int64_t> sizes;
  std::int64_t offset = 0;
  for (const Tensor& t : xs) {
    std::int64_t n = t.shape()[static_cast<std::size_t>(axis)];
    LINATTN_DISPATCH(out.device(), copy_axis_block, t, n, 0, out, total, offset, ov.outer, ov.inner, n, false);
    sizes.push_back(n);
    offset += n;
  }
  record("cat", out, xs, {}, [sizes, axis](const Tensor& g, const Saved&) { return split(g, sizes, axis); });
  return out;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis) {
  std::int64_t total = 0;
  for (auto s : sizes) total += s;
  LINATTN_CHECK(total == x.size(axis), "split: sizes add up to ", total, " but axis ", axis, " of shape ",
                shape_str(x.shape()), " has ", x.size(axis));
  std::vector<Tensor> out;
  std::int64_t start = 0;
  for (auto s : sizes) {
    out.push_back(narrow(x, axis, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis) {
  LINATTN_CHECK(chunks > 0, "chunk: need at least one chunk, got ", chunks);
  std::int64_t n = x.size(axis), step = (n + chunks - 1) / chunks;
  std::vector<std::int64_t> sizes;
  for (std::int64_t s = 0; s < n; s += step) sizes.push_back(std::min(step, n - s));
  return split(x, sizes, axis);
}

}  // namespace linattn
