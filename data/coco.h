// data/coco.h — the COCO detection dataset: an instances JSON file (data/coco_json.h) plus the
// folder of its images, served as DetectionSamples (data/detection_sample.h) to the detection
// loader (data/detection_collate.h). Built by the trainer from the config's data section; its
// instances() are the ground truth the evaluator (detection/coco_eval.h) compares against.
//
// Order: samples follow increasing image id (as torchvision's CocoDetection), whatever the
// file's order. Classes: the file's categories sorted by id, or only those named in
// `categories` (data/category_map.h); annotations of other categories are no targets.
// Targets: a box is x1 y1 x2 y2 = (x, y, x + w, y + h) clipped to the image. Crowd annotations
// (iscrowd 1) are no targets but stay in instances() for evaluation; a box narrower or lower than
// 1 px after clipping is dropped. Both are counted once, at construction (stats(), summary()).
// An image with no target is a valid sample (its boxes and labels are empty).
//
// Construction parses the JSON and checks that every image file exists (a missing one fails
// here, naming its full path); get(i) decodes image i (thread-safe, a pure function of i) and
// checks that its size is the one the JSON gives.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/category_map.h"
#include "data/coco_json.h"
#include "data/detection_dataset.h"

namespace linattn {

struct CocoDatasetOptions {
  std::string annotation_file;          // instances_*.json
  std::string image_dir;                // folder the images' file_name is relative to
  std::vector<std::string> categories;  // category names to keep (e.g. {"person"}); empty: all
};

// What construction made of the annotations; counted once.
struct CocoDatasetStats {
  std::int64_t images = 0;              // samples
  std::int64_t annotations = 0;         // annotations in the file
  std::int64_t other_categories = 0;    // annotations of categories outside the filter
  std::int64_t crowd_skipped = 0;       // iscrowd annotations (kept for evaluation only)
  std::int64_t degenerate_dropped = 0;  // w or h < 1 px after clipping to the image
  std::int64_t targets = 0;             // boxes served as training targets
  std::int64_t empty_images = 0;        // images with no target
};

// `all` restricted to the categories named (all images kept; only those categories and their
// annotations). Unknown names are an error listing the valid ones. Empty `category_names`: `all`.
// Used to evaluate a run trained on some categories against the matching ground truth.
CocoInstances filter_coco_instances(const CocoInstances& all, const std::vector<std::string>& category_names);
// The same for the categories of a map (e.g. one read back from a run's categories.json), matched
// by id; an id whose name differs between the two is an error.
CocoInstances filter_coco_instances(const CocoInstances& all, const CategoryMap& categories);

class CocoDetectionDataset : public DetectionDataset {
 public:
  explicit CocoDetectionDataset(const CocoDatasetOptions& options);

  std::int64_t size() const override { return static_cast<std::int64_t>(order_.size()); }
  DetectionSample get(std::int64_t index) const override;
  const std::vector<std::string>& class_names() const override { return category_map_.names(); }

  const CategoryMap& category_map() const { return category_map_; }
  // The ground truth to evaluate against: the file's instances restricted to the dataset's
  // categories (the whole file without a filter), crowd annotations included.
  const CocoInstances& instances() const { return *instances_; }
  const CocoInstances& all_instances() const { return *all_instances_; }  // the whole file
  const CocoImage& image_info(std::int64_t index) const;
  std::string image_path(std::int64_t index) const;
  // The targets of sample `index` without decoding its image: T x 4 boxes (x1 y1 x2 y2, px), T labels.
  const std::vector<std::array<float, 4>>& boxes(std::int64_t index) const;
  const std::vector<std::int64_t>& labels(std::int64_t index) const;

  const CocoDatasetOptions& options() const { return options_; }
  const CocoDatasetStats& stats() const { return stats_; }
  // One line for the log, e.g. "COCO …/instances_train.json: 2729 images, 25053 annotations ->
  // 24996 targets in 80 classes (40 crowd skipped, 17 degenerate (< 1 px) dropped, 0 images
  // without targets)"; with a filter it names the classes and counts the other categories.
  std::string summary() const;

 private:
  void check_index(std::int64_t index) const;

  CocoDatasetOptions options_;
  std::shared_ptr<const CocoInstances> all_instances_, instances_;
  CategoryMap category_map_;
  std::vector<std::size_t> order_;                        // sample -> position in images
  std::vector<std::vector<std::array<float, 4>>> boxes_;  // per sample: T x 4
  std::vector<std::vector<std::int64_t>> labels_;         // per sample: T
  CocoDatasetStats stats_;
};

}  // namespace linattn
