// tests/train/test_cli_sweep.cpp — `linattn sweep` as a user runs it (child processes of the real
// program, real ViTs of one 8-wide block on CIFAR-10 binary batches the test writes): one run
// folder per attention type, sweep.json / sweep.md / sweep.html with real values (parameter
// counts equal to the models', accuracies in [0, 1]), --resume skipping finished types and
// continuing a Ctrl-C'd one, divergence recorded while the sweep goes on, and every user error
// one message with exit code 2 before anything trains.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "fixtures/cifar_binary.h"
#include "fixtures/process.h"
#include "fixtures/tiny.h"
#include "models/vit.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/metrics.h"
#include "train/run_dir.h"
#include "train/sweep.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

// 40 training images (5 steps of 8 per epoch), 20 test images, 32x32 → a 4x4 grid of 8x8 patches.
constexpr const char* kSweepConfig = R"(name: sweep_tiny
seed: 3
threads: 1
data:
  format: binary
  batch_size: 8
  workers: 0
model:
  name: vit
  dim: 8
  depth: 1
  heads: 1
  patch: 8
optim:
  lr: 0.01
train:
  epochs: 1
  max_steps: 3
  log_every: 1
)";

struct SweepDir {
  testing::Scratch scratch{"sweep"};
  std::string config = scratch.str("tiny.yaml"), data = scratch.str("data");
  SweepDir() {
    std::ofstream(config) << kSweepConfig;
    testing::write_cifar_binary(data + "/cifar-10-batches-bin", 8, 20);
  }
};

testing::ProcessResult sweep_run(const std::vector<std::string>& args, const std::string& cwd,
                                 const std::function<bool(pid_t)>& poll = {}) {
  std::vector<std::string> argv = {LINATTN_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testing::run_process(argv, cwd, 60.0, poll);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK_FALSE(r.signaled);
  CHECK(r.err.find("terminate called") == std::string::npos);
  return r;
}

// The parameter count of the ViT the sweep builds for `type`.
std::int64_t vit_parameters(const std::string& type) {
  ExperimentConfig c = parse_config_string(kSweepConfig, "tiny.yaml", {"model.attention.type=" + type});
  ViTOptions o = c.model.options.get<ViTOptions>();
  o.attention = c.model.attention;
  Generator gen(1);
  return ViT(o, gen).num_parameters();
}

std::vector<SweepRow> read_rows(const std::string& dir, SweepTableInfo* info_out = nullptr) {
  SweepTableInfo info;
  std::vector<SweepRow> rows;
  read_sweep_json(SweepPaths(dir).json, info, rows);
  if (info_out) *info_out = info;
  return rows;
}

}  // namespace

