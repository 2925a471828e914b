// tests/core/test_cuda_options.cpp — the CUDA numerical switches (core/cuda_options.h) are plain
// flags usable without a GPU or a CUDA build.
#include <doctest/doctest.h>

#include "core/ops.h"

using namespace linattn;

TEST_CASE("allow_tf32 is on by default and can be switched off and on") {
  CHECK(allow_tf32());
  set_allow_tf32(false);
  CHECK_FALSE(allow_tf32());
  set_allow_tf32(true);
  CHECK(allow_tf32());
}
