// tests/train/test_metrics_report.cpp — metrics.jsonl records round-trip bit for bit; the report
// is one self-contained HTML page with an SVG chart per curve; a detection run's report draws its
// AP curves from metrics.jsonl (the detection task's own layout), its legend in as many rows as
// the names need.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "detection_cli_fixture.h"
#include "fixtures/tiny.h"
#include "train/metrics.h"
#include "train/report.h"
#include "train/task.h"
#include "train/tasks/classification.h"
#include "train/tasks/detection.h"

using namespace linattn;

namespace {

EpochMetrics record(std::int64_t epoch, bool evaluated) {
  EpochMetrics m;
  m.epoch = epoch;
  m.step = epoch * 13;
  m.train_loss = 2.0 / (1.0 + 0.1 * static_cast<double>(epoch)) + 1e-17;
  if (evaluated) {
    m.eval = {{"test_loss", 1.0 / 3.0}, {"test_acc", 0.123456789012345678}, {"test_top5", 0.9}};
  } else {
    m.eval = {{"test_loss", std::nullopt}, {"test_acc", std::nullopt}, {"test_top5", std::nullopt}};
  }
  m.lr = 1e-3 * std::cos(static_cast<double>(epoch));
  m.images_per_s = 812.25;
  m.epoch_seconds = 64.1;
  m.peak_memory_bytes = 123456789012ULL;
  return m;
}

}  // namespace

TEST_CASE("metrics: a record round-trips exactly, missing evaluations as null") {
  for (bool evaluated : {true, false}) {
    EpochMetrics m = record(3, evaluated);
    std::string line = to_json_line(m);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find("\"epoch\":3") != std::string::npos);
    EpochMetrics back = metrics_from_json(line);
    CHECK(back.epoch == 3);
    CHECK(back.step == 39);
    CHECK(back.train_loss == m.train_loss);  // bit for bit
    CHECK(back.lr == m.lr);
    CHECK(back.peak_memory_bytes == m.peak_memory_bytes);
    CHECK(back.value("test_acc").has_value() == evaluated);
    CHECK(back.eval == m.eval);  // names, order and values
    if (evaluated) CHECK(*back.value("test_acc") == *m.value("test_acc"));
    else CHECK(line.find("\"test_acc\":null") != std::string::npos);
    CHECK(line.find("\"train_loss\"") < line.find("\"test_loss\""));
    CHECK(line.find("\"test_top5\"") < line.find("\"lr\""));
  }
}

TEST_CASE("metrics: append, read back, rewrite; a bad line names file and line") {
  testing::Scratch dir;
  const std::string path = dir.str("metrics.jsonl");
  CHECK(read_metrics(path).empty());
  append_metrics(path, record(1, true));
  append_metrics(path, record(2, false));
  auto all = read_metrics(path);
  REQUIRE(all.size() == 2);
  CHECK(all[1].epoch == 2);
  write_metrics(path, {all[0]});
  CHECK(read_metrics(path).size() == 1);
  std::ofstream(path, std::ios::app) << "{not json\n";
  CHECK_THROWS_WITH_AS(read_metrics(path), doctest::Contains("metrics.jsonl:2"), Error);
}

TEST_CASE("report: self-contained HTML with inline SVG charts of every curve") {
  std::vector<EpochMetrics> ms = {record(1, true), record(2, false), record(3, true)};
  const MetricsLayout layout = ClassificationTask(testing::tiny_config()).metrics();
  std::string html = render_report({"my <run>", "running", "name: x & y\n", layout}, ms);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // no external resources
  std::size_t svgs = 0;
  for (std::size_t pos = 0; (pos = html.find("<svg", pos)) != std::string::npos; ++pos) ++svgs;
  CHECK(svgs == 3);
  CHECK(html.find("Loss") != std::string::npos);
  CHECK(html.find("Test accuracy") != std::string::npos);
  CHECK(html.find("Learning rate") != std::string::npos);
  CHECK(html.find("<polyline") != std::string::npos);
  CHECK(html.find("my &lt;run&gt;") != std::string::npos);
  CHECK(html.find("x &amp; y") != std::string::npos);
  CHECK(html.find("12.35%") != std::string::npos);  // best top-1 in percent

  testing::Scratch dir;
  write_report(dir.str("report.html"), {"r", "s", "", layout}, ms);
  CHECK(testing::read_text(dir.str("report.html")) == render_report({"r", "s", "", layout}, ms));
}

