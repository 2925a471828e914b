// data/randaugment.cpp — see randaugment.h. Every op rewrites the image in place through a
// lookup table (photometric) or an inverse-mapped nearest-neighbour warp (geometric).
#include "data/randaugment.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace linattn {

namespace {

std::uint8_t clamp_u8(double v) { return static_cast<std::uint8_t>(std::clamp(std::floor(v + 0.5), 0.0, 255.0)); }

// PIL's luma: L = R·299/1000 + G·587/1000 + B·114/1000 (integer arithmetic).
int luma(const Image& img, std::size_t pixel) {
  const std::uint8_t* p = img.pixels.data() + pixel * 3;
  return (p[0] * 299 + p[1] * 587 + p[2] * 114) / 1000;
}

void apply_lut_per_channel(Image& img, const std::array<std::array<std::uint8_t, 256>, 3>& lut) {
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = lut[i % 3][img.pixels[i]];
}

Image grayscale(const Image& img) {
  Image g(img.height, img.width, 3);
  std::size_t n = static_cast<std::size_t>(img.height) * img.width;
  for (std::size_t i = 0; i < n; ++i) {
    auto l = static_cast<std::uint8_t>(luma(img, i));
    g.pixels[i * 3] = g.pixels[i * 3 + 1] = g.pixels[i * 3 + 2] = l;
  }
  return g;
}

void check_rgb(const Image& img, const char* op) {
  LINATTN_CHECK(img.channels == 3 && img.pixels.size() == static_cast<std::size_t>(img.height) * img.width * 3,
                op, ": expected an H x W x 3 image, got ", img.height, "x", img.width, "x", img.channels);
}

}  // namespace

const char* aug_op_name(AugOp op) {
  static const char* names[kNumAugOps] = {"identity", "auto_contrast", "equalize", "rotate", "solarize",
                                          "posterize", "color", "brightness", "contrast", "sharpness",
                                          "shear_x", "shear_y", "translate_x", "translate_y"};
  return names[static_cast<int>(op)];
}

void auto_contrast_(Image& img) {
  check_rgb(img, "auto_contrast");
  std::array<std::array<std::uint8_t, 256>, 3> lut{};
  for (int c = 0; c < 3; ++c) {
    int lo = 255, hi = 0;
    for (std::size_t i = static_cast<std::size_t>(c); i < img.pixels.size(); i += 3) {
      lo = std::min<int>(lo, img.pixels[i]);
      hi = std::max<int>(hi, img.pixels[i]);
    }
    for (int v = 0; v < 256; ++v) {
      // PIL: int(v·255/(hi−lo) − lo·255/(hi−lo)); in integers, so that hi maps to 255 exactly.
      lut[c][v] = static_cast<std::uint8_t>(hi <= lo ? v : std::clamp((v - lo) * 255 / (hi - lo), 0, 255));
    }
  }
  apply_lut_per_channel(img, lut);
}

void equalize_(Image& img) {
  check_rgb(img, "equalize");
  std::array<std::array<std::uint8_t, 256>, 3> lut{};
  for (int c = 0; c < 3; ++c) {
    std::array<long, 256> hist{};
    for (std::size_t i = static_cast<std::size_t>(c); i < img.pixels.size(); i += 3) ++hist[img.pixels[i]];
    long total = 0, last_nonzero = 0, nonzero_bins = 0;
    for (long h : hist)
      if (h) { total += h; last_nonzero = h; ++nonzero_bins; }
    long step = nonzero_bins <= 1 ? 0 : (total - last_nonzero) / 255;
    long n = step / 2;
    for (int v = 0; v < 256; ++v) {
      if (step == 0) {
        lut[c][v] = static_cast<std::uint8_t>(v);
      } else {
        lut[c][v] = static_cast<std::uint8_t>(std::min(255L, n / step));
        n += hist[v];
      }
    }
  }
  apply_lut_per_channel(img, lut);
}

void solarize_(Image& img, double threshold) {
  for (auto& v : img.pixels) v = v >= threshold ? static_cast<std::uint8_t>(255 - v) : v;
}

void posterize_(Image& img, int bits) {
  LINATTN_CHECK(bits >= 0 && bits <= 8, "posterize: bits must be in [0, 8], got ", bits);
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - bits));
  for (auto& v : img.pixels) v &= mask;
}

