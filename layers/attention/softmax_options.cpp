// layers/attention/softmax_options.cpp — the registry entry of "softmax" (docs/attention.md §1): its fields, its
// rules and its factory, declared once (see attention_type.h).
#include "layers/attention/softmax_options.h"

#include <algorithm>

#include "layers/attention/softmax.h"

namespace linattn {

AttentionType softmax_attention_type() {
  return AttentionTypeBuilder<SoftmaxOptions>("softmax multi-head attention, quadratic in N (§1)")
      .heads(&SoftmaxOptions::heads, "heads h; C % h == 0 (from model.heads in a config)")
      .boolean("qkv_bias", &SoftmaxOptions::qkv_bias, "bias on the fused q, k, v projection")
      .real("attn_drop", &SoftmaxOptions::attn_drop, "dropout on the attention weights, in [0, 1)")
      .real("proj_drop", &SoftmaxOptions::proj_drop, "dropout after the output projection, in [0, 1)")
      .cross_attention()
      .check([](const SoftmaxOptions& o, const AttentionSite&, const OptionChecks& c) {
        c.probability("attn_drop", o.attn_drop);
        c.probability("proj_drop", o.proj_drop);
      })
      .factory([](const SoftmaxOptions& o, std::int64_t dim, Grid, Generator& gen) {
        return std::make_shared<SoftmaxAttention>(dim, o, gen);
      });
}

}  // namespace linattn
