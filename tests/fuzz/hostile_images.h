// tests/fuzz/hostile_images.h — hostile inputs built in code (never committed as files), shared
// by the fuzz seed writer (make_seeds.cpp) and the image regression tests (tests/data).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "data/image_write.h"

namespace linattn::hostile {

// A baseline JPEG (8 x 8, from stb_image_write) whose scan points every component at Huffman
// tables 3, which no DHT segment defines: stb 2.27 read such tables uninitialized (found by
// tests/fuzz/fuzz_image; data/image.cpp hands stb zeroed memory since).
inline std::vector<std::uint8_t> jpeg_with_undefined_huffman_tables() {
  Image img(8, 8, 3);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<std::uint8_t> jpeg = encode_jpeg(img, 90);
  for (std::size_t i = 2; i + 4 < jpeg.size();) {
    if (jpeg[i] != 0xFF) break;
    const std::size_t len = static_cast<std::size_t>(jpeg[i + 2] << 8 | jpeg[i + 3]);
    if (jpeg[i + 1] == 0xDA) {  // SOS: component count, then (component id, DC<<4 | AC) each
      for (std::size_t c = 0; c < jpeg[i + 4]; ++c) jpeg[i + 6 + 2 * c] = 0x33;
      return jpeg;
    }
    i += 2 + len;
  }
  throw std::runtime_error("jpeg_with_undefined_huffman_tables: no SOS segment in the encoded JPEG");
}

}  // namespace linattn::hostile
