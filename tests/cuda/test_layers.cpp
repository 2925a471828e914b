// tests/cuda/test_layers.cpp — whole layers and models on CUDA against the same weights and
// inputs on the CPU (the oracle): each of the six registry attentions (make_attention: softmax,
// cos2d, external, linformer, additive, efficient; self and, where supported, cross), the 2-D
// wrappers (CosMHSA2d, EfficientAttention2d), and the ViT (every attention type, mean and cls
// pooling) and EAMLP models. Each module is built on the CPU, a twin gets its state_dict and is
// moved with Module::to(cuda:0); both run in eval mode (dropout off) on the same inputs; the
// outputs, the gradient of every input and of every parameter (by name) must match after one
// random upstream gradient.
//
// Tolerances (float32, relative to the largest |expected| element of each tensor):
//  - TF32 off: kF32Fwd = 1e-4, kF32Bwd = 1e-3 — full float32 everywhere; a layer chains a few
//    GEMMs, reductions (softmax, LayerNorm, L2 norms) summed in another order than on the CPU,
//    and a model chains a few layers, so the differences grow to a few hundred ulps;
//  - TF32 on: kTf32 = 3e-2 for outputs and gradients — every GEMM input is rounded to a 10-bit
//    mantissa (≈ 5e-4 relative per product), compounding through the layers of a model.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/ops.h"
#include "layers/attention/attention.h"
#include "layers/attention/cos_mhsa2d.h"
#include "layers/attention/efficient2d.h"
#include "models/eamlp.h"
#include "models/vit.h"
#include "support/cuda.h"
#include "models/tiny_eamlp.h"
#include "support/parity.h"
#include "support/tf32_scope.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kF32Fwd{.max_rel = 1e-4};
constexpr Tolerance kF32Bwd{.max_rel = 1e-3};
constexpr Tolerance kTf32{.max_rel = 3e-2};

struct Mode {
  bool tf32;
  Tolerance fwd, bwd;
  const char* name;
};
const Mode kModes[] = {{false, kF32Fwd, kF32Bwd, "fp32 (TF32 off)"}, {true, kTf32, kTf32, "TF32 on"}};

template <class M>
using Forward = std::function<Tensor(M&, const std::vector<Tensor>&)>;

// Builds the module twice with `make`, copies the CPU one's state_dict into the other and moves
// that to cuda:0, then compares outputs and all gradients (inputs that require grad, then every
// parameter by name).
template <class M>
void check_module(const std::function<std::shared_ptr<M>()>& make, const Forward<M>& forward,
                  const std::vector<Tensor>& cpu_inputs, const Mode& mode, const std::string& what) {
  INFO(what, ", ", mode.name);
  Tf32Scope scope(mode.tf32);
  std::shared_ptr<M> cpu = make(), gpu = make();
  gpu->load_state_dict(cpu->state_dict());
  gpu->to(Device::cuda());
  cpu->eval();
  gpu->eval();
  for (const auto& [name, p] : gpu->named_parameters()) {
    INFO("parameter ", name);
    REQUIRE(p.is_cuda());
    REQUIRE(p.requires_grad());
  }
  std::vector<Tensor> gpu_inputs;
  for (const Tensor& t : cpu_inputs) gpu_inputs.push_back(to_cuda(t));

  Tensor y_cpu = forward(*cpu, cpu_inputs), y_gpu = forward(*gpu, gpu_inputs);
  REQUIRE(y_gpu.is_cuda());
  CHECK_CLOSE(y_gpu, y_cpu, mode.fwd);

  Generator gen(4242);
  Tensor g = randn(y_cpu.shape(), {.dtype = y_cpu.dtype()}, &gen);
  y_cpu.backward(g);
  y_gpu.backward(g.to(Device::cuda()));
  for (std::size_t i = 0; i < cpu_inputs.size(); ++i) {
    if (!cpu_inputs[i].requires_grad()) continue;
    INFO("gradient of input ", i);
    REQUIRE(gpu_inputs[i].grad().defined());
    CHECK_CLOSE(gpu_inputs[i].grad(), cpu_inputs[i].grad(), mode.bwd);
  }
  NamedTensors pc = cpu->named_parameters(), pg = gpu->named_parameters();
  REQUIRE(pc.size() == pg.size());
  for (std::size_t i = 0; i < pc.size(); ++i) {
    INFO("gradient of parameter ", pc[i].first);
    REQUIRE(pg[i].first == pc[i].first);
    REQUIRE(pc[i].second.grad().defined() == pg[i].second.grad().defined());
    if (!pc[i].second.grad().defined()) continue;
    CHECK(pg[i].second.grad().is_cuda());
    CHECK_CLOSE(pg[i].second.grad(), pc[i].second.grad(), mode.bwd);
  }
}

Tensor input(const Shape& shape, std::uint64_t seed) {
  Generator gen(seed);
  return randn(shape, {}, &gen).requires_grad_();
}

// The registry layers: type and key=value options on dim 16, a 4 × 4 grid, 2 heads.
struct LayerCase {
  const char* type;
  std::map<std::string, std::string> options;
};
const LayerCase kLayers[] = {
    {"softmax", {{"heads", "2"}}},
    {"cos2d", {{"heads", "2"}}},
    {"external", {{"heads", "2"}, {"S", "8"}}},
    {"linformer", {{"heads", "2"}, {"proj_k", "4"}}},
    {"linformer", {{"heads", "2"}, {"proj_k", "4"}, {"sharing", "kv"}}},
    {"additive", {}},
    {"additive", {{"alpha_norm", "softmax"}}},
    {"efficient", {{"heads", "2"}}},
    {"efficient", {{"heads", "2"}, {"norm", "scaling"}, {"residual", "true"}}},
    {"efficient", {{"heads", "2"}, {"norm", "identity"}}},
};
constexpr std::int64_t kDim = 16;
constexpr Grid kGrid{4, 4};

