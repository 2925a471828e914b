// models/classifier.h — the interface every image-classification model implements (ViT, EAMLP,
// the tests' tiny models): images in, class logits out. The trainer (train/trainer.h) and the
// `linattn eval` command only ever see this interface; train/model_factory.h builds one from a config.
//
// Invariants: forward takes float images (B, 3, H, W) on the model's device and returns logits
// (B, K), K = the config's num_classes. Training-time behaviour (dropout, ...) follows
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
