// layers/attention/linformer.cpp — see linformer.h.
#include "layers/attention/linformer.h"

#include <algorithm>
#include <cmath>

#include "core/ops.h"
#include "layers/attention/heads.h"
#include "layers/init.h"

namespace linattn {

LinformerAttention::LinformerAttention(std::int64_t dim_, const LinformerOptions& o, Grid grid, Generator& gen)
    : dim(dim_), heads(o.heads), options(o) {
  LINATTN_CHECK(o.heads > 0 && dim % o.heads == 0, "linformer attention: dim ", dim, " is not divisible by heads ",
                o.heads);
  LINATTN_CHECK(o.sharing == "none" || o.sharing == "kv", "linformer attention: sharing must be 'none' or 'kv', got '",
                o.sharing, "'");
  LINATTN_CHECK(o.seq_len >= 0 && o.proj_k >= 0, "linformer attention: seq_len and proj_k must be positive (or 0 for "
                "the default), got seq_len ", o.seq_len, " and proj_k ", o.proj_k);
  LINATTN_CHECK(o.seq_len > 0 || grid.defined(), "linformer attention: seq_len is not set and there is no token grid "
                "to take it from. ---> HINT: set seq_len to the largest number of key tokens (H·W of a fixed input size)");
  LINATTN_CHECK(o.dropout >= 0 && o.dropout < 1, "linformer attention: dropout must be in [0, 1), got ", o.dropout);
  seq_len = o.seq_len > 0 ? o.seq_len : grid.tokens();
  proj_k = o.proj_k > 0 ? o.proj_k : std::min<std::int64_t>(128, seq_len / 2);
  LINATTN_CHECK(proj_k > 0, "linformer attention: the default proj_k = min(128, seq_len / 2) is 0 for seq_len ", seq_len,
                ". ---> HINT: set proj_k explicitly");
  options.seq_len = seq_len;
  options.proj_k = proj_k;

  in_proj_weight = register_parameter("in_proj_weight", empty({3 * dim, dim}));
  in_proj_bias = register_parameter("in_proj_bias", zeros({3 * dim}));
  E = register_parameter("E", empty({proj_k, seq_len}));
  if (o.sharing == "none") F = register_parameter("F", empty({proj_k, seq_len}));
  bias_e = register_parameter("bias_e", empty({proj_k}));
  bias_f = register_parameter("bias_f", empty({proj_k}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(dim, dim, true, gen));
  init::xavier_uniform_(in_proj_weight, gen);
  init::xavier_uniform_(E, gen);
  if (F.defined()) init::xavier_uniform_(F, gen);
  const double bias_std = 1.0 / std::sqrt(static_cast<double>(proj_k));  // xavier_normal on (1, 1, k)
  init::normal_(bias_e, 0.0, bias_std, gen);
  init::normal_(bias_f, 0.0, bias_std, gen);
  init::zeros_(out_proj->bias);  // the weight keeps nn.Linear's default
}

void LinformerAttention::check_inputs(const Tensor& queries, const Tensor& keys, const Tensor& values,
                                      const Tensor& mask) const {
  check_cross_inputs("linformer attention", dim, queries, keys, values, mask);
  LINATTN_CHECK(keys.shape()[1] <= seq_len, "linformer attention: ", keys.shape()[1],
                " key tokens exceed seq_len = ", seq_len, " (fixed at construction; E and F have seq_len columns). "
                "---> HINT: build the layer with seq_len ≥ ", keys.shape()[1]);
}

Tensor LinformerAttention::queries(const Tensor& x) {
  // The d^(−1/2) scale is folded into the (C, C) query weight and bias, not applied to q.
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim / heads));
  Tensor wq = mul(narrow(in_proj_weight, 0, 0, dim), scale), bq = mul(narrow(in_proj_bias, 0, 0, dim), scale);
  return linear(x, wq, bq);  // B x L x C
}

