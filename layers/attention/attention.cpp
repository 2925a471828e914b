// layers/attention/attention.cpp — the default (refusing) cross-attention of the interface and the
// shared check of cross-attention inputs.
#include "layers/attention/attention.h"

namespace linattn {

bool Attention::supports_cross() const { return attention_type(type()).supports_cross; }

Tensor Attention::forward_cross(const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  std::vector<std::string> names;  // "softmax, linformer and efficient"
  for (const auto& name : attention_types())
    if (attention_type(name).supports_cross) names.push_back(name);
  std::string able;
  for (std::size_t i = 0; i < names.size(); ++i)
    able += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  fail(str_cat("attention type '", type(), "' does not support cross-attention (docs/attention.md §12: only ", able,
               " do). ---> HINT: use one of those for the decoder"));
}

void check_cross_inputs(const char* who, std::int64_t dim, const Tensor& queries, const Tensor& keys,
                        const Tensor& values, const Tensor& key_padding_mask) {
  const bool ok = queries.dim() == 3 && keys.dim() == 3 && values.dim() == 3 && queries.shape()[2] == dim &&
                  keys.shape()[2] == dim && values.shape()[2] == dim && keys.shape()[0] == queries.shape()[0] &&
                  values.shape()[0] == queries.shape()[0] && keys.shape()[1] == values.shape()[1];
  LINATTN_CHECK(ok, who, ": expected queries (B, L, ", dim, "), keys and values (B, S, ", dim, "), got ",
                shape_str(queries.shape()), ", ", shape_str(keys.shape()), " and ", shape_str(values.shape()));
  if (!key_padding_mask.defined()) return;
  LINATTN_CHECK(key_padding_mask.dim() == 2 && key_padding_mask.shape()[0] == keys.shape()[0] &&
                    key_padding_mask.shape()[1] == keys.shape()[1],
                who, ": key_padding_mask must be (B, S) = (", keys.shape()[0], ", ", keys.shape()[1], "), got ",
                shape_str(key_padding_mask.shape()));
}

}  // namespace linattn
