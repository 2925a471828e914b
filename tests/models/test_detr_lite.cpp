// tests/models/test_detr_lite.cpp — DETR-lite (models/detr_lite.h): output shapes for both query
// modes and score heads, every encoder attention type and the three cross-attention types at a
// tiny size, DETR's parameter names and the contract's parameter count, the init (xavier
// transformer, focal-loss prior, anchors), the sine box embedding and inverse sigmoid by hand,
// float64 gradchecks of a whole tiny model in both query modes, the detached reference of the
// box refinement, batch norm in train and eval mode, and the registry entry (keys, checks,
// attention site, factory).
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>

#include "core/ops.h"
#include "core/parallel.h"
#include "layers/attention/options.h"
#include "layers/batch_norm.h"
#include "models/detr_lite.h"
#include "models/model_type.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;

namespace {

// S = 32 at stride 16: a 2 x 2 memory grid.
DetrLiteOptions tiny(const std::string& queries, const std::string& scores) {
  DetrLiteOptions o;
  o.image_size = 32;
  o.num_classes = 3;
  o.backbone_width = 4;
  o.backbone_blocks = 1;
  o.norm_groups = 2;
  o.dim = 16;
  o.heads = 2;
  o.enc_layers = 1;
  o.dec_layers = 2;
  o.mlp_ratio = 2.0;
  o.num_queries = 5;
  o.queries = queries;
  o.scores = scores;
  return o;
}

std::map<std::string, Tensor> params_of(const Module& m) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : m.state_dict()) out[name] = t;
  return out;
}

// Every output of every layer, flattened into one vector (for gradchecks).
Tensor flat(const DetectorOutput& out) {
  std::vector<Tensor> parts;
  for (const DetectorPrediction* p : {&out.final, &out.aux[0]})
    for (const Tensor& t : {p->logits, p->boxes}) parts.push_back(reshape(t, {t.numel()}));
  return cat(parts, 0);
}

double max_abs(const Tensor& t) { return max(abs(t)).item(); }

// float64 gradchecks of whole models run on one thread: at these tiny sizes OpenBLAS's threads
// and libgomp's spinning workers contend for the 2 cores (measured 10x slower on 2 threads).
struct OneThread {
  int saved = num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(saved); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;
};

// ModelChecks that record the failed requirements as "key: what".
struct RecordingChecks : ModelChecks {
  mutable std::vector<std::string> errors;
  void require(bool ok, const std::string& key, const std::string& what) const override {
    if (!ok) errors.push_back(key + ": " + what);
  }
  std::string cite(const std::string& key) const override { return "model." + key; }
};

}  // namespace

TEST_CASE("DETR-lite outputs Q boxes and K (+1) logits per decoder layer in both query modes") {
  Generator gen(0);
  Tensor img = randn({2, 3, 32, 32}, {}, &gen);
  for (std::string queries : {"learned", "anchor"})
    for (std::string scores : {"softmax", "sigmoid"}) {
      CAPTURE(queries);
      CAPTURE(scores);
      DetrLiteOptions o = tiny(queries, scores);
      o.dec_layers = 3;
      DetrLite model(o, gen);
      CHECK(model.num_queries() == 5);
      CHECK(model.num_classes() == 3);
      CHECK(model.sigmoid_scores() == (scores == "sigmoid"));
      DetectorOutput out = model.forward(img);
      const std::int64_t columns = scores == "sigmoid" ? 3 : 4;
      CHECK(out.final.logits.shape() == Shape{2, 5, columns});
      CHECK(out.final.boxes.shape() == Shape{2, 5, 4});
      REQUIRE(out.aux.size() == 2);
      for (const auto& p : out.aux) {
        CHECK(p.logits.shape() == Shape{2, 5, columns});
        CHECK(p.boxes.shape() == Shape{2, 5, 4});
      }
      CHECK(min(out.final.boxes).item() > 0.0);
      CHECK(max(out.final.boxes).item() < 1.0);
    }
  DetrLite model(tiny("anchor", "sigmoid"), gen);
  CHECK_THROWS_WITH_AS(model.forward(randn({1, 3, 64, 64})), doctest::Contains("images must be (B, 3, 32, 32)"), Error);
}

