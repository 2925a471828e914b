// apps/cli.cpp — cli_main: dispatches to a command and turns every error into one line on stderr
// and a non-zero exit code (never a crash). The general usage text lives here.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

#include "apps/cli.h"

namespace linattn::cli {

std::string general_usage() {
  std::string text =
      "linattn — efficient attention for vision, trained from YAML configs\n\n"
      "usage: linattn <command> [options]\n\ncommands:\n";
  for (const auto& c : commands()) {
    std::string name = "  " + c.name;
    name.resize(std::max<std::size_t>(name.size() + 2, 12), ' ');
    text += name + c.summary + "\n";
  }
  text += "\nRun `linattn help <command>` for a command's options.\n";
  return text;
}

int cli_main(int argc, char** argv) {
  std::string command_name;
  try {
    if (argc < 2) {
      std::fputs(general_usage().c_str(), stderr);
      return kExitUsage;
    }
    command_name = argv[1];
    if (command_name == "--help" || command_name == "-h") {
      std::fputs(general_usage().c_str(), stdout);
      return kExitOk;
    }
    const Command* command = find_command(command_name);
    if (!command) {
      std::string known;
      for (const auto& c : commands()) known += (known.empty() ? "" : ", ") + c.name;
      std::fprintf(stderr, "linattn: error: unknown command '%s' (commands: %s). Run `linattn help` for usage.\n",
                   command_name.c_str(), known.c_str());
      return kExitUsage;
    }
    return command->run(Args(argv + 2, argv + argc));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "linattn %s: error: %s\nRun `linattn help %s` for usage.\n", command_name.c_str(), e.what(),
                 command_name.c_str());
    return kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "linattn %s: error: %s\n", command_name.c_str(), e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "linattn %s: internal error: %s\n", command_name.c_str(), e.what());
    return kExitInternal;
  }
}

}  // namespace linattn::cli
