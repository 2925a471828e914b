// core/cuda/conv.cu — CUDA kernels of core/kernels/conv.h: conv2d as im2col + cuBLAS GEMM over
// chunks of images, its backward (weight gradient by GEMM with the columns, input gradient by
// GEMM + col2im, bias gradient by a per-channel tree), and unfold2d / fold2d on their own.
//
// Chunking: n images at a time, n chosen so that the chunk's column buffer (K x n·P, K =
// Cin·kh·kw, P = Ho·Wo) and its output-gradient copy (Cout x n·P) each hold at most
// kColumnBudget elements: memory stays bounded for any batch. Columns are laid out like the CPU
// kernels' chunks: rows (c, i, j), so a group's rows are contiguous; columns (image, oh, ow).
//  - Small planes (P < kBatchedPlane, e.g. the ViT patch embedding's 8x8): one GEMM per group
//    over all n·P columns into a (Cout, n·P) buffer, then a scatter to (n, Cout, P) + bias.
//  - Larger planes: a strided-batched GEMM over the chunk's images writes each (Cout, P) output
//    in place (bias filled first, beta = 1); a 1x1 stride-1 unpadded convolution reads x itself
//    as its columns (no im2col). The input gradient is batched the same way.
//  - Weight gradient: one GEMM per group and chunk against the (Cout, n·P) copy of the output
//    gradient, accumulating chunk after chunk (beta = 1) in a fixed order.
//
// Determinism: no atomics. col2im (the input gradient and fold2d) is a gather: each input pixel
// sums the column entries that read it, taps in (i, j) order — the CPU's order, so col2im
// itself matches the CPU bit for bit. The bias gradient is one block per channel reducing in
// double over (image, position) with a fixed tree. cuBLAS GEMMs are reproducible run to run
// on one stream. float32 GEMMs use TF32 tensor cores when allow_tf32() (core/cuda_options.h).
#include <cublas_v2.h>

#include <algorithm>
#include <limits>
#include <type_traits>

#include "core/cuda/launch.cuh"
#include "core/cuda_options.h"
#include "core/kernels/conv.h"

namespace linattn::cuda {

namespace {

constexpr std::int64_t kColumnBudget = std::int64_t{1} << 22;  // elements per chunk buffer (16 MiB in float32)
constexpr std::int64_t kBatchedPlane = 256;  // planes at least this large take the batched GEMM path

#define CONV_GRID_STRIDE(i, n)                                                                       \
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < (n);   \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// Where image b's column row `row` (P values) lives: col + row·row_stride + b·image_stride.
// Chunk layout (K, n·P): {n·P, P}; unfold's (n, K, P): {P, K·P}.
struct ColLayout {
  std::int64_t row_stride, image_stride;
};

// ---- kernels ------------------------------------------------------------------------------------

// col (layout) = im2col of images [b0, b0 + n) of x; one thread per column entry, positions
// fastest (coalesced writes). Padding reads 0.
template <class T>
__global__ void im2col_kernel(Conv2dGeometry g, const T* x, std::int64_t b0, std::int64_t n, T* col,
                              ColLayout layout) {
  const std::int64_t P = g.Ho * g.Wo, taps = g.kh * g.kw, total = g.Cin * taps * n * P;
  CONV_GRID_STRIDE(e, total) {
    const std::int64_t p = e % P, rb = e / P, b = rb % n, row = rb / n;
    const std::int64_t c = row / taps, i = (row / g.kw) % g.kh, j = row % g.kw;
    const std::int64_t ih = (p / g.Wo) * g.sh - g.ph + i * g.dh, iw = (p % g.Wo) * g.sw - g.pw + j * g.dw;
    T v = T(0);
    if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) v = x[(((b0 + b) * g.Cin + c) * g.H + ih) * g.W + iw];
    col[row * layout.row_stride + b * layout.image_stride + p] = v;
  }
}

// Images [b0, b0 + n) of x (overwritten) = col2im(col laid out as `layout`): one thread per
// pixel, summing its taps in (i, j) order (each tap reads the pixel from at most one position).
template <class T>
__global__ void col2im_kernel(Conv2dGeometry g, const T* col, std::int64_t b0, std::int64_t n, T* x,
                              ColLayout layout) {
  const std::int64_t taps = g.kh * g.kw, total = n * g.Cin * g.H * g.W;
  CONV_GRID_STRIDE(e, total) {
    const std::int64_t iw = e % g.W, ih = (e / g.W) % g.H, c = (e / (g.W * g.H)) % g.Cin, b = e / (g.W * g.H * g.Cin);
    const T* src = col + c * taps * layout.row_stride + b * layout.image_stride;
    T s = T(0);
    for (std::int64_t i = 0; i < g.kh; ++i) {
      const std::int64_t hn = ih + g.ph - i * g.dh;  // = oh·sh for the position reading this pixel
      if (hn < 0 || hn % g.sh != 0 || hn / g.sh >= g.Ho) continue;
      const std::int64_t oh = hn / g.sh;
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const std::int64_t wn = iw + g.pw - j * g.dw;
        if (wn < 0 || wn % g.sw != 0 || wn / g.sw >= g.Wo) continue;
        s += src[(i * g.kw + j) * layout.row_stride + oh * g.Wo + wn / g.sw];
      }
    }
    x[(b0 * g.Cin) * g.H * g.W + e] = s;
  }
}

