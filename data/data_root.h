// data/data_root.h — where datasets live. The apps call resolve_data_root() once with the
// --data-root flag's value and hand the result to the datasets (e.g. Cifar10Options::root).
//
// The data root is, in this order:
//   1. the root named on the command line (--data-root) or in the config (data.root),
//   2. else $LINATTN_DATA,
//   3. else ./data (relative to the current directory; `bash scripts/get_data cifar10` fills it).
// A root that was named (1 or 2) is the only candidate: if it does not exist the run stops with
// an error naming it and where it came from — it never falls through to the next candidate.
// There is no default outside the current directory.
#pragma once
#include <string>
#include <vector>

namespace linattn {

// One candidate for the data root and where it came from: the source of an explicit root
// ("--data-root", "data.root", "$LINATTN_DATA") or "default" for ./data.
struct DataRootCandidate {
  std::string path, source;
  bool is_explicit() const { return source != "default"; }
};

// The candidates resolve_data_root() tries, in order: just `cli_root` when it is non-empty
// (labelled `cli_source`), else just $LINATTN_DATA when it is set and non-empty, else ./data.
std::vector<DataRootCandidate> data_root_candidates(const std::string& cli_root,
                                                    const std::string& cli_source = "--data-root");

// The data root and where it came from. An explicit root must be an existing directory; it may
// be the dataset folder itself, so `dataset` is not required inside it (the dataset's reader
// says what it looked for). The default ./data counts only if it holds the `dataset` subfolder
// (when `dataset` is non-empty): from a checkout's root, ./data is the source folder data/,
// which holds no dataset until scripts/get_data puts one there. Errors name the path, where it
// came from and the current directory, with a hint.
DataRootCandidate find_data_root(const std::string& cli_root, const std::string& dataset = "",
                                 const std::string& cli_source = "--data-root");

// find_data_root(...).path.
std::string resolve_data_root(const std::string& cli_root, const std::string& dataset = "",
                              const std::string& cli_source = "--data-root");

}  // namespace linattn
