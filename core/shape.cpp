// core/shape.cpp — see shape.h.
#include "core/shape.h"

#include <algorithm>

#include "core/error.h"

namespace linattn {

std::int64_t numel(const Shape& shape) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::string shape_str(const Shape& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t s = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

int normalize_axis(std::int64_t axis, const Shape& shape, const char* op) {
  auto ndim = static_cast<std::int64_t>(shape.size());
  LINATTN_CHECK(axis >= -ndim && axis < ndim, op, ": axis ", axis, " is out of range for shape ",
                shape_str(shape), " (valid: ", -ndim, "..", ndim - 1, ")");
  return static_cast<int>(axis < 0 ? axis + ndim : axis);
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    LINATTN_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ",
                  shape_str(b), " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

AxisView axis_view(const Shape& shape, int axis) {
  AxisView v{1, shape[static_cast<std::size_t>(axis)], 1};
  for (int i = 0; i < axis; ++i) v.outer *= shape[static_cast<std::size_t>(i)];
  for (std::size_t i = static_cast<std::size_t>(axis) + 1; i < shape.size(); ++i) v.inner *= shape[i];
  return v;
}

}  // namespace linattn
