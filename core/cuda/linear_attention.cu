// core/cuda/linear_attention.cu — CUDA kernels of core/kernels/linear_attention.h, the same math
// and the same saved tensors as the CPU version (core/cpu/linear_attention.cpp).
//
// Whole tensors at once (no token chunks): the features P (B, N, h·F) of q or k are built into a
// workspace by one elementwise kernel (skipped when φ is the identity and there are no tables,
// then P is the input itself), and every product is a cuBLAS strided-batched GEMM over the batch,
// one call per head on strided per-head views (leading dimension h·F, head offset head·F). The
// normalizer rides along as one extra value column (W = dv + 1 when normalizing), as on the CPU:
//   ctx⁺ = P_kᵀ [V | 1] = [ctx | z]          [num | den] = P_q ctx⁺
//   ḡP_q = [ḡnum | ḡden] ctx⁺ᵀ                ḡctx⁺ = P_qᵀ [ḡnum | ḡden] = [ḡctx | ḡz]
//   ḡV = P_k ḡctx                             ḡP_k = [V | 1] ḡctx⁺ᵀ
// The small fused kernels do the rest: features, [v | 1], the row division, [ḡnum | ḡden] (one
// thread per row and head, its dot product summed in a fixed order) and the fold of ḡP into
// ḡq / ḡk (terms summed t = 0..T−1, as on the CPU). Workspaces are O(B·N·h·F) — never L × S.
//
// Deterministic: cuBLAS gives the same bits run after run on one stream, and no kernel uses
// atomics. float32 GEMMs use TF32 tensor cores when allow_tf32() (core/cuda_options.h) is on.
#include <cublas_v2.h>

#include <algorithm>
#include <limits>
#include <type_traits>

#include "core/cuda/launch.cuh"
#include "core/cuda_options.h"
#include "core/kernels/linear_attention.h"

