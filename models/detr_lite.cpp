// models/detr_lite.cpp — see detr_lite.h.
#include "models/detr_lite.h"

#include <cmath>
#include <numbers>

#include "core/ops.h"
#include "layers/init.h"
#include "layers/position.h"

namespace linattn {

// ---- the small modules ------------------------------------------------------------------------

DetrMLP::DetrMLP(std::int64_t in, std::int64_t hidden, std::int64_t out, std::int64_t num_layers, Generator& gen) {
  auto list = register_module("layers", std::make_shared<ModuleList>());
  for (std::int64_t i = 0; i < num_layers; ++i)
    layers.push_back(list->push_back(
        std::make_shared<Linear>(i == 0 ? in : hidden, i + 1 == num_layers ? out : hidden, true, gen)));
}

Tensor DetrMLP::forward(const Tensor& x) const {
  Tensor h = x;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    h = layers[i]->forward(h);
    if (i + 1 < layers.size()) h = relu(h);
  }
  return h;
}

DetrEmbedding::DetrEmbedding(std::int64_t count, std::int64_t dim) {
  weight = register_parameter("weight", zeros({count, dim}));
}

DetrEncoder::DetrEncoder(const EncoderBlockOptions& block, std::int64_t num_layers, Generator& gen) {
  auto list = register_module("layers", std::make_shared<ModuleList>());
  for (std::int64_t i = 0; i < num_layers; ++i) layers.push_back(list->push_back(std::make_shared<EncoderBlock>(block, gen)));
  if (block.norm == NormPlacement::Pre) norm = register_module("norm", std::make_shared<LayerNorm>(block.dim));
}

Tensor DetrEncoder::forward(const Tensor& x) {
  Tensor h = x;  // B x N x d
  for (auto& layer : layers) h = layer->forward(h);
  return norm ? norm->forward(h) : h;
}

DetrDecoder::DetrDecoder(const DecoderBlockOptions& block, std::int64_t num_layers, bool anchor_queries,
                         Generator& gen) {
  auto list = register_module("layers", std::make_shared<ModuleList>());
  for (std::int64_t i = 0; i < num_layers; ++i) layers.push_back(list->push_back(std::make_shared<DecoderBlock>(block, gen)));
  norm = register_module("norm", std::make_shared<LayerNorm>(block.dim));
  if (anchor_queries)
    ref_point_head = register_module("ref_point_head", std::make_shared<DetrMLP>(2 * block.dim, block.dim, block.dim, 2, gen));
}

DetrTransformer::DetrTransformer(std::shared_ptr<DetrEncoder> enc, std::shared_ptr<DetrDecoder> dec) {
  encoder = register_module("encoder", std::move(enc));
  decoder = register_module("decoder", std::move(dec));
}

// ---- options, embeddings ----------------------------------------------------------------------

AttentionOptions detr_encoder_attention_options(const DetrLiteOptions& o, Grid grid) {
  return encoder_attention_options(o.attention, {.dim = o.dim, .heads = o.heads, .grid = grid}, "DETR-lite",
                                   "cannot be used", "");
}

AttentionOptions detr_cross_attention_options(const DetrLiteOptions& o, Grid grid) {
  LINATTN_CHECK(o.cross_attention_type == "softmax" || o.cross_attention_type == "efficient" ||
                    o.cross_attention_type == "linformer",
                "DETR-lite: cross_attention.type must be softmax, efficient or linformer, got '", o.cross_attention_type,
                "'");
  return AttentionOptions::defaults(o.cross_attention_type)
      .fitted({.dim = o.dim, .heads = o.heads, .grid = grid}, "DETR-lite cross-attention", "cannot be used", "");
}

Tensor detr_sine_embed(const Tensor& boxes, std::int64_t dim) {
  LINATTN_CHECK(boxes.dim() == 3 && boxes.shape()[2] == 4, "detr_sine_embed: boxes must be (B, Q, 4), got ",
                shape_str(boxes.shape()));
  LINATTN_CHECK(dim > 0 && dim % 4 == 0, "detr_sine_embed: dim must be a positive multiple of 4, got ", dim);
  const std::int64_t B = boxes.shape()[0], Q = boxes.shape()[1], half = dim / 2, pairs = dim / 4;
  std::vector<double> freq(static_cast<std::size_t>(pairs));  // 2π / T_{2k}, shared by channels 2k and 2k+1
  for (std::int64_t k = 0; k < pairs; ++k)
    freq[static_cast<std::size_t>(k)] =
        2.0 * std::numbers::pi * std::pow(10000.0, -2.0 * static_cast<double>(k) / static_cast<double>(half));
  Tensor frequencies = from_values(freq, {pairs}, {.dtype = boxes.dtype(), .device = boxes.device()});
  Tensor args = mul(unsqueeze(boxes, 3), frequencies);  // B x Q x 4 x pairs
  Tensor sin_cos = cat({unsqueeze(sin(args), 4), unsqueeze(cos(args), 4)}, 4);  // B x Q x 4 x pairs x 2
  return reshape(sin_cos, {B, Q, 4 * half});  // B x Q x 2d: [cx | cy | w | h], each sin, cos, sin, ...
}

