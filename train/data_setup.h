// train/data_setup.h — the datasets and loader options a config describes, from the resolved
// data root (--data-root, else data.root, else $LINATTN_DATA, else ./data; a named root that does
// not exist is an error, see data/data_root.h):
//   - CIFAR-10 (classification): load_split;
//   - COCO (detection): load_coco_split finds the dataset folder — the root itself when it holds
//     annotations/, else its coco-subset/, coco2017/ or coco/ (data/coco_paths.h gives the
//     layouts inside) — and applies data.categories; CocoSubset serves the first K images
//     (data.train_subset / data.test_subset) with the ground truth of just those images;
//   - the training loader options with the config's augmentations and the evaluation ones
//     without them.
// Used by the tasks (train/tasks/), the sweep and `linattn eval`.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/coco.h"
#include "data/dataset.h"
#include "data/detection_dataset.h"
#include "data/loader.h"
#include "train/config.h"

namespace linattn {

// The split ("train" or "test") of the config's dataset. `cli_data_root` is --data-root (may be
// empty). Errors name the data root, where it came from, and how to get the data.
std::shared_ptr<const Dataset> load_split(const ExperimentConfig& config, const std::string& cli_data_root,
                                          const std::string& split);

// The folder names a COCO-format dataset may have inside the data root, in the order tried.
const std::vector<std::string>& coco_folder_names();

// The COCO split ("train" or "val") of the config's data, all its images, restricted to
// data.categories (an unknown name is an error naming data.categories and the valid names).
// Errors name the data root, where it came from, and every folder tried.
std::shared_ptr<const CocoDetectionDataset> load_coco_split(const ExperimentConfig& config,
                                                            const std::string& cli_data_root, const std::string& split);

// The first `count` images of a COCO dataset (0, or more than it has: all), in its order
// (increasing image id), as a DetectionDataset for the detection loader.
class CocoSubset : public DetectionDataset {
 public:
  CocoSubset(std::shared_ptr<const CocoDetectionDataset> coco, std::int64_t count);
  std::int64_t size() const override { return size_; }
  DetectionSample get(std::int64_t index) const override;
  const std::vector<std::string>& class_names() const override { return coco_->class_names(); }
  const CocoDetectionDataset& coco() const { return *coco_; }

 private:
  std::shared_ptr<const CocoDetectionDataset> coco_;
  std::int64_t size_;
};

// `instances` restricted to the images `image_ids` (in the file's order) and their annotations;
// the categories stay. An id that is not an image of `instances` is an error naming it.
CocoInstances restrict_to_images(const CocoInstances& instances, const std::vector<std::int64_t>& image_ids);

// Training: shuffled with config.seed, the config's augmentations, normalized.
LoaderOptions train_loader_options(const ExperimentConfig& config);
// Evaluation: in order, no augmentation, normalized the same way.
LoaderOptions eval_loader_options(const ExperimentConfig& config);

}  // namespace linattn
