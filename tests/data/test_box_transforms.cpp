// tests/data/test_box_transforms.cpp — the detection transforms move boxes with pixels: filled,
// distinctly coloured rectangles are drawn at known boxes, each transform (letterbox, flip,
// scale + crop, the composed train pipeline over several seeds, the canvas) is applied, and the
// pixels are read back: inside each transformed box (2 px in from its edges) every pixel has the
// box's colour, just outside it the background; a pixel of a box's pure colour lies inside its
// transformed box; boxes are clipped and dropped at crop borders as reasoned out by hand;
// photometric jitter changes pixels, never boxes; letterbox cxcywh values and the map back to
// original pixels are checked exactly on a hand-made case.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <vector>

#include "core/error.h"
#include "data/box_transforms.h"

using namespace linattn;

namespace {

using Colour = std::array<std::uint8_t, 3>;
using Box = std::array<float, 4>;

const Colour kBackground = {40, 40, 40};
// Chosen so that no colour lies on the bilinear blend of the background with another one.
const std::array<Colour, 4> kColours = {{{220, 30, 30}, {30, 200, 40}, {20, 40, 230}, {230, 220, 20}}};

// A 200 x 120 scene: 4 boxes (label k has colour k), at least 10 px apart, on a plain background.
struct Scene {
  Image image{120, 200, 3};
  std::vector<Box> boxes = {{10, 10, 60, 50}, {80, 20, 150, 90}, {160, 60, 195, 115}, {20, 70, 60, 110}};
  std::vector<std::int64_t> labels = {0, 1, 2, 3};

  Scene() {
    for (int y = 0; y < image.height; ++y)
      for (int x = 0; x < image.width; ++x)
        for (int c = 0; c < 3; ++c) image.at(y, x, c) = kBackground[static_cast<std::size_t>(c)];
    for (std::size_t k = 0; k < boxes.size(); ++k)
      for (auto y = static_cast<int>(boxes[k][1]); y < static_cast<int>(boxes[k][3]); ++y)
        for (auto x = static_cast<int>(boxes[k][0]); x < static_cast<int>(boxes[k][2]); ++x)
          for (int c = 0; c < 3; ++c) image.at(y, x, c) = kColours[static_cast<std::size_t>(labels[k])][static_cast<std::size_t>(c)];
  }

