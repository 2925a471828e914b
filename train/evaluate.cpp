// train/evaluate.cpp — see evaluate.h. Batches go to the device through pinned staging memory
// without waiting (core/upload.h); the per-batch losses stay on the device in a LossWindow and
// come back in one transfer at the end, summed in batch order (the same double sum on every
// device). The top-k counts read each batch's logits (B x K) on the host: the one wait per batch.
#include "train/evaluate.h"

#include "core/autograd.h"
#include "core/upload.h"
#include "train/loss.h"
#include "train/loss_window.h"

namespace linattn {

TopKCounts count_topk(const Tensor& logits, const Tensor& labels) {
  LINATTN_CHECK(logits.dim() == 2 && labels.dim() == 1 && labels.size(0) == logits.size(0),
                "count_topk: expected logits (B, K) and labels (B), got ", shape_str(logits.shape()), " and ",
                shape_str(labels.shape()));
  const std::int64_t B = logits.size(0), K = logits.size(1);
  const std::vector<float> z = logits.detach().to(DType::F32).cpu().to_vector<float>();
  const std::vector<std::int64_t> y = labels.cpu().to_vector<std::int64_t>();
  TopKCounts counts;
  for (std::int64_t b = 0; b < B; ++b) {
    const float* row = z.data() + b * K;
    const std::int64_t label = y[static_cast<std::size_t>(b)];
    LINATTN_CHECK(label >= 0 && label < K, "count_topk: label ", label, " outside [0, ", K, ")");
    const float target = row[label];
    std::int64_t rank = 0;  // classes ordered before the label (higher score, or equal and earlier)
    for (std::int64_t k = 0; k < K; ++k) rank += row[k] > target || (row[k] == target && k < label);
    counts.top1 += rank == 0;
    counts.top5 += rank < 5;
  }
  return counts;
}

EvalResult evaluate(ImageClassifier& model, DataLoader& loader, Device device,
                    const std::function<bool()>& should_stop) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  EvalResult result;
  double loss_sum = 0;
  std::int64_t top1 = 0, top5 = 0;
  DeviceUploader uploader(device);
  LossWindow losses;  // tagged with the batch size
  loader.start_epoch(0);
  try {
    while (auto batch = loader.next()) {
      if (should_stop && should_stop()) {
        result.complete = false;
        break;
      }
      Tensor logits = model.forward(uploader.upload(batch->images));  // B x K
      const auto B = batch->size();
      check_labels(batch->labels, logits.size(1));
      losses.push(cross_entropy_labels(logits, uploader.upload(batch->labels)), 0, B);
      TopKCounts c = count_topk(logits, batch->labels);
      top1 += c.top1;
      top5 += c.top5;
      result.count += B;
    }
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
  for (const PendingLoss& l : losses.drain()) loss_sum += l.value * static_cast<double>(l.batch);
  if (result.count > 0) {
    const auto n = static_cast<double>(result.count);
    result.loss = loss_sum / n;
    result.top1 = static_cast<double>(top1) / n;
    result.top5 = static_cast<double>(top5) / n;
  }
  return result;
}

}  // namespace linattn
