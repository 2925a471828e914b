// core/ops/linear_attention.cpp — linear_attention (fused kernels, forward and backward side by
// side) and linear_attention_composite (the same math from primitive ops).
#include "core/ops/linear_attention.h"

#include "core/autograd.h"
#include "core/kernels/linear_attention.h"
#include "core/ops/elementwise.h"
#include "core/ops/layout.h"
#include "core/ops/linalg.h"
#include "core/ops/reduce.h"

namespace linattn {

namespace {

// Validates the inputs and returns the kernel geometry.
LinearAttentionShape check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& coef_q,
                                  const Tensor& coef_k, const LinearAttentionOptions& o) {
  const char* op = "linear_attention";
  LINATTN_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, op, ": expected q (B, L, h·dk), k (B, S, h·dk), v (B, S, h·dv), got ",
                shape_str(q.shape()), ", ", shape_str(k.shape()), ", ", shape_str(v.shape()));
  LINATTN_CHECK(is_floating(q.dtype()) && q.dtype() == k.dtype() && q.dtype() == v.dtype() && q.device() == k.device() &&
                    q.device() == v.device(),
                op, ": q, k, v must share one float dtype and device, got ", dtype_name(q.dtype()), ", ",
                dtype_name(k.dtype()), ", ", dtype_name(v.dtype()), " on ", q.device().str(), ", ", k.device().str(), ", ",
                v.device().str());
  const std::int64_t B = q.shape()[0], L = q.shape()[1], S = k.shape()[1];
  LINATTN_CHECK(k.shape()[0] == B && v.shape()[0] == B && v.shape()[1] == S && k.shape()[2] == q.shape()[2], op,
                ": shapes do not fit: q ", shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ", shape_str(v.shape()),
                " (q and k need the same channels; k and v the same tokens; one batch size)");
  LINATTN_CHECK(o.heads > 0 && q.shape()[2] % o.heads == 0 && v.shape()[2] % o.heads == 0, op, ": ", o.heads,
                " heads must divide the q/k channels ", q.shape()[2], " and the v channels ", v.shape()[2]);
  LINATTN_CHECK(coef_q.defined() == coef_k.defined(), op, ": give both coefficient tables (coef_q, coef_k) or neither");
  LinearAttentionShape s{.batch = B, .L = L, .S = S, .heads = o.heads, .dk = q.shape()[2] / o.heads,
                         .dv = v.shape()[2] / o.heads};
  if (coef_q.defined()) {
    LINATTN_CHECK(coef_q.dim() == 2 && coef_k.dim() == 2 && coef_q.shape()[0] == L && coef_k.shape()[0] == S &&
                      coef_q.shape()[1] == coef_k.shape()[1] && coef_q.shape()[1] > 0,
                  op, ": coefficient tables must be coef_q (L=", L, ", T) and coef_k (S=", S, ", T), got ",
                  shape_str(coef_q.shape()), " and ", shape_str(coef_k.shape()));
    LINATTN_CHECK(coef_q.dtype() == q.dtype() && coef_k.dtype() == q.dtype() && coef_q.device() == q.device() &&
                      coef_k.device() == q.device(),
                  op, ": coefficient tables must have q's dtype and device (", dtype_name(q.dtype()), " on ",
                  q.device().str(), ")");
    LINATTN_CHECK(!coef_q.requires_grad() && !coef_k.requires_grad(), op,
                  ": the coefficient tables are constants; they cannot require grad");
    s.has_coef = true;
    s.terms = coef_q.shape()[1];
  }
  if (o.positive_features) {
    LINATTN_CHECK(o.feature_scale > 0, op, ": feature_scale must be positive, got ", o.feature_scale);
    s.positive = true;
    s.scale = o.feature_scale;
    s.eps = o.feature_eps;
  }
  s.normalize = o.normalize;
  return s;
}