  DetectionSample sample() const {
    DetectionSample s;
    s.image = image.view();
    s.image_id = 42;
    s.original_width = image.width;
    s.original_height = image.height;
    s.boxes = boxes;
    s.labels = labels;
    return s;
  }
};

Colour pixel(const Image& img, int y, int x) { return {img.at(y, x, 0), img.at(y, x, 1), img.at(y, x, 2)}; }

// Pixels [x0, x1) x [y0, y1), clamped to the image.
template <class F>
void for_pixels(const Image& img, double x0, double y0, double x1, double y1, F f) {
  int xa = std::max(0, static_cast<int>(std::ceil(x0))), ya = std::max(0, static_cast<int>(std::ceil(y0)));
  int xb = std::min(img.width, static_cast<int>(std::floor(x1))), yb = std::min(img.height, static_cast<int>(std::floor(y1)));
  for (int y = ya; y < yb; ++y)
    for (int x = xa; x < xb; ++x) f(y, x);
}

bool near_any_box(const std::vector<Box>& boxes, std::size_t except, double x, double y, double pad) {
  for (std::size_t j = 0; j < boxes.size(); ++j)
    if (j != except && x >= boxes[j][0] - pad && x < boxes[j][2] + pad && y >= boxes[j][1] - pad && y < boxes[j][3] + pad)
      return true;
  return false;
}

// The pixels of `img` (its first content_h x content_w hold the picture) agree with the boxes:
// (1) inside each box, `margin` in from its edges, every pixel has the box's colour; (2) the
// pixel `margin` outside the middle of each edge is background, unless it falls off the picture
// or near another box; (3) every pixel of a box's pure colour lies within its box ± 0.5 px, and
// a label that has no box shows no 2 x 2 block of its colour. Returns the number of interior
// pixels checked, so that callers can require that something was checked.
long check_pixels_follow_boxes(const Image& img, int content_h, int content_w, const std::vector<Box>& boxes,
                               const std::vector<std::int64_t>& labels, double margin = 2.0) {
  REQUIRE(boxes.size() == labels.size());
  long checked = 0;
  for (std::size_t k = 0; k < boxes.size(); ++k) {
    const Box& b = boxes[k];
    const Colour colour = kColours[static_cast<std::size_t>(labels[k])];
    INFO("box ", k, " label ", labels[k], " at (", b[0], ", ", b[1], ", ", b[2], ", ", b[3], ")");
    for_pixels(img, b[0] + margin, b[1] + margin, b[2] - margin, b[3] - margin, [&](int y, int x) {
      CHECK(pixel(img, y, x) == colour);
      ++checked;
    });
    const double cx = 0.5 * (b[0] + b[2]), cy = 0.5 * (b[1] + b[3]);
    const std::array<std::array<double, 2>, 4> outside = {
        {{b[0] - margin - 0.5, cy}, {b[2] + margin + 0.5, cy}, {cx, b[1] - margin - 0.5}, {cx, b[3] + margin + 0.5}}};
    for (const auto& [px, py] : outside) {
      if (px < 0 || py < 0 || px >= content_w || py >= content_h) continue;
      if (near_any_box(boxes, k, px, py, margin + 1.0)) continue;
      CHECK(pixel(img, static_cast<int>(py), static_cast<int>(px)) == kBackground);
    }
  }
  for (std::int64_t label = 0; label < static_cast<std::int64_t>(kColours.size()); ++label) {
    const Colour colour = kColours[static_cast<std::size_t>(label)];
    const Box* box = nullptr;
    for (std::size_t k = 0; k < boxes.size(); ++k)
      if (labels[k] == label) box = &boxes[k];
    INFO("pixels of label ", label, box ? " (has a box)" : " (no box)");
    for (int y = 0; y < content_h; ++y)
      for (int x = 0; x < content_w; ++x) {
        if (pixel(img, y, x) != colour) continue;
        if (box) {
          CHECK(x >= (*box)[0] - 0.5);
          CHECK(x + 1 <= (*box)[2] + 0.5);
          CHECK(y >= (*box)[1] - 0.5);
          CHECK(y + 1 <= (*box)[3] + 0.5);
        } else if (x + 1 < content_w && y + 1 < content_h) {
          CHECK_FALSE((pixel(img, y, x + 1) == colour && pixel(img, y + 1, x) == colour &&
                       pixel(img, y + 1, x + 1) == colour));
        }
      }
  }
  return checked;
}

long check_pixels_follow_boxes(const BoxedImage& b, double margin = 2.0) {
  return check_pixels_follow_boxes(b.image, b.image.height, b.image.width, b.boxes, b.labels, margin);
}

DetectionTransformOptions plain_options(int size) {
  DetectionTransformOptions o;
  o.image_size = size;
  o.photometric = {0.0, 0.0, 0.0, 0.0};
  return o;
}

// The float canvas back to uint8 (undoing the normalization) and the boxes back to canvas px.
Image canvas_to_image(const std::vector<float>& canvas, const DetectionTransformOptions& o) {
  const int S = o.image_size;
  Image img(S, S, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < S; ++y)
      for (int x = 0; x < S; ++x) {
        float v = canvas[(static_cast<std::size_t>(c) * S + y) * S + x];
        double u = (v * o.stddev[static_cast<std::size_t>(c)] + o.mean[static_cast<std::size_t>(c)]) * 255.0;
        img.at(y, x, c) = static_cast<std::uint8_t>(std::clamp(std::lround(u), 0L, 255L));
      }
  return img;
}

std::vector<Box> target_boxes_px(const DetectionTarget& t, int S) {
  std::vector<Box> out;
  std::vector<float> v = t.boxes.to_vector<float>();
  for (std::int64_t i = 0; i < t.size(); ++i) {
    const float* b = &v[static_cast<std::size_t>(i) * 4];
    out.push_back({(b[0] - 0.5f * b[2]) * S, (b[1] - 0.5f * b[3]) * S, (b[0] + 0.5f * b[2]) * S, (b[1] + 0.5f * b[3]) * S});
  }
  return out;
}

}  // namespace

