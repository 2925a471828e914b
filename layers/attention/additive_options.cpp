// layers/attention/additive_options.cpp — the registry entry of "additive" (docs/attention.md §6): its fields, its
// rules and its factory, declared once (see attention_type.h).
#include "layers/attention/additive_options.h"

#include <algorithm>

#include "layers/attention/additive.h"

namespace linattn {

AttentionType additive_attention_type() {
  return AttentionTypeBuilder<AdditiveOptions>("SwiftFormer's efficient additive attention: one global query (§6)")
      .integer("token_dim", &AdditiveOptions::token_dim, "width of q and k; 0: C")
      .integer("num_heads", &AdditiveOptions::num_heads, "heads of the global query, > 0 (not model.heads)")
      .choice("alpha_norm", &AdditiveOptions::alpha_norm, {"l2", "softmax"}, "normalization of the token scores")
      .check([](const AdditiveOptions& o, const AttentionSite&, const OptionChecks& c) {
        c.non_negative("token_dim", o.token_dim, " (0 means model.dim)");
        c.positive("num_heads", o.num_heads);
      })
      .factory([](const AdditiveOptions& o, std::int64_t dim, Grid, Generator& gen) {
        return std::make_shared<EfficientAdditiveAttention>(dim, o, gen);
      });
}

}  // namespace linattn
