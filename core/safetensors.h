// core/safetensors.h — reading and writing the safetensors format (weights, optimizer state,
// PyTorch golden files), so tensors move between linattn and PyTorch unchanged.
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32"|"F64"|"I64", "shape": [...], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}      (optional)
// then the raw little-endian data; offsets are relative to the end of the header. linattn reads
// F32, F64 and I64 only (BF16/F16 and the rest are refused with a message that says so).
//
// Invariants checked on load (each a linattn::Error naming the file and the problem, never a
// crash): the header fits in the file and is a JSON object of objects; every dtype is known;
// byte count = numel · dtype size; offsets are in range, do not overlap and cover the whole data
// region; no name appears twice. Saving writes `path + ".tmp"` and renames it over `path`, so a
// reader never sees a half-written file. Used by checkpoints (train/), Module state dicts and the
// PyTorch reference tests (tests/support/reference.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace linattn {

// Tensors in a fixed order (the order they are written in, or found in a file's header).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsFile {
  std::string path;
  NamedTensors tensors;                         // CPU tensors, in the header's order
  std::map<std::string, std::string> metadata;  // "__metadata__", empty when absent

  bool contains(const std::string& name) const;
  // The tensor called `name`; an Error naming the file and the missing tensor otherwise.
  const Tensor& at(const std::string& name) const;
};

// Writes `tensors` (any device; copied to the host) atomically. Names must be unique, non-empty
// and not "__metadata__".
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

SafetensorsFile load_safetensors(const std::string& path);

// The same checks and result for a file's bytes held in memory (`name` stands for the path in
// errors and in SafetensorsFile::path). Used by the fuzz target tests/fuzz/fuzz_safetensors.cpp.
SafetensorsFile parse_safetensors(const std::uint8_t* data, std::size_t size, const std::string& name);

}  // namespace linattn
