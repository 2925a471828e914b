// tests/support/cuda.h — REQUIRE_CUDA(): the first line of every test that needs a GPU.
//
// Without a visible CUDA device (or in a CPU-only build) it prints "SKIP: no CUDA device" and
// ends the process with code 77, which tests/CMakeLists.txt maps to "skipped" for ctest
// (doctest 2.4.9 has no runtime skip). ctest runs each discovered test case in its own process,
// so one skip never hides another test. Listing the tests (doctest discovery) runs no test body
// and so needs no GPU.
#pragma once
#include <cstdio>
#include <cstdlib>

#include "core/device.h"

#define REQUIRE_CUDA()                                \
  do {                                                \
    if (!::linattn::cuda_available()) {               \
      std::printf("SKIP: no CUDA device\n");          \
      std::fflush(stdout);                            \
      std::exit(77);                                  \
    }                                                 \
  } while (0)
