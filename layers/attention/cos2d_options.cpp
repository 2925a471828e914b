// layers/attention/cos2d_options.cpp — the registry entry of "cos2d" (docs/attention.md §3): its fields, its
// rules and its factory, declared once (see attention_type.h).
#include "layers/attention/cos2d_options.h"

#include <algorithm>

#include "layers/attention/cos2d.h"

namespace linattn {

AttentionType cos2d_attention_type() {
  return AttentionTypeBuilder<Cos2dOptions>("cosFormer-2D: ReLU features reweighted by cos·cos of the grid position (§3)")
      .heads(&Cos2dOptions::heads, "heads h; C % h == 0 (from model.heads in a config)")
      .integer("M", &Cos2dOptions::M, "the period; 0: max(H, W) + 2; must exceed max(H, W) - 1")
      .real("eps", &Cos2dOptions::eps, "added to the ReLU features, > 0")
      .boolean("qkv_bias", &Cos2dOptions::qkv_bias, "bias on the q, k, v projections")
      .real("proj_drop", &Cos2dOptions::proj_drop, "dropout after the output projection, in [0, 1)")
      .needs_grid()
      .check([](const Cos2dOptions& o, const AttentionSite& site, const OptionChecks& c) {
        c.non_negative("M", o.M, " (0 means max(H, W) + 2)");
        const std::int64_t side = std::max(site.grid.H, site.grid.W);
        if (site.grid.defined() && o.M != 0)
          c.require(o.M > side - 1, "M",
                    str_cat("must exceed max(H, W) - 1 = ", side - 1, " for the ", site.grid.H, "x", site.grid.W,
                            " token grid (or be 0 for max(H, W) + 2); got ", o.M));
        c.positive("eps", o.eps);
        c.probability("proj_drop", o.proj_drop);
      })
      .factory([](const Cos2dOptions& o, std::int64_t dim, Grid grid, Generator& gen) {
        return std::make_shared<Cos2dAttention>(dim, o, grid, gen);
      });
}

}  // namespace linattn
