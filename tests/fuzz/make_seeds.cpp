// tests/fuzz/make_seeds.cpp — writes the binary seed corpora of the fuzz targets, so no image or
// safetensors file is ever committed: `fuzz_seeds OUT_DIR` creates OUT_DIR/fuzz_image/ and
// OUT_DIR/fuzz_safetensors/ (scripts/fuzz runs it before fuzzing; the YAML seeds of fuzz_config
// are text and live in tests/fuzz/corpus/fuzz_config/).
//
// Images cover the decoder paths stb_image takes: JPEG baseline with 4:2:0 and 4:4:4 sampling
// (stb_image_write's two modes), grayscale JPEG, and a JPEG whose scan names Huffman tables no
// DHT defined (the regression the fuzzer found: stb 2.27 read uninitialized tables); PNG RGB,
// RGBA, gray, 16-bit gray, palette and Adam7-interlaced (written by the small PNG writer below,
// with stored deflate blocks, since stb_image_write has no palette, 16-bit or interlaced output).
// Progressive JPEG has no encoder here; the dictionary's SOF2 marker lets the fuzzer reach it.
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/image_write.h"
#include "hostile_images.h"

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

void write(const fs::path& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

// A smooth test pattern with `channels` channels.
linattn::Image pattern(int height, int width, int channels) {
  linattn::Image img;
  img.height = height;
  img.width = width;
  img.channels = channels;
  img.pixels.resize(static_cast<std::size_t>(height * width * channels));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c)
        img.pixels[static_cast<std::size_t>((y * width + x) * channels + c)] =
            static_cast<std::uint8_t>((x * 16 + y * 8 + c * 60) & 0xFF);
  return img;
}

// ---- a minimal PNG writer -----------------------------------------------------------------

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

