// layers/attention/attention.h — the one interface of the six attention layers (token layout)
// and the registry that builds them by name (timm's create_attn habit).
//
// Self-attention: forward(x) with x (B, N, C) → (B, N, C). The token grid (H, W) is fixed at
// construction (cos2d needs it; Linformer takes seq_len = H·W by default); N must fit it.
// Cross-attention: forward_cross(queries (B, L, C), memory (B, S, C)) → (B, L, C), for the
// layers docs/attention.md §12 allows (softmax, linformer, efficient); the others say why not.
#pragma once
#include <memory>
#include <string>

#include "core/rng.h"
#include "layers/attention/options.h"
#include "layers/module.h"

namespace linattn {

struct Grid {
  std::int64_t H = 0, W = 0;
  bool defined() const { return H > 0 && W > 0; }
  std::int64_t tokens() const { return H * W; }
};

class Attention : public Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
  virtual bool supports_cross() const { return false; }
  virtual Tensor forward_cross(const Tensor& queries, const Tensor& memory);
  virtual std::string type() const = 0;
};

// Builds the layer for `options` (its variant alternative names the type) on `dim` channels
// and `grid`; every option that does not fit (dim % heads ≠ 0, cos2d without a grid, ...) is
// an error that says why. Parameters are initialized from `gen` with the layer's own init.
std::shared_ptr<Attention> make_attention(const AttentionOptions& options, std::int64_t dim, Grid grid, Generator& gen);

}  // namespace linattn
