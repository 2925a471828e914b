// train/trainer.h — trains a model for a task from an ExperimentConfig into a run folder
// (train/run_dir.h): the epoch loop with the LR schedule, weight-decay groups, gradient clipping,
// evaluation, metrics, report, atomic checkpoints, exact resume, graceful stop and NaN stop.
// What depends on the problem — the loaders, the loss of a batch, the evaluation, the metric
// values and which one picks checkpoints/best — is the config's Task (train/task.h).
// Used by `linattn train`; the model and datasets can be injected (tests), otherwise they come
// from the config (models/model_type.h, the task's loaders).
//
// Invariants:
//  - Determinism: on the CPU, the same config gives the same losses, and a run stopped anywhere
//    (request_stop / SIGINT) and resumed gives bit-identical metrics (timing fields aside): the
//    checkpoint holds weights, optimizer state, step, RNG states, the loader position and the
//    partial epoch's loss sum; the schedule and the batches are pure functions of them.
//  - A checkpoint is written only from a finite state: a non-finite loss (or gradient norm when
//    clipping) stops the run before the update, leaving the last good checkpoint untouched.
//  - run() never leaves the console's progress line half drawn, and every error is a linattn::Error.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "data/dataset.h"
#include "layers/module.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/metrics.h"
#include "train/optim/optimizer.h"

namespace linattn {

class Task;

struct TrainerOptions {
  std::string run_dir;       // empty: runs/<config.name>
  std::string data_root;     // --data-root (used when the datasets come from the config)
  bool resume = false;       // continue from run_dir/checkpoints/latest
  bool overwrite = false;    // start over in a run_dir that already holds a run
  bool console = true;       // log to the console as well as train.log
  bool progress_bar = true;  // the in-place progress line, when stdout is a terminal
};

class CocoDetectionDataset;  // data/coco.h

// Optional injected parts; null members are built from the config. The model must be what the
// task trains (an ImageClassifier for classification, an ObjectDetector for detection); the
// datasets are classification's splits and detection's whole COCO splits (train/task.h
// InjectedData).
struct TrainerParts {
  std::shared_ptr<Module> model;
  std::shared_ptr<const Dataset> train_set, test_set;
  std::shared_ptr<const CocoDetectionDataset> coco_train = nullptr, coco_val = nullptr;
};

enum class RunStatus { Completed, Interrupted, Diverged };

struct RunResult {
  RunStatus status = RunStatus::Completed;
  TrainingState state;  // where the run stands (as in its latest checkpoint, unless Diverged)
  std::string message;  // what happened and what to do next (Interrupted, Diverged)
  bool logged = true;   // the message already went to the run's log (and console)
};

// After every optimizer update (tests use it to stop at a chosen step).
struct StepInfo {
  std::int64_t step = 0;   // updates done, including this one
  std::int64_t epoch = 0;  // 0-based loader epoch
  std::int64_t batch = 0;  // batches of this epoch done, including this one
  double loss = 0, lr = 0;
};

class Trainer {
 public:
  // Checks the run folder (new: refuses one holding a run unless overwrite; resume: needs a
  // checkpoint), sets the CPU thread count and seeds the default generator (config.seed; a
  // resume restores the checkpoint's state instead), loads the data, builds model and
  // optimizer. Nothing is written yet.
  Trainer(ExperimentConfig config, TrainerOptions options = {}, TrainerParts parts = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains until train.epochs (or train.max_steps), a stop request, or a non-finite loss.
  RunResult run();

  // Asks run() to stop after the current step with a checkpoint (thread-safe; SIGINT does the
  // same through train/stop_signal.h).
  void request_stop();
  void set_step_callback(std::function<void(const StepInfo&)> callback);
  // After every epoch's metrics, checkpoints and report are written.
  void set_epoch_callback(std::function<void(const EpochMetrics&)> callback);

  const ExperimentConfig& config() const;
  const std::string& run_dir() const;
  Module& model();
  const Task& task() const;
  Optimizer& optimizer();
  std::int64_t steps_per_epoch() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

const char* run_status_name(RunStatus status);  // "completed", "interrupted", "diverged"

}  // namespace linattn
