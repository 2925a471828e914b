// apps/cmd_help.cpp — `linattn help [COMMAND]`: the command list, or one command's usage.
#include <cstdio>

#include "apps/cli.h"

namespace linattn::cli {

namespace {

int run_help(const Args& args) {
  ParsedArgs parsed = parse_args("help", args, {});
  expect_positional("help", parsed, 0, 1, "at most one COMMAND");
  if (parsed.positional.empty()) {
    std::fputs(general_usage().c_str(), stdout);
    return kExitOk;
  }
  const Command* command = find_command(parsed.positional[0]);
  if (!command) {
    std::string known;
    for (const auto& c : commands()) known += (known.empty() ? "" : ", ") + c.name;
    throw UsageError(str_cat("no command '", parsed.positional[0], "' (commands: ", known, ")"));
  }
  std::fputs(command->help.c_str(), stdout);
  return kExitOk;
}

}  // namespace

Command help_command() {
  return {"help", "show the commands, or one command's options",
          "usage: linattn help [COMMAND]\n\nWithout COMMAND, lists the commands; with one, shows its usage.\n",
          run_help};
}

}  // namespace linattn::cli
