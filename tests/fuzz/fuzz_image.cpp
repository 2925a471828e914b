// tests/fuzz/fuzz_image.cpp — libFuzzer target for image decoding (data/image.h: stb_image's
// JPEG and PNG decoders behind decode_image).
//
// Expected: an RGB Image, or a linattn::Error with stb_image's reason. Anything else (a crash, a
// sanitizer report, an exception of another type, a huge allocation, a hang) is a finding. A
// decoded image must satisfy Image's invariants (channels 3, pixels = H·W·3, H and W positive).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "data/image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  linattn::Image img;
  try {
    img = linattn::decode_image(data, size, "fuzz input");
  } catch (const linattn::Error&) {
    return 0;  // undecodable data: expected
  }
  if (img.channels != 3 || img.height <= 0 || img.width <= 0 ||
      img.pixels.size() != static_cast<std::size_t>(img.height) * img.width * 3) {
    std::fprintf(stderr, "fuzz_image: decoded image breaks Image's invariants (%d x %d x %d, %zu bytes)\n",
                 img.height, img.width, img.channels, img.pixels.size());
    std::abort();
  }
  return 0;
}
