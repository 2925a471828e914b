// core/cpu/linear_attention.cpp — CPU kernels of core/kernels/linear_attention.h.
//
// One batch element at a time, tokens in chunks of R rows (R·h·F ≈ kChunkElems): a chunk's
// features P (R × h·F) are built into a workspace, then every product is an OpenBLAS GEMM on
// strided per-head views (leading dimension h·F, head offset head·F). The normalizer rides
// along as one extra column (W = dv + 1 when normalizing):
//   ctx⁺ = P_kᵀ [V | 1]  = [ctx | z]          [num | den] = P_q ctx⁺
//   ḡP_q = [ḡnum | ḡden] ctx⁺ᵀ                 ḡctx⁺ = P_qᵀ [ḡnum | ḡden] = [ḡctx | ḡz]
//   ḡV = P_k ḡctx                              ḡP_k = [V | 1] ḡctx⁺ᵀ
// so no dot-product loops remain; sums over tokens accumulate chunk after chunk with beta = 1.
// Nothing larger than a chunk of features exists, and nothing L × S.
//
// Threads (for_items_with_gemms, core/cpu/blas.h): in float32 with at least two batch elements
// per thread, each thread takes whole batch elements, GEMMs and elementwise passes (features,
// folding ḡP into ḡq / ḡk, the ḡnum / ḡden rows, the final division) alike. Otherwise batch
// elements go one by one with the GEMMs threaded and the elementwise passes on the calling
// thread: in float64 the GEMMs are OpenBLAS's, and interleaving OpenMP regions with OpenBLAS
// calls leaves libgomp's workers spinning (~15 ms each time) against OpenBLAS's threads — 5×
// slower on 2 cores when measured. Results do not depend on the thread count.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "core/cpu/blas.h"
#include "core/cpu/vec_math.h"
#include "core/kernels/linear_attention.h"

