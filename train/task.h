// train/task.h — the seam between the trainer and what it trains for. A Task owns everything
// that depends on the kind of problem: the loaders of its two splits (data config → batch
// sources), the loss of a batch, the evaluation of a split, the values that evaluation writes to
// metrics.jsonl and which of them picks checkpoints/best. The trainer (train/trainer.h),
// `linattn eval` and `linattn bench` see only this interface; the tasks register themselves by
// name (`task:` in the config; classification is the default, train/tasks/classification.h).
//
// Invariants: a task is built once per run from the resolved config and is used from the
// training thread only. loss() and evaluate() take the model as a Module and check, once, that it
// is the kind of model the task needs (an ImageClassifier, an ObjectDetector, ...), with an
// error naming model.name. evaluate() returns its values in metrics().values order.
// Two hooks have defaults that do nothing more: write_run_files (what a run folder keeps about
// the data, e.g. detection's categories.json) and evaluate_report (`linattn eval`: evaluate()
// plus a longer printout and a results file, e.g. detection's 12 COCO stats and detections).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "data/batch.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "layers/module.h"
#include "train/config.h"
#include "train/metrics.h"

namespace linattn {

class CocoDetectionDataset;  // data/coco.h

// Datasets handed in instead of being loaded from the config (tests, and a sweep that loads
// them once for every attention type); null members come from the config. The classification
// task reads train_set and test_set; the detection task the whole COCO splits, train and val
// (it applies the category filter's check and the subsets itself).
struct InjectedData {
  std::shared_ptr<const Dataset> train_set, test_set;
  std::shared_ptr<const CocoDetectionDataset> coco_train = nullptr, coco_val = nullptr;
};

// The two loaders a run uses: train (shuffled, augmented) and test (in order, no augmentation).
struct TaskLoaders {
  std::unique_ptr<DataLoader> train, test;
};

struct TaskEvaluation {
  std::vector<NamedValue> values;  // in metrics().values order
  std::int64_t count = 0;          // samples evaluated
  bool complete = true;            // false when `should_stop` cut it short
};

// What `linattn eval` asks of evaluate_report beyond the values.
struct EvalReportRequest {
  std::string run_dir;       // the run folder evaluated (default place of a results file); may be empty
  std::string results_path;  // --out: where a results file goes instead; empty: the task's default
};

// What evaluate_report gives beyond the values.
struct EvalReport {
  std::string text;                 // printed after the values (may be empty)
  std::vector<std::string> files;  // files it wrote
};

// Moves one of the batch's host tensors to the run's device (the trainer's DeviceUploader; the
// identity where the batch already lives there).
using ToDevice = std::function<Tensor(const Tensor&)>;

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;  // its `task:` key
  virtual const MetricsLayout& metrics() const = 0;

  // Throws unless `model` is what this task trains (its error names model.name and the task).
  virtual void check_model(Module& model) const = 0;

  // The loaders of the config's data (`cli_data_root` is --data-root, may be empty), built from
  // `injected` where given. Checks that the data agrees with the model config (classes, size).
  virtual TaskLoaders make_loaders(const std::string& cli_data_root, const InjectedData& injected) const = 0;
  // Only the test split's loader (`linattn eval`).
  virtual std::unique_ptr<DataLoader> make_test_loader(const std::string& cli_data_root) const = 0;

  // The training loss of one host batch (B samples): a differentiable 0-D tensor on the model's
  // device, the batch mean. Host-side checks of the targets happen before the forward pass.
  virtual Tensor loss(Module& model, const Batch& batch, const ToDevice& to_device) const = 0;

  // One pass over `loader` (epoch 0, in order) with no autograd and the model in eval mode (its
  // mode is restored); `should_stop` is polled between batches.
  virtual TaskEvaluation evaluate(Module& model, DataLoader& loader, Device device,
                                  const std::function<bool()>& should_stop = {}) const = 0;

  // A random batch of B samples of the config's geometry with valid targets, its tensors on
  // `device`, every draw from `gen` (`linattn bench`: a training step without data loading).
  virtual Batch synthetic_batch(std::int64_t B, Device device, Generator& gen) const = 0;

  // Files a run folder keeps about its data, written into `run_dir` when a run starts (new or
  // resumed) from its training loader (made by make_loaders). Default: none.
  virtual void write_run_files(const std::string& run_dir, const DataLoader& train_loader) const;

  // `linattn eval`: evaluate() over `loader`, plus the task's fuller account in `report` (text to
  // print, files written as `request` says). Default: evaluate() and an empty report.
  virtual TaskEvaluation evaluate_report(Module& model, DataLoader& loader, Device device,
                                         const EvalReportRequest& request, EvalReport& report) const;

  // HTML that report.html shows after its charts, rendered from the model just evaluated on
  // `eval_loader` (detection: a gallery of the first evaluated images with predicted and
  // ground-truth boxes, train/detection_gallery.h). Default: "" (classification).
  virtual std::string report_html(Module& model, const DataLoader& eval_loader, Device device) const;
};

// "test loss 1.2345, top-1 45.00%, top-5 90.00%": each value by its label, fractions in percent.
std::string describe_values(const MetricsLayout& layout, const std::vector<NamedValue>& values);

// ---- registry -------------------------------------------------------------------------------
using TaskFactory = std::function<std::unique_ptr<Task>(const ExperimentConfig&)>;

// Replaces an existing entry of that name.
void register_task(const std::string& name, TaskFactory factory);
std::vector<std::string> registered_tasks();  // sorted
// The task `name` for `config`. Error (listing the registered tasks) when there is none.
std::unique_ptr<Task> make_task(const std::string& name, const ExperimentConfig& config);

}  // namespace linattn
