// core/kernels/softmax_attention.h — the fused multi-head softmax-attention core, forward and
// backward, for attention whose L × S weights should never be stored: softmax attention itself
// (S = N) and Linformer (S = proj_k). Used by core/ops/softmax_attention.cpp; CPU version in
// core/cpu/softmax_attention.cpp (OpenBLAS GEMMs on query chunks, flash-attention style).
//
// Token layout, heads strided in the channels (channel c = head·d + j, docs/attention.md §0), each
// of q, k, v a block of columns of a (B, rows, ld) tensor — they may share one tensor (the
// packed qkv projection), so no split or head permutation is ever copied:
//   q[b, l, head·dk + j] = q_t[b, l, off_q + head·dk + j]      (row stride ld_q; k, v likewise)
// Per batch element and head:
//   A = softmax_rows(scale · Q Kᵀ)  (L × S, one query chunk at a time)     out = A V  (B, L, h·dv)
//   lse[b, head, l] = log Σ_s exp(scale · q_l·k_s)   (saved; the backward rebuilds A from it)
// Backward, per chunk: A rebuilt, ḡV += Aᵀ ḡO, ḡA = ḡO Vᵀ, D = rowsum(ḡO ∘ O) (= rowsum(ḡA ∘ A)),
//   ḡS = scale · A ∘ (ḡA − D), ḡQ = ḡS K, ḡK += ḡSᵀ Q.
// Every gradient element is written (ḡK, ḡV start at the first chunk with beta = 0), so packed
// gradients need no zero fill. Memory: one or two chunk workspaces; never L × S.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

struct SoftmaxAttentionShape {
  std::int64_t batch = 0, L = 0, S = 0, heads = 1, dk = 0, dv = 0;
  double scale = 1.0;
  // Row strides (elements per token) and first columns of q, k, v inside their tensors.
  std::int64_t ld_q = 0, ld_k = 0, ld_v = 0, off_q = 0, off_k = 0, off_v = 0;
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  // Writes out (B, L, h·dv) and lse (B, h, L).
  void softmax_attention_forward(const SoftmaxAttentionShape& s, const Tensor& q, const Tensor& k, const Tensor& v,
                                 Tensor& out, Tensor& lse);
  // Writes the q, k, v column blocks of grad_q, grad_k, grad_v (tensors shaped like q, k, v; they
  // may be one tensor when q, k, v are). An undefined gradient is not computed.
  void softmax_attention_backward(const SoftmaxAttentionShape& s, const Tensor& grad_out, const Tensor& q,
                                  const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                                  Tensor& grad_q, Tensor& grad_k, Tensor& grad_v);
)
