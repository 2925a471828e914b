// data/detection_collate.cpp — see detection_collate.h.
#include "data/detection_collate.h"

#include <algorithm>

#include "core/error.h"

namespace linattn {

Batch collate_detection(const std::vector<DetectionSample>& samples, const std::vector<std::int64_t>& indices,
                        std::int64_t num_classes, const DetectionTransformOptions& o, DetectionMode mode,
                        Generator& gen) {
  validate(o);
  LINATTN_CHECK(!samples.empty(), "collate_detection: empty batch");
  LINATTN_CHECK(samples.size() == indices.size(), "collate_detection: ", samples.size(), " samples but ",
                indices.size(), " indices");
  const auto B = static_cast<std::int64_t>(samples.size());
  const std::int64_t S = o.image_size;
  Batch batch;
  batch.indices = indices;
  batch.images = Tensor::empty({B, 3, S, S});  // B x 3 x S x S
  float* x = batch.images.data<float>();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const DetectionSample& s = samples[i];
    for (std::int64_t label : s.labels)
      LINATTN_CHECK(label >= 0 && label < num_classes, "collate_detection: sample ", indices[i], " (image id ",
                    s.image_id, ") has label ", label, " outside [0, ", num_classes, ")");
    BoxedImage out = mode == DetectionMode::Train ? detection_train_transform(s, o, gen) : detection_eval_transform(s, o);
    batch.targets.push_back(to_canvas(out, o, x + static_cast<std::int64_t>(i) * 3 * S * S));
    batch.image_ids.push_back(s.image_id);
    // out.scale is canvas px per px of the decoded image; a dataset that decoded the image at
    // another size than the annotation file's adds that ratio (long sides, aspect kept).
    const std::int64_t orig_h = s.original_height > 0 ? s.original_height : s.image.height;
    const std::int64_t orig_w = s.original_width > 0 ? s.original_width : s.image.width;
    batch.original_sizes.push_back({orig_h, orig_w});
    const double decoded_per_original =
        static_cast<double>(std::max(s.image.height, s.image.width)) / static_cast<double>(std::max(orig_h, orig_w));
    batch.scales.push_back(out.scale * decoded_per_original);
  }
  return batch;
}

DetectionBatches::DetectionBatches(std::shared_ptr<const DetectionDataset> dataset, DetectionTransformOptions options,
                                   DetectionMode mode)
    : dataset_(std::move(dataset)), options_(std::move(options)), mode_(mode) {
  LINATTN_CHECK(dataset_ != nullptr, "DetectionBatches: no dataset");
  validate(options_);
}

Batch DetectionBatches::make(const std::vector<std::int64_t>& indices, Generator& gen) const {
  std::vector<DetectionSample> samples;
  samples.reserve(indices.size());
  for (std::int64_t i : indices) samples.push_back(dataset_->get(i));
  return collate_detection(samples, indices, dataset_->num_classes(), options_, mode_, gen);
}

}  // namespace linattn