TEST_CASE("sweep: one run folder per type, a table with real values, and --resume skips finished types") {
  SweepDir d;
  const std::vector<std::string> types = {"softmax", "cos2d", "linformer"};
  auto r = sweep_run({"sweep", d.config, "--attention", "softmax,cos2d", "--attention", "linformer", "--data-root",
                      d.data},
                     d.scratch.str());
  REQUIRE(r.exit_code == 0);
  const std::string dir = d.scratch.str("runs/sweep_tiny-sweep");  // the default folder
  const SweepPaths paths(dir);
  CHECK(r.out.find("| type | parameters | best top-1 | final top-1 | final test loss |") != std::string::npos);

  SweepTableInfo info;
  auto rows = read_rows(dir, &info);
  CHECK(info.status == "completed");
  CHECK(info.types == types);
  REQUIRE(rows.size() == 3);
  const std::string markdown = testing::read_text(paths.markdown), html = testing::read_text(paths.html);
  for (std::size_t i = 0; i < types.size(); ++i) {
    const SweepRow& row = rows[i];
    INFO("type " << types[i]);
    CHECK(row.type == types[i]);
    CHECK(row.status == "completed");
    CHECK(row.parameters == vit_parameters(types[i]));
    CHECK(row.steps == 3);
    REQUIRE(row.best_test_acc);
    REQUIRE(row.final_test_acc);
    CHECK(*row.final_test_acc >= 0.0);
    CHECK(*row.final_test_acc <= 1.0);
    CHECK(*row.best_test_acc >= *row.final_test_acc);
    CHECK(*row.best_test_acc <= 1.0);
    REQUIRE(row.final_test_loss);
    CHECK(std::isfinite(*row.final_test_loss));
    CHECK(*row.final_test_loss > 0.0);
    CHECK(*row.seconds_per_epoch > 0.0);
    CHECK(*row.images_per_s > 0.0);
    CHECK(*row.peak_memory_mib >= 0.0);
    // The run folder is complete, its config the recipe with this type.
    RunPaths run(paths.run_dir(types[i]));
    CHECK(row.run_dir == "runs/sweep_tiny-sweep/" + types[i]);  // as the user would type it
    auto metrics = read_metrics(run.metrics);
    REQUIRE(metrics.size() == 1);
    CHECK(*row.final_test_acc == *metrics.back().value("test_acc"));
    CHECK(fs::is_regular_file(run.report));
    CHECK(fs::is_directory(run.latest));
    ExperimentConfig c = load_config(run.config);
    CHECK(c.model.attention_type() == types[i]);
    CHECK(c.name == "sweep_tiny-" + types[i]);
    // Its row in the Markdown table (stdout and sweep.md) and the HTML page.
    const std::string line = "| " + types[i] + " | ";
    CHECK(markdown.find(line) != std::string::npos);
    CHECK(r.out.find(line) != std::string::npos);
    CHECK(html.find(">" + types[i] + "</a>") != std::string::npos);
  }
  CHECK(rows[0].parameters != rows[1].parameters);  // cos2d has no qkv bias
  CHECK(rows[0].parameters != rows[2].parameters);  // linformer has E and F
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);

  // The same sweep again into the same folder is refused before it trains.
  auto again = sweep_run({"sweep", d.config, "--attention", "softmax", "--data-root", d.data}, d.scratch.str());
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("already holds a sweep") != std::string::npos);
  CHECK(again.err.find("--resume") != std::string::npos);

  // A sweep stopped before linformer started (its folder has only the config the sweep wrote):
  // --resume skips the finished types, untouched, and trains linformer.
  const std::string softmax_log = testing::read_text(RunPaths(paths.run_dir("softmax")).log);
  RunPaths linformer(paths.run_dir("linformer"));
  fs::remove_all(linformer.checkpoints);
  fs::remove(linformer.metrics);
  auto resumed = sweep_run({"sweep", "--resume", dir, "--data-root", d.data}, d.scratch.str());
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out.find("softmax: already completed, skipped") != std::string::npos);
  CHECK(resumed.out.find("cos2d: already completed, skipped") != std::string::npos);
  CHECK(resumed.out.find("linformer: training in") != std::string::npos);
  CHECK(testing::read_text(RunPaths(paths.run_dir("softmax")).log) == softmax_log);
  CHECK(read_metrics(linformer.metrics).size() == 1);
  rows = read_rows(dir);
  REQUIRE(rows.size() == 3);
  for (const auto& row : rows) CHECK(row.status == "completed");
  CHECK(rows[2].parameters == vit_parameters("linformer"));
}

TEST_CASE("sweep: Ctrl-C stops with exit 130 and the table, and --resume continues the stopped type") {
  SweepDir d;
  const std::string dir = d.scratch.str("sw");
  const SweepPaths paths(dir);
  RunPaths softmax(paths.run_dir("softmax")), cos2d(paths.run_dir("cos2d"));
  bool sent = false;
  auto r = sweep_run({"sweep", d.config, "--attention", "softmax,cos2d", "--data-root", d.data, "--run-dir", dir,
                      "--set", "train.max_steps=0", "--set", "train.epochs=1000"},
                     d.scratch.str(), [&](pid_t pid) {
                       if (testing::read_text(softmax.log).find("(global 2)") == std::string::npos) return false;
                       ::kill(pid, SIGINT);
                       return sent = true;
                     });
  REQUIRE(sent);
  CHECK(r.exit_code == 130);
  CHECK(r.err.find("Resume with: linattn sweep --resume " + dir) != std::string::npos);
  auto rows = read_rows(dir);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].status == "interrupted");
  CHECK(rows[1].status == "pending");
  CHECK(fs::is_regular_file(paths.markdown));
  CHECK(fs::is_regular_file(paths.html));
  CHECK_FALSE(fs::exists(cos2d.metrics));
  const std::int64_t stopped_at = read_training_state(find_checkpoint(softmax.root)).step;
  CHECK(stopped_at >= 2);

  // Continue with a step cap: softmax resumes from its checkpoint, cos2d starts.
  const std::int64_t cap = stopped_at + 2;
  auto resumed = sweep_run({"sweep", "--resume", dir, "--data-root", d.data, "--set",
                            "train.max_steps=" + std::to_string(cap)},
                           d.scratch.str());
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out.find("softmax: resuming in") != std::string::npos);
  CHECK(resumed.out.find("cos2d: training in") != std::string::npos);
  CHECK(read_metrics(softmax.metrics).back().step == cap);
  CHECK(read_metrics(cos2d.metrics).back().step == cap);
  CHECK(testing::read_text(softmax.log).find("resuming") != std::string::npos);
  rows = read_rows(dir);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].status == "completed");
  CHECK(rows[1].status == "completed");
}