void put32(Bytes& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

void chunk(Bytes& png, const char* type, const Bytes& data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  Bytes body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put32(png, crc32(body.data(), body.size()));
}

// zlib stream of stored (uncompressed) deflate blocks.
Bytes zlib_stored(const Bytes& raw) {
  Bytes z = {0x78, 0x01};
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    const bool last = pos + n == raw.size();
    z.push_back(last ? 1 : 0);
    z.push_back(static_cast<std::uint8_t>(n & 0xFF));
    z.push_back(static_cast<std::uint8_t>(n >> 8));
    z.push_back(static_cast<std::uint8_t>(~n & 0xFF));
    z.push_back(static_cast<std::uint8_t>((~n >> 8) & 0xFF));
    z.insert(z.end(), raw.begin() + static_cast<std::ptrdiff_t>(pos), raw.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  } while (pos < raw.size());
  std::uint32_t a = 1, b = 0;  // Adler-32
  for (std::uint8_t v : raw) a = (a + v) % 65521, b = (b + a) % 65521;
  put32(z, (b << 16) | a);
  return z;
}

// samples: height x width x channels values of `depth` bits (8: one byte, 16: two, big-endian).
// Interlaced images are written as the 7 Adam7 passes, each row with filter byte 0.
Bytes png(int width, int height, int color_type, int depth, bool interlaced, const std::vector<std::uint16_t>& samples,
          const Bytes& palette = {}) {
  const int channels = color_type == 2 ? 3 : color_type == 6 ? 4 : color_type == 4 ? 2 : 1;
  auto sample = [&](int x, int y, int c) { return samples[static_cast<std::size_t>((y * width + x) * channels + c)]; };
  Bytes raw;
  auto emit_row = [&](int y, int x0, int dx) {
    raw.push_back(0);  // filter: none
    for (int x = x0; x < width; x += dx)
      for (int c = 0; c < channels; ++c) {
        if (depth == 16) raw.push_back(static_cast<std::uint8_t>(sample(x, y, c) >> 8));
        raw.push_back(static_cast<std::uint8_t>(sample(x, y, c) & 0xFF));
      }
  };
  if (!interlaced) {
    for (int y = 0; y < height; ++y) emit_row(y, 0, 1);
  } else {
    const std::array<std::array<int, 4>, 7> passes = {{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                                       {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}};
    for (const auto& [x0, y0, dx, dy] : passes)
      if (x0 < width)
        for (int y = y0; y < height; y += dy) emit_row(y, x0, dx);
  }
  Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes ihdr;
  put32(ihdr, static_cast<std::uint32_t>(width));
  put32(ihdr, static_cast<std::uint32_t>(height));
  ihdr.insert(ihdr.end(), {static_cast<std::uint8_t>(depth), static_cast<std::uint8_t>(color_type), 0, 0,
                           static_cast<std::uint8_t>(interlaced ? 1 : 0)});
  chunk(out, "IHDR", ihdr);
  if (!palette.empty()) chunk(out, "PLTE", palette);
  chunk(out, "IDAT", zlib_stored(raw));
  chunk(out, "IEND", {});
  return out;
}

std::vector<std::uint16_t> samples_of(int height, int width, int channels, int max) {
  std::vector<std::uint16_t> s(static_cast<std::size_t>(height * width * channels));
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint16_t>((i * 37) % static_cast<std::size_t>(max + 1));
  return s;
}

// ---- safetensors ------------------------------------------------------------------------

Bytes safetensors(const std::string& header, const Bytes& data) {
  Bytes out;
  const auto n = static_cast<std::uint64_t>(header.size());
  for (int s = 0; s < 64; s += 8) out.push_back(static_cast<std::uint8_t>(n >> s));  // little-endian length
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR\n");
    return 2;
  }
  try {
    const fs::path images = fs::path(argv[1]) / "fuzz_image", tensors = fs::path(argv[1]) / "fuzz_safetensors";
    fs::create_directories(images);
    fs::create_directories(tensors);

    write(images / "baseline_420.jpg", linattn::encode_jpeg(pattern(8, 16, 3), 90));  // quality ≤ 90: 4:2:0
    write(images / "baseline_444.jpg", linattn::encode_jpeg(pattern(8, 8, 3), 95));   // quality > 90: 4:4:4
    write(images / "gray.jpg", linattn::encode_jpeg(pattern(9, 9, 1), 90));
    write(images / "undefined_huffman_table.jpg", linattn::hostile::jpeg_with_undefined_huffman_tables());
    write(images / "rgb.png", linattn::encode_png(pattern(4, 5, 3)));
    write(images / "rgba.png", linattn::encode_png(pattern(3, 3, 4)));
    write(images / "gray.png", png(5, 4, 0, 8, false, samples_of(4, 5, 1, 255)));
    write(images / "gray16.png", png(3, 3, 0, 16, false, samples_of(3, 3, 1, 65535)));
    write(images / "gray_alpha.png", png(3, 2, 4, 8, false, samples_of(2, 3, 2, 255)));
    write(images / "palette.png", png(4, 4, 3, 8, false, samples_of(4, 4, 1, 3), {255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9}));
    write(images / "interlaced.png", png(9, 9, 2, 8, true, samples_of(9, 9, 3, 255)));

    Bytes f32(16);
    for (std::size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<std::uint8_t>(i * 11);
    write(tensors / "f32.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", f32));
    write(tensors / "empty_tensor.safetensors",
          safetensors(R"({"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}})",
                      Bytes(8, 0)));
    write(tensors / "metadata_only.safetensors", safetensors(R"({"__metadata__":{"format":"pt"}})", {}));
    write(tensors / "mixed.safetensors",
          safetensors(R"({"a.weight":{"dtype":"F64","shape":[2,2],"data_offsets":[0,32]},"b":{"dtype":"I64","shape":[3],)"
                      R"("data_offsets":[32,56]},"__metadata__":{"format":"pt","note":"seed"}})",
                      Bytes(56, 1)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
