// apps/main.cpp — the `linattn` program's entry point; everything else is in apps/cli.cpp.
#include "apps/cli.h"

int main(int argc, char** argv) { return linattn::cli::cli_main(argc, argv); }
