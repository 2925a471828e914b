// detection/hungarian.h — the linear sum assignment problem (minimum-cost bipartite matching),
// solved by shortest augmenting paths (Crouse 2016, "On implementing 2D rectangular assignment
// algorithms", the modified Jonker–Volgenant algorithm with no initialization): O(n²·m) for an
// n × m matrix with n ≤ m, in double precision.
//
// Semantics follow scipy.optimize.linear_sum_assignment: a rectangular matrix assigns every
// row (or every column, whichever side is smaller) exactly once; the pairs come out sorted by
// row index; an empty side gives no pairs. Ties are broken deterministically (the same input
// always gives the same pairs; a constant matrix gives the identity assignment).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace linattn::detection {

struct Assignment {
  std::vector<std::int64_t> rows, cols;  // min(n_rows, n_cols) pairs, rows ascending
  double total_cost = 0;                 // Σ cost(rows[i], cols[i])
};

// cost: n_rows × n_cols, row-major (cost[r * n_cols + c]). Every entry must be finite: NaN or
// ±inf is an error naming the entry's row, column and value.
Assignment linear_sum_assignment(std::span<const double> cost, std::int64_t n_rows, std::int64_t n_cols);

}  // namespace linattn::detection