namespace linattn::cuda {

namespace {

using I = std::int64_t;

#define LINATTN_GRID_STRIDE(i, n)                                                                   \
  for (I i = blockIdx.x * static_cast<I>(blockDim.x) + threadIdx.x; i < (n);                      \
       i += static_cast<I>(gridDim.x) * blockDim.x)

// Geometry: W is the width of the augmented value blocks (dv + 1 when normalizing).
struct Geo {
  I B, L, S, h, dk, dv, T, F, hF, hdk, hdv, W, hW;
  bool build, positive, normalize;
  double scale, eps;
  explicit Geo(const LinearAttentionShape& s)
      : B(s.batch), L(s.L), S(s.S), h(s.heads), dk(s.dk), dv(s.dv), T(s.terms), F(s.features()),
        hF(s.heads * s.features()), hdk(s.heads * s.dk), hdv(s.heads * s.dv), W(s.dv + (s.normalize ? 1 : 0)),
        hW(s.heads * (s.dv + (s.normalize ? 1 : 0))), build(s.has_coef || s.positive), positive(s.positive),
        normalize(s.normalize), scale(s.scale), eps(s.eps) {}
};

// ---- elementwise kernels --------------------------------------------------------------------------

// P (rows × h·F) from x (rows × h·dk), rows = B·N, and coef (N × T, or null):
// P[r, head·F + t·dk + j] = coef[r mod N, t]·φ(x[r, head·dk + j]).
template <class T>
__global__ void features_kernel(const T* x, const T* coef, T* P, I rows, I N, I h, I dk, I terms, bool positive,
                                T scale, T eps) {
  const I F = terms * dk, n = rows * h * F;
  LINATTN_GRID_STRIDE(i, n) {
    const I r = i / (h * F), c = i - r * h * F, head = c / F, f = c - head * F, t = f / dk, j = f - t * dk;
    T phi = x[r * h * dk + head * dk + j];
    if (positive) phi = (phi * scale > T(0) ? phi * scale : T(0)) + eps;
    P[i] = coef ? coef[(r % N) * terms + t] * phi : phi;
  }
}

// gx[r, head·dk + j] = φ'(x)·Σ_t coef[r mod N, t]·G[r, head·F + t·dk + j]  (t in order).
template <class T>
__global__ void fold_kernel(const T* G, const T* x, const T* coef, T* gx, I rows, I N, I h, I dk, I terms,
                            bool positive, T scale) {
  const I F = terms * dk, n = rows * h * dk;
  LINATTN_GRID_STRIDE(i, n) {
    const I r = i / (h * dk), c = i - r * h * dk, head = c / dk, j = c - head * dk;
    const T* g = G + r * h * F + head * F + j;
    T acc;
    if (coef) {
      const T* cr = coef + (r % N) * terms;
      acc = cr[0] * g[0];
      for (I t = 1; t < terms; ++t) acc += cr[t] * g[t * dk];
    } else {
      acc = g[0];
    }
    if (positive) acc = x[i] * scale > T(0) ? acc * scale : T(0);
    gx[i] = acc;
  }
}

// A (rows × h·(dv+1)) = [v | 1] per head, from v (rows × h·dv).
template <class T>
__global__ void augment_kernel(const T* v, T* A, I rows, I h, I dv) {
  const I W = dv + 1, n = rows * h * W;
  LINATTN_GRID_STRIDE(i, n) {
    const I r = i / (h * W), c = i - r * h * W, head = c / W, j = c - head * W;
    A[i] = j < dv ? v[r * h * dv + head * dv + j] : T(1);
  }
}

// out = num / den from [num | den] (rows × h·(dv+1)); den (rows × h) saved.
template <class T>
__global__ void divide_kernel(const T* nd, T* out, T* den, I rows, I h, I dv) {
  const I W = dv + 1, n = rows * h * dv;
  LINATTN_GRID_STRIDE(i, n) {
    const I r = i / (h * dv), c = i - r * h * dv, head = c / dv, j = c - head * dv;
    const T* row = nd + r * h * W + head * W;
    out[i] = row[j] / row[dv];
    if (j == 0) den[r * h + head] = row[dv];
  }
}

// [ḡnum | ḡden] (rows × h·(dv+1)): ḡnum = ḡO / den, ḡden = −Σ_c ḡO·O / den; one thread per
// (row, head), the dot product summed in channel order.
template <class T>
__global__ void grad_num_den_kernel(const T* go, const T* out, const T* den, T* nd, I rows, I h, I dv) {
  const I W = dv + 1, n = rows * h;
  LINATTN_GRID_STRIDE(i, n) {
    const T* g = go + i * dv;  // row r = i / h, head = i % h: offset r·h·dv + head·dv = i·dv
    const T* o = out + i * dv;
    T* dst = nd + i * W;
    const T d = den[i];
    T dot = T(0);
    for (I c = 0; c < dv; ++c) dot += g[c] * o[c];
    for (I c = 0; c < dv; ++c) dst[c] = g[c] / d;
    dst[dv] = -dot / d;
  }
}

// ctx⁺ (n × W) ↔ ctx (n × dv) and z (n): split after the forward, merged before the backward.
template <class T>
__global__ void split_ctx_kernel(const T* cx, T* ctx, T* z, I n, I dv, bool normalize) {
  const I W = dv + (normalize ? 1 : 0), total = n * W;
  LINATTN_GRID_STRIDE(i, total) {
    const I row = i / W, j = i - row * W;
    if (j < dv)
      ctx[row * dv + j] = cx[i];
    else
      z[row] = cx[i];
  }
}

template <class T>
__global__ void merge_ctx_kernel(const T* ctx, const T* z, T* cx, I n, I dv, bool normalize) {
  const I W = dv + (normalize ? 1 : 0), total = n * W;
  LINATTN_GRID_STRIDE(i, total) {
    const I row = i / W, j = i - row * W;
    cx[i] = j < dv ? ctx[row * dv + j] : z[row];
  }
}

// C[b, row, col] = 0 for a strided (batch × m × n) matrix view: a GEMM with k = 0.
template <class T>
__global__ void zero_matrices_kernel(T* c, I batch, I m, I n, I ldc, I stride_c) {
  const I total = batch * m * n;
  LINATTN_GRID_STRIDE(i, total) {
    const I b = i / (m * n), rc = i - b * m * n, row = rc / n, col = rc - row * n;
    c[b * stride_c + row * ldc + col] = T(0);
  }
}

// ---- GEMM on strided per-head views -------------------------------------------------------------

int checked_int(I v, const char* what) {
  LINATTN_CHECK(v >= 0 && v <= std::numeric_limits<int>::max(), "linear_attention (CUDA): ", what, " = ", v,
                " exceeds cuBLAS's 32-bit limit. ---> HINT: use a smaller batch or fewer tokens per call");
  return static_cast<int>(v);
}

// One operand: base pointer, leading dimension (row length as stored), batch stride.
template <class T>
struct View {
  const T* p;
  I ld, stride;
};

// For each b < batch: C[b] (m × n) = op(A[b])·op(B[b]), row-major with explicit leading
// dimensions, as Cᵀ = op(B)ᵀ·op(A)ᵀ in cuBLAS's column-major (see core/cuda/gemm.cu). C's
// previous contents are ignored; k = 0 gives zeros.
template <class T>
void gemm(const Tensor& like, I batch, bool ta, bool tb, I m, I n, I k, View<T> a, View<T> b, T* c, I ldc,
          I stride_c) {
  if (m == 0 || n == 0 || batch == 0) return;
  if (k == 0) {
    zero_matrices_kernel<<<grid_for(batch * m * n), kBlock, 0, stream_of(like)>>>(c, batch, m, n, ldc, stride_c);
    LINATTN_CUDA_LAUNCH_CHECK();
    return;
  }
  constexpr bool kF32 = std::is_same_v<T, float>;
  const cudaDataType_t type = kF32 ? CUDA_R_32F : CUDA_R_64F;
  const cublasComputeType_t compute =
      kF32 ? (allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F) : CUBLAS_COMPUTE_64F;
  const T alpha = T(1), beta = T(0);
  LINATTN_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
      cublas_handle(like.device().index), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
      checked_int(n, "n"), checked_int(m, "m"), checked_int(k, "k"), &alpha, b.p, type, checked_int(b.ld, "ldb"),
      b.stride, a.p, type, checked_int(a.ld, "lda"), a.stride, &beta, c, type, checked_int(ldc, "ldc"), stride_c,
      checked_int(batch, "batch"), compute, CUBLAS_GEMM_DEFAULT));
}

