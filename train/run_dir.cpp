// train/run_dir.cpp — see run_dir.h.
#include "train/run_dir.h"

#include <filesystem>

#include "core/error.h"

namespace linattn {

namespace fs = std::filesystem;

RunPaths::RunPaths(const std::string& r)
    : root(r),
      config((fs::path(r) / "config.yaml").string()),
      metrics((fs::path(r) / "metrics.jsonl").string()),
      log((fs::path(r) / "train.log").string()),
      report((fs::path(r) / "report.html").string()),
      checkpoints((fs::path(r) / "checkpoints").string()),
      latest((fs::path(r) / "checkpoints" / "latest").string()),
      best((fs::path(r) / "checkpoints" / "best").string()) {}

std::string default_run_dir(const ExperimentConfig& config) {
  return (fs::path("runs") / (config.name.empty() ? std::string("run") : config.name)).string();
}

bool holds_run(const RunPaths& paths) { return fs::exists(paths.metrics) || fs::exists(paths.checkpoints); }

void prepare_new_run(const RunPaths& paths, bool overwrite) {
  std::error_code ec;
  if (fs::exists(paths.root) && !fs::is_directory(paths.root))
    fail(str_cat("run folder '", paths.root, "' exists and is not a folder"));
  if (holds_run(paths)) {
    LINATTN_CHECK(overwrite, "run folder '", paths.root, "' already holds a run. ---> HINT: continue it with ",
                  "`linattn train --resume ", paths.root, "`, start over with --overwrite, or choose another ",
                  "folder with --run-dir or --set name=...");
    for (const std::string& p : {paths.metrics, paths.log, paths.report, paths.config, paths.checkpoints})
      fs::remove_all(p, ec);
  }
  fs::create_directories(paths.root, ec);
  LINATTN_CHECK(fs::is_directory(paths.root), "cannot create the run folder '", paths.root, "'",
                ec ? ": " + ec.message() : "");
}

}  // namespace linattn
