// models/model_checks.h — the checks several models share, reported through ModelChecks
// (models/model_type.h) at model.<key>: positive sizes, heads that divide the width, a whole
// number of MLP hidden units, the dataset's class count.
#pragma once
#include <cstdint>

#include "models/model_type.h"

namespace linattn {

// `key` must be > 0: "must be > 0; got <v>".
void positive(const ModelChecks& c, const std::string& key, std::int64_t v);
void positive(const ModelChecks& c, const std::string& key, double v);

// dim, depth, heads > 0; heads divides dim; dim · mlp_ratio whole (keys dim, depth, heads, mlp_ratio).
void check_width(std::int64_t dim, std::int64_t depth, std::int64_t heads, double mlp_ratio, const ModelChecks& c);

// num_classes > 0 and, where the dataset fixes it, the dataset's (key num_classes).
void check_num_classes(std::int64_t num_classes, const ModelContext& ctx, const ModelChecks& c);

}  // namespace linattn
