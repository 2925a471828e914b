// models/detr_backbone.h — the DETR-lite backbone (models/detr_lite.h, step 1): a ResNet of
// BasicBlocks trained from scratch, with torchvision's module names so that weights interchange
// with a PyTorch ResNet of the same layout.
//
//   conv1 7x7 s2 p3 (3 → w, no bias) → bn1 → ReLU → maxpool 3x3 s2 p1          (stride 4)
//   layer1..layer4: `blocks` BasicBlocks each, widths w, 2w, 4w, 8w; the first block of layer2
//   and layer3 has stride 2, layer4's first block stride 2 for output stride 32, 1 for 16.
//   BasicBlock: conv1 3x3 (stride s) → bn1 → ReLU → conv2 3x3 → bn2, + identity or
//   downsample.0 (1x1 conv, stride s, no bias) → downsample.1 (norm) when the shape changes;
//   → ReLU.
// The norms are GroupNorm(groups, C) or BatchNorm2d(C), both named bn1 / bn2 / downsample.1
// as torchvision names its norm layers. Init: convs kaiming_normal(fan_out, relu), norms 1 / 0.
//
// Invariants: stride is 16 or 32; `groups` divides every width (group norm); the input side S
// is divisible by the stride, so the output grid is exactly (S/stride, S/stride).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "layers/conv.h"
#include "layers/module.h"

namespace linattn {

struct DetrBackboneOptions {
  std::int64_t width = 32;     // channels of layer1; layer i has width · 2^(i-1)
  std::int64_t blocks = 2;     // BasicBlocks per stage (2: the ResNet-18 layout)
  std::int64_t stride = 16;    // output stride: 16 or 32
  std::string norm = "group";  // group | batch
  std::int64_t groups = 8;     // GroupNorm groups
};

// A GroupNorm or BatchNorm2d by `kind` (group | batch) over C channels.
std::shared_ptr<Module> make_norm2d(const std::string& kind, std::int64_t channels, std::int64_t groups);
// Runs a module made by make_norm2d on x (B, C, H, W).
Tensor norm2d_forward(Module& norm, const Tensor& x);

class BasicBlock : public Module {
 public:
  BasicBlock(std::int64_t in_channels, std::int64_t out_channels, std::int64_t stride,
             const DetrBackboneOptions& options, Generator& gen);
  Tensor forward(const Tensor& x);  // (B, Cin, H, W) -> (B, Cout, H/s, W/s)

  std::shared_ptr<Conv2d> conv1, conv2;
  std::shared_ptr<Module> bn1, bn2;
  std::shared_ptr<Conv2d> downsample_conv;  // downsample.0, null for the identity shortcut
  std::shared_ptr<Module> downsample_norm;  // downsample.1
};

class DetrBackbone : public Module {
 public:
  DetrBackbone(const DetrBackboneOptions& options, Generator& gen);
  Tensor forward(const Tensor& images);  // (B, 3, S, S) -> (B, out_channels(), S/stride, S/stride)
  std::int64_t out_channels() const { return options.width * 8; }

  DetrBackboneOptions options;
  std::shared_ptr<Conv2d> conv1;
  std::shared_ptr<Module> bn1;
  std::vector<std::vector<std::shared_ptr<BasicBlock>>> stages;  // layer1..layer4
};

// torchvision's ResNet conv init: N(0, 2/fan_out), fan_out = Cout · kh · kw.
void kaiming_normal_fan_out_(const Tensor& weight, Generator& gen);

}  // namespace linattn