TEST_CASE("DETR-lite builds and runs with each of the six encoder attention types") {
  Generator gen(1);
  Tensor img = randn({2, 3, 32, 32}, {}, &gen);
  for (std::string type : {"softmax", "cos2d", "external", "linformer", "additive", "efficient"}) {
    CAPTURE(type);
    DetrLiteOptions o = tiny("anchor", "sigmoid");
    o.attention = AttentionOptions::defaults(type);
    DetrLite model(o, gen);
    CHECK(model.transformer->encoder->layers[0]->attn->type() == type);
    DetectorOutput out = model.forward(img);
    CHECK(out.final.boxes.shape() == Shape{2, 5, 4});
    CHECK(std::isfinite(sum(out.final.logits).item()));
    CHECK(std::isfinite(sum(out.final.boxes).item()));
  }
  // The encoder's options take the model's heads.
  DetrLiteOptions o = tiny("anchor", "sigmoid");
  o.attention = Cos2dOptions{.heads = 7};
  CHECK(detr_encoder_attention_options(o, {2, 2}).get<Cos2dOptions>().heads == 2);
}

TEST_CASE("DETR-lite's decoder cross-attention is softmax, efficient or linformer with the model's heads") {
  Generator gen(2);
  Tensor img = randn({1, 3, 32, 32}, {}, &gen);
  for (std::string type : {"softmax", "efficient", "linformer"}) {
    CAPTURE(type);
    DetrLiteOptions o = tiny("learned", "softmax");
    o.cross_attention_type = type;
    DetrLite model(o, gen);
    for (auto& layer : model.transformer->decoder->layers) {
      CHECK(layer->cross_attn->type() == type);
      CHECK(layer->self_attn->type() == "softmax");
    }
    AttentionOptions cross = detr_cross_attention_options(o, model.grid);
    CHECK(cross.values()[0] == std::pair<std::string, std::string>{"heads", "2"});
    CHECK(model.forward(img).final.logits.shape() == Shape{1, 5, 4});
  }
  DetrLiteOptions o = tiny("learned", "softmax");
  o.cross_attention_type = "cos2d";
  CHECK_THROWS_WITH_AS(DetrLite(o, gen), doctest::Contains("cross_attention.type must be softmax, efficient or linformer"),
                       Error);
  // Linformer's projections are sized for the H·W = 4 memory tokens (seq_len 0 → the grid's).
  o.cross_attention_type = "linformer";
  DetrLite linformer(o, gen);
  auto p = params_of(linformer);
  CHECK(p.at("transformer.decoder.layers.0.cross_attn.E").shape()[1] == 4);  // (proj_k, seq_len)
}

