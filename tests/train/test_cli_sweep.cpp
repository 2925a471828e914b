// tests/train/test_cli_sweep.cpp — `linattn sweep` as a user runs it (child processes of the real
// program, real ViTs of one 8-wide block on CIFAR-10 binary batches the test writes): one run
// folder per attention type, sweep.json / sweep.md / sweep.html with real values (parameter
// counts equal to the models', accuracies in [0, 1]), --resume skipping finished types and
// continuing a Ctrl-C'd one, divergence recorded while the sweep goes on, and every user error
// one message with exit code 2 before anything trains. Detection configs (a tiny detr_lite on a
// tiny COCO-format dataset the test writes) get one table of the task's AP values at each run's
// best-AP epoch; sweep.json keeps the columns, and one written before them reads as
// classification's.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "detection_cli_fixture.h"
#include "fixtures/cifar_binary.h"
#include "fixtures/process.h"
#include "fixtures/tiny.h"
#include "models/vit.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/metrics.h"
#include "train/run_dir.h"
#include "train/sweep.h"
#include "train/tasks/detection.h"

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
    REQUIRE(row.value("best_test_acc"));
    REQUIRE(row.value("final_test_acc"));
    CHECK(*row.value("final_test_acc") >= 0.0);
    CHECK(*row.value("final_test_acc") <= 1.0);
    CHECK(*row.value("best_test_acc") >= *row.value("final_test_acc"));
    CHECK(*row.value("best_test_acc") <= 1.0);
    REQUIRE(row.value("final_test_loss"));
    CHECK(std::isfinite(*row.value("final_test_loss")));
    CHECK(*row.value("final_test_loss") > 0.0);
    CHECK(*row.seconds_per_epoch > 0.0);
    CHECK(*row.images_per_s > 0.0);
    CHECK(*row.peak_memory_mib >= 0.0);
    // The run folder is complete, its config the recipe with this type.
    RunPaths run(paths.run_dir(types[i]));
    CHECK(row.run_dir == "runs/sweep_tiny-sweep/" + types[i]);  // as the user would type it
    auto metrics = read_metrics(run.metrics);
    REQUIRE(metrics.size() == 1);
    CHECK(*row.value("final_test_acc") == *metrics.back().value("test_acc"));
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

TEST_CASE("sweep table: a detection sweep's columns are the task's AP values at the best-AP epoch") {
  const ExperimentConfig config = parse_config_string(testing::tiny_detr_yaml("det"), "det.yaml");
  const DetectionTask task(config);
  const SweepLayout layout = sweep_layout("detection", task.metrics());
  CHECK(layout.task == "detection");
  std::vector<std::string> headers;
  for (const auto& c : layout.columns) {
    headers.push_back(c.header);
    CHECK(c.pick == SweepPick::AtBest);
  }
  CHECK(headers == std::vector<std::string>{"AP", "AP50", "AP75", "APs", "APm", "APl", "AP person"});
  CHECK(layout.best.name == "AP");
  CHECK(layout.chart_key == "AP");

  // Three evaluations: the best AP is epoch 2's, and every column shows epoch 2's value.
  std::vector<EpochMetrics> ms(4);
  const double ap[] = {0.1, 0.3, 0.2}, ap50[] = {0.4, 0.5, 0.7};
  for (int e = 0; e < 4; ++e) {
    ms[e].epoch = e + 1;
    ms[e].step = 10 * (e + 1);
    ms[e].epoch_seconds = 2.0 + e;
    ms[e].images_per_s = 10.0;
    ms[e].peak_memory_bytes = static_cast<std::uint64_t>(e + 1) << 20;
    for (const MetricSpec& spec : task.metrics().values) ms[e].eval.push_back({spec.name, std::nullopt});
    if (e == 3) continue;  // not evaluated
    ms[e].set("test_loss", 3.0 - e);
    ms[e].set("AP", ap[e]);
    ms[e].set("AP50", ap50[e]);
    ms[e].set("AP75", ap[e] / 2);
    ms[e].set("APs", -1.0);  // no small ground truth
    ms[e].set("APm", ap[e]);
    ms[e].set("APl", ap[e] * 2);
    ms[e].set("AP_person", ap[e] + 0.01);
  }
  SweepRow row;
  row.type = "efficient";
  row.status = "completed";
  row.run_dir = "runs/x/efficient";
  row.parameters = 1234567;
  fill_from_metrics(row, ms, layout);
  CHECK(*row.value("AP") == 0.3);
  CHECK(*row.value("AP50") == 0.5);  // epoch 2's, not the highest AP50 (0.7)
  CHECK(*row.value("AP75") == 0.15);
  CHECK(*row.value("APs") == -1.0);
  CHECK(*row.value("APl") == 0.6);
  CHECK(*row.value("AP_person") == doctest::Approx(0.31));
  CHECK(row.steps == 40);
  CHECK(*row.seconds_per_epoch == 3.5);
  CHECK(*row.peak_memory_mib == 4.0);

  const std::string markdown = sweep_markdown(layout, {row});
  CHECK(markdown.find("| type | parameters | AP | AP50 | AP75 | APs | APm | APl | AP person | s / epoch | images/s | "
                      "peak MiB | status |") == 0);
  CHECK(markdown.find("| efficient | 1,234,567 | 0.300 | 0.500 | 0.150 | -1.000 | 0.300 | 0.600 | 0.310 | 3.50 | "
                      "10.0 | 4.0 | completed |") != std::string::npos);
  SweepTableInfo info{"det", "runs/det-sweep", "det.yaml", "completed", {"efficient"}, {}, layout};
  const std::string html = sweep_html(info, {row});
  CHECK(html.find("<th>AP50</th>") != std::string::npos);
  CHECK(html.find("<title>AP</title>") != std::string::npos);  // the bar chart of AP
  CHECK(html.find("epoch with the best AP") != std::string::npos);

  // sweep.json keeps the layout; a sweep.json from before it reads as classification's.
  testing::Scratch dir("sweep_table");
  std::ofstream(dir.str("sweep.json")) << sweep_json(info, {row});
  SweepTableInfo back;
  std::vector<SweepRow> rows;
  read_sweep_json(dir.str("sweep.json"), back, rows);
  CHECK(back.layout.task == "detection");
  CHECK(back.layout.columns == layout.columns);
  CHECK(back.layout.best.name == "AP");
  CHECK(back.layout.chart_title == layout.chart_title);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].values == row.values);
  CHECK(sweep_markdown(back.layout, rows) == markdown);

  std::ofstream(dir.str("old.json")) << R"({"name": "old", "config": "c.yaml", "status": "completed",
    "attention": ["softmax"], "overrides": [], "results": [{"type": "softmax", "status": "completed",
    "run_dir": "r", "parameters": 10, "epochs": 1, "steps": 3, "best_test_acc": 0.5, "final_test_acc": 0.25,
    "final_test_loss": 1.5, "seconds_per_epoch": 1.0, "images_per_s": 2.0, "peak_memory_mib": 3.0}]})";
  read_sweep_json(dir.str("old.json"), back, rows);
  CHECK(back.layout.task == "classification");
  REQUIRE(rows.size() == 1);
  CHECK(*rows[0].value("best_test_acc") == 0.5);
  CHECK(sweep_markdown(back.layout, rows).find("| softmax | 10 | 50.00% | 25.00% | 1.5000 |") != std::string::npos);
}

