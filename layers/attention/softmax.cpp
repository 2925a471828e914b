// layers/attention/softmax.cpp — see softmax.h.
#include "layers/attention/softmax.h"

#include <cmath>
#include <limits>
#include <utility>

#include "core/ops.h"
#include "layers/attention/heads.h"

namespace linattn {

SoftmaxAttention::SoftmaxAttention(std::int64_t dim_, const SoftmaxOptions& o, Generator& gen)
    : dim(dim_), heads(o.heads), options(o) {
  LINATTN_CHECK(o.heads > 0 && dim % o.heads == 0, "softmax attention: dim ", dim, " is not divisible by heads ", o.heads);
  qkv = register_module("qkv", std::make_shared<Linear>(dim, 3 * dim, o.qkv_bias, gen));
  proj = register_module("proj", std::make_shared<Linear>(dim, dim, true, gen));
}

Tensor SoftmaxAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.shape()[3]));
  Tensor scores = mul(bmm(q, k, false, true), scale);   // B x h x L x S
  if (key_padding_mask.defined()) {                     // padded keys: −∞ before the softmax
    const std::int64_t B = key_padding_mask.shape()[0], S = key_padding_mask.shape()[1];
    scores = masked_fill(scores, reshape(key_padding_mask, {B, 1, 1, S}), -std::numeric_limits<double>::infinity());
  }
  Tensor attn = dropout(softmax(scores, -1), options.attn_drop, is_training());
  Tensor out = merge_heads(bmm(attn, v));                // B x L x C
  return dropout(proj->forward(out), options.proj_drop, is_training());
}

Tensor SoftmaxAttention::forward(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 3 && x.shape()[2] == dim, "softmax attention: expected input (B, N, ", dim, "), got ",
                shape_str(x.shape()));
  if (options.attn_drop > 0 && is_training()) {  // dropout on the weights: the composite keeps them
    auto [q, k, v] = split_qkv(qkv->forward(x), heads);  // each B x h x N x d
    return attend(q, k, v);
  }
  // Fused: reads q, k, v straight from the (B, N, 3C) projection; never stores N x N.
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim / heads));
  Tensor out = softmax_attention_packed(qkv->forward(x), heads, scale);  // B x N x C
  return dropout(proj->forward(out), options.proj_drop, is_training());
}

Tensor SoftmaxAttention::forward_cross(const Tensor& queries, const Tensor& keys, const Tensor& values,
                                       const Tensor& key_padding_mask) {
  check_cross_inputs("softmax cross-attention", dim, queries, keys, values, key_padding_mask);
  // The fused projection's rows [0,C) project the queries, [C,2C) the keys, [2C,3C) the values.
  Tensor wq = narrow(qkv->weight, 0, 0, dim);
  Tensor bq = qkv->bias.defined() ? narrow(qkv->bias, 0, 0, dim) : Tensor();
  Tensor q = linear(queries, wq, bq);  // B x L x C
  Tensor k, v;                         // B x S x C each
  if (keys.impl_ptr() == values.impl_ptr()) {  // one memory: one GEMM for both
    Tensor wkv = narrow(qkv->weight, 0, dim, 2 * dim);
    Tensor bkv = qkv->bias.defined() ? narrow(qkv->bias, 0, dim, 2 * dim) : Tensor();
    auto kv = chunk(linear(keys, wkv, bkv), 2, -1);
    k = kv[0], v = kv[1];
  } else {
    auto rows = [&](std::int64_t first) {
      return std::pair{narrow(qkv->weight, 0, first, dim),
                       qkv->bias.defined() ? narrow(qkv->bias, 0, first, dim) : Tensor()};
    };
    auto [wk, bk] = rows(dim);
    auto [wv, bv] = rows(2 * dim);
    k = linear(keys, wk, bk);
    v = linear(values, wv, bv);
  }
  if ((options.attn_drop > 0 && is_training()) || key_padding_mask.defined())
    return attend(split_heads(q, heads), split_heads(k, heads), split_heads(v, heads), key_padding_mask);
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim / heads));
  Tensor out = softmax_attention(q, k, v, heads, scale);  // B x L x C
  return dropout(proj->forward(out), options.proj_drop, is_training());
}

}  // namespace linattn
