// layers/position.cpp — see position.h. Computed on the host in double, then converted.
#include "layers/position.h"

#include <cmath>
#include <vector>

#include "core/factory.h"

namespace linattn {

Tensor sine_position_2d(std::int64_t H, std::int64_t W, std::int64_t C, const SinePositionOptions& o,
                        const Tensor& mask, DType dtype) {
  LINATTN_CHECK(C > 0 && C % 2 == 0, "sine_position_2d: the channel count must be positive and even, got ", C);
  LINATTN_CHECK(!mask.defined() || (mask.dim() == 3 && mask.shape()[1] == H && mask.shape()[2] == W),
                "sine_position_2d: padding mask must be (B, ", H, ", ", W, "), got ", shape_str(mask.shape()));
  const std::int64_t B = mask.defined() ? mask.shape()[0] : 1, half = C / 2;
  std::vector<double> m(static_cast<std::size_t>(B * H * W), 0.0);
  if (mask.defined()) m = mask.to(DType::F64).to_vector<double>();
  std::vector<double> out(static_cast<std::size_t>(B * H * W * C));
  std::vector<double> inv_freq(static_cast<std::size_t>(half));
  for (std::int64_t k = 0; k < half; ++k)
    inv_freq[static_cast<std::size_t>(k)] = std::pow(o.temperature, -2.0 * static_cast<double>(k / 2) / static_cast<double>(half));
  for (std::int64_t b = 0; b < B; ++b) {
    // Cumulative counts of unpadded cells down the rows (y) and along the columns (x).
    std::vector<double> y(static_cast<std::size_t>(H * W)), x(static_cast<std::size_t>(H * W));
    auto at = [&](std::int64_t i, std::int64_t j) { return static_cast<std::size_t>(i * W + j); };
    for (std::int64_t i = 0; i < H; ++i)
      for (std::int64_t j = 0; j < W; ++j) {
        double keep = m[static_cast<std::size_t>(b * H * W) + at(i, j)] != 0.0 ? 0.0 : 1.0;
        y[at(i, j)] = keep + (i > 0 ? y[at(i - 1, j)] : 0.0);
        x[at(i, j)] = keep + (j > 0 ? x[at(i, j - 1)] : 0.0);
      }
    for (std::int64_t i = 0; i < H; ++i)
      for (std::int64_t j = 0; j < W; ++j) {
        double py = y[at(i, j)], px = x[at(i, j)];
        if (o.normalize) {
          constexpr double eps = 1e-6;
          py = py / (y[at(H - 1, j)] + eps) * o.scale;
          px = px / (x[at(i, W - 1)] + eps) * o.scale;
        }
        double* row = out.data() + ((b * H + i) * W + j) * C;
        for (std::int64_t k = 0; k < half; ++k) {
          double fy = py * inv_freq[static_cast<std::size_t>(k)], fx = px * inv_freq[static_cast<std::size_t>(k)];
          row[k] = k % 2 == 0 ? std::sin(fy) : std::cos(fy);
          row[half + k] = k % 2 == 0 ? std::sin(fx) : std::cos(fx);
        }
      }
  }
  Shape shape = mask.defined() ? Shape{B, H * W, C} : Shape{H * W, C};
  return from_values(out, shape, {.dtype = dtype});
}

}  // namespace linattn
