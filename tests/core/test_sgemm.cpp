// tests/core/test_sgemm.cpp — linattn's float32 GEMM (core/cpu/sgemm.h), every kernel this CPU
// runs (AVX-512, AVX2, and OpenBLAS as a control), against a float64 reference of the same
// float inputs: all four transposes; sizes around the microkernel tile (12×32, 6×16) and the
// packing blocks (MC 192, NC 512, KC 256); leading dimensions wider than the matrices, whose
// padding holds NaN so a read outside the matrix shows; alpha and beta, beta = 0 over a NaN C;
// each way of splitting the work over threads, with results independent of the thread count;
// calls from inside an OpenMP region.
// Tolerance: |C − ref| ≤ 1e-5 · Σ_k |αA_ik B_kj| + |βC_ij| (the float32 standard, relative).
#include <doctest/doctest.h>
#include <omp.h>

#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/cpu/sgemm.h"
#include "core/error.h"
#include "core/parallel.h"

using namespace linattn;
using namespace linattn::cpu;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<SgemmKernel> kernels_here() {
  std::vector<SgemmKernel> out;
  for (auto k : {SgemmKernel::openblas, SgemmKernel::avx2, SgemmKernel::avx512})
    if (sgemm_kernel_supported(k)) out.push_back(k);
  return out;
}

// A rows × cols matrix with leading dimension ld ≥ cols; the padding columns hold NaN.
struct Matrix {
  std::int64_t rows, cols, ld;
  std::vector<float> data;
  Matrix(std::int64_t r, std::int64_t c, std::int64_t pad, std::mt19937& gen) : rows(r), cols(c), ld(c + pad) {
    data.assign(static_cast<std::size_t>(std::max<std::int64_t>(r * ld, 1)), kNaN);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (std::int64_t i = 0; i < r; ++i)
      for (std::int64_t j = 0; j < c; ++j) data[i * ld + j] = u(gen);
  }
  float at(std::int64_t i, std::int64_t j) const { return data[i * ld + j]; }
};

struct Case {
  bool ta, tb;
  std::int64_t m, n, k;
  float alpha = 1.0f, beta = 0.0f;
};

// Runs the case with `kernel` and checks every element of C against float64, and that C's
// padding is untouched.
void check_case(const Case& c, SgemmKernel kernel, std::uint32_t seed) {
  INFO("kernel ", sgemm_kernel_name(kernel), " ta ", c.ta, " tb ", c.tb, " m ", c.m, " n ", c.n, " k ", c.k,
       " alpha ", c.alpha, " beta ", c.beta);
  std::mt19937 gen(seed);
  Matrix a(c.ta ? c.k : c.m, c.ta ? c.m : c.k, 3, gen), b(c.tb ? c.n : c.k, c.tb ? c.k : c.n, 5, gen);
  Matrix out(c.m, c.n, 2, gen);
  if (c.beta == 0.0f)
    for (std::int64_t i = 0; i < c.m; ++i)
      for (std::int64_t j = 0; j < c.n; ++j) out.data[i * out.ld + j] = kNaN;  // must be ignored
  const Matrix before = out;
  auto op_a = [&](std::int64_t i, std::int64_t p) { return c.ta ? a.at(p, i) : a.at(i, p); };
  auto op_b = [&](std::int64_t p, std::int64_t j) { return c.tb ? b.at(j, p) : b.at(p, j); };

  sgemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a.data.data(), a.ld, b.data.data(), b.ld, c.beta, out.data.data(),
        out.ld, kernel);

  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < c.m; ++i) {
    for (std::int64_t j = 0; j < c.n; ++j) {
      double ref = 0, scale = 0;
      for (std::int64_t p = 0; p < c.k; ++p) {
        const double term = static_cast<double>(c.alpha) * op_a(i, p) * op_b(p, j);
        ref += term;
        scale += std::fabs(term);
      }
      if (c.beta != 0.0f) {
        ref += static_cast<double>(c.beta) * before.at(i, j);
        scale += std::fabs(static_cast<double>(c.beta) * before.at(i, j));
      }
      const double got = out.at(i, j);
      if (!(std::fabs(got - ref) <= 1e-5 * scale + 1e-30) && bad++ < 3)
        FAIL_CHECK("C[", i, "][", j, "] = ", got, ", expected ", ref);
    }
    for (std::int64_t j = c.n; j < out.ld; ++j)
      if (!std::isnan(out.at(i, j)) && bad++ < 3) FAIL_CHECK("padding C[", i, "][", j, "] was written");
  }
  CHECK(bad == 0);
}

// Restores the thread count a test changed.
struct ThreadsScope {
  int saved = num_threads();
  explicit ThreadsScope(int n) { set_num_threads(n); }
  ~ThreadsScope() { set_num_threads(saved); }
};

}  // namespace

TEST_CASE("sgemm: every transpose, sizes around the tiles and blocks, padded strides, every kernel") {
  ThreadsScope one(1);
  std::uint32_t seed = 1;
  for (SgemmKernel kernel : kernels_here())
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (auto [m, n, k] : {std::array<std::int64_t, 3>{1, 1, 1}, {5, 17, 7}, {12, 32, 256}, {13, 33, 257},
                               {6, 16, 3}, {200, 45, 300}, {37, 530, 20}, {1, 70, 64}, {70, 1, 64}})
          check_case({ta, tb, m, n, k}, kernel, seed++);
}

