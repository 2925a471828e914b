// train/config.h — the typed experiment configuration (one struct tree with the defaults of
// every key), loaded strictly from YAML and written back in full for runs/<name>/config.yaml.
// Used by the `linattn` program, the trainer and the tests; yaml-cpp stays out of this header.
//
// Loading: a file may name `base: other.yaml` (relative to itself); the base is loaded first and
// the file's keys override it, maps merged key by key. Then each `--set a.b=c` override is
// applied, and only then are the values checked, so an override can repair a base. Every error
// is a linattn::Error naming the key path, the file and line it came from, and what is expected.
//
// data.image_size and data.categories fix what the dataset gives a model (train/dataset_info.h);
// the detection task reads data.augment.scale_min/scale_max, data.eval_split and the
// `detection:` section (train/tasks/detection.h), the classification task ignores them.
//
// The model section is model.name (a registered model, models/model_type.h), that model's own
// options (the model.* keys it declares) and model.attention: `type` (a registry key of
// layers/attention/attention_type.h) and that type's options. Reading, checking and writing
// both loop over the declared fields and rules, so train/ knows no model or attention option by
// name. The attention's `heads` option (for the types that have one) comes from the model's
// heads option and cannot be given. A layer that changes model.name drops the model keys it
// inherited that the new model does not read; one that changes `type` replaces the attention
// block it inherited. A model option with a dotted key ("cross_attention.type") is written and
// read as a nested map (`cross_attention: {type: linformer}`) or by its dotted path with --set.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/device.h"
#include "layers/attention/options.h"
#include "models/model_type.h"

