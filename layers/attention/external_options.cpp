// layers/attention/external_options.cpp — the registry entry of "external" (docs/attention.md §4.2): its fields, its
// rules and its factory, declared once (see attention_type.h).
#include "layers/attention/external_options.h"

#include <algorithm>

#include "layers/attention/external.h"

namespace linattn {

AttentionType external_attention_type() {
  return AttentionTypeBuilder<ExternalOptions>("multi-head external attention: two shared memories of S slots (§4.2)")
      .heads(&ExternalOptions::heads, "heads h; coef·C % h == 0 (from model.heads in a config)")
      .integer("coef", &ExternalOptions::coef, "channel expansion of the query projection, > 0")
      .integer("S", &ExternalOptions::S, "memory slots, > 0")
      .real("attn_drop", &ExternalOptions::attn_drop, "dropout on the attention map, in [0, 1)")
      .real("proj_drop", &ExternalOptions::proj_drop, "dropout after the output projection, in [0, 1)")
      .check([](const ExternalOptions& o, const AttentionSite&, const OptionChecks& c) {
        c.positive("coef", o.coef);
        c.positive("S", o.S);
        c.probability("attn_drop", o.attn_drop);
        c.probability("proj_drop", o.proj_drop);
      })
      .factory([](const ExternalOptions& o, std::int64_t dim, Grid, Generator& gen) {
        return std::make_shared<ExternalAttention>(dim, o, gen);
      });
}

}  // namespace linattn
