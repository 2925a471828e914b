// core/cpu/softmax_attention.cpp — CPU kernels of core/kernels/softmax_attention.h.
//
// One (batch element, head) at a time, queries in chunks of R rows (R·S ≈ kChunkElems): the
// chunk's scores go into a workspace, are turned into softmax weights in place, and multiply V
// straight into the output's head columns. Every product is an OpenBLAS GEMM on strided views
// (leading dimension ld, offset off + head·d), so q, k, v are never split or permuted.
// The backward rebuilds each chunk's weights from the saved log-sum-exp (one extra Q Kᵀ GEMM
// instead of storing L × S weights) and accumulates ḡK, ḡV over the chunks with beta = 1.
//
// Threads (for_items_with_gemms, core/cpu/blas.h): in float32 with at least two (batch, head)
// pairs per thread, each thread takes whole pairs and runs their GEMMs and passes itself;
// otherwise pairs go one by one, GEMMs threaded inside, the elementwise passes over a chunk
// (exp, the ḡS rows) through parallel_for between the GEMM calls. Each pair is computed the
// same way either way, so results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/cpu/blas.h"
#include "core/cpu/parallel.h"
#include "core/cpu/vec_math.h"
#include "core/kernels/softmax_attention.h"

namespace linattn::cpu {

namespace {

using I = std::int64_t;

constexpr I kChunkElems = I{1} << 18;  // scores per chunk (1 MiB in float32)

I chunk_rows(const SoftmaxAttentionShape& s) { return std::clamp<I>(kChunkElems / std::max<I>(s.S, 1), 1, std::max<I>(s.L, 1)); }

I row_grain(I S) { return std::max<I>(1, kElementwiseGrain / std::max<I>(S, 1)); }

// Rows [r0, r1) of a chunk: scores x (S each, unscaled) → softmax(scale·x) in place; lse[r] =
// log Σ exp(scale·x).
template <class T>
LINATTN_CPU_CLONES void softmax_rows_lse(T* P, I r0, I r1, I S, T scale, T* lse) {
  for (I r = r0; r < r1; ++r) {
    T* x = P + r * S;
    const T m = lane_max(x, S);
    const T sum = lane_sum<T>(S, [&](I i) {
      T e = exp_of<T>(scale * (x[i] - m));
      x[i] = e;
      return e;
    });
    const T inv = T(1) / sum;
    for (I i = 0; i < S; ++i) x[i] *= inv;
    lse[r] = scale * m + std::log(sum);
  }
}

// Rows [r0, r1): scores x → weights exp(scale·x − lse) in place.
template <class T>
LINATTN_CPU_CLONES void rebuild_rows(T* P, I r0, I r1, I S, T scale, const T* lse) {
  for (I r = r0; r < r1; ++r) {
    T* x = P + r * S;
    const T l = lse[r];
    for (I i = 0; i < S; ++i) x[i] = exp_of<T>(scale * x[i] - l);
  }
}

// Rows [r0, r1): ḡA → ḡS = scale · A ∘ (ḡA − D), D = ḡO·O over the head's dv columns.
template <class T>
LINATTN_CPU_CLONES void grad_score_rows(const T* P, T* G, I r0, I r1, I S, T scale, const T* go, const T* o, I ld,
                                        I dv) {
  for (I r = r0; r < r1; ++r) {
    const T* gor = go + r * ld;
    const T* orow = o + r * ld;
    const T D = lane_sum<T>(dv, [&](I j) { return gor[j] * orow[j]; });
    const T* a = P + r * S;
    T* g = G + r * S;
    for (I i = 0; i < S; ++i) g[i] = scale * a[i] * (g[i] - D);
  }
}

template <class T>
void forward_impl(const SoftmaxAttentionShape& s, const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out,
                  Tensor& lse) {
  const I R = chunk_rows(s), hdv = s.heads * s.dv;
  const T scale = static_cast<T>(s.scale);
  const T *qd = q.data<T>(), *kd = k.data<T>(), *vd = v.data<T>();
  T *od = out.data<T>(), *ld = lse.data<T>();
  for_items_with_gemms<T>(s.batch * s.heads, [&](I pair0, I pair1) {
    std::vector<T> work(static_cast<std::size_t>(R * s.S));
    T* P = work.data();
    for (I pair = pair0; pair < pair1; ++pair) {
      const I b = pair / s.heads, h = pair % s.heads;
      const T* kh = kd + b * s.S * s.ld_k + s.off_k + h * s.dk;  // S x dk, row stride ld_k
      const T* vh = vd + b * s.S * s.ld_v + s.off_v + h * s.dv;  // S x dv, row stride ld_v
      T* lse_h = ld + (b * s.heads + h) * s.L;
      for (I r0 = 0; r0 < s.L; r0 += R) {
        const I rows = std::min(R, s.L - r0);
        const T* qc = qd + (b * s.L + r0) * s.ld_q + s.off_q + h * s.dk;
        gemm_rm<T>(false, true, rows, s.S, s.dk, qc, s.ld_q, kh, s.ld_k, T(0), P, s.S);  // Q Kᵀ
        parallel_for(rows, row_grain(s.S), [&](I a, I e) { softmax_rows_lse<T>(P, a, e, s.S, scale, lse_h + r0); });
        gemm_rm<T>(false, false, rows, s.dv, s.S, P, s.S, vh, s.ld_v, T(0), od + (b * s.L + r0) * hdv + h * s.dv, hdv);
      }
    }
  });
}

template <class T>
void backward_impl(const SoftmaxAttentionShape& s, const Tensor& grad_out, const Tensor& q, const Tensor& k,
                   const Tensor& v, const Tensor& out, const Tensor& lse, Tensor& grad_q, Tensor& grad_k,
                   Tensor& grad_v) {
  const I R = chunk_rows(s), hdv = s.heads * s.dv;
  const T scale = static_cast<T>(s.scale);
  const bool gq = grad_q.defined(), gk = grad_k.defined(), gv = grad_v.defined();
  const T *qd = q.data<T>(), *kd = k.data<T>(), *vd = v.data<T>(), *god = grad_out.data<T>(), *od = out.data<T>();
  const T* lsed = lse.data<T>();
  T* gqd = gq ? grad_q.data<T>() : nullptr;
  T* gkd = gk ? grad_k.data<T>() : nullptr;
  T* gvd = gv ? grad_v.data<T>() : nullptr;
  for_items_with_gemms<T>(s.batch * s.heads, [&](I pair0, I pair1) {
    std::vector<T> work(static_cast<std::size_t>(2 * R * s.S));
    T *P = work.data(), *G = P + R * s.S;
    for (I pair = pair0; pair < pair1; ++pair) {
      const I b = pair / s.heads, h = pair % s.heads;
      const I kv_k = b * s.S * s.ld_k + s.off_k + h * s.dk, kv_v = b * s.S * s.ld_v + s.off_v + h * s.dv;
      const T* lse_h = lsed + (b * s.heads + h) * s.L;
      for (I r0 = 0; r0 < s.L; r0 += R) {
        const I rows = std::min(R, s.L - r0);
        const T beta = r0 == 0 ? T(0) : T(1);  // ḡK, ḡV sum over the chunks
        const I qoff = (b * s.L + r0) * s.ld_q + s.off_q + h * s.dk;
        const I ooff = (b * s.L + r0) * hdv + h * s.dv;
        gemm_rm<T>(false, true, rows, s.S, s.dk, qd + qoff, s.ld_q, kd + kv_k, s.ld_k, T(0), P, s.S);  // Q Kᵀ
        parallel_for(rows, row_grain(s.S), [&](I a, I e) { rebuild_rows<T>(P, a, e, s.S, scale, lse_h + r0); });
        if (gv)  // ḡV += Aᵀ ḡO
          gemm_rm<T>(true, false, s.S, s.dv, rows, P, s.S, god + ooff, hdv, beta, gvd + kv_v, s.ld_v);
        if (!gq && !gk) continue;
        gemm_rm<T>(false, true, rows, s.S, s.dv, god + ooff, hdv, vd + kv_v, s.ld_v, T(0), G, s.S);  // ḡA = ḡO Vᵀ
        parallel_for(rows, row_grain(s.S),
                     [&](I a, I e) { grad_score_rows<T>(P, G, a, e, s.S, scale, god + ooff, od + ooff, hdv, s.dv); });
        if (gq)  // ḡQ = ḡS K
          gemm_rm<T>(false, false, rows, s.dk, s.S, G, s.S, kd + kv_k, s.ld_k, T(0), gqd + qoff, s.ld_q);
        if (gk)  // ḡK += ḡSᵀ Q
          gemm_rm<T>(true, false, s.S, s.dk, rows, G, s.S, qd + qoff, s.ld_q, beta, gkd + kv_k, s.ld_k);
      }
    }
  });
}

}  // namespace

void softmax_attention_forward(const SoftmaxAttentionShape& s, const Tensor& q, const Tensor& k, const Tensor& v,
                               Tensor& out, Tensor& lse) {
  LINATTN_FLOAT_TYPES(q.dtype(), "softmax_attention_forward", [&] { forward_impl<scalar_t>(s, q, k, v, out, lse); });
}

void softmax_attention_backward(const SoftmaxAttentionShape& s, const Tensor& grad_out, const Tensor& q,
                                const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse, Tensor& grad_q,
                                Tensor& grad_k, Tensor& grad_v) {
  LINATTN_FLOAT_TYPES(q.dtype(), "softmax_attention_backward", [&] {
    backward_impl<scalar_t>(s, grad_out, q, k, v, out, lse, grad_q, grad_k, grad_v);
  });
}

}  // namespace linattn::cpu
