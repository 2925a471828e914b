// tests/cuda/test_training.cpp — training on CUDA: the pinned asynchronous uploads
// (core/upload.h) give the host values, in every dtype, also after the staging ring wrapped
// around many times; the trainer with device: cuda (tiny MLP, tiny in-memory dataset) gives the
// CPU run's losses and accuracies within float32 tolerance, reports the GPU allocator's peak in
// metrics.jsonl, and finds a NaN loss at the exact step although it reads losses only at log
// points; a stop request checkpoints a state whose losses were all read back; bench-style
// timing with synchronize.
//
// Tolerance for CPU vs CUDA metrics: 1e-3 relative (TF32 off): twelve AdamW steps on a tiny MLP
// with float32 GEMMs summed in another order than OpenBLAS drift by a few ulps per step.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "core/allocator.h"
#include "core/cuda_options.h"
#include "core/ops.h"
#include "core/upload.h"
#include "../train/fixtures/tiny.h"
#include "support/cuda.h"
#include "support/parity.h"
#include "support/tf32_scope.h"
#include "train/checkpoint.h"
#include "train/run_dir.h"
#include "train/trainer.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

struct Fixture {
  Scratch dir{"cuda_train"};
  std::shared_ptr<TintDataset> train = std::make_shared<TintDataset>(48, 8, 8, 10, 1);
  std::shared_ptr<TintDataset> test = std::make_shared<TintDataset>(16, 8, 8, 10, 2);

  std::unique_ptr<Trainer> make(const ExperimentConfig& c, const std::string& run,
                                std::shared_ptr<ImageClassifier> model = nullptr) {
    Generator g(static_cast<std::uint64_t>(c.seed));
    if (!model) model = std::make_shared<TinyClassifier>(8, 8, c.model.options.get<ViTOptions>().dim, c.model.options.get<ViTOptions>().num_classes, g);  // no noise
    TrainerOptions o;
    o.run_dir = dir.str(run);
    o.console = false;
    return std::make_unique<Trainer>(c, o, TrainerParts{model, train, test});
  }
};

ExperimentConfig cuda_config() {
  ExperimentConfig c = tiny_config();
  c.device = Device::cuda();
  c.train.tf32 = false;  // float32-exact GEMMs: the CPU comparison is tight
  return c;
}

void check_close(double got, double expected, const char* what) {
  INFO(what, ": CUDA ", got, " vs CPU ", expected);
  CHECK(std::abs(got - expected) <= 1e-3 * std::max(1.0, std::abs(expected)));
}

}  // namespace

TEST_CASE("DeviceUploader: asynchronous pinned uploads give the host values, every dtype, ring wrapped") {
  REQUIRE_CUDA();
  DeviceUploader up(Device::cuda(), 3);
  Generator gen(5);
  std::vector<Tensor> host, device;
  for (int i = 0; i < 20; ++i) {  // sizes grow and shrink: slots reallocate and get reused
    const std::int64_t n = 1 + (i * 37) % 300;
    host.push_back(randn({n, 3}, {}, &gen));
    device.push_back(up.upload(host.back()));
    host.push_back(arange(n));  // int64
    device.push_back(up.upload(host.back()));
  }
  host.push_back(zeros({0, 4}));
  device.push_back(up.upload(host.back()));
  host.push_back(randn({2}, {.dtype = DType::F64}, &gen));
  device.push_back(up.upload(host.back()));
  synchronize(Device::cuda());
  for (std::size_t i = 0; i < host.size(); ++i) {
    INFO("upload ", i);
    REQUIRE(device[i].is_cuda());
    CHECK_FALSE(device[i].requires_grad());
    CHECK(device[i].shape() == host[i].shape());
    CHECK(device[i].dtype() == host[i].dtype());
    CHECK_CLOSE(device[i].to(DType::F64), host[i].to(DType::F64), Tolerance{});
  }
  CHECK_THROWS_WITH_AS(up.upload(device[0]), doctest::Contains("expected a host tensor"), Error);
}

