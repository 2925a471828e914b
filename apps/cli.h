// apps/cli.h — the `linattn` program's command table, exit codes and argument parsing.
// One file per command (apps/cmd_<name>.cpp) defines its Command; apps/commands.cpp lists them;
// cli_main() (apps/cli.cpp) dispatches and turns every error into one message on stderr.
//
// Exit codes: 0 success, 1 internal error, 2 user error (bad flag, missing file, bad config,
// unknown command), 3 training diverged (non-finite loss), 130 interrupted (Ctrl-C, resumable).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace linattn::cli {

constexpr int kExitOk = 0, kExitInternal = 1, kExitUsage = 2, kExitDiverged = 3, kExitInterrupted = 130;

using Args = std::vector<std::string>;  // the arguments after the command name

struct Command {
  std::string name;
  std::string summary;  // one line, for `linattn help`
  std::string help;     // the full usage text, for `linattn help NAME` and `linattn NAME --help`
  int (*run)(const Args& args) = nullptr;
};

// Every command, in the order `linattn help` lists them.
const std::vector<Command>& commands();
const Command* find_command(std::string_view name);

// A mistake in how the program was called; cli_main adds "see linattn help <command>".
class UsageError : public Error {
 public:
  using Error::Error;
};

// ---- argument parsing -------------------------------------------------------------------------
struct FlagSpec {
  std::string name;          // "--set"
  bool takes_value = false;  // "--set k=v" or "--set=k=v"
  bool repeatable = false;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // flag -> values ("" for a switch)
  bool help = false;                                       // -h / --help was given

  bool has(const std::string& flag) const { return values.count(flag) > 0; }
  std::string value(const std::string& flag, const std::string& fallback = "") const;
  std::vector<std::string> all(const std::string& flag) const;
};

// Parses `args` for `command`: flags anywhere, "--" ends them. UsageError on an unknown flag, a
// missing value, or a non-repeatable flag given twice.
ParsedArgs parse_args(const std::string& command, const Args& args, const std::vector<FlagSpec>& flags);

// Checks the number of positional arguments; `names` is how the usage calls them ("CONFIG").
void expect_positional(const std::string& command, const ParsedArgs& parsed, std::size_t min, std::size_t max,
                       const std::string& names);

int cli_main(int argc, char** argv);
std::string general_usage();  // `linattn help`: the commands and their summaries

// The commands (apps/cmd_*.cpp).
Command train_command();
Command eval_command();
Command detect_command();
Command sweep_command();
Command help_command();
Command layer_command();
Command bench_command();
Command cocoeval_command();

}  // namespace linattn::cli
