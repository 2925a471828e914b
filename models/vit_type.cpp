// models/vit_type.cpp — model.name: vit (models/vit.h) as the config sees it: its model.* keys
// (the fields of ViTOptions it reads), their checks against the dataset, where its attention
// sits and its factory. Registered in models/model_type.cpp.

#include "core/error.h"
#include "models/model_checks.h"
#include "models/model_type.h"
#include "models/vit.h"

namespace linattn {

ModelType vit_model_type() {
  return ModelTypeBuilder<ViTOptions>("vit", "the reference Vision Transformer (docs/attention.md §8)")
      .integer("dim", &ViTOptions::dim, "token width; dim % heads == 0")
      .integer("depth", &ViTOptions::depth, "encoder blocks")
      .integer("heads", &ViTOptions::heads, "attention heads (the attention's heads)")
      .real("mlp_ratio", &ViTOptions::mlp_ratio, "MLP hidden width / dim; dim · mlp_ratio must be whole")
      .integer("patch", &ViTOptions::patch, "patch side; must divide the image side")
      .choice("pool", &ViTOptions::pool, {"mean", "cls"}, "mean of the tokens, or a cls token")
      .integer("num_classes", &ViTOptions::num_classes, "must be the dataset's")
      .check([](const ViTOptions& o, const ModelContext& ctx, const ModelChecks& c) {
        check_width(o.dim, o.depth, o.heads, o.mlp_ratio, c);
        positive(c, "patch", o.patch);
        if (ctx.image_size > 0)
          c.require(ctx.image_size % o.patch == 0, "patch",
                    str_cat("must divide the image side (", ctx.image_size, " for ", ctx.dataset, "); got ", o.patch));
        check_num_classes(o.num_classes, ctx, c);
      })
      .attention_site([](const ViTOptions& o, std::int64_t image_side) {
        const std::int64_t side = image_side > 0 && o.patch > 0 ? image_side / o.patch : 0;  // 0: unknown
        return AttentionSite{.dim = o.dim, .heads = o.heads, .grid = {side, side}, .cls_token = o.pool == "cls"};
      })
      .heads("heads")
      .num_classes("num_classes")
      .make([](const ViTOptions& o, const AttentionOptions& attention, std::int64_t image_side, Generator& g) {
        ViTOptions options = o;
        options.image_size = image_side;
        options.attention = attention;
        return std::make_shared<ViT>(options, g);
      })
      .build();
}

}  // namespace linattn
