// train/report.cpp — the HTML report with inline SVG charts (see report.h).
#include "train/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "train/atomic_file.h"

namespace linattn {

namespace {

// A number as text: `digits` significant digits (%g), or `decimals` fixed ones when ≥ 0.
std::string num(double v, int digits = 4, int decimals = -1) {
  char buf[64];
  if (decimals >= 0) std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  else std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `count` intervals over span.
double nice_step(double span, int count) {
  double raw = span / count;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / magnitude;
  return magnitude * (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0);
}

struct Axis {
  double lo = 0, hi = 1, step = 1;
};

Axis nice_axis(double lo, double hi, int count, double min_step = 0.0) {
  if (!(hi > lo)) {
    double pad = lo == 0.0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  double step = std::max(nice_step(hi - lo, count), min_step);
  return {std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
}

void append_row(std::ostringstream& out, const std::string& key, const std::string& value) {
  out << "<tr><th>" << html_escape(key) << "</th><td>" << html_escape(value) << "</td></tr>\n";
}

std::string pct(const std::optional<double>& v) { return v ? num(*v * 100.0, 0, 2) + "%" : "—"; }

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_line_chart(const Chart& chart, int width, int height) {
  const double left = 64, right = 16, bottom = 44;
  // The legend: one row inside the top of the plot, more rows (the plot moved down) when the
  // series' names do not fit in one.
  std::vector<std::pair<double, double>> legend;  // (x, row offset) per series
  double legend_x = left + 8, legend_row = 0;
  for (const auto& s : chart.series) {
    const double w = 24 + 7.0 * static_cast<double>(s.name.size());
    if (legend_x > left + 8 && legend_x + w - 10 > width - right) legend_x = left + 8, legend_row += 16;
    legend.emplace_back(legend_x, legend_row);
    legend_x += w;
  }
  const double top = 32 + legend_row;
  const double pw = width - left - right, ph = height - top - bottom;
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const auto& s : chart.series)
    for (auto [x, y] : s.points)
      if (std::isfinite(x) && std::isfinite(y)) {
        x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
        y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
      }

  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  out << "<title>" << html_escape(chart.title) << "</title>\n";
  out << "<text x=\"" << width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">"
      << html_escape(chart.title) << "</text>\n";
  out << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
      << "\" fill=\"none\" stroke=\"#999\"/>\n";
  if (!std::isfinite(x_lo)) {
    out << "<text x=\"" << left + pw / 2 << "\" y=\"" << top + ph / 2
        << "\" text-anchor=\"middle\" fill=\"#888\">no data yet</text>\n</svg>\n";
    return out.str();
  }

  const double scale = chart.percent ? 100.0 : 1.0;
  Axis xa = nice_axis(x_lo, x_hi, 6, 1.0), ya = nice_axis(y_lo * scale, y_hi * scale, 5);
  auto px = [&](double x) { return left + (x - xa.lo) / (xa.hi - xa.lo) * pw; };
  auto py = [&](double y) { return top + ph - (y * scale - ya.lo) / (ya.hi - ya.lo) * ph; };

  // Grid and tick labels.
  for (double t = ya.lo; t <= ya.hi + ya.step * 1e-9; t += ya.step) {
    double y = top + ph - (t - ya.lo) / (ya.hi - ya.lo) * ph;
    out << "<line x1=\"" << left << "\" y1=\"" << num(y) << "\" x2=\"" << left + pw << "\" y2=\"" << num(y)
        << "\" stroke=\"#eee\"/><text x=\"" << left - 6 << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\">"
        << num(std::abs(t) < ya.step * 1e-9 ? 0.0 : t) << (chart.percent ? "%" : "") << "</text>\n";
  }
  for (double t = xa.lo; t <= xa.hi + xa.step * 1e-9; t += xa.step) {
    double x = left + (t - xa.lo) / (xa.hi - xa.lo) * pw;
    out << "<line x1=\"" << num(x) << "\" y1=\"" << top << "\" x2=\"" << num(x) << "\" y2=\"" << top + ph
        << "\" stroke=\"#eee\"/><text x=\"" << num(x) << "\" y=\"" << top + ph + 14
        << "\" text-anchor=\"middle\">" << num(t) << "</text>\n";
  }
  out << "<text x=\"" << left + pw / 2 << "\" y=\"" << height - 6 << "\" text-anchor=\"middle\">"
      << html_escape(chart.x_label) << "</text>\n";
  out << "<text transform=\"translate(14 " << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
      << html_escape(chart.y_label) << "</text>\n";

  // Series and legend.
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const ChartSeries& s = chart.series[i];
    const auto [lx, row] = legend[i];
    std::ostringstream pts;
    int n = 0;
    for (auto [x, y] : s.points)
      if (std::isfinite(x) && std::isfinite(y)) {
        pts << (n++ ? " " : "") << num(px(x), 0, 1) << ',' << num(py(y), 0, 1);
        out << "<circle cx=\"" << num(px(x), 0, 1) << "\" cy=\"" << num(py(y), 0, 1) << "\" r=\"2.5\" fill=\""
            << s.color << "\"/>\n";
      }
    if (n > 1)
      out << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.8\" points=\"" << pts.str()
          << "\"/>\n";
    const double ly = top - legend_row + row;  // the first row sits where it always did
    out << "<rect x=\"" << lx << "\" y=\"" << ly + 6 << "\" width=\"10\" height=\"10\" fill=\"" << s.color
        << "\"/><text x=\"" << lx + 14 << "\" y=\"" << ly + 15 << "\">" << html_escape(s.name) << "</text>\n";
  }
  out << "</svg>\n";
  return out.str();
}

namespace {

// The layout to draw: the task's, or one made from the records' own value names.
MetricsLayout effective_layout(const MetricsLayout& given, const std::vector<EpochMetrics>& metrics) {
  if (!given.values.empty()) return given;
  MetricsLayout layout = given;
  for (const auto& m : metrics)
    for (const auto& v : m.eval)
      if (!layout.find(v.name))
        layout.values.push_back({v.name, v.name, v.name.ends_with("loss"), false});
  return layout;
}

std::string show(const MetricSpec& spec, const std::optional<double>& v) {
  if (spec.percent) return pct(v);
  return v ? num(*v) : "—";
}

}  // namespace

std::string render_report(const ReportInfo& info, const std::vector<EpochMetrics>& metrics) {
  const MetricsLayout layout = effective_layout(info.layout, metrics);
  auto series = [&](const std::string& name, const std::string& color, auto get) {
    ChartSeries s{name, color, {}};
    for (const auto& m : metrics) {
      std::optional<double> v = get(m);
      if (v) s.points.emplace_back(static_cast<double>(m.epoch), *v);
    }
    return s;
  };
  using M = EpochMetrics;
  using Opt = std::optional<double>;
  static const char* const kLossColors[] = {"#d62728", "#8c564b", "#e377c2", "#7f7f7f"};
  static const char* const kScoreColors[] = {"#2ca02c", "#9467bd", "#17becf", "#bcbd22",
                                             "#1f77b4", "#ff7f0e", "#d62728", "#8c564b"};
  Chart loss{"Loss", "epoch", "loss", {series("train", "#1f77b4", [](const M& m) -> Opt { return m.train_loss; })}};
  Chart score{layout.score_chart, "epoch", "value", {}, true};
  std::size_t losses = 0, scores = 0;
  for (const auto& spec : layout.values) {
    auto get = [name = spec.name](const M& m) -> Opt { return m.value(name); };
    if (spec.loss) {
      loss.series.push_back(series(spec.label, kLossColors[losses++ % 4], get));
    } else {
      score.series.push_back(series(spec.label, kScoreColors[scores++ % 8], get));
      score.percent = score.percent && spec.percent;
    }
  }
  Chart lr{"Learning rate", "epoch", "lr (end of epoch)",
           {series("lr", "#ff7f0e", [](const M& m) -> Opt { return m.lr; })}};

  const MetricSpec* best_spec = layout.find(layout.best.name);
  std::optional<double> best;
  std::int64_t best_epoch = 0;
  if (best_spec)
    for (const auto& m : metrics)
      if (auto v = m.value(best_spec->name); v && (!best || layout.best.better(*v, *best))) best = v, best_epoch = m.epoch;

  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>linattn — "
      << html_escape(info.title) << "</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:24px;color:#222;max-width:1120px}\n"
      << "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:3px 10px;"
      << "text-align:right}th{background:#f6f6f6}\n.charts{display:flex;flex-wrap:wrap;gap:12px}\n"
      << "pre{background:#f6f6f6;padding:12px;overflow:auto;font-size:12px}\n</style></head><body>\n";
  out << "<h1>" << html_escape(info.title) << "</h1>\n<p>" << html_escape(info.status) << "</p>\n";
  out << "<table>\n";
  if (!metrics.empty()) {
    const auto& last = metrics.back();
    append_row(out, "epochs done", std::to_string(last.epoch));
    append_row(out, "optimizer steps", std::to_string(last.step));
    append_row(out, "last train loss", num(last.train_loss));
    if (best_spec) {
      append_row(out, "last test " + best_spec->label, show(*best_spec, last.value(best_spec->name)));
      append_row(out, "best test " + best_spec->label,
                 best ? show(*best_spec, best) + " (epoch " + std::to_string(best_epoch) + ")" : "—");
    }
    append_row(out, "images/s (last epoch)", num(last.images_per_s, 0, 1));
    append_row(out, "peak memory (last epoch)", num(static_cast<double>(last.peak_memory_bytes) / 1048576.0, 0, 1) + " MiB");
  } else {
    append_row(out, "epochs done", "0");
  }
  out << "</table>\n<div class=\"charts\">\n"
      << svg_line_chart(loss) << svg_line_chart(score) << svg_line_chart(lr) << "</div>\n";
  out << info.extra_html;
  out << "<h2>Epochs</h2>\n<table>\n<tr><th>epoch</th><th>step</th><th>train loss</th>";
  for (const auto& spec : layout.values) out << "<th>" << html_escape(spec.label) << "</th>";
  out << "<th>lr</th><th>images/s</th><th>seconds</th></tr>\n";
  for (const auto& m : metrics) {
    out << "<tr><td>" << m.epoch << "</td><td>" << m.step << "</td><td>" << num(m.train_loss) << "</td>";
    for (const auto& spec : layout.values) out << "<td>" << show(spec, m.value(spec.name)) << "</td>";
    out << "<td>" << num(m.lr, 3) << "</td><td>" << num(m.images_per_s, 0, 1) << "</td><td>"
        << num(m.epoch_seconds, 0, 1) << "</td></tr>\n";
  }
  out << "</table>\n<h2>Config</h2>\n<pre>" << html_escape(info.config_yaml) << "</pre>\n</body></html>\n";
  return out.str();
}

void write_report(const std::string& path, const ReportInfo& info, const std::vector<EpochMetrics>& metrics) {
  write_text_atomically(path, render_report(info, metrics));
}

}  // namespace linattn
