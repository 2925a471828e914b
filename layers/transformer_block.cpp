// layers/transformer_block.cpp — see transformer_block.h.
#include "layers/transformer_block.h"

#include "core/ops.h"
#include "layers/init.h"
#include "layers/linear.h"

namespace linattn {

EncoderBlock::EncoderBlock(const EncoderBlockOptions& o, Generator& gen) : placement(o.norm) {
  LINATTN_CHECK(o.dim > 0 && o.hidden > 0, "encoder block: dim ", o.dim, " and hidden ", o.hidden, " must be positive");
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(o.dim));
  attn = register_module("attn", make_attention(o.attention, o.dim, o.grid, gen));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(o.dim));
  mlp = register_module("mlp", std::make_shared<MLP>(o.dim, o.hidden, gen));
}

Tensor EncoderBlock::forward(const Tensor& x) {
  if (placement == NormPlacement::Pre) {
    Tensor h = add(x, attn->forward(norm1->forward(x)));  // B x N x C
    return add(h, mlp->forward(norm2->forward(h)));
  }
  Tensor h = norm1->forward(add(x, attn->forward(x)));
  return norm2->forward(add(h, mlp->forward(h)));
}

DecoderBlock::DecoderBlock(const DecoderBlockOptions& o, Generator& gen) : placement(o.norm) {
  LINATTN_CHECK(o.dim > 0 && o.hidden > 0, "decoder block: dim ", o.dim, " and hidden ", o.hidden, " must be positive");
  LINATTN_CHECK(o.cross_attention.type().supports_cross, "decoder block: attention type '",
                o.cross_attention.type_name(), "' does not support cross-attention (docs/attention.md §12). "
                "---> HINT: use softmax, linformer or efficient for the cross-attention");
  self_attn = register_module("self_attn", make_attention(o.self_attention, o.dim, Grid{}, gen));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(o.dim));
  cross_attn = register_module("cross_attn", make_attention(o.cross_attention, o.dim, o.memory_grid, gen));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(o.dim));
  mlp = register_module("mlp", std::make_shared<MLP>(o.dim, o.hidden, gen));
  norm3 = register_module("norm3", std::make_shared<LayerNorm>(o.dim));
}

Tensor DecoderBlock::self_attention(const Tensor& u, const Tensor& query_pos) {
  if (!query_pos.defined()) return self_attn->forward(u);
  LINATTN_CHECK(self_attn->supports_cross(), "decoder block: query positions need a self-attention that takes "
                "queries, keys and values apart; '", self_attn->type(), "' does not (docs/attention.md §12)");
  Tensor qk = add(u, query_pos);  // B x L x C
  return self_attn->forward_cross(qk, qk, u);
}

Tensor DecoderBlock::forward(const Tensor& queries, const Tensor& keys, const Tensor& values,
                             const Tensor& key_padding_mask, const Tensor& query_pos) {
  LINATTN_CHECK(!query_pos.defined() || query_pos.shape() == queries.shape(), "decoder block: query_pos ",
                shape_str(query_pos.shape()), " must have the queries' shape ", shape_str(queries.shape()));
  auto with_pos = [&](const Tensor& u) { return query_pos.defined() ? add(u, query_pos) : u; };
  Tensor t = queries;  // B x L x C
  if (placement == NormPlacement::Pre) {
    t = add(t, self_attention(norm1->forward(t), query_pos));
    t = add(t, cross_attn->forward_cross(with_pos(norm2->forward(t)), keys, values, key_padding_mask));
    return add(t, mlp->forward(norm3->forward(t)));
  }
  t = norm1->forward(add(t, self_attention(t, query_pos)));
  t = norm2->forward(add(t, cross_attn->forward_cross(with_pos(t), keys, values, key_padding_mask)));
  return norm3->forward(add(t, mlp->forward(t)));
}

AttentionOptions encoder_attention_options(const AttentionOptions& attention, const AttentionSite& site,
                                           const std::string& model, const std::string& cls_conflict,
                                           const std::string& hint) {
  return attention.fitted(site, model, cls_conflict, hint);
}

void init_transformer_weights(Module& model, Generator& gen) {
  model.apply([&](Module& m) {
    if (auto* lin = dynamic_cast<Linear*>(&m)) {
      init::trunc_normal_(lin->weight, 0.02, gen);
      if (lin->bias.defined()) init::zeros_(lin->bias);
    } else if (auto* ln = dynamic_cast<LayerNorm*>(&m)) {
      init::ones_(ln->weight);
      init::zeros_(ln->bias);
    }
  });
}

}  // namespace linattn
