// train/config_detail.h — internals shared by the config sources in train/ (not a public API):
// the schema (one table of every key, read by the parser and the writer), where each value came
// from, the error format, key suggestions and the value checks. No yaml-cpp here.
//
// Error format: "<file>:<line>: <key.path>: <what is wrong and what is expected>", where the
// source is a file and line, "--set a.b=c", or "default" for a value nobody set.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "train/config.h"

namespace linattn::config_detail {

// Where a value came from: a file and 1-based line, or a --set override (line 0).
struct Source {
  std::string origin;  // file path, or "--set a.b=c"
  int line = 0;        // 0: no line
  std::string str() const { return line > 0 ? origin + ":" + std::to_string(line) : origin; }
};

// key path ("optim.lr", "model.attention.proj_k") -> the source of its current value.
using Provenance = std::map<std::string, Source>;

[[noreturn]] void fail_at(const Source& where, const std::string& path, const std::string& what);

// The source of `path`, or "default" when no layer set it.
Source source_of(const Provenance& where, const std::string& path);

std::size_t edit_distance(const std::string& a, const std::string& b);
// " (did you mean 'x'?)" for the closest candidate within a plausible distance, else "".
std::string suggest(const std::string& key, const std::vector<std::string>& candidates);
std::string join(const std::vector<std::string>& items);  // "a, b, c"
// The shortest text that reads back to `v`, always with a dot: "0.001", "1.0", "1.0e-08".
std::string real_text(double v);

template <class E>
const std::vector<std::string>& enum_names();  // index = the enum's value; defined in config.cpp
template <> const std::vector<std::string>& enum_names<DatasetName>();
template <> const std::vector<std::string>& enum_names<DataFormat>();
template <> const std::vector<std::string>& enum_names<OptimizerName>();
template <> const std::vector<std::string>& enum_names<Schedule>();
template <> const std::vector<std::string>& enum_names<EvalSplit>();  // in config_schema.cpp

// ---- schema -------------------------------------------------------------------------------
using IntRef = std::int64_t& (*)(ExperimentConfig&);
using RealRef = double& (*)(ExperimentConfig&);
using BoolRef = bool& (*)(ExperimentConfig&);
using TextRef = std::string& (*)(ExperimentConfig&);
using PairRef = std::array<double, 2>& (*)(ExperimentConfig&);
using NameListRef = std::vector<std::string>& (*)(ExperimentConfig&);  // a YAML list of names
using DeviceRef = Device& (*)(ExperimentConfig&);
struct ChoiceRef {
  std::vector<std::string> names;
  std::function<int(ExperimentConfig&)> get;
  std::function<void(ExperimentConfig&, int)> set;
};
struct AttentionRef {};  // model.attention: type + options, handled by the parser itself
using Ref = std::variant<IntRef, RealRef, BoolRef, TextRef, PairRef, NameListRef, DeviceRef, ChoiceRef, AttentionRef>;

struct Leaf {
  std::string path;  // "data.augment.randaugment.n"
  Ref ref;
};

// Every leaf, in the order the writer emits them (sections stay contiguous).
const std::vector<Leaf>& schema();
const Leaf* find_leaf(const std::string& path);
bool is_section(const std::string& path);  // "data", "data.augment", ...; "" is the top level
// The immediate child keys of a section, in schema order.
std::vector<std::string> child_keys(const std::string& section);
// "an integer", "one of mean, cls", ... for error messages.
std::string expected(const Ref& ref);

// ---- checks ---------------------------------------------------------------------------------
// Every value and cross-key constraint; the first violation is an error naming key and source.
void validate(const ExperimentConfig& config, const Provenance& where);

}  // namespace linattn::config_detail