TEST_CASE("DETR-lite has DETR's parameter names and the parameter count of its description") {
  Generator gen(3);
  DetrLiteOptions o;  // the defaults: w 32, 2 blocks, stride 16, group norm, d 128, 2 + 2 layers, anchors, sigmoid
  DetrLite model(o, gen);
  auto p = params_of(model);
  const std::int64_t d = 128, w = 32, Q = 100, K = 80, hidden = 512;
  CHECK(p.at("backbone.conv1.weight").shape() == Shape{w, 3, 7, 7});
  CHECK(p.at("backbone.layer3.0.downsample.1.weight").shape() == Shape{4 * w});
  CHECK(p.at("input_proj.weight").shape() == Shape{d, 8 * w, 1, 1});
  CHECK(p.at("input_proj.bias").shape() == Shape{d});
  CHECK(p.at("transformer.encoder.layers.1.attn.qkv.weight").shape() == Shape{3 * d, d});
  CHECK(p.at("transformer.encoder.layers.0.mlp.fc1.weight").shape() == Shape{hidden, d});
  CHECK(p.at("transformer.encoder.norm.weight").shape() == Shape{d});
  CHECK(p.at("transformer.decoder.layers.0.self_attn.qkv.weight").shape() == Shape{3 * d, d});
  CHECK(p.at("transformer.decoder.layers.1.cross_attn.proj.bias").shape() == Shape{d});
  CHECK(p.at("transformer.decoder.layers.1.norm3.bias").shape() == Shape{d});
  CHECK(p.at("transformer.decoder.norm.weight").shape() == Shape{d});
  CHECK(p.at("transformer.decoder.ref_point_head.layers.0.weight").shape() == Shape{d, 2 * d});
  CHECK(p.at("transformer.decoder.ref_point_head.layers.1.weight").shape() == Shape{d, d});
  CHECK(p.at("refpoint_embed.weight").shape() == Shape{Q, 4});
  CHECK(p.count("query_embed.weight") == 0);
  CHECK(p.at("class_embed.weight").shape() == Shape{K, d});
  CHECK(p.at("bbox_embed.layers.2.weight").shape() == Shape{4, d});

  // The count, from the description: the backbone (GroupNorm: 2 per channel) ...
  std::int64_t backbone = 3 * 49 * w + 2 * w, in = w;
  for (std::int64_t c : {w, 2 * w, 4 * w, 8 * w}) {
    backbone += 9 * in * c + 9 * c * c + 4 * c + (in != c ? in * c + 2 * c : 0);  // first block (+ downsample)
    backbone += 18 * c * c + 4 * c;                                                 // second block
    in = c;
  }
  const std::int64_t attention = 4 * d * d + 4 * d, mlp = 2 * d * hidden + hidden + d, norm = 2 * d;
  const std::int64_t encoder = 2 * (2 * norm + attention + mlp) + norm;
  const std::int64_t decoder = 2 * (3 * norm + 2 * attention + mlp) + norm + (2 * d * d + d) + (d * d + d);
  const std::int64_t heads = (d * K + K) + 2 * (d * d + d) + (4 * d + 4);
  CHECK(model.num_parameters() == backbone + (8 * w * d + d) + encoder + decoder + 4 * Q + heads);

  // Learned queries and post-norm: query_embed, no encoder norm; softmax scores: K + 1 classes.
  o.queries = "learned";
  o.norm = "post";
  o.scores = "softmax";
  DetrLite learned(o, gen);
  auto q = params_of(learned);
  CHECK(q.at("query_embed.weight").shape() == Shape{Q, d});
  CHECK(q.count("refpoint_embed.weight") == 0);
  CHECK(q.count("transformer.encoder.norm.weight") == 0);
  CHECK(q.count("transformer.decoder.ref_point_head.layers.0.weight") == 0);
  CHECK(q.at("class_embed.weight").shape() == Shape{K + 1, d});
}

TEST_CASE("DETR-lite init: xavier transformer, the focal-loss prior, anchors as the first boxes") {
  Generator gen(4);
  DetrLite model(DetrLiteOptions{}, gen);
  // xavier_uniform: variance 2 / (fan_in + fan_out); biases 0.
  auto& block = *model.transformer->encoder->layers[0];
  CHECK(var(block.mlp->fc1->weight).item() == doctest::Approx(2.0 / (128 + 512)).epsilon(0.03));
  CHECK(max_abs(block.mlp->fc1->bias) == 0.0);
  CHECK(var(model.transformer->decoder->ref_point_head->layers[0]->weight).item() ==
        doctest::Approx(2.0 / (256 + 128)).epsilon(0.03));
  CHECK(var(model.input_proj->weight).item() == doctest::Approx(2.0 / (256 + 128)).epsilon(0.03));
  CHECK(max_abs(model.input_proj->bias) == 0.0);
  // Sigmoid scores: every class starts at probability 0.01.
  CHECK(min(model.class_embed->bias).item() == doctest::Approx(-4.59512).epsilon(1e-5));
  CHECK(max(model.class_embed->bias).item() == doctest::Approx(-4.59512).epsilon(1e-5));
  // Anchors: centers in [0.05, 0.95], sizes in [0.05, 0.15]; the zero last box layer makes every
  // layer's boxes the anchors.
  Tensor anchors = sigmoid(model.refpoint_embed->weight);  // Q x 4
  Tensor centers = narrow(anchors, 1, 0, 2), sizes = narrow(anchors, 1, 2, 2);
  CHECK(min(centers).item() >= 0.05 - 1e-6);
  CHECK(max(centers).item() <= 0.95 + 1e-6);
  CHECK(min(sizes).item() >= 0.05 - 1e-6);
  CHECK(max(sizes).item() <= 0.15 + 1e-6);
  CHECK(max_abs(model.bbox_embed->layers[2]->weight) == 0.0);
  DetrLite small(tiny("anchor", "sigmoid"), gen);
  DetectorOutput out = small.forward(randn({2, 3, 32, 32}, {}, &gen));
  Tensor expected = expand(sigmoid(small.refpoint_embed->weight), {2, 5, 4});
  CHECK(max_abs(sub(out.aux[0].boxes, expected)) < 1e-6);
  CHECK(max_abs(sub(out.final.boxes, expected)) < 1e-6);
  // Softmax scores start at bias 0; learned queries at N(0, 1).
  DetrLiteOptions o;
  o.scores = "softmax";
  o.queries = "learned";
  DetrLite learned(o, gen);
  CHECK(max_abs(learned.class_embed->bias) == 0.0);
  CHECK(var(learned.query_embed->weight).item() == doctest::Approx(1.0).epsilon(0.05));
}