Tensor inverse_sigmoid(const Tensor& x) {
  constexpr double eps = 1e-5;
  return sub(log(clamp(x, eps, 1.0)), log(clamp(rsub(1.0, x), eps, 1.0)));
}

// ---- the model --------------------------------------------------------------------------------

namespace {

NormPlacement placement_of(const std::string& norm) {
  LINATTN_CHECK(norm == "pre" || norm == "post", "DETR-lite: norm must be pre or post, got '", norm, "'");
  return norm == "pre" ? NormPlacement::Pre : NormPlacement::Post;
}

// The refpoint init: centers U(0.05, 0.95), sizes 0.1·U(0.5, 1.5), stored before the sigmoid.
void init_anchors(const Tensor& weight, Generator& gen) {
  Tensor u = empty(weight.shape(), {.dtype = DType::F64});
  init::uniform_(u, 0.0, 1.0, gen);
  std::vector<double> v = u.to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double p = i % 4 < 2 ? 0.05 + 0.9 * v[i] : 0.1 * (0.5 + v[i]);
    v[i] = std::log(p / (1.0 - p));
  }
  weight.copy_(from_values(v, weight.shape(), {.dtype = DType::F64}));
}

}  // namespace

DetrLite::DetrLite(const DetrLiteOptions& o, Generator& gen) : options(o) {
  LINATTN_CHECK(o.queries == "learned" || o.queries == "anchor", "DETR-lite: queries must be learned or anchor, got '",
                o.queries, "'");
  LINATTN_CHECK(o.scores == "softmax" || o.scores == "sigmoid", "DETR-lite: scores must be softmax or sigmoid, got '",
                o.scores, "'");
  LINATTN_CHECK(o.dim > 0 && o.heads > 0 && o.dim % o.heads == 0, "DETR-lite: dim ", o.dim,
                " must be positive and divisible by heads ", o.heads);
  LINATTN_CHECK(o.queries != "anchor" || o.dim % 4 == 0, "DETR-lite: anchor queries need dim % 4 == 0, got ", o.dim);
  LINATTN_CHECK(o.enc_layers >= 1 && o.dec_layers >= 1 && o.num_queries > 0 && o.num_classes > 0,
                "DETR-lite: enc_layers ", o.enc_layers, ", dec_layers ", o.dec_layers, ", num_queries ", o.num_queries,
                " and num_classes ", o.num_classes, " must be positive");
  LINATTN_CHECK(o.image_size > 0 && o.image_size % o.stride == 0, "DETR-lite: the image side ", o.image_size,
                " must be divisible by the stride ", o.stride);
  const NormPlacement placement = placement_of(o.norm);
  const double hidden_units = static_cast<double>(o.dim) * o.mlp_ratio;
  LINATTN_CHECK(hidden_units > 0 && hidden_units == std::floor(hidden_units), "DETR-lite: dim ", o.dim,
                " x mlp_ratio ", o.mlp_ratio, " must be a positive whole number");
  const auto hidden = static_cast<std::int64_t>(hidden_units);
  grid = {o.image_size / o.stride, o.image_size / o.stride};

  backbone = register_module("backbone", std::make_shared<DetrBackbone>(
                                             DetrBackboneOptions{.width = o.backbone_width, .blocks = o.backbone_blocks,
                                                                 .stride = o.stride, .norm = o.backbone_norm,
                                                                 .groups = o.norm_groups},
                                             gen));
  input_proj = register_module("input_proj", std::make_shared<Conv2d>(backbone->out_channels(), o.dim,
                                                                      std::array<std::int64_t, 2>{1, 1},
                                                                      Conv2dParams{}, true, gen));
  init::xavier_uniform_(input_proj->weight, gen);
  init::zeros_(input_proj->bias);

  const bool anchor = o.queries == "anchor";
  auto encoder = std::make_shared<DetrEncoder>(
      EncoderBlockOptions{.dim = o.dim, .hidden = hidden, .attention = detr_encoder_attention_options(o, grid),
                          .grid = grid, .norm = placement},
      o.enc_layers, gen);
  auto decoder = std::make_shared<DetrDecoder>(
      DecoderBlockOptions{.dim = o.dim, .hidden = hidden, .self_attention = SoftmaxOptions{.heads = o.heads},
                          .cross_attention = detr_cross_attention_options(o, grid), .memory_grid = grid,
                          .norm = placement},
      o.dec_layers, anchor, gen);
  transformer = register_module("transformer", std::make_shared<DetrTransformer>(encoder, decoder));
  transformer->apply([&](Module& m) {  // DETR's xavier init of the transformer
    if (auto* lin = dynamic_cast<Linear*>(&m)) {
      init::xavier_uniform_(lin->weight, gen);
      if (lin->bias.defined()) init::zeros_(lin->bias);
    } else if (auto* ln = dynamic_cast<LayerNorm*>(&m)) {
      init::ones_(ln->weight);
      init::zeros_(ln->bias);
    }
  });

  if (anchor) {
    refpoint_embed = register_module("refpoint_embed", std::make_shared<DetrEmbedding>(o.num_queries, 4));
    init_anchors(refpoint_embed->weight, gen);
  } else {
    query_embed = register_module("query_embed", std::make_shared<DetrEmbedding>(o.num_queries, o.dim));
    init::normal_(query_embed->weight, 0.0, 1.0, gen);
  }
  const bool sigmoid = o.scores == "sigmoid";
  class_embed = register_module("class_embed", std::make_shared<Linear>(o.dim, o.num_classes + (sigmoid ? 0 : 1), true, gen));
  init::constant_(class_embed->bias, sigmoid ? -std::log((1.0 - 0.01) / 0.01) : 0.0);
  bbox_embed = register_module("bbox_embed", std::make_shared<DetrMLP>(o.dim, o.dim, 4, 3, gen));
  if (anchor) {
    init::zeros_(bbox_embed->layers.back()->weight);
    init::zeros_(bbox_embed->layers.back()->bias);
  }
}

