// train/tasks/classification.h — image classification as a Task (train/task.h), the default
// `task: classification`: CIFAR-10 loaders from the data config (train/data_setup.h), the
// cross-entropy of an ImageClassifier's logits against the labels (label smoothing; mixup /
// cutmix soft targets when on, train/loss.h), and the test split's mean cross-entropy, top-1 and
// top-5 (train/evaluate.h). Its metrics.jsonl values are exactly those of linattn before tasks
// existed — "test_loss", "test_acc", "test_top5", in this order — and the best checkpoint is the
// highest test_acc.
#pragma once
#include "models/classifier.h"
#include "train/task.h"

namespace linattn {

inline constexpr const char* kClassificationTask = "classification";

class ClassificationTask : public Task {
 public:
  explicit ClassificationTask(ExperimentConfig config);

  std::string name() const override { return kClassificationTask; }
  const MetricsLayout& metrics() const override { return layout_; }
  void check_model(Module& model) const override;
  TaskLoaders make_loaders(const std::string& cli_data_root, const InjectedData& injected) const override;
  std::unique_ptr<DataLoader> make_test_loader(const std::string& cli_data_root) const override;
  // Logits (B, K) of images (B, 3, S, S) against labels (B), or soft targets (B, K) when mixed.
  Tensor loss(Module& model, const Batch& batch, const ToDevice& to_device) const override;
  TaskEvaluation evaluate(Module& model, DataLoader& loader, Device device,
                          const std::function<bool()>& should_stop = {}) const override;
  // Images (B, 3, S, S) ~ N(0, 1) and labels uniform in [0, K).
  Batch synthetic_batch(std::int64_t B, Device device, Generator& gen) const override;

 private:
  ImageClassifier& classifier(Module& model) const;  // the model as a classifier, or an error
  std::shared_ptr<const Dataset> split(const std::string& cli_data_root, const std::string& name,
                                       std::shared_ptr<const Dataset> injected) const;

  ExperimentConfig config_;
  MetricsLayout layout_;
};

}  // namespace linattn
