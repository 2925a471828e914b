// layers/attention/linformer.h — Linformer multi-head attention (docs/attention.md §5), registry
// key `linformer`: keys and values are projected along the sequence axis to proj_k slots
// before a softmax attention, so time and memory are linear in N.
//
// Parameters (§13): in_proj_weight (3C, C) xavier_uniform, in_proj_bias (3C) zeros, E and F
// (proj_k, seq_len) xavier_uniform (F absent with sharing = kv, which uses E for both),
// bias_e and bias_f (proj_k) ~ N(0, 1/proj_k) (both always present), out_proj Linear(C, C)
// (default weight init, bias 0).
//
// Forward (§5.3, the fixed per-sample projection): q = (x W_qᵀ + b_q)·d^(−1/2);
// K̃_b = E[:, :S] (M_b W_kᵀ + 1 b_kᵀ) + bias_e ⊗ 1, Ṽ_b likewise with F, W_v, b_v, bias_f, where
// M is the memory (x itself for self-attention) with S ≤ seq_len tokens (else an error);
// A = softmax over proj_k of q K̃ᵀ per head; out = out_proj(merge(A Ṽ)).
// Computed as K̃_b = (E M_b) W_kᵀ + (E 1) b_kᵀ + bias_e ⊗ 1: the sequence projection runs on the
// C-channel input first, so the full-length K and V are never formed (2·B·N·C² MACs fewer, and
// one projection E·M serves both keys and values with sharing = kv). The attention itself is
// the fused softmax_attention (core/ops/softmax_attention.h) on token-layout q, K̃, Ṽ: no head
// split or merge is copied and A (B·h·L·proj_k) is never stored — the backward rebuilds it
// from the saved log-sum-exp. With attention dropout active in training (and under the layout
// emulation below) the composite of ops runs instead and keeps A.
// Cross-attention takes keys K_in and values V_in (B, S, C) apart: K̃ from (E K_in), Ṽ from
// (F V_in). A key padding mask (B, S) zeroes the padded positions before the length projection:
// E[:, s] (and F[:, s]) are zeroed per sample at padded s, so neither their keys, their values
// nor the bias b_k, b_v they carry reach K̃, Ṽ (docs/attention.md §12).
// emulate_public_layout_bug reproduces the public code's scrambled layout (§5.4), which mixes
// samples of a batch: for cross-checking against that code only.
#pragma once
#include <memory>

#include "layers/attention/attention.h"
#include "layers/attention/linformer_options.h"
#include "layers/linear.h"

namespace linattn {

class LinformerAttention : public Attention {
 public:
  // seq_len defaults to grid.tokens(); proj_k to min(128, seq_len / 2).
  LinformerAttention(std::int64_t dim, const LinformerOptions& options, Grid grid, Generator& gen);
  Tensor forward(const Tensor& x) override;  // (B, N, C) -> (B, N, C), N ≤ seq_len
  using Attention::forward_cross;
  // queries (B,L,C), keys (B,S,C), values (B,S,C), mask (B,S) or undefined -> (B,L,C)
  Tensor forward_cross(const Tensor& queries, const Tensor& keys, const Tensor& values,
                       const Tensor& key_padding_mask = Tensor()) override;
  std::string type() const override { return "linformer"; }

  // For tests: the attention map A (B, h, L, proj_k) (before dropout).
  Tensor attention(const Tensor& queries, const Tensor& memory);

  std::int64_t dim, heads, seq_len, proj_k;
  LinformerOptions options;  // with seq_len and proj_k resolved
  Tensor in_proj_weight, in_proj_bias, E, F, bias_e, bias_f;  // F undefined with sharing = kv
  std::shared_ptr<Linear> out_proj;

 private:
  Tensor queries(const Tensor& x);  // B x L x C, scaled by d^(−1/2)
  // The projected keys of `keys` and values of `values` (B, S, C): each B x proj_k x C (B x h x
  // proj_k x d under the layout emulation); padded positions (mask nonzero) left out.
  std::pair<Tensor, Tensor> keys_values(const Tensor& keys, const Tensor& values, const Tensor& key_padding_mask);
  // P·(M Wᵀ + 1 bᵀ) + slot_bias ⊗ 1 from PM = P·M (B, k, C); P is (k, S) or per sample (B, k, S).
  Tensor project(const Tensor& pm, const Tensor& p, const Tensor& w, const Tensor& b, const Tensor& slot_bias);
  Tensor heads_of(const Tensor& t) const;  // (B, N, C) → (B, h, N, d); 4-D passes through
  Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v);  // -> B x L x C
  void check_inputs(const Tensor& queries, const Tensor& keys, const Tensor& values, const Tensor& mask) const;
};

}  // namespace linattn
