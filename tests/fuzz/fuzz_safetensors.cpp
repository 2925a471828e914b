// tests/fuzz/fuzz_safetensors.cpp — libFuzzer target for the safetensors reader
// (core/safetensors.h, parse_safetensors on the input bytes: the same checks load_safetensors
// makes on a file).
//
// Expected: a SafetensorsFile, or a linattn::Error naming the problem. Anything else (a crash, a
// sanitizer report, an exception of another type, a huge allocation, a hang) is a finding. A file
// that loads must hold what its header promised: its tensors together fill the data region
// exactly (else this target aborts).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "core/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  linattn::SafetensorsFile file;
  try {
    file = linattn::parse_safetensors(data, size, "fuzz input");
  } catch (const linattn::Error&) {
    return 0;  // a rejected file: expected
  }
  std::uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= static_cast<std::uint64_t>(data[i]) << (8 * i);
  std::uint64_t total = 0;
  for (const auto& [name, t] : file.tensors) total += t.nbytes();
  if (total != size - 8 - header_len) {
    std::fprintf(stderr, "fuzz_safetensors: the tensors hold %llu bytes of a %llu-byte data region\n",
                 static_cast<unsigned long long>(total), static_cast<unsigned long long>(size - 8 - header_len));
    std::abort();
  }
  return 0;
}