TEST_CASE("sweep: detection configs train one run per type on COCO data, one table of AP values") {
  testing::Scratch scratch("sweep_det");
  testing::write_tiny_coco(scratch.str("data"), 4, 2);
  const std::string config = scratch.str("det.yaml");
  std::ofstream(config) << testing::tiny_detr_yaml("det");
  auto r = sweep_run({"sweep", config, "--attention", "softmax,linformer", "--data-root", scratch.str("data")},
                     scratch.str());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("| type | parameters | AP | AP50 | AP75 | APs | APm | APl | AP person | s / epoch |") !=
        std::string::npos);
  const std::string dir = scratch.str("runs/det-sweep");
  SweepTableInfo info;
  auto rows = read_rows(dir, &info);
  CHECK(info.layout.task == "detection");
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    INFO("type " << row.type);
    CHECK(row.status == "completed");
    CHECK(row.steps == 2);
    CHECK(row.run_dir == "runs/det-sweep/" + row.type);
    ExperimentConfig c = load_config(RunPaths(scratch.str(row.run_dir)).config);
    Generator gen(static_cast<std::uint64_t>(c.seed));
    CHECK(row.parameters == make_model(c.model, gen)->num_parameters());
    // The run's AP values as its metrics.jsonl has them (one evaluation: the last epoch).
    const auto metrics = read_metrics(RunPaths(scratch.str(row.run_dir)).metrics);
    REQUIRE(metrics.size() == 1);
    for (const char* name : {"AP", "AP50", "AP75", "APs", "APm", "APl", "AP_person"}) {
      REQUIRE_MESSAGE(row.value(name), name);
      CHECK(*row.value(name) == *metrics.back().value(name));
      CHECK(*row.value(name) <= 1.0);
    }
    CHECK(fs::is_regular_file(scratch.str(row.run_dir + "/categories.json")));
    // Its report: the AP curves and the gallery of the 2 validation images (inline JPEGs).
    const std::string report = testing::read_text(scratch.str(row.run_dir + "/report.html"));
    CHECK(report.find("<title>COCO box AP</title>") != std::string::npos);
    CHECK(report.find("<h2>Validation images</h2>") != std::string::npos);
    std::size_t figures = 0;
    for (std::size_t at = report.find("<figure"); at != std::string::npos; at = report.find("<figure", at + 1))
      ++figures;
    CHECK(figures == 2);
    CHECK(report.find("image 1001: ") != std::string::npos);
    CHECK(report.find("2 ground truth</figcaption>") != std::string::npos);  // image 1002: a person and a car
  }
  CHECK(rows[0].parameters != rows[1].parameters);  // linformer has its E and F projections
  CHECK(testing::read_text(SweepPaths(dir).html).find("<th>AP person</th>") != std::string::npos);
}
