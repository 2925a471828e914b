// train/config_validate.cpp — the value checks run once every layer (base files, the file,
// --set overrides) has been applied: ranges, enum combinations and the constraints between keys
// (dim % heads, cos2d needs the token grid, ...). Each failure names the key, where its value
// came from, what was found and what is expected.
#include <cctype>
#include <type_traits>

#include "core/error.h"
#include "models/model_type.h"
#include "train/config_detail.h"
#include "train/dataset_info.h"
#include "train/tasks/detection.h"

namespace linattn::config_detail {

namespace {

template <class T>
std::string show(const T& v) {
  if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
  else return str_cat(v);
}

class Checker {
 public:
  Checker(const ExperimentConfig& c, const Provenance& where) : c_(c), where_(where) {}

  void require(bool ok, const std::string& path, const std::string& what) const {
    if (!ok) fail_at(source_of(where_, path), path, what);
  }
  template <class T>
  void positive(const std::string& path, T v) const {
    require(v > 0, path, str_cat("must be > 0; got ", show(v)));
  }
  template <class T>
  void non_negative(const std::string& path, T v, const std::string& note = "") const {
    require(v >= 0, path, str_cat("must be >= 0", note, "; got ", show(v)));
  }
  void probability(const std::string& path, double v) const {  // [0, 1)
    require(v >= 0 && v < 1, path, str_cat("must be in [0, 1); got ", show(v)));
  }
  // "model.dim (192, from configs/x.yaml:3)": a second key cited in a message.
  std::string cite(const std::string& path, const std::string& value) const {
    return str_cat(path, " (", value, ", from ", source_of(where_, path).str(), ")");
  }

  void all() const {
    top();
    data();
    model();
    attention();
    detection();
    optim();
    train();
  }

 private:
  void top() const {
    require(!c_.name.empty(), "name", "must not be empty (it names the run folder runs/<name>)");
    bool ok_chars = c_.name.front() != '.';
    for (char ch : c_.name) ok_chars = ok_chars && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.');
    require(ok_chars, "name", str_cat("must be a folder name of letters, digits, '_', '-' or '.' (not first); got '", c_.name, "'"));
    non_negative("seed", c_.seed);
    positive("threads", c_.threads);
  }

