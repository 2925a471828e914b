// data/box_transforms.cpp — see box_transforms.h.
#include "data/box_transforms.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace linattn {

namespace {

std::uint8_t round_u8(double v) { return static_cast<std::uint8_t>(std::clamp(std::floor(v + 0.5), 0.0, 255.0)); }

double luma(const std::uint8_t* p) { return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]; }

std::size_t num_pixels(const Image& img) { return static_cast<std::size_t>(img.height) * img.width; }

void check_rgb(const Image& img, const char* op) {
  LINATTN_CHECK(img.channels == 3 && img.pixels.size() == num_pixels(img) * 3, op, ": expected an H x W x 3 image, got ",
                img.height, "x", img.width, "x", img.channels);
}

// Source sample positions of one output axis: floor index, next index and weight of the next.
struct Taps {
  std::vector<int> lo, hi;
  std::vector<float> t;
};

// Output pixels first .. first+count−1 of the image resized by `factor`.
Taps bilinear_taps(int first, int count, int in_size, double factor) {
  Taps taps;
  for (int o = first; o < first + count; ++o) {
    double s = std::clamp((o + 0.5) / factor - 0.5, 0.0, static_cast<double>(in_size - 1));
    int lo = static_cast<int>(std::floor(s));
    taps.lo.push_back(lo);
    taps.hi.push_back(std::min(lo + 1, in_size - 1));
    taps.t.push_back(static_cast<float>(s - lo));
  }
  return taps;
}

// RGB in [0, 1] <-> HSV with h in [0, 1) turns (torchvision's formulas).
std::array<double, 3> rgb_to_hsv(double r, double g, double b) {
  double mx = std::max({r, g, b}), mn = std::min({r, g, b}), d = mx - mn;
  double h = 0.0;
  if (d > 0.0) {
    if (mx == r) h = std::fmod((g - b) / d + 6.0, 6.0);
    else if (mx == g) h = (b - r) / d + 2.0;
    else h = (r - g) / d + 4.0;
    h /= 6.0;
  }
  return {h, mx > 0.0 ? d / mx : 0.0, mx};
}

std::array<double, 3> hsv_to_rgb(double h, double s, double v) {
  double h6 = h * 6.0;
  int i = static_cast<int>(std::floor(h6)) % 6;
  double f = h6 - std::floor(h6), p = v * (1.0 - s), q = v * (1.0 - s * f), t = v * (1.0 - s * (1.0 - f));
  switch (i) {
    case 0: return {v, t, p};
    case 1: return {q, v, p};
    case 2: return {p, v, t};
    case 3: return {p, q, v};
    case 4: return {t, p, v};
    default: return {v, p, q};
  }
}

double jitter_factor(double strength, Generator& gen) {
  double lo = std::max(0.0, 1.0 - strength), hi = 1.0 + strength;
  return lo + (hi - lo) * gen.uniform();
}

}  // namespace

void validate(const DetectionTransformOptions& o) {
  LINATTN_CHECK(o.image_size > 0, "data.image_size must be > 0, got ", o.image_size);
  LINATTN_CHECK(o.hflip_prob >= 0.0 && o.hflip_prob <= 1.0, "detection transform hflip_prob must be in [0, 1], got ",
                o.hflip_prob);
  LINATTN_CHECK(o.scale_min > 0.0 && o.scale_min <= o.scale_max && std::isfinite(o.scale_max),
                "detection transform scale range must satisfy 0 < scale_min <= scale_max, got [", o.scale_min, ", ",
                o.scale_max, "]");
  const PhotometricOptions& p = o.photometric;
  LINATTN_CHECK(p.brightness >= 0.0 && p.contrast >= 0.0 && p.saturation >= 0.0,
                "photometric brightness, contrast and saturation must be >= 0, got ", p.brightness, ", ", p.contrast,
                ", ", p.saturation);
  LINATTN_CHECK(p.hue >= 0.0 && p.hue <= 0.5, "photometric hue must be in [0, 0.5], got ", p.hue);
  LINATTN_CHECK(o.min_box_size >= 0.0f, "detection transform min_box_size must be >= 0, got ", o.min_box_size);
  for (std::size_t c = 0; c < 3; ++c)
    LINATTN_CHECK(o.stddev[c] > 0.0f, "detection transform std must be > 0, got ", o.stddev[c], " for channel ", c);
}

