// data/image.cpp — see image.h. The one translation unit that compiles stb_image: only the
// JPEG and PNG decoders (a small surface for the fuzzer), no stdio (we read files ourselves, so
// a missing file and a corrupt one get different messages), and a dimension cap so a hostile
// header cannot ask for gigabytes.
#include "data/image.h"

#include <cerrno>
#include <cstdlib>
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
// Zeroed allocations: stb_image 2.27 decodes a JPEG scan with a Huffman table that no DHT
// defined, reading its uninitialized table and indexing values[] out of bounds (found by
// tests/fuzz/fuzz_image). An all-zero table decodes every code as symbol 0 without a bit: the
// image comes out wrong (it is corrupt) but nothing is read out of bounds.
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(p, size) std::realloc(p, size)
#define STBI_FREE(p) std::free(p)
#include <stb/stb_image.h>

namespace linattn {

Image Image::from_view(const ImageView& v) {
  Image img(v.height, v.width, v.channels);
  if (v.size_bytes() > 0) std::memcpy(img.pixels.data(), v.pixels, v.size_bytes());
  return img;
}

namespace {

// stb_image 2.27 (Debian 12's libstb-dev) writes past its Huffman tables when a JPEG DHT table
// declares more than 256 codes (found by tests/fuzz/fuzz_image; later stb versions reject such
// a table). stb reads a DHT segment only after the marker bytes FF C4, so checking the tables
// after every FF C4 in the data, as stb would read them (bytes past the end read as 0), catches
// every such table before stb sees it. Returns the offset of a bad table's marker, or -1.
std::int64_t find_oversized_jpeg_huffman_table(const std::uint8_t* data, std::size_t size) {
  auto byte = [&](std::size_t i) -> int { return i < size ? data[i] : 0; };
  for (std::size_t m = 0; m + 1 < size; ++m) {
    if (data[m] != 0xFF || data[m + 1] != 0xC4) continue;
    std::size_t i = m + 2;
    std::int64_t left = (byte(i) << 8 | byte(i + 1)) - 2;  // the segment's length, as stb counts it
    i += 2;
    while (left > 0 && i < size) {
      int codes = 0;
      for (int k = 0; k < 16; ++k) codes += byte(i + 1 + static_cast<std::size_t>(k));
      if (codes > 256) return static_cast<std::int64_t>(m);
      i += 17 + static_cast<std::size_t>(codes);
      left -= 17 + codes;
    }
  }
  return -1;
}

// stb_image 2.27 grows its PNG data buffer to hold an IDAT chunk before it checks that the chunk's
// bytes are there, so a 100-byte file declaring a 2 GB IDAT allocates 2 GB (found by
// tests/fuzz/fuzz_image). stb consumes each chunk as 8 header bytes, its data and a 4-byte CRC;
// walking the chunks the same way finds an IDAT longer than the data left, which stb would
// reject anyway ("outofdata") — after the allocation. Returns its offset, or -1.
std::int64_t find_truncated_png_idat(const std::uint8_t* data, std::size_t size) {
  auto be32 = [&](std::size_t i) {
    return std::uint32_t{data[i]} << 24 | std::uint32_t{data[i + 1]} << 16 | std::uint32_t{data[i + 2]} << 8 |
           std::uint32_t{data[i + 3]};
  };
  for (std::size_t at = 8; at + 8 <= size;) {
    const std::uint64_t length = be32(at);
    const bool idat = std::memcmp(data + at + 4, "IDAT", 4) == 0;
    if (idat && length > size - (at + 8)) return static_cast<std::int64_t>(at);
    if (std::memcmp(data + at + 4, "IEND", 4) == 0) break;
    at += 12 + length;  // no overflow: length < 2^32
  }
  return -1;
}

}  // namespace

Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& name_for_errors) {
  LINATTN_CHECK(size > 0, "cannot decode image '", name_for_errors, "': the data is empty (0 bytes)");
  LINATTN_CHECK(size <= static_cast<std::size_t>(INT32_MAX), "cannot decode image '", name_for_errors,
                "': ", size, " bytes is more than stb_image accepts");
  if (data[0] == 0xFF) {  // what stb takes for JPEG (FF D8, after any FF fill bytes); PNG starts 0x89
    const std::int64_t bad = find_oversized_jpeg_huffman_table(data, size);
    LINATTN_CHECK(bad < 0, "cannot decode image '", name_for_errors, "' (", size, " bytes): the JPEG Huffman "
                  "table at byte ", bad, " declares more than 256 codes (corrupt JPEG)");
  }
  if (size >= 8 && std::memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) {
    const std::int64_t bad = find_truncated_png_idat(data, size);
    LINATTN_CHECK(bad < 0, "cannot decode image '", name_for_errors, "' (", size, " bytes): the PNG IDAT chunk at "
                  "byte ", bad, " is longer than the data that follows it (truncated or corrupt PNG)");
  }
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
