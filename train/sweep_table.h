// train/sweep_table.h — the comparison table of a sweep (train/sweep.h): one row per attention
// type, read from that type's run folder, rendered as Markdown (sweep.md and the console), a
// self-contained HTML page in the style of report.html with SVG bar charts (sweep.html), and
// JSON (sweep.json). Used by run_sweep and the tests.
//
// Columns: type, parameters, the task's metric columns (SweepLayout), seconds per epoch,
// images/s, peak MiB, status. The metric columns depend on the task: classification keeps the
// table it always had (best and final test top-1, final test loss; sweep.json fields
// best_test_acc, final_test_acc, final_test_loss); any other task (detection: AP, AP50, AP75,
// APs, APm, APl, ...) shows each of its non-loss values at the epoch its best metric picked
// (the checkpoints/best epoch), sweep.json fields named as its metrics.jsonl values.
//
// Invariants: a row holds one value per metric column, in column order; percentages are
// fractions in [0, 1] (shown as percentages); a value that a run does not have yet (no
// evaluation, not started) is null in JSON and "—" in the tables.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "train/metrics.h"

namespace linattn {

// Which of a run's per-epoch values a metric column shows.
enum class SweepPick {
  Best,    // the best value of the metric itself over the evaluated epochs (higher is better)
  Final,   // the last evaluated value
  AtBest,  // the value at the epoch the layout's best metric picked (ties: the earlier epoch)
};

struct SweepColumn {
  std::string header;  // "best top-1", "AP50"
  std::string key;     // its sweep.json field, "best_test_acc", "AP50"
  std::string metric;  // the metrics.jsonl value it reads, "test_acc", "AP50"
  SweepPick pick = SweepPick::AtBest;
  bool percent = false;  // a fraction shown as a percentage (else `decimals` digits)
  int decimals = 4;
  bool operator==(const SweepColumn&) const = default;
};

// The task's metric columns, the metric that picks the best epoch, and which column the HTML
// page charts.
struct SweepLayout {
  std::string task = "classification";
  std::vector<SweepColumn> columns;
  BestMetric best;
  std::string chart_key;    // a column key
  std::string chart_title;  // "Best test top-1"
  std::string note;       // one sentence under the HTML table: what the columns mean
  const SweepColumn* find(std::string_view key) const;
};

// The columns of `task` whose metrics are described by `layout` (the task's MetricsLayout).
SweepLayout sweep_layout(const std::string& task, const MetricsLayout& layout);
SweepLayout classification_sweep_layout();  // sweep_layout for classification

struct SweepRow {
  std::string type;
  std::string status = "pending";  // pending | completed | interrupted | diverged | failed
  std::string run_dir;
  std::int64_t parameters = 0;
  std::int64_t epochs = 0, steps = 0;  // as in the last metrics record
  std::vector<NamedValue> values;      // one per metric column (name = the column key), in order
  std::optional<double> seconds_per_epoch, images_per_s;  // means over the recorded epochs
  std::optional<double> peak_memory_mib;                  // max over the recorded epochs
  std::string message;                                    // why it diverged, ...

  // The value of column `key`; nullopt when missing or null.
  std::optional<double> value(std::string_view key) const;
};

// Fills the metrics fields of `row` from a run's per-epoch records (values in `layout`'s order).
void fill_from_metrics(SweepRow& row, const std::vector<EpochMetrics>& metrics, const SweepLayout& layout);

struct SweepTableInfo {
  std::string name, dir, config_path, status;  // status: one line ("completed", ...)
  std::vector<std::string> types, overrides;
  SweepLayout layout = classification_sweep_layout();
};

std::string sweep_markdown(const SweepLayout& layout, const std::vector<SweepRow>& rows);
std::string sweep_html(const SweepTableInfo& info, const std::vector<SweepRow>& rows);
std::string sweep_json(const SweepTableInfo& info, const std::vector<SweepRow>& rows);  // pretty, 2 spaces

// sweep.json's info (its layout included; a file without one is classification's) and rows back
// (for --resume). Error names the file.
void read_sweep_json(const std::string& path, SweepTableInfo& info, std::vector<SweepRow>& rows);

}  // namespace linattn
