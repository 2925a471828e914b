// tests/support/main.cpp — the doctest main shared by every test executable. Tests run with
// 2 CPU threads (the CI machine's core count) unless LINATTN_TEST_THREADS says otherwise.
// OpenMP threads wait passively, as in the `linattn` program (apps/main.cpp): libgomp's spinning
// workers otherwise compete with OpenBLAS's threads (a float64 gradcheck of a tiny DETR-lite:
// 7 s spinning, 0.5 s passive). libgomp reads the variable when it loads, hence the re-exec.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/parallel.h"

int main(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then run as we are
  }
  const char* threads = std::getenv("LINATTN_TEST_THREADS");
  linattn::set_num_threads(threads ? std::max(1, std::atoi(threads)) : 2);
  doctest::Context context(argc, argv);
  return context.run();
}
