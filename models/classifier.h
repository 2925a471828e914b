// models/classifier.h — the interface every image-classification model implements (ViT, EAMLP,
// the tests' tiny models): images in, class logits out. The classification task
// (train/tasks/classification.h) is what calls it; the trainer, `linattn eval` and `linattn bench`
// see a Module and the task. models/model_type.h builds one from a config. Detectors implement
// models/detector.h instead.
//
// Invariants: forward takes float images (B, 3, H, W) on the model's device and returns logits
// (B, K), K = the dataset's classes (model.num_classes). Training-time behaviour (dropout, ...) follows
// Module::is_training(); the trainer switches train()/eval() around evaluation.
#pragma once
#include "core/tensor.h"
#include "layers/module.h"

namespace linattn {

class ImageClassifier : public Module {
 public:
  virtual Tensor forward(const Tensor& images) = 0;  // B x 3 x H x W -> B x K
};

}  // namespace linattn
