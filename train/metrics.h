// train/metrics.h — the per-epoch record of a run, one JSON object per line in
// runs/<name>/metrics.jsonl:
//   {"epoch": 1, "step": 390, "train_loss": 1.83, "test_loss": 1.52, "test_acc": 0.447,
//    "test_top5": 0.91, "lr": 0.00098, "images_per_s": 812.5, "epoch_seconds": 64.1,
//    "peak_memory_bytes": 123456789}
// epoch is 1-based (the number of epochs done), step the optimizer updates done so far,
// test_acc / test_top5 are fractions in [0, 1]; the test fields are null in epochs without an
// evaluation. peak_memory_bytes is the run device's caching-allocator peak of bytes in live
// tensors during the epoch (training and its evaluation; reset at each epoch's start): host
// memory on CPU runs, GPU memory on CUDA runs (pinned staging buffers count in neither). Doubles are written in their shortest round-trip form, so a record read back
// compares bit for bit. Used by the trainer, the report (train/report.h) and the tests.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace linattn {

struct EpochMetrics {
  std::int64_t epoch = 0, step = 0;
  double train_loss = 0;
  std::optional<double> test_loss, test_acc, test_top5;
  double lr = 0;
  double images_per_s = 0, epoch_seconds = 0;  // timing: differs run to run
  std::uint64_t peak_memory_bytes = 0;
};

std::string to_json_line(const EpochMetrics& m);  // no trailing newline
EpochMetrics metrics_from_json(const std::string& line);

// All records of a metrics.jsonl file (empty when it does not exist). Error names file and line.
std::vector<EpochMetrics> read_metrics(const std::string& path);
void append_metrics(const std::string& path, const EpochMetrics& m);
// Rewrites the file atomically with exactly `records` (used when a resume drops later epochs).
void write_metrics(const std::string& path, const std::vector<EpochMetrics>& records);

}  // namespace linattn
