// apps/cmd_eval.cpp — `linattn eval`: the task's test metrics of a trained model (classification:
// test loss, top-1 and top-5; detection: the test loss and COCO box AP, with pycocotools' 12-line
// summary and the detections written in COCO's results format), from a run folder (its
// config.yaml and best checkpoint) or a config and a checkpoint. The config's task
// (train/task.h) builds the loader and evaluates (Task::evaluate_report).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "apps/cli.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "data/loader.h"
#include "models/model_type.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/device_setup.h"
#include "train/run_dir.h"
#include "train/task.h"

namespace linattn::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kHelp = R"(usage: linattn eval RUN_DIR_OR_CONFIG [options]

Evaluates a trained model on the test split with its config's task: for classification the mean
cross-entropy, top-1 and top-5 accuracy (the test_loss, test_acc and test_top5 of metrics.jsonl);
for detection the set loss and COCO box AP of the split data.eval_split names (val, or train),
printed as pycocotools' 12 stats with the AP of each category, and the detections written in
COCO's results format to <run folder>/detections_<split>.json (or --out).
With a run folder, its config.yaml and checkpoints/best (else checkpoints/latest) are used;
with a config file, the checkpoint is --checkpoint, else that of runs/<name>.

options:
  --checkpoint PATH  a checkpoint folder, a run folder, or a model .safetensors file
  --data-root DIR    where the datasets are (else data.root, else $LINATTN_DATA, else ./data)
  --set KEY=VALUE    override a config key, e.g. --set data.test_subset=1000 (repeatable)
  --out PATH         detection: write the detections (COCO results JSON) here instead
  --json             print the result as one JSON object
)";

// The checkpoint a run folder offers: best, else latest.
std::string run_checkpoint(const std::string& run_dir) {
  RunPaths paths(run_dir);
  if (fs::is_regular_file(fs::path(paths.best) / kModelFile)) return paths.best;
  return find_checkpoint(run_dir);
}

int run_eval(const Args& args) {
  ParsedArgs p = parse_args("eval", args,
                            {{"--checkpoint", true},
                             {"--data-root", true},
                             {"--set", true, true},
                             {"--out", true},
                             {"--json", false}});
  if (p.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  expect_positional("eval", p, 1, 1, "one RUN_DIR_OR_CONFIG");
  const std::string target = p.positional[0];
  LINATTN_CHECK(fs::exists(target), "'", target, "' does not exist (expected a run folder or a config file)");
  ExperimentConfig config;
  std::string checkpoint = p.value("--checkpoint");
  std::string run_dir;  // the run evaluated, where a results file goes by default; empty: none
  if (fs::is_directory(target)) {
    RunPaths paths(target);
    LINATTN_CHECK(fs::is_regular_file(paths.config), "'", target, "' is a folder without config.yaml: not a run folder");
    config = load_config(paths.config, p.all("--set"));
    run_dir = target;
    if (checkpoint.empty()) checkpoint = run_checkpoint(target);
  } else {
    config = load_config(target, p.all("--set"));
    if (fs::is_directory(default_run_dir(config))) run_dir = default_run_dir(config);
    if (checkpoint.empty()) {
      LINATTN_CHECK(!run_dir.empty(), "no --checkpoint given and the config's run folder '", default_run_dir(config),
                    "' does not exist");
      checkpoint = run_checkpoint(run_dir);
    }
  }
  if (fs::is_directory(checkpoint) && !fs::is_regular_file(fs::path(checkpoint) / kModelFile))
    checkpoint = find_checkpoint(checkpoint);
  apply_device_config(config);  // the device exists (else a clear error); TF32 as train.tf32 says

  set_num_threads(static_cast<int>(config.threads));
  Generator gen(static_cast<std::uint64_t>(config.seed));
  std::unique_ptr<Task> task = make_task(config.task, config);
  auto model = make_model(config.model, gen);
  task->check_model(*model);
  load_weights(checkpoint, *model);
  model->to(config.device);
  std::unique_ptr<DataLoader> loader = task->make_test_loader(p.value("--data-root"));
  EvalReport report;
  TaskEvaluation r = task->evaluate_report(*model, *loader, config.device, {run_dir, p.value("--out")}, report);

  if (p.has("--json")) {
    nlohmann::ordered_json j{{"checkpoint", checkpoint}, {"images", r.count}};
    for (const NamedValue& v : r.values) {
      if (v.value) j[v.name] = *v.value;
      else j[v.name] = nullptr;
    }
    if (!report.files.empty()) j["files"] = report.files;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s: %lld test images — %s\n", checkpoint.c_str(), static_cast<long long>(r.count),
                describe_values(task->metrics(), r.values).c_str());
    std::fputs(report.text.c_str(), stdout);
    for (const std::string& file : report.files) std::printf("wrote %s\n", file.c_str());
  }
  return kExitOk;
}

}  // namespace

Command eval_command() {
  return {"eval", "evaluate a trained model on the test split", kHelp, run_eval};
}

}  // namespace linattn::cli
