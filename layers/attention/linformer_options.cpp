// layers/attention/linformer_options.cpp — the registry entry of "linformer" (docs/attention.md §5): its fields, its
// rules and its factory, declared once (see attention_type.h).
#include "layers/attention/linformer_options.h"

#include <algorithm>

#include "layers/attention/linformer.h"

namespace linattn {

AttentionType linformer_attention_type() {
  return AttentionTypeBuilder<LinformerOptions>("Linformer: keys and values projected to proj_k positions (§5)")
      .heads(&LinformerOptions::heads, "heads h; C % h == 0 (from model.heads in a config)")
      .integer("seq_len", &LinformerOptions::seq_len, "the longest key sequence; 0: the grid's H·W")
      .integer("proj_k", &LinformerOptions::proj_k, "projected length k; 0: min(128, seq_len / 2)")
      .choice("sharing", &LinformerOptions::sharing, {"none", "kv"}, "kv: one projection E = F for keys and values")
      .real("dropout", &LinformerOptions::dropout, "dropout on the attention weights, in [0, 1)")
      .boolean("emulate_public_layout_bug", &LinformerOptions::emulate_public_layout_bug,
               "§5.4: reproduce the public code's head layout (cross-checks only)")
      .cross_attention()
      .fit([](LinformerOptions& o, const AttentionSite& site) {
        if (site.cls_token && o.seq_len == 0) o.seq_len = site.grid.tokens() + 1;  // the cls token is a key too
      })
      .check([](const LinformerOptions& o, const AttentionSite& site, const OptionChecks& c) {
        c.non_negative("seq_len", o.seq_len, " (0 means the grid's H x W)");
        c.non_negative("proj_k", o.proj_k, " (0 means min(128, seq_len / 2))");
        if (site.grid.defined() && o.seq_len == 0 && site.cls_token)
          c.require(false, "seq_len",
                    str_cat("0 means the grid's H x W = ", site.grid.tokens(), ", but ", c.cite(SiteKey::ClsToken),
                            " adds a token: set seq_len: ", site.tokens()));
        if (site.grid.defined() && o.seq_len > 0)
          c.require(o.seq_len >= site.tokens(), "seq_len",
                    str_cat("must be at least the ", site.tokens(), " tokens of the model; got ", o.seq_len));
        c.probability("dropout", o.dropout);
      })
      .factory([](const LinformerOptions& o, std::int64_t dim, Grid grid, Generator& gen) {
        return std::make_shared<LinformerAttention>(dim, o, grid, gen);
      });
}

}  // namespace linattn
