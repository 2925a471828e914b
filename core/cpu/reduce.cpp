// core/cpu/reduce.cpp — CPU kernels of core/kernels/reduce.h. Sums accumulate in double
// (float32 inputs) so results do not depend on the thread count: each output element is
// reduced by one thread, in order.
#include <limits>

#include "core/cpu/parallel.h"
#include "core/kernels/reduce.h"

namespace linattn::cpu {

namespace {

template <class T, class Acc, class Init, class Step, class Done>
void reduce_loop(const T* x, T* out, std::int64_t outer, std::int64_t size, std::int64_t inner, Init init,
                 Step step, Done done) {
  if (inner == 1) {  // reducing the last axis: one contiguous row per output
    parallel_for(outer, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(size, 1)),
                 [&](std::int64_t o0, std::int64_t o1) {
      for (std::int64_t o = o0; o < o1; ++o) {
        const T* row = x + o * size;
        Acc acc = init();
        for (std::int64_t i = 0; i < size; ++i) acc = step(acc, row[i]);
        out[o] = done(acc);
      }
    });
    return;
  }
  // Middle axis: accumulate whole inner rows at a time (vectorizes over inner).
  parallel_for(outer * inner, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(size, 1)),
               [&](std::int64_t b, std::int64_t e) {
    std::vector<Acc> acc;
    std::int64_t j = b;
    while (j < e) {
      std::int64_t o = j / inner, i0 = j % inner, i1 = std::min(inner, i0 + (e - j));
      acc.assign(static_cast<std::size_t>(i1 - i0), init());
      for (std::int64_t s = 0; s < size; ++s) {
        const T* row = x + (o * size + s) * inner;
        for (std::int64_t i = i0; i < i1; ++i) acc[static_cast<std::size_t>(i - i0)] = step(acc[static_cast<std::size_t>(i - i0)], row[i]);
      }
      for (std::int64_t i = i0; i < i1; ++i) out[o * inner + i] = done(acc[static_cast<std::size_t>(i - i0)]);
      j += i1 - i0;
    }
  });
}

template <class T>
void reduce_typed(ReduceOp op, const T* x, T* out, std::int64_t outer, std::int64_t size, std::int64_t inner) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  auto id = [](Acc a) { return static_cast<T>(a); };
  switch (op) {
    case ReduceOp::Sum:
      return reduce_loop<T, Acc>(x, out, outer, size, inner, [] { return Acc(0); },
                                 [](Acc a, T v) { return a + static_cast<Acc>(v); }, id);
    case ReduceOp::Mean: {
      const double scale = 1.0 / static_cast<double>(size);
      return reduce_loop<T, Acc>(x, out, outer, size, inner, [] { return Acc(0); },
                                 [](Acc a, T v) { return a + static_cast<Acc>(v); },
                                 [scale](Acc a) { return static_cast<T>(static_cast<double>(a) * scale); });
    }
    case ReduceOp::Max:
      return reduce_loop<T, Acc>(x, out, outer, size, inner, [] { return static_cast<Acc>(std::numeric_limits<T>::lowest()); },
                                 [](Acc a, T v) { Acc w = static_cast<Acc>(v); return (w > a || w != w) ? w : a; }, id);
    case ReduceOp::Min:
      return reduce_loop<T, Acc>(x, out, outer, size, inner, [] { return static_cast<Acc>(std::numeric_limits<T>::max()); },
                                 [](Acc a, T v) { Acc w = static_cast<Acc>(v); return (w < a || w != w) ? w : a; }, id);
  }
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, Tensor& out) {
  LINATTN_ALL_TYPES(x.dtype(), "reduce", [&] {
    reduce_typed<scalar_t>(op, x.data<scalar_t>(), out.data<scalar_t>(), outer, size, inner);
  });
}

void argmax(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, Tensor& index) {
  LINATTN_ALL_TYPES(x.dtype(), "argmax", [&] {
    const scalar_t* px = x.data<scalar_t>();
    std::int64_t* pi = index.data<std::int64_t>();
    parallel_for(outer * inner, 1024, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t j = b; j < e; ++j) {
        std::int64_t o = j / inner, i = j % inner, best = 0;
        scalar_t bv = px[o * size * inner + i];
        for (std::int64_t s = 1; s < size; ++s) {
          scalar_t v = px[(o * size + s) * inner + i];
          if (v > bv) { bv = v; best = s; }
        }
        pi[j] = best;
      }
    });
  });
}

}  // namespace linattn::cpu
