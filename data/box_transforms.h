// data/box_transforms.h — the detection transforms: geometric ops that move an image's boxes with
// its pixels (letterbox, horizontal flip, scale jitter + random crop), photometric jitter (pixels
// only), and the conversion onto the normalized S x S float canvas with (cx, cy, w, h) targets.
// Used by data/detection_collate.cpp; configured by DetectionTransformOptions.
//
// Coordinates: boxes are x1 y1 x2 y2 in pixel-edge units — pixel (x, y) covers [x, x+1) x [y, y+1),
// so a box over columns 3..5 is x1 = 3, x2 = 6. Resizing by a factor f maps a point p to p·f
// (bilinear, sampling the source at (x + 0.5)/f − 0.5, edges clamped; no antialiasing), so pixels
// and boxes scale by the same exact factor. The canvas holds the image at its top-left corner:
// canvas point p is p / scale in the original image, one factor for both axes.
//
// Pipelines (one Generator, draws in this order, photometric last so that it never changes the
// boxes of a seed):
//   train: flip (p = hflip_prob) → resize by letterbox scale · U[scale_min, scale_max] → random
//          crop of at most S x S (boxes clipped; boxes thinner than min_box_size dropped with their
//          labels) → photometric jitter → canvas;
//   eval:  letterbox (resize so the long side is S) → canvas. No randomness.
// Canvas: (v/255 − mean)/std per channel; the padding (right and bottom of the image) is 0 in
// the normalized output, i.e. the mean colour.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "data/detection_sample.h"
#include "data/detection_target.h"
#include "data/image.h"

namespace linattn {

// Colour jitter strengths (torchvision's ColorJitter): brightness, contrast and saturation
// factors uniform in [max(0, 1 − s), 1 + s], a hue shift uniform in [−hue, hue] turns (hue <= 0.5).
// Applied in this fixed order; 0 turns an op off (and it draws nothing).
struct PhotometricOptions {
  double brightness = 0.4, contrast = 0.4, saturation = 0.4, hue = 0.0;
};

struct DetectionTransformOptions {
  int image_size = 384;        // S: the canvas is S x S (data.image_size)
  double hflip_prob = 0.5;     // train: probability of a horizontal flip
  double scale_min = 0.6;      // train: the image is resized by (S / long side) · U[scale_min, scale_max];
  double scale_max = 1.4;      //        above 1 the random S x S crop cuts it
  PhotometricOptions photometric{};  // train only
  float min_box_size = 1.0f;   // boxes narrower or lower than this (canvas px) after clipping are dropped
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};  // ImageNet statistics (RGB, of x/255)
  std::array<float, 3> stddev = {0.229f, 0.224f, 0.225f};
};

// Errors name the field and the valid range.
void validate(const DetectionTransformOptions& options);

// An image with its objects, between transforms.
struct BoxedImage {
  Image image;                              // h x w x 3 uint8
  std::vector<std::array<float, 4>> boxes;  // T x 4, x1 y1 x2 y2 in pixels of `image`
  std::vector<std::int64_t> labels;         // T
  double scale = 1.0;                       // pixels of `image` per pixel of the sample's image
};

// A copy of the sample; checks that boxes and labels agree and that every box is finite with
// x1 <= x2, y1 <= y2 (errors name the image id and the box).
BoxedImage to_boxed(const DetectionSample& sample);

// Mirrors pixels and boxes: x1' = w − x2, x2' = w − x1.
void hflip_(BoxedImage& b);

// Bilinear resize by `factor` to round(h·factor) x round(w·factor) (at least 1 x 1); boxes and
// `scale` are multiplied by factor.
BoxedImage resize(const BoxedImage& b, double factor);

// S / max(h, w): the factor that makes the long side S.
double letterbox_scale(int height, int width, int canvas_size);
BoxedImage letterbox(const BoxedImage& b, int canvas_size);

// The window [top, top+h) x [left, left+w) (inside the image); boxes shifted and clipped to it.
BoxedImage crop(const BoxedImage& b, int top, int left, int height, int width, float min_box_size);

// Clips boxes to the image and drops (with its label) every box with w or h <= 0 or < min_box_size.
void clip_boxes_(BoxedImage& b, float min_box_size);

// Scale jitter + random crop: resize by letterbox_scale · U[scale_min, scale_max], then a random
// window of min(S, h) x min(S, w) of the resized image. Draws: the factor, then the window's top
// and left. Equal to crop(resize(b, factor), top, left, ...), but resamples only the window.
BoxedImage random_scale_crop(const BoxedImage& b, const DetectionTransformOptions& options, Generator& gen);

// Photometric ops on uint8 RGB (each rounds back to uint8). Pixels only; boxes never move.
void adjust_brightness_(Image& img, double factor);  // v·f
void adjust_contrast_(Image& img, double factor);    // m + f·(v − m), m = the mean luma
void adjust_saturation_(Image& img, double factor);  // l + f·(v − l), l = the pixel's luma
void adjust_hue_(Image& img, double shift);          // HSV hue + shift (turns, in [−0.5, 0.5])
void photometric_jitter_(Image& img, const PhotometricOptions& options, Generator& gen);

// The full pipelines up to the canvas (uint8 image at most S x S, boxes in its pixels).
BoxedImage detection_train_transform(const DetectionSample& sample, const DetectionTransformOptions& options,
                                     Generator& gen);
BoxedImage detection_eval_transform(const DetectionSample& sample, const DetectionTransformOptions& options);

// Writes b.image at the top-left of a normalized 3 x S x S float canvas at dst (padding 0) and
// returns its targets: labels (T) int64, boxes (T, 4) float32 cxcywh divided by S.
DetectionTarget to_canvas(const BoxedImage& b, const DetectionTransformOptions& options, float* dst);

}  // namespace linattn
