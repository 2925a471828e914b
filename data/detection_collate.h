// data/detection_collate.h — detection batches: each sample of a DetectionDataset through the
// train or eval transforms (data/box_transforms.h), stacked onto B x 3 x S x S canvases with
// their targets of varying length, image ids, original sizes and letterbox scales.
// DetectionBatches is the BatchSource a DataLoader (data/loader.h) serves detection batches
// from, with the same scheduling, seeding and resuming as classification:
//   DataLoader loader(std::make_shared<DetectionBatches>(dataset, transform, DetectionMode::Train), options);
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/rng.h"
#include "data/batch.h"
#include "data/box_transforms.h"
#include "data/detection_dataset.h"
#include "data/loader.h"

namespace linattn {

enum class DetectionMode { Train, Eval };  // train: random transforms; eval: letterbox only

// Assembles samples into a detection Batch (labels and soft_targets stay undefined). Per image:
// targets[i] (labels checked against num_classes), image_ids[i], original_sizes[i] = the sample's
// (original_height, original_width), or its image's size where those are 0, and scales[i] =
// canvas px per original px. The samples draw from gen one after another, in order.
Batch collate_detection(const std::vector<DetectionSample>& samples, const std::vector<std::int64_t>& indices,
                        std::int64_t num_classes, const DetectionTransformOptions& options, DetectionMode mode,
                        Generator& gen);

class DetectionBatches : public BatchSource {
 public:
  DetectionBatches(std::shared_ptr<const DetectionDataset> dataset, DetectionTransformOptions options,
                   DetectionMode mode);
  std::int64_t size() const override { return dataset_->size(); }
  Batch make(const std::vector<std::int64_t>& indices, Generator& gen) const override;
  const DetectionDataset& dataset() const { return *dataset_; }
  const DetectionTransformOptions& options() const { return options_; }
  DetectionMode mode() const { return mode_; }

 private:
  std::shared_ptr<const DetectionDataset> dataset_;
  DetectionTransformOptions options_;
  DetectionMode mode_;
};

}  // namespace linattn
