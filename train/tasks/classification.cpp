// train/tasks/classification.cpp — see classification.h.
#include "train/tasks/classification.h"

#include "core/factory.h"
#include "models/model_type.h"
#include "train/data_setup.h"
#include "train/dataset_info.h"
#include "train/evaluate.h"
#include "train/loss.h"

namespace linattn {

namespace {

MetricsLayout classification_layout() {
  MetricsLayout layout;
  layout.values = {{"test_loss", "test loss", /*loss=*/true, /*percent=*/false},
                   {"test_acc", "top-1", false, true},
                   {"test_top5", "top-5", false, true}};
  layout.score_chart = "Test accuracy";
  layout.best = {"test_acc", /*higher_is_better=*/true};
  return layout;
}

// Loader options normalized with the dataset's own statistics.
LoaderOptions with_statistics(LoaderOptions o, const DataConfig& data) {
  o.augment.mean = dataset_info(data).mean;
  o.augment.stddev = dataset_info(data).std;
  return o;
}

}  // namespace

ClassificationTask::ClassificationTask(ExperimentConfig config)
    : config_(std::move(config)), layout_(classification_layout()) {}

ImageClassifier& ClassificationTask::classifier(Module& model) const {
  auto* c = dynamic_cast<ImageClassifier*>(&model);
  LINATTN_CHECK(c != nullptr, "model.name: model '", config_.model.name, "' is not an image classifier, but task '",
                kClassificationTask, "' needs one (logits (B, K) of images (B, 3, H, W))");
  return *c;
}

void ClassificationTask::check_model(Module& model) const { classifier(model); }

std::shared_ptr<const Dataset> ClassificationTask::split(const std::string& cli_data_root, const std::string& name,
                                                         std::shared_ptr<const Dataset> injected) const {
  std::shared_ptr<const Dataset> set = injected ? std::move(injected) : load_split(config_, cli_data_root, name);
  const std::int64_t classes = model_num_classes(config_.model);  // the model's num_classes option
  LINATTN_CHECK(set->num_classes() == classes, "model.num_classes is ", classes, " but the dataset has ",
                set->num_classes(), " classes");
  return set;
}

TaskLoaders ClassificationTask::make_loaders(const std::string& cli_data_root, const InjectedData& injected) const {
  auto train = split(cli_data_root, "train", injected.train_set);
  auto test = split(cli_data_root, "test", injected.test_set);
  return {std::make_unique<DataLoader>(train, with_statistics(train_loader_options(config_), config_.data)),
          std::make_unique<DataLoader>(test, with_statistics(eval_loader_options(config_), config_.data))};
}

std::unique_ptr<DataLoader> ClassificationTask::make_test_loader(const std::string& cli_data_root) const {
  return std::make_unique<DataLoader>(load_split(config_, cli_data_root, "test"),
                                      with_statistics(eval_loader_options(config_), config_.data));
}

Tensor ClassificationTask::loss(Module& model, const Batch& batch, const ToDevice& to_device) const {
  ImageClassifier& net = classifier(model);
  Tensor images = to_device(batch.images);  // B x 3 x H x W, queued without waiting
  Tensor labels = to_device(batch.labels), soft_targets = to_device(batch.soft_targets);
  Tensor logits = net.forward(images);  // B x K
  // Device kernels do not range-check labels: check the host copy.
  if (!batch.soft_targets.defined() && batch.labels.device().is_cpu()) check_labels(batch.labels, logits.size(1));
  return classification_loss(logits, labels, soft_targets, config_.data.augment.label_smoothing);
}

TaskEvaluation ClassificationTask::evaluate(Module& model, DataLoader& loader, Device device,
                                            const std::function<bool()>& should_stop) const {
  EvalResult r = linattn::evaluate(classifier(model), loader, device, should_stop);
  return {{{"test_loss", r.loss}, {"test_acc", r.top1}, {"test_top5", r.top5}}, r.count, r.complete};
}

Batch ClassificationTask::synthetic_batch(std::int64_t B, Device device, Generator& gen) const {
  const std::int64_t side = dataset_info(config_.data).image_size;
  LINATTN_CHECK(side > 0, "data.dataset: ", to_string(config_.data.dataset),
                " has no fixed image size for a synthetic classification batch");
  Batch batch;
  batch.images = randn({B, 3, side, side}, {.device = device}, &gen);
  Tensor labels = Tensor::empty({B}, {.dtype = DType::I64});
  for (std::int64_t i = 0; i < B; ++i) labels.data<std::int64_t>()[i] = gen.randint(0, model_num_classes(config_.model));
  batch.labels = labels.to(device);
  batch.indices.resize(static_cast<std::size_t>(B));
  return batch;
}

}  // namespace linattn
