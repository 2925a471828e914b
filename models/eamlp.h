// models/eamlp.h — EAMLP, the EANet paper's all-MLP classifier (docs/attention.md §4.2–4.3): a
// T2T-ViT whose attentions are all external attention, adapted to 32×32 images
// (docs/eamlp.md).
//
//   images (B, 3, 32, 32)
//   → tokens_to_token: soft split (unfold k3 s1 p1) → 1024 tokens of 27 → token EA → 32×32 map
//                      soft split (unfold k3 s2 p1) →  256 tokens of 576 → token EA → 16×16 map
//                      soft split (unfold k3 s2 p1) →   64 tokens of 576 → project → (B, 64, D)
//   → [cls; tokens] + fixed sinusoidal position encoding (B, 65, D)
//   → depth × pre-norm encoder blocks [x + Attn(LN₁ x); x + MLP(LN₂ x)], Attn = multi-head EA
//     (§4.2; layers/transformer_block.h)
//   → final LN → cls token → Linear head → logits (B, classes)
//
// Parameter names follow T2T-ViT (tokens_to_token.attention1.attn.q_linear.weight, ...,
// tokens_to_token.project.*, cls_token, blocks.i.*, norm.*, head.*); pos_embed is a buffer
// (T2T-ViT's requires_grad=False parameter), so num_parameters() leaves it out.
// Init (T2T-ViT): cls_token and every Linear weight trunc_normal(.02), Linear biases 0,
// LayerNorm 1/0; each token EA's memories then tied by transposition (tie = init, §4.1/§4.3).
#pragma once
#include "models/classifier.h"
#include <memory>
#include <vector>

#include "layers/attention/attention.h"
#include "layers/attention/external_options.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/mlp.h"
#include "layers/transformer_block.h"

namespace linattn {

// One unfold of the tokens-to-token stem (square kernel, stride and padding).
struct SoftSplit {
  std::int64_t kernel = 3, stride = 1, padding = 1;
};

struct EAMLPOptions {
  std::int64_t image_size = 32, in_channels = 3;
  // The stem: a token EA between consecutive splits, `project` after the last one. The
  // original k7s4p2, k3s2p1, k3s2p1 (224 px → 14×14) becomes k3s1p1, k3s2p1, k3s2p1 (32 px →
  // 8×8, the ViT's grid); docs/eamlp.md says why.
  std::vector<SoftSplit> soft_splits = {{3, 1, 1}, {3, 2, 1}, {3, 2, 1}};
  std::int64_t token_dim = 64;      // width of the stem's token EA
  std::int64_t token_memory = 128;  // its memory slots k
  double token_attn_drop = 0.1, token_proj_drop = 0.1;  // Token_performer's dp1, dp2 (training only)
  // EAMLP-7 (T2T-ViT-7 with EA): embed 256, depth 7, heads 4 (→ 16 EA heads of 64), MLP ratio 2.
  std::int64_t embed_dim = 256, depth = 7, heads = 4;
  double mlp_ratio = 2.0;
  std::int64_t num_classes = 10;
  // The body's attention: §4.2 multi-head EA (coef 4, S 64); `heads` overrides its heads. Any
  // registry type works (softmax for an A/B run); cos2d cannot (the cls token has no grid cell).
  AttentionOptions attention = ExternalOptions{.heads = 4, .coef = 4, .S = 64};
};

// T2T token_performer's `Attention` (§4.3): external attention over one set of tokens with a
// residual from its own input projection. (B, N, dim_in) → (B, N, token_dim):
//   q = q_linear(x); A = softmax_N(linear_0(q)); A = A / (1e-9 + Σ_slots A); A = drop(A)
//   out = q + drop(proj(linear_1(A)))
// linear_0 (no bias) and linear_1 (with bias) are tied at init only: linear_1.weight =
// linear_0.weightᵀ after construction (the public code's shared storage, which GPU training
// breaks; §4.1 "tie quirk"), then they train independently.
class TokenExternalMemory : public Module {
 public:
  TokenExternalMemory(std::int64_t dim_in, std::int64_t token_dim, std::int64_t memory, double attn_drop,
                      double proj_drop, Generator& gen);
  Tensor forward(const Tensor& x) const;  // (B, N, dim_in) -> (B, N, token_dim)

  // Copy one memory's weight, transposed, into the other (outside autograd).
  void tie_linear_1_to_linear_0() const;  // linear_1.weight ← linear_0.weightᵀ
  void tie_linear_0_to_linear_1() const;  // linear_0.weight ← linear_1.weightᵀ

  std::int64_t dim_in, token_dim, memory;
  double attn_drop, proj_drop;
  std::shared_ptr<Linear> q_linear, linear_0, linear_1, proj;
};

// T2T's Token_performer block with external attention (§4.3), mlp_ratio 1:
//   x = attn(norm1(x))            (dim_in → token_dim; the residual is inside attn)
//   x = x + mlp(norm2(x))         (token_dim → token_dim → token_dim, GELU)
class TokenExternalAttention : public Module {
 public:
  TokenExternalAttention(std::int64_t dim_in, std::int64_t token_dim, std::int64_t memory, double attn_drop,
                         double proj_drop, Generator& gen);
  Tensor forward(const Tensor& x) const;  // (B, N, dim_in) -> (B, N, token_dim)

  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<TokenExternalMemory> attn;
  std::shared_ptr<MLP> mlp;
};

// The tokens-to-token stem: images (B, C, H, W) → tokens (B, Ho·Wo, embed_dim) on `grid`.
// Children: attention1 .. attention{splits−1}, then project.
class TokensToToken : public Module {
 public:
  TokensToToken(const EAMLPOptions& options, Generator& gen);
  Tensor forward(const Tensor& images) const;  // (B, C, H, W) -> (B, N, D)

  std::vector<SoftSplit> splits;
  std::vector<Grid> grids;  // the token grid after each split; grids.back() is the output grid
  Grid grid;
  std::int64_t in_channels, image_size;
  std::vector<std::shared_ptr<TokenExternalAttention>> attentions;
  std::shared_ptr<Linear> project;
};

class EAMLP : public ImageClassifier {
 public:
  EAMLP(const EAMLPOptions& options, Generator& gen);
  Tensor forward(const Tensor& images) override;  // (B, C, H, W) -> logits (B, classes)

  EAMLPOptions options;
  Grid grid;  // the stem's output grid (8×8 for 32 px)
  std::shared_ptr<TokensToToken> tokens_to_token;
  Tensor cls_token;  // (1, 1, D), parameter
  Tensor pos_embed;  // (1, N + 1, D), buffer: sinusoid_encoding(N + 1, D)
  std::vector<std::shared_ptr<EncoderBlock>> blocks;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Linear> head;
};

// T2T-ViT's get_sinusoid_encoding: (positions, dim) with angle(p, j) = p / 10000^(2⌊j/2⌋/dim),
// sin on even j, cos on odd j; computed in float64, returned in `dtype`.
Tensor sinusoid_encoding(std::int64_t positions, std::int64_t dim, DType dtype = DType::F32);

// The attention options of an EAMLP block: `heads` from the model, Linformer's seq_len
// counting the cls token; cos2d is an error (the cls token has no grid cell).
AttentionOptions eamlp_attention_options(const EAMLPOptions& options, Grid grid);

}  // namespace linattn
