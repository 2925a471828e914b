// layers/attention/additive.h — SwiftFormer's efficient additive attention (docs/attention.md §6,
// repo HEAD), registry key `additive`: one global query vector per sample instead of a token
// map, linear in N. Self-attention only.
//
// Parameters (§13): to_query, to_key Linear(C, D), w_g (D, 1) ~ N(0, 1), Proj Linear(D, D),
// final Linear(D, token_dim); D = token_dim·num_heads (num_heads only widens D: there is still
// one global query). Linears: trunc_normal(.02) weights, zero biases (the SwiftFormer init).
// Output (B, N, token_dim): token_dim = C (the default) keeps the token width.
//
// Forward: Q̂ = l2_normalize(to_query(x)), K̂ = l2_normalize(to_key(x)) per token (eps 1e-12);
// α = Q̂ w_g · scale_factor; α̂ = α / max(‖α‖_N, 1e-12) over the tokens (alpha_norm = l2) or
// softmax over the tokens (alpha_norm = softmax); g = Σ_n α̂_n Q̂_n; U = Proj(g ⊙ K̂) + Q̂;
// out = final(U). Computed without forming g ⊙ K̂: Proj(g ⊙ K̂) = K̂ (W_p diag g)ᵀ + b_p, one
// batched GEMM against a per-sample (D, D) weight, and b_p is folded into final's bias
// (final(P + b_p + Q̂) = (P + Q̂) W_fᵀ + (b_f + W_f b_p)). Saved for backward: Q̂, K̂, U and
// vectors of size N or D per sample.
#pragma once
#include <memory>

#include "layers/attention/attention.h"
#include "layers/attention/additive_options.h"
#include "layers/linear.h"

namespace linattn {

class EfficientAdditiveAttention : public Attention {
 public:
  EfficientAdditiveAttention(std::int64_t dim, const AdditiveOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;  // (B, N, C) -> (B, N, token_dim)
  std::string type() const override { return "additive"; }

  // For tests: α̂ (B, N, 1).
  Tensor alpha(const Tensor& x);

  std::int64_t dim, token_dim, D;
  // token_dim^(−1/2). A no-op under alpha_norm = l2 (α̂ ignores positive scalings of α); public
  // so tests can check that.
  double scale_factor;
  AdditiveOptions options;
  std::shared_ptr<Linear> to_query, to_key, Proj, final_linear;  // final_linear is "final"
  Tensor w_g;

  static constexpr double kEps = 1e-12;

 private:
  Tensor queries(const Tensor& x);                          // Q̂ (B, N, D)
  Tensor alpha_of(const Tensor& q_hat);                     // α̂ (B, N, 1)
};

}  // namespace linattn
