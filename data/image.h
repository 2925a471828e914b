// data/image.h — decoded images (uint8, H x W x 3, row-major HWC) and their decoding from JPEG
// or PNG with stb_image. Used by the datasets (data/cifar10.h) and the fuzz targets.
//
// Invariants: an Image always has channels == 3 (grayscale and alpha inputs are converted to
// RGB) and pixels.size() == height * width * 3. Every failure — a missing or unreadable file,
// data stb_image cannot decode — is a linattn::Error naming the file (or the name given for an
// in-memory buffer) and stb_image's reason. Decoding is thread-safe (stb's failure reason is
// thread-local), so datasets decode in parallel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace linattn {

// A read-only view of H x W x C uint8 pixels owned elsewhere (a dataset's cache, an Image).
struct ImageView {
  const std::uint8_t* pixels = nullptr;  // H x W x C
  int height = 0, width = 0, channels = 3;

  std::size_t size_bytes() const { return static_cast<std::size_t>(height) * width * channels; }
  std::uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
};

struct Image {
  int height = 0, width = 0, channels = 3;
  std::vector<std::uint8_t> pixels;  // H x W x C

  Image() = default;
  Image(int h, int w, int c = 3) : height(h), width(w), channels(c), pixels(static_cast<std::size_t>(h) * w * c, 0) {}

  std::size_t size_bytes() const { return pixels.size(); }
  std::uint8_t& at(int y, int x, int c) { return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
  std::uint8_t at(int y, int x, int c) const { return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
  ImageView view() const { return {pixels.data(), height, width, channels}; }
  static Image from_view(const ImageView& v);  // a copy
};

// Decodes JPEG or PNG bytes into RGB; `name_for_errors` is what error messages call the data.
Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& name_for_errors);

// Reads and decodes the file at `path`.
Image load_image(const std::string& path);

// The whole content of a file; error names the path and the system's reason.
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

}  // namespace linattn
