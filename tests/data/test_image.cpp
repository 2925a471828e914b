// tests/data/test_image.cpp — image decoding: exact PNG pixels from files and memory, JPEG
// sizes and approximate values, grayscale to RGB, and the errors for missing, empty, corrupt
// and truncated data (each naming the file and stb's reason), and the guards in front of stb_image 2.27.
#include <doctest/doctest.h>

#include <cstdlib>

#include "data/image.h"
#include "data/image_write.h"
#include "fixtures.h"
#include "fuzz/hostile_images.h"

using namespace linattn;
using linattn::testing::TempDir;

TEST_CASE("PNG decodes to the exact pixels, from a file and from memory") {
  TempDir tmp;
  Image img = testing::pattern_image(5, 7, 3);
  write_png(tmp.str("a.png"), img);
  Image back = load_image(tmp.str("a.png"));
  CHECK(back.height == 5);
  CHECK(back.width == 7);
  CHECK(back.channels == 3);
  CHECK(back.pixels == img.pixels);

  auto bytes = encode_png(img);
  Image mem = decode_image(bytes.data(), bytes.size(), "in-memory");
  CHECK(mem.pixels == img.pixels);
  CHECK(mem.at(4, 6, 2) == img.at(4, 6, 2));
}

TEST_CASE("grayscale PNG becomes RGB with equal channels") {
  Image gray(2, 3, 1);
  for (std::size_t i = 0; i < gray.pixels.size(); ++i) gray.pixels[i] = static_cast<std::uint8_t>(40 * i);
  auto bytes = encode_png(gray);
  Image rgb = decode_image(bytes.data(), bytes.size(), "gray");
  REQUIRE(rgb.channels == 3);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 3; ++c) CHECK(rgb.at(y, x, c) == gray.pixels[static_cast<std::size_t>(y * 3 + x)]);
}

TEST_CASE("JPEG decodes to the right size and close values") {
  TempDir tmp;
  Image flat(16, 16, 3);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) {
      flat.at(y, x, 0) = 200;
      flat.at(y, x, 1) = 100;
      flat.at(y, x, 2) = 50;
    }
  write_jpeg(tmp.str("flat.jpg"), flat, 95);
  Image back = load_image(tmp.str("flat.jpg"));
  CHECK(back.height == 16);
  CHECK(back.width == 16);
  for (int c = 0; c < 3; ++c) CHECK(std::abs(int(back.at(8, 8, c)) - int(flat.at(8, 8, c))) <= 3);
}

TEST_CASE("a missing file is an error naming the path") {
  TempDir tmp;
  std::string path = tmp.str("nope.png");
  CHECK_THROWS_WITH_AS(load_image(path), doctest::Contains((path).c_str()), Error);
  CHECK_THROWS_WITH_AS(load_image(path), doctest::Contains("No such file"), Error);
}

TEST_CASE("corrupt, truncated and empty data are errors naming the file and the reason") {
  TempDir tmp;
  std::string junk = tmp.str("junk.jpg");
  testing::write_bytes(junk, {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'});
  CHECK_THROWS_WITH_AS(load_image(junk), doctest::Contains(("cannot decode image '" + junk + "'").c_str()), Error);
  CHECK_THROWS_WITH_AS(load_image(junk), doctest::Contains("unknown image type"), Error);

  auto png = encode_png(testing::pattern_image(8, 8, 1));
  std::vector<std::uint8_t> cut(png.begin(), png.begin() + static_cast<long>(png.size() / 2));
  std::string truncated = tmp.str("cut.png");
  testing::write_bytes(truncated, cut);
  CHECK_THROWS_WITH_AS(load_image(truncated), doctest::Contains((truncated).c_str()), Error);

  std::string empty = tmp.str("empty.png");
  testing::write_bytes(empty, {});
  CHECK_THROWS_WITH_AS(load_image(empty), doctest::Contains("empty"), Error);
  CHECK_THROWS_WITH_AS(decode_image(nullptr, 0, "buffer-x"), doctest::Contains("buffer-x"), Error);
}

TEST_CASE("encoders reject bad images") {
  Image bad;
  CHECK_THROWS_AS(encode_png(bad), Error);
  CHECK_THROWS_WITH_AS(encode_jpeg(testing::pattern_image(2, 2, 0), 0), doctest::Contains("quality"), Error);
  CHECK_THROWS_WITH_AS(write_png("/nonexistent-dir/x.png", testing::pattern_image(2, 2, 0)),
                       doctest::Contains("/nonexistent-dir/x.png"), Error);
}

TEST_CASE("hostile JPEG Huffman tables and PNG IDAT lengths are errors before stb_image sees them") {
  // Found by tests/fuzz/fuzz_image: a DHT table of 16 x 32 = 512 codes (stb 2.27 writes past its
  // tables), and a 2 GB IDAT in a 50-byte PNG (stb 2.27 allocates it before noticing).
  std::vector<std::uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x13, 0x00};
  jpeg.insert(jpeg.end(), 16, 0x20);
  CHECK_THROWS_WITH_AS(decode_image(jpeg.data(), jpeg.size(), "dht"), doctest::Contains("more than 256 codes"), Error);

  std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',  // signature
                                   0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 4, 0, 0, 0, 4, 8, 0, 0, 0, 0,
                                   0, 0, 0, 0,                                   // CRC (not checked)
                                   0x7F, 0xFF, 0xFF, 0xFF, 'I', 'D', 'A', 'T', 1, 2, 3, 4};
  CHECK_THROWS_WITH_AS(decode_image(png.data(), png.size(), "idat"), doctest::Contains("longer than the data"), Error);
  // The same chunk with its true length still reaches stb (which finds the data corrupt).
  png[33] = 0;
  png[34] = 0;
  png[35] = 0;
  png[36] = 4;
  CHECK_THROWS_WITH_AS(decode_image(png.data(), png.size(), "idat"), doctest::Contains("idat"), Error);
}

TEST_CASE("a JPEG scan that names undefined Huffman tables decodes to garbage or an error, safely") {
  // Found by tests/fuzz/fuzz_image: stb 2.27 read the undefined tables uninitialized. Under the
  // sanitizer build this test fails on any out-of-bounds or uninitialized-memory use.
  std::vector<std::uint8_t> jpeg = hostile::jpeg_with_undefined_huffman_tables();
  try {
    Image img = decode_image(jpeg.data(), jpeg.size(), "undefined-tables");
    CHECK(img.height == 8);
    CHECK(img.width == 8);
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("undefined-tables") != std::string::npos);
  }
}
