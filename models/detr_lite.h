// models/detr_lite.h — DETR-lite: a small DETR trained from scratch whose transformer encoder
// uses any registered attention type (model.attention), an ObjectDetector (models/detector.h).
// Parameter names follow DETR's (and DAB-DETR's) PyTorch modules so weights interchange through
// safetensors with the PyTorch reference written from the same description.
//
// Forward, images (B, 3, S, S) on the letterboxed canvas, grid H = W = S / stride:
//  1. backbone.* (models/detr_backbone.h) → (B, 8w, H, W);
//  2. input_proj (1x1 conv, 8w → d, bias) → tokens src (B, H·W, d), row-major (h then w);
//  3. pos = sine_position_2d(H, W, d) (layers/position.h), (H·W, d), no padding mask;
//  4. encoder: x = src + pos (once, at the input, so every attention type sees plain tokens);
//     x = transformer.encoder.layers.i(x) (EncoderBlock over model.attention); pre-norm ends with
//     transformer.encoder.norm, post-norm has none. memory = x (B, H·W, d);
//  5. decoder: keys = memory + pos, values = memory, tgt₀ = 0 (B, Q, d); each
//     transformer.decoder.layers.l (DecoderBlock: softmax self-attention over the queries,
//     cross_attention.type cross-attention) gets query positions, and transformer.decoder.norm
//     is applied to every layer's output before the heads (DETR's return_intermediate):
//       learned: query_pos = query_embed.weight (Q, d) for every layer;
//                boxes_l = sigmoid(bbox_embed(out_l));
//       anchor (DAB-DETR with iterative refinement): ref₀ = sigmoid(refpoint_embed.weight) (Q, 4);
//                query_pos_l = ref_point_head(detr_sine_embed(ref_l)) (2d → d → d, ReLU between);
//                boxes_l = sigmoid(bbox_embed(out_l) + inverse_sigmoid(ref_l));
//                ref_{l+1} = boxes_l.detach()  (ref₀ itself is not detached: the anchors learn
//                through layer 0's boxes and query positions);
//     logits_l = class_embed(out_l): K + 1 columns (last: no object) for softmax scores, K for
//     sigmoid scores; bbox_embed.layers.{0,1,2} is Linear d→d, ReLU, Linear d→d, ReLU, Linear d→4.
//     Heads are shared across layers. final = layer L−1, aux = layers 0..L−2, first first.
//
// Init: backbone convs kaiming_normal(fan_out), norms 1/0; input_proj xavier_uniform, bias 0;
// every Linear of the transformer (encoder, decoder, ref_point_head) xavier_uniform with bias 0,
// LayerNorms 1/0, raw attention parameters (Linformer's E/F, SwiftFormer's w_g) keep their
// layer's init; query_embed N(0, 1) (nn.Embedding's); refpoint_embed so that its sigmoid gives
// centers U(0.05, 0.95) and sizes 0.1·U(0.5, 1.5); class_embed PyTorch's default with bias
// −log((1 − 0.01)/0.01) = −4.595 for sigmoid scores (0 for softmax); bbox_embed PyTorch's
// default, its last layer zero in anchor mode (the first boxes are the anchors).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "layers/attention/attention.h"
#include "layers/attention/softmax_options.h"
#include "layers/conv.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/transformer_block.h"
#include "models/detector.h"
#include "models/detr_backbone.h"

namespace linattn {

struct DetrLiteOptions {
  std::int64_t image_size = 256;  // the canvas side S (not a model.* key: from data.image_size)
  std::int64_t num_classes = 80;  // K real classes
  std::int64_t backbone_width = 32, backbone_blocks = 2, stride = 16;
  std::string backbone_norm = "group";  // group | batch
  std::int64_t norm_groups = 8;
  std::int64_t dim = 128, heads = 4, enc_layers = 2, dec_layers = 2;
  double mlp_ratio = 4.0;
  std::int64_t num_queries = 100;
  std::string norm = "pre";                      // pre | post (transformer norm placement)
  std::string queries = "anchor";                // learned | anchor
  std::string scores = "sigmoid";                // softmax | sigmoid
  std::string cross_attention_type = "softmax";  // softmax | efficient | linformer
  AttentionOptions attention = SoftmaxOptions{};  // the encoder's; heads come from `heads`
};

// A stack of Linear layers with ReLU between them, children layers.0, layers.1, ... (DETR's MLP).
class DetrMLP : public Module {
 public:
  DetrMLP(std::int64_t in, std::int64_t hidden, std::int64_t out, std::int64_t num_layers, Generator& gen);
  Tensor forward(const Tensor& x) const;  // (..., in) -> (..., out)

