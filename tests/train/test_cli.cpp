// tests/train/test_cli.cpp — the `linattn` program as a user meets it, run in child processes:
// every user error is one clear message and exit code 2 (never a crash or a hang); Ctrl-C
// during training exits 130 with a checkpoint that `--resume` continues; `eval` reads the run.
// The training cases use linattn_tiny (the same program with a tiny model registered as
// "tiny_mlp", tests/train/cli/, which the configs select) on CIFAR-10 binary batches the test
// writes itself.
#include <doctest/doctest.h>

#include <filesystem>

#include "fixtures/cifar_binary.h"
#include "fixtures/process.h"
#include "fixtures/tiny.h"
#include "fixtures/tiny_coco.h"
#include "detection/coco_eval.h"
#include "train/checkpoint.h"
#include "train/metrics.h"
#include "train/run_dir.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

constexpr double kTimeout = 60.0;  // per child; a hang fails the test instead of blocking it

testing::ProcessResult linattn_run(const std::vector<std::string>& args, const std::string& cwd,
                                   const std::function<bool(pid_t)>& poll = {}, const char* exe = LINATTN_EXE) {
  std::vector<std::string> argv = {exe};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testing::run_process(argv, cwd, kTimeout, poll);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.err.find("terminate called") == std::string::npos);
  CHECK_FALSE(r.signaled);  // no crash
  return r;
}

// A user error: exit code 2 and a message on stderr that contains `what`.
void check_user_error(const std::vector<std::string>& args, const std::string& cwd, const std::string& what,
                      const char* exe = LINATTN_EXE) {
  auto r = linattn_run(args, cwd, {}, exe);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(what) != std::string::npos);
  CHECK(r.err.find("error") != std::string::npos);
}

constexpr const char* kTinyConfig = R"(name: cli_tiny
seed: 3
threads: 1
data:
  format: binary
  batch_size: 8
  workers: 1
  augment:
    crop_padding: 2
    flip: true
model:
  name: tiny_mlp
  dim: 8
optim:
  lr: 0.01
  warmup_epochs: 0.5
train:
  epochs: 1000
  log_every: 1
)";

}  // namespace

TEST_CASE("cli: user errors are one clear message and exit code 2") {
  testing::Scratch dir("cli");
  const std::string cwd = dir.str();
  const std::string good = dir.str("good.yaml");
  std::ofstream(good) << kTinyConfig;
  std::ofstream(dir.str("bad.yaml")) << "name: x\noptim:\n  lrr: 0.1\n";

  auto none = linattn_run({}, cwd);
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("usage: linattn") != std::string::npos);

  check_user_error({"frobnicate"}, cwd, "unknown command 'frobnicate'");
  check_user_error({"train"}, cwd, "needs one CONFIG");
  check_user_error({"train", "missing.yaml"}, cwd, "config file 'missing.yaml' does not exist");
  check_user_error({"train", good, "--set", "optim.nope=1"}, cwd, "optim.nope");
  check_user_error({"train", good, "--set", "optim.lr=abc"}, cwd, "optim.lr");
  check_user_error({"train", good, "--set"}, cwd, "option --set needs a value");
  check_user_error({"train", good, "--data-root"}, cwd, "option --data-root needs a value");
  check_user_error({"train", good, "--frobnicate"}, cwd, "unknown option '--frobnicate'");
  check_user_error({"train", good, "extra"}, cwd, "extra argument 'extra'");
  check_user_error({"train", dir.str("bad.yaml")}, cwd, "bad.yaml:3");
  check_user_error({"train", good, "--data-root", dir.str("nowhere")}, cwd, "nowhere", LINATTN_TINY_EXE);
  check_user_error({"train", "--resume", dir.str("nowhere")}, cwd, "no config.yaml");
  check_user_error({"train", good, "--resume", cwd, "--overwrite"}, cwd, "cannot be combined");
  check_user_error({"eval"}, cwd, "needs one RUN_DIR_OR_CONFIG");
  check_user_error({"eval", dir.str("nowhere")}, cwd, "does not exist");
  check_user_error({"eval", cwd}, cwd, "not a run folder");
  check_user_error({"help", "frobnicate"}, cwd, "no command 'frobnicate'");
  // model.name is checked against the registry: the real program has no tiny_mlp.
  check_user_error({"train", good}, cwd, "good.yaml:12: model.name: unknown model 'tiny_mlp'");
  check_user_error({"train", good}, cwd, "eamlp, vit");  // the registered models
  // A key the chosen model does not read is an error naming the key and the model.
  check_user_error({"train", good, "--set", "model.pool=mean"}, cwd,
                   "--set model.pool=mean: model.pool: model 'tiny_mlp' does not use model.pool", LINATTN_TINY_EXE);
  check_user_error({"train", good, "--set", "task=segmentation"}, cwd, "unknown task 'segmentation'", LINATTN_TINY_EXE);
  check_user_error({"train", good, "--set", "task=detection"}, cwd,
                   "data.dataset: task (detection, from --set task=detection) reads COCO-format data", LINATTN_TINY_EXE);

  auto help = linattn_run({"help"}, cwd);
  CHECK(help.exit_code == 0);
  for (const char* cmd : {"train", "eval", "help"}) CHECK(help.out.find(cmd) != std::string::npos);
  auto train_help = linattn_run({"help", "train"}, cwd);
  CHECK(train_help.exit_code == 0);
  CHECK(train_help.out.find("--resume") != std::string::npos);
  CHECK(linattn_run({"train", "--help"}, cwd).out == train_help.out);
}