Tensor empty_like_dtype(const Shape& shape, const Tensor& like) {
  return Tensor::empty(shape, {.dtype = like.dtype(), .device = like.device()});
}

}  // namespace

Tensor linear_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& coef_q, const Tensor& coef_k,
                        const LinearAttentionOptions& options) {
  LinearAttentionShape s = check_inputs(q, k, v, coef_q, coef_k, options);
  const std::int64_t F = s.features();
  Tensor out = empty_like_dtype({s.batch, s.L, s.heads * s.dv}, q);  // B x L x h·dv
  Tensor ctx = empty_like_dtype({s.batch, s.heads, F, s.dv}, q);     // B x h x F x dv
  Tensor z = s.normalize ? empty_like_dtype({s.batch, s.heads, F}, q) : Tensor();       // B x h x F
  Tensor den = s.normalize ? empty_like_dtype({s.batch, s.L, s.heads}, q) : Tensor();   // B x L x h
  LINATTN_DISPATCH(q.device(), linear_attention_forward, s, q, k, v, coef_q, coef_k, out, ctx, z, den);

  const bool gq = q.requires_grad(), gk = k.requires_grad(), gv = v.requires_grad();
  record("linear_attention", out, {q, k, v}, {q, k, v, coef_q, coef_k, out, ctx, z, den},
         [s, gq, gk, gv](const Tensor& g, const Saved& sv) {
           Tensor grad_q = gq ? empty_like_dtype(sv[0].shape(), sv[0]) : Tensor();
           Tensor grad_k = gk ? empty_like_dtype(sv[1].shape(), sv[1]) : Tensor();
           Tensor grad_v = gv ? empty_like_dtype(sv[2].shape(), sv[2]) : Tensor();
           LINATTN_DISPATCH(g.device(), linear_attention_backward, s, g, sv[0], sv[1], sv[2], sv[3], sv[4], sv[5], sv[6],
                            sv[7], sv[8], grad_q, grad_k, grad_v);
           return Grads{grad_q, grad_k, grad_v};
         });
  return out;
}

Tensor linear_attention_composite(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& coef_q,
                                  const Tensor& coef_k, const LinearAttentionOptions& o) {
  LinearAttentionShape s = check_inputs(q, k, v, coef_q, coef_k, o);
  const std::int64_t B = s.batch, h = s.heads, T = s.terms, F = s.features();
  // (B, N, h·d) → (B, h, N, d)
  auto heads_of = [&](const Tensor& x, std::int64_t d) {
    return permute(reshape(x, {B, x.shape()[1], h, d}), {0, 2, 1, 3});
  };
  // P (B, h, N, T·dk) from x (B, N, h·dk) and coef (N, T)
  auto features = [&](const Tensor& x, const Tensor& coef) {
    const std::int64_t N = x.shape()[1];
    Tensor f = o.positive_features ? add(relu(mul(x, o.feature_scale)), o.feature_eps) : x;
    Tensor fh = heads_of(f, s.dk);  // B x h x N x dk
    if (!coef.defined()) return fh;
    Tensor p = mul(reshape(coef, {1, 1, N, T, 1}), unsqueeze(fh, 3));  // B x h x N x T x dk
    return reshape(p, {B, h, N, F});
  };
  Tensor Pq = features(q, coef_q), Pk = features(k, coef_k);  // B x h x {L,S} x F
  Tensor ctx = bmm(Pk, heads_of(v, s.dv), true, false);       // B x h x F x dv
  Tensor o_h = bmm(Pq, ctx);                                   // B x h x L x dv
  if (o.normalize) {
    Tensor z = sum(Pk, {2}, true);                             // B x h x 1 x F
    o_h = div(o_h, bmm(Pq, z, false, true));                   // / (B x h x L x 1)
  }
  return reshape(permute(o_h, {0, 2, 1, 3}), {B, s.L, h * s.dv});  // B x L x h·dv
}

}  // namespace linattn
