// tests/train/test_device_setup.cpp — the device plumbing of training that runs without a GPU:
// train.tf32 reaches the TF32 switch (train/device_setup.h) from the trainer and from
// `linattn bench`; asking for CUDA where there is none is one clear error (library and CLI);
// LossWindow (train/loss_window.h) gives back the pending losses in order with their tags, NaN
// included; DeviceUploader and synchronize (core/upload.h) are identities on the CPU; the labels
// check names the bad label. The CUDA side of the same code is tested in tests/cuda/test_training.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "core/cuda_options.h"
#include "core/upload.h"
#include "fixtures/process.h"
#include "fixtures/tiny.h"
#include "train/device_setup.h"
#include "train/loss.h"
#include "train/loss_window.h"
#include "train/trainer.h"

using namespace linattn;

namespace {

// Restores the process-wide TF32 switch after a test that changes it.
struct Tf32Restore {
  bool previous = allow_tf32();
  ~Tf32Restore() { set_allow_tf32(previous); }
};

std::unique_ptr<Trainer> tiny_trainer(const ExperimentConfig& c, const testing::Scratch& dir) {
  auto train = std::make_shared<testing::TintDataset>(16, 8, 8, 10, 1);
  auto test = std::make_shared<testing::TintDataset>(8, 8, 8, 10, 2);
  Generator g(1);
  TrainerOptions o;
  o.run_dir = dir.str("run");
  o.console = false;
  return std::make_unique<Trainer>(c, o,
                                   TrainerParts{std::make_shared<testing::TinyClassifier>(8, 8, 16, 10, g), train, test});
}

}  // namespace

TEST_CASE("train.tf32 sets the TF32 switch, from apply_device_config and from the trainer") {
  Tf32Restore restore;
  ExperimentConfig c = testing::tiny_config();
  c.train.tf32 = false;
  set_allow_tf32(true);
  apply_device_config(c);
  CHECK_FALSE(allow_tf32());
  c.train.tf32 = true;
  apply_device_config(c);
  CHECK(allow_tf32());

  testing::Scratch dir("device_setup");
  c.train.tf32 = false;
  auto t = tiny_trainer(c, dir);
  CHECK_FALSE(allow_tf32());  // the constructor applied it, before any step
  c.train.tf32 = true;
  testing::Scratch dir2("device_setup");
  auto t2 = tiny_trainer(c, dir2);
  CHECK(allow_tf32());
}

TEST_CASE("asking for a CUDA device that is not there is one clear error") {
  CHECK_NOTHROW(check_device(Device::cpu()));
  // An index past the last device fails on every machine.
  CHECK_THROWS_WITH_AS(check_device(Device::cuda(99)), doctest::Contains("device: 'cuda:99' was asked for"), Error);
  if (cuda_available()) return;  // the rest is about machines without a GPU
  CHECK_THROWS_WITH_AS(check_device(Device::cuda()), doctest::Contains("--set device=cpu"), Error);
  ExperimentConfig c = testing::tiny_config();
  c.device = Device::cuda();
  testing::Scratch dir("device_setup");
  CHECK_THROWS_WITH_AS(tiny_trainer(c, dir), doctest::Contains("device: 'cuda:0' was asked for"), Error);
  CHECK_THROWS_WITH_AS(DeviceUploader(Device::cuda()), doctest::Contains("cuda:0"), Error);
}

TEST_CASE("linattn bench train-step with device: cuda and no GPU exits 2 with the device message") {
  if (cuda_available()) return;  // on a GPU machine the benchmark would just run
  testing::Scratch dir("device_setup");
  const std::string config = dir.str("c.yaml");
  std::ofstream(config) << "name: c\nmodel:\n  dim: 16\n  depth: 1\n  heads: 2\n";
  auto r = testing::run_process({LINATTN_EXE, "bench", "train-step", "--config", config, "--set", "device=cuda",
                                 "--steps", "1", "--batch", "2"},
                                dir.str(), 60.0);
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("device: 'cuda:0' was asked for") != std::string::npos);
  CHECK(r.err.find("--set device=cpu") != std::string::npos);
}

TEST_CASE("LossWindow reads the pending losses back in order, with their tags, NaN included") {
  LossWindow w;
  CHECK(w.empty());
  CHECK(w.drain().empty());
  w.push(scalar(1.5), 7, 1);
  w.push(from_values({std::numeric_limits<double>::quiet_NaN()}, {1}), 8, 2);
  w.push(scalar(0.25, {.dtype = DType::F64}).requires_grad_(), 9, 3);
  CHECK(w.size() == 3);
  std::vector<PendingLoss> got = w.drain();
  CHECK(w.empty());
  REQUIRE(got.size() == 3);
  CHECK(got[0].value == 1.5);
  CHECK(got[0].step == 7);
  CHECK(got[0].batch == 1);
  CHECK(std::isnan(got[1].value));
  CHECK(got[1].step == 8);
  CHECK(got[2].value == 0.25);
  CHECK(got[2].batch == 3);
  w.push(scalar(2.0), 10, 4);  // one loss alone (no concatenation)
  got = w.drain();
  REQUIRE(got.size() == 1);
  CHECK(got[0].value == 2.0);
  CHECK_THROWS_WITH_AS(w.push(zeros({2}), 1, 1), doctest::Contains("one element"), Error);
}

TEST_CASE("DeviceUploader and synchronize are identities on the CPU") {
  DeviceUploader up(Device::cpu());
  Tensor x = randn({2, 3});
  Tensor y = up.upload(x);
  CHECK(y.storage() == x.storage());  // no copy
  CHECK_FALSE(up.upload(Tensor()).defined());
  CHECK_NOTHROW(synchronize(Device::cpu()));
  CHECK_THROWS_WITH_AS(DeviceUploader(Device::cpu(), 0), doctest::Contains("at least one staging slot"), Error);
}

TEST_CASE("check_labels names a label outside the classes") {
  CHECK_NOTHROW(check_labels(from_values({0, 3, 9}, {3}, {.dtype = DType::I64}), 10));
  CHECK_THROWS_WITH_AS(check_labels(from_values({0, 10}, {2}, {.dtype = DType::I64}), 10),
                       doctest::Contains("label 10 is outside [0, 10)"), Error);
}
