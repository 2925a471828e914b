// bench/conv.cpp — times conv2d forward and backward on the CPU for the shapes that matter:
// the ViT patch embedding (3→192, k4 s4 on 32x32, batch 128) and 3x3 CNN layers.
// Prints the best of N runs per shape. Usage: conv [threads] [runs]. Never part of ctest.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/ops.h"

using namespace linattn;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void bench(const char* name, const Shape& xs, const Shape& ws, const Conv2dParams& p, bool input_grad, int runs) {
  Generator gen(1);
  Tensor x = randn(xs, {.requires_grad = input_grad}, &gen);
  Tensor w = randn(ws, {.requires_grad = true}, &gen), b = randn({ws[0]}, {.requires_grad = true}, &gen);
  double fwd = 1e9, bwd = 1e9;
  for (int r = 0; r < runs; ++r) {
    const double t0 = now();
    Tensor y = conv2d(x, w, b, p);
    const double t1 = now();
    Tensor gy = ones_like(y);
    const double t2 = now();
    auto g = input_grad ? grad(y, {x, w, b}, gy) : grad(y, {w, b}, gy);
    const double t3 = now();
    fwd = std::min(fwd, t1 - t0);
    bwd = std::min(bwd, t3 - t2);
  }
  std::printf("%-44s forward %8.2f ms   backward %8.2f ms\n", name, fwd * 1e3, bwd * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) set_num_threads(std::max(1, std::atoi(argv[1])));
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 10;
  std::printf("conv2d, float32, %d threads, best of %d\n", num_threads(), runs);
  bench("ViT patch embed 3->192 k4 s4, 128x32x32", {128, 3, 32, 32}, {192, 3, 4, 4}, {.stride = {4, 4}}, false, runs);
  bench("  same, with input gradient", {128, 3, 32, 32}, {192, 3, 4, 4}, {.stride = {4, 4}}, true, runs);
  bench("3x3 64->64 pad 1, 32x32x32", {32, 64, 32, 32}, {64, 64, 3, 3}, {.padding = {1, 1}}, true, runs);
  bench("3x3 128->128 pad 1, 32x16x16", {32, 128, 16, 16}, {128, 128, 3, 3}, {.padding = {1, 1}}, true, runs);
  bench("3x3 depthwise 64 pad 1, 32x32x32", {32, 64, 32, 32}, {64, 1, 3, 3}, {.padding = {1, 1}, .groups = 64}, true,
        runs);
  return 0;
}
