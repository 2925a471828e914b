// tests/train/test_detection_task.cpp — the `detection` task (train/tasks/detection.h) on a tiny
// COCO folder the tests write (fixtures/tiny_coco.h), with stand-in detectors: its metric fields
// and best-checkpoint rule; its loaders (subsets, the category filter, eval_split, errors); its
// loss being DETR's set criterion of the detector's outputs (aux and focal as configured), finite
// and differentiable; an evaluation of a detector that predicts the ground truth scoring AP 1,
// against the ground truth of exactly the evaluated images; empty evaluations; synthetic
// batches; the backbone's learning-rate groups; a whole training run; and, when $LINATTN_DATA
// holds the COCO subset, the oracle on real val images.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "data/detection_collate.h"
#include "detection/coco_eval.h"
#include "fixtures/tiny.h"
#include "fixtures/tiny_coco.h"
#include "train/checkpoint.h"
#include "train/data_setup.h"
#include "train/param_groups.h"
#include "train/run_dir.h"
#include "train/tasks/detection.h"
#include "train/trainer.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

Tensor identity(const Tensor& t) { return t; }

class NotADetector : public Module {};

// A tiny COCO folder in a scratch directory (the data root).
struct TinyCocoRoot {
  testing::Scratch dir{"coco"};
  TinyCocoRoot() { testing::write_tiny_coco(dir.str()); }
  std::string root() const { return dir.str(); }
};

// task: detection on the tiny COCO folder with the stand-in model, a 64 px canvas, batches of 2.
ExperimentConfig detection_config(const std::string& root, const std::vector<std::string>& overrides = {}) {
  testing::register_tiny_detector();
  std::vector<std::string> all{"data.root=" + root};
  all.insert(all.end(), overrides.begin(), overrides.end());
  return parse_config_string(
      "task: detection\nseed: 1\ndata:\n  dataset: coco\n  image_size: 64\n  batch_size: 2\n  workers: 0\n"
      "model:\n  name: tiny_detector\ntrain:\n  epochs: 2\n  log_every: 1\n",
      "det.yaml", all);
}

std::vector<std::int64_t> ids_of(DataLoader& loader) {
  std::vector<std::int64_t> ids;
  loader.start_epoch(0);
  while (auto b = loader.next()) ids.insert(ids.end(), b->image_ids.begin(), b->image_ids.end());
  return ids;
}

// Every target of the loader's epoch 0, in order: what the oracle will answer.
void teach(testing::OracleDetector& oracle, DataLoader& loader) {
  loader.start_epoch(0);
  while (auto b = loader.next()) oracle.expect(b->targets);
}

// AP of perfect detections: pycocotools' precision tp / (tp + fp + eps) makes it 1 up to rounding.
const doctest::Approx kOne = doctest::Approx(1.0).epsilon(1e-12);

double value(const TaskEvaluation& r, const std::string& name) {
  for (const auto& v : r.values)
    if (v.name == name) {
      REQUIRE(v.value.has_value());
      return *v.value;
    }
  FAIL("no value " << name);
  return 0;
}

}  // namespace

TEST_CASE("detection task: registered; its metric fields in order; the best checkpoint is the highest AP") {
  TinyCocoRoot coco;
  const ExperimentConfig c = detection_config(coco.root());
  auto task = make_task("detection", c);
  CHECK(task->name() == "detection");
  const MetricsLayout& layout = task->metrics();
  std::vector<std::string> names;
  for (const auto& spec : layout.values) names.push_back(spec.name);
  CHECK(names == std::vector<std::string>{"test_loss", "AP", "AP50", "AP75", "APs", "APm", "APl", "AP_person"});
  CHECK(layout.values[0].loss);
  CHECK_FALSE(layout.values[1].loss);
  CHECK(layout.best.name == "AP");
  CHECK(layout.best.higher_is_better);
  CHECK(describe_values(layout, {{"test_loss", 2.5}, {"AP", 0.25}, {"AP50", std::nullopt}}) ==
        "test loss 2.5000, AP 0.2500, AP50 —");
  // person is one of the classes with a filter naming it, not without.
  CHECK(DetectionTask(detection_config(coco.root(), {"data.categories=[dog, person]", "model.num_classes=2"}))
            .metrics()
            .find("AP_person") != nullptr);
  CHECK(DetectionTask(detection_config(coco.root(), {"data.categories=[car]", "model.num_classes=1"}))
            .metrics()
            .find("AP_person") == nullptr);
}

