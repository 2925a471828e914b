// train/dataset_info.cpp — see dataset_info.h.
#include "train/dataset_info.h"

namespace linattn {

DatasetInfo dataset_info(const DataConfig& data) {
  switch (data.dataset) {
    case DatasetName::Cifar10:
      // 32×32 images of 10 classes; the statistics of its training images.
      return {"CIFAR-10", kCifar10ImageSize, 10, {0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
    case DatasetName::Coco:
      // Images of any size letterboxed to the canvas; ImageNet's statistics, as DETR uses
      // (data/box_transforms.h).
      return {"COCO", data.image_size > 0 ? data.image_size : kCocoDefaultImageSize,
              data.categories.empty() ? kCocoClasses : static_cast<std::int64_t>(data.categories.size()),
              {0.485f, 0.456f, 0.406f},
              {0.229f, 0.224f, 0.225f}};
  }
  return {};
}

}  // namespace linattn