  void data() const {
    const auto& d = c_.data;
    positive("data.batch_size", d.batch_size);
    non_negative("data.workers", d.workers, " (0 loads on the training thread)");
    non_negative("data.train_subset", d.train_subset, " (0 means all)");
    non_negative("data.test_subset", d.test_subset, " (0 means all)");
    require(!(d.dataset == DatasetName::Coco && d.format == DataFormat::Binary), "data.format",
            "binary is the CIFAR-10 batch format; coco reads folders (or auto)");
    non_negative("data.image_size", d.image_size, " (0 means the dataset's)");
    if (d.dataset == DatasetName::Cifar10) {
      require(d.image_size == 0 || d.image_size == kCifar10ImageSize, "data.image_size",
              str_cat("CIFAR-10 images are 32x32: use 0 (the dataset's) or 32; got ", d.image_size));
      require(d.categories.empty(), "data.categories",
              "filters the categories of a COCO dataset; cifar10 has none (leave it [])");
      require(d.eval_split == EvalSplit::Val, "data.eval_split",
              "cifar10 is evaluated on its test split (val); train is for detection on coco");
    }
    for (std::size_t i = 0; i < d.categories.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        require(d.categories[i] != d.categories[j], "data.categories",
                str_cat("names '", d.categories[i], "' twice; each category once"));
    if (c_.task == kDetectionTask)
      require(d.dataset == DatasetName::Coco, "data.dataset",
              str_cat(cite("task", c_.task), " reads COCO-format data: use coco; got ", to_string(d.dataset)));
    const auto& a = d.augment;
    non_negative("data.augment.crop_padding", a.crop_padding, " (0 turns the random crop off)");
    positive("data.augment.scale_min", a.scale_min);
    require(a.scale_max >= a.scale_min, "data.augment.scale_max",
            str_cat("must be >= ", cite("data.augment.scale_min", show(a.scale_min)), "; got ", a.scale_max));
    require(a.color_jitter >= 0 && a.color_jitter <= 1, "data.augment.color_jitter",
            str_cat("must be in [0, 1] (0 turns it off); got ", a.color_jitter));
    non_negative("data.augment.mixup_alpha", a.mixup_alpha, " (0 turns mixup off)");
    non_negative("data.augment.cutmix_alpha", a.cutmix_alpha, " (0 turns cutmix off)");
    probability("data.augment.label_smoothing", a.label_smoothing);
    non_negative("data.augment.randaugment.n", a.randaugment.n, " (0 turns RandAugment off)");
    require(a.randaugment.m >= 0 && a.randaugment.m <= 30, "data.augment.randaugment.m",
            str_cat("must be in [0, 30]; got ", a.randaugment.m));
  }

  // The model's own checks, reported with the key path and source of the config.
  class ModelKeyChecks : public ModelChecks {
   public:
    explicit ModelKeyChecks(const Checker& checker) : checker_(checker) {}
    void require(bool ok, const std::string& key, const std::string& what) const override {
      checker_.require(ok, "model." + key, what);
    }
    std::string cite(const std::string& key) const override { return checker_.cite_model_option(key); }

   private:
    const Checker& checker_;
  };

  const ModelType& model_type() const { return *find_model_type(c_.model.name); }  // checked when read

  // "model.dim (192, from x.yaml:3)"
  std::string cite_model_option(const std::string& key) const {
    return cite("model." + key, c_.model.options.text(key));
  }

  // The model's checks against the dataset's geometry (train/dataset_info.h).
  void model() const {
    const ModelType& type = model_type();
    const DatasetInfo& info = dataset_info(c_.data);
    const ModelContext context{.image_size = info.image_size, .num_classes = info.num_classes,
                               .dataset = to_string(c_.data.dataset), .display_name = info.display_name};
    if (type.check) type.check(c_.model.options, context, ModelKeyChecks(*this));
  }

  // The attention's rules, declared by its type (layers/attention/<type>_options.cpp): a type
  // that needs every token on the grid refuses a cls token, then the type's own value checks,
  // reported at model.attention.<key>.
  void attention() const {
    const auto& m = c_.model;
    const ModelType& model = model_type();
    if (!model.reads("attention") || !model.attention_site) return;
    const AttentionType& type = m.attention.type();
    const AttentionSite site = model.attention_site(m.options, m.image_size);
    require(!(type.needs_grid && site.cls_token), "model.attention.type",
            str_cat(type.name, " needs every token on the grid, but ", cls_token_cause(),
                    " adds a token without a grid position", model.reads("pool") ? "; use pool: mean" : ""));
    m.attention.check(site, AttentionChecks(*this));
  }

  // The setting that gives the model a cls token, cited: model.pool, or the model itself.
  std::string cls_token_cause() const {
    return c_.model.options.has("pool") ? cite_model_option("pool") : cite("model.name", c_.model.name);
  }

  // The type's checks, reported with the key path and source of the config.
  class AttentionChecks : public OptionChecks {
   public:
    explicit AttentionChecks(const Checker& checker) : checker_(checker) {}
    void require(bool ok, const std::string& key, const std::string& what) const override {
      checker_.require(ok, "model.attention." + key, what);
    }
    std::string cite(SiteKey which) const override {
      const auto& m = checker_.c_.model;
      const std::string& heads = checker_.model_type().heads_key;
      switch (which) {
        case SiteKey::Dim: return m.options.has("dim") ? checker_.cite_model_option("dim") : checker_.cite("model.name", m.name);
        case SiteKey::Heads:
          return !heads.empty() && m.options.has(heads) ? checker_.cite_model_option(heads)
                                                        : checker_.cite("model.name", m.name);
        case SiteKey::ClsToken: return checker_.cls_token_cause();
      }
      return "";
    }

   private:
    const Checker& checker_;
  };

  void detection() const {
    const auto& d = c_.detection;
    positive("detection.eos_coef", d.eos_coef);
    for (const auto& [key, v] : {std::pair<const char*, double>{"cost_class", d.cost_class}, {"cost_bbox", d.cost_bbox},
                                 {"cost_giou", d.cost_giou}, {"loss_ce", d.loss_ce}, {"loss_bbox", d.loss_bbox},
                                 {"loss_giou", d.loss_giou}, {"focal_gamma", d.focal_gamma}})
      non_negative(str_cat("detection.", key), v);
    require(d.cost_class + d.cost_bbox + d.cost_giou > 0, "detection.cost_class",
            "the matcher needs some cost: cost_class, cost_bbox and cost_giou are all 0");
    require(d.focal_alpha >= 0 && d.focal_alpha <= 1, "detection.focal_alpha",
            str_cat("must be in [0, 1]; got ", d.focal_alpha));
    positive("detection.max_detections", d.max_detections);
  }

  void optim() const {
    const auto& o = c_.optim;
    positive("optim.lr", o.lr);
    non_negative("optim.backbone_lr_scale", o.backbone_lr_scale, " (0 freezes the backbone)");
    non_negative("optim.weight_decay", o.weight_decay);
    for (double beta : o.betas)
      require(beta >= 0 && beta < 1, "optim.betas",
              str_cat("each beta must be in [0, 1); got [", o.betas[0], ", ", o.betas[1], "]"));
    positive("optim.eps", o.eps);
    probability("optim.momentum", o.momentum);
    if (o.name == OptimizerName::Sgd && o.nesterov)
      require(o.momentum > 0, "optim.nesterov", "Nesterov momentum needs optim.momentum > 0");
    non_negative("optim.warmup_epochs", o.warmup_epochs);
    require(o.warmup_epochs <= static_cast<double>(c_.train.epochs), "optim.warmup_epochs",
            str_cat("must not exceed ", cite("train.epochs", show(c_.train.epochs)), "; got ", o.warmup_epochs));
    if (o.schedule == Schedule::Step) {
      positive("optim.step_size", o.step_size);
      require(o.gamma > 0 && o.gamma <= 1, "optim.gamma", str_cat("must be in (0, 1]; got ", o.gamma));
    }
    require(o.min_lr >= 0 && o.min_lr <= o.lr, "optim.min_lr",
            str_cat("must be in [0, optim.lr = ", o.lr, "]; got ", o.min_lr));
    non_negative("optim.clip_grad", o.clip_grad, " (0 turns clipping off)");
  }

  void train() const {
    const auto& t = c_.train;
    positive("train.epochs", t.epochs);
    non_negative("train.max_steps", t.max_steps, " (0 means no cap)");
    non_negative("train.eval_every", t.eval_every, " (0 evaluates only at the end)");
    non_negative("train.checkpoint_every", t.checkpoint_every, " (0 saves only at the end)");
    positive("train.log_every", t.log_every);
  }

  const ExperimentConfig& c_;
  const Provenance& where_;
};

}  // namespace

void validate(const ExperimentConfig& config, const Provenance& where) { Checker(config, where).all(); }

}  // namespace linattn::config_detail