TEST_CASE("the scene itself passes the pixel check (the checker sees what it should)") {
  Scene scene;
  BoxedImage b = to_boxed(scene.sample());
  CHECK(check_pixels_follow_boxes(b) > 4000);
  // A box moved by 5 px no longer matches its pixels.
  b.boxes[1][0] += 5;
  b.boxes[1][2] += 5;
  Image img = b.image;
  bool inside_all = true;
  for_pixels(img, b.boxes[1][0] + 2, b.boxes[1][1] + 2, b.boxes[1][2] - 2, b.boxes[1][3] - 2,
             [&](int y, int x) { inside_all = inside_all && pixel(img, y, x) == kColours[1]; });
  CHECK_FALSE(inside_all);
}

TEST_CASE("letterbox: a hand-made case with exact cxcywh and the map back to original pixels") {
  // 200 wide x 100 high, S = 100: scale 0.5, content 100 x 50 at the top-left, rows 50.. padding.
  Image img(100, 200, 3);
  for (auto& v : img.pixels) v = 40;
  for (int y = 10; y < 50; ++y)
    for (int x = 20; x < 60; ++x)
      for (int c = 0; c < 3; ++c) img.at(y, x, c) = kColours[2][static_cast<std::size_t>(c)];
  DetectionSample s;
  s.image = img.view();
  s.boxes = {{20, 10, 60, 50}};
  s.labels = {2};
  DetectionTransformOptions o = plain_options(100);
  BoxedImage lb = detection_eval_transform(s, o);
  CHECK(lb.scale == 0.5);
  CHECK(lb.image.height == 50);
  CHECK(lb.image.width == 100);
  CHECK(lb.boxes == std::vector<Box>{{10, 5, 30, 25}});
  check_pixels_follow_boxes(lb);

  std::vector<float> canvas(3 * 100 * 100, -1.0f);
  DetectionTarget t = to_canvas(lb, o, canvas.data());
  CHECK(t.labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{2});
  CHECK(t.boxes.shape() == Shape{1, 4});
  // cx = (10 + 30)/2 / 100, cy = (5 + 25)/2 / 100, w = 20/100, h = 20/100.
  CHECK(t.boxes.to_vector<float>() == std::vector<float>{0.2f, 0.15f, 0.2f, 0.2f});
  // Map back: canvas px = normalized · S; original px = canvas px / scale.
  std::vector<float> v = t.boxes.to_vector<float>();
  const double S = 100.0, scale = lb.scale;
  CHECK((v[0] - v[2] / 2) * S / scale == doctest::Approx(20.0).epsilon(1e-6));
  CHECK((v[1] - v[3] / 2) * S / scale == doctest::Approx(10.0).epsilon(1e-6));
  CHECK((v[0] + v[2] / 2) * S / scale == doctest::Approx(60.0).epsilon(1e-6));
  CHECK((v[1] + v[3] / 2) * S / scale == doctest::Approx(50.0).epsilon(1e-6));
  // The padding (rows 50..99 of every channel) is exactly 0; the content is normalized.
  for (int c = 0; c < 3; ++c)
    for (int y = 50; y < 100; ++y)
      for (int x = 0; x < 100; ++x) REQUIRE(canvas[(static_cast<std::size_t>(c) * 100 + y) * 100 + x] == 0.0f);
  CHECK(canvas[0] == doctest::Approx((40.0 / 255.0 - 0.485) / 0.229).epsilon(1e-5));
  Image back = canvas_to_image(canvas, o);
  check_pixels_follow_boxes(back, 50, 100, target_boxes_px(t, 100), {2});
}

