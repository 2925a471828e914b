// layers/attention/softmax.cpp — see softmax.h.
#include "layers/attention/softmax.h"

#include <cmath>

#include "core/ops.h"
#include "layers/attention/heads.h"

namespace linattn {

SoftmaxAttention::SoftmaxAttention(std::int64_t dim_, const SoftmaxOptions& o, Generator& gen)
    : dim(dim_), heads(o.heads), options(o) {
  LINATTN_CHECK(o.heads > 0 && dim % o.heads == 0, "softmax attention: dim ", dim, " is not divisible by heads ", o.heads);
  qkv = register_module("qkv", std::make_shared<Linear>(dim, 3 * dim, o.qkv_bias, gen));
  proj = register_module("proj", std::make_shared<Linear>(dim, dim, true, gen));
}

Tensor SoftmaxAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.shape()[3]));
  Tensor scores = mul(bmm(q, k, false, true), scale);   // B x h x L x S
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

Tensor SoftmaxAttention::forward_cross(const Tensor& queries, const Tensor& memory) {
  LINATTN_CHECK(queries.dim() == 3 && memory.dim() == 3 && queries.shape()[2] == dim && memory.shape()[2] == dim &&
                    queries.shape()[0] == memory.shape()[0],
                "softmax cross-attention: expected queries (B, L, ", dim, ") and memory (B, S, ", dim, "), got ",
                shape_str(queries.shape()), " and ", shape_str(memory.shape()));
  // The fused projection's rows [0,C) project the queries, rows [C,3C) the memory.
  Tensor wq = narrow(qkv->weight, 0, 0, dim), wkv = narrow(qkv->weight, 0, dim, 2 * dim);
  Tensor bq = qkv->bias.defined() ? narrow(qkv->bias, 0, 0, dim) : Tensor();
  Tensor bkv = qkv->bias.defined() ? narrow(qkv->bias, 0, dim, 2 * dim) : Tensor();
  Tensor q = linear(queries, wq, bq);                 // B x L x C
  auto kv = chunk(linear(memory, wkv, bkv), 2, -1);   // 2 x (B x S x C)
  if (options.attn_drop > 0 && is_training())
    return attend(split_heads(q, heads), split_heads(kv[0], heads), split_heads(kv[1], heads));
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim / heads));
  Tensor out = softmax_attention(q, kv[0], kv[1], heads, scale);  // B x L x C
  return dropout(proj->forward(out), options.proj_drop, is_training());
}

}  // namespace linattn