TEST_CASE("sweep: a diverged type is recorded and the sweep goes on (exit 3)") {
  SweepDir d;
  const std::string dir = d.scratch.str("sw");
  auto r = sweep_run({"sweep", d.config, "--attention", "softmax,efficient", "--data-root", d.data, "--run-dir",
                      dir, "--set", "optim.lr=1e30"},
                     d.scratch.str());
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("diverged") != std::string::npos);
  auto rows = read_rows(dir);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    CHECK(row.status == "diverged");
    CHECK(row.message.find("training diverged") != std::string::npos);
    CHECK(fs::is_regular_file(RunPaths(row.run_dir).log));  // the second type ran too
  }
  CHECK(testing::read_text(SweepPaths(dir).markdown).find("| diverged |") != std::string::npos);
}

TEST_CASE("sweep: user errors are one message and exit code 2, before anything runs") {
  SweepDir d;
  const std::string cwd = d.scratch.str();
  auto check_error = [&](std::vector<std::string> args, const std::vector<std::string>& what) {
    args.insert(args.begin(), "sweep");
    args.insert(args.end(), {"--data-root", d.data});
    auto r = sweep_run(args, cwd);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("linattn sweep: error") != std::string::npos);
    for (const auto& w : what) CHECK_MESSAGE(r.err.find(w) != std::string::npos, "missing '" << w << "'");
    CHECK_FALSE(fs::exists(d.scratch.str("runs")));  // nothing was written
  };
  check_error({d.config, "--attention", "softmax,softmx"},
              {"unknown attention type 'softmx'", "softmax, cos2d, external, linformer, additive, efficient"});
  check_error({d.config, "--attention", "cos2d,softmax,cos2d"}, {"'cos2d' is listed twice"});
  check_error({d.config, "--attention", "softmax,,cos2d"}, {"empty entry"});
  check_error({d.config, "--attention", ","}, {"empty entry"});
  check_error({d.config, "--attention", ""}, {"--attention needs a non-empty value"});
  check_error({d.config}, {"needs --attention"});
  check_error({"--attention", "softmax"}, {"needs one CONFIG"});
  check_error({d.scratch.str("missing.yaml"), "--attention", "softmax"}, {"missing.yaml' does not exist"});
  // A key wrong for every type, and one wrong for only one of them (cos2d has M, softmax not).
  check_error({d.config, "--attention", "softmax,cos2d", "--set", "optim.nope=1"}, {"optim.nope"});
  check_error({d.config, "--attention", "cos2d,softmax", "--set", "model.attention.M=6"},
              {"attention type 'softmax'", "model.attention.M", "unknown option 'M'"});
  // A model that cannot be built for one type (cos2d has no cls token) fails before softmax trains.
  check_error({d.config, "--attention", "softmax,cos2d", "--set", "model.pool=cls"}, {"attention type 'cos2d'"});
  check_error({d.config, "--attention", "softmax", "--set", "model.attention.type=cos2d"},
              {"conflicts with the sweep"});
  check_error({"--resume", d.scratch.str("data")}, {"not a sweep folder"});
  check_error({"--resume", d.scratch.str("x"), "--overwrite"}, {"cannot be combined"});

  auto help = sweep_run({"help", "sweep"}, cwd);
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--attention TYPES") != std::string::npos);
  CHECK(help.out.find("--resume") != std::string::npos);
  CHECK(sweep_run({"sweep", "--help"}, cwd).out == help.out);
  CHECK(sweep_run({"help"}, cwd).out.find("sweep") != std::string::npos);
}