// ---- helpers ------------------------------------------------------------------------------------

template <class T>
const T* cptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

Tensor workspace(const Tensor& like, I rows, I cols) {
  return Tensor::empty({rows, cols}, {.dtype = like.dtype(), .device = like.device()});
}

template <class K, class... Args>
void launch(const Tensor& like, I n, K kernel, Args... args) {
  if (n == 0) return;
  kernel<<<grid_for(n), kBlock, 0, stream_of(like)>>>(args...);
  LINATTN_CUDA_LAUNCH_CHECK();
}

// The features of x (rows = B·N tokens) with their row length: built into ws, or x itself.
template <class T>
View<T> features(const Geo& g, const Tensor& x, const Tensor& coef, I N, Tensor& ws) {
  if (!g.build) return {x.data<T>(), g.hdk, N * g.hdk};
  const I rows = g.B * N;
  ws = workspace(x, rows, g.hF);
  launch(x, rows * g.hF, features_kernel<T>, x.data<T>(), cptr<T>(coef), ws.data<T>(), rows, N, g.h, g.dk, g.T,
         g.positive, static_cast<T>(g.scale), static_cast<T>(g.eps));
  return {ws.data<T>(), g.hF, N * g.hF};
}

// [v | 1] when normalizing (into ws), else v itself; with its row length.
template <class T>
View<T> values(const Geo& g, const Tensor& v, Tensor& ws) {
  if (!g.normalize) return {v.data<T>(), g.hdv, g.S * g.hdv};
  ws = workspace(v, g.B * g.S, g.hW);
  launch(v, g.B * g.S * g.hW, augment_kernel<T>, v.data<T>(), ws.data<T>(), g.B * g.S, g.h, g.dv);
  return {ws.data<T>(), g.hW, g.S * g.hW};
}

