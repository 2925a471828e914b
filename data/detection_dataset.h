// data/detection_dataset.h — the DetectionDataset interface the detection loader reads from: a
// fixed number of images with their objects, addressed by index. Used by
// data/detection_collate.h; implemented by the COCO dataset (data/coco.h) and by the tests'
// in-memory fakes.
//
// Invariants (as data/dataset.h): get(i) is thread-safe (loader workers call it concurrently)
// and a pure function of i; a sample's image stays valid while the sample (its `owner`) and the
// dataset live; labels are contiguous class indices in [0, num_classes()).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/detection_sample.h"

namespace linattn {

class DetectionDataset {
 public:
  virtual ~DetectionDataset() = default;
  virtual std::int64_t size() const = 0;
  virtual DetectionSample get(std::int64_t index) const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;  // index -> name
  std::int64_t num_classes() const { return static_cast<std::int64_t>(class_names().size()); }
};

}  // namespace linattn
