// tests/data/fixtures.h — fixtures the data tests generate for themselves (no dataset file is
// ever committed): a self-deleting temporary folder, deterministic test images, a CIFAR-10
// folder tree and CIFAR-10 binary batch files.
#pragma once
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/cifar10.h"
#include "data/image_write.h"

namespace linattn::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("linattn_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str(const std::string& rel = "") const { return rel.empty() ? path_.string() : (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

// A deterministic H x W x 3 image whose pixels encode (tag, y, x, c).
inline Image pattern_image(int h, int w, int tag) {
  Image img(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) img.at(y, x, c) = static_cast<std::uint8_t>((tag * 37 + y * 11 + x * 5 + c * 71) % 256);
  return img;
}

// root/<split>/<class>/<i>.png for i < per_class, image = pattern_image(32, 32, 100·label + i).
inline void write_cifar_folders(const std::filesystem::path& root, const std::string& split, int per_class) {
  const auto& classes = Cifar10::canonical_classes();
  for (std::size_t c = 0; c < classes.size(); ++c) {
    auto dir = root / split / classes[c];
    std::filesystem::create_directories(dir);
    for (int i = 0; i < per_class; ++i)
      write_png((dir / (std::to_string(i) + ".png")).string(), pattern_image(32, 32, static_cast<int>(100 * c) + i));
  }
}

// One CIFAR binary record: label byte + R, G, B planes of pattern_image(32, 32, tag).
inline void append_cifar_record(std::vector<std::uint8_t>& out, std::uint8_t label, int tag) {
  Image img = pattern_image(32, 32, tag);
  out.push_back(label);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x) out.push_back(img.at(y, x, c));
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace linattn::testing
