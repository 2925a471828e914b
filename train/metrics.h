// train/metrics.h — the per-epoch record of a run, one JSON object per line in
// runs/<name>/metrics.jsonl, and how a task describes the values it evaluates.
//
// A record is the fixed training fields around the task's evaluated values, in the task's order:
//   {"epoch": 1, "step": 390, "train_loss": 1.83, <task values>, "lr": 0.00098,
//    "images_per_s": 812.5, "epoch_seconds": 64.1, "peak_memory_bytes": 123456789}
// Classification's values (train/tasks/classification.h) are "test_loss", "test_acc" and
// "test_top5" (fractions in [0, 1]), so its lines read as they always did. A task's values are
// null in epochs without an evaluation. epoch is 1-based (the number of epochs done), step the
// optimizer updates done so far. peak_memory_bytes is the run device's caching-allocator peak of
// bytes in live tensors during the epoch (training and its evaluation; reset at each epoch's
// start): host memory on CPU runs, GPU memory on CUDA runs (pinned staging buffers count in
// neither). Doubles are written in their shortest round-trip form, so a record read back compares
// bit for bit. Used by the trainer, the report (train/report.h), sweeps and the tests.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linattn {

// One evaluated quantity of a task.
struct MetricSpec {
  std::string name;      // its metrics.jsonl field, e.g. "test_acc"
  std::string label;     // how the log and the report call it, e.g. "top-1"
  bool loss = false;     // plotted beside the training loss (else on the task's score chart)
  bool percent = false;  // a fraction in [0, 1], shown as a percentage
};

// The metric that picks checkpoints/best, and which way is better.
struct BestMetric {
  std::string name;             // one of the task's MetricSpec names
  bool higher_is_better = true;
  bool better(double candidate, double best) const { return higher_is_better ? candidate > best : candidate < best; }
};

// Everything a task says about its metrics (train/task.h): the values in record order, the
// title of the report's chart of the non-loss values, and the best-checkpoint rule.
struct MetricsLayout {
  std::vector<MetricSpec> values;
  std::string score_chart = "Test metrics";
  BestMetric best;
  const MetricSpec* find(std::string_view name) const;
};

struct NamedValue {
  std::string name;
  std::optional<double> value;  // nullopt: not evaluated this epoch
  bool operator==(const NamedValue&) const = default;
};

struct EpochMetrics {
  std::int64_t epoch = 0, step = 0;
  double train_loss = 0;
  std::vector<NamedValue> eval;  // the task's values, in its order
  double lr = 0;
  double images_per_s = 0, epoch_seconds = 0;  // timing: differs run to run
  std::uint64_t peak_memory_bytes = 0;

  // The evaluated value called `name`; nullopt when the record has no such value or it is null.
  std::optional<double> value(std::string_view name) const;
  // Sets `name` (appended when the record has no such value yet).
  void set(const std::string& name, std::optional<double> v);
  bool evaluated() const;  // some value is not null
};

std::string to_json_line(const EpochMetrics& m);  // no trailing newline
// Fields besides the fixed ones are the task's values, kept in the line's order.
EpochMetrics metrics_from_json(const std::string& line);

// All records of a metrics.jsonl file (empty when it does not exist). Error names file and line.
std::vector<EpochMetrics> read_metrics(const std::string& path);
void append_metrics(const std::string& path, const EpochMetrics& m);
// Rewrites the file atomically with exactly `records` (used when a resume drops later epochs).
void write_metrics(const std::string& path, const std::vector<EpochMetrics>& records);

}  // namespace linattn
