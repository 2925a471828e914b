// layers/attention/registry.cpp — make_attention: the one place that maps a registry key
// (through its typed options) to a layer class.
#include <variant>

#include "layers/attention/additive.h"
#include "layers/attention/attention.h"
#include "layers/attention/cos2d.h"
#include "layers/attention/efficient.h"
#include "layers/attention/external.h"
#include "layers/attention/linformer.h"
#include "layers/attention/softmax.h"

namespace linattn {

std::shared_ptr<Attention> make_attention(const AttentionOptions& options, std::int64_t dim, Grid grid,
                                          Generator& gen) {
  LINATTN_CHECK(dim > 0, "make_attention: dim must be positive, got ", dim);
  return std::visit(
      [&](const auto& o) -> std::shared_ptr<Attention> {
        using O = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<O, SoftmaxOptions>) {
          return std::make_shared<SoftmaxAttention>(dim, o, gen);
        } else if constexpr (std::is_same_v<O, ExternalOptions>) {
          return std::make_shared<ExternalAttention>(dim, o, gen);
        } else if constexpr (std::is_same_v<O, LinformerOptions>) {
          return std::make_shared<LinformerAttention>(dim, o, grid, gen);
        } else if constexpr (std::is_same_v<O, AdditiveOptions>) {
          return std::make_shared<EfficientAdditiveAttention>(dim, o, gen);
        } else if constexpr (std::is_same_v<O, Cos2dOptions>) {
          return std::make_shared<Cos2dAttention>(dim, o, grid, gen);
        } else if constexpr (std::is_same_v<O, EfficientOptions>) {
          return std::make_shared<EfficientAttention>(dim, o, gen);
        } else {
          static_assert(sizeof(O) == 0, "make_attention: an AttentionOptions alternative has no layer");
        }
      },
      options);
}

}  // namespace linattn
