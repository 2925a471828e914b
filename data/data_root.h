// data/data_root.h — where datasets live. The apps call resolve_data_root() once with the
// --data-root flag's value and hand the result to the datasets (e.g. Cifar10Options::root).
#pragma once
#include <string>
#include <vector>

namespace linattn {

// The data root: `cli_root` (--data-root) if non-empty — it must then exist —, else the first
// existing directory among $LINATTN_DATA, ./data and ../shared/data (relative to the current
// directory). With a non-empty `dataset` (e.g. "cifar10"), a candidate counts only if it holds
// that subfolder; this keeps the source folder data/ of a checkout from being taken for the
// data root when linattn runs from the repository root. Error lists every candidate tried.
std::string resolve_data_root(const std::string& cli_root, const std::string& dataset = "");

// The candidates resolve_data_root() tries, in order, with where each came from
// ("--data-root", "$LINATTN_DATA", "default").
struct DataRootCandidate {
  std::string path, source;
};
std::vector<DataRootCandidate> data_root_candidates(const std::string& cli_root);

}  // namespace linattn
