// layers/attention/registry.cpp — the built-in attention types (one registration line each, in
// the order of docs/attention.md) and make_attention, which builds any registered type.
#include "layers/attention/additive_options.h"
#include "layers/attention/attention.h"
#include "layers/attention/cos2d_options.h"
#include "layers/attention/efficient_options.h"
#include "layers/attention/external_options.h"
#include "layers/attention/linformer_options.h"
#include "layers/attention/softmax_options.h"

namespace linattn {

std::vector<AttentionType> builtin_attention_types() {
  return {
      softmax_attention_type(),
      cos2d_attention_type(),
      external_attention_type(),
      linformer_attention_type(),
      additive_attention_type(),
      efficient_attention_type(),
  };
}

std::shared_ptr<Attention> make_attention(const AttentionOptions& options, std::int64_t dim, Grid grid,
                                          Generator& gen) {
  LINATTN_CHECK(dim > 0, "make_attention: dim must be positive, got ", dim);
  auto layer = options.type().make(options.value(), dim, grid, gen);
  LINATTN_CHECK(layer != nullptr, "attention type '", options.type_name(), "': its factory returned no layer");
  return layer;
}

}  // namespace linattn
