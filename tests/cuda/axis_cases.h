// tests/cuda/axis_cases.h — shapes and axes that hit each launch path of core/cuda/axis_team.cuh
// (warp per row, block per row, column tiles, empty extents), shared by the parity tests of the
// kernels built on it (tests/cuda/test_nn.cpp, test_normalize.cpp).
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"

namespace linattn::testing {

struct AxisCase {
  Shape shape;
  std::int64_t axis;
  const char* path;
};

inline const std::vector<AxisCase> kAxisCases = {
    {{37, 45}, -1, "rows, one warp per row"},
    {{3, 1024}, -1, "rows of exactly 1024, one warp"},
    {{3, 1025}, -1, "rows of 1025, one block"},
    {{2, 40000}, -1, "long rows, one block"},
    {{10, 1}, -1, "rows of one element"},
    {{6, 50, 7}, 1, "columns, narrow tile (inner 7)"},
    {{4, 300, 100}, 1, "columns, 32-wide tiles, partial last tile"},
    {{2, 3000, 3}, 1, "long columns"},
    {{3000, 5}, 0, "leading axis"},
    {{0, 5}, -1, "no rows"},
    {{3, 0}, -1, "empty rows"},
    {{2, 0, 3}, 1, "empty columns"},
};

}  // namespace linattn::testing
