// data/transforms.h — the per-sample augmentations (on uint8 H x W x 3), the conversion into the
// float32 (B, 3, H, W) batch tensor with per-channel normalization, and the batch-level mixup /
// cutmix that produce soft targets (B, K). Used by data/loader.cpp (collate), configured by the
// trainer through AugmentOptions.
//
// Every random choice draws from the Generator passed in, in a fixed order, so a batch is a pure
// function of the generator's state (the loader seeds one per (seed, epoch, batch index)).
// Per-sample order: random crop with zero padding → horizontal flip → RandAugment → to float
// [0, 1] → normalize. Then, per batch: mixup or cutmix. Everything is off by default.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "data/batch.h"
#include "data/dataset.h"

namespace linattn {

struct AugmentOptions {
  int crop_padding = 0;           // > 0: zero-pad by p, then a random crop of the original size (CIFAR: 4)
  bool horizontal_flip = false;   // mirror with probability 1/2
  int randaugment_ops = 0;        // N > 0: RandAugment with N ops …
  int randaugment_magnitude = 9;  // … of magnitude M in [0, 30]
  bool normalize = false;         // (x/255 − mean) / std per channel; off: x/255
  // The dataset's statistics, set by whoever builds the loader (the trainer's come from
  // train/dataset_info.h); the defaults leave x/255 unchanged.
  std::array<float, 3> mean = {0.0f, 0.0f, 0.0f};
  std::array<float, 3> stddev = {1.0f, 1.0f, 1.0f};
  double mixup_alpha = 0.0;   // > 0: mixup, λ ~ Beta(α, α)
  double cutmix_alpha = 0.0;  // > 0: cutmix, λ ~ Beta(α, α)
  double mix_prob = 1.0;      // probability that a batch is mixed, when mixup or cutmix is on
  double switch_prob = 0.5;   // both on: probability of cutmix rather than mixup

  bool mixing() const { return mixup_alpha > 0.0 || cutmix_alpha > 0.0; }
};

// Errors name the field and the valid range.
void validate(const AugmentOptions& options);

// Zero-pads by `padding` on every side, then crops the original H x W at (top, left) of the
// padded image, 0 <= top, left <= 2·padding.
Image pad_crop(const ImageView& img, int padding, int top, int left);
void hflip_(Image& img);

// The per-sample uint8 augmentations of `options`, drawing from gen.
Image augment_image(const ImageView& img, const AugmentOptions& options, Generator& gen);

// Writes img as float32 3 x H x W at dst: x/255, normalized when options.normalize.
void to_chw_float(const ImageView& img, const AugmentOptions& options, float* dst);

// One-hot (B, K) float32 of int64 labels (B).
Tensor one_hot(const Tensor& labels, std::int64_t num_classes);

// Mixes batch.images with the batch in reverse order (sample i with sample B−1−i, as timm):
// mixup: x = λ·x + (1−λ)·x_rev; cutmix: the box [y0, y1) x [x0, x1) is pasted from x_rev and
// λ = 1 − box area / (H·W). Sets soft_targets = λ·onehot(y) + (1−λ)·onehot(y_rev) and returns
// the λ used.
double mixup_(Batch& batch, double lambda, std::int64_t num_classes);
double cutmix_(Batch& batch, int y0, int y1, int x0, int x1, std::int64_t num_classes);

// Batch-level mixing per options: with probability mix_prob mixup or cutmix (λ ~ Beta(α, α),
// cutmix box of side ratio √(1−λ) at a uniform centre, clipped); otherwise one-hot targets.
// No-op (soft_targets stays undefined) when options.mixing() is false.
void mix_batch_(Batch& batch, std::int64_t num_classes, const AugmentOptions& options, Generator& gen);

// Assembles samples (all the same H x W) into a Batch: augment each, convert, then mix.
Batch collate(const std::vector<Sample>& samples, const std::vector<std::int64_t>& indices,
              std::int64_t num_classes, const AugmentOptions& options, Generator& gen);

// Beta(a, b) from two Gamma draws (Marsaglia–Tsang), for λ.
double sample_beta(double a, double b, Generator& gen);

}  // namespace linattn
