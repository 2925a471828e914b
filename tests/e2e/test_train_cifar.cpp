// tests/e2e/test_train_cifar.cpp — end to end on real data: the Trainer, with its datasets from
// the config (CIFAR-10 under $LINATTN_DATA, image folders or binary batches, class-balanced
// subsets of 500 training and 500 test images), trains the tests' tiny MLP (registered as "vit")
// and beats chance (10%) by a clear margin within a bounded time. Skips (exit 77) without data.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "data/cifar10.h"
#include "support/reference.h"
#include "train/fixtures/tiny.h"
#include "train/metrics.h"
#include "train/run_dir.h"
#include "train/trainer.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

// $LINATTN_DATA when it holds CIFAR-10 (CI sets it), else "".
std::string find_cifar_root() {
  const char* env = std::getenv("LINATTN_DATA");
  if (!env || !*env) return "";
  try {
    find_cifar10(env, "train", CifarFormat::Auto);
  } catch (const Error&) {
    return "";
  }
  return env;
}

}  // namespace

TEST_CASE("e2e: a tiny MLP trained from a config on 500 CIFAR-10 images beats chance clearly") {
  const std::string root = find_cifar_root();
  if (root.empty()) testing::skip_test("$LINATTN_DATA is not set or holds no CIFAR-10");
  testing::register_tiny_mlp(32, 32, /*pool4=*/false);
  testing::Scratch dir("e2e");

  ExperimentConfig c;
  c.name = "e2e_tiny";
  c.seed = 1;
  c.threads = 2;
  c.data.batch_size = 50;
  c.data.workers = 1;
  c.data.train_subset = 500;
  c.data.test_subset = 500;
  c.data.augment.crop_padding = 2;
  c.model.name = testing::kTinyModel;
  c.model.options = ModelOptions::defaults(testing::kTinyModel);
  c.model.options.get<testing::TinyMlpOptions>().dim = 64;
  c.optim.lr = 1e-3;
  c.optim.weight_decay = 0.05;
  c.optim.warmup_epochs = 1;
  c.train.epochs = 12;
  c.train.eval_every = 4;
  c.train.log_every = 10;

  TrainerOptions o;
  o.run_dir = dir.str("run");
  o.data_root = root;
  o.console = false;
  const auto start = std::chrono::steady_clock::now();
  Trainer trainer(c, o);
  RunResult r = trainer.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(r.status == RunStatus::Completed);
  auto metrics = read_metrics(RunPaths(o.run_dir).metrics);
  REQUIRE(metrics.size() == 12);
  MESSAGE("test top-1 " << *metrics.back().value("test_acc") << ", top-5 " << *metrics.back().value("test_top5") << ", train loss "
                        << metrics.front().train_loss << " -> " << metrics.back().train_loss << ", " << seconds << " s");
  CHECK(metrics.back().train_loss < metrics.front().train_loss);
  CHECK(*metrics.back().value("test_acc") >= 0.2);   // chance is 0.1; 500 images: σ ≈ 0.013 at chance
  CHECK(*metrics.back().value("test_top5") >= 0.6);  // chance is 0.5
  CHECK(seconds < 60.0);
}
