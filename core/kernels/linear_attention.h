// core/kernels/linear_attention.h — the fused normalized linear-attention core (docs/attention.md
// §9 "Normalized linear attention"), forward and backward. Used by core/ops/linear_attention.cpp;
// CPU version in core/cpu/linear_attention.cpp (OpenBLAS GEMMs on token chunks), CUDA version in
// core/cuda/linear_attention.cu (cuBLAS strided-batched GEMMs per head + small fused kernels).
//
// Token layout, heads strided in the channels (channel c = head·d + j, docs/attention.md §0):
//   q (B, L, h·dk), k (B, S, h·dk), v (B, S, h·dv)  →  out (B, L, h·dv).
// Features per head, of width F = T·dk, never stored whole (built chunk by chunk in a workspace):
//   P_q[n, t·dk + j] = coef_q[n, t] · φ(q[n, head·dk + j])      (P_k likewise from k, coef_k)
// with φ(x) = ReLU(scale·x) + eps when `positive`, else φ(x) = x; without tables T = 1 and
// coef ≡ 1 (then P is the input itself and no workspace is built).
// Per head: ctx = P_kᵀV (F × dv), z = P_kᵀ1 (F), num = P_q ctx, den = P_q z,
//   out = num / den row-wise when `normalize`, else out = num (den ≡ 1; z and den unused).
// Saved for backward: q, k, v, out, ctx (B, h, F, dv), z (B, h, F), den (B, L, h) — never
// anything L × S. The backward recomputes the features from q and k.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

struct LinearAttentionShape {
  std::int64_t batch = 0, L = 0, S = 0, heads = 1, dk = 0, dv = 0;
  std::int64_t terms = 1;   // T: columns of coef_q / coef_k (1 when there are no tables)
  bool has_coef = false;    // coef_q (L, T) and coef_k (S, T) are defined
  bool positive = false;    // φ(x) = ReLU(scale·x) + eps
  double scale = 1.0, eps = 0.0;
  bool normalize = true;
  std::int64_t features() const { return terms * dk; }  // F, per head
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  // Writes out (B, L, h·dv) and ctx (B, h, F, dv); z (B, h, F) and den (B, L, h) when normalize
  // (else they are undefined and untouched).
  void linear_attention_forward(const LinearAttentionShape& s, const Tensor& q, const Tensor& k, const Tensor& v,
                                const Tensor& coef_q, const Tensor& coef_k, Tensor& out, Tensor& ctx, Tensor& z,
                                Tensor& den);
  // Gradients of q, k, v from grad_out and the forward's saved tensors (§9):
  //   ḡnum = ḡO/den, ḡden = −Σ_c ḡO·O/den, ḡP_q = ḡnum ctxᵀ + ḡden zᵀ, ḡctx = P_qᵀḡnum,
  //   ḡz = P_qᵀḡden, ḡP_k = V ḡctxᵀ + 1ḡzᵀ, ḡV = P_k ḡctx,
  //   ḡq[n, head·dk + j] = φ'(q)·Σ_t coef_q[n,t]·ḡP_q[n, t·dk + j] (φ' = scale·[scale·q > 0]).
  // An undefined grad_q / grad_k / grad_v is not computed.
  void linear_attention_backward(const LinearAttentionShape& s, const Tensor& grad_out, const Tensor& q,
                                 const Tensor& k, const Tensor& v, const Tensor& coef_q, const Tensor& coef_k,
                                 const Tensor& out, const Tensor& ctx, const Tensor& z, const Tensor& den,
                                 Tensor& grad_q, Tensor& grad_k, Tensor& grad_v);
)
