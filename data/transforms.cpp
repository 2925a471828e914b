// data/transforms.cpp — see transforms.h.
#include "data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "data/randaugment.h"

namespace linattn {

namespace {

// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 via the boost Gamma(shape+1)·U^(1/shape).
double sample_gamma(double shape, Generator& gen) {
  if (shape < 1.0) {
    double u = gen.uniform();
    return sample_gamma(shape + 1.0, gen) * std::pow(u > 0.0 ? u : 0x1p-53, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = gen.normal(), v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    double u = gen.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

void set_soft_targets(Batch& batch, double lambda, std::int64_t num_classes) {
  const std::int64_t B = batch.labels.numel();
  batch.soft_targets = Tensor::empty({B, num_classes});  // B x K
  float* t = batch.soft_targets.data<float>();
  const std::int64_t* y = batch.labels.data<std::int64_t>();
  std::fill(t, t + B * num_classes, 0.0f);
  for (std::int64_t i = 0; i < B; ++i) {
    t[i * num_classes + y[i]] += static_cast<float>(lambda);
    t[i * num_classes + y[B - 1 - i]] += static_cast<float>(1.0 - lambda);
  }
}

void check_batch(const Batch& batch, std::int64_t num_classes, const char* op) {
  LINATTN_CHECK(batch.images.defined() && batch.images.dim() == 4 && batch.images.dtype() == DType::F32, op,
                ": expected float32 images (B, C, H, W)");
  LINATTN_CHECK(batch.labels.defined() && batch.labels.numel() == batch.images.size(0), op, ": ",
                batch.images.size(0), " images but labels of shape ", shape_str(batch.labels.shape()));
  for (std::int64_t y : batch.labels.to_vector<std::int64_t>())
    LINATTN_CHECK(y >= 0 && y < num_classes, op, ": label ", y, " outside [0, ", num_classes, ")");
}

}  // namespace

void validate(const AugmentOptions& o) {
  LINATTN_CHECK(o.crop_padding >= 0, "augment.crop_padding must be >= 0, got ", o.crop_padding);
  LINATTN_CHECK(o.randaugment_ops >= 0, "augment.randaugment_ops must be >= 0, got ", o.randaugment_ops);
  LINATTN_CHECK(o.randaugment_magnitude >= 0 && o.randaugment_magnitude <= 30,
                "augment.randaugment_magnitude must be in [0, 30], got ", o.randaugment_magnitude);
  for (int c = 0; c < 3; ++c)
    LINATTN_CHECK(o.stddev[static_cast<std::size_t>(c)] > 0.0f, "augment.std must be > 0, got ",
                  o.stddev[static_cast<std::size_t>(c)], " for channel ", c);
  LINATTN_CHECK(o.mixup_alpha >= 0.0 && o.cutmix_alpha >= 0.0, "augment.mixup_alpha and cutmix_alpha must be >= 0, got ",
                o.mixup_alpha, " and ", o.cutmix_alpha);
  LINATTN_CHECK(o.mix_prob >= 0.0 && o.mix_prob <= 1.0, "augment.mix_prob must be in [0, 1], got ", o.mix_prob);
  LINATTN_CHECK(o.switch_prob >= 0.0 && o.switch_prob <= 1.0, "augment.switch_prob must be in [0, 1], got ",
                o.switch_prob);
}

Image pad_crop(const ImageView& img, int padding, int top, int left) {
  LINATTN_CHECK(top >= 0 && left >= 0 && top <= 2 * padding && left <= 2 * padding, "pad_crop: offset (", top, ", ",
                left, ") outside [0, ", 2 * padding, "] for padding ", padding);
  Image out(img.height, img.width, img.channels);  // zeros = the padding
  for (int y = 0; y < img.height; ++y) {
    int sy = y + top - padding;
    if (sy < 0 || sy >= img.height) continue;
    for (int x = 0; x < img.width; ++x) {
      int sx = x + left - padding;
      if (sx < 0 || sx >= img.width) continue;
      for (int c = 0; c < img.channels; ++c) out.at(y, x, c) = img.at(sy, sx, c);
    }
  }
  return out;
}

void hflip_(Image& img) {
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width / 2; ++x)
      for (int c = 0; c < img.channels; ++c) std::swap(img.at(y, x, c), img.at(y, img.width - 1 - x, c));
}

Image augment_image(const ImageView& img, const AugmentOptions& o, Generator& gen) {
  Image out;
  if (o.crop_padding > 0) {
    int top = static_cast<int>(gen.randint(0, 2 * o.crop_padding + 1));
    int left = static_cast<int>(gen.randint(0, 2 * o.crop_padding + 1));
    out = pad_crop(img, o.crop_padding, top, left);
  } else {
    out = Image::from_view(img);
  }
  if (o.horizontal_flip && gen.uniform() < 0.5) hflip_(out);
  if (o.randaugment_ops > 0) rand_augment_(out, o.randaugment_ops, o.randaugment_magnitude, gen);
  return out;
}

void to_chw_float(const ImageView& img, const AugmentOptions& o, float* dst) {
  LINATTN_CHECK(img.channels == 3, "to_chw_float: expected 3 channels, got ", img.channels);
  const std::size_t plane = static_cast<std::size_t>(img.height) * img.width;
  for (std::size_t c = 0; c < 3; ++c) {
    // (v/255 − mean)/std = v·scale + shift
    float scale = 1.0f / 255.0f, shift = 0.0f;
    if (o.normalize) {
      scale = 1.0f / (255.0f * o.stddev[c]);
      shift = -o.mean[c] / o.stddev[c];
    }
    float* out = dst + c * plane;
    for (std::size_t p = 0; p < plane; ++p) out[p] = static_cast<float>(img.pixels[p * 3 + c]) * scale + shift;
  }
}

Tensor one_hot(const Tensor& labels, std::int64_t num_classes) {
  LINATTN_CHECK(labels.dtype() == DType::I64 && labels.dim() == 1, "one_hot: expected int64 labels (B), got ",
                dtype_name(labels.dtype()), " ", shape_str(labels.shape()));
  const std::int64_t B = labels.numel();
  Tensor out = Tensor::empty({B, num_classes});  // B x K
  float* t = out.data<float>();
  std::fill(t, t + B * num_classes, 0.0f);
  const std::int64_t* y = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < B; ++i) {
    LINATTN_CHECK(y[i] >= 0 && y[i] < num_classes, "one_hot: label ", y[i], " outside [0, ", num_classes, ")");
    t[i * num_classes + y[i]] = 1.0f;
  }
  return out;
}

double mixup_(Batch& batch, double lambda, std::int64_t num_classes) {
  check_batch(batch, num_classes, "mixup");
  const std::int64_t B = batch.images.size(0), per = batch.images.numel() / std::max<std::int64_t>(B, 1);
  Tensor mixed = Tensor::empty(batch.images.shape());
  const float* x = batch.images.data<float>();
  float* m = mixed.data<float>();
  const auto lam = static_cast<float>(lambda), rest = static_cast<float>(1.0 - lambda);
  for (std::int64_t i = 0; i < B; ++i) {
    const float* a = x + i * per;
    const float* b = x + (B - 1 - i) * per;
    for (std::int64_t k = 0; k < per; ++k) m[i * per + k] = lam * a[k] + rest * b[k];
  }
  batch.images = mixed;
  set_soft_targets(batch, lambda, num_classes);
  return lambda;
}

double cutmix_(Batch& batch, int y0, int y1, int x0, int x1, std::int64_t num_classes) {
  check_batch(batch, num_classes, "cutmix");
  const std::int64_t B = batch.images.size(0), C = batch.images.size(1), H = batch.images.size(2),
                     W = batch.images.size(3);
  LINATTN_CHECK(0 <= y0 && y0 <= y1 && y1 <= H && 0 <= x0 && x0 <= x1 && x1 <= W, "cutmix: box [", y0, ", ", y1,
                ") x [", x0, ", ", x1, ") outside the ", H, "x", W, " image");
  Tensor mixed = batch.images.clone();
  const float* x = batch.images.data<float>();
  float* m = mixed.data<float>();
  for (std::int64_t i = 0; i < B; ++i)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t y = y0; y < y1; ++y)
        for (std::int64_t xx = x0; xx < x1; ++xx)
          m[((i * C + c) * H + y) * W + xx] = x[(((B - 1 - i) * C + c) * H + y) * W + xx];
  batch.images = mixed;
  double lambda = 1.0 - static_cast<double>((y1 - y0) * (x1 - x0)) / static_cast<double>(H * W);
  set_soft_targets(batch, lambda, num_classes);
  return lambda;
}

double sample_beta(double a, double b, Generator& gen) {
  LINATTN_CHECK(a > 0.0 && b > 0.0, "sample_beta: parameters must be > 0, got ", a, ", ", b);
  double x = sample_gamma(a, gen), y = sample_gamma(b, gen);
  return x + y > 0.0 ? x / (x + y) : 0.5;
}

void mix_batch_(Batch& batch, std::int64_t num_classes, const AugmentOptions& o, Generator& gen) {
  if (!o.mixing()) return;
  bool mix = gen.uniform() < o.mix_prob;
  bool use_cutmix = o.cutmix_alpha > 0.0 && (o.mixup_alpha <= 0.0 || gen.uniform() < o.switch_prob);
  if (!mix) {
    batch.soft_targets = one_hot(batch.labels, num_classes);
    return;
  }
  if (!use_cutmix) {
    mixup_(batch, sample_beta(o.mixup_alpha, o.mixup_alpha, gen), num_classes);
    return;
  }
  double lambda = sample_beta(o.cutmix_alpha, o.cutmix_alpha, gen);
  const auto H = static_cast<int>(batch.images.size(2)), W = static_cast<int>(batch.images.size(3));
  double ratio = std::sqrt(1.0 - lambda);
  int cut_h = static_cast<int>(H * ratio), cut_w = static_cast<int>(W * ratio);
  int cy = static_cast<int>(gen.randint(0, H)), cx = static_cast<int>(gen.randint(0, W));
  int y0 = std::clamp(cy - cut_h / 2, 0, H), y1 = std::clamp(cy + cut_h / 2, 0, H);
  int x0 = std::clamp(cx - cut_w / 2, 0, W), x1 = std::clamp(cx + cut_w / 2, 0, W);
  cutmix_(batch, y0, y1, x0, x1, num_classes);
}

Batch collate(const std::vector<Sample>& samples, const std::vector<std::int64_t>& indices, std::int64_t num_classes,
              const AugmentOptions& o, Generator& gen) {
  LINATTN_CHECK(!samples.empty(), "collate: empty batch");
  LINATTN_CHECK(samples.size() == indices.size(), "collate: ", samples.size(), " samples but ", indices.size(),
                " indices");
  const auto B = static_cast<std::int64_t>(samples.size());
  const int H = samples[0].image.height, W = samples[0].image.width;
  Batch batch;
  batch.indices = indices;
  batch.images = Tensor::empty({B, 3, H, W});  // B x 3 x H x W
  batch.labels = Tensor::empty({B}, {.dtype = DType::I64});
  float* x = batch.images.data<float>();
  std::int64_t* y = batch.labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < B; ++i) {
    const Sample& s = samples[static_cast<std::size_t>(i)];
    LINATTN_CHECK(s.image.height == H && s.image.width == W && s.image.channels == 3, "collate: sample ",
                  indices[static_cast<std::size_t>(i)], " is ", s.image.height, "x", s.image.width, "x",
                  s.image.channels, " but the batch's first image is ", H, "x", W,
                  "x3\n---> HINT: images of different sizes need a resize or pad transform");
    LINATTN_CHECK(s.label >= 0 && s.label < num_classes, "collate: sample ", indices[static_cast<std::size_t>(i)],
                  " has label ", s.label, " outside [0, ", num_classes, ")");
    Image img = augment_image(s.image, o, gen);
    to_chw_float(img.view(), o, x + i * 3 * H * W);
    y[i] = s.label;
  }
  mix_batch_(batch, num_classes, o, gen);
  return batch;
}

}  // namespace linattn
