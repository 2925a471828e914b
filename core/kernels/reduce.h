// core/kernels/reduce.h — reductions along one axis of a contiguous tensor, viewed as
// (outer, size, inner) (core/shape.h: axis_view). Multi-axis reductions are composed by ops.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {
enum class ReduceOp : std::uint8_t { Sum, Mean, Max, Min };
}

LINATTN_DECLARE_KERNELS(
  // out (outer, inner) = reduce over the middle axis of x (outer, size, inner).
  void reduce(ReduceOp op, const Tensor& x, std::int64_t outer, std::int64_t size,
              std::int64_t inner, Tensor& out);
  // index (outer, inner), int64: position of the max (first on ties) along the middle axis.
  void argmax(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner,
              Tensor& index);
)