std::function<std::shared_ptr<Attention>()> attention_maker(const LayerCase& c) {
  return [c] {
    Generator gen(11);
    return make_attention(parse_attention_options(c.type, c.options), kDim, kGrid, gen);
  };
}

std::string describe(const LayerCase& c) {
  std::string s = c.type;
  for (const auto& [k, v] : c.options) s += str_cat(" ", k, "=", v);
  return s;
}

ViTOptions tiny_vit(const std::string& type, const std::string& pool) {
  ViTOptions o{.image_size = 16, .patch = 4, .dim = 16, .depth = 2, .heads = 2, .pool = pool, .num_classes = 5};
  std::map<std::string, std::string> kv;
  if (type == "external") kv["S"] = "8";
  if (type == "linformer") kv["proj_k"] = "4";
  o.attention = parse_attention_options(type, kv);
  return o;
}


}  // namespace

TEST_CASE("every registry attention on CUDA matches the CPU: output, input and parameter gradients") {
  REQUIRE_CUDA();
  const Forward<Attention> self = [](Attention& a, const std::vector<Tensor>& in) { return a.forward(in[0]); };
  std::uint64_t seed = 1;
  for (const auto& mode : kModes)
    for (const auto& c : kLayers)
      check_module(attention_maker(c), self, {input({2, kGrid.tokens(), kDim}, ++seed)}, mode, describe(c) + ", self");
}

TEST_CASE("cross-attention layers on CUDA match the CPU") {
  REQUIRE_CUDA();
  const Forward<Attention> cross = [](Attention& a, const std::vector<Tensor>& in) {
    return a.forward_cross(in[0], in[1]);
  };
  std::uint64_t seed = 100;
  for (const auto& mode : kModes)
    for (const auto& c : kLayers) {
      if (!attention_maker(c)()->supports_cross()) continue;
      // Linformer projects the memory's tokens: the memory has the grid's length; 5 queries.
      check_module(attention_maker(c), cross, {input({2, 5, kDim}, ++seed), input({2, kGrid.tokens(), kDim}, ++seed)},
                   mode, describe(c) + ", cross");
    }
}

TEST_CASE("the 2-D attention modules (CosMHSA2d, EfficientAttention2d) on CUDA match the CPU") {
  REQUIRE_CUDA();
  for (const auto& mode : kModes) {
    check_module<CosMHSA2d>(
        [] {
          Generator gen(21);
          return std::make_shared<CosMHSA2d>(kDim, CosMhsa2dOptions{.heads = 2}, gen);
        },
        [](CosMHSA2d& m, const std::vector<Tensor>& in) { return m.forward(in[0]); }, {input({2, kDim, 4, 5}, 22)},
        mode, "CosMHSA2d");
    check_module<EfficientAttention2d>(
        [] {
          Generator gen(23);
          return std::make_shared<EfficientAttention2d>(kDim, kDim, 2, kDim, gen);
        },
        [](EfficientAttention2d& m, const std::vector<Tensor>& in) { return m.forward(in[0]); },
        {input({2, kDim, 4, 5}, 24)}, mode, "EfficientAttention2d");
  }
}

TEST_CASE("the ViT with every attention type on CUDA matches the CPU: logits and every parameter gradient") {
  REQUIRE_CUDA();
  const Forward<ViT> fwd = [](ViT& m, const std::vector<Tensor>& in) { return m.forward(in[0]); };
  std::uint64_t seed = 200;
  for (const auto& mode : kModes) {
    for (const std::string& type : attention_types()) {
      const ViTOptions o = tiny_vit(type, "mean");
      check_module<ViT>(
          [o] {
            Generator gen(31);
            return std::make_shared<ViT>(o, gen);
          },
          fwd, {input({2, 3, 16, 16}, ++seed)}, mode, "ViT pool=mean, attention " + type);
    }
    const ViTOptions cls = tiny_vit("softmax", "cls");
    check_module<ViT>(
        [cls] {
          Generator gen(32);
          return std::make_shared<ViT>(cls, gen);
        },
        fwd, {input({2, 3, 16, 16}, ++seed)}, mode, "ViT pool=cls, attention softmax");
  }
}

TEST_CASE("EAMLP on CUDA matches the CPU: logits and every parameter gradient") {
  REQUIRE_CUDA();
  const Forward<EAMLP> fwd = [](EAMLP& m, const std::vector<Tensor>& in) { return m.forward(in[0]); };
  std::uint64_t seed = 300;
  for (const auto& mode : kModes) {
    for (const auto& [name, attention] : {std::pair<const char*, AttentionOptions>{"external", ExternalOptions{.S = 4}},
                                          {"softmax", SoftmaxOptions{}}}) {
      const EAMLPOptions o = tiny_eamlp_options(attention);
      check_module<EAMLP>(
          [o] {
            Generator gen(41);
            return std::make_shared<EAMLP>(o, gen);
          },
          fwd, {input({2, 3, 8, 8}, ++seed)}, mode, str_cat("EAMLP, attention ", name));
    }
  }
}