TEST_CASE("the sine box embedding and the inverse sigmoid, by hand") {
  // Box (0.25, 0.5, 0.1, 0.2), d = 8: per coordinate c, p = 2πc and channels sin p, cos p,
  // sin(p/100), cos(p/100) (T = 10000^(2/4) = 100 for the second pair).
  Tensor box = from_values({0.25, 0.5, 0.1, 0.2}, {1, 1, 4}, {.dtype = DType::F64});
  Tensor e = detr_sine_embed(box, 8);
  CHECK(e.shape() == Shape{1, 1, 16});
  CHECK_VALUES(e, 1e-9, {1.000000000, 0.000000000, 0.015707317, 0.999876632, 0.000000000, -1.000000000, 0.031410759,
                         0.999506560, 0.587785252, 0.809016994, 0.006283144, 0.999980261, 0.951056516, 0.309016994,
                         0.012566040, 0.999921044});
  Tensor x = from_values({0.5, 0.9, 0.0, 1.2, -0.3}, {5}, {.dtype = DType::F64});
  CHECK_VALUES(inverse_sigmoid(x), 1e-9, {0.0, 2.1972245773, -11.5129254650, 11.5129254650, -11.5129254650});
  OneThread one_thread;
  Tensor b = testing::uniform64({2, 3, 4}, 0.05, 0.95, 8);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return detr_sine_embed(b, 8); }, {b});
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return inverse_sigmoid(b); }, {b});
}

namespace {

// A float64 gradcheck of a whole tiny model w.r.t. two rows of the images and a spread of
// parameters from every part (backbone, projection, encoder, decoder, queries, heads).
void gradcheck_model(DetrLite& model, const std::vector<std::string>& names,
                     const std::function<Tensor(const DetectorOutput&)>& outputs) {
  OneThread one_thread;
  Generator gen(10);
  model.to(DType::F64);
  // Off the init's symmetric points: a nonzero last box layer.
  model.bbox_embed->layers[2]->weight.copy_(mul(randn({4, model.options.dim}, {.dtype = DType::F64}, &gen), 0.3));
  Tensor img = testing::randn64({2, 3, 32, 32}, 11, /*requires_grad=*/false);
  Tensor rows = testing::randn64({2, 3, 1, 32}, 12);
  auto p = params_of(model);
  std::vector<Tensor> inputs{rows};
  for (const auto& name : names) inputs.push_back(p.at(name));
  CHECK_GRADCHECK(
      [&](const std::vector<Tensor>&) { return outputs(model.forward(cat({rows, narrow(img, 2, 1, 31)}, 2))); }, inputs);
}

// Mostly (d)-sized tensors: their gradients reach through every part, at a fraction of the
// finite differences of the big weights.
const std::vector<std::string> kShared = {
    "backbone.layer1.0.bn1.weight", "backbone.layer4.0.downsample.1.bias", "input_proj.bias",
    "transformer.encoder.layers.0.norm1.bias", "transformer.decoder.layers.0.norm2.weight",
    "transformer.decoder.layers.1.self_attn.proj.bias", "transformer.decoder.layers.1.mlp.fc2.bias",
    "transformer.decoder.norm.weight", "class_embed.weight", "bbox_embed.layers.0.bias", "bbox_embed.layers.2.weight"};

std::vector<std::string> with(std::vector<std::string> names, const std::vector<std::string>& more) {
  names.insert(names.end(), more.begin(), more.end());
  return names;
}

}  // namespace

TEST_CASE("a tiny DETR-lite with learned queries (post-norm, softmax scores) gradchecks in float64") {
  Generator gen(5);
  DetrLiteOptions o = tiny("learned", "softmax");
  o.norm = "post";
  DetrLite model(o, gen);
  gradcheck_model(model, with(kShared, {"query_embed.weight"}), flat);
}

