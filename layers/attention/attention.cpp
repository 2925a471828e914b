// layers/attention/attention.cpp — the default (refusing) cross-attention of the interface.
#include "layers/attention/attention.h"

namespace linattn {

Tensor Attention::forward_cross(const Tensor&, const Tensor&) {
  fail(str_cat("attention type '", type(), "' does not support cross-attention (docs/attention.md §12: only "
               "softmax, linformer and efficient do). ---> HINT: use one of those for the decoder"));
}

}  // namespace linattn
