// layers/attention/additive.cpp — see additive.h.
#include "layers/attention/additive.h"

#include <cmath>

#include "core/ops.h"
#include "layers/init.h"

namespace linattn {

EfficientAdditiveAttention::EfficientAdditiveAttention(std::int64_t dim_, const AdditiveOptions& o, Generator& gen)
    : dim(dim_), options(o) {
  LINATTN_CHECK(o.token_dim >= 0 && o.num_heads > 0, "additive attention: token_dim must be ≥ 0 (0: C) and num_heads "
                "positive, got token_dim ", o.token_dim, " and num_heads ", o.num_heads);
  LINATTN_CHECK(o.alpha_norm == "l2" || o.alpha_norm == "softmax",
                "additive attention: alpha_norm must be 'l2' or 'softmax', got '", o.alpha_norm, "'");
  token_dim = o.token_dim > 0 ? o.token_dim : dim;
  D = token_dim * o.num_heads;
  scale_factor = 1.0 / std::sqrt(static_cast<double>(token_dim));
  options.token_dim = token_dim;
  to_query = register_module("to_query", std::make_shared<Linear>(dim, D, true, gen));
  to_key = register_module("to_key", std::make_shared<Linear>(dim, D, true, gen));
  w_g = register_parameter("w_g", empty({D, 1}));
  Proj = register_module("Proj", std::make_shared<Linear>(D, D, true, gen));
  final_linear = register_module("final", std::make_shared<Linear>(D, token_dim, true, gen));
  for (const auto& l : {to_query, to_key, Proj, final_linear}) {  // SwiftFormer init
    init::trunc_normal_(l->weight, 0.02, gen);
    init::zeros_(l->bias);
  }
  init::normal_(w_g, 0.0, 1.0, gen);
}

Tensor EfficientAdditiveAttention::queries(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 3 && x.shape()[2] == dim, "additive attention: expected input (B, N, ", dim, "), got ",
                shape_str(x.shape()));
  return l2_normalize(to_query->forward(x), -1, kEps);  // B x N x D
}

Tensor EfficientAdditiveAttention::alpha_of(const Tensor& q_hat) {
  Tensor a = matmul(q_hat, mul(w_g, scale_factor));  // B x N x 1
  return options.alpha_norm == "l2" ? l2_normalize(a, 1, kEps) : softmax(a, 1);
}

Tensor EfficientAdditiveAttention::alpha(const Tensor& x) { return alpha_of(queries(x)); }

Tensor EfficientAdditiveAttention::forward(const Tensor& x) {
  Tensor q = queries(x);                                // B x N x D
  Tensor k = l2_normalize(to_key->forward(x), -1, kEps);
  Tensor g = bmm(alpha_of(q), q, true, false);          // B x 1 x D: Σ_n α̂_n Q̂_n
  Tensor w = mul(Proj->weight, g);                      // B x D x D: W_p diag(g_b)
  Tensor u = add(bmm(k, w, false, true), q);            // B x N x D: (g ⊙ K̂) W_pᵀ + Q̂ (b_p below)
  Tensor bias = add(final_linear->bias, reshape(matmul(final_linear->weight, reshape(Proj->bias, {D, 1})), {token_dim}));
  return linear(u, final_linear->weight, bias);         // B x N x token_dim
}

}  // namespace linattn