// out (n, Cout, P) = bias[co] (0 without a bias), before a beta = 1 GEMM.
template <class T>
__global__ void fill_bias_kernel(const T* bias, std::int64_t n, std::int64_t Cout, std::int64_t P, T* out) {
  CONV_GRID_STRIDE(e, n * Cout * P) { out[e] = bias ? bias[(e / P) % Cout] : T(0); }
}

// out (n, Cout, P) = tmp (Cout, n·P) permuted, + bias[co].
template <class T>
__global__ void scatter_bias_kernel(const T* tmp, const T* bias, std::int64_t n, std::int64_t Cout, std::int64_t P,
                                    T* out) {
  CONV_GRID_STRIDE(e, n * Cout * P) {
    const std::int64_t p = e % P, co = (e / P) % Cout, b = e / (P * Cout);
    out[e] = tmp[co * n * P + b * P + p] + (bias ? bias[co] : T(0));
  }
}

// gyc (Cout, n·P) = gy (n, Cout, P) permuted (gy points at the chunk's first image).
template <class T>
__global__ void gather_grad_kernel(const T* gy, std::int64_t n, std::int64_t Cout, std::int64_t P, T* gyc) {
  CONV_GRID_STRIDE(e, n * Cout * P) {
    const std::int64_t p = e % P, b = (e / P) % n, co = e / (P * n);
    gyc[e] = gy[(b * Cout + co) * P + p];
  }
}

// gb[co] = Σ over (b, p) of gy (B, Cout, P), in double: one block per channel, a fixed tree.
template <class T>
__global__ void bias_grad_kernel(const T* gy, std::int64_t B, std::int64_t Cout, std::int64_t P, T* gb) {
  __shared__ double partial[kBlock];
  for (std::int64_t co = blockIdx.x; co < Cout; co += gridDim.x) {
    double s = 0;
    for (std::int64_t q = threadIdx.x; q < B * P; q += blockDim.x)
      s += static_cast<double>(gy[((q / P) * Cout + co) * P + q % P]);
    partial[threadIdx.x] = s;
    __syncthreads();
    for (int h = kBlock / 2; h > 0; h /= 2) {
      if (static_cast<int>(threadIdx.x) < h) partial[threadIdx.x] += partial[threadIdx.x + h];
      __syncthreads();
    }
    if (threadIdx.x == 0) gb[co] = static_cast<T>(partial[0]);
    __syncthreads();
  }
}

// ---- host side ----------------------------------------------------------------------------------