TEST_CASE("a tiny DETR-lite with anchor queries (pre-norm, sigmoid scores) gradchecks in float64") {
  Generator gen(6);
  DetrLite model(tiny("anchor", "sigmoid"), gen);
  model.detach_references = false;  // through the refinement too
  gradcheck_model(model,
                  with(kShared, {"refpoint_embed.weight", "transformer.encoder.norm.bias",
                                 "transformer.decoder.ref_point_head.layers.0.bias",
                                 "transformer.decoder.ref_point_head.layers.1.bias"}),
                  flat);
}

TEST_CASE("the refined reference is detached: layer l+1 reaches the anchors only through the decoder state") {
  OneThread one_thread;
  Generator gen(7);
  DetrLite model(tiny("anchor", "sigmoid"), gen);
  model.to(DType::F64);
  model.bbox_embed->layers[2]->weight.copy_(mul(randn({4, 16}, {.dtype = DType::F64}, &gen), 0.3));
  Tensor img = testing::randn64({2, 3, 32, 32}, 13, /*requires_grad=*/false);
  Tensor weights = testing::randn64({2, 5, 4}, 14, /*requires_grad=*/false);
  auto final_boxes_gradient = [&](bool detach) {
    model.detach_references = detach;
    model.zero_grad();
    DetectorOutput out = model.forward(img);
    sum(mul(out.final.boxes, weights)).backward();
    return std::make_pair(out.final.boxes.detach(), model.refpoint_embed->weight.grad().clone());
  };
  auto [boxes_detached, grad_detached] = final_boxes_gradient(true);
  auto [boxes_attached, grad_attached] = final_boxes_gradient(false);
  CHECK(max_abs(sub(boxes_detached, boxes_attached)) == 0.0);  // the values are the same
  CHECK(max_abs(grad_detached) > 1e-6);                          // through h (query_pos₀ → layer 0 → layer 1)
  CHECK(max_abs(sub(grad_detached, grad_attached)) > 1e-6);    // but not through ref₁ = boxes₀
  // The first layer's outputs (ref₀ not detached) gradcheck with the detach in place.
  model.detach_references = true;
  Tensor anchors = model.refpoint_embed->weight;
  CHECK_GRADCHECK(
      [&](const std::vector<Tensor>&) {
        DetectorOutput out = model.forward(img);
        return cat({reshape(out.aux[0].boxes, {40}), reshape(out.aux[0].logits, {30})}, 0);
      },
      {anchors, model.bbox_embed->layers[0]->bias});
}

TEST_CASE("DETR-lite with a batch norm backbone: running statistics in training, per-image outputs in eval") {
  Generator gen(8);
  DetrLiteOptions o = tiny("anchor", "sigmoid");
  o.backbone_norm = "batch";
  DetrLite model(o, gen);
  auto p = params_of(model);
  CHECK(p.count("backbone.bn1.running_mean") == 1);
  CHECK(p.count("backbone.layer4.0.downsample.1.num_batches_tracked") == 1);
  auto& bn = dynamic_cast<BatchNorm2d&>(*model.backbone->bn1);
  Tensor img = randn({3, 3, 32, 32}, {}, &gen);
  DetectorOutput train_out = model.forward(img);
  CHECK(bn.num_batches_tracked.item() == 1);
  CHECK(max_abs(bn.running_mean) > 0.0);
  // Training mode normalizes with the batch's statistics: image 0 depends on the others.
  DetectorOutput alone_train = model.forward(narrow(img, 0, 0, 1));
  CHECK(max_abs(sub(narrow(train_out.final.logits, 0, 0, 1), alone_train.final.logits)) > 1e-4);
  model.eval();
  CHECK(!model.backbone->is_training());
  DetectorOutput eval_out = model.forward(img);
  DetectorOutput alone_eval = model.forward(narrow(img, 0, 0, 1));
  CHECK(bn.num_batches_tracked.item() == 2);
  CHECK(max_abs(sub(narrow(eval_out.final.logits, 0, 0, 1), alone_eval.final.logits)) < 1e-5);
  CHECK(max_abs(sub(narrow(eval_out.final.boxes, 0, 0, 1), alone_eval.final.boxes)) < 1e-6);
}

