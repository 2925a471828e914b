// core/cpu/arch_check.cpp — refuses to run, with a message, on a CPU older than the x86-64
// level this build was compiled for (LINATTN_ARCH), instead of dying on an illegal instruction.
// This file alone is compiled for baseline x86-64 (see CMakeLists.txt), and its check runs as
// early as the dynamic loader allows (init_priority).
#if defined(__x86_64__) && defined(LINATTN_ARCH_NAME)
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool cpu_supports_build_level() {
  __builtin_cpu_init();
  const char* level = LINATTN_ARCH_NAME;
  bool v2 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
  bool v3 = v2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
  bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  if (!std::strcmp(level, "x86-64-v2")) return v2;
  if (!std::strcmp(level, "x86-64-v3")) return v3;
  if (!std::strcmp(level, "x86-64-v4")) return v4;
  return true;  // x86-64 or native: nothing to check
}

struct ArchCheck {
  ArchCheck() {
    if (cpu_supports_build_level()) return;
    std::fprintf(stderr,
                 "linattn: this build targets %s, which this CPU does not support.\n"
                 "---> HINT: rebuild with a lower level, e.g. `bash scripts/build build -DLINATTN_ARCH=x86-64`\n",
                 LINATTN_ARCH_NAME);
    std::exit(3);
  }
};

__attribute__((init_priority(101))) ArchCheck check;

}  // namespace
#endif
