// tests/data/test_draw_boxes.cpp — data/draw_boxes.h: rectangles land on exactly the pixels the
// pixel-edge convention says, everything clips (boxes off the image, huge, NaN), the font's
// glyphs are what they claim (an "A" drawn is the A bitmap, every printable glyph but the space
// has ink), UTF-8 draws one '?' per character, and a labelled box puts its tag above the box or
// inside it at the top edge, with contrasting text.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "data/draw_boxes.h"

using namespace linattn;

namespace {

constexpr Rgb kRed{255, 0, 0}, kWhite{255, 255, 255}, kBlack{0, 0, 0};

Rgb pixel(const Image& img, int x, int y) { return {img.at(y, x, 0), img.at(y, x, 1), img.at(y, x, 2)}; }

int count(const Image& img, Rgb c) {
  int n = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) n += pixel(img, x, y) == c;
  return n;
}

}  // namespace

TEST_CASE("draw_rect_: the outline is the pixels just inside the box's edges") {
  Image img(10, 12);
  draw_rect_(img, 3, 2, 6, 7, kRed, 1);  // columns 3..5, rows 2..6
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 12; ++x) {
      const bool inside = x >= 3 && x <= 5 && y >= 2 && y <= 6;
      const bool edge = inside && (x == 3 || x == 5 || y == 2 || y == 6);
      INFO("pixel " << x << "," << y);
      CHECK((pixel(img, x, y) == kRed) == edge);
    }
  CHECK(count(img, kRed) == 3 * 5 - 1 * 3);

  // Thicker than the box: the box is filled, nothing outside.
  Image thick(10, 12);
  draw_rect_(thick, 3, 2, 6, 7, kRed, 5);
  CHECK(count(thick, kRed) == 15);
  // Coordinates round to the nearest pixel edge.
  Image rounded(10, 12);
  draw_rect_(rounded, 2.6f, 1.6f, 6.4f, 7.4f, kRed, 1);
  CHECK(count(rounded, kRed) == count(img, kRed));
}

TEST_CASE("draw_rect_ and fill_rect_ clip; empty, inverted and non-finite boxes draw nothing") {
  Image img(8, 8);
  draw_rect_(img, -5, -5, 4, 4, kRed, 1);  // only the right and bottom edges are on the image
  CHECK(count(img, kRed) == 4 + 4 - 1);
  CHECK(pixel(img, 3, 0) == kRed);
  CHECK(pixel(img, 0, 3) == kRed);

  Image big(8, 8);
  draw_rect_(big, -1e30f, -1e30f, 1e30f, 1e30f, kRed, 3);  // edges far off the image
  CHECK(count(big, kRed) == 0);
  fill_rect_(big, -100, -100, 1000000, 1000000, kRed);
  CHECK(count(big, kRed) == 64);

  Image none(8, 8);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  draw_rect_(none, 2, 2, 2, 6, kRed, 1);  // zero width
  draw_rect_(none, 6, 2, 2, 6, kRed, 1);  // inverted
  draw_rect_(none, nan, 1, 4, 4, kRed, 1);
  draw_rect_(none, 1, 1, inf, 4, kRed, 1);
  draw_labeled_box_(none, {nan, 0, 4, 4}, "x", kRed, {});
  fill_rect_(none, 3, 3, -2, 5, kRed);
  CHECK(count(none, kRed) == 0);
}

TEST_CASE("font: an A drawn is the A bitmap; every printable glyph but the space has ink") {
  Image img(9, 7);
  draw_text_(img, 1, 1, "A", kWhite, 1);
  const char* const expected[7] = {" XXX ", "X   X", "X   X", "X   X", "XXXXX", "X   X", "X   X"};
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 5; ++c) {
      INFO("row " << r << " column " << c);
      CHECK((pixel(img, 1 + c, 1 + r) == kWhite) == (expected[r][c] == 'X'));
    }
  CHECK(count(img, kWhite) == 18);

  for (char ch = 33; ch <= 126; ++ch) {
    int ink = 0;
    for (std::uint8_t column : glyph(ch)) ink += column != 0;
    INFO("character '" << ch << "'");
    CHECK(ink > 0);
    for (std::uint8_t column : glyph(ch)) CHECK(column < 0x80);  // 7 rows
  }
  for (std::uint8_t column : glyph(' ')) CHECK(column == 0);
  CHECK(glyph('\n') == glyph('?'));
  CHECK(glyph(static_cast<char>(200)) == glyph('?'));
  CHECK(glyph('0') != glyph('O'));

  // Scale 2 doubles every font pixel.
  Image twice(20, 20);
  draw_text_(twice, 0, 0, "A", kWhite, 2);
  CHECK(count(twice, kWhite) == 4 * 18);
  CHECK(pixel(twice, 2, 0) == kWhite);
  CHECK(pixel(twice, 3, 1) == kWhite);
  CHECK(pixel(twice, 0, 0) == kBlack);
}

