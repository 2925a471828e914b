// models/model_checks.cpp — the shared model checks (see model_checks.h); the messages are the
// config's ("model.heads: must divide model.dim (192, from x.yaml:3); got 5").
#include "models/model_checks.h"

#include <cmath>

#include "core/error.h"

namespace linattn {

void positive(const ModelChecks& c, const std::string& key, std::int64_t v) {
  c.require(v > 0, key, str_cat("must be > 0; got ", v));
}

void positive(const ModelChecks& c, const std::string& key, double v) {
  c.require(v > 0, key, str_cat("must be > 0; got ", v));
}

void check_width(std::int64_t dim, std::int64_t depth, std::int64_t heads, double mlp_ratio, const ModelChecks& c) {
  positive(c, "dim", dim);
  positive(c, "depth", depth);
  positive(c, "heads", heads);
  c.require(dim % heads == 0, "heads", str_cat("must divide ", c.cite("dim"), "; got ", heads));
  positive(c, "mlp_ratio", mlp_ratio);
  const double hidden = static_cast<double>(dim) * mlp_ratio;
  c.require(hidden == std::floor(hidden), "mlp_ratio",
            str_cat("model.dim x mlp_ratio must be a whole number of hidden units; got ", dim, " x ", mlp_ratio));
}

void check_num_classes(std::int64_t num_classes, const ModelContext& ctx, const ModelChecks& c) {
  positive(c, "num_classes", num_classes);
  if (ctx.num_classes > 0)
    c.require(num_classes == ctx.num_classes, "num_classes",
              str_cat(ctx.display_name, " has ", ctx.num_classes, " classes; got ", num_classes));
}

}  // namespace linattn
