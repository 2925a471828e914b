// core/cpu/sgemm.cpp — see sgemm.h. Three layers, GotoBLAS-style:
//   microkernel  one MR×NR tile of C: MR·NR/lanes vector accumulators, per step one row of
//                the packed B panel in registers and MR broadcasts of A;
//   serial GEMM  C in NC-column blocks × KC-deep slices × MC-row blocks: pack the B block
//                (KC×NC, NR-wide panels, zero-padded); read A's rows in place, or pack A
//                (MR-tall micro-panels) where it is stored transposed; run the tiles; partial
//                edge tiles go through a local tile;
//   threads      one contiguous share of rows or of columns per thread; or, when the inner
//                dimension dwarfs the output (weight gradients over B·N tokens), fixed
//                kDepthChunk-deep slices of it, each summed into its own buffer and added to C
//                in order — the slices do not depend on the thread count, so neither do results.
// Packing reads op(A) and op(B) through their strides, so transposes cost nothing extra.
#include "core/cpu/sgemm.h"

#include <cblas.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"

namespace linattn::cpu {

namespace {

using i64 = std::int64_t;

constexpr i64 kKC = 256;  // depth of a packed slice: an A micro-panel (12×256 floats) stays in L1
constexpr i64 kMC = 192;  // rows of a packed A block (~192 KB): L2
constexpr i64 kNC = 512;  // columns of a packed B block (~512 KB): L2
constexpr double kSerialFlops = 2.0e6;  // below this a GEMM runs on one thread (fork costs more)
constexpr i64 kDepthChunk = 4096;       // inner-dimension slice of one partial sum
constexpr i64 kDepthMaxOutput = 1 << 20;  // output elements up to which partial sums are worth it

// ---- microkernels: tile(kc, a, rs, cs, bp, c, ldc, alpha, beta) writes the MR×NR tile
// c = alpha·Σ_k a[:, k] bp[k] + beta·c (beta = 0: c is not read), where element (i, k) of the A
// micro-panel is a[i·rs + k·cs] — a packed panel (rs = 1, cs = MR) or MR rows of A read in
// place (rs = lda, cs = 1) — and bp holds NR floats per step (a packed panel, 64-byte aligned).

struct Avx512 {
  static constexpr int MR = 12, NR = 32;
  __attribute__((target("avx512f"))) static void tile(i64 kc, const float* a, i64 rs, i64 cs, const float* bp,
                                                       float* c, i64 ldc, float alpha, float beta) {
    __m512 acc[MR][2];
    for (auto& row : acc) row[0] = row[1] = _mm512_setzero_ps();
    for (i64 k = 0; k < kc; ++k, a += cs, bp += NR) {
      const __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 12
      for (int i = 0; i < MR; ++i) {
        const __m512 av = _mm512_set1_ps(a[i * rs]);
        acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < MR; ++i, c += ldc)
      for (int h = 0; h < 2; ++h) {
        __m512 v = _mm512_mul_ps(va, acc[i][h]);
        if (beta != 0.0f) v = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c + 16 * h), v);
        _mm512_storeu_ps(c + 16 * h, v);
      }
  }
};

struct Avx2 {
  static constexpr int MR = 6, NR = 16;
  __attribute__((target("avx2,fma"))) static void tile(i64 kc, const float* a, i64 rs, i64 cs, const float* bp,
                                                        float* c, i64 ldc, float alpha, float beta) {
    __m256 acc[MR][2];
    for (auto& row : acc) row[0] = row[1] = _mm256_setzero_ps();
    for (i64 k = 0; k < kc; ++k, a += cs, bp += NR) {
      const __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) {
        const __m256 av = _mm256_broadcast_ss(a + i * rs);
        acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
      }
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    for (int i = 0; i < MR; ++i, c += ldc)
      for (int h = 0; h < 2; ++h) {
        __m256 v = _mm256_mul_ps(va, acc[i][h]);
        if (beta != 0.0f) v = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8 * h), v);
        _mm256_storeu_ps(c + 8 * h, v);
      }
  }
};

// ---- packing buffers: one pair per thread, 64-byte aligned, grown on demand.

