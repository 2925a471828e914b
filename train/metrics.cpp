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

void put_optional(nlohmann::ordered_json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = *v;
  else j[key] = nullptr;
}

std::optional<double> get_optional(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
}

// Non-finite doubles have no JSON spelling: nlohmann writes null; keep them readable as NaN.
double get_double(const nlohmann::json& j, const char* key) {
  const auto& v = j.at(key);
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

}  // namespace

std::string to_json_line(const EpochMetrics& m) {
  nlohmann::ordered_json j;
  j["epoch"] = m.epoch;
  j["step"] = m.step;
  j["train_loss"] = m.train_loss;
  put_optional(j, "test_loss", m.test_loss);
  put_optional(j, "test_acc", m.test_acc);
  put_optional(j, "test_top5", m.test_top5);
  j["lr"] = m.lr;
  j["images_per_s"] = m.images_per_s;
  j["epoch_seconds"] = m.epoch_seconds;
  j["peak_memory_bytes"] = m.peak_memory_bytes;
  return j.dump();
}

EpochMetrics metrics_from_json(const std::string& line) {
  auto j = nlohmann::json::parse(line);
  EpochMetrics m;
  m.epoch = j.at("epoch").get<std::int64_t>();
  m.step = j.at("step").get<std::int64_t>();
  m.train_loss = get_double(j, "train_loss");
  m.test_loss = get_optional(j, "test_loss");
  m.test_acc = get_optional(j, "test_acc");
  m.test_top5 = get_optional(j, "test_top5");
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
