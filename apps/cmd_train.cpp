// apps/cmd_train.cpp — `linattn train`: a training run from a YAML config into a run folder, or
// the continuation of an interrupted one (--resume). Ctrl-C stops after the current step with a
// checkpoint (exit 130); a diverged run exits 3 without touching its last good checkpoint.
#include <cstdio>
#include <filesystem>

#include "apps/cli.h"
#include "train/config.h"
#include "train/run_dir.h"
#include "train/stop_signal.h"
#include "train/trainer.h"

namespace linattn::cli {

namespace {

constexpr const char* kHelp = R"(usage: linattn train CONFIG [options]
       linattn train --resume RUN_DIR [CONFIG] [options]

Trains the model CONFIG describes and writes the run folder (default runs/<name>/): config.yaml,
metrics.jsonl, train.log, report.html, checkpoints/latest and checkpoints/best.

options:
  --set KEY=VALUE   override a config key, e.g. --set optim.lr=5e-4 (repeatable)
  --data-root DIR   where the datasets are (else data.root, else $LINATTN_DATA, else ./data)
  --run-dir DIR     the run folder (default runs/<name>)
  --resume RUN_DIR  continue the run in RUN_DIR from its latest checkpoint, exactly where it
                    stopped; its config.yaml is used unless CONFIG is given (--set still applies)
  --overwrite       start over in a run folder that already holds a run (deletes its results)

Ctrl-C finishes the current step, saves a checkpoint and exits with code 130; continue with
`linattn train --resume RUN_DIR`. Exit codes: 0 done, 2 usage or config error, 3 diverged.
)";

int run_train(const Args& args) {
  ParsedArgs p = parse_args("train", args,
                            {{"--set", true, true}, {"--data-root", true}, {"--run-dir", true}, {"--resume", true},
                             {"--overwrite", false}});
  if (p.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const bool resume = p.has("--resume");
  expect_positional("train", p, resume ? 0 : 1, 1, resume ? "at most one CONFIG" : "one CONFIG (a YAML file)");
  if (resume && p.has("--overwrite")) throw UsageError("--resume and --overwrite cannot be combined");
  if (resume && p.has("--run-dir") && p.value("--run-dir") != p.value("--resume"))
    throw UsageError("--resume RUN_DIR already names the run folder; leave out --run-dir");

  std::string config_path;
  if (!p.positional.empty()) {
    config_path = p.positional[0];
  } else {
    config_path = RunPaths(p.value("--resume")).config;
    LINATTN_CHECK(std::filesystem::is_regular_file(config_path), "cannot resume '", p.value("--resume"),
                  "': it has no config.yaml, so it is not a run folder");
  }
  LINATTN_CHECK(std::filesystem::is_regular_file(config_path), "config file '", config_path, "' does not exist");
  ExperimentConfig config = load_config(config_path, p.all("--set"));

  TrainerOptions options;
  options.run_dir = resume ? p.value("--resume") : p.value("--run-dir");
  options.data_root = p.value("--data-root");
  options.resume = resume;
  options.overwrite = p.has("--overwrite");

  StopSignalScope signals;  // Ctrl-C / SIGTERM: stop after the current step with a checkpoint
  Trainer trainer(config, options);
  RunResult result = trainer.run();
  if (!result.logged && !result.message.empty()) std::fprintf(stderr, "linattn train: %s\n", result.message.c_str());
  switch (result.status) {
    case RunStatus::Completed: return kExitOk;
    case RunStatus::Interrupted: return kExitInterrupted;
    case RunStatus::Diverged: return kExitDiverged;
  }
  return kExitInternal;
}

}  // namespace

Command train_command() {
  return {"train", "train a model from a YAML config (or --resume a run)", kHelp, run_train};
}

}  // namespace linattn::cli
