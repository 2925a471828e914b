// train/config.cpp — enum spellings, attention options as text, and the error and suggestion
// helpers of config_detail.h. Parsing is in config_read.cpp, writing in
// config_write.cpp, the value checks in config_validate.cpp.
#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "train/config.h"
#include "train/config_detail.h"

namespace linattn {

namespace config_detail {

template <>
const std::vector<std::string>& enum_names<DatasetName>() {
  static const std::vector<std::string> names{"cifar10", "coco"};
  return names;
}
template <>
const std::vector<std::string>& enum_names<DataFormat>() {
  static const std::vector<std::string> names{"auto", "folders", "binary"};
  return names;
}
template <>
const std::vector<std::string>& enum_names<OptimizerName>() {
  static const std::vector<std::string> names{"adamw", "sgd"};
  return names;
}
template <>
const std::vector<std::string>& enum_names<Schedule>() {
  static const std::vector<std::string> names{"cosine", "step", "constant"};
  return names;
}

void fail_at(const Source& where, const std::string& path, const std::string& what) {
  fail(str_cat(where.str(), ": ", path, ": ", what));
}

Source source_of(const Provenance& where, const std::string& path) {
  auto it = where.find(path);
  return it == where.end() ? Source{"default", 0} : it->second;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string suggest(const std::string& key, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(key, c);
    if (!best || d < best_distance) best = &c, best_distance = d;
  }
  // Plausible typo: at most half the longer word changed (and at least 1 edit allowed).
  if (!best || best_distance > std::max<std::size_t>(1, std::max(key.size(), best->size()) / 2)) return "";
  return " (did you mean '" + *best + "'?)";
}

// The same text as an attention option's real value (one spelling in config.yaml).
std::string real_text(double v) { return option_real_text(v); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace config_detail

using config_detail::enum_names;

std::string to_string(DatasetName v) { return enum_names<DatasetName>()[static_cast<int>(v)]; }
std::string to_string(DataFormat v) { return enum_names<DataFormat>()[static_cast<int>(v)]; }
std::string to_string(OptimizerName v) { return enum_names<OptimizerName>()[static_cast<int>(v)]; }
std::string to_string(Schedule v) { return enum_names<Schedule>()[static_cast<int>(v)]; }

std::vector<std::pair<std::string, std::string>> attention_option_values(const AttentionOptions& options) {
  return options.values();
}

}  // namespace linattn
