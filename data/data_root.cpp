// data/data_root.cpp — see data_root.h.
#include "data/data_root.h"

#include <cstdlib>
#include <filesystem>

#include "core/error.h"

namespace linattn {

namespace fs = std::filesystem;

namespace {

const char* kHint =
    "\n---> HINT: run `bash scripts/get_data cifar10` (it unpacks CIFAR-10 into ./data/cifar10), or pass "
    "--data-root DIR or set LINATTN_DATA=DIR, where DIR holds the datasets (e.g. DIR/cifar10)";

}  // namespace

std::vector<DataRootCandidate> data_root_candidates(const std::string& cli_root, const std::string& cli_source) {
  if (!cli_root.empty()) return {{cli_root, cli_source}};
  if (const char* env = std::getenv("LINATTN_DATA"); env && *env) return {{env, "$LINATTN_DATA"}};
  return {{"./data", "default"}};
}

DataRootCandidate find_data_root(const std::string& cli_root, const std::string& dataset,
                                 const std::string& cli_source) {
  const DataRootCandidate c = data_root_candidates(cli_root, cli_source).front();
  std::error_code ec;
  const bool is_dir = fs::is_directory(c.path, ec);
  const std::string cwd = fs::current_path(ec).string();
  if (c.is_explicit()) {
    LINATTN_CHECK(is_dir, "the data root ", c.path, " (from ", c.source, ") does not exist or is not a directory",
                  " (current directory ", cwd, ")", kHint);
    return c;
  }
  const bool has_dataset = is_dir && (dataset.empty() || fs::is_directory(fs::path(c.path) / dataset, ec));
  LINATTN_CHECK(has_dataset, "cannot find the data root", dataset.empty() ? "" : str_cat(" holding '", dataset, "'"),
                ": neither --data-root nor LINATTN_DATA is set, and the default ", c.path, " (current directory ",
                cwd, ") ", !is_dir ? "does not exist" : str_cat("has no '", dataset, "' folder"), kHint);
  return c;
}

std::string resolve_data_root(const std::string& cli_root, const std::string& dataset, const std::string& cli_source) {
  return find_data_root(cli_root, dataset, cli_source).path;
}

}  // namespace linattn
