// layers/attention/cos_mhsa2d.h — the faithful 2-D CosMHSA block (docs/attention.md §3.2) on
// (B, C, H, W), with heads passed through (the public code ignores n_head; use heads = 8 to
// reproduce it), and its channel LayerNorm. Not in the registry (the ViT slot is `cos2d`); used
// where the post-norm block is wanted, and to check against cos_mhsa.py's parameter names:
//   linear_v.weight, linear_k.weight, linear_q.weight (C, C, 1, 1) (1×1 convs, no bias),
//   linear_merge.weight (C, C, 1, 1), linear_merge.bias (C), norm.weight, norm.bias (C, 1, 1).
// y = LN_c(x + Dropout(merge(core(q(x), k(x), v(x))))): post-norm residual; the core is
// cos2d_core with M = max(H, W) + 2 of the input's grid unless M is given (any grid, one M).
#pragma once
#include <memory>

#include "core/rng.h"
#include "layers/conv.h"
#include "layers/module.h"

namespace linattn {

// cos_mhsa.py's LayerNorm over channels of (B, C, H, W): w·(x − μ)/(σ + eps) + b with σ the
// unbiased standard deviation over C and eps added to σ (not to σ²); weight, bias (C, 1, 1).
class ChannelLayerNorm : public Module {
 public:
  explicit ChannelLayerNorm(std::int64_t dim, double eps = 1e-6);
  Tensor forward(const Tensor& x) const;  // (B, C, H, W) -> (B, C, H, W)

  double eps;
  Tensor weight, bias;
};

struct CosMhsa2dOptions {
  std::int64_t heads = 8;
  std::int64_t M = 0;      // 0: max(H, W) + 2 of each input's grid
  double dropout = 0.1;    // on the merged attention output, before the residual
  double eps = 1e-5;       // after ReLU in the core
  double ln_eps = 1e-6;    // added to σ in the channel LayerNorm
};

class CosMHSA2d : public Module {
 public:
  CosMHSA2d(std::int64_t dim, const CosMhsa2dOptions& options, Generator& gen);
  Tensor forward(const Tensor& x);  // (B, C, H, W) -> (B, C, H, W)

  std::int64_t dim;
  CosMhsa2dOptions options;
  std::shared_ptr<Conv2d> linear_v, linear_k, linear_q, linear_merge;
  std::shared_ptr<ChannelLayerNorm> norm;

 private:
  Tensor coef_;  // the coefficient table of the last grid seen (shape (H·W, 4), input dtype)
  std::int64_t coef_H_ = 0, coef_W_ = 0, coef_M_ = 0;
};

}  // namespace linattn
