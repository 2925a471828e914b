// models/eamlp_type.cpp — model.name: eamlp (models/eamlp.h) as the config sees it: its model.*
// keys, their checks, where its attention sits and its factory. Registered in
// models/model_type.cpp. EAMLP's tokens-to-token stem is fixed (docs/eamlp.md) and it always
// reads out a cls token, so it has neither model.patch nor model.pool.
#include "models/eamlp.h"
#include "models/model_checks.h"
#include "models/model_type.h"

namespace linattn {

namespace {

// The config's defaults for EAMLP: the same as the ViT's (dim 192, depth 6, heads 3, ratio 2),
// not EAMLP-7's, so that a config written for one model means the same for the other.
EAMLPOptions eamlp_config_defaults() {
  EAMLPOptions o;
  o.embed_dim = 192;
  o.depth = 6;
  o.heads = 3;
  o.mlp_ratio = 2;
  o.num_classes = 10;
  return o;
}

}  // namespace

ModelType eamlp_model_type() {
  return ModelTypeBuilder<EAMLPOptions>(
             "eamlp", "EANet's all-MLP classifier, a T2T-ViT with external attention (docs/eamlp.md)",
             eamlp_config_defaults())
      .integer("dim", &EAMLPOptions::embed_dim, "token width; dim % heads == 0")
      .integer("depth", &EAMLPOptions::depth, "encoder blocks")
      .integer("heads", &EAMLPOptions::heads, "attention heads (the attention's heads)")
      .real("mlp_ratio", &EAMLPOptions::mlp_ratio, "MLP hidden width / dim; dim · mlp_ratio must be whole")
      .integer("num_classes", &EAMLPOptions::num_classes, "must be the dataset's")
      .check([](const EAMLPOptions& o, const ModelContext& ctx, const ModelChecks& c) {
        check_width(o.embed_dim, o.depth, o.heads, o.mlp_ratio, c);
        check_num_classes(o.num_classes, ctx, c);
      })
      .attention_site([](const EAMLPOptions& o, std::int64_t image_side) {
        std::int64_t side = image_side;  // the stem's splits: stride 1, 2, 2 (padding 1, kernel 3)
        for (const SoftSplit& s : o.soft_splits) side = side > 0 ? (side + 2 * s.padding - s.kernel) / s.stride + 1 : 0;
        return AttentionSite{.dim = o.embed_dim, .heads = o.heads, .grid = {side, side}, .cls_token = true};
      })
      .heads("heads")
      .num_classes("num_classes")
      .make([](const EAMLPOptions& o, const AttentionOptions& attention, std::int64_t image_side, Generator& g) {
        EAMLPOptions options = o;
        options.image_size = image_side;
        options.attention = attention;
        return std::make_shared<EAMLP>(options, g);
      })
      .build();
}

}  // namespace linattn