namespace linattn {

enum class DatasetName { Cifar10, Coco };        // cifar10 | coco
enum class DataFormat { Auto, Folders, Binary };  // auto | folders | binary
enum class OptimizerName { AdamW, Sgd };          // adamw | sgd
enum class Schedule { Cosine, Step, Constant };   // cosine | step | constant
enum class EvalSplit { Val, Train };              // val | train

// The YAML spelling of each value ("cifar10", "adamw", ...).
std::string to_string(DatasetName v);
std::string to_string(DataFormat v);
std::string to_string(OptimizerName v);
std::string to_string(Schedule v);
std::string to_string(EvalSplit v);

struct RandAugmentConfig {
  std::int64_t n = 0;  // operations per image; 0: off
  double m = 9;        // magnitude, 0..30 (torchvision's scale)
  bool operator==(const RandAugmentConfig&) const = default;
};

struct AugmentConfig {
  std::int64_t crop_padding = 4;  // random crop after zero padding; 0: no crop
  bool flip = true;               // random horizontal flip (detection: with probability 0.5)
  // Detection: the image is resized by (S / its long side) · U[scale_min, scale_max], then
  // randomly cropped to at most S x S (data/box_transforms.h; these are its defaults).
  double scale_min = 0.6;
  double scale_max = 1.4;
  // Detection: brightness, contrast and saturation each jittered by a factor in [1 − j, 1 + j]
  // (torchvision's ColorJitter); 0 turns it off.
  double color_jitter = 0.4;
  double mixup_alpha = 0;         // 0: off
  double cutmix_alpha = 0;        // 0: off
  double label_smoothing = 0;     // in [0, 1)
  RandAugmentConfig randaugment;
  bool operator==(const AugmentConfig&) const = default;
};

struct DataConfig {
  DatasetName dataset = DatasetName::Cifar10;
  std::string root;  // empty: --data-root, else $LINATTN_DATA, else ./data (data/data_root.h)
  DataFormat format = DataFormat::Auto;
  // The side of the square images a model sees; 0: the dataset's (cifar10: 32, the only
  // value it allows; coco: 256, the detection canvas the images are letterboxed to).
  std::int64_t image_size = 0;
  std::vector<std::string> categories;  // coco: the category names to keep, e.g. [person]; []: all
  // Which images the detection task evaluates: val (the val split) or train (the training
  // images with the eval transforms, train_subset applied: an overfitting check).
  EvalSplit eval_split = EvalSplit::Val;
  std::int64_t batch_size = 128;
  std::int64_t workers = 2;       // loader threads; 0: load on the training thread
  std::int64_t train_subset = 0;  // first K training images; 0: all
  std::int64_t test_subset = 0;   // first K test images; 0: all
  AugmentConfig augment;
  bool operator==(const DataConfig&) const = default;
};

struct OptimConfig {
  OptimizerName name = OptimizerName::AdamW;
  double lr = 1e-3;                    // peak learning rate, > 0
  double backbone_lr_scale = 1;        // parameters named backbone.* train at lr · this (≥ 0)
  double weight_decay = 0.05;          // decoupled for AdamW, L2 for SGD
  std::array<double, 2> betas{0.9, 0.999};  // AdamW
  double eps = 1e-8;                   // AdamW
  double momentum = 0.9;               // SGD
  bool nesterov = false;               // SGD, needs momentum > 0
  double warmup_epochs = 0;            // linear warmup from 0, may be fractional
  Schedule schedule = Schedule::Cosine;
  std::int64_t step_size = 30;         // schedule step: epochs between decays
  double gamma = 0.1;                  // schedule step: decay factor
  double min_lr = 0;                   // cosine floor, ≤ lr
  double clip_grad = 0;                // max global grad norm; 0: off
  bool operator==(const OptimConfig&) const = default;
};

// The detection task's set loss, matcher and post-processing (detection/set_criterion.h,
// matcher.h, postprocess.h). Softmax or sigmoid (focal) scores follow the model
// (ObjectDetector::sigmoid_scores()); the focal_* keys matter only for sigmoid scores.
struct DetectionConfig {
  double eos_coef = 0.1;    // weight of the no-object class in the softmax cross-entropy
  double cost_class = 1;    // matcher weights
  double cost_bbox = 5;
  double cost_giou = 2;
  double loss_ce = 1;       // loss weights (classification, L1 box, GIoU)
  double loss_bbox = 5;
  double loss_giou = 2;
  double focal_alpha = 0.25;
  double focal_gamma = 2;
  bool aux_loss = true;     // the same loss on every earlier decoder layer's output
  std::int64_t max_detections = 100;  // per image, after post-processing
  bool operator==(const DetectionConfig&) const = default;
};

struct TrainConfig {
  std::int64_t epochs = 100;
  std::int64_t max_steps = 0;         // stop after this many optimizer steps; 0: no cap
  std::int64_t eval_every = 1;        // epochs; 0: only at the end
  std::int64_t checkpoint_every = 1;  // epochs; 0: only at the end
  std::int64_t log_every = 50;        // steps
  bool tf32 = true;                   // TF32 matmuls on CUDA; ignored on the CPU
  bool operator==(const TrainConfig&) const = default;
};

struct ExperimentConfig {
  std::string name;  // the run folder runs/<name>; default: the config file's stem
  std::string task = "classification";  // a registered task (train/task.h)
  std::int64_t seed = 0;
  Device device = Device::cpu();
  std::int64_t threads = 2;  // CPU threads (OpenMP and OpenBLAS)
  DataConfig data;
  ModelConfig model;
  DetectionConfig detection;
  OptimConfig optim;
  TrainConfig train;
  bool operator==(const ExperimentConfig&) const = default;
};

// Loads `path` (and its base chain), applies `overrides` ("a.b=c", in order), checks the result.
ExperimentConfig load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// The same from YAML text; `source_name` names it in errors and is the base for relative `base:`
// paths and the default name (its stem).
ExperimentConfig parse_config_string(const std::string& yaml, const std::string& source_name,
                                     const std::vector<std::string>& overrides = {});

// `config` with one "a.b=c" override applied (the value read as a YAML scalar, or a flow list
// for betas) and checked again. An unknown path is an error that names it and says it came from
// --set.
ExperimentConfig apply_override(const ExperimentConfig& config, const std::string& assignment);

// Every key of `config`, defaults and attention options included, as YAML that parses back to
// an equal config.
std::string to_yaml(const ExperimentConfig& config);

// The options of one attention layer as key → value text, in the type's field order; parsing
// them with parse_attention_options gives the same options back (AttentionOptions::values()).
std::vector<std::pair<std::string, std::string>> attention_option_values(const AttentionOptions& options);

}  // namespace linattn