TEST_CASE("trainer on CUDA: the CPU run's losses and accuracies, the GPU peak in metrics.jsonl, train.tf32 applied") {
  REQUIRE_CUDA();
  Tf32Scope restore(true);
  Fixture f;
  ExperimentConfig gpu = cuda_config();
  ExperimentConfig cpu = gpu;
  cpu.device = Device::cpu();
  RunResult rc = f.make(cpu, "cpu")->run();
  auto tg = f.make(gpu, "gpu");
  CHECK_FALSE(allow_tf32());  // train.tf32: false reached the switch
  CHECK(tg->model().parameters()[0].is_cuda());
  RunResult rg = tg->run();
  REQUIRE(rc.status == RunStatus::Completed);
  REQUIRE(rg.status == RunStatus::Completed);
  CHECK(rg.state.step == 12);
  const auto mc = read_metrics(RunPaths(f.dir.str("cpu")).metrics), mg = read_metrics(RunPaths(f.dir.str("gpu")).metrics);
  REQUIRE(mc.size() == 2);
  REQUIRE(mg.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    INFO("epoch ", i + 1);
    check_close(mg[i].train_loss, mc[i].train_loss, "train_loss");
    REQUIRE(mg[i].value("test_loss").has_value());
    check_close(*mg[i].value("test_loss"), *mc[i].value("test_loss"), "test_loss");
    CHECK(mg[i].step == mc[i].step);
    CHECK(mg[i].lr == mc[i].lr);
    // The GPU allocator's peak: at least the model's parameters (fc1 192x16 and more) live there.
    CHECK(mg[i].peak_memory_bytes >= 192 * 16 * sizeof(float));
  }
  CHECK(rg.state.epoch_loss_count == 0);  // epoch finished: all losses were read back and summed
  // The checkpoint loads back onto the CPU.
  CHECK(std::filesystem::is_regular_file(RunPaths(f.dir.str("gpu")).latest + "/model.safetensors"));
}

TEST_CASE("trainer on CUDA: a NaN loss read back at the log point names its exact step and saves nothing after it") {
  REQUIRE_CUDA();
  Fixture f;
  ExperimentConfig c = cuda_config();  // log_every = 2: losses come back at batches 2, 4, 6
  Generator g(1);
  // NaN at the 9th training forward (epoch 2, batch 3): found when batch 4's log point reads back.
  auto t = f.make(c, "nan", std::make_shared<NanAtStepClassifier>(8, 8, 16, 10, g, 9));
  RunResult r = t->run();
  CHECK(r.status == RunStatus::Diverged);
  CHECK(r.message.find("the loss is nan at step 9 (epoch 2, batch 3/6)") != std::string::npos);
  RunPaths p(f.dir.str("nan"));
  CHECK(read_training_state(p.latest).step == 6);  // the epoch-1 checkpoint, untouched
  CHECK(read_metrics(p.metrics).size() == 1);
}

TEST_CASE("trainer on CUDA: a stop request reads the pending losses back before its checkpoint") {
  REQUIRE_CUDA();
  Fixture f;
  ExperimentConfig c = cuda_config();
  c.train.log_every = 100;  // no log point inside the epoch: only the stop reads losses back
  auto t = f.make(c, "stop");
  Trainer* raw = t.get();
  t->set_epoch_callback([&](const EpochMetrics&) { raw->request_stop(); });
  RunResult r = t->run();
  REQUIRE(r.status == RunStatus::Interrupted);
  CHECK(r.state.step == 6);
  const auto m = read_metrics(RunPaths(f.dir.str("stop")).metrics);
  REQUIRE(m.size() == 1);
  CHECK(std::isfinite(m[0].train_loss));
}

TEST_CASE("synchronize waits for queued work on the device") {
  REQUIRE_CUDA();
  Tensor a = randn({512, 512}, {.device = Device::cuda()});
  Tensor b = matmul(a, a);
  synchronize(Device::cuda());
  CHECK(b.is_cuda());
  CHECK(std::isfinite(sum(b).item()));
}
