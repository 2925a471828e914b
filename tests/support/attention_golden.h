// tests/support/attention_golden.h — runs one attention layer against a golden file written
// by tests/reference/make_attention_goldens.py (docs/attention.md in PyTorch, float64 inside):
// loads the weights by their §13 names, runs forward (self or cross) and backward with the
// file's upstream gradient `dy`, and compares `y`, `grad.<input>` and `grad.<param>` for every
// parameter (relative error ≤ 1e-10 in float64, ≤ 1e-5 in float32; tests/support/reference.h).
// Registry layers (layout "tokens") are rebuilt from the file's metadata through
// make_attention; other modules (the 2-D wrappers) pass their own forward.
#pragma once
#include <functional>
#include <string>

#include "core/safetensors.h"
#include "layers/module.h"

namespace linattn::testing {

struct GoldenCase {
  SafetensorsFile file;
  std::string type, mode, layout;
  std::int64_t dim = 0, heads = 0, grid_h = 0, grid_w = 0;
  std::map<std::string, std::string> options;  // the file's layer options as key=value strings
  DType dtype = DType::F64;
};

// Loads `<golden_dir>/<name>.safetensors` (skipping the test when absent) and its metadata.
GoldenCase load_attention_golden(const std::string& name);

// Loads the file's weights into `module`, runs `forward` on the file's inputs (x, or q_in and
// memory), backpropagates dy, and CHECKs y and every gradient. `absolute_zero_grads` lists
// parameters whose golden gradient is exactly zero up to rounding (compared with |g| ≤ 1e-12 in
// float64, ≤ 1e-5 in float32).
void check_against_golden(const GoldenCase& golden, Module& module,
                          const std::function<Tensor(const std::vector<Tensor>& inputs)>& forward,
                          const std::vector<std::string>& absolute_zero_grads = {});

// For registry layers: builds the layer from the metadata and runs check_against_golden.
void check_registry_layer_golden(const std::string& name, const std::vector<std::string>& absolute_zero_grads = {});

}  // namespace linattn::testing
