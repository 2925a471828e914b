// data/dataset.h — the Dataset interface every loader reads from: a fixed number of labelled
// images, addressed by index. Used by data/loader.h; implemented by data/cifar10.h (and later
// the COCO dataset).
//
// Invariants: get(i) is thread-safe (loader workers call it concurrently) and a pure function of
// i; the ImageView in a Sample stays valid while the Sample (its `owner`) and the dataset live.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/image.h"

namespace linattn {

struct Sample {
  ImageView image;                     // H x W x 3 uint8
  std::int64_t label = 0;              // in [0, num_classes)
  std::shared_ptr<const Image> owner;  // set when the dataset decoded the image for this call
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  virtual Sample get(std::int64_t index) const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
  std::int64_t num_classes() const { return static_cast<std::int64_t>(class_names().size()); }
};

}  // namespace linattn
