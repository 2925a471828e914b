// tests/models/tiny_eamlp.h — the tiny EAMLP configuration of tests/reference/eamlp_ref.py's
// TINY (8×8 images, token grids 8, 4, 2), shared by the model tests and the CUDA parity tests.
#pragma once
#include "layers/attention/options.h"
#include "models/eamlp.h"

namespace linattn::testing {

inline EAMLPOptions tiny_eamlp_options(const AttentionOptions& attention) {
  EAMLPOptions o;
  o.image_size = 8;
  o.token_dim = 4;
  o.token_memory = 5;
  o.embed_dim = 8;
  o.depth = 2;
  o.heads = 2;
  o.num_classes = 3;
  o.attention = attention;
  return o;
}

}  // namespace linattn::testing