int checked_int(std::int64_t v, const char* what, const Conv2dGeometry& g) {
  LINATTN_CHECK(v >= 0 && v <= std::numeric_limits<int>::max(), "conv2d: GEMM ", what, " = ", v,
                " exceeds cuBLAS's 32-bit limit (B ", g.B, ", Cin ", g.Cin, ", Cout ", g.Cout, ", kernel ", g.kh, "x",
                g.kw, ", output ", g.Ho, "x", g.Wo, "). ---> HINT: use a smaller batch or fewer channels");
  return static_cast<int>(v);
}

// A row-major operand: pointer, leading dimension (stored row length), batch stride.
template <class T>
struct Operand {
  const T* p;
  std::int64_t ld, stride;
};

// C[b] (m x n, ldc, stride_c) = op(A[b])·op(B[b]) + beta·C[b] for b in [0, batch), row-major;
// computed as the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ (see core/cuda/gemm.cu).
template <class T>
void gemm_rm(const Conv2dGeometry& g, int device, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
             Operand<T> a, Operand<T> b, T beta, T* c, std::int64_t ldc, std::int64_t stride_c, std::int64_t batch) {
  constexpr bool kF32 = std::is_same_v<T, float>;
  const cudaDataType_t type = kF32 ? CUDA_R_32F : CUDA_R_64F;
  const cublasComputeType_t compute =
      kF32 ? (allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F) : CUBLAS_COMPUTE_64F;
  const T alpha = T(1);
  LINATTN_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
      cublas_handle(device), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, checked_int(n, "n", g),
      checked_int(m, "m", g), checked_int(k, "k", g), &alpha, b.p, type, checked_int(b.ld, "ldb", g), b.stride, a.p,
      type, checked_int(a.ld, "lda", g), a.stride, &beta, c, type, checked_int(ldc, "ldc", g), stride_c,
      checked_int(batch, "batch", g), compute, CUBLAS_GEMM_DEFAULT));
}

std::int64_t images_per_chunk(const Conv2dGeometry& g) {
  const std::int64_t per_image = std::max<std::int64_t>(std::max(g.Cin * g.kh * g.kw, g.Cout) * g.Ho * g.Wo, 1);
  return std::clamp<std::int64_t>(kColumnBudget / per_image, 1, std::max<std::int64_t>(g.B, 1));
}

// A 1x1 convolution with stride 1 and no padding on a batched-path plane: x is its own column
// matrix, image b's (Cin, P) at x + b·Cin·P.
bool image_is_col(const Conv2dGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.Ho * g.Wo >= kBatchedPlane;
}

template <class T>
void im2col(const Conv2dGeometry& g, const T* x, std::int64_t b0, std::int64_t n, T* col, ColLayout layout,
            cudaStream_t stream) {
  im2col_kernel<<<grid_for(g.Cin * g.kh * g.kw * n * g.Ho * g.Wo), kBlock, 0, stream>>>(g, x, b0, n, col, layout);
  LINATTN_CUDA_LAUNCH_CHECK();
}

template <class T>
void col2im(const Conv2dGeometry& g, const T* col, std::int64_t b0, std::int64_t n, T* x, ColLayout layout,
            cudaStream_t stream) {
  col2im_kernel<<<grid_for(n * g.Cin * g.H * g.W), kBlock, 0, stream>>>(g, col, b0, n, x, layout);
  LINATTN_CUDA_LAUNCH_CHECK();
}

