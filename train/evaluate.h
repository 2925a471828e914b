// train/evaluate.h — classification metrics on a split: mean cross-entropy, top-1 and top-5
// accuracy. Used by the classification task (train/tasks/classification.h), which the trainer
// and `linattn eval` call after each evaluated epoch / on a checkpoint.
// Runs with no autograd and the model in eval mode (its previous mode is restored).
#pragma once
#include <cstdint>
#include <functional>

#include "core/device.h"
#include "core/tensor.h"
#include "data/loader.h"
#include "models/classifier.h"

namespace linattn {

struct EvalResult {
  double loss = 0;          // mean cross-entropy (no label smoothing)
  double top1 = 0, top5 = 0;  // fractions in [0, 1]
  std::int64_t count = 0;   // images evaluated
  bool complete = true;     // false when `should_stop` cut it short
};

// Counts, over the rows of logits (B, K) and int64 labels (B), the rows whose label is the
// arg-max (first index on ties, like argmax) and the rows whose label ranks among the first 5
// in that order. Copies the logits to the host.
struct TopKCounts {
  std::int64_t top1 = 0, top5 = 0;
};
TopKCounts count_topk(const Tensor& logits, const Tensor& labels);

// One pass over `loader` (epoch 0, in order) on `device`; `should_stop` is polled between batches.
EvalResult evaluate(ImageClassifier& model, DataLoader& loader, Device device,
                    const std::function<bool()>& should_stop = {});

}  // namespace linattn