  std::vector<std::shared_ptr<Linear>> layers;
};

// A learned table `weight` (N, D) (nn.Embedding's parameter name).
class DetrEmbedding : public Module {
 public:
  DetrEmbedding(std::int64_t count, std::int64_t dim);
  Tensor weight;
};

class DetrEncoder : public Module {
 public:
  DetrEncoder(const EncoderBlockOptions& block, std::int64_t num_layers, Generator& gen);
  Tensor forward(const Tensor& x);  // (B, N, d) -> (B, N, d)

  std::vector<std::shared_ptr<EncoderBlock>> layers;
  std::shared_ptr<LayerNorm> norm;  // pre-norm only
};

class DetrDecoder : public Module {
 public:
  DetrDecoder(const DecoderBlockOptions& block, std::int64_t num_layers, bool anchor_queries, Generator& gen);

  std::vector<std::shared_ptr<DecoderBlock>> layers;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<DetrMLP> ref_point_head;  // anchor queries only
};

class DetrTransformer : public Module {
 public:
  DetrTransformer(std::shared_ptr<DetrEncoder> encoder, std::shared_ptr<DetrDecoder> decoder);
  std::shared_ptr<DetrEncoder> encoder;
  std::shared_ptr<DetrDecoder> decoder;
};

class DetrLite : public ObjectDetector {
 public:
  DetrLite(const DetrLiteOptions& options, Generator& gen);
  DetectorOutput forward(const Tensor& images) override;  // (B, 3, S, S) -> Q predictions per layer
  std::int64_t num_queries() const override { return options.num_queries; }
  std::int64_t num_classes() const override { return options.num_classes; }
  bool sigmoid_scores() const override { return options.scores == "sigmoid"; }

  DetrLiteOptions options;
  Grid grid;  // the memory grid (S/stride, S/stride)
  std::shared_ptr<DetrBackbone> backbone;
  std::shared_ptr<Conv2d> input_proj;
  std::shared_ptr<DetrTransformer> transformer;
  std::shared_ptr<DetrEmbedding> query_embed;     // learned queries: (Q, d)
  std::shared_ptr<DetrEmbedding> refpoint_embed;  // anchor queries: (Q, 4), pre-sigmoid
  std::shared_ptr<Linear> class_embed;
  std::shared_ptr<DetrMLP> bbox_embed;
  // ref_{l+1} = boxes_l.detach(), as DAB-DETR; false only in tests (gradchecks through the
  // refinement).
  bool detach_references = true;

 private:
  Tensor position_encoding(const Tensor& like);  // (H·W, d) in like's dtype and device, cached
  Tensor pos_cache_;
};

// The encoder's attention options: model.attention with the model's heads, fitted to the memory
// grid (no cls token).
AttentionOptions detr_encoder_attention_options(const DetrLiteOptions& options, Grid grid);
// The decoder's cross-attention options: cross_attention_type with its defaults, the model's
// heads, fitted to the memory grid (Linformer's seq_len = H·W).
AttentionOptions detr_cross_attention_options(const DetrLiteOptions& options, Grid grid);

// DAB-DETR's sine embedding of boxes (B, Q, 4) cxcywh in [0, 1] → (B, Q, 2·dim): for each
// coordinate in the order cx, cy, w, h, dim/2 channels, channel i = sin(p / T_i) for even i and
// cos(p / T_i) for odd i, p = coordinate·2π, T_i = 10000^(2⌊i/2⌋ / (dim/2)). dim % 4 == 0.
Tensor detr_sine_embed(const Tensor& boxes, std::int64_t dim);

// log(x / (1 − x)) with x clamped to [0, 1] and both x and 1 − x to at least 1e-5.
Tensor inverse_sigmoid(const Tensor& x);

}  // namespace linattn
