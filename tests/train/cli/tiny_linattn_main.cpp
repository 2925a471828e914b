// tests/train/cli/tiny_linattn_main.cpp — the `linattn` program exactly (apps/*.cpp but main.cpp)
// with the tests' tiny MLP registered as model "tiny_mlp" (selected by the tests' configs), so the CLI tests (test_cli.cpp) can train
// through the real command line in a second without the real models. Built as linattn_tiny.
#include "apps/cli.h"
#include "train/fixtures/tiny.h"

int main(int argc, char** argv) {
  linattn::testing::register_tiny_mlp(32, 32, /*pool4=*/true);
  return linattn::cli::cli_main(argc, argv);
}