BoxedImage to_boxed(const DetectionSample& s) {
  LINATTN_CHECK(s.image.pixels != nullptr && s.image.height > 0 && s.image.width > 0 && s.image.channels == 3,
                "detection sample of image id ", s.image_id, ": expected an H x W x 3 image, got ", s.image.height,
                "x", s.image.width, "x", s.image.channels);
  LINATTN_CHECK(s.boxes.size() == s.labels.size(), "detection sample of image id ", s.image_id, ": ", s.boxes.size(),
                " boxes but ", s.labels.size(), " labels");
  for (std::size_t i = 0; i < s.boxes.size(); ++i) {
    const auto& b = s.boxes[i];
    LINATTN_CHECK(std::isfinite(b[0]) && std::isfinite(b[1]) && std::isfinite(b[2]) && std::isfinite(b[3]) &&
                      b[0] <= b[2] && b[1] <= b[3],
                  "detection sample of image id ", s.image_id, ": box ", i, " (", b[0], ", ", b[1], ", ", b[2], ", ",
                  b[3], ") is not a finite x1 y1 x2 y2 box with x1 <= x2, y1 <= y2");
  }
  return {Image::from_view(s.image), s.boxes, s.labels, 1.0};
}

void hflip_(BoxedImage& b) {
  Image& img = b.image;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width / 2; ++x)
      for (int c = 0; c < img.channels; ++c) std::swap(img.at(y, x, c), img.at(y, img.width - 1 - x, c));
  const auto w = static_cast<float>(img.width);
  for (auto& box : b.boxes) box = {w - box[2], box[1], w - box[0], box[3]};
}

namespace {

int resized_size(int size, double factor) { return std::max(1, static_cast<int>(std::lround(size * factor))); }

// The window [top, top+height) x [left, left+width) of the image resized by `factor` (resampling
// only the window); boxes and `scale` multiplied by factor, not yet shifted.
BoxedImage resize_window(const BoxedImage& b, double factor, int top, int left, int height, int width) {
  check_rgb(b.image, "resize");
  LINATTN_CHECK(factor > 0.0 && std::isfinite(factor), "resize: factor must be > 0, got ", factor);
  const int H = b.image.height, W = b.image.width;
  const Taps ty = bilinear_taps(top, height, H, factor), tx = bilinear_taps(left, width, W, factor);
  BoxedImage out{Image(height, width, 3), b.boxes, b.labels, b.scale * factor};
  const std::uint8_t* src = b.image.pixels.data();
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row0 = src + static_cast<std::size_t>(ty.lo[y]) * W * 3;
    const std::uint8_t* row1 = src + static_cast<std::size_t>(ty.hi[y]) * W * 3;
    const float vy = ty.t[y];
    std::uint8_t* dst = &out.image.pixels[static_cast<std::size_t>(y) * width * 3];
    for (int x = 0; x < width; ++x) {
      const std::size_t a = static_cast<std::size_t>(tx.lo[x]) * 3, c = static_cast<std::size_t>(tx.hi[x]) * 3;
      const float vx = tx.t[x];
      for (int ch = 0; ch < 3; ++ch) {
        float upper = row0[a + ch] + vx * (row0[c + ch] - row0[a + ch]);
        float lower = row1[a + ch] + vx * (row1[c + ch] - row1[a + ch]);
        dst[x * 3 + ch] = round_u8(upper + vy * (lower - upper));
      }
    }
  }
  const auto f = static_cast<float>(factor);
  for (auto& box : out.boxes)
    for (float& v : box) v *= f;
  return out;
}

}  // namespace

BoxedImage resize(const BoxedImage& b, double factor) {
  return resize_window(b, factor, 0, 0, resized_size(b.image.height, factor), resized_size(b.image.width, factor));
}

double letterbox_scale(int height, int width, int canvas_size) {
  LINATTN_CHECK(height > 0 && width > 0 && canvas_size > 0, "letterbox: sizes must be > 0, got image ", height, "x",
                width, " and canvas ", canvas_size);
  return static_cast<double>(canvas_size) / std::max(height, width);
}