TEST_CASE("letterbox of the scene: portrait and landscape, up and down") {
  Scene scene;
  for (int S : {64, 128, 300}) {
    INFO("S = ", S);
    BoxedImage lb = letterbox(to_boxed(scene.sample()), S);
    CHECK(lb.image.width == S);  // 200 is the long side
    CHECK(lb.image.height == static_cast<int>(std::lround(120.0 * S / 200.0)));
    CHECK(lb.scale == doctest::Approx(S / 200.0));
    for (std::size_t k = 0; k < 4; ++k)
      for (int i = 0; i < 4; ++i) CHECK(lb.boxes[k][static_cast<std::size_t>(i)] == doctest::Approx(scene.boxes[k][static_cast<std::size_t>(i)] * S / 200.0));
    CHECK(check_pixels_follow_boxes(lb) > 0);
  }
  // Portrait: transpose the scene.
  Image t(200, 120, 3);
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 120; ++x)
      for (int c = 0; c < 3; ++c) t.at(y, x, c) = scene.image.at(x, y, c);
  BoxedImage p{t, {}, scene.labels, 1.0};
  for (const Box& b : scene.boxes) p.boxes.push_back({b[1], b[0], b[3], b[2]});
  BoxedImage lb = letterbox(p, 160);
  CHECK(lb.image.height == 160);
  CHECK(lb.image.width == 96);
  CHECK(check_pixels_follow_boxes(lb) > 0);
}

TEST_CASE("horizontal flip mirrors pixels and boxes") {
  Scene scene;
  BoxedImage b = to_boxed(scene.sample());
  hflip_(b);
  // x1' = 200 − x2, x2' = 200 − x1.
  CHECK(b.boxes == std::vector<Box>{{140, 10, 190, 50}, {50, 20, 120, 90}, {5, 60, 40, 115}, {140, 70, 180, 110}});
  CHECK(b.labels == scene.labels);
  CHECK(check_pixels_follow_boxes(b) > 4000);
  hflip_(b);
  CHECK(b.boxes == scene.boxes);
  CHECK(b.image.pixels == scene.image.pixels);
}

TEST_CASE("crop: boxes shifted, clipped at the borders, and dropped when they lose their area") {
  Scene scene;
  BoxedImage b = to_boxed(scene.sample());
  // Window x in [40, 170), y in [15, 113): box 0 (10..60, 10..50) clipped to (0..20, 0..35);
  // box 1 inside, shifted; box 2 (160..195, 60..115) clipped to (120..130, 45..98);
  // box 3 (20..60, 70..110) clipped to (0..20, 55..95).
  BoxedImage c = crop(b, 15, 40, 98, 130, 1.0f);
  CHECK(c.image.height == 98);
  CHECK(c.image.width == 130);
  CHECK(c.labels == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(c.boxes == std::vector<Box>{{0, 0, 20, 35}, {40, 5, 110, 75}, {120, 45, 130, 98}, {0, 55, 20, 95}});
  CHECK(check_pixels_follow_boxes(c) > 3000);

  // Window x in [59.., ...): box 0 keeps 1 px (59..60) of width: kept at min size 1, dropped at 2.
  BoxedImage thin = crop(b, 0, 59, 120, 100, 1.0f);
  CHECK(thin.labels == std::vector<std::int64_t>{0, 1, 3});
  CHECK(thin.boxes == std::vector<Box>{{0, 10, 1, 50}, {21, 20, 91, 90}, {0, 70, 1, 110}});
  BoxedImage dropped = crop(b, 0, 59, 120, 100, 2.0f);
  CHECK(dropped.labels == std::vector<std::int64_t>{1});
  CHECK(dropped.boxes == std::vector<Box>{{21, 20, 91, 90}});
  check_pixels_follow_boxes(dropped);
  // A window touching box 1's right edge only: its width after clipping is 0, so it goes.
  BoxedImage touching = crop(b, 0, 150, 50, 10, 0.0f);
  CHECK(touching.labels.empty());
  CHECK(touching.boxes.empty());

  CHECK_THROWS_WITH_AS(crop(b, 100, 0, 30, 10, 1.0f), doctest::Contains("outside the 120x200 image"), Error);
}

TEST_CASE("scale jitter + random crop: boxes follow pixels for many seeds") {
  Scene scene;
  DetectionTransformOptions o = plain_options(128);
  o.scale_min = 0.5;
  o.scale_max = 2.5;
  long checked = 0;
  int cropped = 0;
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    INFO("seed ", seed);
    Generator gen(seed);
    BoxedImage out = random_scale_crop(to_boxed(scene.sample()), o, gen);
    CHECK(out.image.height <= 128);
    CHECK(out.image.width <= 128);
    CHECK(out.scale >= 0.5 * 128 / 200.0);
    CHECK(out.scale <= 2.5 * 128 / 200.0);
    if (out.image.width == 128 && out.scale * 200 > 128.5) ++cropped;
    for (const Box& b : out.boxes) {
      CHECK(b[0] >= 0.0f);
      CHECK(b[1] >= 0.0f);
      CHECK(b[2] <= out.image.width);
      CHECK(b[3] <= out.image.height);
      CHECK(b[2] - b[0] >= 1.0f);
      CHECK(b[3] - b[1] >= 1.0f);
    }
    checked += check_pixels_follow_boxes(out);
    // The same seed gives the same result.
    Generator again(seed);
    BoxedImage twice = random_scale_crop(to_boxed(scene.sample()), o, again);
    CHECK(twice.boxes == out.boxes);
    CHECK(twice.image.pixels == out.image.pixels);
    // It is crop(resize(...)) with the same draws, spelled out.
    Generator draws(seed);
    const double factor = 128.0 / 200.0 * (0.5 + 2.0 * draws.uniform());
    BoxedImage scaled = resize(to_boxed(scene.sample()), factor);
    const int h = std::min(128, scaled.image.height), w = std::min(128, scaled.image.width);
    const auto top = static_cast<int>(draws.randint(0, scaled.image.height - h + 1));
    const auto left = static_cast<int>(draws.randint(0, scaled.image.width - w + 1));
    BoxedImage expected = crop(scaled, top, left, h, w, 1.0f);
    CHECK(out.image.pixels == expected.image.pixels);
    CHECK(out.boxes == expected.boxes);
    CHECK(out.labels == expected.labels);
  }
  CHECK(cropped >= 4);  // the seeds exercised the crop, not just the shrink
  CHECK(checked > 10000);
}

