// models/vit.h — the reference Vision Transformer of docs/attention.md §8 with any attention from
// the registry: patch embedding (Conv p×p, stride p) → + learned position embedding → depth ×
// pre-norm encoder blocks [x + Attn(LN₁ x); x + MLP(LN₂ x)] (layers/transformer_block.h) → final
// LN → mean pooling (or the cls token) → Linear head. Parameter names follow §13 (patch_embed.*, pos_embed, cls_token,
// blocks.i.{norm1,attn,norm2,mlp}.*, norm.*, head.*).
// Init (§8.1): every Linear (including those inside the attention) gets trunc_normal(.02) and
// bias 0; LayerNorm 1/0; the patch conv keeps PyTorch's default; raw attention parameters
// (Linformer in_proj/E/F/biases, SwiftFormer w_g) keep their layer's own init.
#pragma once
#include <memory>
#include <vector>

#include "layers/attention/attention.h"
#include "layers/attention/softmax_options.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/patch_embed.h"
#include "layers/transformer_block.h"
#include "models/classifier.h"

namespace linattn {

struct ViTOptions {
  std::int64_t image_size = 32, in_channels = 3, patch = 4;
  std::int64_t dim = 192, depth = 6, heads = 3;
  double mlp_ratio = 2.0;
  std::string pool = "mean";  // mean | cls
  std::int64_t num_classes = 10;
  AttentionOptions attention = SoftmaxOptions{};  // its heads are overridden by `heads`
};

class ViT : public ImageClassifier {
 public:
  ViT(const ViTOptions& options, Generator& gen);
  Tensor forward(const Tensor& images) override;  // (B, 3, H, W) -> logits (B, classes)

  ViTOptions options;
  Grid grid;
  std::shared_ptr<PatchEmbed> patch_embed;
  Tensor pos_embed, cls_token;  // cls_token only with pool = cls
  std::vector<std::shared_ptr<EncoderBlock>> blocks;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Linear> head;
};

// The attention options a ViT block uses: `heads` set from the model, and for pool = cls the
// Linformer sequence length that includes the cls token. cos2d with a cls token is an error.
AttentionOptions vit_attention_options(const ViTOptions& options, Grid grid);

}  // namespace linattn
