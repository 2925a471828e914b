// tests/train/test_trainer.cpp — the Trainer on a tiny in-memory dataset and a tiny MLP: the run
// folder's contents, exact resume (stopped at several points, bit-identical metrics), NaN stop
// keeping the last good checkpoint, max_steps, eval/checkpoint cadence, run-folder safety.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/autograd.h"
#include "core/safetensors.h"
#include "fixtures/tiny.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/loss.h"
#include "train/run_dir.h"
#include "train/trainer.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

// 48 training images (6 batches of 8), 16 test images, 8x8, 10 classes.
struct Fixture {
  testing::Scratch dir;
  std::shared_ptr<testing::TintDataset> train = std::make_shared<testing::TintDataset>(48, 8, 8, 10, 1);
  std::shared_ptr<testing::TintDataset> test = std::make_shared<testing::TintDataset>(16, 8, 8, 10, 2);

  std::shared_ptr<testing::TinyClassifier> model(const ExperimentConfig& c) const {
    Generator g(static_cast<std::uint64_t>(c.seed));
    auto m = std::make_shared<testing::TinyClassifier>(8, 8, c.model.options.get<ViTOptions>().dim, c.model.options.get<ViTOptions>().num_classes, g);
    m->noise = true;  // draws from the default generator while training
    return m;
  }
  std::unique_ptr<Trainer> make(const ExperimentConfig& c, const std::string& run, bool resume = false,
                                std::shared_ptr<ImageClassifier> m = nullptr, bool overwrite = false) {
    TrainerOptions o;
    o.run_dir = dir.str(run);
    o.resume = resume;
    o.overwrite = overwrite;
    o.console = false;
    return std::make_unique<Trainer>(c, o, TrainerParts{m ? m : model(c), train, test});
  }
};

// Everything in a record but the timing fields, compared bit for bit.
void check_same_metrics(const std::vector<EpochMetrics>& a, const std::vector<EpochMetrics>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("epoch record " << i);
    CHECK(a[i].epoch == b[i].epoch);
    CHECK(a[i].step == b[i].step);
    CHECK(a[i].train_loss == b[i].train_loss);
    CHECK(a[i].value("test_loss") == b[i].value("test_loss"));
    CHECK(a[i].value("test_acc") == b[i].value("test_acc"));
    CHECK(a[i].value("test_top5") == b[i].value("test_top5"));
    CHECK(a[i].lr == b[i].lr);
  }
}

