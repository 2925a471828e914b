// train/metrics.cpp — see metrics.h.
#include "train/metrics.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "train/atomic_file.h"

namespace linattn {

namespace {

void put_optional(nlohmann::ordered_json& j, const std::string& key, const std::optional<double>& v) {
  if (v) j[key] = *v;
  else j[key] = nullptr;
}

constexpr const char* kFixedFields[] = {"epoch", "step", "train_loss", "lr", "images_per_s", "epoch_seconds",
                                        "peak_memory_bytes"};

bool is_fixed_field(const std::string& key) {
  for (const char* f : kFixedFields)
    if (key == f) return true;
  return false;
}

// Non-finite doubles have no JSON spelling: nlohmann writes null; keep them readable as NaN.
double get_double(const nlohmann::ordered_json& j, const char* key) {
  const auto& v = j.at(key);
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

}  // namespace

const MetricSpec* MetricsLayout::find(std::string_view name) const {
  for (const auto& spec : values)
    if (spec.name == name) return &spec;
  return nullptr;
}

std::optional<double> EpochMetrics::value(std::string_view name) const {
  for (const auto& v : eval)
    if (v.name == name) return v.value;
  return std::nullopt;
}

void EpochMetrics::set(const std::string& name, std::optional<double> v) {
  for (auto& e : eval)
    if (e.name == name) {
      e.value = v;
      return;
    }
  eval.push_back({name, v});
}

bool EpochMetrics::evaluated() const {
  for (const auto& v : eval)
    if (v.value) return true;
  return false;
}

std::string to_json_line(const EpochMetrics& m) {
  nlohmann::ordered_json j;
  j["epoch"] = m.epoch;
  j["step"] = m.step;
  j["train_loss"] = m.train_loss;
  for (const auto& v : m.eval) put_optional(j, v.name, v.value);
  j["lr"] = m.lr;
  j["images_per_s"] = m.images_per_s;
  j["epoch_seconds"] = m.epoch_seconds;
  j["peak_memory_bytes"] = m.peak_memory_bytes;
  return j.dump();
}

EpochMetrics metrics_from_json(const std::string& line) {
  auto j = nlohmann::ordered_json::parse(line);
  EpochMetrics m;
  m.epoch = j.at("epoch").get<std::int64_t>();
  m.step = j.at("step").get<std::int64_t>();
  m.train_loss = get_double(j, "train_loss");
  for (const auto& [key, value] : j.items())
    if (!is_fixed_field(key)) m.eval.push_back({key, value.is_null() ? std::nullopt : std::optional(value.get<double>())});
  m.lr = get_double(j, "lr");
  m.images_per_s = get_double(j, "images_per_s");
  m.epoch_seconds = get_double(j, "epoch_seconds");
  m.peak_memory_bytes = j.at("peak_memory_bytes").get<std::uint64_t>();
  return m;
}

std::vector<EpochMetrics> read_metrics(const std::string& path) {
  std::vector<EpochMetrics> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(metrics_from_json(line));
    } catch (const nlohmann::json::exception& e) {
      fail(str_cat(path, ":", number, ": not a metrics record (", e.what(), ")"));
    }
  }
  return out;
}

void append_metrics(const std::string& path, const EpochMetrics& m) {
  std::ofstream out(path, std::ios::app);
  out << to_json_line(m) << '\n';
  out.flush();
  LINATTN_CHECK(out.good(), "cannot append to '", path, "'");
}

void write_metrics(const std::string& path, const std::vector<EpochMetrics>& records) {
  std::string text;
  for (const auto& m : records) text += to_json_line(m) + '\n';
  write_text_atomically(path, text);
}

}  // namespace linattn
