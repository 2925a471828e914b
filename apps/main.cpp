// apps/main.cpp — the `linattn` command-line program: dispatches to its subcommands.
// Every user error becomes one clear message on stderr and exit code 2; never a crash.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "core/error.h"

namespace {

constexpr const char* kUsage = R"(linattn — efficient attention for vision, from YAML configs

usage: linattn <command> [options]

commands:
  train CONFIG      train a model from a YAML config (coming with the trainer)
  help [COMMAND]    show help
)";

int run(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "train") {
    std::fputs("linattn train: the trainer is coming with the training issue; the core (tensors, autograd, "
               "ops) is built and tested — run `bash scripts/test`.\n", stdout);
    return 0;
  }
  throw linattn::Error(linattn::str_cat("unknown command '", cmd, "'. Run `linattn help` for the list."));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "linattn: error: %s\n", e.what());
    return 2;
  }
}
