// tests/layers/test_cross_attention.cpp — cross-attention with keys and values given apart and
// an optional key padding mask (docs/attention.md §12, "Separate keys and values" and "Key
// padding masks"), for the three types that define it (softmax, linformer, efficient):
//   - keys = values as two different tensors reproduces the PyTorch cross goldens (f64, f32);
//   - keys ≠ values, with and without a mask, equals a float64 reference composed from core ops
//     (per head: narrow, bmm, softmax; the mask as an additive −∞ / a multiplicative 0);
//   - float64 gradchecks of queries, keys, values and parameters, with and without a mask;
//   - padded positions do not influence the output: new keys and values there change nothing
//     and receive zero gradient; a bad mask shape names the shapes.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/ops.h"
#include "layers/attention/attention.h"
#include "layers/attention/efficient.h"
#include "layers/attention/linformer.h"
#include "layers/attention/softmax.h"
#include "support/attention_golden.h"
#include "support/gradcheck.h"

using namespace linattn;
using testing::randn64;

namespace {

constexpr std::int64_t kB = 2, kL = 3, kS = 5, kC = 8, kHeads = 2;

std::shared_ptr<Attention> make(const std::string& type, std::map<std::string, std::string> options,
                                 std::uint64_t seed = 0) {
  options["heads"] = std::to_string(kHeads);
  Generator gen(seed);
  auto layer = make_attention(parse_attention_options(type, options), kC, {}, gen);
  layer->to(DType::F64);
  return layer;
}

// (B, S) padding mask, 1 at padded keys: sample 0 pads its last two keys, sample 1 its first.
Tensor padding_mask() {
  std::vector<double> m(kB * kS, 0.0);
  m[3] = m[4] = 1.0;
  m[kS + 0] = 1.0;
  return from_values(m, {kB, kS}, {.dtype = DType::F64});
}

// (B, 1, S): 0 where kept, −∞ where padded (added to scores before a softmax over the keys).
Tensor minus_infinity_at(const Tensor& mask) {
  std::vector<double> bias;
  for (double v : mask.to_vector<double>()) bias.push_back(v != 0 ? -std::numeric_limits<double>::infinity() : 0.0);
  return from_values(bias, {mask.shape()[0], 1, mask.shape()[1]}, {.dtype = DType::F64});
}

// (B, S, 1): 1 where kept, 0 where padded.
Tensor kept(const Tensor& mask) { return reshape(rsub(1.0, mask), {mask.shape()[0], mask.shape()[1], 1}); }

Tensor head(const Tensor& t, std::int64_t h, std::int64_t d) { return narrow(t, 2, h * d, d); }  // (B, N, d)

Tensor param(Attention& layer, const std::string& name) {
  for (const auto& [n, p] : layer.named_parameters())
    if (n == name) return p;
  FAIL("no parameter " << name);
  return {};
}

// softmax(q kᵀ/√d + mask) v per head, then proj: from the qkv rows and core ops.
Tensor softmax_reference(Attention& layer, const Tensor& queries, const Tensor& keys, const Tensor& values,
                         const Tensor& mask) {
  Tensor w = param(layer, "qkv.weight"), b = param(layer, "qkv.bias");
  Tensor q = linear(queries, narrow(w, 0, 0, kC), narrow(b, 0, 0, kC));
  Tensor k = linear(keys, narrow(w, 0, kC, kC), narrow(b, 0, kC, kC));
  Tensor v = linear(values, narrow(w, 0, 2 * kC, kC), narrow(b, 0, 2 * kC, kC));
  const std::int64_t d = kC / kHeads;
  std::vector<Tensor> outs;
  for (std::int64_t h = 0; h < kHeads; ++h) {
    Tensor scores = mul(bmm(head(q, h, d), head(k, h, d), false, true), 1.0 / std::sqrt(double(d)));  // B x L x S
    if (mask.defined()) scores = add(scores, minus_infinity_at(mask));
    outs.push_back(bmm(softmax(scores, -1), head(v, h, d)));
  }
  return linear(cat(outs, 2), param(layer, "proj.weight"), param(layer, "proj.bias"));
}

// K̃ = E[:, :S]·(kept ⊙ (K W_kᵀ + b_k)) + bias_e, Ṽ likewise with F; softmax(q_h K̃_hᵀ) Ṽ_h with
// q = (Q W_qᵀ + b_q)/√d; out_proj.
Tensor linformer_reference(Attention& layer, const Tensor& queries, const Tensor& keys, const Tensor& values,
                           const Tensor& mask) {
  Tensor w = param(layer, "in_proj_weight"), b = param(layer, "in_proj_bias");
  const std::int64_t d = kC / kHeads;
  Tensor q = mul(linear(queries, narrow(w, 0, 0, kC), narrow(b, 0, 0, kC)), 1.0 / std::sqrt(double(d)));
  Tensor k = linear(keys, narrow(w, 0, kC, kC), narrow(b, 0, kC, kC));          // B x S x C
  Tensor v = linear(values, narrow(w, 0, 2 * kC, kC), narrow(b, 0, 2 * kC, kC));
  if (mask.defined()) k = mul(k, kept(mask)), v = mul(v, kept(mask));
  Tensor E = narrow(param(layer, "E"), 1, 0, kS), F = narrow(param(layer, "F"), 1, 0, kS);
  const std::int64_t proj_k = E.shape()[0];
  Tensor kt = add(bmm(E, k), reshape(param(layer, "bias_e"), {proj_k, 1}));  // B x k x C
  Tensor vt = add(bmm(F, v), reshape(param(layer, "bias_f"), {proj_k, 1}));
  std::vector<Tensor> outs;
  for (std::int64_t h = 0; h < kHeads; ++h)
    outs.push_back(bmm(softmax(bmm(head(q, h, d), head(kt, h, d), false, true), -1), head(vt, h, d)));
  return linear(cat(outs, 2), param(layer, "out_proj.weight"), param(layer, "out_proj.bias"));
}

// norm softmax: ρ_q = softmax over the head's channels, ρ_k = softmax over the kept keys;
// identity: ρ_k = kept ⊙ K. out_h = ρ_q(q_h) (ρ_k(k_h)ᵀ v_h); reprojection.
Tensor efficient_reference(Attention& layer, const Tensor& queries, const Tensor& keys, const Tensor& values,
                           const Tensor& mask, const std::string& norm) {
  auto lin = [&](const std::string& name, const Tensor& x) {
    return linear(x, param(layer, name + ".weight"), param(layer, name + ".bias"));
  };
  Tensor q = lin("queries", queries), k = lin("keys", keys), v = lin("values", values);
  const std::int64_t d = kC / kHeads;
  std::vector<Tensor> outs;
  for (std::int64_t h = 0; h < kHeads; ++h) {
    Tensor qh = head(q, h, d), kh = head(k, h, d);  // B x L x d, B x S x d
    if (norm == "softmax") {
      qh = softmax(qh, -1);
      if (mask.defined()) kh = add(kh, transpose(minus_infinity_at(mask), 1, 2));  // B x S x 1
      kh = softmax(kh, 1);
    } else if (mask.defined()) {
      kh = mul(kh, kept(mask));
    }
    outs.push_back(bmm(qh, bmm(kh, head(v, h, d), true, false)));
  }
  return lin("reprojection", cat(outs, 2));
}

Tensor reference(const std::string& type, Attention& layer, const Tensor& q, const Tensor& k, const Tensor& v,
                 const Tensor& mask, const std::string& norm = "softmax") {
  if (type == "softmax") return softmax_reference(layer, q, k, v, mask);
  if (type == "linformer") return linformer_reference(layer, q, k, v, mask);
  return efficient_reference(layer, q, k, v, mask, norm);
}

std::map<std::string, std::string> options_of(const std::string& type) {
  if (type == "linformer") return {{"seq_len", "6"}, {"proj_k", "4"}};
  return {};
}

}  // namespace

