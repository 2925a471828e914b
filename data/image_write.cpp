// data/image_write.cpp — see image_write.h. The one translation unit that compiles
// stb_image_write. Encodes to memory, then writes the bytes, so failures of the encoder and of
// the file system get their own messages.
#include "data/image_write.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

namespace linattn {

namespace {

void append(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

void check_image(const Image& img, const char* what) {
  LINATTN_CHECK(img.height > 0 && img.width > 0 && img.channels >= 1 && img.channels <= 4,
                what, ": cannot encode an image of ", img.height, "x", img.width, "x", img.channels);
  LINATTN_CHECK(img.pixels.size() == img.size_bytes() &&
                    img.pixels.size() == static_cast<std::size_t>(img.height) * img.width * img.channels,
                what, ": pixel buffer size ", img.pixels.size(), " does not match ", img.height, "x",
                img.width, "x", img.channels);
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(str_cat("cannot write '", path, "': ", std::strerror(errno)));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail(str_cat("cannot write '", path, "': write failed"));
}

}  // namespace

std::vector<std::uint8_t> encode_png(const Image& img) {
  check_image(img, "encode_png");
  std::vector<std::uint8_t> out;
  int ok = stbi_write_png_to_func(append, &out, img.width, img.height, img.channels, img.pixels.data(),
                                  img.width * img.channels);
  LINATTN_CHECK(ok != 0, "encode_png: stb_image_write failed for a ", img.height, "x", img.width, " image");
  return out;
}

std::vector<std::uint8_t> encode_jpeg(const Image& img, int quality) {
  check_image(img, "encode_jpeg");
  LINATTN_CHECK(quality >= 1 && quality <= 100, "encode_jpeg: quality must be in [1, 100], got ", quality);
  std::vector<std::uint8_t> out;
  int ok = stbi_write_jpg_to_func(append, &out, img.width, img.height, img.channels, img.pixels.data(), quality);
  LINATTN_CHECK(ok != 0, "encode_jpeg: stb_image_write failed for a ", img.height, "x", img.width, " image");
  return out;
}

void write_png(const std::string& path, const Image& img) { write_bytes(path, encode_png(img)); }

void write_jpeg(const std::string& path, const Image& img, int quality) {
  write_bytes(path, encode_jpeg(img, quality));
}

}  // namespace linattn
