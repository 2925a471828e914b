// tests/detection/test_hungarian.cpp — linear_sum_assignment: its total against brute-force
// enumeration of every assignment for all shapes up to 7 x 7 (random and integer-tie costs), the
// tie rules (a constant matrix gives the identity), rectangular shapes both ways, errors on
// non-finite entries, and scipy's totals and pairs on large random matrices
// (tests/reference/make_hungarian_goldens.py).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <sstream>

#include "core/ops.h"
#include "detection/hungarian.h"
#include "support/reference.h"

using namespace linattn;
using namespace linattn::detection;

namespace {

// Checks that `a` is a complete assignment of an n x m matrix: min(n, m) pairs, rows strictly
// ascending, every row and column in range and used once, and total_cost the sum of its entries.
void check_valid_assignment(const Assignment& a, const std::vector<double>& cost, std::int64_t n, std::int64_t m) {
  const std::size_t pairs = static_cast<std::size_t>(std::min(n, m));
  REQUIRE(a.rows.size() == pairs);
  REQUIRE(a.cols.size() == pairs);
  std::set<std::int64_t> cols;
  double total = 0;
  for (std::size_t k = 0; k < pairs; ++k) {
    CHECK(a.rows[k] >= 0);
    CHECK(a.rows[k] < n);
    CHECK(a.cols[k] >= 0);
    CHECK(a.cols[k] < m);
    if (k > 0) CHECK(a.rows[k] > a.rows[k - 1]);
    cols.insert(a.cols[k]);
    total += cost[static_cast<std::size_t>(a.rows[k] * m + a.cols[k])];
  }
  CHECK(cols.size() == pairs);
  CHECK(a.total_cost == doctest::Approx(total).epsilon(1e-12));
}

// The minimum total over every injection of the smaller side into the larger one.
double brute_force_minimum(const std::vector<double>& cost, std::int64_t n, std::int64_t m) {
  const bool wide = n <= m;
  const std::int64_t small = wide ? n : m, large = wide ? m : n;
  auto at = [&](std::int64_t s, std::int64_t l) { return wide ? cost[s * m + l] : cost[l * m + s]; };
  std::vector<char> used(static_cast<std::size_t>(large), 0);
  double best = std::numeric_limits<double>::infinity();
  auto visit = [&](auto&& self, std::int64_t s, double partial) -> void {
    if (s == small) {
      best = std::min(best, partial);
      return;
    }
    for (std::int64_t l = 0; l < large; ++l) {
      if (used[l]) continue;
      used[l] = 1;
      self(self, s + 1, partial + at(s, l));
      used[l] = 0;
    }
  };
  visit(visit, 0, 0.0);
  return best;
}

std::vector<double> random_costs(std::int64_t n, std::int64_t m, std::mt19937_64& rng, bool integer_ties) {
  std::vector<double> cost(static_cast<std::size_t>(n * m));
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::uniform_int_distribution<int> small_int(0, 2);  // three values: many equal-cost optima
  for (double& c : cost) c = integer_ties ? small_int(rng) : uniform(rng);
  return cost;
}

}  // namespace

TEST_CASE("hungarian: the total equals the brute-force minimum for every shape up to 7 x 7") {
  std::mt19937_64 rng(12);
  int solved = 0;
  for (std::int64_t n = 1; n <= 7; ++n)
    for (std::int64_t m = 1; m <= 7; ++m)
      for (int trial = 0; trial < 6; ++trial) {
        const bool ties = trial % 2 == 1;
        const std::vector<double> cost = random_costs(n, m, rng, ties);
        INFO("shape ", n, " x ", m, ", trial ", trial, ties ? " (integer ties)" : " (random)");
        const Assignment a = linear_sum_assignment(cost, n, m);
        check_valid_assignment(a, cost, n, m);
        CHECK(a.total_cost == doctest::Approx(brute_force_minimum(cost, n, m)).epsilon(1e-12));
        ++solved;
      }
  CHECK(solved == 7 * 7 * 6);
}

TEST_CASE("hungarian: long rectangular shapes 1 x n, n x 1, 3 x 12 and 12 x 3 against brute force") {
  std::mt19937_64 rng(5);
  const std::pair<std::int64_t, std::int64_t> shapes[] = {{1, 9}, {9, 1}, {1, 1}, {3, 12}, {12, 3}, {2, 11}, {11, 2}};
  for (auto [n, m] : shapes)
    for (bool ties : {false, true}) {
      const std::vector<double> cost = random_costs(n, m, rng, ties);
      INFO("shape ", n, " x ", m, ties ? " (integer ties)" : " (random)");
      const Assignment a = linear_sum_assignment(cost, n, m);
      check_valid_assignment(a, cost, n, m);
      CHECK(a.total_cost == doctest::Approx(brute_force_minimum(cost, n, m)).epsilon(1e-12));
    }
}

