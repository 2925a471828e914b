// train/sweep_table.cpp — the sweep's comparison table as Markdown, HTML and JSON (see
// sweep_table.h).
#include "train/sweep_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "train/report.h"

namespace linattn {

namespace {

using json = nlohmann::ordered_json;

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pct(const std::optional<double>& v) { return v ? fixed(*v * 100.0, 2) + "%" : "—"; }
std::string opt(const std::optional<double>& v, int decimals) { return v ? fixed(*v, decimals) : "—"; }
// Seconds: 2 decimals, 3 below one second (a tiny test epoch is not "0.00").
std::string seconds(const std::optional<double>& v) { return opt(v, v && *v < 1.0 ? 3 : 2); }

// 1234567 → "1,234,567".
std::string grouped(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string show(const SweepColumn& c, const std::optional<double>& v) {
  return c.percent ? pct(v) : opt(v, c.decimals);
}

// The table's columns around the task's metric columns.
std::vector<std::string> headers(const SweepLayout& layout) {
  std::vector<std::string> h = {"type", "parameters"};
  for (const auto& c : layout.columns) h.push_back(c.header);
  h.insert(h.end(), {"s / epoch", "images/s", "peak MiB", "status"});
  return h;
}

// The cells of one row, in the order of headers().
std::vector<std::string> cells(const SweepLayout& layout, const SweepRow& r) {
  std::vector<std::string> c = {r.type, grouped(r.parameters)};
  for (const auto& column : layout.columns) c.push_back(show(column, r.value(column.key)));
  c.insert(c.end(), {seconds(r.seconds_per_epoch), opt(r.images_per_s, 1), opt(r.peak_memory_mib, 1), r.status});
  return c;
}

json optional_json(const std::optional<double>& v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }

std::optional<double> optional_from(const json& j, const std::string& key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<double>();
}

const char* pick_name(SweepPick p) {
  switch (p) {
    case SweepPick::Best: return "best";
    case SweepPick::Final: return "final";
    case SweepPick::AtBest: return "at_best";
  }
  return "?";
}

SweepPick pick_from(const std::string& name, const std::string& path) {
  for (SweepPick p : {SweepPick::Best, SweepPick::Final, SweepPick::AtBest})
    if (name == pick_name(p)) return p;
  fail(str_cat("'", path, "': unknown column pick '", name, "' (expected best, final or at_best)"));
}

using RowValue = std::function<std::optional<double>(const SweepRow&)>;

// Horizontal bars, one per row with a value; `percent`: fractions shown as %, else seconds.
std::string svg_bar_chart(const std::string& title, const std::vector<SweepRow>& rows, const RowValue& get,
                          bool percent, const std::string& color) {
  const int label_w = 90, bar_w = 300, value_w = 70, row_h = 22, top = 30;
  const int width = label_w + bar_w + value_w, height = top + row_h * static_cast<int>(rows.size()) + 8;
  double hi = 0;
  for (const auto& r : rows)
    if (auto v = get(r); v && std::isfinite(*v)) hi = std::max(hi, *v);
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
      << "<title>" << html_escape(title) << "</title>\n<text x=\"" << width / 2
      << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">" << html_escape(title)
      << "</text>\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SweepRow& r = rows[i];
    const int y = top + row_h * static_cast<int>(i);
    out << "<text x=\"" << label_w - 6 << "\" y=\"" << y + 14 << "\" text-anchor=\"end\">" << html_escape(r.type)
        << "</text>\n";
    const std::optional<double> v = get(r);
    if (!v || !std::isfinite(*v)) {
      out << "<text x=\"" << label_w + 4 << "\" y=\"" << y + 14 << "\" fill=\"#888\">" << html_escape(r.status)
          << "</text>\n";
      continue;
    }
    const double w = hi > 0 ? std::max(0.0, *v) / hi * bar_w : 0.0;
    out << "<rect x=\"" << label_w << "\" y=\"" << y + 3 << "\" width=\"" << fixed(w, 1) << "\" height=\""
        << row_h - 6 << "\" fill=\"" << color << "\"/>\n<text x=\"" << fixed(label_w + w + 4, 1) << "\" y=\""
        << y + 14 << "\">" << (percent ? pct(v) : seconds(v) + " s") << "</text>\n";
  }
  out << "</svg>\n";
  return out.str();
}

}  // namespace

const SweepColumn* SweepLayout::find(std::string_view key) const {
  for (const auto& c : columns)
    if (c.key == key) return &c;
  return nullptr;
}

SweepLayout classification_sweep_layout() {
  SweepLayout layout;
  layout.task = "classification";
  layout.columns = {{"best top-1", "best_test_acc", "test_acc", SweepPick::Best, true, 2},
                    {"final top-1", "final_test_acc", "test_acc", SweepPick::Final, true, 2},
                    {"final test loss", "final_test_loss", "test_loss", SweepPick::Final, false, 4}};
  layout.best = {"test_acc", true};
  layout.chart_key = "best_test_acc";
  layout.chart_title = "Best test top-1";
  layout.note = "Accuracy is test top-1; s / epoch includes the evaluation; images/s is the training "
                "throughput; peak MiB is the device's peak allocation.";
  return layout;
}

SweepLayout sweep_layout(const std::string& task, const MetricsLayout& metrics) {
  if (task == "classification") return classification_sweep_layout();
  SweepLayout layout;
  layout.task = task;
  layout.best = metrics.best;
  for (const MetricSpec& spec : metrics.values)
    if (!spec.loss) layout.columns.push_back({spec.label, spec.name, spec.name, SweepPick::AtBest, spec.percent, 3});
  const MetricSpec* best = metrics.find(metrics.best.name);
  const std::string best_label = best ? best->label : metrics.best.name;
  layout.chart_key = best && !best->loss ? best->name : layout.columns.empty() ? "" : layout.columns.front().key;
  if (const SweepColumn* chart = layout.find(layout.chart_key)) layout.chart_title = chart->header;
  layout.note = str_cat("Every value is that of the epoch with the best ", best_label, " (checkpoints/best); ",
                        "s / epoch includes the evaluation; images/s is the training throughput; peak MiB is the ",
                        "device's peak allocation.");
  return layout;
}

std::optional<double> SweepRow::value(std::string_view key) const {
  for (const auto& v : values)
    if (v.name == key) return v.value;
  return std::nullopt;
}

void fill_from_metrics(SweepRow& row, const std::vector<EpochMetrics>& metrics, const SweepLayout& layout) {
  row.epochs = row.steps = 0;
  row.values.clear();
  for (const auto& c : layout.columns) row.values.push_back({c.key, std::nullopt});
  row.seconds_per_epoch = row.images_per_s = row.peak_memory_mib = std::nullopt;
  if (metrics.empty()) return;
  // The epoch the best metric picks (the first of equals, as the trainer's checkpoints/best).
  const EpochMetrics* at_best = nullptr;
  for (const auto& m : metrics) {
    const std::optional<double> v = m.value(layout.best.name);
    if (v && (!at_best || layout.best.better(*v, *at_best->value(layout.best.name)))) at_best = &m;
  }
  for (std::size_t i = 0; i < layout.columns.size(); ++i) {
    const SweepColumn& c = layout.columns[i];
    std::optional<double>& out = row.values[i].value;
    switch (c.pick) {
      case SweepPick::Best:
        for (const auto& m : metrics)
          if (auto v = m.value(c.metric); v && (!out || *v > *out)) out = v;
        break;
      case SweepPick::Final:
        for (const auto& m : metrics)
          if (auto v = m.value(c.metric)) out = v;
        break;
      case SweepPick::AtBest:
        if (at_best) out = at_best->value(c.metric);
        break;
    }
  }
  double total_seconds = 0, images = 0, peak = 0;
  for (const auto& m : metrics) {
    total_seconds += m.epoch_seconds;
    images += m.images_per_s;
    peak = std::max(peak, static_cast<double>(m.peak_memory_bytes) / 1048576.0);
  }
  const double n = static_cast<double>(metrics.size());
  row.epochs = metrics.back().epoch;
  row.steps = metrics.back().step;
  row.seconds_per_epoch = total_seconds / n;
  row.images_per_s = images / n;
  row.peak_memory_mib = peak;
}

std::string sweep_markdown(const SweepLayout& layout, const std::vector<SweepRow>& rows) {
  const std::vector<std::string> h = headers(layout);
  std::string out = "|";
  for (const auto& name : h) out += " " + name + " |";
  out += "\n|";
  for (std::size_t i = 0; i < h.size(); ++i) out += i == 0 || i + 1 == h.size() ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (const auto& c : cells(layout, r)) out += " " + c + " |";
    out += "\n";
  }
  return out;
}

