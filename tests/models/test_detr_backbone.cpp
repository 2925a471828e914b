// tests/models/test_detr_backbone.cpp — the DETR-lite backbone (models/detr_backbone.h):
// torchvision's names (conv1, bn1, layerK.i.{conv1,bn1,conv2,bn2,downsample.0/1}), output
// shapes for stride 16 and 32, the conv init, a BasicBlock equal to its formula written out,
// batch norm's buffers and modes, and a float64 gradcheck of a tiny backbone with either norm.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "core/ops.h"
#include "core/parallel.h"
#include "layers/batch_norm.h"
#include "layers/group_norm.h"
#include "models/detr_backbone.h"
#include "support/gradcheck.h"

using namespace linattn;

namespace {

std::map<std::string, Shape> shapes_of(const Module& m) {
  std::map<std::string, Shape> out;
  for (const auto& [name, t] : m.state_dict()) out[name] = t.shape();
  return out;
}

// float64 gradchecks of whole models run on one thread: at these tiny sizes OpenBLAS's threads
// and libgomp's spinning workers contend for the 2 cores (measured 10x slower on 2 threads).
struct OneThread {
  int saved = num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(saved); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;
};

}  // namespace

TEST_CASE("the backbone has torchvision's ResNet names and widths w, 2w, 4w, 8w") {
  Generator gen(0);
  DetrBackbone net(DetrBackboneOptions{.width = 8, .blocks = 2, .stride = 16, .norm = "group", .groups = 4}, gen);
  auto s = shapes_of(net);
  CHECK(s.at("conv1.weight") == Shape{8, 3, 7, 7});
  CHECK(s.at("bn1.weight") == Shape{8});
  CHECK(s.at("layer1.0.conv1.weight") == Shape{8, 8, 3, 3});
  CHECK(s.at("layer1.1.bn2.bias") == Shape{8});
  CHECK(s.count("layer1.0.downsample.0.weight") == 0);  // same shape: identity shortcut
  CHECK(s.at("layer2.0.conv1.weight") == Shape{16, 8, 3, 3});
  CHECK(s.at("layer2.0.downsample.0.weight") == Shape{16, 8, 1, 1});
  CHECK(s.at("layer2.0.downsample.1.weight") == Shape{16});
  CHECK(s.count("layer2.1.downsample.0.weight") == 0);
  CHECK(s.at("layer3.1.conv2.weight") == Shape{32, 32, 3, 3});
  // Stride 16: layer4's first block keeps the resolution but changes the width, so it still
  // has a (stride 1) downsample.
  CHECK(s.at("layer4.0.downsample.0.weight") == Shape{64, 32, 1, 1});
  CHECK(net.stages[3][0]->downsample_conv->params.stride == std::array<std::int64_t, 2>{1, 1});
  CHECK(s.size() == 1 + 2 + 4 * 2 * 6 + 3 * 3);  // stem; 8 blocks of 2 convs + 2 norms (2 tensors); 3 downsamples
  CHECK(net.out_channels() == 64);
  // Group norms everywhere, no buffers.
  CHECK(dynamic_cast<GroupNorm*>(net.stages[2][1]->bn2.get()) != nullptr);
  CHECK(net.named_buffers().empty());
}

TEST_CASE("the backbone's output grid is S/16 or S/32") {
  Generator gen(1);
  Tensor img = randn({2, 3, 64, 64}, {}, &gen);
  DetrBackbone s16(DetrBackboneOptions{.width = 4, .blocks = 1, .stride = 16, .groups = 2}, gen);
  CHECK(s16.forward(img).shape() == Shape{2, 32, 4, 4});
  DetrBackbone s32(DetrBackboneOptions{.width = 4, .blocks = 1, .stride = 32, .groups = 2}, gen);
  CHECK(s32.forward(img).shape() == Shape{2, 32, 2, 2});
  CHECK(s32.stages[3][0]->downsample_conv->params.stride == std::array<std::int64_t, 2>{2, 2});
  CHECK_THROWS_WITH_AS(DetrBackbone(DetrBackboneOptions{.stride = 8}, gen), doctest::Contains("16 or 32"), Error);
  CHECK_THROWS_WITH_AS(DetrBackbone(DetrBackboneOptions{.width = 6, .groups = 4}, gen),
                       doctest::Contains("norm_groups 4 must divide the backbone width 6"), Error);
}

TEST_CASE("backbone convs follow kaiming_normal(fan_out), norms start at 1 and 0") {
  Generator gen(2);
  DetrBackbone net(DetrBackboneOptions{.width = 32, .blocks = 1}, gen);
  const Tensor& w = net.stages[3][0]->conv2->weight;  // 256 x 256 x 3 x 3: fan_out 2304
  CHECK(std::sqrt(var(w).item()) == doctest::Approx(std::sqrt(2.0 / 2304.0)).epsilon(0.02));
  CHECK(std::abs(mean(w).item()) < 0.002);
  auto* gn = dynamic_cast<GroupNorm*>(net.stages[3][0]->bn2.get());
  REQUIRE(gn != nullptr);
  CHECK(min(gn->weight).item() == 1.0);
  CHECK(max(abs(gn->bias)).item() == 0.0);
  CHECK(!net.conv1->bias.defined());
}

