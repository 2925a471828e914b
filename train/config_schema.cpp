// train/config_schema.cpp — the one table of config keys (see config_detail.h). Each row binds
// a dotted key path to the struct member it sets, so the parser, the writer and the key
// suggestions all read the same list; adding a key is one line here plus its check. The model's
// own keys are not rows: the model declares them (models/model_type.h); the reader and the
// writer put them after model.name.
#include <algorithm>

#include "train/config_detail.h"

namespace linattn {

namespace config_detail {

// Beside the table that uses it (the other enums' spellings are in config.cpp).
template <>
const std::vector<std::string>& enum_names<EvalSplit>() {
  static const std::vector<std::string> names{"val", "train"};
  return names;
}

namespace {

template <class E>
ChoiceRef choice(E& (*ref)(ExperimentConfig&)) {
  return {enum_names<E>(), [ref](ExperimentConfig& c) { return static_cast<int>(ref(c)); },
          [ref](ExperimentConfig& c, int i) { ref(c) = static_cast<E>(i); }};
}

// The member expression is the key path: FIELD(optim.lr) binds "optim.lr" to config.optim.lr.
#define FIELD(member) Leaf{#member, +[](ExperimentConfig& c) -> auto& { return c.member; }}
#define CHOICE(member) Leaf{#member, choice(+[](ExperimentConfig& c) -> auto& { return c.member; })}

std::vector<Leaf> make_schema() {
  return {
      FIELD(name), FIELD(task), FIELD(seed), FIELD(device), FIELD(threads),
      CHOICE(data.dataset), FIELD(data.root), CHOICE(data.format), FIELD(data.image_size),
      FIELD(data.categories), CHOICE(data.eval_split), FIELD(data.batch_size),
      FIELD(data.workers), FIELD(data.train_subset), FIELD(data.test_subset),
      FIELD(data.augment.crop_padding), FIELD(data.augment.flip), FIELD(data.augment.scale_min),
      FIELD(data.augment.scale_max),
      FIELD(data.augment.color_jitter), FIELD(data.augment.mixup_alpha),
      FIELD(data.augment.cutmix_alpha), FIELD(data.augment.label_smoothing),
      FIELD(data.augment.randaugment.n), FIELD(data.augment.randaugment.m),
      FIELD(model.name), Leaf{"model.attention", AttentionRef{}},
      FIELD(detection.eos_coef), FIELD(detection.cost_class), FIELD(detection.cost_bbox),
      FIELD(detection.cost_giou), FIELD(detection.loss_ce), FIELD(detection.loss_bbox),
      FIELD(detection.loss_giou), FIELD(detection.focal_alpha), FIELD(detection.focal_gamma),
      FIELD(detection.aux_loss), FIELD(detection.max_detections),
      CHOICE(optim.name), FIELD(optim.lr), FIELD(optim.backbone_lr_scale), FIELD(optim.weight_decay),
      FIELD(optim.betas),
      FIELD(optim.eps), FIELD(optim.momentum), FIELD(optim.nesterov), FIELD(optim.warmup_epochs),
      CHOICE(optim.schedule), FIELD(optim.step_size), FIELD(optim.gamma), FIELD(optim.min_lr),
      FIELD(optim.clip_grad),
      FIELD(train.epochs), FIELD(train.max_steps), FIELD(train.eval_every),
      FIELD(train.checkpoint_every), FIELD(train.log_every), FIELD(train.tf32),
  };
}

#undef FIELD
#undef CHOICE

}  // namespace

const std::vector<Leaf>& schema() {
  static const std::vector<Leaf> leaves = make_schema();
  return leaves;
}

const Leaf* find_leaf(const std::string& path) {
  for (const auto& leaf : schema())
    if (leaf.path == path) return &leaf;
  return nullptr;
}

bool is_section(const std::string& path) {
  if (path.empty()) return true;
  return std::any_of(schema().begin(), schema().end(),
                     [&](const Leaf& leaf) { return leaf.path.starts_with(path + "."); });
}

std::vector<std::string> child_keys(const std::string& section) {
  std::string prefix = section.empty() ? "" : section + ".";
  std::vector<std::string> keys;
  for (const auto& leaf : schema()) {
    if (!leaf.path.starts_with(prefix)) continue;
    std::string rest = leaf.path.substr(prefix.size());
    std::string key = rest.substr(0, rest.find('.'));
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  return keys;
}

std::string expected(const Ref& ref) {
  struct Visitor {
    std::string operator()(IntRef) const { return "an integer"; }
    std::string operator()(RealRef) const { return "a number"; }
    std::string operator()(BoolRef) const { return "true or false"; }
    std::string operator()(TextRef) const { return "a string"; }
    std::string operator()(PairRef) const { return "a list of two numbers, like [0.9, 0.999]"; }
    std::string operator()(NameListRef) const { return "a list of names, like [person, car] ([] for none)"; }
    std::string operator()(DeviceRef) const { return "a device: cpu, cuda or cuda:N"; }
    std::string operator()(const ChoiceRef& c) const { return "one of " + join(c.names); }
    std::string operator()(AttentionRef) const {
      return "a map with `type` (one of " + join(attention_types()) + ") and that type's options";
    }
  };
  return std::visit(Visitor{}, ref);
}

}  // namespace config_detail

std::string to_string(EvalSplit v) { return config_detail::enum_names<EvalSplit>()[static_cast<int>(v)]; }

}  // namespace linattn
