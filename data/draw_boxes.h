// data/draw_boxes.h — drawing onto an Image (data/image.h): rectangle outlines, filled
// rectangles, text in a built-in 5 x 7 bitmap font, and labelled boxes ("person 0.87" on a filled
// tag above the box). Used by `linattn detect` (apps/cmd_detect.cpp) and the detection gallery of
// report.html (train/detection_gallery.h).
//
// Coordinates follow data/box_transforms.h: a box is x1 y1 x2 y2 in pixel-edge units, pixel
// (x, y) covers [x, x+1) x [y, y+1). An outline of thickness t covers the pixels just inside the
// box's edges (a box over columns 3..5, x1 = 3, x2 = 6, outlines columns 3 and 5 with t = 1).
// Invariants: every function clips to the image and never writes outside it; non-finite or
// empty boxes draw nothing; text outside printable ASCII draws as '?', one per UTF-8 character.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "data/image.h"

namespace linattn {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

// A set of well-separated colours (matplotlib's tab10), cycled by index (negative: index 0).
Rgb palette_color(std::int64_t index);

// How thick lines and how large text are drawn.
struct DrawStyle {
  int thickness = 2;   // outline width in pixels, >= 1
  int text_scale = 1;  // each font pixel is text_scale x text_scale image pixels, >= 1
};

// Lines 1 px per 250 px of the shorter side (at least 1), text 1x per 400 px (at least 1):
// legible on a 320 px thumbnail and on a 1920 px photo alike.
DrawStyle default_style(int height, int width);

// Fills [x, x+w) x [y, y+h), clipped.
void fill_rect_(Image& img, int x, int y, int w, int h, Rgb color);

// The outline of box x1 y1 x2 y2 (rounded to whole pixels), `thickness` pixels inside its edges.
void draw_rect_(Image& img, float x1, float y1, float x2, float y2, Rgb color, int thickness);

// The font: 5 x 7 glyphs in 6 x 8 cells (one column and one row of spacing).
constexpr int kGlyphWidth = 5, kGlyphHeight = 7, kGlyphAdvance = 6, kLineHeight = 8;

// The 5 columns of a character's glyph, bit r of column c set = pixel (c, r) on (row 0 at the
// top); characters outside 32..126 give '?'.
const std::array<std::uint8_t, 5>& glyph(char c);

// The number of characters `text` draws (a UTF-8 multi-byte character counts once).
int text_length(std::string_view text);
// Pixel width and height of one line of `text` at `scale` (no trailing spacing column).
int text_width(std::string_view text, int scale);
int text_height(int scale);

// Draws `text` with its top-left corner at (x, y); the pixels off the image are skipped.
void draw_text_(Image& img, int x, int y, std::string_view text, Rgb color, int scale);

// A box outline in `color` with `label` on a tag of the same colour above its top-left corner
// (inside the box when there is no room above; moved left to stay on the image). The text is
// white or black, whichever contrasts more with `color`. An empty label draws only the box.
void draw_labeled_box_(Image& img, const std::array<float, 4>& x1y1x2y2, std::string_view label, Rgb color,
                       const DrawStyle& style);

}  // namespace linattn
