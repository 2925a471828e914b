// core/shape.h — shapes and the small pieces of index arithmetic every op needs: element
// counts, row-major strides, axis normalization, broadcasting. Shapes print as "(2, 3, 4)".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace linattn {

using Shape = std::vector<std::int64_t>;

std::int64_t numel(const Shape& shape);
std::string shape_str(const Shape& shape);
Shape contiguous_strides(const Shape& shape);  // row-major, in elements

// Maps a possibly negative axis into [0, ndim); error names the op, the axis and the shape.
int normalize_axis(std::int64_t axis, const Shape& shape, const char* op);

// NumPy broadcasting of two shapes; error names both shapes and the op.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Splits `shape` around `axis` into (outer, size, inner): the view used by every
// "along one axis" kernel (softmax, reductions, cat, gather...).
struct AxisView {
  std::int64_t outer, size, inner;
};
AxisView axis_view(const Shape& shape, int axis);

}  // namespace linattn