TEST_CASE("cross-attention: keys = values given as two tensors reproduce the PyTorch cross goldens") {
  // efficient's keys.bias has an exact zero gradient (the softmax over tokens removes a constant
  // per key channel); it is compared in absolute terms, as in test_efficient_attention.
  for (const char* name : {"softmax_cross_f64", "softmax_cross_f32", "linformer_cross_f64", "linformer_cross_f32",
                           "efficient_cross_f64", "efficient_cross_f32"}) {
    CAPTURE(name);
    testing::GoldenCase g = testing::load_attention_golden(name);
    auto values = g.options;
    values["heads"] = std::to_string(g.heads);
    Generator gen(0);
    auto layer = make_attention(parse_attention_options(g.type, values), g.dim, {g.grid_h, g.grid_w}, gen);
    testing::check_against_golden(g, *layer, [&](const std::vector<Tensor>& in) {
      Tensor values_copy = mul(in[1], 1.0);  // a different tensor with the same values
      REQUIRE(values_copy.impl_ptr() != in[1].impl_ptr());
      return layer->forward_cross(in[0], in[1], values_copy);
    }, g.type == "efficient" ? std::vector<std::string>{"keys.bias"} : std::vector<std::string>{});
  }
}

TEST_CASE("cross-attention: keys ≠ values (with and without a mask) equal a float64 reference from core ops") {
  for (const std::string type : {"softmax", "linformer", "efficient"}) {
    CAPTURE(type);
    auto layer = make(type, options_of(type), 3);
    Tensor q = randn64({kB, kL, kC}, 11, false), k = randn64({kB, kS, kC}, 12, false), v = randn64({kB, kS, kC}, 13, false);
    for (bool masked : {false, true}) {
      CAPTURE(masked);
      Tensor mask = masked ? padding_mask() : Tensor();
      Tensor y = layer->forward_cross(q, k, v, mask);
      CHECK(y.shape() == Shape{kB, kL, kC});
      CHECK(max(abs(sub(y, reference(type, *layer, q, k, v, mask)))).item() <= 1e-13);
    }
    // The one-memory form is keys = values = memory.
    CHECK(max(abs(sub(layer->forward_cross(q, k), reference(type, *layer, q, k, k, Tensor())))).item() <= 1e-13);
  }
  for (const std::string norm : {"scaling", "identity"}) {  // efficient's other feature maps: zeroed features
    CAPTURE(norm);
    auto layer = make("efficient", {{"norm", norm}}, 4);
    Tensor q = randn64({kB, kL, kC}, 21, false), k = randn64({kB, kS, kC}, 22, false), v = randn64({kB, kS, kC}, 23, false);
    const double scale = norm == "scaling" ? 1.0 / std::sqrt(double(kL) * double(kS)) : 1.0;  // ρ = Y/√N on q and k
    Tensor ref = efficient_reference(*layer, q, k, v, padding_mask(), "identity");
    // The reprojection is affine: scale its input part only (subtract the bias, scale, add it back).
    Tensor bias = param(*layer, "reprojection.bias");
    ref = add(mul(sub(ref, bias), scale), bias);
    CHECK(max(abs(sub(layer->forward_cross(q, k, v, padding_mask()), ref))).item() <= 1e-13);
  }
}

