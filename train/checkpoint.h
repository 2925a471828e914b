// train/checkpoint.h — complete, atomic training checkpoints: one folder holding
//   model.safetensors           the model's state_dict (PyTorch names), loadable by PyTorch
//   training_state.safetensors  the optimizer state ("optimizer.<key>", train/optim/optimizer.h)
//                               + metadata "linattn.training_state": JSON of TrainingState
// Used by the trainer (runs/<name>/checkpoints/{latest,best}) and `linattn eval`.
//
// Atomicity: save_checkpoint writes everything into "<dir>.tmp", then swaps it with <dir> in one
// renameat2(RENAME_EXCHANGE) (or, where the file system cannot, renames <dir> to "<dir>.old",
// "<dir>.tmp" to <dir>, and removes the old one). A crash at any point leaves either the previous
// checkpoint or the new one complete; find_checkpoint() also accepts a leftover "<dir>.old".
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "layers/module.h"
#include "train/optim/optimizer.h"

namespace linattn {

struct GeneratorState {
  std::uint64_t seed = 0, offset = 0;
  bool operator==(const GeneratorState&) const = default;
};

// Where a run stands, enough to continue it exactly.
struct TrainingState {
  std::int64_t step = 0;              // optimizer updates done
  std::int64_t epoch = 0;             // the loader epoch to continue (0-based)
  std::int64_t batches_consumed = 0;  // batches of `epoch` already trained on
  double epoch_loss_sum = 0;          // Σ train loss over those batches (exact: JSON round-trips doubles)
  std::int64_t epoch_loss_count = 0;
  // The best value so far of the task's best metric (train/metrics.h BestMetric; classification:
  // test top-1), nullopt before the first evaluation. Checkpoints written before tasks existed
  // stored it as "best_test_acc" (-1: never evaluated) and read back as best_metric "test_acc".
  std::string best_metric;
  std::optional<double> best_value;
  std::int64_t best_epoch = 0;        // 1-based epoch of best_value
  std::map<std::string, GeneratorState> generators;  // "default" + the trainer's own streams
  bool operator==(const TrainingState&) const = default;
};

constexpr const char* kModelFile = "model.safetensors";
constexpr const char* kTrainingStateFile = "training_state.safetensors";

// Writes `dir` atomically (see above). `optimizer` may be null (weights and state only).
void save_checkpoint(const std::string& dir, const Module& model, const Optimizer* optimizer,
                     const TrainingState& state);

// The checkpoint folder to read for `path`: a checkpoint folder, its leftover "<path>.old" after
// a crash mid-swap, or a run folder (→ its checkpoints/latest). Error names what was tried.
std::string find_checkpoint(const std::string& path);

// Loads weights into `model` (strict) and, when `optimizer` is non-null, its state; returns the
// training state. Errors name the checkpoint and the mismatch; on error nothing is half-loaded
// into the optimizer (its load is all-or-nothing).
TrainingState load_checkpoint(const std::string& dir, Module& model, Optimizer* optimizer);

// Only the weights: `path` is a checkpoint folder or a .safetensors file of a state_dict.
void load_weights(const std::string& path, Module& model);

// The training state alone (no model needed).
TrainingState read_training_state(const std::string& dir);

}  // namespace linattn
