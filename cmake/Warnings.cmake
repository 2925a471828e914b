# Warnings.cmake — the flags every linattn target compiles with (interface target
# `linattn_warnings`): warnings, the target CPU level, and the sanitizers when asked.
#
# LINATTN_ARCH picks the x86-64 level (-march). The default, x86-64-v3 (AVX2 + FMA, every
# server CPU since 2013), lets the kernels' float loops vectorize 8-wide; core/cpu/arch_check.cpp
# refuses to start with a clear message on an older CPU. Use x86-64 for a portable build.
add_library(linattn_warnings INTERFACE)
target_compile_options(linattn_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                            -Wcast-align -Wunused -Woverloaded-virtual -Wformat=2
                            -Wimplicit-fallthrough>)
set(LINATTN_ARCH "x86-64-v3" CACHE STRING "x86-64 level for -march (x86-64, x86-64-v2, x86-64-v3, x86-64-v4, native)")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_options(linattn_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-march=${LINATTN_ARCH}>)
  target_compile_definitions(linattn_warnings INTERFACE LINATTN_ARCH_NAME="${LINATTN_ARCH}")
endif()
# No errno from math functions: lets sqrt and friends inline (we never read errno).
target_compile_options(linattn_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-fno-math-errno>)

if(LINATTN_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_compile_options(linattn_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:${_san}>)
  target_link_options(linattn_warnings INTERFACE ${_san})
endif()

# A fuzz build (tests/fuzz, clang): coverage for libFuzzer plus ASan + UBSan on every target.
if(LINATTN_FUZZ)
  set(_fuzz -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  # (the sanitizers keep some `omp simd` loops scalar; clang warns about each: not a problem here)
  target_compile_options(linattn_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:${_fuzz} -Wno-pass-failed>)
  target_link_options(linattn_warnings INTERFACE -fsanitize=address,undefined)
endif()
