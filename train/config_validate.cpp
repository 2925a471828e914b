// train/config_validate.cpp — the value checks run once every layer (base files, the file,
// --set overrides) has been applied: ranges, enum combinations and the constraints between keys
// (dim % heads, cos2d needs the token grid, ...). Each failure names the key, where its value
// came from, what was found and what is expected.
#include <cctype>
#include <cmath>
#include <type_traits>

#include "core/error.h"
#include "train/config_detail.h"

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
    const auto& a = d.augment;
    non_negative("data.augment.crop_padding", a.crop_padding, " (0 turns the random crop off)");
    non_negative("data.augment.mixup_alpha", a.mixup_alpha, " (0 turns mixup off)");
    non_negative("data.augment.cutmix_alpha", a.cutmix_alpha, " (0 turns cutmix off)");
    probability("data.augment.label_smoothing", a.label_smoothing);
    non_negative("data.augment.randaugment.n", a.randaugment.n, " (0 turns RandAugment off)");
    require(a.randaugment.m >= 0 && a.randaugment.m <= 30, "data.augment.randaugment.m",
            str_cat("must be in [0, 30]; got ", a.randaugment.m));
  }

  // The image side the model sees, where the dataset fixes it (0: not known here).
  std::int64_t image_side() const { return c_.data.dataset == DatasetName::Cifar10 ? 32 : 0; }

  void model() const {
    const auto& m = c_.model;
    positive("model.dim", m.dim);
    positive("model.depth", m.depth);
    positive("model.heads", m.heads);
    require(m.dim % m.heads == 0, "model.heads",
            str_cat("must divide ", cite("model.dim", show(m.dim)), "; got ", m.heads));
    positive("model.mlp_ratio", m.mlp_ratio);
    double hidden = static_cast<double>(m.dim) * m.mlp_ratio;
    require(hidden == std::floor(hidden), "model.mlp_ratio",
            str_cat("model.dim x mlp_ratio must be a whole number of hidden units; got ", m.dim, " x ", m.mlp_ratio));
    positive("model.patch", m.patch);
    if (std::int64_t side = image_side())
      require(side % m.patch == 0, "model.patch",
              str_cat("must divide the image side (", side, " for ", to_string(c_.data.dataset), "); got ", m.patch));
    positive("model.num_classes", m.num_classes);
    if (c_.data.dataset == DatasetName::Cifar10)
      require(m.num_classes == 10, "model.num_classes", str_cat("CIFAR-10 has 10 classes; got ", m.num_classes));
  }

  void attention() const {
    const auto& m = c_.model;
    const std::string type = m.attention_type();
    const std::string at = "model.attention.";
    std::int64_t side = image_side() ? image_side() / m.patch : 0;  // token grid side, 0 unknown
    std::int64_t tokens = side * side + (m.pool == Pool::Cls ? 1 : 0);

    require(!(type == "cos2d" && m.pool == Pool::Cls), "model.attention.type",
            str_cat("cos2d needs every token on the grid, but ", cite("model.pool", "cls"),
                    " adds a token without a grid position; use pool: mean"));

    if (const auto* o = std::get_if<SoftmaxOptions>(&m.attention)) {
      probability(at + "attn_drop", o->attn_drop);
      probability(at + "proj_drop", o->proj_drop);
    } else if (const auto* o2 = std::get_if<Cos2dOptions>(&m.attention)) {
      non_negative(at + "M", o2->M, " (0 means max(H, W) + 2)");
      if (side > 0 && o2->M != 0)
        require(o2->M > side - 1, at + "M",
                str_cat("must exceed max(H, W) - 1 = ", side - 1, " for the ", side, "x", side,
                        " token grid (or be 0 for max(H, W) + 2); got ", o2->M));
      positive(at + "eps", o2->eps);
      probability(at + "proj_drop", o2->proj_drop);
    } else if (const auto* o3 = std::get_if<ExternalOptions>(&m.attention)) {
      positive(at + "coef", o3->coef);
      positive(at + "S", o3->S);
      probability(at + "attn_drop", o3->attn_drop);
      probability(at + "proj_drop", o3->proj_drop);
    } else if (const auto* o4 = std::get_if<LinformerOptions>(&m.attention)) {
      non_negative(at + "seq_len", o4->seq_len, " (0 means the grid's H x W)");
      non_negative(at + "proj_k", o4->proj_k, " (0 means min(128, seq_len / 2))");
      if (side > 0 && o4->seq_len == 0 && m.pool == Pool::Cls)
        require(false, at + "seq_len",
                str_cat("0 means the grid's H x W = ", side * side, ", but ", cite("model.pool", "cls"),
                        " adds a token: set seq_len: ", tokens));
      if (side > 0 && o4->seq_len > 0)
        require(o4->seq_len >= tokens, at + "seq_len",
                str_cat("must be at least the ", tokens, " tokens of the model; got ", o4->seq_len));
      probability(at + "dropout", o4->dropout);
    } else if (const auto* o5 = std::get_if<AdditiveOptions>(&m.attention)) {
      non_negative(at + "token_dim", o5->token_dim, " (0 means model.dim)");
      positive(at + "num_heads", o5->num_heads);
    } else if (const auto* o6 = std::get_if<EfficientOptions>(&m.attention)) {
      for (auto [key, value] : {std::pair<std::string, std::int64_t>{"key_channels", o6->key_channels},
                                {"value_channels", o6->value_channels}}) {
        non_negative(at + key, value, " (0 means model.dim)");
        std::int64_t channels = value == 0 ? m.dim : value;
        require(channels % m.heads == 0, at + key,
                str_cat(channels, " channels must split evenly over ", cite("model.heads", show(m.heads))));
      }
    }
  }

  void optim() const {
    const auto& o = c_.optim;
    positive("optim.lr", o.lr);
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
