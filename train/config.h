// train/config.h — the typed experiment configuration (one struct tree with the defaults of
// every key), loaded strictly from YAML and written back in full for runs/<name>/config.yaml.
// Used by the `linattn` program, the trainer and the tests; yaml-cpp stays out of this header.
//
// Loading: a file may name `base: other.yaml` (relative to itself); the base is loaded first and
// the file's keys override it, maps merged key by key. Then each `--set a.b=c` override is
// applied, and only then are the values checked, so an override can repair a base. Every error
// is a linattn::Error naming the key path, the file and line it came from, and what is expected.
//
// The model section is model.name (a registered model, models/model_type.h), that model's own
// options (the model.* keys it declares) and model.attention: `type` (a registry key of
// layers/attention/attention_type.h) and that type's options. Reading, checking and writing
// both loop over the declared fields and rules, so train/ knows no model or attention option by
// name. The attention's `heads` option (for the types that have one) comes from the model's
// heads option and cannot be given. A layer that changes model.name drops the model keys it
// inherited that the new model does not read; one that changes `type` replaces the attention
// block it inherited.
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

// The YAML spelling of each value ("cifar10", "adamw", ...).
std::string to_string(DatasetName v);
std::string to_string(DataFormat v);
std::string to_string(OptimizerName v);
std::string to_string(Schedule v);

struct RandAugmentConfig {
  std::int64_t n = 0;  // operations per image; 0: off
  double m = 9;        // magnitude, 0..30 (torchvision's scale)
  bool operator==(const RandAugmentConfig&) const = default;
};

struct AugmentConfig {
  std::int64_t crop_padding = 4;  // random crop after zero padding; 0: no crop
  bool flip = true;               // random horizontal flip
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