TEST_CASE("detection task: loaders from the COCO folder — subsets, eval_split, the category filter") {
  TinyCocoRoot coco;
  TaskLoaders all = DetectionTask(detection_config(coco.root())).make_loaders("", {});
  CHECK(all.train->source().size() == 6);
  CHECK(all.test->source().size() == 5);
  CHECK(ids_of(*all.test) == std::vector<std::int64_t>{101, 102, 103, 104, 105});
  all.train->start_epoch(0);
  const Batch b = *all.train->next();
  CHECK(b.images.shape() == Shape{2, 3, 64, 64});
  CHECK(b.is_detection());
  const auto* batches = dynamic_cast<const DetectionBatches*>(&all.train->source());
  REQUIRE(batches != nullptr);
  CHECK(batches->mode() == DetectionMode::Train);
  CHECK(batches->options().image_size == 64);
  CHECK(batches->options().hflip_prob == 0.5);
  CHECK(batches->options().scale_min == 0.6);

  const DetectionTask subsets(detection_config(coco.root(), {"data.train_subset=4", "data.test_subset=2"}));
  TaskLoaders some = subsets.make_loaders("", {});
  CHECK(some.train->source().size() == 4);
  CHECK(ids_of(*some.test) == std::vector<std::int64_t>{101, 102});
  CHECK(ids_of(*subsets.make_test_loader("")) == std::vector<std::int64_t>{101, 102});

  // eval_split: train evaluates the first train_subset training images, with the eval transforms.
  const DetectionTask on_train(
      detection_config(coco.root(), {"data.eval_split=train", "data.train_subset=3", "data.augment.flip=false"}));
  TaskLoaders overfit = on_train.make_loaders("", {});
  CHECK(ids_of(*overfit.test) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(dynamic_cast<const DetectionBatches&>(overfit.test->source()).mode() == DetectionMode::Eval);
  CHECK(dynamic_cast<const DetectionBatches&>(overfit.train->source()).options().hflip_prob == 0.0);
  CHECK(ids_of(*on_train.make_test_loader("")) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(ids_of(*DetectionTask(detection_config(coco.root(), {"data.eval_split=train", "data.train_subset=3",
                                                             "data.test_subset=2"}))
                     .make_test_loader("")) == std::vector<std::int64_t>{1, 2});

  // The category filter: one class, person; every image stays.
  const DetectionTask person(detection_config(coco.root(), {"data.categories=[person]", "model.num_classes=1"}));
  TaskLoaders persons = person.make_loaders("", {});
  CHECK(persons.test->source().size() == 5);
  persons.test->start_epoch(0);
  const Batch p = *persons.test->next();  // images 101 (a person and a car), 102 (a dog)
  CHECK(p.targets[0].labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{0});
  CHECK(p.targets[1].size() == 0);

  // Injected splits are used as they are (a sweep loads them once).
  const ExperimentConfig c = detection_config(coco.root());
  InjectedData injected;
  injected.coco_train = load_coco_split(c, "", "train");
  injected.coco_val = load_coco_split(c, "", "val");
  TaskLoaders from_injected = DetectionTask(detection_config("/nonexistent")).make_loaders("", injected);
  CHECK(from_injected.test->source().size() == 5);
}

TEST_CASE("detection task: data errors name the key, the data root and the valid values") {
  TinyCocoRoot coco;
  CHECK_THROWS_WITH_AS(
      DetectionTask(detection_config(coco.root(), {"data.categories=[persn]", "model.num_classes=1"})).make_loaders("", {}),
      doctest::Contains("data.categories: "), Error);
  CHECK_THROWS_WITH_AS(
      DetectionTask(detection_config(coco.root(), {"data.categories=[persn]", "model.num_classes=1"})).make_loaders("", {}),
      doctest::Contains("unknown category 'persn'; valid names: person, car, dog"), Error);
  // The model's classes must be the data's (the stand-in model has no config check of its own).
  CHECK_THROWS_WITH_AS(DetectionTask(detection_config(coco.root(), {"data.categories=[person]", "model.num_classes=3"}))
                           .make_loaders("", {}),
                       doctest::Contains("model.num_classes is 3 but"), Error);
  CHECK_THROWS_WITH_AS(DetectionTask(detection_config(coco.root(), {"data.categories=[person]", "model.num_classes=3"}))
                           .make_loaders("", {}),
                       doctest::Contains("has 1 classes after the data.categories filter (person)"), Error);
  const std::string nowhere = coco.dir.str("nowhere");
  CHECK_THROWS_WITH_AS(DetectionTask(detection_config(nowhere)).make_loaders("", {}),
                       doctest::Contains(("the data root " + nowhere + " (from data.root) does not exist").c_str()), Error);
  fs::create_directories(coco.dir.str("empty_root"));
  CHECK_THROWS_WITH_AS(DetectionTask(detection_config(coco.dir.str("empty_root"))).make_loaders("", {}),
                       doctest::Contains("cannot find a COCO dataset in the data root"), Error);
  // The root may also be the dataset folder itself; --data-root wins over data.root.
  CHECK(DetectionTask(detection_config(coco.root() + "/coco-subset")).make_test_loader("")->source().size() == 5);
  CHECK(DetectionTask(detection_config(nowhere)).make_test_loader(coco.root())->source().size() == 5);
}

TEST_CASE("detection task: a model that is no object detector is an error naming model.name") {
  TinyCocoRoot coco;
  DetectionTask task(detection_config(coco.root()));
  NotADetector m;
  CHECK_THROWS_WITH_AS(task.check_model(m), doctest::Contains("model.name: model 'tiny_detector' is not an object detector"),
                       Error);
  CHECK_THROWS_WITH_AS(task.check_model(m), doctest::Contains("task 'detection' needs one"), Error);
  Generator g(1);
  testing::TinyClassifier classifier(8, 8, 4, 3, g);
  CHECK_THROWS_AS(task.check_model(classifier), Error);
  testing::TinyDetector detector(3, 4, false, g);
  task.check_model(detector);
}

TEST_CASE("detection task: the loss is DETR's set criterion of the detector's outputs, finite and differentiable") {
  TinyCocoRoot coco;
  for (const bool sigmoid : {false, true}) {
    CAPTURE(sigmoid);
    const ExperimentConfig c = detection_config(coco.root(), {"detection.loss_ce=2", "detection.cost_class=3",
                                                              "detection.eos_coef=0.2", "detection.focal_alpha=0.3"});
    const DetectionTask task(c);
    const detection::SetCriterionOptions o = task.criterion_options(3, sigmoid);
    CHECK(o.num_classes == 3);
    CHECK(o.weight_ce == 2);
    CHECK(o.weight_bbox == 5);
    CHECK(o.eos_coef == 0.2);
    CHECK(o.focal == sigmoid);
    CHECK(o.focal_alpha == 0.3);
    CHECK(o.matcher.cost_class == 3);
    CHECK(o.matcher.focal == sigmoid);
    CHECK(o.matcher.focal_alpha == 0.3);

    Generator g(5);
    testing::TinyDetector model(3, 6, sigmoid, g);
    TaskLoaders loaders = task.make_loaders("", {});
    loaders.train->start_epoch(0);
    const Batch batch = *loaders.train->next();
    const Tensor loss = task.loss(model, batch, identity);
    CHECK(loss.dim() == 0);
    CHECK(std::isfinite(loss.item()));
    // Bit for bit the criterion with the auxiliary output, and more than without it.
    const double expected =
        detection::set_criterion(to_detection_outputs(model.forward(batch.images), true), batch.targets, o).total.item();
    CHECK(loss.item() == expected);
    const double without_aux =
        DetectionTask(detection_config(coco.root(), {"detection.loss_ce=2", "detection.cost_class=3",
                                                     "detection.eos_coef=0.2", "detection.focal_alpha=0.3",
                                                     "detection.aux_loss=false"}))
            .loss(model, batch, identity)
            .item();
    CHECK(without_aux ==
          detection::set_criterion(to_detection_outputs(model.forward(batch.images), false), batch.targets, o).total.item());
    CHECK(without_aux < loss.item());
    // Every parameter gets a gradient.
    loss.backward();
    for (const auto& [name, p] : model.named_parameters()) {
      CAPTURE(name);
      REQUIRE(p.grad().defined());
      double norm = 0;
      for (float v : p.grad().to_vector<float>()) norm += std::abs(v);
      CHECK(norm > 0);
    }
  }
  // A classification batch is no detection batch.
  Batch plain;
  plain.images = zeros({1, 3, 64, 64});
  plain.indices = {0};
  Generator g(1);
  testing::TinyDetector model(3, 2, false, g);
  CHECK_THROWS_WITH_AS(DetectionTask(detection_config(coco.root())).loss(model, plain, identity),
                       doctest::Contains("expected a detection batch"), Error);
}

TEST_CASE("detection task: a detector that predicts the ground truth scores AP 1 (softmax and sigmoid scores)") {
  TinyCocoRoot coco;
  for (const bool sigmoid : {false, true}) {
    CAPTURE(sigmoid);
    const DetectionTask task(detection_config(coco.root()));
    auto loader = task.make_test_loader("");
    testing::OracleDetector oracle(3, 4, sigmoid);
    teach(oracle, *loader);
    const TaskEvaluation r = task.evaluate(oracle, *loader, Device::cpu());
    CHECK(oracle.pending() == 0);
    CHECK(r.complete);
    CHECK(r.count == 5);
    CHECK(value(r, "AP") == kOne);
    CHECK(value(r, "AP50") == kOne);
    CHECK(value(r, "AP75") == kOne);
    CHECK(value(r, "APs") == kOne);
    CHECK(value(r, "APm") == kOne);   // image 105's car
    CHECK(value(r, "APl") == -1.0);  // no large ground truth: pycocotools' -1
    CHECK(value(r, "AP_person") == kOne);
    const double loss = value(r, "test_loss");
    CHECK(std::isfinite(loss));
    CHECK(loss < 0.5);  // near-perfect predictions
    CHECK(oracle.is_training());  // the mode is restored
  }
}

TEST_CASE("detection task: the ground truth is restricted to the evaluated images") {
  TinyCocoRoot coco;
  // Two images evaluated: without the restriction the other images' objects would be misses.
  const DetectionTask task(detection_config(coco.root(), {"data.test_subset=2"}));
  auto loader = task.make_test_loader("");
  testing::OracleDetector oracle(3, 4, false);
  teach(oracle, *loader);
  TaskEvaluation r = task.evaluate(oracle, *loader, Device::cpu());
  CHECK(r.count == 2);
  CHECK(value(r, "AP") == kOne);
  // A pass cut short by should_stop covers the images it saw.
  const DetectionTask all(detection_config(coco.root()));
  auto full = all.make_test_loader("");
  testing::OracleDetector partial(3, 4, false);
  teach(partial, *full);
  int polls = 0;
  r = all.evaluate(partial, *full, Device::cpu(), [&] { return ++polls > 2; });
  CHECK_FALSE(r.complete);
  CHECK(r.count == 4);
  CHECK(value(r, "AP") == kOne);

  const ExperimentConfig c = detection_config(coco.root());
  const auto val = load_coco_split(c, "", "val");
  const CocoInstances some = restrict_to_images(val->instances(), {103, 101});
  CHECK(some.images.size() == 2);
  CHECK(some.annotations.size() == 4);  // 101: two; 103: one and the crowd region
  CHECK(some.categories.size() == 3);
  CHECK_THROWS_WITH_AS(restrict_to_images(val->instances(), {101, 7}), doctest::Contains("no image with id 7"), Error);
}

TEST_CASE("detection task: with data.categories [person], AP_person is the one class's AP") {
  TinyCocoRoot coco;
  const DetectionTask task(detection_config(coco.root(), {"data.categories=[person]", "model.num_classes=1"}));
  auto loader = task.make_test_loader("");
  testing::OracleDetector oracle(1, 4, true);
  teach(oracle, *loader);
  const TaskEvaluation r = task.evaluate(oracle, *loader, Device::cpu());
  CHECK(value(r, "AP") == kOne);
  CHECK(value(r, "AP_person") == kOne);
  CHECK(value(r, "APm") == -1.0);  // the only medium object is a car
  // A detector of the wrong class count cannot be evaluated on this data.
  testing::OracleDetector three(3, 4, true);
  CHECK_THROWS_WITH_AS(task.evaluate(three, *loader, Device::cpu()), doctest::Contains("predicts 3 classes"), Error);
}

TEST_CASE("detection task: an evaluation of no images gives no values and does not crash") {
  TinyCocoRoot coco;
  const DetectionTask task(detection_config(coco.root()));
  auto loader = task.make_test_loader("");
  testing::OracleDetector oracle(3, 4, false);
  TaskEvaluation r = task.evaluate(oracle, *loader, Device::cpu(), [] { return true; });
  CHECK(r.count == 0);
  CHECK_FALSE(r.complete);
  REQUIRE(r.values.size() == 8);
  for (const auto& v : r.values) CHECK_FALSE(v.value.has_value());
  // A split without images.
  const fs::path empty = coco.dir.str("empty") + "/coco-subset";
  fs::create_directories(empty / "annotations");
  fs::create_directories(empty / "val");
  std::ofstream(empty / "annotations/instances_val.json")
      << "{\"images\": [], \"annotations\": [], \"categories\": " << testing::kTinyCocoCategories << "}";
  auto none = DetectionTask(detection_config(coco.dir.str("empty"))).make_test_loader("");
  CHECK(none->num_batches() == 0);
  r = task.evaluate(oracle, *none, Device::cpu());
  CHECK(r.count == 0);
  CHECK(r.complete);
  EvalReport report;
  r = task.evaluate_report(oracle, *none, Device::cpu(), {coco.dir.str(), ""}, report);
  CHECK(r.count == 0);
  CHECK(report.files.empty());
}

TEST_CASE("detection task: synthetic batches have the canvas, valid boxes and labels, and a finite loss") {
  TinyCocoRoot coco;
  const DetectionTask task(detection_config(coco.root()));
  Generator g(3), h(3);
  const Batch b = task.synthetic_batch(6, Device::cpu(), g);
  CHECK(b.images.shape() == Shape{6, 3, 64, 64});
  REQUIRE(b.targets.size() == 6);
  CHECK(b.image_ids.size() == 6);
  CHECK(b.scales == std::vector<double>(6, 1.0));
  std::int64_t total = 0;
  for (const DetectionTarget& t : b.targets) {
    CHECK((t.size() >= 0 && t.size() <= 5));
    total += t.size();
    for (std::int64_t y : t.labels.to_vector<std::int64_t>()) CHECK((y >= 0 && y < 3));
    const std::vector<float> box = t.boxes.to_vector<float>();
    for (std::size_t i = 0; i < box.size(); i += 4) {
      CHECK(box[i + 2] > 0);
      CHECK(box[i + 3] > 0);
      CHECK(box[i] - box[i + 2] / 2 >= -1e-6f);
      CHECK(box[i] + box[i + 2] / 2 <= 1 + 1e-6f);
      CHECK(box[i + 1] - box[i + 3] / 2 >= -1e-6f);
      CHECK(box[i + 1] + box[i + 3] / 2 <= 1 + 1e-6f);
    }
  }
  CHECK(total > 0);
  const Batch again = task.synthetic_batch(6, Device::cpu(), h);
  CHECK(again.images.to_vector<float>() == b.images.to_vector<float>());
  CHECK(again.targets[5].boxes.to_vector<float>() == b.targets[5].boxes.to_vector<float>());
  Generator m(2);
  testing::TinyDetector model(3, 6, true, m);
  CHECK(std::isfinite(task.loss(model, b, identity).item()));
}

TEST_CASE("optim.backbone_lr_scale: the backbone's groups train at lr · scale, and the schedule keeps the ratio") {
  Generator g(1);
  testing::TinyDetector model(3, 2, false, g);
  OptimConfig optim;
  optim.lr = 1e-3;
  optim.backbone_lr_scale = 0.1;
  const auto groups = optimizer_groups(optim, model);
  REQUIRE(groups.size() == 4);  // decay, no decay; then the backbone's decay, no decay
  CHECK(groups[0].params.size() == 4);
  CHECK(groups[1].params.size() == 4);
  CHECK(groups[2].params.size() == 1);  // backbone.weight
  CHECK(groups[3].params.size() == 1);  // backbone.bias
  CHECK_FALSE(groups[0].lr.has_value());
  CHECK(*groups[2].lr == optim.lr * 0.1);
  CHECK(groups[3].weight_decay == 0.0);
  CHECK(groups[2].params[0].impl_ptr() == model.backbone->named_parameters()[0].second.impl_ptr());
  auto opt = make_optimizer(optim, model);
  set_scheduled_lr(*opt, 0.5e-3, optim.lr);
  CHECK(opt->param_groups()[0].lr == 0.5e-3);
  CHECK(opt->param_groups()[1].lr == 0.5e-3);
  CHECK(opt->param_groups()[2].lr == doctest::Approx(0.5e-4).epsilon(1e-12));
  CHECK(opt->param_groups()[3].lr == doctest::Approx(0.5e-4).epsilon(1e-12));
  // A model without a backbone keeps exactly the two weight-decay groups.
  testing::TinyClassifier classifier(8, 8, 4, 10, g);
  const auto plain = optimizer_groups(optim, classifier);
  REQUIRE(plain.size() == 2);
  CHECK_FALSE(plain[0].lr.has_value());
  CHECK(in_backbone("backbone.layer1.0.conv1.weight"));
  CHECK_FALSE(in_backbone("transformer.backbone.x"));
}

TEST_CASE("trainer: a detection run — AP in metrics.jsonl, best by AP, categories.json, eval's report") {
  TinyCocoRoot coco;
  testing::Scratch dir("detection_run");
  const ExperimentConfig c = detection_config(coco.root(), {"optim.backbone_lr_scale=0.1", "optim.lr=0.01"});
  TrainerOptions o;
  o.run_dir = dir.str("run");
  o.console = false;
  Trainer trainer(c, o);
  CHECK(trainer.task().name() == "detection");
  REQUIRE(trainer.run().status == RunStatus::Completed);
  const RunPaths p(o.run_dir);
  const auto metrics = read_metrics(p.metrics);
  REQUIRE(metrics.size() == 2);
  for (const auto& m : metrics) {
    CHECK(std::isfinite(m.train_loss));
    for (const char* name : {"test_loss", "AP", "AP50", "AP75", "APs", "APm", "APl", "AP_person"}) {
      CAPTURE(name);
      REQUIRE(m.value(name).has_value());
    }
    CHECK((*m.value("AP") >= 0 && *m.value("AP") <= 1));
  }
  const TrainingState best = read_training_state(p.best);
  CHECK(best.best_metric == "AP");
  CHECK(best.best_value == std::max(*metrics[0].value("AP"), *metrics[1].value("AP")));
  CHECK(read_categories_json(o.run_dir + "/categories.json").names() ==
        std::vector<std::string>{"person", "car", "dog"});
  // The backbone kept its ratio to the schedule's lr.
  const auto& groups = trainer.optimizer().param_groups();
  REQUIRE(groups.size() == 4);
  CHECK(groups[2].lr == doctest::Approx(groups[0].lr * 0.1).epsilon(1e-12));
  CHECK(groups[0].lr == metrics.back().lr);

  // `linattn eval`'s report: the 12 stats, the per-category table, the detections file.
  const DetectionTask task(load_config(p.config));
  auto loader = task.make_test_loader("");
  EvalReport report;
  const TaskEvaluation r = task.evaluate_report(trainer.model(), *loader, Device::cpu(), {o.run_dir, ""}, report);
  CHECK(r.count == 5);
  CHECK(report.text.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ") !=
        std::string::npos);
  CHECK(report.text.find(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = ") !=
        std::string::npos);
  CHECK(report.text.find("person") != std::string::npos);
  REQUIRE(report.files == std::vector<std::string>{o.run_dir + "/detections_val.json"});
  const auto detections = detection::read_coco_results(report.files[0]);
  CHECK(detections.size() == 5 * 6);  // softmax heads: one detection per query
  CHECK(detection::coco_evaluate(restrict_to_images(load_coco_split(c, "", "val")->instances(),
                                                    {101, 102, 103, 104, 105}),
                                 detections)
            .stats[0] == value(r, "AP"));
  EvalReport elsewhere;
  task.evaluate_report(trainer.model(), *loader, Device::cpu(), {o.run_dir, dir.str("mine.json")}, elsewhere);
  CHECK(elsewhere.files == std::vector<std::string>{dir.str("mine.json")});
}

TEST_CASE("detection task on the real COCO subset (if $LINATTN_DATA holds it): the oracle scores AP 1") {
  const char* env = std::getenv("LINATTN_DATA");
  if (!env || !fs::is_directory(fs::path(env) / "coco-subset")) {
    MESSAGE("SKIP: $LINATTN_DATA is not set or holds no coco-subset");
    return;
  }
  for (const std::string filter : {"", "person"}) {
    CAPTURE(filter);
    const std::int64_t K = filter.empty() ? 80 : 1;
    std::vector<std::string> overrides{"data.test_subset=12", "data.image_size=256", "model.num_classes=" + std::to_string(K),
                                       "model.num_queries=100"};
    if (!filter.empty()) overrides.push_back("data.categories=[" + filter + "]");
    const DetectionTask task(detection_config(env, overrides));
    auto loader = task.make_test_loader("");
    testing::OracleDetector oracle(K, 100, true);
    teach(oracle, *loader);
    const TaskEvaluation r = task.evaluate(oracle, *loader, Device::cpu());
    CHECK(r.count == 12);
    MESSAGE("real val images, filter '" << filter << "': " << describe_values(task.metrics(), r.values));
    CHECK(value(r, "AP") == kOne);
    CHECK(value(r, "AP_person") == kOne);
  }
}
