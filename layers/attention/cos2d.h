// layers/attention/cos2d.h — CosAttention2d (ParadoxZW), docs/attention.md §3, the ViT-slot layer
// behind the registry key `cos2d`, and its core in token layout (shared with CosMHSA2d).
//
// Parameters (§13): q.weight, k.weight, v.weight (C, C) (+ .bias when qkv_bias), merge.weight
// (C, C), merge.bias (C). Forward on x (B, N, C), N = H·W of the construction grid (row-major
// tokens n = i·W + j): q, k, v projections → core → merge → dropout(proj_drop).
// Core: q̄ = ReLU(s·q) + eps, k̄ likewise, s = C^(−1/4) with the full C; per head one
// normalized linear attention on the concatenated 4d features [a_cc·x̄ | a_cs·x̄ | a_sc·x̄ |
// a_ss·x̄] (cos2d_coefficients), no clamp on the denominator. Equal to the quadratic form with
// weights cos(π(i−k)/2M)·cos(π(j−l)/2M) (tested). Runs on the fused linear_attention op:
// memory linear in N, nothing N×N. One M for both axes; M > max(H, W) − 1 keeps every weight
// positive (checked). Self-attention only: no cls token, no cross-attention (no grid position).
#pragma once
#include <memory>

#include "layers/attention/attention.h"
#include "layers/attention/cos2d_options.h"
#include "layers/linear.h"

namespace linattn {

// The coefficient table (H·W, 4), float64: row n = i·W + j holds cos(fi)cos(fj), cos(fi)sin(fj),
// sin(fi)cos(fj), sin(fi)sin(fj) with f = π/(2M) and 0-based i, j (§3.1 step 3).
Tensor cos2d_coefficients(std::int64_t H, std::int64_t W, std::int64_t M);

// M for a grid: `M` when positive, else max(H, W) + 2; an error unless M > max(H, W) − 1.
std::int64_t cos2d_resolve_M(std::int64_t H, std::int64_t W, std::int64_t M, const char* who);

// The core on projected q, k, v (B, H·W, C) → (B, H·W, C); `coef` is cos2d_coefficients in q's
// dtype and device.
Tensor cos2d_core(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& coef, std::int64_t heads,
                  double eps);

class Cos2dAttention : public Attention {
 public:
  Cos2dAttention(std::int64_t dim, const Cos2dOptions& options, Grid grid, Generator& gen);
  Tensor forward(const Tensor& x) override;  // (B, H·W, C) -> (B, H·W, C)
  std::string type() const override { return "cos2d"; }

  std::int64_t dim, heads, M;
  Grid grid;
  Cos2dOptions options;
  std::shared_ptr<Linear> q, k, v, merge;

 private:
  Tensor coef_;  // cos2d_coefficients, converted to the input's dtype/device on first use
};

}  // namespace linattn