template <class T>
void fold(const Geo& g, const Tensor& G, const Tensor& x, const Tensor& coef, I N, Tensor& gx) {
  const I rows = g.B * N;
  launch(x, rows * g.hdk, fold_kernel<T>, G.data<T>(), x.data<T>(), cptr<T>(coef), gx.data<T>(), rows, N, g.h, g.dk,
         g.T, g.positive, static_cast<T>(g.scale));
}

// ---- forward / backward -------------------------------------------------------------------------

template <class T>
void forward_impl(const LinearAttentionShape& shape, const Tensor& q, const Tensor& k, const Tensor& v,
                  const Tensor& coef_q, const Tensor& coef_k, Tensor& out, Tensor& ctx, Tensor& z, Tensor& den) {
  const Geo g(shape);
  const I ctx_stride = g.h * g.F * g.W;            // per batch element of ctx⁺
  Tensor cx = workspace(q, g.B * g.h * g.F, g.W);  // ctx⁺ = [ctx | z]  (B x h x F x W)
  {
    Tensor pk_ws, va_ws;
    const View<T> Pk = features<T>(g, k, coef_k, g.S, pk_ws);  // B x S x h·F
    const View<T> Va = values<T>(g, v, va_ws);                 // B x S x h·W
    for (I hh = 0; hh < g.h; ++hh)  // ctx⁺[b, head] = P_k[b, :, head]ᵀ [V | 1][b, :, head]
      gemm<T>(q, g.B, true, false, g.F, g.W, g.S, {Pk.p + hh * g.F, Pk.ld, Pk.stride},
              {Va.p + hh * g.W, Va.ld, Va.stride}, cx.data<T>() + hh * g.F * g.W, g.W, ctx_stride);
  }
  Tensor pq_ws;
  const View<T> Pq = features<T>(g, q, coef_q, g.L, pq_ws);           // B x L x h·F
  Tensor nd = g.normalize ? workspace(q, g.B * g.L, g.hW) : Tensor();  // [num | den]  B x L x h·W
  T* dst = g.normalize ? nd.data<T>() : out.data<T>();
  const I ldd = g.normalize ? g.hW : g.hdv;
  for (I hh = 0; hh < g.h; ++hh)  // [num | den][b, :, head] = P_q[b, :, head] ctx⁺[b, head]
    gemm<T>(q, g.B, false, false, g.L, g.W, g.F, {Pq.p + hh * g.F, Pq.ld, Pq.stride},
            {cx.data<T>() + hh * g.F * g.W, g.W, ctx_stride}, dst + hh * g.W, ldd, g.L * ldd);
  if (g.normalize)
    launch(q, g.B * g.L * g.hdv, divide_kernel<T>, nd.data<T>(), out.data<T>(), den.data<T>(), g.B * g.L, g.h, g.dv);
  T* zp = g.normalize ? z.data<T>() : nullptr;
  launch(q, g.B * g.h * g.F * g.W, split_ctx_kernel<T>, cx.data<T>(), ctx.data<T>(), zp, g.B * g.h * g.F, g.dv,
         g.normalize);
}