namespace linattn::cpu {

namespace {

using I = std::int64_t;

constexpr I kChunkElems = I{1} << 19;  // feature elements per chunk (2 MiB in float32)

// Geometry, typed: W is the width of the augmented value blocks (dv + 1 when normalizing).
template <class T>
struct Geo {
  I B, L, S, h, dk, dv, T_, F, hF, hdk, hdv, W, hW, R;
  bool build, positive, normalize;
  T scale, eps;
  explicit Geo(const LinearAttentionShape& s)
      : B(s.batch), L(s.L), S(s.S), h(s.heads), dk(s.dk), dv(s.dv), T_(s.terms), F(s.features()),
        hF(s.heads * s.features()), hdk(s.heads * s.dk), hdv(s.heads * s.dv), W(s.dv + (s.normalize ? 1 : 0)),
        hW(s.heads * (s.dv + (s.normalize ? 1 : 0))),
        R(std::max<I>(64, kChunkElems / std::max<I>(s.heads * s.features(), 1))), build(s.has_coef || s.positive),
        positive(s.positive), normalize(s.normalize), scale(static_cast<T>(s.scale)), eps(static_cast<T>(s.eps)) {}
};

// P (rows × h·F) from x (rows × h·dk) and coef (rows × T, or null):
// P[r, head·F + t·dk + j] = coef[r, t]·φ(x[r, head·dk + j]).
template <class T>
LINATTN_CPU_CLONES void build_features(const Geo<T>& g, const T* x, const T* coef, I rows, T* P) {
  std::vector<T> phi_buf(static_cast<std::size_t>(g.dk));
  T* __restrict phi = phi_buf.data();
  for (I r = 0; r < rows; ++r)
    for (I hh = 0; hh < g.h; ++hh) {
      const T* __restrict xr = x + r * g.hdk + hh * g.dk;
      T* __restrict pr = P + r * g.hF + hh * g.F;
      if (g.positive)
        for (I j = 0; j < g.dk; ++j) phi[j] = std::max(xr[j] * g.scale, T(0)) + g.eps;
      else
        std::copy(xr, xr + g.dk, phi);
      if (!coef) {
        std::copy(phi, phi + g.dk, pr);
        continue;
      }
      const T* cr = coef + r * g.T_;
      for (I t = 0; t < g.T_; ++t) {
        const T c = cr[t];
        for (I j = 0; j < g.dk; ++j) pr[t * g.dk + j] = c * phi[j];
      }
    }
}

// The features of `rows` rows of x (and their table rows): built into ws, or x itself when φ
// is the identity and there are no tables (then P = x, leading dimension h·dk = h·F).
template <class T>
const T* features(const Geo<T>& g, const T* x, const T* coef, I rows, T* ws) {
  if (!g.build) return x;
  build_features(g, x, coef, rows, ws);
  return ws;
}

// gx (rows × h·dk) = φ'(x)·Σ_t coef[r, t]·G[r, head·F + t·dk + j]: the chain rule through P.
template <class T>
LINATTN_CPU_CLONES void fold_gradient(const Geo<T>& g, const T* G, const T* x, const T* coef, I rows, T* gx) {
  for (I r = 0; r < rows; ++r)
    for (I hh = 0; hh < g.h; ++hh) {
      const T* __restrict xr = x + r * g.hdk + hh * g.dk;
      const T* __restrict gr = G + r * g.hF + hh * g.F;
      T* __restrict out = gx + r * g.hdk + hh * g.dk;
      if (coef) {
        const T* cr = coef + r * g.T_;
        for (I j = 0; j < g.dk; ++j) out[j] = cr[0] * gr[j];
        for (I t = 1; t < g.T_; ++t) {
          const T c = cr[t];
          for (I j = 0; j < g.dk; ++j) out[j] += c * gr[t * g.dk + j];
        }
      } else {
        std::copy(gr, gr + g.dk, out);
      }
      if (g.positive)
        for (I j = 0; j < g.dk; ++j) out[j] = xr[j] * g.scale > T(0) ? out[j] * g.scale : T(0);
    }
}

// [v | 1] per head: A (rows × h·(dv+1)) from v (rows × h·dv).
template <class T>
LINATTN_CPU_CLONES void augment_values(const Geo<T>& g, const T* v, I rows, T* A) {
  for (I r = 0; r < rows; ++r)
    for (I hh = 0; hh < g.h; ++hh) {
      const T* vr = v + r * g.hdv + hh * g.dv;
      T* ar = A + r * g.hW + hh * g.W;
      std::copy(vr, vr + g.dv, ar);
      ar[g.dv] = T(1);
    }
}

// out = num / den from [num | den] (rows × h·(dv+1)); den saved (rows × h).
template <class T>
LINATTN_CPU_CLONES void divide_rows(const Geo<T>& g, const T* nd, I rows, T* out, T* den) {
  for (I r = 0; r < rows; ++r)
    for (I hh = 0; hh < g.h; ++hh) {
      const T* __restrict n = nd + r * g.hW + hh * g.W;
      T* __restrict o = out + r * g.hdv + hh * g.dv;
      const T d = n[g.dv];
      den[r * g.h + hh] = d;
      for (I c = 0; c < g.dv; ++c) o[c] = n[c] / d;
    }
}

// [ḡnum | ḡden] (rows × h·(dv+1)): ḡnum = ḡO / den, ḡden = −Σ_c ḡO·O / den.
template <class T>
LINATTN_CPU_CLONES void grad_num_den(const Geo<T>& g, const T* go, const T* out, const T* den, I rows, T* nd) {
  for (I r = 0; r < rows; ++r)
    for (I hh = 0; hh < g.h; ++hh) {
      const T* __restrict gr = go + r * g.hdv + hh * g.dv;
      const T* __restrict o = out + r * g.hdv + hh * g.dv;
      T* __restrict n = nd + r * g.hW + hh * g.W;
      const T d = den[r * g.h + hh];
      T dot = T(0);
      for (I c = 0; c < g.dv; ++c) dot += gr[c] * o[c];
      for (I c = 0; c < g.dv; ++c) n[c] = gr[c] / d;
      n[g.dv] = -dot / d;
    }
}

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// A scratch buffer of `size` elements, or none (null data) when not needed.
template <class T>
std::vector<T> scratch(bool needed, I size) {
  return std::vector<T>(needed ? static_cast<std::size_t>(size) : 0);
}

template <class T>
T* data_or_null(std::vector<T>& v) {
  return v.empty() ? nullptr : v.data();
}

template <class T>
void forward_impl(const LinearAttentionShape& shape, const Tensor& q, const Tensor& k, const Tensor& v,
                  const Tensor& coef_q, const Tensor& coef_k, Tensor& out, Tensor& ctx, Tensor& z, Tensor& den) {
  const Geo<T> g(shape);
  const I R = std::min(g.R, std::max<I>(std::max(g.L, g.S), 1));
  const T *cq = ptr<T>(coef_q), *ck = ptr<T>(coef_k);
  for_items_with_gemms<T>(g.B, [&](I b0, I b1) {
    std::vector<T> P_ws = scratch<T>(g.build, R * g.hF);
    std::vector<T> aug_ws = scratch<T>(g.normalize, R * g.hW);  // [v | 1] of a key chunk, then [num | den]
    std::vector<T> ctx_ws = scratch<T>(true, g.h * g.F * g.W);    // ctx⁺ = [ctx | z] of one batch element
    T *Pw = data_or_null(P_ws), *aug = data_or_null(aug_ws), *cx = ctx_ws.data();
    for (I b = b0; b < b1; ++b) {
      const T* qb = q.data<T>() + b * g.L * g.hdk;
      const T* kb = k.data<T>() + b * g.S * g.hdk;
      const T* vb = v.data<T>() + b * g.S * g.hdv;
      T* ob = out.data<T>() + b * g.L * g.hdv;
      std::fill(cx, cx + g.h * g.F * g.W, T(0));
      for (I s0 = 0; s0 < g.S; s0 += R) {  // ctx⁺ += P_kᵀ [V | 1]
        const I rows = std::min(R, g.S - s0);
        const T* P = features(g, kb + s0 * g.hdk, ck ? ck + s0 * g.T_ : nullptr, rows, Pw);
        const T* Va = vb + s0 * g.hdv;
        I ldv = g.hdv;
        if (g.normalize) {
          augment_values(g, Va, rows, aug);
          Va = aug, ldv = g.hW;
        }
        for (I hh = 0; hh < g.h; ++hh)
          gemm_rm<T>(true, false, g.F, g.W, rows, P + hh * g.F, g.hF, Va + hh * g.W, ldv, T(1), cx + hh * g.F * g.W,
                     g.W);
      }
      for (I l0 = 0; l0 < g.L; l0 += R) {  // [num | den] = P_q ctx⁺; out = num / den
        const I rows = std::min(R, g.L - l0);
        const T* P = features(g, qb + l0 * g.hdk, cq ? cq + l0 * g.T_ : nullptr, rows, Pw);
        T* dst = g.normalize ? aug : ob + l0 * g.hdv;
        const I ldd = g.normalize ? g.hW : g.hdv;
        for (I hh = 0; hh < g.h; ++hh)
          gemm_rm<T>(false, false, rows, g.W, g.F, P + hh * g.F, g.hF, cx + hh * g.F * g.W, g.W, T(0), dst + hh * g.W,
                     ldd);
        if (g.normalize) divide_rows(g, aug, rows, ob + l0 * g.hdv, den.data<T>() + (b * g.L + l0) * g.h);
      }
      T* ctxb = ctx.data<T>() + b * g.h * g.F * g.dv;  // save ctx (h x F x dv) and z (h x F)
      for (I i = 0; i < g.h * g.F; ++i) {
        std::copy(cx + i * g.W, cx + i * g.W + g.dv, ctxb + i * g.dv);
        if (g.normalize) z.data<T>()[b * g.h * g.F + i] = cx[i * g.W + g.dv];
      }
    }
  });
}

template <class T>
void backward_impl(const LinearAttentionShape& shape, const Tensor& grad_out, const Tensor& q, const Tensor& k,
                   const Tensor& v, const Tensor& coef_q, const Tensor& coef_k, const Tensor& out, const Tensor& ctx,
                   const Tensor& z, const Tensor& den, Tensor& grad_q, Tensor& grad_k, Tensor& grad_v) {
  const Geo<T> g(shape);
  const bool need_q = grad_q.defined(), need_kv = grad_k.defined() || grad_v.defined();
  const I R = std::min(g.R, std::max<I>(std::max(g.L, g.S), 1));
  const T *cq = ptr<T>(coef_q), *ck = ptr<T>(coef_k);
  for_items_with_gemms<T>(g.B, [&](I b0, I b1) {
    std::vector<T> P_ws = scratch<T>(g.build && need_kv, R * g.hF);                  // features of a chunk
    std::vector<T> G_ws = scratch<T>(g.build && (need_q || grad_k.defined()), R * g.hF);  // ḡP of a chunk
    // [ḡnum | ḡden] of a query chunk, [v | 1] of a key chunk
    std::vector<T> aug_ws = scratch<T>(g.normalize, R * g.hW);
    std::vector<T> ctx_ws = scratch<T>(true, g.h * g.F * g.W);  // ctx⁺ = [ctx | z]
    std::vector<T> gctx_ws = scratch<T>(need_kv, g.h * g.F * g.W);  // ḡctx⁺ = [ḡctx | ḡz]
    T *Pw = data_or_null(P_ws), *Gw = data_or_null(G_ws), *aug = data_or_null(aug_ws), *cx = ctx_ws.data(),
      *gcx = data_or_null(gctx_ws);
    for (I b = b0; b < b1; ++b) {
      const T* qb = q.data<T>() + b * g.L * g.hdk;
      const T* kb = k.data<T>() + b * g.S * g.hdk;
      const T* vb = v.data<T>() + b * g.S * g.hdv;
      const T* gob = grad_out.data<T>() + b * g.L * g.hdv;
      const T* ctxb = ctx.data<T>() + b * g.h * g.F * g.dv;
      for (I i = 0; i < g.h * g.F; ++i) {
        std::copy(ctxb + i * g.dv, ctxb + (i + 1) * g.dv, cx + i * g.W);
        if (g.normalize) cx[i * g.W + g.dv] = z.data<T>()[b * g.h * g.F + i];
      }
      if (gcx) std::fill(gcx, gcx + g.h * g.F * g.W, T(0));

      // Pass 1 over query chunks: ḡP_q = [ḡnum | ḡden] ctx⁺ᵀ → ḡq; ḡctx⁺ += P_qᵀ [ḡnum | ḡden].
      for (I l0 = 0; l0 < g.L; l0 += R) {
        const I rows = std::min(R, g.L - l0);
        const T* nd = gob + l0 * g.hdv;  // ḡnum = ḡO when den ≡ 1
        I ldn = g.hdv;
        if (g.normalize) {
          grad_num_den(g, nd, out.data<T>() + (b * g.L + l0) * g.hdv, den.data<T>() + (b * g.L + l0) * g.h, rows, aug);
          nd = aug, ldn = g.hW;
        }
        if (need_q) {
          T* gq = grad_q.data<T>() + (b * g.L + l0) * g.hdk;
          T* G = g.build ? Gw : gq;
          for (I hh = 0; hh < g.h; ++hh)
            gemm_rm<T>(false, true, rows, g.F, g.W, nd + hh * g.W, ldn, cx + hh * g.F * g.W, g.W, T(0), G + hh * g.F,
                       g.hF);
          if (g.build) fold_gradient(g, G, qb + l0 * g.hdk, cq ? cq + l0 * g.T_ : nullptr, rows, gq);
        }
        if (need_kv) {
          const T* P = features(g, qb + l0 * g.hdk, cq ? cq + l0 * g.T_ : nullptr, rows, Pw);
          for (I hh = 0; hh < g.h; ++hh)
            gemm_rm<T>(true, false, g.F, g.W, rows, P + hh * g.F, g.hF, nd + hh * g.W, ldn, T(1),
                       gcx + hh * g.F * g.W, g.W);
        }
      }
      if (!need_kv) continue;

      // Pass 2 over key chunks: ḡV = P_k ḡctx; ḡP_k = [V | 1] ḡctx⁺ᵀ → ḡk.
      for (I s0 = 0; s0 < g.S; s0 += R) {
        const I rows = std::min(R, g.S - s0);
        if (grad_v.defined()) {
          const T* P = features(g, kb + s0 * g.hdk, ck ? ck + s0 * g.T_ : nullptr, rows, Pw);
          T* gv = grad_v.data<T>() + (b * g.S + s0) * g.hdv;
          for (I hh = 0; hh < g.h; ++hh)
            gemm_rm<T>(false, false, rows, g.dv, g.F, P + hh * g.F, g.hF, gcx + hh * g.F * g.W, g.W, T(0),
                       gv + hh * g.dv,
                    g.hdv);
        }
        if (grad_k.defined()) {
          const T* Va = vb + s0 * g.hdv;
          I ldv = g.hdv;
          if (g.normalize) {
            augment_values(g, Va, rows, aug);
            Va = aug, ldv = g.hW;
          }
          T* gk = grad_k.data<T>() + (b * g.S + s0) * g.hdk;
          T* G = g.build ? Gw : gk;
          for (I hh = 0; hh < g.h; ++hh)
            gemm_rm<T>(false, true, rows, g.F, g.W, Va + hh * g.W, ldv, gcx + hh * g.F * g.W, g.W, T(0),
                       G + hh * g.F, g.hF);
          if (g.build) fold_gradient(g, G, kb + s0 * g.hdk, ck ? ck + s0 * g.T_ : nullptr, rows, gk);
        }
      }
    }
  });
}

}  // namespace

void linear_attention_forward(const LinearAttentionShape& s, const Tensor& q, const Tensor& k, const Tensor& v,
                              const Tensor& coef_q, const Tensor& coef_k, Tensor& out, Tensor& ctx, Tensor& z,
                              Tensor& den) {
  LINATTN_FLOAT_TYPES(q.dtype(), "linear_attention_forward",
                      [&] { forward_impl<scalar_t>(s, q, k, v, coef_q, coef_k, out, ctx, z, den); });
}

void linear_attention_backward(const LinearAttentionShape& s, const Tensor& grad_out, const Tensor& q, const Tensor& k,
                               const Tensor& v, const Tensor& coef_q, const Tensor& coef_k, const Tensor& out,
                               const Tensor& ctx, const Tensor& z, const Tensor& den, Tensor& grad_q, Tensor& grad_k,
                               Tensor& grad_v) {
  LINATTN_FLOAT_TYPES(q.dtype(), "linear_attention_backward", [&] {
    backward_impl<scalar_t>(s, grad_out, q, k, v, coef_q, coef_k, out, ctx, z, den, grad_q, grad_k, grad_v);
  });
}

}  // namespace linattn::cpu
