// apps/commands.cpp — the command table of `linattn` (order = the order `linattn help` lists).
// A new command: a file apps/cmd_<name>.cpp defining <name>_command(), declared in cli.h, and a
// line here.
#include "apps/cli.h"

namespace linattn::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      train_command(),
      eval_command(),
      detect_command(),
      sweep_command(),
      layer_command(),
      bench_command(),
      cocoeval_command(),
      help_command(),
  };
  return table;
}

const Command* find_command(std::string_view name) {
  for (const auto& c : commands())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace linattn::cli
