// tests/support/main.cpp — the doctest main shared by every test executable. Tests run with
// 2 CPU threads (the CI machine's core count) unless LINATTN_TEST_THREADS says otherwise.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

#include "core/parallel.h"

int main(int argc, char** argv) {
  const char* threads = std::getenv("LINATTN_TEST_THREADS");
  linattn::set_num_threads(threads ? std::max(1, std::atoi(threads)) : 2);
  doctest::Context context(argc, argv);
  return context.run();
}
