// data/image_write.h — PNG/JPEG encoding with stb_image_write. Used by the tests to generate
// fixtures, and available to reports (e.g. previews of augmented batches).
// Errors (bad image, unwritable path) are linattn::Error naming the path.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"

namespace linattn {

void write_png(const std::string& path, const Image& img);
void write_jpeg(const std::string& path, const Image& img, int quality = 95);  // quality 1..100

// In-memory encodings (for decode tests and fuzz seeds).
std::vector<std::uint8_t> encode_png(const Image& img);
std::vector<std::uint8_t> encode_jpeg(const Image& img, int quality = 95);

}  // namespace linattn