TEST_CASE("the composed train pipeline, through the float canvas, for several seeds") {
  Scene scene;
  DetectionTransformOptions o = plain_options(128);
  o.scale_min = 0.6;
  o.scale_max = 2.0;
  int flipped = 0, lost_boxes = 0;
  for (std::uint64_t seed = 100; seed < 116; ++seed) {
    INFO("seed ", seed);
    Generator gen(seed);
    BoxedImage out = detection_train_transform(scene.sample(), o, gen);
    std::vector<float> canvas(3 * 128 * 128);
    DetectionTarget t = to_canvas(out, o, canvas.data());
    REQUIRE(t.size() == static_cast<std::int64_t>(out.boxes.size()));
    lost_boxes += 4 - static_cast<int>(t.size());
    for (float v : t.boxes.to_vector<float>()) {
      CHECK(v >= 0.0f);
      CHECK(v <= 1.0f);
    }
    Image back = canvas_to_image(canvas, o);
    check_pixels_follow_boxes(back, out.image.height, out.image.width, target_boxes_px(t, 128),
                              t.labels.to_vector<std::int64_t>());
    // Outside the content, the canvas is padding: exactly 0 in every channel.
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 128; ++y)
        for (int x = 0; x < 128; ++x)
          if (y >= out.image.height || x >= out.image.width)
            REQUIRE(canvas[(static_cast<std::size_t>(c) * 128 + y) * 128 + x] == 0.0f);
    // Was it flipped? Label 0 (left in the scene) then sits right of label 1 when both are kept.
    auto labels = t.labels.to_vector<std::int64_t>();
    auto boxes = target_boxes_px(t, 128);
    int i0 = -1, i1 = -1;
    for (std::size_t k = 0; k < labels.size(); ++k) {
      if (labels[k] == 0) i0 = static_cast<int>(k);
      if (labels[k] == 1) i1 = static_cast<int>(k);
    }
    if (i0 >= 0 && i1 >= 0 && boxes[static_cast<std::size_t>(i0)][0] > boxes[static_cast<std::size_t>(i1)][0]) ++flipped;
  }
  CHECK(flipped >= 3);
  CHECK(lost_boxes >= 1);  // some crops cut boxes away
}