struct PackBuffer {
  float* data = nullptr;
  i64 capacity = 0;
  ~PackBuffer() { std::free(data); }
  float* get(i64 floats) {
    if (floats > capacity) {
      std::free(data);
      data = static_cast<float*>(std::aligned_alloc(64, static_cast<std::size_t>((floats + 15) / 16 * 64)));
      if (!data) {  // inside an OpenMP region nothing can be thrown; a few hundred KB never fails in practice
        std::fprintf(stderr, "linattn: sgemm could not allocate a %lld-float packing buffer\n",
                     static_cast<long long>(floats));
        std::abort();
      }
      capacity = floats;
    }
    return data;
  }
};
thread_local PackBuffer a_pack, b_pack;

// op(X) as stored: X row-major with leading dimension ld, op(X) = Xᵀ when trans.
struct View {
  const float* p;
  i64 ld;
  bool trans;
  const float* row_ptr(i64 r, i64 col) const { return p + r * ld + col; }  // a row of the storage
};

// Packs `lines` lines × kc steps of a strided matrix X into W-wide panels, panel after panel:
// dst[panel·W·kc + k·W + l] = X(line0 + panel·W + l, step0 + k), lines past the end zero.
// X(line, step) is p[step·ld + line] when `lines_adjacent` (consecutive lines sit side by side
// in memory: W floats copied per step), else p[line·ld + step] (one float from each of W rows).
// A's micro-panels are its rows (adjacent when A is stored transposed), B's panels its columns.
template <int W>
void pack_panels(const float* p, i64 ld, bool lines_adjacent, i64 line0, i64 lines, i64 step0, i64 kc, float* dst) {
  for (i64 l0 = 0; l0 < lines; l0 += W, dst += W * kc) {
    const i64 w = std::min<i64>(W, lines - l0);
    if (lines_adjacent) {
      for (i64 k = 0; k < kc; ++k) {
        const float* src = p + (step0 + k) * ld + line0 + l0;
        for (i64 l = 0; l < W; ++l) dst[k * W + l] = l < w ? src[l] : 0.0f;
      }
    } else {
      const float* rows[W];
      for (i64 l = 0; l < W; ++l) rows[l] = p + (line0 + l0 + std::min<i64>(l, w - 1)) * ld + step0;
      for (i64 k = 0; k < kc; ++k)
        for (i64 l = 0; l < W; ++l) dst[k * W + l] = rows[l][k];
      if (w < W)
        for (i64 k = 0; k < kc; ++k)
          for (i64 l = w; l < W; ++l) dst[k * W + l] = 0.0f;
    }
  }
}

// op(A)[i0:i0+mc, p0:p0+kc] as MR-tall micro-panels; op(B)[p0:p0+kc, j0:j0+nc] as NR-wide panels.
template <int MR>
void pack_a(const View& a, i64 i0, i64 mc, i64 p0, i64 kc, float* dst) {
  pack_panels<MR>(a.p, a.ld, a.trans, i0, mc, p0, kc, dst);
}
template <int NR>
void pack_b(const View& b, i64 p0, i64 kc, i64 j0, i64 nc, float* dst) {
  pack_panels<NR>(b.p, b.ld, !b.trans, j0, nc, p0, kc, dst);
}