template <class T>
void backward_impl(const LinearAttentionShape& shape, const Tensor& grad_out, const Tensor& q, const Tensor& k,
                   const Tensor& v, const Tensor& coef_q, const Tensor& coef_k, const Tensor& out, const Tensor& ctx,
                   const Tensor& z, const Tensor& den, Tensor& grad_q, Tensor& grad_k, Tensor& grad_v) {
  const Geo g(shape);
  const I ctx_stride = g.h * g.F * g.W;

  // ctx⁺ = [ctx | z] (B x h x F x W) back from the saved tensors (ctx itself when den ≡ 1).
  Tensor cx = ctx;
  if (g.normalize) {
    cx = workspace(q, g.B * g.h * g.F, g.W);
    launch(q, g.B * g.h * g.F * g.W, merge_ctx_kernel<T>, ctx.data<T>(), z.data<T>(), cx.data<T>(), g.B * g.h * g.F,
           g.dv, true);
  }
  const T* cxp = cx.data<T>();

  // [ḡnum | ḡden] (B x L x h·W), or ḡO itself when den ≡ 1.
  Tensor nd_ws;
  View<T> nd{grad_out.data<T>(), g.hdv, g.L * g.hdv};
  if (g.normalize) {
    nd_ws = workspace(q, g.B * g.L, g.hW);
    launch(q, g.B * g.L * g.h, grad_num_den_kernel<T>, grad_out.data<T>(), out.data<T>(), den.data<T>(),
           nd_ws.data<T>(), g.B * g.L, g.h, g.dv);
    nd = {nd_ws.data<T>(), g.hW, g.L * g.hW};
  }

  if (grad_q.defined()) {  // ḡP_q = [ḡnum | ḡden] ctx⁺ᵀ (B x L x h·F) → ḡq
    Tensor G = g.build ? workspace(q, g.B * g.L, g.hF) : grad_q;
    for (I hh = 0; hh < g.h; ++hh)
      gemm<T>(q, g.B, false, true, g.L, g.F, g.W, {nd.p + hh * g.W, nd.ld, nd.stride},
              {cxp + hh * g.F * g.W, g.W, ctx_stride}, G.data<T>() + hh * g.F, g.hF, g.L * g.hF);
    if (g.build) fold<T>(g, G, q, coef_q, g.L, grad_q);
  }
  if (!grad_k.defined() && !grad_v.defined()) return;

  Tensor gcx = workspace(q, g.B * g.h * g.F, g.W);  // ḡctx⁺ = P_qᵀ [ḡnum | ḡden]  (B x h x F x W)
  {
    Tensor pq_ws;
    const View<T> Pq = features<T>(g, q, coef_q, g.L, pq_ws);
    for (I hh = 0; hh < g.h; ++hh)
      gemm<T>(q, g.B, true, false, g.F, g.W, g.L, {Pq.p + hh * g.F, Pq.ld, Pq.stride},
              {nd.p + hh * g.W, nd.ld, nd.stride}, gcx.data<T>() + hh * g.F * g.W, g.W, ctx_stride);
  }
  if (grad_v.defined()) {  // ḡV = P_k ḡctx (the first dv columns of ḡctx⁺)
    Tensor pk_ws;
    const View<T> Pk = features<T>(g, k, coef_k, g.S, pk_ws);
    for (I hh = 0; hh < g.h; ++hh)
      gemm<T>(q, g.B, false, false, g.S, g.dv, g.F, {Pk.p + hh * g.F, Pk.ld, Pk.stride},
              {gcx.data<T>() + hh * g.F * g.W, g.W, ctx_stride}, grad_v.data<T>() + hh * g.dv, g.hdv, g.S * g.hdv);
  }
  if (grad_k.defined()) {  // ḡP_k = [V | 1] ḡctx⁺ᵀ → ḡk
    Tensor va_ws;
    const View<T> Va = values<T>(g, v, va_ws);
    Tensor G = g.build ? workspace(q, g.B * g.S, g.hF) : grad_k;
    for (I hh = 0; hh < g.h; ++hh)
      gemm<T>(q, g.B, false, true, g.S, g.F, g.W, {Va.p + hh * g.W, Va.ld, Va.stride},
              {gcx.data<T>() + hh * g.F * g.W, g.W, ctx_stride}, G.data<T>() + hh * g.F, g.hF, g.S * g.hF);
    if (g.build) fold<T>(g, G, k, coef_k, g.S, grad_k);
  }
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

}  // namespace linattn::cuda
