// layers/attention/cos2d.cpp — see cos2d.h.
#include "layers/attention/cos2d.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/ops.h"

namespace linattn {

Tensor cos2d_coefficients(std::int64_t H, std::int64_t W, std::int64_t M) {
  const double f = std::numbers::pi / (2.0 * static_cast<double>(M));
  std::vector<double> a(static_cast<std::size_t>(H * W * 4));
  for (std::int64_t i = 0; i < H; ++i)
    for (std::int64_t j = 0; j < W; ++j) {
      const double ci = std::cos(f * static_cast<double>(i)), si = std::sin(f * static_cast<double>(i));
      const double cj = std::cos(f * static_cast<double>(j)), sj = std::sin(f * static_cast<double>(j));
      double* row = a.data() + (i * W + j) * 4;
      row[0] = ci * cj, row[1] = ci * sj, row[2] = si * cj, row[3] = si * sj;
    }
  return from_values(a, {H * W, 4}, {.dtype = DType::F64});
}

std::int64_t cos2d_resolve_M(std::int64_t H, std::int64_t W, std::int64_t M, const char* who) {
  const std::int64_t side = std::max(H, W);
  if (M <= 0) return side + 2;
  LINATTN_CHECK(M > side - 1, who, ": M=", M, " must exceed max(H, W) - 1 = ", side - 1, " for the ", H, "x", W,
                " grid, or some cos·cos weights are not positive (docs/attention.md §3.1). ---> HINT: leave M at 0 "
                "for max(H, W) + 2 = ", side + 2);
  return M;
}

Tensor cos2d_core(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& coef, std::int64_t heads,
                  double eps) {
  const double s = std::pow(static_cast<double>(q.shape()[2]), -0.25);  // full C, not the head dim
  return linear_attention(q, k, v, coef, coef,
                          {.heads = heads, .normalize = true, .positive_features = true, .feature_scale = s,
                           .feature_eps = eps});
}

Cos2dAttention::Cos2dAttention(std::int64_t dim_, const Cos2dOptions& o, Grid grid_, Generator& gen)
    : dim(dim_), heads(o.heads), grid(grid_), options(o) {
  LINATTN_CHECK(grid.defined(), "cos2d attention needs the token grid (H, W), got ", grid.H, "x", grid.W,
                ": its weights depend on each token's row and column (docs/attention.md §3.3). A cls token has no grid "
                "position. ---> HINT: use pool: mean, or another attention type for tokens without a grid");
  LINATTN_CHECK(o.heads > 0 && dim % o.heads == 0, "cos2d attention: dim ", dim, " is not divisible by heads ", o.heads);
  LINATTN_CHECK(o.eps >= 0, "cos2d attention: eps must be non-negative, got ", o.eps);
  M = cos2d_resolve_M(grid.H, grid.W, o.M, "cos2d attention");
  q = register_module("q", std::make_shared<Linear>(dim, dim, o.qkv_bias, gen));
  k = register_module("k", std::make_shared<Linear>(dim, dim, o.qkv_bias, gen));
  v = register_module("v", std::make_shared<Linear>(dim, dim, o.qkv_bias, gen));
  merge = register_module("merge", std::make_shared<Linear>(dim, dim, true, gen));
  coef_ = cos2d_coefficients(grid.H, grid.W, M);
}

Tensor Cos2dAttention::forward(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 3 && x.shape()[2] == dim, "cos2d attention: expected input (B, N, ", dim, "), got ",
                shape_str(x.shape()));
  LINATTN_CHECK(x.shape()[1] == grid.tokens(), "cos2d attention: the input has N=", x.shape()[1],
                " tokens but the grid ", grid.H, "x", grid.W, " has ", grid.tokens(),
                " (a cls token has no grid position). ---> HINT: build the layer for the grid of this input");
  if (coef_.dtype() != x.dtype() || coef_.device() != x.device()) coef_ = coef_.to(x.dtype()).to(x.device());
  Tensor o = cos2d_core(q->forward(x), k->forward(x), v->forward(x), coef_, heads, options.eps);  // B x N x C
  return dropout(merge->forward(o), options.proj_drop, is_training());
}

}  // namespace linattn