TEST_CASE("cross-attention gradcheck with keys ≠ values, with and without a mask") {
  for (const std::string type : {"softmax", "linformer", "efficient"}) {
    for (bool masked : {false, true}) {
      CAPTURE(type);
      CAPTURE(masked);
      auto layer = make(type, options_of(type), 5);
      Tensor q = randn64({kB, kL, kC}, 31), k = randn64({kB, kS, kC}, 32), v = randn64({kB, kS, kC}, 33);
      Tensor mask = masked ? padding_mask() : Tensor();
      std::vector<Tensor> inputs{q, k, v};
      for (auto& p : layer->parameters()) inputs.push_back(p);
      CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward_cross(q, k, v, mask); }, inputs);
    }
  }
}

TEST_CASE("cross-attention: padded keys and values do not influence the output") {
  struct Case {
    std::string type;
    std::map<std::string, std::string> options;
  };
  for (const Case& c : {Case{"softmax", {}}, Case{"linformer", options_of("linformer")},
                        Case{"linformer", {{"seq_len", "6"}, {"proj_k", "4"}, {"sharing", "kv"}}},
                        Case{"efficient", {}}, Case{"efficient", {{"norm", "scaling"}}},
                        Case{"efficient", {{"norm", "identity"}}}}) {
    CAPTURE(c.type);
    CAPTURE(c.options.size());
    auto layer = make(c.type, c.options, 6);
    const Tensor mask = padding_mask();
    Tensor q = randn64({kB, kL, kC}, 41, false);
    Tensor k = randn64({kB, kS, kC}, 42), v = randn64({kB, kS, kC}, 43);
    // Other keys and values at the padded positions only.
    Tensor padded = reshape(mask, {kB, kS, 1});
    Tensor k2 = where(padded, randn64({kB, kS, kC}, 44, false), k.detach());
    Tensor v2 = where(padded, randn64({kB, kS, kC}, 45, false), v.detach());
    Tensor y = layer->forward_cross(q, k, v, mask);
    CHECK(max(abs(sub(y, layer->forward_cross(q, k2, v2, mask)))).item() <= 1e-14);
    // Without the mask they do matter (the test can fail).
    CHECK(max(abs(sub(layer->forward_cross(q, k, v), layer->forward_cross(q, k2, v2)))).item() > 1e-3);
    // And they receive no gradient.
    sum(mul(y, randn64({kB, kL, kC}, 46, false))).backward();
    CHECK(max(abs(mul(k.grad(), padded))).item() == 0.0);
    CHECK(max(abs(mul(v.grad(), padded))).item() == 0.0);
    CHECK(max(abs(v.grad())).item() > 0.0);
  }
}

