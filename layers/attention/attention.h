// layers/attention/attention.h — the one interface of the attention layers (token layout) and
// make_attention, which builds any registered type (attention_type.h) by its options.
//
// Self-attention: forward(x) with x (B, N, C) → (B, N, C). The token grid (H, W) is fixed at
// construction (cos2d needs it; Linformer takes seq_len = H·W by default); N must fit it.
// Cross-attention: forward_cross(queries (B, L, C), keys (B, S, C), values (B, S, C)
// [, key_padding_mask (B, S)]) → (B, L, C), for the types whose math defines it (softmax,
// linformer, efficient; docs/attention.md §12); the others say why not. Keys and values are
// projected separately, so a decoder can give keys with positions and values without (DETR).
// A key padding mask holds nonzero at padded key positions: they get no weight (how each type
// does that: docs/attention.md §12, "Key padding masks"). forward_cross(queries, memory) is the
// one-memory form, keys = values = memory.
#pragma once
#include <memory>
#include <string>

#include "core/rng.h"
#include "layers/attention/attention_type.h"
#include "layers/module.h"

namespace linattn {

class Attention : public Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
  // What the type's registry entry declares (attention_type.h); a type that supports it
  // overrides the four-input forward_cross.
  bool supports_cross() const;
  virtual Tensor forward_cross(const Tensor& queries, const Tensor& keys, const Tensor& values,
                               const Tensor& key_padding_mask = Tensor());
  Tensor forward_cross(const Tensor& queries, const Tensor& memory) { return forward_cross(queries, memory, memory); }
  virtual std::string type() const = 0;
};

// Checks cross-attention inputs: queries (B, L, dim), keys and values (B, S, dim), mask (B, S)
// when defined; the error names `who` and the shapes.
void check_cross_inputs(const char* who, std::int64_t dim, const Tensor& queries, const Tensor& keys,
                        const Tensor& values, const Tensor& key_padding_mask);

// Builds the layer for `options` (they name their type) on `dim` channels and `grid`; every
// option that does not fit (dim % heads ≠ 0, cos2d without a grid, ...) is an error that says
// why. Parameters are initialized from `gen` with the layer's own init.
std::shared_ptr<Attention> make_attention(const AttentionOptions& options, std::int64_t dim, Grid grid, Generator& gen);

}  // namespace linattn