TEST_CASE("a BasicBlock is conv-norm-relu-conv-norm plus its shortcut, then relu") {
  Generator gen(3);
  DetrBackboneOptions o{.width = 4, .groups = 2};
  BasicBlock block(4, 8, 2, o, gen);
  REQUIRE(block.downsample_conv != nullptr);
  Tensor x = randn({2, 4, 6, 6}, {}, &gen);
  auto gn = [](const std::shared_ptr<Module>& m, const Tensor& t) { return dynamic_cast<GroupNorm&>(*m).forward(t); };
  Tensor h = relu(gn(block.bn1, conv2d(x, block.conv1->weight, Tensor(), {.stride = {2, 2}, .padding = {1, 1}})));
  h = gn(block.bn2, conv2d(h, block.conv2->weight, Tensor(), {.padding = {1, 1}}));
  Tensor shortcut = gn(block.downsample_norm, conv2d(x, block.downsample_conv->weight, Tensor(), {.stride = {2, 2}}));
  Tensor expected = relu(add(h, shortcut));
  Tensor y = block.forward(x);
  CHECK(y.shape() == Shape{2, 8, 3, 3});
  CHECK(max(abs(sub(y, expected))).item() == 0.0);
  // An identity block adds its input.
  BasicBlock same(8, 8, 1, o, gen);
  CHECK(same.downsample_conv == nullptr);
  Tensor z = same.forward(y);
  Tensor g = relu(gn(same.bn1, conv2d(y, same.conv1->weight, Tensor(), {.padding = {1, 1}})));
  g = gn(same.bn2, conv2d(g, same.conv2->weight, Tensor(), {.padding = {1, 1}}));
  CHECK(max(abs(sub(z, relu(add(g, y))))).item() == 0.0);
}

TEST_CASE("batch norm backbones carry running statistics and use them in eval mode") {
  Generator gen(4);
  DetrBackbone net(DetrBackboneOptions{.width = 4, .blocks = 1, .norm = "batch"}, gen);
  auto s = shapes_of(net);
  CHECK(s.at("bn1.running_mean") == Shape{4});
  CHECK(s.at("layer2.0.downsample.1.running_var") == Shape{8});
  CHECK(s.at("layer4.0.bn2.num_batches_tracked") == Shape{});
  auto* bn = dynamic_cast<BatchNorm2d*>(net.bn1.get());
  REQUIRE(bn != nullptr);
  Tensor img = randn({2, 3, 32, 32}, {}, &gen);
  net.forward(img);
  CHECK(bn->num_batches_tracked.item() == 1);
  net.eval();
  Tensor both = net.forward(img);
  CHECK(bn->num_batches_tracked.item() == 1);
  // Eval mode: each image's features do not depend on the rest of the batch.
  Tensor first = net.forward(narrow(img, 0, 0, 1));
  CHECK(max(abs(sub(narrow(both, 0, 0, 1), first))).item() < 1e-5);
}

TEST_CASE("a tiny backbone gradchecks in float64 with group and batch norm") {
  OneThread one_thread;
  for (std::string norm : {"group", "batch"}) {
    CAPTURE(norm);
    Generator gen(5);
    DetrBackbone net(DetrBackboneOptions{.width = 2, .blocks = 1, .stride = 16, .norm = norm, .groups = 2}, gen);
    net.to(DType::F64);
    // Norm weights and biases away from 1 / 0, so that no two branches of a residual sum cancel
    // at a ReLU's kink (with 1 / 0 and a batch of two at 2 x 2, sums of ±1 terms can be 0).
    std::vector<Tensor> norms;
    for (const auto& [name, p] : net.named_parameters())
      if (name.find("bn") != std::string::npos || name.find("downsample.1") != std::string::npos) {
        p.copy_(name.ends_with("weight") ? testing::uniform64(p.shape(), 0.5, 1.5, 20 + norms.size(), false)
                                         : mul(testing::randn64(p.shape(), 40 + norms.size(), false), 0.5));
        norms.push_back(p);
      }
    Tensor img = testing::randn64({2, 3, 32, 32}, 6, /*requires_grad=*/false);
    Tensor rows = testing::randn64({2, 3, 2, 32}, 7);  // the gradient w.r.t. two rows of the images
    std::vector<Tensor> inputs{rows, net.stages[0][0]->conv2->weight, net.stages[3][0]->downsample_conv->weight,
                               norms[0], norms[1], norms[norms.size() - 2], norms[norms.size() - 1]};
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return net.forward(cat({rows, narrow(img, 2, 2, 30)}, 2)); },
                    inputs);
  }
}
