// tests/train/test_task.cpp — the task seam (train/task.h): the registry, classification's
// metrics layout (today's metrics.jsonl fields, in order, best = highest top-1), its loss being
// exactly the trainer's former inline loss, its model check, and its synthetic batches.
#include <doctest/doctest.h>

#include <algorithm>

#include "data/loader.h"
#include "fixtures/tiny.h"
#include "train/checkpoint.h"
#include "train/loss.h"
#include "train/run_dir.h"
#include "train/task.h"
#include "train/tasks/classification.h"
#include "train/trainer.h"

using namespace linattn;

namespace {

Tensor identity(const Tensor& t) { return t; }

// A Module that is no classifier.
class NotAClassifier : public Module {};

// A second task for the trainer: classification's data and loss, but one value, "val_loss",
// where lower is better.
class LossOnlyTask : public ClassificationTask {
 public:
  using ClassificationTask::ClassificationTask;
  std::string name() const override { return "loss_only"; }
  const MetricsLayout& metrics() const override { return layout_; }
  TaskEvaluation evaluate(Module& model, DataLoader& loader, Device device,
                          const std::function<bool()>& should_stop) const override {
    TaskEvaluation r = ClassificationTask::evaluate(model, loader, device, should_stop);
    return {{{"val_loss", r.values[0].value}}, r.count, r.complete};
  }

 private:
  MetricsLayout layout_{{{"val_loss", "val loss", true, false}}, "Validation", {"val_loss", false}};
};

}  // namespace

TEST_CASE("task registry: classification is built in; an unknown task lists the known ones") {
  const auto names = registered_tasks();
  CHECK(std::find(names.begin(), names.end(), "classification") != names.end());
  const ExperimentConfig c = testing::tiny_config();
  CHECK(make_task("classification", c)->name() == "classification");
  CHECK_THROWS_WITH_AS(make_task("segmentation", c), doctest::Contains("no task called 'segmentation'"), Error);
  CHECK_THROWS_WITH_AS(make_task("segmentation", c), doctest::Contains("known tasks: classification, detection"), Error);
  CHECK_THROWS_AS(register_task("", nullptr), Error);
}

TEST_CASE("classification task: today's metric fields, in order; the best checkpoint is the highest top-1") {
  ClassificationTask task(testing::tiny_config());
  const MetricsLayout& layout = task.metrics();
  REQUIRE(layout.values.size() == 3);
  CHECK(layout.values[0].name == "test_loss");
  CHECK(layout.values[1].name == "test_acc");
  CHECK(layout.values[2].name == "test_top5");
  CHECK(layout.best.name == "test_acc");
  CHECK(layout.best.higher_is_better);
  CHECK(layout.best.better(0.5, 0.4));
  CHECK(describe_values(layout, {{"test_loss", 1.23456}, {"test_acc", 0.45}, {"test_top5", 0.9}}) ==
        "test loss 1.2346, top-1 45.00%, top-5 90.00%");
}

TEST_CASE("classification task: the loss is the label-smoothed / soft-target cross-entropy of the logits") {
  ExperimentConfig c = testing::tiny_config();
  c.data.augment.label_smoothing = 0.1;
  ClassificationTask task(c);
  Generator g(3);
  testing::TinyClassifier model(8, 8, 6, 10, g);
  auto data = std::make_shared<testing::TintDataset>(8, 8, 8, 10, 1);
  LoaderOptions o;
  o.batch_size = 4;
  o.augment.normalize = true;
  DataLoader loader(data, o);
  loader.start_epoch(0);
  Batch batch = *loader.next();
  const double expected = classification_loss(model.forward(batch.images), batch.labels, Tensor(), 0.1).item();
  CHECK(task.loss(model, batch, identity).item() == expected);  // bit for bit

  batch.soft_targets = one_hot(batch.labels, 10);
  const double soft = soft_cross_entropy(model.forward(batch.images), batch.soft_targets, 0.1).item();
  CHECK(task.loss(model, batch, identity).item() == soft);

  batch.soft_targets = Tensor();
  batch.labels.data<std::int64_t>()[0] = 10;  // out of range: caught on the host copy
  CHECK_THROWS_WITH_AS(task.loss(model, batch, identity), doctest::Contains("label 10"), Error);
}

TEST_CASE("classification task: a model that is no classifier is an error naming model.name") {
  ClassificationTask task(testing::tiny_config());
  NotAClassifier m;
  CHECK_THROWS_WITH_AS(task.check_model(m), doctest::Contains("is not an image classifier"), Error);
  CHECK_THROWS_WITH_AS(task.check_model(m), doctest::Contains("model.name"), Error);
}

TEST_CASE("classification task: synthetic batches have the config's geometry and valid labels") {
  ClassificationTask task(testing::tiny_config());
  Generator g(1), h(1);
  Batch b = task.synthetic_batch(5, Device::cpu(), g);
  CHECK(b.images.shape() == Shape{5, 3, 32, 32});
  REQUIRE(b.labels.shape() == Shape{5});
  for (std::int64_t y : b.labels.to_vector<std::int64_t>()) CHECK((y >= 0 && y < 10));
  CHECK(task.synthetic_batch(5, Device::cpu(), h).images.to_vector<float>() == b.images.to_vector<float>());
}

TEST_CASE("trainer: runs the config's task — its metric fields and its best-checkpoint rule") {
  register_task("loss_only", [](const ExperimentConfig& c) { return std::make_unique<LossOnlyTask>(c); });
  testing::Scratch dir("task");
  ExperimentConfig c = testing::tiny_config();
  c.task = "loss_only";
  c.train.epochs = 3;
  Generator g(1);
  auto model = std::make_shared<testing::TinyClassifier>(8, 8, c.model.options.get<ViTOptions>().dim, c.model.options.get<ViTOptions>().num_classes, g);
  auto train = std::make_shared<testing::TintDataset>(48, 8, 8, 10, 1);
  auto test = std::make_shared<testing::TintDataset>(16, 8, 8, 10, 2);
  TrainerOptions o;
  o.run_dir = dir.str("run");
  o.console = false;
  Trainer trainer(c, o, TrainerParts{model, train, test});
  CHECK(trainer.task().name() == "loss_only");
  REQUIRE(trainer.run().status == RunStatus::Completed);

  RunPaths p(o.run_dir);
  const std::string text = testing::read_text(p.metrics);
  const std::string first = text.substr(0, text.find('\n'));
  CHECK(first.find("\"train_loss\":") < first.find("\"val_loss\":"));
  CHECK(first.find("\"val_loss\":") < first.find("\"lr\":"));
  CHECK(first.find("test_acc") == std::string::npos);
  const auto metrics = read_metrics(p.metrics);
  REQUIRE(metrics.size() == 3);
  std::size_t lowest = 0;
  for (std::size_t i = 1; i < metrics.size(); ++i)
    if (*metrics[i].value("val_loss") < *metrics[lowest].value("val_loss")) lowest = i;
  const TrainingState best = read_training_state(p.best);
  CHECK(best.best_metric == "val_loss");
  CHECK(best.best_value == metrics[lowest].value("val_loss"));
  CHECK(best.best_epoch == metrics[lowest].epoch);
  CHECK(load_config(p.config).task == "loss_only");
  CHECK(testing::read_text(p.report).find("val loss") != std::string::npos);
}