Tensor LinformerAttention::project(const Tensor& pm, const Tensor& p, const Tensor& w, const Tensor& b,
                                   const Tensor& slot_bias) {
  const std::int64_t k = proj_k;
  // (P 1) bᵀ + slot_bias ⊗ 1: k x C, shared by the batch
  Tensor offset = add(mul(sum(p, {p.dim() - 1}, true), reshape(b, {1, dim})), reshape(slot_bias, {k, 1}));
  Tensor t = add(linear(pm, w), offset);  // B x k x C
  if (!options.emulate_public_layout_bug) return t;  // B x k x C, heads strided in the channels
  // §5.4: the public code views the (B, C, k) buffer as (k, B·h, d).
  const std::int64_t B = t.shape()[0], d = dim / heads;
  Tensor buf = reshape(transpose(t, 1, 2), {k, B * heads, d});
  return reshape(transpose(buf, 0, 1), {B, heads, k, d});
}

std::pair<Tensor, Tensor> LinformerAttention::keys_values(const Tensor& keys, const Tensor& values,
                                                          const Tensor& key_padding_mask) {
  const std::int64_t B = keys.shape()[0], S = keys.shape()[1];
  auto first_columns = [&](const Tensor& p) { return S == seq_len ? p : narrow(p, 1, 0, S); };  // k x S
  Tensor pe = first_columns(E);
  Tensor pf = F.defined() ? first_columns(F) : pe;
  if (key_padding_mask.defined()) {  // per sample, the padded columns zeroed: B x k x S
    Tensor padded = reshape(key_padding_mask, {B, 1, S});
    pe = masked_fill(expand(reshape(pe, {1, proj_k, S}), {B, proj_k, S}), padded, 0.0);
    pf = F.defined() ? masked_fill(expand(reshape(pf, {1, proj_k, S}), {B, proj_k, S}), padded, 0.0) : pe;
  }
  const bool one_memory = keys.impl_ptr() == values.impl_ptr();
  Tensor em = bmm(pe, keys);                                        // B x k x C: E·K_b
  Tensor fm = F.defined() || !one_memory ? bmm(pf, values) : em;  // B x k x C: F·V_b (E·M_b with sharing = kv)
  Tensor k = project(em, pe, narrow(in_proj_weight, 0, dim, dim), narrow(in_proj_bias, 0, dim, dim), bias_e);
  Tensor v = project(fm, pf, narrow(in_proj_weight, 0, 2 * dim, dim), narrow(in_proj_bias, 0, 2 * dim, dim), bias_f);
  return {k, v};
}

// (B, N, C) → (B, h, N, d); the §5.4 layout emulation already returns (B, h, k, d).
Tensor LinformerAttention::heads_of(const Tensor& t) const {
  return t.dim() == 4 ? t : split_heads(t, heads);
}

Tensor LinformerAttention::attention(const Tensor& queries_in, const Tensor& memory) {
  check_inputs(queries_in, memory, memory, Tensor());
  auto [k, v] = keys_values(memory, memory, Tensor());
  return softmax(bmm(split_heads(queries(queries_in), heads), heads_of(k), false, true), -1);  // B x h x L x proj_k
}

Tensor LinformerAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v) {
  // q (B, L, C); k, v (B, proj_k, C), or (B, h, proj_k, d) under the §5.4 layout emulation.
  if (k.dim() == 3 && !(options.dropout > 0 && is_training()))  // fused: never stores the L x proj_k weights
    return out_proj->forward(softmax_attention(q, k, v, heads, 1.0));  // the scale is in q
  Tensor a = dropout(softmax(bmm(split_heads(q, heads), heads_of(k), false, true), -1), options.dropout,
                     is_training());                                     // B x h x L x proj_k
  return out_proj->forward(merge_heads(bmm(a, heads_of(v))));            // B x L x C
}

Tensor LinformerAttention::forward(const Tensor& x) {
  check_inputs(x, x, x, Tensor());
  auto [k, v] = keys_values(x, x, Tensor());
  return attend(queries(x), k, v);
}

Tensor LinformerAttention::forward_cross(const Tensor& queries_in, const Tensor& keys, const Tensor& values,
                                         const Tensor& key_padding_mask) {
  check_inputs(queries_in, keys, values, key_padding_mask);
  auto [k, v] = keys_values(keys, values, key_padding_mask);
  return attend(queries(queries_in), k, v);
}

}  // namespace linattn