TEST_CASE("efficient cross-attention: the folded reprojection honours the mask too") {
  auto layer = std::dynamic_pointer_cast<EfficientAttention>(make("efficient", {{"value_channels", "2"}}, 7));
  REQUIRE(layer);
  const std::int64_t L = EfficientAttention::kFoldMinTokensPerChannel * 2;  // enough queries to fold
  Tensor q = randn64({kB, L, kC}, 51, false), k = randn64({kB, kS, kC}, 52, false), v = randn64({kB, kS, kC}, 53, false);
  Tensor qp = layer->queries->forward(q), kp = layer->keys->forward(k), vp = layer->values->forward(v);
  Tensor folded = efficient_attention_projected(qp, kp, vp, kHeads, "softmax", *layer->reprojection, padding_mask());
  Tensor unfolded = layer->reprojection->forward(efficient_core(qp, kp, vp, kHeads, "softmax", padding_mask()));
  CHECK(max(abs(sub(folded, unfolded))).item() <= 1e-13);
  CHECK(max(abs(sub(layer->forward_cross(q, k, v, padding_mask()), folded))).item() <= 1e-13);
}

TEST_CASE("cross-attention input errors name the shapes") {
  auto layer = make("softmax", {});
  Tensor q = randn64({kB, kL, kC}, 1, false), k = randn64({kB, kS, kC}, 2, false);
  CHECK_THROWS_WITH_AS(layer->forward_cross(q, k, randn64({kB, kS + 1, kC}, 3, false)),
                       doctest::Contains("keys and values (B, S, 8), got (2, 3, 8), (2, 5, 8) and (2, 6, 8)"), Error);
  CHECK_THROWS_WITH_AS(layer->forward_cross(q, k, k, zeros({kB, kS + 1}, {.dtype = DType::F64})),
                       doctest::Contains("key_padding_mask must be (B, S) = (2, 5), got (2, 6)"), Error);
  Generator gen(0);
  auto additive = make_attention(parse_attention_options("additive", {}), kC, {}, gen);
  CHECK_THROWS_WITH_AS(additive->forward_cross(q, k, k), doctest::Contains("does not support cross-attention"), Error);
}
