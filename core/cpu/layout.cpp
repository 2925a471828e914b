// core/cpu/layout.cpp — CPU kernels of core/kernels/layout.h.
#include <cstring>

#include "core/cpu/broadcast.h"
#include "core/kernels/layout.h"

namespace linattn::cpu {

void permute(const Tensor& x, const std::vector<int>& perm, Tensor& out) {
  const std::size_t nd = perm.size();
  Shape in_strides = contiguous_strides(x.shape());
  // Source stride of each output axis; then iterate the output row by row.
  Shape src_stride(nd);
  for (std::size_t i = 0; i < nd; ++i) src_stride[i] = in_strides[static_cast<std::size_t>(perm[i])];
  const Shape& oshape = out.shape();
  const std::int64_t inner = nd ? oshape.back() : 1;
  const std::int64_t rows = inner ? out.numel() / inner : 0;
  const std::int64_t sinner = nd ? src_stride.back() : 1;
  const std::size_t elem = dtype_size(x.dtype());
  const auto* src = static_cast<const char*>(x.raw());
  auto* dst = static_cast<char*>(out.raw());
  parallel_for(rows, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(inner, 1)),
               [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      std::int64_t off = 0, rem = r;
      for (std::size_t i = nd > 0 ? nd - 1 : 0; i-- > 0;) {  // axes before the last (none for 0-d)
        off += (rem % oshape[i]) * src_stride[i];
        rem /= oshape[i];
      }
      char* d = dst + static_cast<std::size_t>(r * inner) * elem;
      if (sinner == 1) {
        std::memcpy(d, src + static_cast<std::size_t>(off) * elem, static_cast<std::size_t>(inner) * elem);
      } else if (elem == 4) {
        const auto* s = reinterpret_cast<const std::uint32_t*>(src) + off;
        auto* dd = reinterpret_cast<std::uint32_t*>(d);
        for (std::int64_t i = 0; i < inner; ++i) dd[i] = s[i * sinner];
      } else {
        const auto* s = reinterpret_cast<const std::uint64_t*>(src) + off;
        auto* dd = reinterpret_cast<std::uint64_t*>(d);
        for (std::int64_t i = 0; i < inner; ++i) dd[i] = s[i * sinner];
      }
    }
  });
}

void copy_axis_block(const Tensor& src, std::int64_t src_size, std::int64_t src_start, Tensor& dst,
                     std::int64_t dst_size, std::int64_t dst_start, std::int64_t outer, std::int64_t inner,
                     std::int64_t count, bool accumulate) {
  const std::int64_t block = count * inner;  // contiguous elements per outer index
  if (!accumulate) {
    const std::size_t elem = dtype_size(src.dtype());
    const auto* s = static_cast<const char*>(src.raw());
    auto* d = static_cast<char*>(dst.raw());
    parallel_for(outer, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(block, 1)),
                 [&](std::int64_t o0, std::int64_t o1) {
      for (std::int64_t o = o0; o < o1; ++o)
        std::memcpy(d + static_cast<std::size_t>((o * dst_size + dst_start) * inner) * elem,
                    s + static_cast<std::size_t>((o * src_size + src_start) * inner) * elem,
                    static_cast<std::size_t>(block) * elem);
    });
    return;
  }
  LINATTN_FLOAT_TYPES(src.dtype(), "copy_axis_block", [&] {
    const scalar_t* s = src.data<scalar_t>();
    scalar_t* d = dst.data<scalar_t>();
    parallel_for(outer, 1, [&](std::int64_t o0, std::int64_t o1) {
      for (std::int64_t o = o0; o < o1; ++o) {
        const scalar_t* so = s + (o * src_size + src_start) * inner;
        scalar_t* dp = d + (o * dst_size + dst_start) * inner;
        for (std::int64_t i = 0; i < block; ++i) dp[i] += so[i];
      }
    });
  });
}

void expand(const Tensor& x, Tensor& out) {
  LINATTN_ALL_TYPES(x.dtype(), "expand", [&] {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    BroadcastPlan<1> plan(out.shape(), {&x.shape()});
    const std::int64_t sx = plan.inner_strides()[0];  // not a structured binding: clang 14 cannot capture one
    plan.for_each_run([&](const std::array<std::int64_t, 1>& off, std::int64_t o, std::int64_t n) {
      if (sx == 1) {
        std::memcpy(po + o, px + off[0], static_cast<std::size_t>(n) * sizeof(scalar_t));
      } else {
        std::fill(po + o, po + o + n, px[off[0]]);
      }
    });
  });
}

}  // namespace linattn::cpu
