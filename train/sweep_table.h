// train/sweep_table.h — the comparison table of a sweep (train/sweep.h): one row per attention
// type, read from that type's run folder, rendered as Markdown (sweep.md and the console), a
// self-contained HTML page in the style of report.html with SVG bar charts (sweep.html), and
// JSON (sweep.json). Used by run_sweep and the tests.
//
// Invariants: accuracies are fractions in [0, 1] (shown as percentages); a value that a run
// does not have yet (no evaluation, not started) is null in JSON and "—" in the tables.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "train/metrics.h"

namespace linattn {

struct SweepRow {
  std::string type;
  std::string status = "pending";  // pending | completed | interrupted | diverged
  std::string run_dir;
  std::int64_t parameters = 0;
  std::int64_t epochs = 0, steps = 0;                   // as in the last metrics record
  std::optional<double> best_test_acc, final_test_acc;  // top-1
  std::optional<double> final_test_loss;
  std::optional<double> seconds_per_epoch, images_per_s;  // means over the recorded epochs
  std::optional<double> peak_memory_mib;                  // max over the recorded epochs
  std::string message;                                    // why it diverged, ...
};

// Fills the metrics fields of `row` from a run's per-epoch records.
void fill_from_metrics(SweepRow& row, const std::vector<EpochMetrics>& metrics);

struct SweepTableInfo {
  std::string name, dir, config_path, status;  // status: one line ("completed", ...)
  std::vector<std::string> types, overrides;
};

std::string sweep_markdown(const std::vector<SweepRow>& rows);
std::string sweep_html(const SweepTableInfo& info, const std::vector<SweepRow>& rows);
std::string sweep_json(const SweepTableInfo& info, const std::vector<SweepRow>& rows);  // pretty, 2 spaces

// sweep.json's info and rows back (for --resume). Error names the file.
void read_sweep_json(const std::string& path, SweepTableInfo& info, std::vector<SweepRow>& rows);

}  // namespace linattn
