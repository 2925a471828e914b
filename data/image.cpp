// data/image.cpp — see image.h. The one translation unit that compiles stb_image: only the
// JPEG and PNG decoders (a small surface for the fuzzer), no stdio (we read files ourselves, so
// a missing file and a corrupt one get different messages), and a dimension cap so a hostile
// header cannot ask for gigabytes.
#include "data/image.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/error.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#define STBI_MAX_DIMENSIONS (1 << 14)
#include <stb/stb_image.h>

namespace linattn {

Image Image::from_view(const ImageView& v) {
  Image img(v.height, v.width, v.channels);
  if (v.size_bytes() > 0) std::memcpy(img.pixels.data(), v.pixels, v.size_bytes());
  return img;
}

Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& name_for_errors) {
  LINATTN_CHECK(size > 0, "cannot decode image '", name_for_errors, "': the data is empty (0 bytes)");
  LINATTN_CHECK(size <= static_cast<std::size_t>(INT32_MAX), "cannot decode image '", name_for_errors,
                "': ", size, " bytes is more than stb_image accepts");
  int w = 0, h = 0, channels_in_file = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(data, static_cast<int>(size), &w, &h, &channels_in_file, 3), stbi_image_free);
  if (!pixels) {
    const char* reason = stbi_failure_reason();
    fail(str_cat("cannot decode image '", name_for_errors, "' (", size, " bytes): ",
                 reason ? reason : "unknown reason",
                 "\n---> HINT: only JPEG and PNG are supported; the file may be truncated or corrupt"));
  }
  Image img(h, w, 3);
  std::memcpy(img.pixels.data(), pixels.get(), img.size_bytes());
  return img;
}

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail(str_cat("cannot open '", path, "': ", std::strerror(errno)));
  std::streamoff size = in.tellg();
  LINATTN_CHECK(size >= 0, "cannot read '", path, "': cannot determine its size (is it a directory?)");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    fail(str_cat("cannot read '", path, "': read failed after ", in.gcount(), " of ", size, " bytes"));
  return bytes;
}

Image load_image(const std::string& path) {
  std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return decode_image(bytes.data(), bytes.size(), path);
}

}  // namespace linattn
