// train/dataset_info.h — what a dataset fixes for the models and the transforms that read it:
// its image side, its number of classes and its per-channel normalization statistics. One row
// per data.dataset; the config validator (model.patch must divide the side, model.num_classes
// must match), the model factory (the models' image_size), the tasks' loaders (normalization)
// and `linattn bench` (synthetic images) all read it from here, so nothing else assumes 32×32
// images or 10 classes.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "train/config.h"

namespace linattn {

struct DatasetInfo {
  std::string display_name;         // "CIFAR-10", for messages
  std::int64_t image_size = 0;      // the side of the (square) images a model sees; 0: set by the task
  std::int64_t num_classes = 0;     // 0: read from the dataset's annotations
  std::array<float, 3> mean{}, std{};  // per channel, of x / 255 (RGB)
};

// The row of `data.dataset`.
const DatasetInfo& dataset_info(const DataConfig& data);

}  // namespace linattn
