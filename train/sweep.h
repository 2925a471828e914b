// train/sweep.h — one recipe trained once per attention type, each in its own run folder, and a
// comparison table of the results (train/sweep_table.h). Used by `linattn sweep`.
//
// Layout of a sweep folder (default runs/<name>-sweep/):
//   <type>/      a complete run folder per type (train/run_dir.h); its config.yaml is written
//                when the sweep starts, so a resumed sweep knows every type's config
//   sweep.json   the plan (types, config, overrides) and one result row per type
//   sweep.md, sweep.html   the comparison table (rewritten after every type)
//
// Invariants:
//  - Nothing trains before every type's config has been resolved and checked and its model
//    built: an unknown or duplicate type, a --set key that is wrong for any one type, or a run
//    folder that already holds a run is an Error before the first step.
//  - A type's config is the recipe with model.attention.type=<type> applied first, then the
//    overrides; its name is "<name>-<type>".
//  - Every type trains the same task (`task:`); the table's metric columns are that task's
//    (train/sweep_table.h: classification's top-1 columns, detection's AP columns, ...).
//  - Types whose data config is the same share one loaded dataset (classification's splits,
//    detection's COCO splits).
//  - A stop request (Ctrl-C) ends the sweep after the trainer saved its checkpoint; a diverged
//    type is recorded and the sweep goes on. The table is written in every case.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/config.h"
#include "train/sweep_table.h"

namespace linattn {

// "softmax,cos2d" → {"softmax", "cos2d"}; "all" → every registered type. Error (naming the valid
// types) on an unknown type, a duplicate or an empty entry. Several lists are concatenated.
std::vector<std::string> parse_attention_list(const std::vector<std::string>& lists);

struct SweepOptions {
  std::string config_path;             // the recipe; empty on resume: each type's config.yaml
  std::vector<std::string> types;      // empty on resume: those of sweep.json
  std::vector<std::string> overrides;  // --set, after model.attention.type=<type>
  std::string sweep_dir;               // empty: runs/<name>-sweep
  std::string data_root;               // --data-root
  bool resume = false;                 // continue the sweep in sweep_dir
  bool overwrite = false;              // start over in a sweep folder that holds one
  bool console = true;                 // the trainers log to the console too
};

// Every type's resolved config and model size; writes nothing.
struct SweepPlan {
  std::string name, dir, config_path;
  std::vector<std::string> types, overrides;
  std::vector<ExperimentConfig> configs;  // one per type, same order
  std::vector<std::int64_t> parameters;   // one per type
  SweepLayout layout;                     // the task's metric columns
};

// Resolves and checks everything (see the invariants); Error on the first problem, naming the
// attention type it concerns.
SweepPlan plan_sweep(const SweepOptions& options);

// Interrupted: stopped by a request (Ctrl-C). Failed: ≥ 1 type threw an Error while training
// (e.g. out of memory). Diverged: ≥ 1 type diverged (and none failed).
enum class SweepStatus { Completed, Interrupted, Failed, Diverged };

struct SweepResult {
  SweepStatus status = SweepStatus::Completed;
  std::vector<SweepRow> rows;
  std::string message;  // what happened and what to do next (Interrupted, Diverged)
};

// Trains every type of `plan` not already finished (resume) and writes the table files.
SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options);

// <dir>/sweep.json, sweep.md, sweep.html.
struct SweepPaths {
  explicit SweepPaths(const std::string& dir);
  std::string dir, json, markdown, html;
  std::string run_dir(const std::string& type) const;
};

}  // namespace linattn