template <class T>
void forward_typed(const Conv2dGeometry& g, const T* x, const T* w, const T* bias, T* out, const Device& device) {
  const std::int64_t P = g.Ho * g.Wo, K = g.Cin * g.kh * g.kw, Kg = K / g.groups, Cg = g.Cout / g.groups;
  if (g.B == 0 || g.Cout == 0 || P == 0) return;
  cudaStream_t stream = current_stream(device.index);
  const bool batched = P >= kBatchedPlane, direct = image_is_col(g);
  if (Kg == 0 || batched) {  // bias first, then the GEMMs add to it
    fill_bias_kernel<<<grid_for(g.B * g.Cout * P), kBlock, 0, stream>>>(bias, g.B, g.Cout, P, out);
    LINATTN_CUDA_LAUNCH_CHECK();
    if (Kg == 0) return;
  }
  const std::int64_t chunk = direct ? g.B : images_per_chunk(g);
  const Options o{.dtype = dtype_of<T>(), .device = device};
  Tensor col_buf = direct ? Tensor() : Tensor::empty({K * chunk * P}, o);
  Tensor tmp_buf = batched ? Tensor() : Tensor::empty({g.Cout * chunk * P}, o);
  for (std::int64_t b0 = 0; b0 < g.B; b0 += chunk) {
    const std::int64_t n = std::min(chunk, g.B - b0), N = n * P;
    const T* col = direct ? x + b0 * K * P : col_buf.data<T>();
    const ColLayout layout = direct ? ColLayout{P, K * P} : ColLayout{N, P};
    if (!direct) im2col(g, x, b0, n, col_buf.data<T>(), layout, stream);
    for (std::int64_t gr = 0; gr < g.groups; ++gr) {
      const Operand<T> wg{w + gr * Cg * Kg, Kg, 0};
      if (batched) {  // out_b,g (Cg, P) += W_g · col_b,g, written in place for each image b
        gemm_rm<T>(g, device.index, false, false, Cg, P, Kg, wg,
                   {col + gr * Kg * layout.row_stride, layout.row_stride, layout.image_stride}, T(1),
                   out + b0 * g.Cout * P + gr * Cg * P, P, g.Cout * P, n);
      } else {  // tmp_g (Cg, N) = W_g · col_g
        gemm_rm<T>(g, device.index, false, false, Cg, N, Kg, wg, {col + gr * Kg * N, N, 0}, T(0),
                   tmp_buf.data<T>() + gr * Cg * N, N, 0, 1);
      }
    }
    if (!batched) {
      scatter_bias_kernel<<<grid_for(N * g.Cout), kBlock, 0, stream>>>(tmp_buf.data<T>(), bias, n, g.Cout, P,
                                                                       out + b0 * g.Cout * P);
      LINATTN_CUDA_LAUNCH_CHECK();
    }
  }
}

template <class T>
void backward_typed(const Conv2dGeometry& g, const T* gy, const T* x, const T* w, T* gx, T* gw, T* gb,
                    const Device& device) {
  const std::int64_t P = g.Ho * g.Wo, K = g.Cin * g.kh * g.kw, Kg = K / g.groups, Cg = g.Cout / g.groups;
  cudaStream_t stream = current_stream(device.index);
  if (gb) {
    bias_grad_kernel<<<grid_for(g.Cout * kBlock), kBlock, 0, stream>>>(gy, g.B, g.Cout, P, gb);
    LINATTN_CUDA_LAUNCH_CHECK();
  }
  if (g.B == 0 || P == 0 || g.Cout == 0 || Kg == 0) {  // nothing flows: zero gradients
    if (gx) LINATTN_CUDA_CHECK(cudaMemsetAsync(gx, 0, sizeof(T) * static_cast<std::size_t>(g.B * g.Cin * g.H * g.W), stream));
    if (gw) LINATTN_CUDA_CHECK(cudaMemsetAsync(gw, 0, sizeof(T) * static_cast<std::size_t>(g.Cout * Kg), stream));
    return;
  }
  if (!gx && !gw) return;
  const bool batched = P >= kBatchedPlane, direct = image_is_col(g);
  const bool need_gyc = gw || (gx && !batched);  // (Cout, n·P) copy of the chunk's gradient
  const bool need_col = gw || (gx && !direct);
  const std::int64_t chunk = images_per_chunk(g);
  const Options o{.dtype = dtype_of<T>(), .device = device};
  Tensor col_buf = need_col ? Tensor::empty({K * chunk * P}, o) : Tensor();
  Tensor gyc_buf = need_gyc ? Tensor::empty({g.Cout * chunk * P}, o) : Tensor();
  for (std::int64_t b0 = 0; b0 < g.B; b0 += chunk) {
    const std::int64_t n = std::min(chunk, g.B - b0), N = n * P;
    const T* gy0 = gy + b0 * g.Cout * P;  // the chunk's (n, Cout, P)
    T* gyc = need_gyc ? gyc_buf.data<T>() : nullptr;
    if (need_gyc) {
      gather_grad_kernel<<<grid_for(N * g.Cout), kBlock, 0, stream>>>(gy0, n, g.Cout, P, gyc);
      LINATTN_CUDA_LAUNCH_CHECK();
    }
    if (gw) {  // gW_g (Cg, Kg) (+)= gy_g (Cg, N) · col_gᵀ
      im2col(g, x, b0, n, col_buf.data<T>(), {N, P}, stream);
      for (std::int64_t gr = 0; gr < g.groups; ++gr)
        gemm_rm<T>(g, device.index, false, true, Cg, Kg, N, {gyc + gr * Cg * N, N, 0},
                   {col_buf.data<T>() + gr * Kg * N, N, 0}, b0 == 0 ? T(0) : T(1), gw + gr * Cg * Kg, Kg, 0, 1);
    }
    if (!gx) continue;
    // dcol_g (Kg, ·) = W_gᵀ · gy_g, then col2im (skipped when gx is its own column matrix).
    T* dcol = direct ? gx + b0 * K * P : col_buf.data<T>();
    const ColLayout layout = direct ? ColLayout{P, K * P} : ColLayout{N, P};
    for (std::int64_t gr = 0; gr < g.groups; ++gr) {
      const Operand<T> wg{w + gr * Cg * Kg, Kg, 0};  // W_g stored (Cg, Kg), used transposed
      if (batched)
        gemm_rm<T>(g, device.index, true, false, Kg, P, Cg, wg, {gy0 + gr * Cg * P, P, g.Cout * P}, T(0),
                   dcol + gr * Kg * layout.row_stride, layout.row_stride, layout.image_stride, n);
      else
        gemm_rm<T>(g, device.index, true, false, Kg, N, Cg, wg, {gyc + gr * Cg * N, N, 0}, T(0), dcol + gr * Kg * N,
                   N, 0, 1);
    }
    if (!direct) col2im(g, static_cast<const T*>(dcol), b0, n, gx, layout, stream);
  }
}

