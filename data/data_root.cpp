// data/data_root.cpp — see data_root.h.
#include "data/data_root.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/error.h"

namespace linattn {

namespace fs = std::filesystem;

std::vector<DataRootCandidate> data_root_candidates(const std::string& cli_root) {
  if (!cli_root.empty()) return {{cli_root, "--data-root"}};
  std::vector<DataRootCandidate> out;
  if (const char* env = std::getenv("LINATTN_DATA"); env && *env) out.push_back({env, "$LINATTN_DATA"});
  out.push_back({"./data", "default"});
  out.push_back({"../shared/data", "default"});
  return out;
}

std::string resolve_data_root(const std::string& cli_root, const std::string& dataset) {
  auto candidates = data_root_candidates(cli_root);
  std::ostringstream tried;
  for (const auto& c : candidates) {
    std::error_code ec;
    bool is_dir = fs::is_directory(c.path, ec);
    bool has_dataset = is_dir && (dataset.empty() || fs::is_directory(fs::path(c.path) / dataset, ec));
    if (has_dataset) return c.path;
    tried << "\n  " << c.path << " (" << c.source << "): "
          << (!is_dir ? "no such directory" : str_cat("no '", dataset, "' folder inside"));
  }
  fail(str_cat("cannot find the data root", dataset.empty() ? "" : str_cat(" holding '", dataset, "'"),
               "; tried (current directory ", fs::current_path().string(), "):", tried.str(),
               "\n---> HINT: pass --data-root DIR or set LINATTN_DATA=DIR, where DIR holds the "
               "datasets, e.g. DIR/cifar10 (CIFAR-10: extract "
               "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz into DIR/cifar10)"));
}

}  // namespace linattn
