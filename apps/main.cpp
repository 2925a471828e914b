// apps/main.cpp — the `linattn` program's entry point; everything else is in apps/cli.cpp.
//
// OpenMP threads wait passively (OMP_WAIT_POLICY=passive) unless the user chose otherwise:
// libgomp's default spin-wait after every parallel loop competes with OpenBLAS's own threads
// on a small machine (measured: the §8 ViT step, 2 threads, 2.20 s → 1.92 s). libgomp reads the
// variable when it loads, so the program sets it and re-executes itself once.
#include <unistd.h>

#include <cstdlib>

#include "apps/cli.h"

int main(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then run as we are
  }
  return linattn::cli::cli_main(argc, argv);
}
