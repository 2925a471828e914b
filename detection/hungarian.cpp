// detection/hungarian.cpp — linear_sum_assignment by shortest augmenting paths (Crouse 2016: the
// Jonker–Volgenant scheme without its initialization phase).
//
// Rows are the smaller side (a tall matrix is solved transposed). Rows are added one at a time;
// for each, a Dijkstra search over the reduced costs c(i, j) − u(i) − v(j) ≥ 0 grows shortest
// paths from the new row through already-assigned columns until it reaches an unassigned column
// (the sink); the dual variables u, v are then updated so reduced costs stay non-negative and the
// path is flipped, which assigns one more row. Tie rules, chosen so that equal inputs give equal
// outputs and a constant matrix gives the identity (as scipy does): the search scans the columns
// still to visit starting from the last, a visited column takes the slot of the last one, and on
// equal path length an unassigned column (an immediate sink) wins.
#include "detection/hungarian.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace linattn::detection {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Solves a rows × cols problem with rows ≤ cols; returns the column of every row.
std::vector<std::int64_t> solve_wide(const std::vector<double>& cost, std::int64_t rows, std::int64_t cols) {
  std::vector<double> u(rows, 0.0), v(cols, 0.0);                       // dual variables
  std::vector<std::int64_t> col_of_row(rows, -1), row_of_col(cols, -1);  // the assignment so far
  std::vector<double> path_cost(cols);          // shortest path length found to column j
  std::vector<std::int64_t> came_from(cols);    // the row before column j on that path
  std::vector<std::int64_t> to_visit(cols);     // columns not yet settled, in slots [0, n_to_visit)
  std::vector<char> row_seen(rows), col_seen(cols);

  for (std::int64_t new_row = 0; new_row < rows; ++new_row) {
    std::fill(path_cost.begin(), path_cost.end(), kInf);
    std::fill(came_from.begin(), came_from.end(), -1);
    std::fill(row_seen.begin(), row_seen.end(), 0);
    std::fill(col_seen.begin(), col_seen.end(), 0);
    for (std::int64_t k = 0; k < cols; ++k) to_visit[k] = cols - 1 - k;
    std::int64_t n_to_visit = cols;

    // Dijkstra from new_row: `reached` is the length of the last settled column's path.
    double reached = 0.0;
    std::int64_t row = new_row, sink = -1;
    while (sink < 0) {
      row_seen[row] = 1;
      const double* cost_row = &cost[row * cols];
      std::int64_t best_slot = -1;
      double best = kInf;
      for (std::int64_t slot = 0; slot < n_to_visit; ++slot) {
        const std::int64_t j = to_visit[slot];
        const double through_row = reached + cost_row[j] - u[row] - v[j];
        if (through_row < path_cost[j]) {
          path_cost[j] = through_row;
          came_from[j] = row;
        }
        if (path_cost[j] < best || (path_cost[j] == best && row_of_col[j] < 0)) {
          best = path_cost[j];
          best_slot = slot;
        }
      }
      // Finite costs always leave a finite path to some column (every row reaches every column).
      LINATTN_CHECK(best_slot >= 0 && best < kInf, "linear_sum_assignment: no augmenting path from row ", new_row,
                    " (internal error: all costs are finite)");
      reached = best;
      const std::int64_t j = to_visit[best_slot];
      col_seen[j] = 1;
      to_visit[best_slot] = to_visit[--n_to_visit];
      if (row_of_col[j] < 0) sink = j;
      else row = row_of_col[j];
    }

    // Dual update: keeps c − u − v ≥ 0 everywhere and = 0 on the assigned pairs and the path.
    u[new_row] += reached;
    for (std::int64_t i = 0; i < rows; ++i)
      if (row_seen[i] && i != new_row) u[i] += reached - path_cost[col_of_row[i]];
    for (std::int64_t j = 0; j < cols; ++j)
      if (col_seen[j]) v[j] -= reached - path_cost[j];

    // Flip the path: walking back from the sink, each column takes the row it was reached from.
    for (std::int64_t j = sink;;) {
      const std::int64_t i = came_from[j];
      row_of_col[j] = i;
      std::swap(col_of_row[i], j);
      if (i == new_row) break;
    }
  }
  return col_of_row;
}

}  // namespace

Assignment linear_sum_assignment(std::span<const double> cost, std::int64_t n_rows, std::int64_t n_cols) {
  LINATTN_CHECK(n_rows >= 0 && n_cols >= 0, "linear_sum_assignment: negative shape ", n_rows, " x ", n_cols);
  LINATTN_CHECK(static_cast<std::int64_t>(cost.size()) == n_rows * n_cols, "linear_sum_assignment: the cost has ",
                cost.size(), " entries but the shape ", n_rows, " x ", n_cols, " needs ", n_rows * n_cols);
  for (std::int64_t r = 0; r < n_rows; ++r)
    for (std::int64_t c = 0; c < n_cols; ++c) {
      const double x = cost[r * n_cols + c];
      LINATTN_CHECK(std::isfinite(x), "linear_sum_assignment: cost(", r, ", ", c, ") = ", x,
                    " is not finite (every entry must be a finite number)");
    }
  Assignment out;
  if (n_rows == 0 || n_cols == 0) return out;

  const bool transposed = n_rows > n_cols;
  std::vector<double> wide(cost.begin(), cost.end());
  if (transposed)
    for (std::int64_t r = 0; r < n_rows; ++r)
      for (std::int64_t c = 0; c < n_cols; ++c)
        wide[c * n_rows + r] = cost[r * n_cols + c];
  const std::int64_t rows = transposed ? n_cols : n_rows, cols = transposed ? n_rows : n_cols;
  const std::vector<std::int64_t> match = solve_wide(wide, rows, cols);

  const std::size_t n_pairs = static_cast<std::size_t>(rows);
  out.rows.resize(n_pairs);
  out.cols.resize(n_pairs);
  if (!transposed) {
    std::iota(out.rows.begin(), out.rows.end(), std::int64_t{0});
    out.cols = match;
  } else {
    // match[c] is the original row of original column c; list the pairs by original row.
    std::vector<std::int64_t> order(n_pairs);
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::sort(order.begin(), order.end(), [&](std::int64_t x, std::int64_t y) {
      return match[x] < match[y];
    });
    for (std::size_t k = 0; k < n_pairs; ++k) {
      out.rows[k] = match[order[k]];
      out.cols[k] = order[k];
    }
  }
  for (std::size_t k = 0; k < n_pairs; ++k)
    out.total_cost += cost[out.rows[k] * n_cols + out.cols[k]];
  return out;
}

}  // namespace linattn::detection