TEST_CASE("detr_lite is a registered model: keys, checks, attention site and factory") {
  const ModelType* type = find_model_type("detr_lite");
  REQUIRE(type != nullptr);
  CHECK(type->heads_key == "heads");
  CHECK(type->num_classes_key == "num_classes");
  CHECK(type->reads("attention"));
  CHECK(type->reads("cross_attention.type"));
  ModelOptions options = ModelOptions::defaults("detr_lite");
  for (const auto& [key, text] : std::vector<std::pair<std::string, std::string>>{
           {"num_classes", "80"}, {"backbone_width", "32"}, {"backbone_blocks", "2"}, {"stride", "16"},
           {"backbone_norm", "group"}, {"norm_groups", "8"}, {"dim", "128"}, {"heads", "4"}, {"enc_layers", "2"},
           {"dec_layers", "2"}, {"mlp_ratio", "4.0"}, {"num_queries", "100"}, {"norm", "pre"}, {"queries", "anchor"},
           {"scores", "sigmoid"}, {"cross_attention.type", "softmax"}}) {
    CAPTURE(key);
    CHECK(options.text(key) == text);
  }
  CHECK(options.values().size() == 16);
  options.set("cross_attention.type", "linformer");
  CHECK(options.get<DetrLiteOptions>().cross_attention_type == "linformer");
  CHECK_THROWS_WITH_AS(options.set("cross_attention.type", "cos2d"), doctest::Contains("cross_attention.type"), Error);

  // The attention sits on the S/stride grid with the model's width and heads, no cls token.
  AttentionSite site = type->attention_site(options, 256);
  CHECK(site.grid.H == 16);
  CHECK(site.grid.W == 16);
  CHECK(site.dim == 128);
  CHECK(site.heads == 4);
  CHECK(!site.cls_token);
  CHECK(type->attention_site(options, 0).grid.H == 0);

  // Checks: the defaults pass on a 256 canvas with COCO's 80 classes; bad values name their keys.
  ModelContext coco{.image_size = 256, .num_classes = 80, .dataset = "coco", .display_name = "COCO"};
  RecordingChecks ok;
  type->check(options, coco, ok);
  CHECK(ok.errors.empty());
  ModelOptions bad = ModelOptions::defaults("detr_lite");
  bad.set("stride", "24");
  bad.set("norm_groups", "3");
  bad.set("heads", "5");
  bad.set("dec_layers", "0");
  bad.set("num_classes", "1");
  bad.set("num_queries", "0");
  RecordingChecks c;
  type->check(bad, coco, c);
  std::string all;
  for (const auto& e : c.errors) all += e + "\n";
  CAPTURE(all);
  CHECK(all.find("stride: must be 16 or 32; got 24") != std::string::npos);
  CHECK(all.find("norm_groups: must divide every stage's width") != std::string::npos);
  CHECK(all.find("heads: must divide model.dim") != std::string::npos);
  CHECK(all.find("dec_layers: must be >= 1") != std::string::npos);
  CHECK(all.find("num_classes: COCO has 80 classes; got 1") != std::string::npos);
  CHECK(all.find("num_queries: must be > 0") != std::string::npos);
  ModelOptions odd = ModelOptions::defaults("detr_lite");
  odd.set("stride", "32");
  RecordingChecks side;
  type->check(odd, {.image_size = 240, .dataset = "coco", .display_name = "COCO"}, side);
  REQUIRE(side.errors.size() == 1);
  CHECK(side.errors[0] == "stride: must divide the image side (240 for coco); got 32");

  // The factory builds an ObjectDetector for the image side and the config's attention.
  ModelConfig config{.name = "detr_lite", .options = ModelOptions::defaults("detr_lite"),
                     .attention = AttentionOptions::defaults("linformer"), .image_size = 32};
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"num_classes", "3"}, {"backbone_width", "4"}, {"backbone_blocks", "1"}, {"norm_groups", "2"}, {"dim", "16"},
           {"heads", "2"}, {"enc_layers", "1"}, {"dec_layers", "1"}, {"num_queries", "5"}})
    config.options.set(key, value);
  Generator gen(9);
  auto model = std::dynamic_pointer_cast<ObjectDetector>(make_model(config, gen));
  REQUIRE(model != nullptr);
  CHECK(model_num_classes(config) == 3);
  CHECK(std::dynamic_pointer_cast<DetrLite>(model)->transformer->encoder->layers[0]->attn->type() == "linformer");
  DetectorOutput out = model->forward(randn({1, 3, 32, 32}, {}, &gen));
  CHECK(out.final.logits.shape() == Shape{1, 5, 3});
  CHECK(out.aux.empty());
}