TEST_CASE("text: widths, UTF-8 as one '?' per character, clipping at the image's edges") {
  CHECK(text_length("person 0.87") == 11);
  CHECK(text_width("person 0.87", 1) == 11 * 6 - 1);
  CHECK(text_width("ab", 3) == (2 * 6 - 1) * 3);
  CHECK(text_width("", 2) == 0);
  CHECK(text_height(2) == 14);
  CHECK(text_length("caf\xC3\xA9") == 4);                  // café
  CHECK(text_length("\xE7\x8C\xAB\xF0\x9F\x90\x88") == 2);  // 猫🐈

  Image utf(9, 20), question(9, 20);
  draw_text_(utf, 0, 0, "\xC3\xA9", kWhite, 1);
  draw_text_(question, 0, 0, "?", kWhite, 1);
  CHECK(utf.pixels == question.pixels);

  Image small(4, 4);  // mostly off the image, on every side
  draw_text_(small, -3, -3, "WWWW", kWhite, 2);
  draw_text_(small, 2, 2, "WWWW", kWhite, 1);
  CHECK(count(small, kWhite) > 0);
}

TEST_CASE("draw_labeled_box_: the tag sits above the box, or inside it at the top edge") {
  const DrawStyle style{1, 1};
  Image img(60, 80);
  draw_labeled_box_(img, {20, 30, 60, 50}, "cat 0.9", kRed, style);
  const int tag_h = text_height(1) + 2, tag_w = text_width("cat 0.9", 1) + 2;
  CHECK(pixel(img, 20, 30 - tag_h) == kRed);                // the tag's top-left corner
  CHECK(pixel(img, 20 + tag_w - 1, 29) == kRed);            // its bottom-right corner
  CHECK(pixel(img, 20 + tag_w, 30 - tag_h) == kBlack);      // nothing right of it
  CHECK(pixel(img, 20, 30 - tag_h - 1) == kBlack);          // nothing above it
  CHECK(count(img, kWhite) > 10);                           // white text on red
  CHECK(pixel(img, 59, 49) == kRed);                        // the box's bottom-right pixel

  Image top(60, 80);  // a box at the top edge: the tag goes inside, starting at its top
  draw_labeled_box_(top, {10, 0, 50, 40}, "dog", kRed, style);
  CHECK(pixel(top, 11, 1) == kRed);
  CHECK(count(top, kWhite) > 5);

  Image right(60, 80);  // a tag that would run off the right edge moves left
  draw_labeled_box_(right, {70, 30, 80, 50}, "a long label", kRed, style);
  CHECK(pixel(right, 79, 29) == kRed);
  CHECK(pixel(right, 80 - (text_width("a long label", 1) + 2), 29) == kRed);

  Image light(60, 80);  // a light colour gets black text
  draw_labeled_box_(light, {20, 30, 60, 50}, "x", Rgb{255, 255, 0}, style);
  CHECK(count(light, kWhite) == 0);

  Image wide(30, 20);  // a label wider than the image neither crashes nor writes outside
  draw_labeled_box_(wide, {0, 0, 20, 30}, "a label much wider than the image", kRed, {3, 2});
  CHECK(count(wide, kRed) > 0);
}

TEST_CASE("palette and style: distinct cycled colours; lines and text grow with the image") {
  CHECK(palette_color(0) != palette_color(1));
  CHECK(palette_color(3) == palette_color(13));
  CHECK(palette_color(-1) == palette_color(0));
  CHECK(default_style(240, 320).thickness == 1);
  CHECK(default_style(240, 320).text_scale == 1);
  CHECK(default_style(1080, 1920).thickness == 4);
  CHECK(default_style(1080, 1920).text_scale == 2);
  CHECK(default_style(0, 0).thickness == 1);
}