TEST_CASE("hungarian: hand-made cases with one obvious optimum") {
  SUBCASE("square: the anti-diagonal is cheapest") {
    const std::vector<double> cost = {5, 9, 1,  //
                                      8, 2, 7,  //
                                      0, 6, 4};
    const Assignment a = linear_sum_assignment(cost, 3, 3);
    CHECK(a.rows == std::vector<std::int64_t>{0, 1, 2});
    CHECK(a.cols == std::vector<std::int64_t>{2, 1, 0});
    CHECK(a.total_cost == 3.0);
  }
  SUBCASE("tall 4 x 2 (as DETR's queries x targets): rows 1 and 3 win, listed by row") {
    const std::vector<double> cost = {5, 5,  //
                                      9, 0,  //
                                      4, 4,  //
                                      0, 9};
    const Assignment a = linear_sum_assignment(cost, 4, 2);
    CHECK(a.rows == std::vector<std::int64_t>{1, 3});
    CHECK(a.cols == std::vector<std::int64_t>{1, 0});
    CHECK(a.total_cost == 0.0);
  }
  SUBCASE("wide 2 x 4: the greedy choice for row 0 is wrong") {
    // Row 0 alone would take column 0 (cost 1), but row 1 needs column 0 far more (1 vs 10).
    const std::vector<double> cost = {1, 2, 9, 9,  //
                                      1, 10, 10, 10};
    const Assignment a = linear_sum_assignment(cost, 2, 4);
    CHECK(a.rows == std::vector<std::int64_t>{0, 1});
    CHECK(a.cols == std::vector<std::int64_t>{1, 0});
    CHECK(a.total_cost == 3.0);
  }
}

TEST_CASE("hungarian: ties follow scipy's rules (a constant matrix gives the identity)") {
  for (std::int64_t n = 1; n <= 6; ++n) {
    const std::vector<double> constant(static_cast<std::size_t>(n * n), 0.25);
    const Assignment a = linear_sum_assignment(constant, n, n);
    std::vector<std::int64_t> identity(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) identity[static_cast<std::size_t>(i)] = i;
    CHECK(a.rows == identity);
    CHECK(a.cols == identity);
    CHECK(a.total_cost == doctest::Approx(0.25 * static_cast<double>(n)));
  }
  // Rectangular constants: scipy 1.10.1 gives rows [0, 1, 2], cols [0, 1, 2] for both 3 x 5 and
  // 5 x 3 (checked with scipy.optimize.linear_sum_assignment(np.zeros((3, 5))) and its transpose).
  const std::vector<double> zeros15(15, 0.0);
  for (auto [n, m] : {std::pair<std::int64_t, std::int64_t>{3, 5}, {5, 3}}) {
    const Assignment a = linear_sum_assignment(zeros15, n, m);
    CHECK(a.rows == std::vector<std::int64_t>{0, 1, 2});
    CHECK(a.cols == std::vector<std::int64_t>{0, 1, 2});
  }
  // Repeated calls give the same pairs (determinism), here on a matrix full of ties.
  std::mt19937_64 rng(3);
  const std::vector<double> cost = random_costs(6, 6, rng, true);
  const Assignment first = linear_sum_assignment(cost, 6, 6);
  for (int i = 0; i < 3; ++i) {
    const Assignment again = linear_sum_assignment(cost, 6, 6);
    CHECK(again.cols == first.cols);
  }
}

TEST_CASE("hungarian: an empty side gives no pairs") {
  for (auto [n, m] : {std::pair<std::int64_t, std::int64_t>{0, 5}, {5, 0}, {0, 0}}) {
    const std::vector<double> none;
    const Assignment a = linear_sum_assignment(none, n, m);
    CHECK(a.rows.empty());
    CHECK(a.cols.empty());
    CHECK(a.total_cost == 0.0);
  }
}

TEST_CASE("hungarian: NaN and infinite costs are errors naming the entry") {
  std::vector<double> cost = {1, 2, 3, 4, 5, 6};
  cost[5] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(linear_sum_assignment(cost, 2, 3), doctest::Contains("cost(1, 2) = nan"), Error);
  cost[5] = 6;
  cost[1] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(linear_sum_assignment(cost, 2, 3), doctest::Contains("cost(0, 1) = inf"), Error);
  cost[1] = -std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(linear_sum_assignment(cost, 3, 2), doctest::Contains("cost(0, 1) = -inf"), Error);
  CHECK_THROWS_WITH_AS(linear_sum_assignment(cost, 2, 2), doctest::Contains("has 6 entries but the shape 2 x 2"),
                       Error);
}

TEST_CASE("hungarian: scipy's totals and pairs on random and tied matrices up to 300 x 100 (golden)") {
  const auto golden = testing::load_golden_or_skip("hungarian.safetensors");
  std::vector<std::string> cases;
  std::stringstream list(golden.metadata.at("cases"));
  for (std::string name; std::getline(list, name, ',');) cases.push_back(name);
  CHECK(cases.size() == 8);
  for (const std::string& name : cases) {
    INFO("case ", name, " (scipy ", golden.metadata.at("scipy"), ")");
    const Tensor& cost_t = golden.at(name + ".cost");
    const std::int64_t n = cost_t.size(0), m = cost_t.size(1);
    const std::vector<double> cost = cost_t.to_vector<double>();
    const Assignment a = linear_sum_assignment(cost, n, m);
    check_valid_assignment(a, cost, n, m);
    const double scipy_total = golden.at(name + ".total").item();
    CHECK(std::abs(a.total_cost - scipy_total) <= 1e-9 * std::abs(scipy_total));
    // Continuous random costs have a unique optimum, so the pairs must agree too; the integer-cost
    // cases have many optima, and the pairs agree because the same tie rules pick the same one.
    CHECK(a.rows == golden.at(name + ".rows").to_vector<std::int64_t>());
    CHECK(a.cols == golden.at(name + ".cols").to_vector<std::int64_t>());
  }
}