void blend_(Image& img, const Image& degenerate, double factor) {
  LINATTN_CHECK(degenerate.pixels.size() == img.pixels.size(), "blend: image sizes differ");
  for (std::size_t i = 0; i < img.pixels.size(); ++i) {
    double d = degenerate.pixels[i];
    img.pixels[i] = clamp_u8(d + factor * (img.pixels[i] - d));
  }
}

void affine_nearest_(Image& img, double a, double b, double c, double d, double tx, double ty) {
  check_rgb(img, "affine");
  Image out(img.height, img.width, 3);
  double cx = (img.width - 1) * 0.5, cy = (img.height - 1) * 0.5;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      double sx = a * (x - cx) + b * (y - cy) + cx + tx, sy = c * (x - cx) + d * (y - cy) + cy + ty;
      auto ix = static_cast<long>(std::floor(sx + 0.5)), iy = static_cast<long>(std::floor(sy + 0.5));
      if (ix < 0 || iy < 0 || ix >= img.width || iy >= img.height) continue;
      for (int ch = 0; ch < 3; ++ch) out.at(y, x, ch) = img.at(static_cast<int>(iy), static_cast<int>(ix), ch);
    }
  }
  img = std::move(out);
}

void apply_aug_op_(Image& img, AugOp op, double magnitude, bool negate) {
  check_rgb(img, aug_op_name(op));
  LINATTN_CHECK(magnitude >= 0.0 && magnitude <= 30.0, "RandAugment: magnitude must be in [0, 30], got ", magnitude);
  const double f = magnitude / 30.0, sign = negate ? -1.0 : 1.0;
  const double enhance = 1.0 + sign * 0.9 * f;
  switch (op) {
    case AugOp::Identity: return;
    case AugOp::AutoContrast: return auto_contrast_(img);
    case AugOp::Equalize: return equalize_(img);
    case AugOp::Solarize: return solarize_(img, 255.0 * (1.0 - f));
    case AugOp::Posterize: return posterize_(img, 8 - static_cast<int>(std::lround(4.0 * f)));
    case AugOp::Rotate: {
      double theta = sign * 30.0 * f * std::numbers::pi / 180.0;
      return affine_nearest_(img, std::cos(theta), std::sin(theta), -std::sin(theta), std::cos(theta), 0, 0);
    }
    case AugOp::ShearX: return affine_nearest_(img, 1, sign * 0.3 * f, 0, 1, 0, 0);
    case AugOp::ShearY: return affine_nearest_(img, 1, 0, sign * 0.3 * f, 1, 0, 0);
    case AugOp::TranslateX:
      return affine_nearest_(img, 1, 0, 0, 1, std::round(sign * 150.0 / 331.0 * img.width * f), 0);
    case AugOp::TranslateY:
      return affine_nearest_(img, 1, 0, 0, 1, 0, std::round(sign * 150.0 / 331.0 * img.height * f));
    case AugOp::Brightness: return blend_(img, Image(img.height, img.width, 3), enhance);
    case AugOp::Color: return blend_(img, grayscale(img), enhance);
    case AugOp::Contrast: {
      std::size_t n = static_cast<std::size_t>(img.height) * img.width;
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) sum += luma(img, i);
      Image mean(img.height, img.width, 3);
      std::fill(mean.pixels.begin(), mean.pixels.end(), static_cast<std::uint8_t>(n ? std::floor(sum / n + 0.5) : 0));
      return blend_(img, mean, enhance);
    }
    case AugOp::Sharpness: {
      // PIL's SMOOTH kernel [[1,1,1],[1,5,1],[1,1,1]] / 13 inside, the border pixels unchanged.
      Image smooth = img;
      for (int y = 1; y + 1 < img.height; ++y)
        for (int x = 1; x + 1 < img.width; ++x)
          for (int ch = 0; ch < 3; ++ch) {
            int s = 4 * img.at(y, x, ch);
            for (int dy = -1; dy <= 1; ++dy)
              for (int dx = -1; dx <= 1; ++dx) s += img.at(y + dy, x + dx, ch);
            smooth.at(y, x, ch) = clamp_u8(s / 13.0);
          }
      return blend_(img, smooth, enhance);
    }
  }
}

void rand_augment_(Image& img, int num_ops, int magnitude, Generator& gen) {
  for (int k = 0; k < num_ops; ++k) {
    auto op = static_cast<AugOp>(gen.randint(0, kNumAugOps));
    bool negate = gen.uniform() < 0.5;
    apply_aug_op_(img, op, magnitude, negate);
  }
}

}  // namespace linattn
