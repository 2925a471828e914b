// train/dataset_info.cpp — see dataset_info.h.
#include "train/dataset_info.h"

namespace linattn {

const DatasetInfo& dataset_info(const DataConfig& data) {
  // CIFAR-10: 32×32 images of 10 classes; the statistics of its training images.
  static const DatasetInfo cifar10{"CIFAR-10", 32, 10, {0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
  // COCO: images of any size (letterboxed to the detection task's canvas), classes from the
  // annotations; ImageNet's statistics, as DETR uses (data/box_transforms.h).
  static const DatasetInfo coco{"COCO", 0, 0, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  switch (data.dataset) {
    case DatasetName::Cifar10: return cifar10;
    case DatasetName::Coco: return coco;
  }
  return cifar10;
}

}  // namespace linattn
