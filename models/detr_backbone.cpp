// models/detr_backbone.cpp — see detr_backbone.h.
#include "models/detr_backbone.h"

#include <cmath>

#include "core/ops.h"
#include "layers/batch_norm.h"
#include "layers/group_norm.h"
#include "layers/init.h"

namespace linattn {

void kaiming_normal_fan_out_(const Tensor& weight, Generator& gen) {
  const auto [fan_in, fan_out] = init::fan_in_out(weight);
  init::normal_(weight, 0.0, std::sqrt(2.0 / static_cast<double>(fan_out)), gen);
}

std::shared_ptr<Module> make_norm2d(const std::string& kind, std::int64_t channels, std::int64_t groups) {
  if (kind == "group") return std::make_shared<GroupNorm>(groups, channels);
  if (kind == "batch") return std::make_shared<BatchNorm2d>(channels);
  fail(str_cat("DETR-lite backbone: norm must be group or batch, got '", kind, "'"));
}

Tensor norm2d_forward(Module& norm, const Tensor& x) {
  if (auto* gn = dynamic_cast<GroupNorm*>(&norm)) return gn->forward(x);
  if (auto* bn = dynamic_cast<BatchNorm2d*>(&norm)) return bn->forward(x);
  fail("norm2d_forward: not a GroupNorm or BatchNorm2d");
}

namespace {

std::shared_ptr<Conv2d> conv(std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t stride, Generator& gen) {
  auto c = std::make_shared<Conv2d>(cin, cout, std::array<std::int64_t, 2>{k, k},
                                    Conv2dParams{.stride = {stride, stride}, .padding = {k / 2, k / 2}}, false, gen);
  kaiming_normal_fan_out_(c->weight, gen);
  return c;
}

}  // namespace

BasicBlock::BasicBlock(std::int64_t cin, std::int64_t cout, std::int64_t stride, const DetrBackboneOptions& o,
                       Generator& gen) {
  conv1 = register_module("conv1", conv(cin, cout, 3, stride, gen));
  bn1 = register_module("bn1", make_norm2d(o.norm, cout, o.groups));
  conv2 = register_module("conv2", conv(cout, cout, 3, 1, gen));
  bn2 = register_module("bn2", make_norm2d(o.norm, cout, o.groups));
  if (stride != 1 || cin != cout) {
    auto downsample = register_module("downsample", std::make_shared<ModuleList>());
    downsample_conv = downsample->push_back(conv(cin, cout, 1, stride, gen));
    downsample_norm = downsample->push_back(make_norm2d(o.norm, cout, o.groups));
  }
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor h = relu(norm2d_forward(*bn1, conv1->forward(x)));  // B x Cout x H/s x W/s
  h = norm2d_forward(*bn2, conv2->forward(h));
  Tensor shortcut = downsample_conv ? norm2d_forward(*downsample_norm, downsample_conv->forward(x)) : x;
  return relu(add(h, shortcut));
}

DetrBackbone::DetrBackbone(const DetrBackboneOptions& o, Generator& gen) : options(o) {
  LINATTN_CHECK(o.stride == 16 || o.stride == 32, "DETR-lite backbone: stride must be 16 or 32, got ", o.stride);
  LINATTN_CHECK(o.width > 0 && o.blocks > 0, "DETR-lite backbone: width ", o.width, " and blocks ", o.blocks,
                " must be positive");
  if (o.norm == "group")
    LINATTN_CHECK(o.groups > 0 && o.width % o.groups == 0, "DETR-lite backbone: norm_groups ", o.groups,
                  " must divide the backbone width ", o.width, " (and so every stage's width)");
  conv1 = register_module("conv1", std::make_shared<Conv2d>(3, o.width, std::array<std::int64_t, 2>{7, 7},
                                                            Conv2dParams{.stride = {2, 2}, .padding = {3, 3}}, false, gen));
  kaiming_normal_fan_out_(conv1->weight, gen);
  bn1 = register_module("bn1", make_norm2d(o.norm, o.width, o.groups));
  std::int64_t channels = o.width;
  for (int stage = 0; stage < 4; ++stage) {
    const std::int64_t width = o.width << stage;
    const std::int64_t stride = stage == 0 ? 1 : stage < 3 ? 2 : (o.stride == 32 ? 2 : 1);
    auto layer = register_module("layer" + std::to_string(stage + 1), std::make_shared<ModuleList>());
    std::vector<std::shared_ptr<BasicBlock>> blocks;
    for (std::int64_t b = 0; b < o.blocks; ++b) {
      blocks.push_back(layer->push_back(std::make_shared<BasicBlock>(channels, width, b == 0 ? stride : 1, o, gen)));
      channels = width;
    }
    stages.push_back(std::move(blocks));
  }
}

Tensor DetrBackbone::forward(const Tensor& images) {
  LINATTN_CHECK(images.dim() == 4 && images.shape()[1] == 3, "DETR-lite backbone: images must be (B, 3, S, S), got ",
                shape_str(images.shape()));
  Tensor x = relu(norm2d_forward(*bn1, conv1->forward(images)));  // B x w x S/2 x S/2
  x = max_pool2d(x, {3, 3}, {2, 2}, {1, 1});                      // B x w x S/4 x S/4
  for (auto& stage : stages)
    for (auto& block : stage) x = block->forward(x);
  return x;  // B x 8w x S/stride x S/stride
}

}  // namespace linattn
