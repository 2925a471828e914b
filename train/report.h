// train/report.h — runs/<name>/report.html: one self-contained page (no scripts, no external
// files) a person opens in a browser: a summary table, inline SVG line charts of the train loss
// with the task's loss values, the task's other values (classification: test top-1 and top-5)
// and the learning rate per epoch, a table of every epoch, and the resolved config. What the
// task's values are called and which one is "best" comes from its MetricsLayout
// (train/metrics.h); a task may add a section of its own after the charts (ReportInfo::extra_html:
// detection's gallery, images inline as base64). The trainer regenerates it after every epoch
// (temporary name, renamed).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "train/metrics.h"

namespace linattn {

struct ReportInfo {
  std::string title;        // the run's name
  std::string status;       // one line, e.g. "epoch 3 of 100 — running"
  std::string config_yaml;  // shown verbatim (escaped)
  MetricsLayout layout;     // the task's values; empty: every value of the records, by name
  // HTML inserted after the charts, as given (the task's: detection's gallery of evaluated images
  // with predicted and ground-truth boxes, train/detection_gallery.h); empty for classification.
  std::string extra_html = {};
};

// One line of a chart: (x, y) points in x order; non-finite y values are skipped.
struct ChartSeries {
  std::string name, color;  // color: any SVG color ("#1f77b4")
  std::vector<std::pair<double, double>> points;
};

struct Chart {
  std::string title, x_label, y_label;
  std::vector<ChartSeries> series;
  bool percent = false;  // y values are fractions shown as percentages
};

// An <svg> element (width x height pixels) with axes, nice ticks, a legend and one polyline per
// series (a dot per point). A chart with no finite point says "no data yet".
std::string svg_line_chart(const Chart& chart, int width = 520, int height = 280);

std::string html_escape(const std::string& text);
std::string render_report(const ReportInfo& info, const std::vector<EpochMetrics>& metrics);
void write_report(const std::string& path, const ReportInfo& info, const std::vector<EpochMetrics>& metrics);

}  // namespace linattn
