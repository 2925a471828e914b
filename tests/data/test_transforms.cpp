// tests/data/test_transforms.cpp — augmentations with exact expected values: flip, crop with
// zero padding (fixed offsets and a fixed generator), normalization, mixup/cutmix (images,
// λ and soft targets summing to 1), Beta sampling, RandAugment ops and determinism, collate.
#include <doctest/doctest.h>

#include <cmath>

#include "data/randaugment.h"
#include "data/transforms.h"
#include "fixtures.h"

using namespace linattn;

namespace {

Batch batch_of(std::vector<Image> imgs, std::vector<std::int64_t> labels, const AugmentOptions& o = {}) {
  std::vector<Sample> samples;
  std::vector<std::int64_t> indices;
  for (std::size_t i = 0; i < imgs.size(); ++i) {
    samples.push_back({imgs[i].view(), labels[i], nullptr});
    indices.push_back(static_cast<std::int64_t>(i));
  }
  Generator gen(0);
  return collate(samples, indices, 10, o, gen);
}

void check_rows_sum_to_one(const Tensor& t) {
  auto v = t.to_vector<float>();
  std::int64_t B = t.size(0), K = t.size(1);
  for (std::int64_t i = 0; i < B; ++i) {
    double s = 0;
    for (std::int64_t k = 0; k < K; ++k) s += v[static_cast<std::size_t>(i * K + k)];
    CHECK(s == doctest::Approx(1.0).epsilon(1e-6));
  }
}

}  // namespace

TEST_CASE("horizontal flip mirrors each row exactly") {
  Image img = testing::pattern_image(2, 3, 1);
  Image f = img;
  hflip_(f);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 3; ++c) CHECK(f.at(y, x, c) == img.at(y, 2 - x, c));
}

TEST_CASE("crop with zero padding: exact at fixed offsets") {
  Image img = testing::pattern_image(3, 3, 2);
  Image a = pad_crop(img.view(), 1, 0, 0);  // shifted down-right by one, zeros on top and left
  for (int c = 0; c < 3; ++c) {
    CHECK(a.at(0, 0, c) == 0);
    CHECK(a.at(0, 2, c) == 0);
    CHECK(a.at(2, 0, c) == 0);
    CHECK(a.at(1, 1, c) == img.at(0, 0, c));
    CHECK(a.at(2, 2, c) == img.at(1, 1, c));
  }
  Image b = pad_crop(img.view(), 1, 1, 1);  // centre crop = the image
  CHECK(b.pixels == img.pixels);
  Image d = pad_crop(img.view(), 1, 2, 1);  // shifted up by one
  for (int c = 0; c < 3; ++c) {
    CHECK(d.at(0, 1, c) == img.at(1, 1, c));
    CHECK(d.at(2, 0, c) == 0);
  }
  CHECK_THROWS_WITH_AS(pad_crop(img.view(), 1, 3, 0), doctest::Contains("outside [0, 2]"), Error);
}

TEST_CASE("random crop and flip draw from the generator in a fixed order") {
  Image img = testing::pattern_image(8, 8, 3);
  AugmentOptions o;
  o.crop_padding = 2;
  o.horizontal_flip = true;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    Generator gen(seed), replay(seed);
    Image out = augment_image(img.view(), o, gen);
    int top = static_cast<int>(replay.randint(0, 5)), left = static_cast<int>(replay.randint(0, 5));
    Image expected = pad_crop(img.view(), 2, top, left);
    if (replay.uniform() < 0.5) hflip_(expected);
    CHECK(out.pixels == expected.pixels);
    CHECK(gen.offset() == replay.offset());
  }
  Generator g(1);
  CHECK(augment_image(img.view(), AugmentOptions{}, g).pixels == img.pixels);  // all off by default
  CHECK(g.offset() == 0);
}

TEST_CASE("conversion to float: CHW layout, /255, per-channel normalization") {
  Image img(1, 2, 3);
  img.at(0, 0, 0) = 255;
  img.at(0, 1, 2) = 51;
  std::vector<float> out(6);
  to_chw_float(img.view(), AugmentOptions{}, out.data());
  CHECK(out[0] == 1.0f);
  CHECK(out[5] == doctest::Approx(0.2));
  AugmentOptions o;
  o.normalize = true;
  o.mean = {0.4914f, 0.4822f, 0.4465f};  // CIFAR-10's statistics
  o.stddev = {0.2470f, 0.2435f, 0.2616f};
  to_chw_float(img.view(), o, out.data());
  CHECK(out[0] == doctest::Approx((1.0 - 0.4914) / 0.2470).epsilon(1e-6));  // R at (0, 0)
  CHECK(out[1] == doctest::Approx(-0.4914 / 0.2470).epsilon(1e-6));         // R at (0, 1)
  CHECK(out[2] == doctest::Approx(-0.4822 / 0.2435).epsilon(1e-6));         // G
  CHECK(out[5] == doctest::Approx((0.2 - 0.4465) / 0.2616).epsilon(1e-6));  // B at (0, 1)
}