TEST_CASE("sgemm: alpha and beta, beta = 0 over a NaN C, alpha = 0 and an empty inner dimension") {
  ThreadsScope one(1);
  std::uint32_t seed = 100;
  for (SgemmKernel kernel : kernels_here()) {
    check_case({false, true, 30, 40, 50, 2.0f, 0.5f}, kernel, seed++);
    check_case({true, false, 30, 40, 300, -1.0f, 1.0f}, kernel, seed++);
    check_case({false, false, 14, 33, 9, 1.0f, 0.0f}, kernel, seed++);
    check_case({false, false, 14, 33, 9, 0.0f, 0.25f}, kernel, seed++);  // C = beta·C, A and B unread
    check_case({false, false, 14, 33, 0, 1.0f, 3.0f}, kernel, seed++);   // k = 0: C = beta·C
    check_case({false, false, 14, 33, 0, 1.0f, 0.0f}, kernel, seed++);   // k = 0, beta = 0: zeros over NaN
  }
  // Nothing to compute: C untouched.
  float c = 7.0f;
  sgemm(false, false, 0, 1, 4, 1.0f, nullptr, 4, nullptr, 1, 0.0f, &c, 1);
  sgemm(false, false, 1, 0, 4, 1.0f, nullptr, 4, nullptr, 1, 0.0f, &c, 1);
  CHECK(c == 7.0f);
}

TEST_CASE("sgemm: rows, columns and the inner dimension split over threads") {
  ThreadsScope two(2);
  std::uint32_t seed = 200;
  for (SgemmKernel kernel : kernels_here()) {
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        check_case({ta, tb, 1000, 64, 96, 1.0f, 0.0f}, kernel, seed++);   // rows
        check_case({ta, tb, 20, 700, 96, 1.0f, 0.5f}, kernel, seed++);    // columns
        check_case({ta, tb, 24, 40, 9000, 1.0f, 0.0f}, kernel, seed++);   // inner dimension (3 slices)
        check_case({ta, tb, 24, 40, 9000, 1.5f, -1.0f}, kernel, seed++);  // inner dimension, beta ≠ 0
      }
  }
}

TEST_CASE("sgemm: results do not depend on the thread count, bit for bit") {
  for (SgemmKernel kernel : kernels_here()) {
    if (kernel == SgemmKernel::openblas) continue;
    for (auto [ta, m, n, k] : {std::array<std::int64_t, 4>{0, 1000, 64, 96}, {1, 20, 700, 96}, {1, 128, 128, 20000},
                               {0, 24, 40, 9000}}) {
      INFO(sgemm_kernel_name(kernel), " ta ", ta, " m ", m, " n ", n, " k ", k);
      std::mt19937 gen(static_cast<std::uint32_t>(m + n + k));
      Matrix a(ta ? k : m, ta ? m : k, 0, gen), b(k, n, 0, gen), c0(m, n, 0, gen);
      std::vector<std::vector<float>> results;
      for (int threads : {1, 2, 3}) {
        ThreadsScope scope(threads);
        std::vector<float> c = c0.data;
        sgemm(ta != 0, false, m, n, k, 1.0f, a.data.data(), a.ld, b.data.data(), n, 0.5f, c.data(), n, kernel);
        results.push_back(std::move(c));
      }
      CHECK(results[0] == results[1]);
      CHECK(results[0] == results[2]);
    }
  }
}

TEST_CASE("sgemm: called from inside an OpenMP region, each thread its own product") {
  ThreadsScope two(2);
  for (SgemmKernel kernel : kernels_here()) {
    if (kernel == SgemmKernel::openblas) continue;  // OpenBLAS must not run inside a region
    const std::int64_t m = 300, n = 70, k = 200;
    std::mt19937 gen(7);
    Matrix a(m, k, 0, gen), b(k, n, 0, gen);
    std::vector<float> serial(m * n), inside(4 * m * n);
    sgemm(false, false, m, n, k, 1.0f, a.data.data(), k, b.data.data(), n, 0.0f, serial.data(), n, kernel);
#pragma omp parallel for num_threads(2)
    for (int r = 0; r < 4; ++r)
      sgemm(false, false, m, n, k, 1.0f, a.data.data(), k, b.data.data(), n, 0.0f, inside.data() + r * m * n, n,
            kernel);
    for (int r = 0; r < 4; ++r)
      for (std::int64_t i = 0; i < m * n; ++i) REQUIRE(inside[r * m * n + i] == serial[i]);  // same blocking: bit-equal
  }
}

TEST_CASE("sgemm: kernel names, and a clear error for an unknown or unsupported one") {
  CHECK(sgemm_kernel_from_name("openblas", "LINATTN_SGEMM=") == SgemmKernel::openblas);
  CHECK(std::string(sgemm_kernel_name(sgemm_default_kernel())).size() > 0);
  CHECK_THROWS_WITH_AS(sgemm_kernel_from_name("avx1024", "LINATTN_SGEMM="),
                       "LINATTN_SGEMM=avx1024: expected openblas, avx2 or avx512", Error);
  for (auto kernel : {SgemmKernel::avx2, SgemmKernel::avx512}) {
    if (sgemm_kernel_supported(kernel)) {
      CHECK(sgemm_kernel_from_name(sgemm_kernel_name(kernel), "x=") == kernel);
    } else {
      CHECK_THROWS_AS(sgemm_kernel_from_name(sgemm_kernel_name(kernel), "x="), Error);
      float c = 0;
      CHECK_THROWS_AS(sgemm(false, false, 1, 1, 1, 1.0f, &c, 1, &c, 1, 0.0f, &c, 1, kernel), Error);
    }
  }
}
