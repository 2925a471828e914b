// layers/attention/efficient.cpp — see efficient.h.
#include "layers/attention/efficient.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/ops.h"

namespace linattn {

namespace {

struct Normalized {
  Tensor q, k;  // ρ_q(q) (B, L, h·dk), ρ_k(k) (B, S, h·dk)
  std::int64_t dk;
};

// Checks the shapes and applies the norm (softmax | scaling | identity); drops the trailing key
// channels past h·⌊KC/h⌋ (the public code's quirk).
Normalized normalize_qk(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads, const std::string& norm,
                        const Tensor& key_padding_mask) {
  LINATTN_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3 && q.shape()[2] == k.shape()[2],
                "efficient attention: expected q (B, L, KC), k (B, S, KC), v (B, S, VC), got ",
                shape_str(q.shape()), ", ", shape_str(k.shape()), ", ", shape_str(v.shape()));
  const std::int64_t B = q.shape()[0], L = q.shape()[1], S = k.shape()[1];
  const std::int64_t dk = q.shape()[2] / heads;
  LINATTN_CHECK(dk > 0, "efficient attention: ", q.shape()[2], " key channels cannot feed ", heads, " heads");
  Tensor qh = q, kh = k;
  if (heads * dk != q.shape()[2]) {  // the public code's quirk: trailing key channels are unused
    qh = narrow(q, 2, 0, heads * dk);
    kh = narrow(k, 2, 0, heads * dk);
  }
  const Tensor padded = key_padding_mask.defined() ? reshape(key_padding_mask, {B, S, 1}) : Tensor();
  if (norm == "softmax") {
    qh = reshape(softmax(reshape(qh, {B, L, heads, dk}), -1), {B, L, heads * dk});  // over each head's channels
    if (padded.defined()) kh = masked_fill(kh, padded, -std::numeric_limits<double>::infinity());
    kh = softmax(kh, 1);                                                          // over the tokens
  } else if (norm == "scaling") {
    qh = div(qh, std::sqrt(static_cast<double>(L)));
    kh = div(kh, std::sqrt(static_cast<double>(S)));
  } else {
    LINATTN_CHECK(norm == "identity", "efficient attention: norm must be softmax, scaling or identity, got '", norm, "'");
  }
  if (padded.defined() && norm != "softmax") kh = masked_fill(kh, padded, 0.0);  // padded keys: no features
  return {qh, kh, dk};
}

// 1 where key channel i and value channel j belong to the same head: (h·dk, h·dv).
Tensor head_block_mask(std::int64_t heads, std::int64_t dk, std::int64_t dv, const Tensor& like) {
  std::vector<double> m(static_cast<std::size_t>(heads * dk * heads * dv), 0.0);
  for (std::int64_t i = 0; i < heads * dk; ++i)
    for (std::int64_t j = 0; j < heads * dv; ++j)
      if (i / dk == j / dv) m[static_cast<std::size_t>(i * heads * dv + j)] = 1.0;
  return from_values(m, {heads * dk, heads * dv}, {.dtype = like.dtype(), .device = like.device()});
}

}  // namespace

Tensor efficient_core(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads, const std::string& norm,
                      const Tensor& key_padding_mask) {
  Normalized n = normalize_qk(q, k, v, heads, norm, key_padding_mask);
  return linear_attention(n.q, n.k, v, Tensor(), Tensor(), {.heads = heads, .normalize = false});  // B x L x VC
}

Tensor efficient_attention_projected(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads,
                                     const std::string& norm, const Linear& reprojection,
                                     const Tensor& key_padding_mask) {
  Normalized n = normalize_qk(q, k, v, heads, norm, key_padding_mask);
  LINATTN_CHECK(v.shape()[2] % heads == 0, "efficient attention: value channels ", v.shape()[2],
                " are not divisible by ", heads, " heads");
  // ctx over all head pairs in one GEMM per sample, then only the diagonal head blocks kept:
  Tensor ctx = mul(bmm(n.k, v, true, false), head_block_mask(heads, n.dk, v.shape()[2] / heads, v));  // B x h·dk x VC
  Tensor m = bmm(ctx, reprojection.weight, false, true);  // B x h·dk x C: ctx_blockdiag · W_rᵀ
  return add(bmm(n.q, m), reprojection.bias);            // B x L x C
}

EfficientAttention::EfficientAttention(std::int64_t dim_, const EfficientOptions& o, Generator& gen)
    : dim(dim_), heads(o.heads), options(o) {
  key_channels = o.key_channels > 0 ? o.key_channels : dim;
  value_channels = o.value_channels > 0 ? o.value_channels : dim;
  LINATTN_CHECK(o.heads > 0 && value_channels % o.heads == 0, "efficient attention: value_channels ", value_channels,
                " is not divisible by heads ", o.heads, (o.value_channels > 0 ? "" : " (value_channels = dim)"));
  LINATTN_CHECK(key_channels >= o.heads, "efficient attention: key_channels ", key_channels, " is fewer than heads ",
                o.heads);
  LINATTN_CHECK(o.norm == "softmax" || o.norm == "scaling" || o.norm == "identity",
                "efficient attention: norm must be softmax, scaling or identity, got '", o.norm, "'");
  queries = register_module("queries", std::make_shared<Linear>(dim, key_channels, true, gen));
  keys = register_module("keys", std::make_shared<Linear>(dim, key_channels, true, gen));
  values = register_module("values", std::make_shared<Linear>(dim, value_channels, true, gen));
  reprojection = register_module("reprojection", std::make_shared<Linear>(value_channels, dim, true, gen));
}

Tensor EfficientAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask) {
  // The fold costs a per-sample (KC, VC)·(VC, C) product: worth it only when the queries
  // outnumber the value channels well (N = 4096 vs 128 channels: ~12% faster, measured); a ViT
  // with N = 64 tokens and 192 channels runs the unfolded core, whose products are N-sized.
  if (q.shape()[1] >= kFoldMinTokensPerChannel * v.shape()[2])
    return efficient_attention_projected(q, k, v, heads, options.norm, *reprojection, key_padding_mask);
  return reprojection->forward(efficient_core(q, k, v, heads, options.norm, key_padding_mask));
}

Tensor EfficientAttention::forward(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 3 && x.shape()[2] == dim, "efficient attention: expected input (B, N, ", dim, "), got ",
                shape_str(x.shape()));
  Tensor y = attend(queries->forward(x), keys->forward(x), values->forward(x));  // B x N x C
  return options.residual ? add(y, x) : y;
}

Tensor EfficientAttention::forward_cross(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                                         const Tensor& key_padding_mask) {
  check_cross_inputs("efficient cross-attention", dim, q_in, k_in, v_in, key_padding_mask);
  Tensor y = attend(queries->forward(q_in), keys->forward(k_in), values->forward(v_in), key_padding_mask);  // B x L x C
  return options.residual ? add(y, q_in) : y;
}

}  // namespace linattn
