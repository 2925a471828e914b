// models/detector.h — the interface every set-prediction object detector implements (DETR-lite,
// next): images in, for each of Q object queries a class score vector and a box out, plus the
// same from every earlier decoder layer (DETR's auxiliary outputs). The detection task
// (train/tasks/, with detection/set_criterion.h and detection/postprocess.h) is the only code
// that reads these outputs; it converts them to detection::DetectionOutputs — models/ does not
// depend on detection/, so the output structs are this file's own.
//
// Invariants: forward takes float images (B, 3, S, S) on the model's device (the letterboxed
// canvas of data/detection_collate.h) and returns, for the final decoder layer and for each
// auxiliary one (first layer first), logits (B, Q, K + 1) — the last column "no object" — or
// (B, Q, K) when sigmoid_scores() (focal-loss heads), and boxes (B, Q, 4) as normalized
// (cx, cy, w, h) in [0, 1] of the canvas (after the sigmoid). K = the config's classes.
// Training-time behaviour follows Module::is_training(), as for classifiers.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "layers/module.h"

namespace linattn {

// One decoder layer's predictions.
struct DetectorPrediction {
  Tensor logits;  // (B, Q, K + 1), or (B, Q, K) with sigmoid scores
  Tensor boxes;   // (B, Q, 4) normalized cxcywh
};

struct DetectorOutput {
  DetectorPrediction final;             // the last decoder layer
  std::vector<DetectorPrediction> aux;  // the earlier decoder layers, first layer first (may be empty)
};

class ObjectDetector : public Module {
 public:
  virtual DetectorOutput forward(const Tensor& images) = 0;  // (B, 3, S, S) -> Q predictions per image
  virtual std::int64_t num_queries() const = 0;              // Q
  virtual std::int64_t num_classes() const = 0;              // K, real classes (no-object not counted)
  // true: logits (B, Q, K) scored by a sigmoid per class (focal loss); false: softmax over K + 1.
  virtual bool sigmoid_scores() const { return false; }
};

}  // namespace linattn