std::vector<float> weights_of(const std::string& checkpoint) {
  auto f = load_safetensors(checkpoint + "/model.safetensors");
  std::vector<float> all;
  for (auto& [name, t] : f.tensors) {
    auto v = t.to_vector<float>();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

}  // namespace

TEST_CASE("trainer: a run writes config.yaml, metrics.jsonl, train.log, report.html and checkpoints") {
  Fixture f;
  ExperimentConfig c = testing::tiny_config();
  auto t = f.make(c, "run");
  CHECK(t->steps_per_epoch() == 6);
  RunResult r = t->run();
  CHECK(r.status == RunStatus::Completed);
  CHECK(r.state.step == 12);
  CHECK(r.state.epoch == 2);
  RunPaths p(f.dir.str("run"));

  CHECK(load_config(p.config) == c);  // the resolved config parses back to the same config

  auto metrics = read_metrics(p.metrics);
  REQUIRE(metrics.size() == 2);
  const std::string first_line = testing::read_text(p.metrics).substr(0, testing::read_text(p.metrics).find('\n'));
  std::size_t previous = 0;  // classification's fields, exactly in this order
  for (const char* key : {"\"epoch\":", "\"step\":", "\"train_loss\":", "\"test_loss\":", "\"test_acc\":",
                          "\"test_top5\":", "\"lr\":", "\"images_per_s\":", "\"epoch_seconds\":", "\"peak_memory_bytes\":"}) {
    const std::size_t at = first_line.find(key);
    CHECK_MESSAGE(at != std::string::npos, key);
    CHECK_MESSAGE(at >= previous, key);
    previous = at;
  }
  CHECK(nlohmann::ordered_json::parse(first_line).size() == 10);
  CHECK(metrics[0].epoch == 1);
  CHECK(metrics[0].step == 6);
  CHECK(metrics[1].step == 12);
  for (const auto& m : metrics) {
    CHECK(std::isfinite(m.train_loss));
    REQUIRE(m.value("test_acc").has_value());
    CHECK(*m.value("test_acc") >= 0.0);
    CHECK(*m.value("test_acc") <= 1.0);
    CHECK(*m.value("test_top5") >= *m.value("test_acc"));
    CHECK(m.images_per_s > 0);
    CHECK(m.peak_memory_bytes > 0);
  }
  CHECK(metrics[1].train_loss < metrics[0].train_loss);

  const std::string report = testing::read_text(p.report);
  CHECK(report.find("<svg") != std::string::npos);
  CHECK(report.find("finished") != std::string::npos);
  const std::string log = testing::read_text(p.log);
  CHECK(log.find("epoch 2/2 done") != std::string::npos);
  CHECK(log.find("step 2/6") != std::string::npos);  // periodic lines every log_every = 2 steps

  CHECK(read_training_state(p.latest).step == 12);
  CHECK(read_training_state(p.latest).epoch == 2);
  CHECK(fs::is_regular_file(p.best + "/model.safetensors"));
  const TrainingState best = read_training_state(p.best);
  CHECK(best.best_metric == "test_acc");
  CHECK(best.best_value == std::max(*metrics[0].value("test_acc"), *metrics[1].value("test_acc")));
  CHECK(best.best_epoch == (*metrics[1].value("test_acc") > *metrics[0].value("test_acc") ? 2 : 1));
  CHECK(read_training_state(p.latest).generators.count("default") == 1);
}

TEST_CASE("trainer: stopped anywhere and resumed, a run gives bit-identical metrics") {
  // Stop points: mid-epoch 1, after the last batch of epoch 1 (before its evaluation), after
  // epoch 1 is complete (1 epoch + resume + 1 epoch), mid-epoch 2.
  struct StopAt {
    const char* name;
    std::int64_t step;  // -1: after epoch 1 (epoch callback)
    std::int64_t workers;
  };
  for (StopAt stop : {StopAt{"mid epoch 1", 3, 0}, StopAt{"before eval", 6, 0}, StopAt{"after epoch 1", -1, 0},
                      StopAt{"mid epoch 2, loader threads", 9, 2}}) {
    INFO("stop: " << stop.name);
    Fixture f;
    ExperimentConfig c = testing::tiny_config();
    c.data.workers = stop.workers;
    c.data.augment.label_smoothing = 0.1;
    c.optim.clip_grad = 1.0;

    RunResult full = f.make(c, "full")->run();
    REQUIRE(full.status == RunStatus::Completed);

    auto t = f.make(c, "split");
    Trainer* raw = t.get();
    if (stop.step > 0)
      t->set_step_callback([&](const StepInfo& s) {
        if (s.step == stop.step) raw->request_stop();
      });
    else
      t->set_epoch_callback([&](const EpochMetrics& m) {
        if (m.epoch == 1) raw->request_stop();
      });
    RunResult first = t->run();
    REQUIRE(first.status == RunStatus::Interrupted);
    CHECK(first.message.find("--resume") != std::string::npos);
    t.reset();

    const std::int64_t expected_step = stop.step > 0 ? stop.step : 6;
    TrainingState saved = read_training_state(RunPaths(f.dir.str("split")).latest);
    CHECK(saved.step == expected_step);

    // The resumed trainer gets a freshly initialized model of a different seed: the checkpoint
    // must overwrite everything.
    ExperimentConfig other_init = c;
    other_init.seed = 99;
    auto resumed = f.make(c, "split", /*resume=*/true, f.model(other_init));
    RunResult second = resumed->run();
    REQUIRE(second.status == RunStatus::Completed);
    CHECK(second.state.step == 12);

    check_same_metrics(read_metrics(RunPaths(f.dir.str("full")).metrics),
                       read_metrics(RunPaths(f.dir.str("split")).metrics));
    CHECK(weights_of(RunPaths(f.dir.str("full")).latest) == weights_of(RunPaths(f.dir.str("split")).latest));
  }
}

TEST_CASE("trainer: mixup/cutmix soft targets train and resume exactly too") {
  Fixture f;
  ExperimentConfig c = testing::tiny_config();
  c.data.augment.mixup_alpha = 0.2;
  c.data.augment.cutmix_alpha = 1.0;
  c.optim.name = OptimizerName::Sgd;
  c.optim.schedule = Schedule::Step;
  c.optim.step_size = 1;
  RunResult full = f.make(c, "full")->run();
  REQUIRE(full.status == RunStatus::Completed);
  auto t = f.make(c, "split");
  Trainer* raw = t.get();
  t->set_step_callback([&](const StepInfo& s) {
    if (s.step == 8) raw->request_stop();
  });
  REQUIRE(t->run().status == RunStatus::Interrupted);
  t.reset();
  REQUIRE(f.make(c, "split", true)->run().status == RunStatus::Completed);
  check_same_metrics(read_metrics(RunPaths(f.dir.str("full")).metrics),
                     read_metrics(RunPaths(f.dir.str("split")).metrics));
}

TEST_CASE("trainer: a NaN loss stops the run, names the step, and keeps the last good checkpoint") {
  Fixture f;
  ExperimentConfig c = testing::tiny_config();
  Generator g(1);
  // NaN at the 9th training forward: epoch 2, batch 3 (epoch 1 ended with a checkpoint at step 6).
  auto t = f.make(c, "nan", false, std::make_shared<testing::NanAtStepClassifier>(8, 8, 16, 10, g, 9));
  std::vector<float> after_epoch_1;
  t->set_epoch_callback([&](const EpochMetrics&) { after_epoch_1 = weights_of(RunPaths(f.dir.str("nan")).latest); });
  RunResult r = t->run();
  CHECK(r.status == RunStatus::Diverged);
  CHECK(r.message.find("the loss is nan at step 9 (epoch 2, batch 3/6)") != std::string::npos);
  CHECK(r.message.find("untouched") != std::string::npos);
  RunPaths p(f.dir.str("nan"));
  CHECK(read_training_state(p.latest).step == 6);
  CHECK(weights_of(p.latest) == after_epoch_1);
  CHECK(read_metrics(p.metrics).size() == 1);
  CHECK(testing::read_text(p.log).find("diverged") != std::string::npos);
  CHECK(testing::read_text(p.report).find("diverged at step 9") != std::string::npos);

  // Before any checkpoint: nothing is written, and the message says so.
  Fixture f2;
  auto t2 = f2.make(c, "nan", false, std::make_shared<testing::NanAtStepClassifier>(8, 8, 16, 10, g, 2));
  RunResult r2 = t2->run();
  CHECK(r2.status == RunStatus::Diverged);
  CHECK(r2.message.find("step 2 (epoch 1, batch 2/6)") != std::string::npos);
  CHECK(r2.message.find("no checkpoint had been written yet") != std::string::npos);
  CHECK_FALSE(fs::exists(RunPaths(f2.dir.str("nan")).latest));
}

TEST_CASE("trainer: max_steps caps the run; resuming a finished run does nothing") {
  Fixture f;
  ExperimentConfig c = testing::tiny_config();
  c.train.epochs = 3;
  c.train.max_steps = 8;
  RunResult r = f.make(c, "cap")->run();
  CHECK(r.status == RunStatus::Completed);
  CHECK(r.state.step == 8);
  RunPaths p(f.dir.str("cap"));
  auto metrics = read_metrics(p.metrics);
  REQUIRE(metrics.size() == 2);
  CHECK(metrics[1].step == 8);
  CHECK(metrics[1].value("test_acc").has_value());  // the last epoch is always evaluated
  CHECK(read_training_state(p.latest).step == 8);

  RunResult again = f.make(c, "cap", true)->run();
  CHECK(again.status == RunStatus::Completed);
  CHECK(again.state.step == 8);
  CHECK(read_metrics(p.metrics).size() == 2);
  CHECK(testing::read_text(p.log).find("nothing to do") != std::string::npos);

  // Raising the cap continues the cut epoch; its partial record is replaced.
  ExperimentConfig more = c;
  more.train.max_steps = 0;
  RunResult rest = f.make(more, "cap", true)->run();
  CHECK(rest.state.step == 18);
  metrics = read_metrics(p.metrics);
  REQUIRE(metrics.size() == 3);
  CHECK(metrics[1].step == 12);
  CHECK(metrics[2].step == 18);
}

TEST_CASE("trainer: eval_every and checkpoint_every are in epochs; the last epoch always gets both") {
  Fixture f;
  ExperimentConfig c = testing::tiny_config();
  c.train.epochs = 3;
  c.train.eval_every = 2;
  c.train.checkpoint_every = 0;
  auto t = f.make(c, "cadence");
  std::vector<bool> had_latest;
  t->set_epoch_callback([&](const EpochMetrics&) { had_latest.push_back(fs::exists(RunPaths(f.dir.str("cadence")).latest)); });
  REQUIRE(t->run().status == RunStatus::Completed);
  auto metrics = read_metrics(RunPaths(f.dir.str("cadence")).metrics);
  REQUIRE(metrics.size() == 3);
  CHECK_FALSE(metrics[0].value("test_acc").has_value());
  CHECK(metrics[1].value("test_acc").has_value());
  CHECK(metrics[2].value("test_acc").has_value());
  CHECK(had_latest == std::vector<bool>{false, false, true});
}

TEST_CASE("trainer: an existing run folder is refused unless resumed or overwritten") {
  Fixture f;
  ExperimentConfig c = testing::tiny_config();
  c.train.epochs = 1;
  REQUIRE(f.make(c, "r")->run().status == RunStatus::Completed);
  CHECK_THROWS_WITH_AS(f.make(c, "r"), doctest::Contains("already holds a run"), Error);
  CHECK_THROWS_WITH_AS(f.make(c, "r"), doctest::Contains("--resume"), Error);
  auto t = f.make(c, "r", false, nullptr, /*overwrite=*/true);
  REQUIRE(t->run().status == RunStatus::Completed);
  CHECK(read_metrics(RunPaths(f.dir.str("r")).metrics).size() == 1);
  CHECK_THROWS_WITH_AS(f.make(c, "empty", /*resume=*/true), doctest::Contains("no checkpoint"), Error);
  ExperimentConfig wrong = c;
  wrong.model.options.get<ViTOptions>().num_classes = 5;
  CHECK_THROWS_WITH_AS(f.make(wrong, "w"), doctest::Contains("model.num_classes is 5 but the dataset has 10"), Error);
}

TEST_CASE("evaluate: top-1 / top-5 counting and the mean loss, in eval mode") {
  // Ties rank the earlier class first, like argmax.
  Tensor logits = from_values({0.1, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0,   // label 1: top-1
                               0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0,   // label 1: tie with 0 → rank 1
                               6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0,   // label 5: rank 5 → not top-5
                               6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0},  // label 4: rank 4 → top-5
                              {4, 7});
  Tensor labels = from_values({1, 1, 5, 4}, {4}, {.dtype = DType::I64});
  TopKCounts counts = count_topk(logits, labels);
  CHECK(counts.top1 == 1);
  CHECK(counts.top5 == 3);

  Fixture f;
  Generator g(3);
  testing::TinyClassifier model(8, 8, 6, 10, g);
  model.train();
  LoaderOptions o;
  o.batch_size = 5;  // 16 images: batches of 5, 5, 5, 1
  DataLoader loader(f.test, o);
  EvalResult r = evaluate(model, loader, Device::cpu());
  CHECK(model.is_training());  // mode restored
  CHECK(r.count == 16);
  // The same numbers from one batch of everything.
  LoaderOptions all = o;
  all.batch_size = 16;
  DataLoader one(f.test, all);
  Batch b = one.make_batch(0, 0);
  NoGradGuard no_grad;
  Tensor z = model.forward(b.images);
  CHECK(r.top1 == static_cast<double>(count_topk(z, b.labels).top1) / 16.0);
  CHECK(r.loss == doctest::Approx(cross_entropy_labels(z, b.labels).item()).epsilon(1e-6));
}
