// models/detr_lite_type.cpp — model.name: detr_lite (models/detr_lite.h) as the config sees it:
// its model.* keys (every field of DetrLiteOptions but the image side, which comes from the
// data), their checks against the dataset, where its encoder attention sits (the memory grid,
// no cls token) and its factory. Registered in models/model_type.cpp. The decoder's
// cross-attention type is the dotted key cross_attention.type (YAML `cross_attention: {type: x}`);
// it takes that type's defaults with the model's heads.
#include <cmath>

#include "core/error.h"
#include "models/detr_lite.h"
#include "models/model_checks.h"
#include "models/model_type.h"

namespace linattn {

ModelType detr_lite_model_type() {
  return ModelTypeBuilder<DetrLiteOptions>("detr_lite",
                                           "DETR-lite: a small DETR trained from scratch, any encoder attention "
                                           "(models/detr_lite.h)")
      .integer("num_classes", &DetrLiteOptions::num_classes, "K real classes; must be the dataset's")
      .integer("backbone_width", &DetrLiteOptions::backbone_width, "channels of the first stage; stage i has width · 2^i")
      .integer("backbone_blocks", &DetrLiteOptions::backbone_blocks, "BasicBlocks per stage (2: ResNet-18's layout)")
      .integer("stride", &DetrLiteOptions::stride, "output stride of the backbone, 16 or 32; must divide the image side")
      .choice("backbone_norm", &DetrLiteOptions::backbone_norm, {"group", "batch"}, "the backbone's norm layers")
      .integer("norm_groups", &DetrLiteOptions::norm_groups, "GroupNorm groups; must divide backbone_width")
      .integer("dim", &DetrLiteOptions::dim, "transformer width d; dim % heads == 0")
      .integer("heads", &DetrLiteOptions::heads, "attention heads (the encoder attention's and the decoder's)")
      .integer("enc_layers", &DetrLiteOptions::enc_layers, "encoder blocks, >= 1")
      .integer("dec_layers", &DetrLiteOptions::dec_layers, "decoder blocks, >= 1 (all but the last give aux outputs)")
      .real("mlp_ratio", &DetrLiteOptions::mlp_ratio, "FFN hidden width / dim; dim · mlp_ratio must be whole")
      .integer("num_queries", &DetrLiteOptions::num_queries, "object queries Q")
      .choice("norm", &DetrLiteOptions::norm, {"pre", "post"}, "transformer norm placement")
      .choice("queries", &DetrLiteOptions::queries, {"learned", "anchor"},
              "learned: DETR's query_pos; anchor: DAB-DETR's 4-D anchors with iterative box refinement")
      .choice("scores", &DetrLiteOptions::scores, {"softmax", "sigmoid"},
              "softmax: K + 1 logits (cross-entropy with no-object); sigmoid: K logits (focal loss)")
      .choice("cross_attention.type", &DetrLiteOptions::cross_attention_type, {"softmax", "efficient", "linformer"},
              "the decoder's cross-attention (the type's defaults, model.heads)")
      .check([](const DetrLiteOptions& o, const ModelContext& ctx, const ModelChecks& c) {
        check_num_classes(o.num_classes, ctx, c);
        positive(c, "backbone_width", o.backbone_width);
        positive(c, "backbone_blocks", o.backbone_blocks);
        c.require(o.stride == 16 || o.stride == 32, "stride", str_cat("must be 16 or 32; got ", o.stride));
        if (ctx.image_size > 0 && (o.stride == 16 || o.stride == 32))
          c.require(ctx.image_size % o.stride == 0, "stride",
                    str_cat("must divide the image side (", ctx.image_size, " for ", ctx.dataset, "); got ", o.stride));
        if (o.backbone_norm == "group") {
          positive(c, "norm_groups", o.norm_groups);
          if (o.norm_groups > 0 && o.backbone_width > 0)
            c.require(o.backbone_width % o.norm_groups == 0, "norm_groups",
                      str_cat("must divide every stage's width (", c.cite("backbone_width"), " and its multiples); got ",
                              o.norm_groups));
        }
        positive(c, "dim", o.dim);
        positive(c, "heads", o.heads);
        if (o.dim > 0 && o.heads > 0)
          c.require(o.dim % o.heads == 0, "heads", str_cat("must divide ", c.cite("dim"), "; got ", o.heads));
        if (o.queries == "anchor" && o.dim > 0)
          c.require(o.dim % 4 == 0, "dim",
                    str_cat("must be a multiple of 4 for queries: anchor (the 4 box coordinates' sine embedding); got ",
                            o.dim));
        c.require(o.enc_layers >= 1, "enc_layers", str_cat("must be >= 1; got ", o.enc_layers));
        c.require(o.dec_layers >= 1, "dec_layers", str_cat("must be >= 1; got ", o.dec_layers));
        positive(c, "mlp_ratio", o.mlp_ratio);
        const double hidden = static_cast<double>(o.dim) * o.mlp_ratio;
        c.require(hidden == std::floor(hidden), "mlp_ratio",
                  str_cat("model.dim x mlp_ratio must be a whole number of hidden units; got ", o.dim, " x ",
                          o.mlp_ratio));
        positive(c, "num_queries", o.num_queries);
      })
      .attention_site([](const DetrLiteOptions& o, std::int64_t image_side) {
        const bool known = image_side > 0 && o.stride > 0 && image_side % o.stride == 0;
        const std::int64_t side = known ? image_side / o.stride : 0;  // 0: unknown
        return AttentionSite{.dim = o.dim, .heads = o.heads, .grid = {side, side}, .cls_token = false};
      })
      .heads("heads")
      .num_classes("num_classes")
      .make([](const DetrLiteOptions& o, const AttentionOptions& attention, std::int64_t image_side, Generator& g) {
        DetrLiteOptions options = o;
        options.image_size = image_side;
        options.attention = attention;
        return std::make_shared<DetrLite>(options, g);
      })
      .build();
}

}  // namespace linattn
