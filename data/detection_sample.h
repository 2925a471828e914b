// data/detection_sample.h — one image of a detection dataset as the dataset hands it to the
// detection transforms (data/box_transforms.h): the decoded image, its objects in pixel
// coordinates of that image, and what is needed to map predictions back to the original file.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "data/image.h"

namespace linattn {

struct DetectionSample {
  ImageView image;                     // H x W x 3 uint8
  std::shared_ptr<const Image> owner;  // keeps `image` alive
  std::int64_t image_id = 0;           // the dataset's image id (COCO's `image.id`)
  std::int64_t original_width = 0, original_height = 0;  // as the annotation file gives them
  std::vector<std::array<float, 4>> boxes;  // T x 4, x1 y1 x2 y2 in pixels of `image`
  std::vector<std::int64_t> labels;          // T contiguous class indices
};

}  // namespace linattn