BoxedImage letterbox(const BoxedImage& b, int canvas_size) {
  return resize(b, letterbox_scale(b.image.height, b.image.width, canvas_size));
}

void clip_boxes_(BoxedImage& b, float min_box_size) {
  const auto w = static_cast<float>(b.image.width), h = static_cast<float>(b.image.height);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < b.boxes.size(); ++i) {
    auto box = b.boxes[i];
    box = {std::clamp(box[0], 0.0f, w), std::clamp(box[1], 0.0f, h), std::clamp(box[2], 0.0f, w),
           std::clamp(box[3], 0.0f, h)};
    const float bw = box[2] - box[0], bh = box[3] - box[1];
    if (bw <= 0.0f || bh <= 0.0f || bw < min_box_size || bh < min_box_size) continue;
    b.boxes[kept] = box;
    b.labels[kept] = b.labels[i];
    ++kept;
  }
  b.boxes.resize(kept);
  b.labels.resize(kept);
}

BoxedImage crop(const BoxedImage& b, int top, int left, int height, int width, float min_box_size) {
  check_rgb(b.image, "crop");
  LINATTN_CHECK(top >= 0 && left >= 0 && height > 0 && width > 0 && top + height <= b.image.height &&
                    left + width <= b.image.width,
                "crop: window [", top, ", ", top + height, ") x [", left, ", ", left + width, ") outside the ",
                b.image.height, "x", b.image.width, " image");
  BoxedImage out{Image(height, width, 3), b.boxes, b.labels, b.scale};
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* src = &b.image.pixels[(static_cast<std::size_t>(top + y) * b.image.width + left) * 3];
    std::copy(src, src + static_cast<std::size_t>(width) * 3, &out.image.pixels[static_cast<std::size_t>(y) * width * 3]);
  }
  const auto dx = static_cast<float>(left), dy = static_cast<float>(top);
  for (auto& box : out.boxes) box = {box[0] - dx, box[1] - dy, box[2] - dx, box[3] - dy};
  clip_boxes_(out, min_box_size);
  return out;
}

BoxedImage random_scale_crop(const BoxedImage& b, const DetectionTransformOptions& o, Generator& gen) {
  const double jitter = o.scale_min + (o.scale_max - o.scale_min) * gen.uniform();
  const double factor = letterbox_scale(b.image.height, b.image.width, o.image_size) * jitter;
  // Draw the window in the resized image, then resample only the window (same pixels as
  // crop(resize(b, factor), ...), without resizing what the crop throws away).
  const int scaled_h = resized_size(b.image.height, factor), scaled_w = resized_size(b.image.width, factor);
  const int h = std::min(o.image_size, scaled_h), w = std::min(o.image_size, scaled_w);
  const auto top = static_cast<int>(gen.randint(0, scaled_h - h + 1));
  const auto left = static_cast<int>(gen.randint(0, scaled_w - w + 1));
  BoxedImage out = resize_window(b, factor, top, left, h, w);
  const auto dx = static_cast<float>(left), dy = static_cast<float>(top);
  for (auto& box : out.boxes) box = {box[0] - dx, box[1] - dy, box[2] - dx, box[3] - dy};
  clip_boxes_(out, o.min_box_size);
  return out;
}

void adjust_brightness_(Image& img, double factor) {
  std::array<std::uint8_t, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = round_u8(v * factor);
  for (auto& v : img.pixels) v = lut[v];
}

void adjust_contrast_(Image& img, double factor) {
  check_rgb(img, "adjust_contrast");
  const std::size_t n = num_pixels(img);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += luma(&img.pixels[i * 3]);
  const double mean = n ? sum / static_cast<double>(n) : 0.0;
  std::array<std::uint8_t, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = round_u8(mean + factor * (v - mean));
  for (auto& v : img.pixels) v = lut[v];
}