TEST_CASE("report: another task's values, labels and best-metric direction come from its layout") {
  MetricsLayout layout;
  layout.values = {{"val_loss", "val loss", true, false}, {"box_ap", "box AP", false, true}};
  layout.score_chart = "Box AP";
  layout.best = {"val_loss", /*higher_is_better=*/false};
  std::vector<EpochMetrics> ms(3);
  const double losses[] = {0.9, 0.4, 0.6}, aps[] = {0.1, 0.2, 0.3};
  for (int i = 0; i < 3; ++i) {
    ms[i].epoch = i + 1;
    ms[i].eval = {{"val_loss", losses[i]}, {"box_ap", aps[i]}};
  }
  const std::string html = render_report({"det", "running", "", layout}, ms);
  CHECK(html.find("Box AP") != std::string::npos);
  CHECK(html.find("<th>box AP</th>") != std::string::npos);
  CHECK(html.find("best test val loss</th><td>0.4 (epoch 2)") != std::string::npos);  // lowest wins
  CHECK(html.find("30.00%") != std::string::npos);

  // Records read back keep the task's names and order.
  const EpochMetrics back = metrics_from_json(to_json_line(ms[1]));
  CHECK(back.eval == ms[1].eval);
  CHECK(describe_values(layout, back.eval) == "val loss 0.4000, box AP 20.00%");
}

TEST_CASE("report: charts without data say so; one point is a dot") {
  Chart empty{"Empty", "epoch", "y", {{"a", "#000", {}}}};
  CHECK(svg_line_chart(empty).find("no data yet") != std::string::npos);
  Chart one{"One", "epoch", "y", {{"a", "#000", {{1.0, 0.5}}}}};
  std::string svg = svg_line_chart(one);
  CHECK(svg.find("<circle") != std::string::npos);
  CHECK(svg.find("<polyline") == std::string::npos);
  Chart nan{"NaN", "epoch", "y", {{"a", "#000", {{1.0, std::nan("")}, {2.0, 1.0}, {3.0, 2.0}}}}};
  CHECK(svg_line_chart(nan).find("nan") == std::string::npos);
}

