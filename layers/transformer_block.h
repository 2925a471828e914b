// layers/transformer_block.h — the transformer encoder and decoder blocks over any registered
// attention type (docs/attention.md §8), and the helpers the models share to build them.
//
// EncoderBlock (children norm1, attn, norm2, mlp — the ViT's blocks.i.* names):
//   pre-norm:  x = x + attn(norm1(x));  x = x + mlp(norm2(x))
//   post-norm: x = norm1(x + attn(x));  x = norm2(x + mlp(x))
// DecoderBlock (children self_attn, norm1, cross_attn, norm2, mlp, norm3), queries t (B, L, C),
// keys and values (B, S, C) given apart (DETR: keys = memory + pos, values = memory), an
// optional key padding mask (B, S) (nonzero: padded) and optional query positions (B, L, C):
//   pre-norm:  t = t + SA(norm1(t));  t = t + CA(norm2(t), keys, values);  t = t + mlp(norm3(t))
//   post-norm: t = norm1(t + SA(t));  t = norm2(t + CA(t, keys, values));  t = norm3(t + mlp(t))
// With query positions p, SA's queries and keys get p and its values do not (SA(u) =
// self_attn.forward_cross(u + p, u + p, u), so the self-attention type must support
// cross-attention), and CA's queries get p. Without them SA(u) = self_attn.forward(u).
#pragma once
#include <memory>

#include "layers/attention/attention.h"
#include "layers/layer_norm.h"
#include "layers/mlp.h"

namespace linattn {

enum class NormPlacement { Pre, Post };

struct EncoderBlockOptions {
  std::int64_t dim = 0, hidden = 0;  // channels C and the MLP's hidden width
  AttentionOptions attention;        // as the layer uses them (see encoder_attention_options)
  Grid grid;                         // the token grid the attention is built for
  NormPlacement norm = NormPlacement::Pre;
};

class EncoderBlock : public Module {
 public:
  EncoderBlock(const EncoderBlockOptions& options, Generator& gen);
  Tensor forward(const Tensor& x);  // (B, N, C) -> (B, N, C)

  NormPlacement placement;
  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<Attention> attn;
  std::shared_ptr<MLP> mlp;
};

struct DecoderBlockOptions {
  std::int64_t dim = 0, hidden = 0;
  AttentionOptions self_attention;   // over the queries (no grid)
  AttentionOptions cross_attention;  // a type that supports cross-attention
  Grid memory_grid;                  // the keys' grid where the type needs one (Linformer's seq_len)
  NormPlacement norm = NormPlacement::Pre;
};

class DecoderBlock : public Module {
 public:
  DecoderBlock(const DecoderBlockOptions& options, Generator& gen);
  // queries (B, L, C), keys and values (B, S, C), key_padding_mask (B, S) or undefined,
  // query_pos (B, L, C) or undefined -> (B, L, C)
  Tensor forward(const Tensor& queries, const Tensor& keys, const Tensor& values,
                 const Tensor& key_padding_mask = Tensor(), const Tensor& query_pos = Tensor());

  NormPlacement placement;
  std::shared_ptr<Attention> self_attn, cross_attn;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;
  std::shared_ptr<MLP> mlp;

 private:
  Tensor self_attention(const Tensor& u, const Tensor& query_pos);
};

// The attention options every block of an encoder uses: the model's heads, the type's fit to
// the token layout (e.g. Linformer's seq_len counting the cls token), and the refusal of a
// type that needs every token on the grid when there is a cls token — "<model>: <type>
// attention <cls_conflict> — ... ---> HINT: <hint>".
AttentionOptions encoder_attention_options(const AttentionOptions& attention, const AttentionSite& site,
                                           const std::string& model, const std::string& cls_conflict,
                                           const std::string& hint);

// The transformer init of docs/attention.md §8.1, in module order: every Linear (inside the
// attention too) trunc_normal(.02) with bias 0, every LayerNorm 1 / 0. Raw attention
// parameters (Linformer's E/F, SwiftFormer's w_g) keep their layer's own init.
void init_transformer_weights(Module& model, Generator& gen);

}  // namespace linattn