template <class T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

#undef CONV_GRID_STRIDE

}  // namespace

void unfold2d(const Conv2dGeometry& g, const Tensor& x, Tensor& cols) {
  const std::int64_t P = g.Ho * g.Wo, K = g.Cin * g.kh * g.kw;
  if (cols.numel() == 0) return;
  LINATTN_FLOAT_TYPES(x.dtype(), "unfold", [&] {
    im2col<scalar_t>(g, x.data<scalar_t>(), 0, g.B, cols.data<scalar_t>(), {P, K * P}, stream_of(cols));
  });
}

void fold2d(const Conv2dGeometry& g, const Tensor& cols, Tensor& x) {
  const std::int64_t P = g.Ho * g.Wo, K = g.Cin * g.kh * g.kw;
  if (x.numel() == 0) return;
  LINATTN_FLOAT_TYPES(cols.dtype(), "fold", [&] {
    col2im<scalar_t>(g, cols.data<scalar_t>(), 0, g.B, x.data<scalar_t>(), {P, K * P}, stream_of(x));
  });
}

void conv2d_forward(const Conv2dGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& out) {
  LINATTN_FLOAT_TYPES(x.dtype(), "conv2d", [&] {
    forward_typed<scalar_t>(g, x.data<scalar_t>(), weight.data<scalar_t>(), data_or_null<scalar_t>(bias),
                            out.data<scalar_t>(), out.device());
  });
}

void conv2d_backward(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                     Tensor& grad_x, Tensor& grad_weight, Tensor& grad_bias) {
  LINATTN_FLOAT_TYPES(grad_out.dtype(), "conv2d backward", [&] {
    backward_typed<scalar_t>(g, grad_out.data<scalar_t>(), data_or_null<scalar_t>(x), data_or_null<scalar_t>(weight),
                             data_or_null<scalar_t>(grad_x), data_or_null<scalar_t>(grad_weight),
                             data_or_null<scalar_t>(grad_bias), grad_out.device());
  });
}

}  // namespace linattn::cuda
