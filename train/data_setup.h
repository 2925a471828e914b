// train/data_setup.h — the datasets and loader options a config describes: CIFAR-10 from the
// resolved data root (--data-root, else data.root, else $LINATTN_DATA, else ./data; a named root
// that does not exist is an error, see data/data_root.h),
// the training loader with the config's augmentations and the evaluation loader without them.
// Used by the trainer (when no datasets are injected) and `linattn eval`.
#pragma once
#include <memory>
#include <string>

#include "data/dataset.h"
#include "data/loader.h"
#include "train/config.h"

namespace linattn {

// The split ("train" or "test") of the config's dataset. `cli_data_root` is --data-root (may be
// empty). Errors name the data root, where it came from, and how to get the data.
std::shared_ptr<const Dataset> load_split(const ExperimentConfig& config, const std::string& cli_data_root,
                                          const std::string& split);

// Training: shuffled with config.seed, the config's augmentations, normalized.
LoaderOptions train_loader_options(const ExperimentConfig& config);
// Evaluation: in order, no augmentation, normalized the same way.
LoaderOptions eval_loader_options(const ExperimentConfig& config);

}  // namespace linattn