TEST_CASE("collate builds (B, 3, H, W) float32 and int64 labels") {
  Batch b = batch_of({testing::pattern_image(4, 5, 0), testing::pattern_image(4, 5, 1)}, {3, 7});
  CHECK(b.images.shape() == Shape{2, 3, 4, 5});
  CHECK(b.labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 7});
  CHECK(!b.soft_targets.defined());
  CHECK(b.images.at({1, 2, 3, 4}) == doctest::Approx(testing::pattern_image(4, 5, 1).at(3, 4, 2) / 255.0));
  Image first = testing::pattern_image(4, 5, 0), other = testing::pattern_image(4, 4, 0);
  std::vector<Sample> mixed = {{first.view(), 0, nullptr}};
  mixed.push_back({other.view(), 1, nullptr});
  Generator gen(0);
  CHECK_THROWS_WITH_AS(collate(mixed, {0, 1}, 10, {}, gen), doctest::Contains("4x4x3 but the batch's first"), Error);
}

TEST_CASE("mixup blends with the reversed batch and soft targets sum to one") {
  Image a(2, 2, 3), b(2, 2, 3);
  std::fill(a.pixels.begin(), a.pixels.end(), 255);
  Batch batch = batch_of({a, b}, {1, 4});
  mixup_(batch, 0.75, 10);
  CHECK(batch.images.at({0, 0, 0, 0}) == doctest::Approx(0.75));
  CHECK(batch.images.at({1, 2, 1, 1}) == doctest::Approx(0.25));
  REQUIRE(batch.soft_targets.shape() == Shape{2, 10});
  CHECK(batch.soft_targets.at({0, 1}) == doctest::Approx(0.75));
  CHECK(batch.soft_targets.at({0, 4}) == doctest::Approx(0.25));
  CHECK(batch.soft_targets.at({1, 4}) == doctest::Approx(0.75));
  CHECK(batch.soft_targets.at({1, 0}) == 0.0);
  check_rows_sum_to_one(batch.soft_targets);
  CHECK(batch.labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 4});
}

TEST_CASE("cutmix pastes the box from the reversed batch and λ is the kept area") {
  Image a(4, 4, 3), b(4, 4, 3);
  std::fill(a.pixels.begin(), a.pixels.end(), 255);
  Batch batch = batch_of({a, b, b}, {0, 1, 2});
  double lambda = cutmix_(batch, 1, 3, 0, 2, 10);  // rows [1, 3), columns [0, 2)
  CHECK(lambda == doctest::Approx(0.75));
  CHECK(batch.images.at({0, 0, 1, 0}) == 0.0);  // white sample 0 gets black sample 2's box
  CHECK(batch.images.at({0, 0, 0, 0}) == 1.0);  // … and keeps the rest
  CHECK(batch.images.at({2, 1, 2, 1}) == 1.0);  // black sample 2 gets white sample 0's box
  CHECK(batch.images.at({2, 1, 3, 3}) == 0.0);
  CHECK(batch.soft_targets.at({0, 0}) == doctest::Approx(0.75));
  CHECK(batch.soft_targets.at({0, 2}) == doctest::Approx(0.25));
  CHECK(batch.soft_targets.at({1, 1}) == doctest::Approx(1.0));  // the middle sample mixes with itself
  check_rows_sum_to_one(batch.soft_targets);
}

TEST_CASE("mix_batch: seeded, soft targets always sum to one, one-hot when a batch is not mixed") {
  std::vector<Image> imgs;
  std::vector<std::int64_t> labels;
  for (int i = 0; i < 6; ++i) {
    imgs.push_back(testing::pattern_image(8, 8, i));
    labels.push_back(i % 10);
  }
  for (double mixup : {0.0, 0.8})
    for (double cutmix : {0.0, 1.0}) {
      if (mixup == 0.0 && cutmix == 0.0) continue;
      AugmentOptions o;
      o.mixup_alpha = mixup;
      o.cutmix_alpha = cutmix;
      Batch b1 = batch_of(imgs, labels, o), b2 = batch_of(imgs, labels, o);
      REQUIRE(b1.soft_targets.defined());
      check_rows_sum_to_one(b1.soft_targets);
      CHECK(b1.images.to_vector<float>() == b2.images.to_vector<float>());
      CHECK(b1.soft_targets.to_vector<float>() == b2.soft_targets.to_vector<float>());
    }
  AugmentOptions never;
  never.mixup_alpha = 1.0;
  never.mix_prob = 0.0;
  Batch b = batch_of(imgs, labels, never);
  CHECK(b.soft_targets.to_vector<float>() == one_hot(b.labels, 10).to_vector<float>());
  CHECK(b.images.to_vector<float>() == batch_of(imgs, labels).images.to_vector<float>());
}