TEST_CASE("cli: Ctrl-C stops training with exit 130 and a checkpoint that --resume continues") {
  testing::Scratch dir("cli");
  const std::string data = dir.str("data");
  testing::write_cifar_binary(data + "/cifar-10-batches-bin", 8, 20);  // 40 training images: 5 steps/epoch
  const std::string config = dir.str("tiny.yaml"), run = dir.str("run");
  std::ofstream(config) << kTinyConfig;
  RunPaths paths(run);

  // Send SIGINT once the run has logged its 3rd step.
  bool sent = false;
  auto r = linattn_run({"train", config, "--data-root", data, "--run-dir", run}, dir.str(),
                       [&](pid_t pid) {
                         if (testing::read_text(paths.log).find("(global 3)") == std::string::npos) return false;
                         ::kill(pid, SIGINT);
                         return sent = true;
                       },
                       LINATTN_TINY_EXE);
  REQUIRE(sent);
  CHECK(r.exit_code == 130);
  CHECK(r.out.find("Resume with: linattn train --resume " + run) != std::string::npos);
  TrainingState state = read_training_state(find_checkpoint(run));
  CHECK(state.step >= 3);
  CHECK(state.generators.count("default") == 1);
  CHECK(fs::is_regular_file(paths.config));

  // Resume (the run's own config.yaml) with the epoch count cut to the epoch in progress + 1.
  const std::int64_t epochs = state.epoch + 1;
  auto resumed = linattn_run({"train", "--resume", run, "--data-root", data, "--set",
                              "train.epochs=" + std::to_string(epochs)},
                             dir.str(), {}, LINATTN_TINY_EXE);
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.out.find("resuming") != std::string::npos);
  auto metrics = read_metrics(paths.metrics);
  REQUIRE(static_cast<std::int64_t>(metrics.size()) == epochs);
  CHECK(metrics.back().step == epochs * 5);
  CHECK(read_training_state(paths.latest).step == epochs * 5);

  // eval reads the run folder (config + best checkpoint) and reports the test metrics.
  auto ev = linattn_run({"eval", run, "--data-root", data, "--json"}, dir.str(), {}, LINATTN_TINY_EXE);
  CHECK(ev.exit_code == 0);
  CHECK(ev.out.find("\"images\":20") != std::string::npos);
  CHECK(ev.out.find("\"test_acc\":") != std::string::npos);
  auto ev_latest = linattn_run({"eval", run, "--data-root", data, "--checkpoint", paths.latest}, dir.str(), {},
                               LINATTN_TINY_EXE);
  CHECK(ev_latest.exit_code == 0);
  CHECK(ev_latest.out.find("top-1") != std::string::npos);

  // Training into the same folder again is refused with a hint.
  check_user_error({"train", config, "--data-root", data, "--run-dir", run}, dir.str(), "already holds a run",
                   LINATTN_TINY_EXE);
}

