// train/checkpoint.cpp — see checkpoint.h.
#include "train/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/safetensors.h"

namespace linattn {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStateKey = "linattn.training_state";
constexpr const char* kOptimizerPrefix = "optimizer.";
constexpr int kFormatVersion = 1;

std::string state_to_json(const TrainingState& s) {
  nlohmann::ordered_json j;
  j["format_version"] = kFormatVersion;
  j["step"] = s.step;
  j["epoch"] = s.epoch;
  j["batches_consumed"] = s.batches_consumed;
  j["epoch_loss_sum"] = s.epoch_loss_sum;
  j["epoch_loss_count"] = s.epoch_loss_count;
  j["best_metric"] = s.best_metric;
  if (s.best_value) j["best_value"] = *s.best_value;
  else j["best_value"] = nullptr;
  j["best_epoch"] = s.best_epoch;
  nlohmann::ordered_json gens = nlohmann::ordered_json::object();
  for (const auto& [name, g] : s.generators) gens[name] = {{"seed", g.seed}, {"offset", g.offset}};
  j["generators"] = gens;
  return j.dump();
}

TrainingState state_from_json(const std::string& text, const std::string& file) {
  try {
    auto j = nlohmann::json::parse(text);
    int version = j.at("format_version").get<int>();
    LINATTN_CHECK(version == kFormatVersion, "checkpoint '", file, "': training-state format version ", version,
                  " is not supported (this linattn reads version ", kFormatVersion, ")");
    TrainingState s;
    s.step = j.at("step").get<std::int64_t>();
    s.epoch = j.at("epoch").get<std::int64_t>();
    s.batches_consumed = j.at("batches_consumed").get<std::int64_t>();
    s.epoch_loss_sum = j.at("epoch_loss_sum").get<double>();
    s.epoch_loss_count = j.at("epoch_loss_count").get<std::int64_t>();
    if (j.contains("best_metric")) {
      s.best_metric = j.at("best_metric").get<std::string>();
      if (!j.at("best_value").is_null()) s.best_value = j.at("best_value").get<double>();
    } else {  // written before tasks: classification's top-1, -1 when never evaluated
      s.best_metric = "test_acc";
      const double acc = j.at("best_test_acc").get<double>();
      if (acc >= 0) s.best_value = acc;
    }
    s.best_epoch = j.at("best_epoch").get<std::int64_t>();
    for (const auto& [name, g] : j.at("generators").items())
      s.generators[name] = {g.at("seed").get<std::uint64_t>(), g.at("offset").get<std::uint64_t>()};
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail(str_cat("checkpoint '", file, "': bad training-state metadata (", e.what(), ")"));
  }
}

void sync_dir(const fs::path& dir) {  // makes the renames durable; best effort
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

[[noreturn]] void fail_rename(const fs::path& from, const fs::path& to) {
  fail(str_cat("cannot rename '", from.string(), "' to '", to.string(), "': ", std::strerror(errno)));
}

// Puts the complete folder `tmp` at `dir`, atomically (see the header comment).
void swap_into_place(const fs::path& tmp, const fs::path& dir) {
  if (!fs::exists(dir)) {
    if (std::rename(tmp.c_str(), dir.c_str()) != 0) fail_rename(tmp, dir);
  } else if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(tmp);  // now the previous checkpoint
  } else {
    fs::path old = dir.string() + ".old";
    fs::remove_all(old);
    if (std::rename(dir.c_str(), old.c_str()) != 0) fail_rename(dir, old);
    if (std::rename(tmp.c_str(), dir.c_str()) != 0) fail_rename(tmp, dir);
  }
  fs::remove_all(dir.string() + ".old");  // also a leftover from an earlier crash mid-swap
  sync_dir(dir.parent_path().empty() ? fs::path(".") : dir.parent_path());
}

bool is_checkpoint_dir(const fs::path& p) {
  return fs::is_regular_file(p / kModelFile) && fs::is_regular_file(p / kTrainingStateFile);
}

}  // namespace

void save_checkpoint(const std::string& dir, const Module& model, const Optimizer* optimizer,
                     const TrainingState& state) {
  fs::path target = fs::path(dir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  fs::path tmp = target.string() + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  LINATTN_CHECK(!ec, "cannot create checkpoint folder '", tmp.string(), "': ", ec.message());

  save_safetensors((tmp / kModelFile).string(), model.state_dict(), {{"format", "pt"}});
  NamedTensors optim_state;
  if (optimizer)
    for (auto& [key, t] : optimizer->state_dict()) optim_state.emplace_back(kOptimizerPrefix + key, t);
  save_safetensors((tmp / kTrainingStateFile).string(), optim_state, {{kStateKey, state_to_json(state)}});
  swap_into_place(tmp, target);
}

std::string find_checkpoint(const std::string& path) {
  fs::path p(path);
  LINATTN_CHECK(!path.empty(), "no checkpoint path given");
  for (const fs::path& candidate : {p, fs::path(p.string() + ".old"), p / "checkpoints" / "latest",
                                    p / "checkpoints" / "latest.old"})
    if (is_checkpoint_dir(candidate)) return candidate.string();
  fail(str_cat("no checkpoint at '", path, "': expected a folder with ", kModelFile, " and ", kTrainingStateFile,
               ", or a run folder with checkpoints/latest",
               fs::exists(p) ? "" : " (the path does not exist)"));
}

TrainingState read_training_state(const std::string& dir) {
  std::string file = (fs::path(dir) / kTrainingStateFile).string();
  SafetensorsFile f = load_safetensors(file);
  auto it = f.metadata.find(kStateKey);
  LINATTN_CHECK(it != f.metadata.end(), "checkpoint '", file, "' has no '", kStateKey,
                "' metadata: not a linattn training-state file");
  return state_from_json(it->second, file);
}

TrainingState load_checkpoint(const std::string& dir, Module& model, Optimizer* optimizer) {
  TrainingState state = read_training_state(dir);
  load_weights(dir, model);
  if (optimizer) {
    std::string file = (fs::path(dir) / kTrainingStateFile).string();
    SafetensorsFile f = load_safetensors(file);
    NamedTensors optim_state;
    const std::string prefix = kOptimizerPrefix;
    for (auto& [key, t] : f.tensors)
      if (key.rfind(prefix, 0) == 0) optim_state.emplace_back(key.substr(prefix.size()), t);
    try {
      optimizer->load_state_dict(optim_state);
    } catch (const Error& e) {
      fail(str_cat("checkpoint '", file, "': the optimizer state does not fit this run: ", e.what()));
    }
  }
  return state;
}

void load_weights(const std::string& path, Module& model) {
  std::string file = fs::is_directory(path) ? (fs::path(path) / kModelFile).string() : path;
  SafetensorsFile f = load_safetensors(file);
  try {
    model.load_state_dict(f.tensors);
  } catch (const Error& e) {
    fail(str_cat("weights '", file, "' do not fit the model: ", e.what()));
  }
}

}  // namespace linattn