// One thread's GEMM: C (m×n) = alpha·op(A)·op(B) + beta·C, with k ≥ 1. A transposed in
// storage is packed (a cheap contiguous copy per step); A in rows is read in place, full tiles
// straight from its rows — with C only a few panels wide, packing A (a transpose) would cost a
// large share of the multiply — and the last, partial tile of a block from a zero-padded copy.
template <class K>
void gemm_serial(const View& a, const View& b, i64 m, i64 n, i64 k, float alpha, float beta, float* c, i64 ldc) {
  constexpr int MR = K::MR, NR = K::NR;
  float* ap = a_pack.get(kMC * kKC);
  float* bp = b_pack.get(kNC * kKC);
  alignas(64) float edge[MR * NR];
  for (i64 jc = 0; jc < n; jc += kNC) {
    const i64 nc = std::min(kNC, n - jc);
    for (i64 pc = 0; pc < k; pc += kKC) {
      const i64 kc = std::min(kKC, k - pc);
      const float beta_here = pc == 0 ? beta : 1.0f;  // later slices add to the first
      pack_b<NR>(b, pc, kc, jc, nc, bp);
      for (i64 ic = 0; ic < m; ic += kMC) {
        const i64 mc = std::min(kMC, m - ic);
        const i64 full = a.trans ? 0 : mc / MR * MR;  // rows read in place
        pack_a<MR>(a, ic + full, mc - full, pc, kc, ap + full * kc);
        for (i64 jr = 0; jr < nc; jr += NR) {
          const i64 nr = std::min<i64>(NR, nc - jr);
          for (i64 ir = 0; ir < mc; ir += MR) {
            const i64 mr = std::min<i64>(MR, mc - ir);
            const bool in_place = ir < full;
            const float* at = in_place ? a.row_ptr(ic + ir, pc) : ap + ir * kc;
            const i64 rs = in_place ? a.ld : 1, cs = in_place ? 1 : MR;
            float* ct = c + (ic + ir) * ldc + jc + jr;
            if (mr == MR && nr == NR) {
              K::tile(kc, at, rs, cs, bp + jr * kc, ct, ldc, alpha, beta_here);
              continue;
            }
            K::tile(kc, at, rs, cs, bp + jr * kc, edge, NR, alpha, 0.0f);
            for (i64 i = 0; i < mr; ++i)
              for (i64 j = 0; j < nr; ++j)
                ct[i * ldc + j] = edge[i * NR + j] + (beta_here == 0.0f ? 0.0f : beta_here * ct[i * ldc + j]);
          }
        }
      }
    }
  }
}

// [lo, hi) of `total` for thread t of `threads`, shares rounded up to multiples of `unit` (so
// tiles line up the same way for any thread count).
struct Range {
  i64 lo, hi;
};
Range share(i64 total, i64 unit, int t, int threads) {
  const i64 per = ((total + threads - 1) / threads + unit - 1) / unit * unit;
  const i64 lo = std::min(total, t * per);
  return {lo, std::min(total, lo + per)};
}

enum class Split { none, rows, cols, depth };

// The inner dimension when it dwarfs a small output (independent of the thread count, so that
// results are too); else threads go to the longer of rows and columns.
Split choose_split(i64 m, i64 n, i64 k, int threads, int MR, int NR) {
  if (k >= 4 * std::max(m, n) && k >= 2 * kDepthChunk && m * n <= kDepthMaxOutput) return Split::depth;
  if (threads <= 1 || 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) < kSerialFlops)
    return Split::none;
  if (m >= n && m >= 2 * MR * threads) return Split::rows;
  if (n >= 2 * NR * threads) return Split::cols;
  if (m >= 2 * MR * threads) return Split::rows;
  return Split::none;
}

template <class K>
void gemm_threaded(const View& a, const View& b, i64 m, i64 n, i64 k, float alpha, float beta, float* c, i64 ldc) {
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  switch (choose_split(m, n, k, threads, K::MR, K::NR)) {
    case Split::none:
      gemm_serial<K>(a, b, m, n, k, alpha, beta, c, ldc);
      return;
    case Split::rows:  // op(A) rows [lo, hi) → C rows [lo, hi)
#pragma omp parallel num_threads(threads)
    {
      const Range r = share(m, K::MR, omp_get_thread_num(), omp_get_num_threads());
      const View ar{a.trans ? a.p + r.lo : a.p + r.lo * a.ld, a.ld, a.trans};
      if (r.hi > r.lo) gemm_serial<K>(ar, b, r.hi - r.lo, n, k, alpha, beta, c + r.lo * ldc, ldc);
    }
      return;
    case Split::cols:  // op(B) columns [lo, hi) → C columns [lo, hi)
#pragma omp parallel num_threads(threads)
    {
      const Range r = share(n, K::NR, omp_get_thread_num(), omp_get_num_threads());
      const View br{b.trans ? b.p + r.lo * b.ld : b.p + r.lo, b.ld, b.trans};
      if (r.hi > r.lo) gemm_serial<K>(a, br, m, r.hi - r.lo, k, alpha, beta, c + r.lo, ldc);
    }
      return;
    case Split::depth: {  // slice s of the inner dimension → partial[s]; C = beta·C + Σ_s partial[s]
      const i64 slices = (k + kDepthChunk - 1) / kDepthChunk;
      std::vector<float> partial(static_cast<std::size_t>(slices * m * n));
#pragma omp parallel for schedule(static) num_threads(threads)
      for (i64 s = 0; s < slices; ++s) {
        const i64 lo = s * kDepthChunk, depth = std::min(kDepthChunk, k - lo);
        const View as{a.trans ? a.p + lo * a.ld : a.p + lo, a.ld, a.trans};
        const View bs{b.trans ? b.p + lo : b.p + lo * b.ld, b.ld, b.trans};
        gemm_serial<K>(as, bs, m, n, depth, alpha, 0.0f, partial.data() + s * m * n, n);
      }
#pragma omp parallel for schedule(static) num_threads(threads)
      for (i64 i = 0; i < m; ++i)
        for (i64 j = 0; j < n; ++j) {
          float sum = partial[i * n + j];
          for (i64 s = 1; s < slices; ++s) sum += partial[(s * m + i) * n + j];
          c[i * ldc + j] = beta == 0.0f ? sum : sum + beta * c[i * ldc + j];
        }
      return;
    }
  }
}

