// train/run_dir.h — the layout of a run folder (runs/<name>/ by default):
//   config.yaml    the resolved config (to_yaml), parses back to the same config
//   metrics.jsonl  one JSON record per epoch (train/metrics.h)
//   train.log      the human-readable log (train/run_log.h)
//   report.html    curves and summary (train/report.h)
//   checkpoints/latest, checkpoints/best   (train/checkpoint.h)
// Used by the trainer and the `linattn` commands.
#pragma once
#include <string>

#include "train/config.h"

namespace linattn {

struct RunPaths {
  explicit RunPaths(const std::string& root);
  std::string root, config, metrics, log, report, checkpoints, latest, best;
};

// runs/<config.name> (relative to the current directory).
std::string default_run_dir(const ExperimentConfig& config);

// True when `root` already holds a run's results (metrics.jsonl or checkpoints/).
bool holds_run(const RunPaths& paths);

// Makes `root` ready for a new run: creates it; when it already holds a run, either removes that
// run's files (overwrite) or throws an Error saying how to resume, overwrite or choose another.
void prepare_new_run(const RunPaths& paths, bool overwrite);

}  // namespace linattn
