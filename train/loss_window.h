// train/loss_window.h — LossWindow: the training losses of the steps since the last read-back,
// kept where they were computed (detached () tensors), read back to the host in one transfer.
// Used by the trainer on CUDA so that a step does not wait for the device to print a loss: a
// loss is read only when it is logged (every train.log_every steps, at the epoch's end, before
// a stop's checkpoint). A non-finite loss is found at that read-back, with the exact step it
// came from (train/trainer.cpp documents what that means for the run).
//
// Invariants: drain() returns the pushed losses in push order with their tags, as the doubles
// that Tensor::item() would have given one by one, and empties the window.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace linattn {

struct PendingLoss {
  double value = 0;
  std::int64_t step = 0, batch = 0;  // the 1-based step and the loader's batch position
};

class LossWindow {
 public:
  // `loss`: a one-element tensor on any device (detached here).
  void push(const Tensor& loss, std::int64_t step, std::int64_t batch);
  std::vector<PendingLoss> drain();
  bool empty() const { return losses_.empty(); }
  std::size_t size() const { return losses_.size(); }

 private:
  std::vector<Tensor> losses_;
  std::vector<PendingLoss> tags_;
};

}  // namespace linattn