std::string sweep_html(const SweepTableInfo& info, const std::vector<SweepRow>& rows) {
  const SweepLayout& layout = info.layout;
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>linattn sweep — "
      << html_escape(info.name) << "</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:24px;color:#222;max-width:1120px}\n"
      << "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:3px 10px;"
      << "text-align:right}th{background:#f6f6f6}td:first-child,td:last-child{text-align:left}\n"
      << ".charts{display:flex;flex-wrap:wrap;gap:12px}\n"
      << "pre{background:#f6f6f6;padding:12px;overflow:auto;font-size:12px}\n</style></head><body>\n";
  out << "<h1>Sweep " << html_escape(info.name) << "</h1>\n<p>" << html_escape(info.status) << " — recipe "
      << html_escape(info.config_path) << ", folder " << html_escape(info.dir) << "</p>\n<table>\n<tr>";
  for (const auto& h : headers(layout)) out << "<th>" << html_escape(h) << "</th>";
  out << "</tr>\n";
  for (const auto& r : rows) {
    out << "<tr>";
    std::vector<std::string> c = cells(layout, r);
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (i == 0) out << "<td><a href=\"" << html_escape(r.type) << "/report.html\">" << html_escape(c[i]) << "</a></td>";
      else if (i + 1 == c.size() && !r.message.empty())
        out << "<td title=\"" << html_escape(r.message) << "\">" << html_escape(c[i]) << "</td>";
      else out << "<td>" << html_escape(c[i]) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n<p>" << html_escape(layout.note) << "</p>\n<div class=\"charts\">\n";
  if (const SweepColumn* chart = layout.find(layout.chart_key))
    out << svg_bar_chart(layout.chart_title, rows, [key = chart->key](const SweepRow& r) { return r.value(key); },
                         chart->percent, "#2ca02c");
  out << svg_bar_chart("Seconds per epoch", rows, [](const SweepRow& r) { return r.seconds_per_epoch; }, false,
                       "#1f77b4")
      << "</div>\n";
  std::string overrides;
  for (const auto& o : info.overrides) overrides += "--set " + o + "\n";
  if (!overrides.empty()) out << "<h2>Overrides</h2>\n<pre>" << html_escape(overrides) << "</pre>\n";
  out << "</body></html>\n";
  return out.str();
}

std::string sweep_json(const SweepTableInfo& info, const std::vector<SweepRow>& rows) {
  const SweepLayout& layout = info.layout;
  json columns = json::array();
  for (const auto& c : layout.columns)
    columns.push_back({{"key", c.key}, {"header", c.header}, {"metric", c.metric}, {"pick", pick_name(c.pick)},
                       {"percent", c.percent}, {"decimals", c.decimals}});
  json j{{"name", info.name},
         {"config", info.config_path},
         {"status", info.status},
         {"attention", info.types},
         {"overrides", info.overrides},
         {"task", layout.task},
         {"columns", columns},
         {"best", {{"metric", layout.best.name}, {"higher_is_better", layout.best.higher_is_better}}},
         {"chart", {{"key", layout.chart_key}, {"title", layout.chart_title}}},
         {"note", layout.note},
         {"results", json::array()}};
  for (const auto& r : rows) {
    json row{{"type", r.type},     {"status", r.status}, {"run_dir", r.run_dir},
             {"parameters", r.parameters}, {"epochs", r.epochs}, {"steps", r.steps}};
    for (const auto& c : layout.columns) row[c.key] = optional_json(r.value(c.key));
    row["seconds_per_epoch"] = optional_json(r.seconds_per_epoch);
    row["images_per_s"] = optional_json(r.images_per_s);
    row["peak_memory_mib"] = optional_json(r.peak_memory_mib);
    if (!r.message.empty()) row["message"] = r.message;
    j["results"].push_back(row);
  }
  return j.dump(2) + "\n";
}

void read_sweep_json(const std::string& path, SweepTableInfo& info, std::vector<SweepRow>& rows) {
  std::ifstream in(path);
  LINATTN_CHECK(in.good(), "cannot read '", path, "'");
  try {
    json j = json::parse(in);
    info.name = j.at("name").get<std::string>();
    info.config_path = j.at("config").get<std::string>();
    info.status = j.at("status").get<std::string>();
    info.types = j.at("attention").get<std::vector<std::string>>();
    info.overrides = j.at("overrides").get<std::vector<std::string>>();
    info.layout = classification_sweep_layout();  // sweep.json written before tasks had their own columns
    if (j.contains("columns")) {
      SweepLayout& layout = info.layout;
      layout.task = j.at("task").get<std::string>();
      layout.columns.clear();
      for (const auto& c : j.at("columns"))
        layout.columns.push_back({c.at("header").get<std::string>(), c.at("key").get<std::string>(),
                                  c.at("metric").get<std::string>(), pick_from(c.at("pick").get<std::string>(), path),
                                  c.at("percent").get<bool>(), c.at("decimals").get<int>()});
      layout.best = {j.at("best").at("metric").get<std::string>(), j.at("best").at("higher_is_better").get<bool>()};
      layout.chart_key = j.at("chart").at("key").get<std::string>();
      layout.chart_title = j.at("chart").at("title").get<std::string>();
      layout.note = j.at("note").get<std::string>();
    }
    rows.clear();
    for (const auto& r : j.at("results")) {
      SweepRow row;
      row.type = r.at("type").get<std::string>();
      row.status = r.at("status").get<std::string>();
      row.run_dir = r.at("run_dir").get<std::string>();
      row.parameters = r.at("parameters").get<std::int64_t>();
      row.epochs = r.at("epochs").get<std::int64_t>();
      row.steps = r.at("steps").get<std::int64_t>();
      for (const auto& c : info.layout.columns) row.values.push_back({c.key, optional_from(r, c.key)});
      row.seconds_per_epoch = optional_from(r, "seconds_per_epoch");
      row.images_per_s = optional_from(r, "images_per_s");
      row.peak_memory_mib = optional_from(r, "peak_memory_mib");
      if (r.contains("message")) row.message = r.at("message").get<std::string>();
      rows.push_back(row);
    }
  } catch (const nlohmann::json::exception& e) {
    fail(str_cat("'", path, "' is not a sweep.json linattn wrote: ", e.what()));
  }
}

}  // namespace linattn
