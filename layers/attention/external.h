// layers/attention/external.h — external attention (docs/attention.md §4): attention against a
// small learned memory of S slots instead of the other tokens, linear in N.
//
// ExternalAttention (registry key `external`, the EAMLP multi-head block of §4.2), tokens
// (B, N, C) → (B, N, C). Parameters (§13): trans_dims (4C, C), linear_0 (S, d'), linear_1 (d', S),
// proj (C, 4C), all with bias; H' = coef·heads heads of d' = C/heads; trunc_normal(.02) weights,
// zero biases (the EAMLP/ViT init). Two biases are inert: linear_0.bias (b_0, §4.2) and also
// trans_dims.bias (b_t), whose image b_t·W_0ᵀ is just as constant over N; both cancel in the
// softmax over N. They are kept for parameter parity and enter as double_normalize's slot bias
// (b_t,h·W_0ᵀ + b_0 per head), so they receive exactly zero gradients, never rounding noise.
// Hot path without permutes: the head split (B, N, 4C) → (B·N·H', d') is a reshape, so linear_0
// yields the slot logits in (B, N, H', S) layout, double_normalize works on that layout, and
// linear_1 maps straight back to (B, N, 4C). Saved for backward: T, A (B·N·H'·S), linear_1's
// output, and the (B, N, H') denominators.
//
// ExternalAttention2d: the single-head block of §4.1 on (B, C, H, W) (EANet's segmentation
// head; not in the registry): conv1 (1×1, bias) → M_k (S, no bias) → softmax over N → ℓ1 over S
// → M_v → conv2 (1×1, no bias) → BatchNorm2d → + x → ReLU. conv1.bias is inert for the same
// reason as b_t above (M_k·b is constant over N) and gets an exactly zero gradient the same way.
// State-dict names are EANet's
// (model_torch.py): conv1.weight (C,C,1,1), conv1.bias, linear_0.weight (S,C,1),
// linear_1.weight (C,S,1) (absent with tie = shared), conv2.0.weight (C,C,1,1), conv2.1.* (BN).
// tie = init: M_v = M_kᵀ at construction, then independent; tie = shared: one parameter,
// M_v ≡ M_kᵀ. conv1, conv2 and M_k are drawn from N(0, 2/C).
#pragma once
#include <memory>
#include <string>

#include "layers/attention/attention.h"
#include "layers/attention/external_options.h"
#include "layers/batch_norm.h"
#include "layers/conv.h"
#include "layers/linear.h"

namespace linattn {

class ExternalAttention : public Attention {
 public:
  ExternalAttention(std::int64_t dim, const ExternalOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;  // (B, N, C) -> (B, N, C)
  std::string type() const override { return "external"; }

  // For tests: the slot logits (x·W_tᵀ)·W_0ᵀ (B, N, H', S) without the biases, and the slot
  // bias b_t,h·W_0ᵀ + b_0 (H', S) that double_normalize adds (constant over N).
  Tensor slot_logits(const Tensor& x);
  Tensor slot_bias();
  // The attention map (B, N, H', S): after both normalizations, or (before_l1) only after the
  // softmax over N (through the plain softmax op).
  Tensor attention(const Tensor& x, bool before_l1 = false);

  std::int64_t dim, heads, head_dim, slots;  // heads = H' = coef·options.heads, head_dim = d'
  ExternalOptions options;
  std::shared_ptr<Linear> trans_dims, linear_0, linear_1, proj;

  static constexpr double kEps = 1e-9;  // the ℓ1 step's eps (§4.2)
};

struct ExternalAttention2dOptions {
  std::int64_t S = 64;
  std::string tie = "init";  // init | shared
  double bn_eps = 1e-5, bn_momentum = 0.1;
};

// A kernel-size-1 Conv1d without bias: only a weight (out, in, 1), PyTorch's name and shape.
class PointwiseWeight : public Module {
 public:
  PointwiseWeight(std::int64_t out, std::int64_t in) { weight = register_parameter("weight", Tensor::empty({out, in, 1})); }
  Tensor weight;
};

// EANet's conv2: nn.Sequential(Conv2d(C, C, 1, bias=False), BatchNorm2d(C)), children "0", "1".
class ConvBatchNorm : public Module {
 public:
  ConvBatchNorm(std::int64_t channels, double bn_eps, double bn_momentum, Generator& gen);
  Tensor forward(const Tensor& x);
  std::shared_ptr<Conv2d> conv;
  std::shared_ptr<BatchNorm2d> bn;
};

class ExternalAttention2d : public Module {
 public:
  ExternalAttention2d(std::int64_t dim, const ExternalAttention2dOptions& options, Generator& gen);
  Tensor forward(const Tensor& x);  // (B, C, H, W) -> (B, C, H, W)
  Tensor memory_key() const;        // M_k (S, C)
  Tensor memory_value() const;      // M_v (C, S): linear_1, or M_kᵀ with tie = shared

  std::int64_t dim, slots;
  ExternalAttention2dOptions options;
  std::shared_ptr<Conv2d> conv1;
  std::shared_ptr<PointwiseWeight> linear_0, linear_1;  // linear_1 null with tie = shared
  std::shared_ptr<ConvBatchNorm> conv2;
};

}  // namespace linattn
