// train/dataset_info.h — what a dataset fixes for the models and the transforms that read it:
// its image side, its number of classes and its per-channel normalization statistics. One row
// per data.dataset, adjusted by data.image_size and data.categories; the config validator
// (model.patch must divide the side, model.num_classes must match), the config reader (the
// models' image_size), the tasks' loaders (normalization, the detection canvas) and `linattn
// bench` (synthetic images) all read it from here, so nothing else assumes 32×32 images or 10
// classes.
//
//   cifar10: 32×32 images (data.image_size must be 0 or 32), 10 classes.
//   coco:    the detection canvas, data.image_size or 256; the classes named in
//            data.categories, or COCO's 80 when it is empty (the annotation file is checked
//            against this when it is read).
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "train/config.h"

namespace linattn {

inline constexpr std::int64_t kCifar10ImageSize = 32;
inline constexpr std::int64_t kCocoDefaultImageSize = 256;  // data.image_size 0 with coco
inline constexpr std::int64_t kCocoClasses = 80;            // COCO 2017's detection categories

struct DatasetInfo {
  std::string display_name;            // "CIFAR-10", for messages
  std::int64_t image_size = 0;         // the side of the (square) images a model sees
  std::int64_t num_classes = 0;        // the classes a model predicts
  std::array<float, 3> mean{}, std{};  // per channel, of x / 255 (RGB)
};

// The row of `data.dataset` for this data config.
DatasetInfo dataset_info(const DataConfig& data);

}  // namespace linattn