TEST_CASE("report: a detection run's AP curves come from its metrics.jsonl and the detection layout") {
  const ExperimentConfig config =
      parse_config_string(testing::tiny_detr_yaml("det", "[person]", 1), "det.yaml");
  const MetricsLayout layout = DetectionTask(config).metrics();
  // metrics.jsonl as a detection run writes it: evaluated every other epoch, nulls between.
  testing::Scratch dir;
  {
    std::ofstream out(dir.str("metrics.jsonl"));
    const char* values[] = {
        R"("test_loss":3.5,"AP":0.01,"AP50":0.05,"AP75":0.001,"APs":0,"APm":0.02,"APl":0.03,"AP_person":0.01)",
        R"("test_loss":null,"AP":null,"AP50":null,"AP75":null,"APs":null,"APm":null,"APl":null,"AP_person":null)",
        R"("test_loss":2.5,"AP":0.3,"AP50":0.55,"AP75":0.25,"APs":0.1,"APm":0.3,"APl":0.45,"AP_person":0.3)",
        R"("test_loss":null,"AP":null,"AP50":null,"AP75":null,"APs":null,"APm":null,"APl":null,"AP_person":null)",
        R"("test_loss":2.0,"AP":0.2,"AP50":0.5,"AP75":0.1,"APs":0.05,"APm":0.2,"APl":0.4,"AP_person":0.2)"};
    for (int e = 1; e <= 5; ++e)
      out << R"({"epoch":)" << e << R"(,"step":)" << 4 * e << R"(,"train_loss":)" << 4.0 / e << ","
          << values[e - 1] << R"(,"lr":0.0002,"images_per_s":11.5,"epoch_seconds":30,"peak_memory_bytes":1048576})"
          << "\n";
  }
  const std::vector<EpochMetrics> ms = read_metrics(dir.str("metrics.jsonl"));
  REQUIRE(ms.size() == 5);
  const std::string html = render_report({"det", "finished", to_yaml(config), layout}, ms);

  CHECK(html.find("<title>COCO box AP</title>") != std::string::npos);
  // One legend entry and one 3-point curve per AP value (the null epochs skipped), the test loss
  // beside the training loss.
  for (const char* label : {"AP", "AP50", "AP75", "APs", "APm", "APl", "AP person", "test loss"})
    CHECK_MESSAGE(html.find(std::string(">") + label + "</text>") != std::string::npos, label);
  std::size_t polylines = 0;
  for (std::size_t at = html.find("<polyline"); at != std::string::npos; at = html.find("<polyline", at + 1))
    ++polylines;
  CHECK(polylines == 1 + 1 + 7 + 1);  // train loss, test loss, 7 AP curves, lr
  // The AP chart's y axis spans the values, not percentages: AP50 0.55 is a tick label below 1.
  CHECK(html.find(">0.6</text>") != std::string::npos);
  // Summary and table: the best AP (epoch 3), the last one, every value per epoch.
  CHECK(html.find("best test AP</th><td>0.3 (epoch 3)") != std::string::npos);
  CHECK(html.find("last test AP</th><td>0.2</td>") != std::string::npos);
  CHECK(html.find("<th>AP50</th><th>AP75</th><th>APs</th><th>APm</th><th>APl</th><th>AP person</th>") !=
        std::string::npos);
  CHECK(html.find("<td>0.45</td>") != std::string::npos);  // APl at epoch 3
}

TEST_CASE("report: a legend wraps into rows only when its names do not fit in one") {
  auto legend_rows = [](const std::string& svg) {
    std::set<std::string> ys;
    for (std::size_t at = svg.find("width=\"10\" height=\"10\""); at != std::string::npos;
         at = svg.find("width=\"10\" height=\"10\"", at + 1)) {
      const std::size_t y = svg.rfind("y=\"", at);
      ys.insert(svg.substr(y, svg.find('"', y + 3) - y));
    }
    return ys;
  };
  Chart few{"Few", "epoch", "y", {}};
  for (const char* name : {"top-1", "top-5", "AP"}) few.series.push_back({name, "#000", {{1, 0.5}, {2, 0.6}}});
  const std::string one_row = svg_line_chart(few);
  CHECK(legend_rows(one_row) == std::set<std::string>{"y=\"38"});  // where the legend always was
  CHECK(one_row.find("<rect x=\"64\" y=\"32\"") != std::string::npos);     // the plot's frame

  Chart many{"Many", "epoch", "y", {}};
  for (int i = 0; i < 9; ++i) many.series.push_back({"series number " + std::to_string(i), "#000", {{1, 0.5}}});
  const std::string rows = svg_line_chart(many);
  const auto ys = legend_rows(rows);
  CHECK(ys.size() >= 3);
  CHECK(ys.count("y=\"38") == 1);
  CHECK(ys.count("y=\"54") == 1);
  // The plot moves down by the extra rows, so the last row sits inside its top as before.
  const std::string frame = "<rect x=\"64\" y=\"" + std::to_string(32 + 16 * (ys.size() - 1)) + "\"";
  CHECK(rows.find(frame) != std::string::npos);
  // Every legend entry stays inside the chart.
  for (std::size_t at = rows.find("<text x=\""); at != std::string::npos; at = rows.find("<text x=\"", at + 1))
    CHECK(std::stod(rows.substr(at + 9)) < 520);
}