Tensor DetrLite::position_encoding(const Tensor& like) {
  if (!pos_cache_.defined() || pos_cache_.dtype() != like.dtype() || pos_cache_.device() != like.device())
    pos_cache_ = sine_position_2d(grid.H, grid.W, options.dim, {}, Tensor(), like.dtype()).to(like.device());
  return pos_cache_;
}

DetectorOutput DetrLite::forward(const Tensor& images) {
  const std::int64_t S = options.image_size, d = options.dim, Q = options.num_queries;
  LINATTN_CHECK(images.dim() == 4 && images.shape()[1] == 3 && images.shape()[2] == S && images.shape()[3] == S,
                "DETR-lite: images must be (B, 3, ", S, ", ", S, "), got ", shape_str(images.shape()));
  const std::int64_t B = images.shape()[0];
  Tensor features = input_proj->forward(backbone->forward(images));           // B x d x H x W
  Tensor src = transpose(reshape(features, {B, d, grid.tokens()}), 1, 2);   // B x HW x d
  Tensor pos = position_encoding(src);                                        // HW x d
  Tensor memory = transformer->encoder->forward(add(src, pos));               // B x HW x d
  Tensor keys = add(memory, pos);                                             // B x HW x d

  DetrDecoder& decoder = *transformer->decoder;
  const bool anchor = options.queries == "anchor";
  Tensor h = zeros({B, Q, d}, {.dtype = src.dtype(), .device = src.device()});  // tgt₀
  Tensor query_pos, ref;
  if (anchor)
    ref = expand(sigmoid(refpoint_embed->weight), {B, Q, 4});  // B x Q x 4
  else
    query_pos = expand(query_embed->weight, {B, Q, d});  // B x Q x d
  std::vector<DetectorPrediction> layers;
  for (auto& layer : decoder.layers) {
    if (anchor) query_pos = decoder.ref_point_head->forward(detr_sine_embed(ref, d));  // B x Q x d
    h = layer->forward(h, keys, memory, Tensor(), query_pos);
    Tensor out = decoder.norm->forward(h);
    Tensor box_logits = bbox_embed->forward(out);  // B x Q x 4
    DetectorPrediction p{.logits = class_embed->forward(out),
                         .boxes = sigmoid(anchor ? add(box_logits, inverse_sigmoid(ref)) : box_logits)};
    if (anchor) ref = detach_references ? p.boxes.detach() : p.boxes;
    layers.push_back(std::move(p));
  }
  DetectorOutput output;
  output.final = layers.back();
  output.aux.assign(layers.begin(), layers.end() - 1);
  return output;
}

}  // namespace linattn
