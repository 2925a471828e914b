// apps/cmd_eval.cpp — `linattn eval`: the task's test metrics of a trained model (classification:
// test loss, top-1 and top-5), from a run folder (its config.yaml and best checkpoint) or a
// config and a checkpoint. The config's task (train/task.h) builds the loader and evaluates.
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
cross-entropy, top-1 and top-5 accuracy (the test_loss, test_acc and test_top5 of metrics.jsonl).
With a run folder, its config.yaml and checkpoints/best (else checkpoints/latest) are used;
with a config file, the checkpoint is --checkpoint, else that of runs/<name>.

options:
  --checkpoint PATH  a checkpoint folder, a run folder, or a model .safetensors file
  --data-root DIR    where the datasets are (else data.root, else $LINATTN_DATA, else ./data)
  --set KEY=VALUE    override a config key, e.g. --set data.test_subset=1000 (repeatable)
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
                            {{"--checkpoint", true}, {"--data-root", true}, {"--set", true, true}, {"--json", false}});
  if (p.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  expect_positional("eval", p, 1, 1, "one RUN_DIR_OR_CONFIG");
  const std::string target = p.positional[0];
  LINATTN_CHECK(fs::exists(target), "'", target, "' does not exist (expected a run folder or a config file)");
  ExperimentConfig config;
  std::string checkpoint = p.value("--checkpoint");
  if (fs::is_directory(target)) {
    RunPaths paths(target);
    LINATTN_CHECK(fs::is_regular_file(paths.config), "'", target, "' is a folder without config.yaml: not a run folder");
    config = load_config(paths.config, p.all("--set"));
    if (checkpoint.empty()) checkpoint = run_checkpoint(target);
  } else {
    config = load_config(target, p.all("--set"));
    if (checkpoint.empty()) {
      const std::string run_dir = default_run_dir(config);
      LINATTN_CHECK(fs::is_directory(run_dir), "no --checkpoint given and the config's run folder '", run_dir,
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
  TaskEvaluation r = task->evaluate(*model, *loader, config.device);

  if (p.has("--json")) {
    nlohmann::ordered_json j{{"checkpoint", checkpoint}, {"images", r.count}};
    for (const NamedValue& v : r.values) {
      if (v.value) j[v.name] = *v.value;
      else j[v.name] = nullptr;
    }
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s: %lld test images — %s\n", checkpoint.c_str(), static_cast<long long>(r.count),
                describe_values(task->metrics(), r.values).c_str());
  }
  return kExitOk;
}

}  // namespace

Command eval_command() {
  return {"eval", "evaluate a trained model on the test split", kHelp, run_eval};
}

}  // namespace linattn::cli
