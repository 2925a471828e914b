// core/ops/softmax_attention.cpp — softmax_attention and softmax_attention_packed (fused
// kernels, forward and backward side by side) and softmax_attention_composite (primitive ops).
#include "core/ops/softmax_attention.h"

#include "core/autograd.h"
#include "core/kernels/softmax_attention.h"
#include "core/ops/elementwise.h"
#include "core/ops/layout.h"
#include "core/ops/linalg.h"
#include "core/ops/nn.h"

namespace linattn {

namespace {

void check_common(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads, double scale) {
  const char* op = "softmax_attention";
  LINATTN_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, op,
                ": expected q (B, L, h·dk), k (B, S, h·dk), v (B, S, h·dv), got ", shape_str(q.shape()), ", ",
                shape_str(k.shape()), ", ", shape_str(v.shape()));
  LINATTN_CHECK(is_floating(q.dtype()) && q.dtype() == k.dtype() && q.dtype() == v.dtype() && q.device() == k.device() &&
                    q.device() == v.device(),
                op, ": q, k, v must share one float dtype and device, got ", dtype_name(q.dtype()), ", ",
                dtype_name(k.dtype()), ", ", dtype_name(v.dtype()), " on ", q.device().str(), ", ", k.device().str(), ", ",
                v.device().str());
  LINATTN_CHECK(k.shape()[0] == q.shape()[0] && v.shape()[0] == q.shape()[0] && v.shape()[1] == k.shape()[1] &&
                    k.shape()[2] == q.shape()[2],
                op, ": shapes do not fit: q ", shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ",
                shape_str(v.shape()), " (q and k need the same channels; k and v the same tokens; one batch size)");
  LINATTN_CHECK(heads > 0 && q.shape()[2] % heads == 0 && v.shape()[2] % heads == 0, op, ": ", heads,
                " heads must divide the q/k channels ", q.shape()[2], " and the v channels ", v.shape()[2]);
  LINATTN_CHECK(k.shape()[1] > 0, op, ": there are no keys (k ", shape_str(k.shape()), "); softmax over zero keys is undefined");
  LINATTN_CHECK(scale > 0, op, ": scale must be positive, got ", scale);
}

Tensor empty_as(const Shape& shape, const Tensor& like) {
  return Tensor::empty(shape, {.dtype = like.dtype(), .device = like.device()});
}

// The fused op over views described by `s`; q_t, k_t, v_t may be one tensor (packed).
Tensor fused(const SoftmaxAttentionShape& s, const Tensor& q_t, const Tensor& k_t, const Tensor& v_t, bool packed) {
  Tensor out = empty_as({s.batch, s.L, s.heads * s.dv}, q_t);  // B x L x h·dv
  Tensor lse = empty_as({s.batch, s.heads, s.L}, q_t);         // B x h x L
  if (s.L > 0) LINATTN_DISPATCH(q_t.device(), softmax_attention_forward, s, q_t, k_t, v_t, out, lse);

  std::vector<Tensor> inputs = packed ? std::vector<Tensor>{q_t} : std::vector<Tensor>{q_t, k_t, v_t};
  const bool needs[3] = {q_t.requires_grad(), k_t.requires_grad(), v_t.requires_grad()};
  record("softmax_attention", out, inputs, {q_t, k_t, v_t, out, lse},
         [s, packed, needs](const Tensor& g, const Saved& sv) {
    auto grad_for = [&](int i) { return needs[i] ? empty_as(sv[i].shape(), sv[i]) : Tensor(); };
    if (packed) {
      Tensor gqkv = empty_as(sv[0].shape(), sv[0]);  // B x N x 3C, every column block written
      if (s.L == 0) gqkv.fill_(0.0);
      else LINATTN_DISPATCH(g.device(), softmax_attention_backward, s, g, sv[0], sv[0], sv[0], sv[3], sv[4], gqkv, gqkv, gqkv);
      return Grads{gqkv};
    }
    Tensor gq = grad_for(0), gk = grad_for(1), gv = grad_for(2);
    if (s.L == 0) {
      for (Tensor* t : {&gk, &gv})
        if (t->defined()) t->fill_(0.0);
    } else {
      LINATTN_DISPATCH(g.device(), softmax_attention_backward, s, g, sv[0], sv[1], sv[2], sv[3], sv[4], gq, gk, gv);
    }
    return Grads{gq, gk, gv};
  });
  return out;
}

}  // namespace

Tensor softmax_attention(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads, double scale) {
  check_common(q, k, v, heads, scale);
  if (q.is_cuda()) return softmax_attention_composite(q, k, v, heads, scale);  // no fused CUDA kernel yet
  SoftmaxAttentionShape s{.batch = q.shape()[0], .L = q.shape()[1], .S = k.shape()[1], .heads = heads,
                          .dk = q.shape()[2] / heads, .dv = v.shape()[2] / heads, .scale = scale,
                          .ld_q = q.shape()[2], .ld_k = k.shape()[2], .ld_v = v.shape()[2]};
  return fused(s, q, k, v, false);
}

Tensor softmax_attention_packed(const Tensor& qkv, std::int64_t heads, double scale) {
  LINATTN_CHECK(qkv.dim() == 3 && qkv.shape()[2] % 3 == 0, "softmax_attention_packed: expected qkv (B, N, 3C), got ",
                shape_str(qkv.shape()));
  const std::int64_t C = qkv.shape()[2] / 3;
  if (qkv.is_cuda()) {
    auto parts = chunk(qkv, 3, -1);
    return softmax_attention(parts[0], parts[1], parts[2], heads, scale);
  }
  LINATTN_CHECK(is_floating(qkv.dtype()), "softmax_attention_packed: qkv must be a float tensor, got ",
                dtype_name(qkv.dtype()));
  LINATTN_CHECK(heads > 0 && C % heads == 0, "softmax_attention_packed: ", heads, " heads must divide the ", C,
                " channels of each of q, k, v (qkv ", shape_str(qkv.shape()), ")");
  LINATTN_CHECK(qkv.shape()[1] > 0, "softmax_attention_packed: there are no tokens (qkv ", shape_str(qkv.shape()), ")");
  LINATTN_CHECK(scale > 0, "softmax_attention_packed: scale must be positive, got ", scale);
  SoftmaxAttentionShape s{.batch = qkv.shape()[0], .L = qkv.shape()[1], .S = qkv.shape()[1], .heads = heads,
                          .dk = C / heads, .dv = C / heads, .scale = scale, .ld_q = 3 * C, .ld_k = 3 * C,
                          .ld_v = 3 * C, .off_q = 0, .off_k = C, .off_v = 2 * C};
  return fused(s, qkv, qkv, qkv, true);
}

Tensor softmax_attention_composite(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads,
                                   double scale) {
  check_common(q, k, v, heads, scale);
  const std::int64_t B = q.shape()[0], h = heads;
  auto heads_of = [&](const Tensor& x) {  // (B, N, h·d) → (B, h, N, d)
    return permute(reshape(x, {B, x.shape()[1], h, x.shape()[2] / h}), {0, 2, 1, 3});
  };
  Tensor a = softmax(mul(bmm(heads_of(q), heads_of(k), false, true), scale), -1);  // B x h x L x S
  Tensor o = bmm(a, heads_of(v));                                                   // B x h x L x dv
  return reshape(permute(o, {0, 2, 1, 3}), {B, q.shape()[1], v.shape()[2]});        // B x L x h·dv
}

}  // namespace linattn