TEST_CASE("Beta sampling: in [0, 1] with the right mean") {
  Generator gen(5);
  for (double alpha : {0.2, 1.0, 2.0}) {
    double sum = 0;
    const int n = 4000;
    for (int i = 0; i < n; ++i) {
      double x = sample_beta(alpha, alpha, gen);
      REQUIRE(x >= 0.0);
      REQUIRE(x <= 1.0);
      sum += x;
    }
    CHECK(sum / n == doctest::Approx(0.5).epsilon(0.05));
  }
  double sum = 0;
  for (int i = 0; i < 4000; ++i) sum += sample_beta(2.0, 6.0, gen);
  CHECK(sum / 4000 == doctest::Approx(0.25).epsilon(0.05));
}

TEST_CASE("RandAugment ops: exact values for the pixel maps") {
  Image img(1, 2, 3);
  img.pixels = {10, 100, 200, 250, 128, 0};
  Image s = img;
  solarize_(s, 128);
  CHECK(s.pixels == std::vector<std::uint8_t>{10, 100, 55, 5, 127, 0});
  Image p = img;
  posterize_(p, 2);
  CHECK(p.pixels == std::vector<std::uint8_t>{0, 64, 192, 192, 128, 0});
  Image ac = img;
  auto_contrast_(ac);  // every channel has two values: they become 0 and 255
  CHECK(ac.pixels == std::vector<std::uint8_t>{0, 0, 255, 255, 255, 0});
  Image br = img;
  apply_aug_op_(br, AugOp::Brightness, 30, true);  // factor 0.1
  CHECK(br.pixels == std::vector<std::uint8_t>{1, 10, 20, 25, 13, 0});
  Image id = img;
  apply_aug_op_(id, AugOp::Identity, 30, false);
  CHECK(id.pixels == img.pixels);
  // PIL's equalize: step = (pixels − count of the last used bin) / 255, lut[v] = (step/2 + pixels below v) / step.
  Image eq(32, 32, 3);  // channel 0: half 0, half 100 -> step 2, lut[0] = 0, lut[100] = min(255, 513/2)
  for (std::size_t i = 0; i < 1024; ++i) eq.pixels[3 * i] = i < 512 ? 0 : 100;
  equalize_(eq);
  CHECK(eq.pixels[0] == 0);
  CHECK(eq.pixels[3 * 1023] == 255);
  CHECK(eq.pixels[1] == 0);  // a channel with one value is left alone
}

TEST_CASE("RandAugment geometric ops: translate shifts exactly, rotate by 0 is identity") {
  Image img = testing::pattern_image(32, 32, 9);
  Image t = img;
  apply_aug_op_(t, AugOp::TranslateX, 30, false);  // round(150/331 · 32) = 15 pixels
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) CHECK(t.at(y, x, 1) == (x + 15 < 32 ? img.at(y, x + 15, 1) : 0));
  Image r = img;
  apply_aug_op_(r, AugOp::Rotate, 0, false);
  CHECK(r.pixels == img.pixels);
  Image r180 = img;
  affine_nearest_(r180, -1, 0, 0, -1, 0, 0);  // rotation by 180° about the centre
  CHECK(r180.at(0, 0, 0) == img.at(31, 31, 0));
  CHECK(r180.at(5, 7, 2) == img.at(26, 24, 2));
}

TEST_CASE("RandAugment: every op keeps the shape; the policy is deterministic per generator") {
  Image img = testing::pattern_image(32, 32, 4);
  for (int op = 0; op < kNumAugOps; ++op)
    for (bool neg : {false, true}) {
      Image x = img;
      apply_aug_op_(x, static_cast<AugOp>(op), 17, neg);
      CHECK(x.height == 32);
      CHECK(x.pixels.size() == img.pixels.size());
    }
  Generator g1(3), g2(3);
  Image a = img, b = img;
  rand_augment_(a, 2, 9, g1);
  rand_augment_(b, 2, 9, g2);
  CHECK(a.pixels == b.pixels);
  CHECK(g1.offset() == 4);  // two draws per op
  CHECK_THROWS_AS(apply_aug_op_(a, AugOp::Rotate, 31, false), Error);
}

TEST_CASE("AugmentOptions are validated with the field's name") {
  AugmentOptions o;
  o.randaugment_magnitude = 40;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("randaugment_magnitude"), Error);
  o = {};
  o.mix_prob = 2;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("mix_prob"), Error);
  o = {};
  o.stddev[1] = 0;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("augment.std"), Error);
  CHECK_NOTHROW(validate(AugmentOptions{}));
}
