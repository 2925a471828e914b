// layers/attention/efficient_options.cpp — the registry entry of "efficient" (docs/attention.md §7): its fields, its
// rules and its factory, declared once (see attention_type.h).
#include "layers/attention/efficient_options.h"

#include <algorithm>

#include "layers/attention/efficient.h"

namespace linattn {

AttentionType efficient_attention_type() {
  return AttentionTypeBuilder<EfficientOptions>("efficient attention: ρ_q(Q)·(ρ_k(K)ᵀV), linear in N (§7)")
      .heads(&EfficientOptions::heads, "heads h; key and value channels % h == 0 (from model.heads in a config)")
      .integer("key_channels", &EfficientOptions::key_channels, "channels of q and k; 0: C")
      .integer("value_channels", &EfficientOptions::value_channels, "channels of v; 0: C")
      .choice("norm", &EfficientOptions::norm, {"softmax", "scaling", "identity"}, "ρ_q and ρ_k of §7.2")
      .boolean("residual", &EfficientOptions::residual, "add the input to the output (the 2-D wrapper's)")
      .cross_attention()
      .check([](const EfficientOptions& o, const AttentionSite& site, const OptionChecks& c) {
        for (auto [key, value] : {std::pair<std::string, std::int64_t>{"key_channels", o.key_channels},
                                  {"value_channels", o.value_channels}}) {
          c.non_negative(key, value, " (0 means model.dim)");
          const std::int64_t channels = value == 0 ? site.dim : value;
          if (site.heads > 0)
            c.require(channels % site.heads == 0, key,
                      str_cat(channels, " channels must split evenly over ", c.cite(SiteKey::Heads)));
        }
      })
      .factory([](const EfficientOptions& o, std::int64_t dim, Grid, Generator& gen) {
        return std::make_shared<EfficientAttention>(dim, o, gen);
      });
}

}  // namespace linattn
