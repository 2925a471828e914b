// train/optim/clip_grad.cpp — see clip_grad.h.
#include "train/optim/clip_grad.h"

#include <cmath>

#include "core/autograd.h"
#include "core/kernels/elementwise.h"
#include "core/ops/elementwise.h"
#include "core/ops/layout.h"
#include "core/ops/reduce.h"

namespace linattn {

double grad_norm(const std::vector<Tensor>& params) {
  NoGradGuard no_grad;
  // Each parameter's Σg² stays on its device; all come back in one transfer (one wait for a
  // GPU per step, not one per parameter) and are summed in double in parameter order — the
  // same value as reading them one by one.
  std::vector<Tensor> sums;
  for (const Tensor& p : params) {
    const Tensor& g = p.grad();
    if (g.defined() && g.numel() > 0) sums.push_back(reshape(sum(square(g)).to(DType::F64), {1}));
  }
  if (sums.empty()) return 0.0;
  const Tensor all = (sums.size() == 1 ? sums[0] : cat(sums, 0)).to(Device::cpu());
  double total = 0;
  for (double v : all.to_vector<double>()) total += v;
  return std::sqrt(total);
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  LINATTN_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be > 0, got ", max_norm);
  const double norm = grad_norm(params);
  const double coef = max_norm / (norm + 1e-6);
  if (!(coef >= 1.0)) {  // also NaN
    for (const Tensor& p : params) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      LINATTN_DISPATCH(g.device(), unary, UnaryOp::MulScalar, g, g, coef, 0.0);
      g.bump_version();
    }
  }
  return norm;
}

}  // namespace linattn