void adjust_saturation_(Image& img, double factor) {
  check_rgb(img, "adjust_saturation");
  for (std::size_t i = 0; i < num_pixels(img); ++i) {
    std::uint8_t* p = &img.pixels[i * 3];
    const double l = luma(p);
    for (int c = 0; c < 3; ++c) p[c] = round_u8(l + factor * (p[c] - l));
  }
}

void adjust_hue_(Image& img, double shift) {
  check_rgb(img, "adjust_hue");
  LINATTN_CHECK(shift >= -0.5 && shift <= 0.5, "adjust_hue: shift must be in [-0.5, 0.5], got ", shift);
  for (std::size_t i = 0; i < num_pixels(img); ++i) {
    std::uint8_t* p = &img.pixels[i * 3];
    auto [h, s, v] = rgb_to_hsv(p[0] / 255.0, p[1] / 255.0, p[2] / 255.0);
    h = std::fmod(h + shift + 1.0, 1.0);
    auto rgb = hsv_to_rgb(h, s, v);
    for (int c = 0; c < 3; ++c) p[c] = round_u8(rgb[static_cast<std::size_t>(c)] * 255.0);
  }
}

void photometric_jitter_(Image& img, const PhotometricOptions& o, Generator& gen) {
  if (o.brightness > 0.0) adjust_brightness_(img, jitter_factor(o.brightness, gen));
  if (o.contrast > 0.0) adjust_contrast_(img, jitter_factor(o.contrast, gen));
  if (o.saturation > 0.0) adjust_saturation_(img, jitter_factor(o.saturation, gen));
  if (o.hue > 0.0) adjust_hue_(img, -o.hue + 2.0 * o.hue * gen.uniform());
}

BoxedImage detection_train_transform(const DetectionSample& sample, const DetectionTransformOptions& o,
                                     Generator& gen) {
  BoxedImage b = to_boxed(sample);
  if (gen.uniform() < o.hflip_prob) hflip_(b);
  BoxedImage out = random_scale_crop(b, o, gen);
  photometric_jitter_(out.image, o.photometric, gen);
  return out;
}

BoxedImage detection_eval_transform(const DetectionSample& sample, const DetectionTransformOptions& o) {
  BoxedImage out = letterbox(to_boxed(sample), o.image_size);
  clip_boxes_(out, o.min_box_size);
  return out;
}

DetectionTarget to_canvas(const BoxedImage& b, const DetectionTransformOptions& o, float* dst) {
  check_rgb(b.image, "to_canvas");
  const int S = o.image_size, h = b.image.height, w = b.image.width;
  LINATTN_CHECK(h <= S && w <= S, "to_canvas: a ", h, "x", w, " image does not fit the ", S, "x", S, " canvas");
  const auto plane = static_cast<std::size_t>(S) * S;
  for (std::size_t c = 0; c < 3; ++c) {
    // (v/255 − mean)/std = v·scale + shift; the padding stays 0 (the mean colour).
    const float scale = 1.0f / (255.0f * o.stddev[c]), shift = -o.mean[c] / o.stddev[c];
    float* out = dst + c * plane;
    std::fill(out, out + plane, 0.0f);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        out[static_cast<std::size_t>(y) * S + x] = static_cast<float>(b.image.at(y, x, static_cast<int>(c))) * scale + shift;
  }
  const auto T = static_cast<std::int64_t>(b.boxes.size());
  DetectionTarget target;
  target.labels = Tensor::empty({T}, {.dtype = DType::I64});  // T
  target.boxes = Tensor::empty({T, 4});                         // T x 4
  std::int64_t* labels = target.labels.data<std::int64_t>();
  float* boxes = target.boxes.data<float>();
  const auto size = static_cast<float>(S);
  for (std::int64_t i = 0; i < T; ++i) {
    const auto& box = b.boxes[static_cast<std::size_t>(i)];
    labels[i] = b.labels[static_cast<std::size_t>(i)];
    boxes[i * 4 + 0] = 0.5f * (box[0] + box[2]) / size;
    boxes[i * 4 + 1] = 0.5f * (box[1] + box[3]) / size;
    boxes[i * 4 + 2] = (box[2] - box[0]) / size;
    boxes[i * 4 + 3] = (box[3] - box[1]) / size;
  }
  return target;
}

}  // namespace linattn
