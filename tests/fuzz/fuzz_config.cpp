// tests/fuzz/fuzz_config.cpp — libFuzzer target for the strict YAML config loader
// (train/config.h): parse_config_string on the input, with --set overrides.
//
// Input: YAML text, then optionally '\0' and '\0'-separated `--set` assignments ("a.b=c").
// Inputs that mention `base` are skipped: a base: key reads other files, which a fuzzer must not
// roam (and the base chain has its own tests in tests/train/test_config*.cpp).
// Expected: a config, or a linattn::Error (a bad key, type or value). Anything else — another
// exception type (say, one of yaml-cpp's escaping the loader), a crash, a sanitizer report, a
// hang — is a finding. A config that loads must also survive the round trip the run folder
// relies on: to_yaml() parses back to an equal config (else this target aborts).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "train/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.find("base") != std::string_view::npos || input.find('\\') != std::string_view::npos)
    return -1;  // base: (and "\x62ase" spellings of it) would read files; keep the input out of the corpus
  std::vector<std::string> parts;
  for (std::size_t begin = 0;;) {
    std::size_t end = input.find('\0', begin);
    parts.emplace_back(input.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
  const std::string yaml = parts.front();
  const std::vector<std::string> overrides(parts.begin() + 1, parts.end());

  linattn::ExperimentConfig config;
  try {
    config = linattn::parse_config_string(yaml, "fuzz.yaml", overrides);
  } catch (const linattn::Error&) {
    return 0;  // a rejected config: expected
  }
  const std::string written = linattn::to_yaml(config);
  try {
    if (linattn::parse_config_string(written, "roundtrip.yaml") == config) return 0;
    std::fprintf(stderr, "fuzz_config: to_yaml() does not parse back to an equal config:\n%s\n", written.c_str());
  } catch (const linattn::Error& e) {
    std::fprintf(stderr, "fuzz_config: to_yaml() wrote a config that does not load: %s\n%s\n", e.what(),
                 written.c_str());
  }
  std::abort();
}