TEST_CASE("photometric jitter changes pixels, never boxes") {
  Scene scene;
  DetectionTransformOptions plain = plain_options(128);
  DetectionTransformOptions jittered = plain;
  jittered.photometric = {0.4, 0.4, 0.4, 0.1};
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    Generator g1(seed), g2(seed);
    BoxedImage a = detection_train_transform(scene.sample(), plain, g1);
    BoxedImage b = detection_train_transform(scene.sample(), jittered, g2);
    CHECK(a.boxes == b.boxes);
    CHECK(a.labels == b.labels);
    CHECK(a.scale == b.scale);
    CHECK(a.image.height == b.image.height);
    CHECK(a.image.width == b.image.width);
    CHECK(a.image.pixels != b.image.pixels);
    // Each op maps equal colours to equal colours: every box interior stays uniform.
    for (std::size_t k = 0; k < b.boxes.size(); ++k) {
      const Box& box = b.boxes[k];
      std::map<Colour, int> colours;
      for_pixels(b.image, box[0] + 2, box[1] + 2, box[2] - 2, box[3] - 2, [&](int y, int x) { ++colours[pixel(b.image, y, x)]; });
      CHECK(colours.size() <= 1);
    }
  }
}

TEST_CASE("photometric ops on known pixels") {
  Image img(1, 2, 3);
  img.pixels = {100, 50, 201, 0, 0, 0};
  adjust_brightness_(img, 0.5);  // v/2, rounded half up
  CHECK(img.pixels == std::vector<std::uint8_t>{50, 25, 101, 0, 0, 0});

  img.pixels = {255, 0, 0, 0, 0, 255};
  adjust_saturation_(img, 0.0);  // the luma: 0.299·255 = 76.2, 0.114·255 = 29.1
  CHECK(img.pixels == std::vector<std::uint8_t>{76, 76, 76, 29, 29, 29});

  img.pixels = {200, 200, 200, 100, 100, 100};
  adjust_contrast_(img, 0.0);  // the mean luma, 150
  CHECK(img.pixels == std::vector<std::uint8_t>{150, 150, 150, 150, 150, 150});
  img.pixels = {200, 200, 200, 100, 100, 100};
  adjust_contrast_(img, 2.0);  // 150 ± 2·50
  CHECK(img.pixels == std::vector<std::uint8_t>{250, 250, 250, 50, 50, 50});

  img.pixels = {255, 0, 0, 10, 20, 30};
  adjust_hue_(img, 1.0 / 3.0);  // red -> green
  CHECK(img.pixels[0] == 0);
  CHECK(img.pixels[1] == 255);
  CHECK(img.pixels[2] == 0);
  img.pixels = {255, 0, 0, 10, 20, 30};
  adjust_hue_(img, 0.0);
  CHECK(img.pixels == std::vector<std::uint8_t>{255, 0, 0, 10, 20, 30});
  CHECK_THROWS_WITH_AS(adjust_hue_(img, 0.7), doctest::Contains("[-0.5, 0.5]"), Error);
}

TEST_CASE("options validation and sample checks give clear errors") {
  DetectionTransformOptions o;
  CHECK_NOTHROW(validate(o));
  o.image_size = 0;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("data.image_size must be > 0"), Error);
  o = {};
  o.scale_min = 1.5;
  o.scale_max = 1.0;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("scale_min <= scale_max"), Error);
  o = {};
  o.hflip_prob = 1.5;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("hflip_prob"), Error);
  o = {};
  o.photometric.hue = 0.6;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("hue must be in [0, 0.5]"), Error);
  o = {};
  o.stddev[1] = 0.0f;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("channel 1"), Error);

  Scene scene;
  DetectionSample s = scene.sample();
  s.labels.pop_back();
  CHECK_THROWS_WITH_AS(to_boxed(s), doctest::Contains("image id 42: 4 boxes but 3 labels"), Error);
  s = scene.sample();
  s.boxes[2] = {50, 10, 40, 20};
  CHECK_THROWS_WITH_AS(to_boxed(s), doctest::Contains("image id 42: box 2"), Error);
}