// A DETR-lite small enough to train one step in a moment, on the tests' tiny COCO folder.
constexpr const char* kTinyDetrConfig = R"(name: det_tiny
task: detection
seed: 1
threads: 1
data:
  dataset: coco
  image_size: 32
  batch_size: 2
  workers: 0
  train_subset: 2
  test_subset: 3
  categories: [person, car, dog]
model:
  name: detr_lite
  num_classes: 3
  backbone_width: 8
  backbone_blocks: 1
  norm_groups: 4
  dim: 16
  heads: 2
  enc_layers: 1
  dec_layers: 2
  num_queries: 5
  cross_attention:
    type: linformer
  attention:
    type: efficient
train:
  epochs: 1
  max_steps: 1
)";

TEST_CASE("cli: eval of a detection run prints the 12 COCO stats and writes the detections") {
  testing::Scratch dir("cli_detection");
  const std::string data = dir.str("data"), config = dir.str("det.yaml"), run = dir.str("run");
  testing::write_tiny_coco(data);
  std::ofstream(config) << kTinyDetrConfig;
  auto train = linattn_run({"train", config, "--data-root", data, "--run-dir", run}, dir.str());
  REQUIRE(train.exit_code == 0);
  CHECK(fs::is_regular_file(run + "/categories.json"));
  const auto metrics = read_metrics(RunPaths(run).metrics);
  REQUIRE(metrics.size() == 1);
  CHECK(metrics[0].value("AP").has_value());

  auto ev = linattn_run({"eval", run, "--data-root", data}, dir.str());
  CHECK(ev.exit_code == 0);
  CHECK(ev.out.find(": 3 test images — test loss ") != std::string::npos);
  CHECK(ev.out.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ") != std::string::npos);
  CHECK(ev.out.find(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = ") != std::string::npos);
  CHECK(ev.out.find("AP per category") != std::string::npos);
  const std::string written = run + "/detections_val.json";
  CHECK(ev.out.find("wrote " + written) != std::string::npos);
  const auto detections = detection::read_coco_results(written);
  CHECK(detections.size() == 3 * 5 * 3);  // sigmoid scores: the top max_detections (100) of Q x K = 15 per image
  for (const auto& d : detections) CHECK((d.image_id == 101 || d.image_id == 102 || d.image_id == 103));

  // --out, --json, and the training images with data.eval_split=train.
  auto js = linattn_run({"eval", run, "--data-root", data, "--json", "--out", dir.str("dets.json"), "--set",
                         "data.eval_split=train"},
                        dir.str());
  CHECK(js.exit_code == 0);
  CHECK(js.out.find("\"images\":2") != std::string::npos);
  CHECK(js.out.find("\"AP\":") != std::string::npos);
  CHECK(js.out.find("\"AP_person\":") != std::string::npos);
  CHECK(js.out.find("\"files\":[\"" + dir.str("dets.json") + "\"]") != std::string::npos);
  for (const auto& d : detection::read_coco_results(dir.str("dets.json"))) CHECK((d.image_id == 1 || d.image_id == 2));
  // A data root without the dataset is one clear error.
  check_user_error({"eval", run, "--data-root", dir.str()}, dir.str(), "cannot find a COCO dataset in the data root");
}