bool cpu_has(SgemmKernel kernel) {
  __builtin_cpu_init();
  switch (kernel) {
    case SgemmKernel::openblas:
      return true;
    case SgemmKernel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SgemmKernel::avx512:
      return __builtin_cpu_supports("avx512f");
  }
  return false;
}

SgemmKernel kernel_from_environment() {
  const char* env = std::getenv("LINATTN_SGEMM");
  if (env && *env) return sgemm_kernel_from_name(env, "LINATTN_SGEMM=");
  if (cpu_has(SgemmKernel::avx512)) return SgemmKernel::avx512;
  if (cpu_has(SgemmKernel::avx2)) return SgemmKernel::avx2;
  return SgemmKernel::openblas;
}

}  // namespace

SgemmKernel sgemm_default_kernel() {
  static const SgemmKernel kernel = kernel_from_environment();
  return kernel;
}

bool sgemm_kernel_supported(SgemmKernel kernel) { return cpu_has(kernel); }

SgemmKernel sgemm_kernel_from_name(const std::string& text, const std::string& origin) {
  for (auto kernel : {SgemmKernel::openblas, SgemmKernel::avx2, SgemmKernel::avx512})
    if (text == sgemm_kernel_name(kernel)) {
      LINATTN_CHECK(cpu_has(kernel), origin, text, ": this CPU does not support the ", text, " kernel");
      return kernel;
    }
  fail(str_cat(origin, text, ": expected openblas, avx2 or avx512"));
}

const char* sgemm_kernel_name(SgemmKernel kernel) {
  switch (kernel) {
    case SgemmKernel::openblas:
      return "openblas";
    case SgemmKernel::avx2:
      return "avx2";
    case SgemmKernel::avx512:
      return "avx512";
  }
  return "?";
}

void sgemm(bool ta, bool tb, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda, const float* b, i64 ldb,
           float beta, float* c, i64 ldc, SgemmKernel kernel) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {  // C = beta·C
    for (i64 i = 0; i < m; ++i)
      for (i64 j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  LINATTN_CHECK(sgemm_kernel_supported(kernel), "sgemm: this CPU does not support the ", sgemm_kernel_name(kernel),
                " kernel");
  const View av{a, lda, ta}, bv{b, ldb, tb};
  switch (kernel) {
    case SgemmKernel::openblas: {
      auto bi = [](i64 x) { return static_cast<blasint>(x); };
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, bi(m), bi(n), bi(k),
                  alpha, a, bi(lda), b, bi(ldb), beta, c, bi(ldc));
      return;
    }
    case SgemmKernel::avx2:
      gemm_threaded<Avx2>(av, bv, m, n, k, alpha, beta, c, ldc);
      return;
    case SgemmKernel::avx512:
      gemm_threaded<Avx512>(av, bv, m, n, k, alpha, beta, c, ldc);
      return;
  }
}

}  // namespace linattn::cpu
