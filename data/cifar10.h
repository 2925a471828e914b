// data/cifar10.h — the CIFAR-10 dataset (60,000 32x32 RGB images, 10 classes), read from either
//   (a) image folders: DIR/{train,test}/<class>/*.{jpg,jpeg,png}, files sorted by name within a
//       class (e.g. a JPEG export of the dataset), or
//   (b) the official binary batches: DIR/data_batch_1..5.bin (train), DIR/test_batch.bin (test),
//       as in cifar-10-binary.tar.gz (`bash scripts/get_data cifar10` downloads and unpacks it);
//       records of 1 label byte + 3072 bytes (R, G, B planes of 32x32, row-major).
// Labels follow the canonical CIFAR-10 order (airplane=0 … truck=9), never alphabetical order.
// Used by the trainer (train/ builds it from the config's data section).
//
// The whole split is decoded once, in parallel, into one contiguous cache of N x 32 x 32 x 3
// uint8 (HWC, ~150 MB for the 50k training images); get(i) returns a view into it, so it is
// cheap and thread-safe.
//
// Subset (Cifar10Options::subset = k > 0): the first k images, class-balanced — class c keeps
// its first k/10 images (+1 for the first k%10 classes), in file order (folders) or record order
// (binary). Deterministic, and every class is represented as soon as k >= 10.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.h"

namespace linattn {

enum class CifarFormat { Auto, Folders, Binary };
CifarFormat parse_cifar_format(const std::string& name);  // auto | folders | binary
const char* cifar_format_name(CifarFormat format);

struct Cifar10Options {
  // The data root (holding cifar10/ or cifar-10-batches-bin/) or the dataset folder itself.
  std::string root;
  std::string split = "train";             // train | test
  CifarFormat format = CifarFormat::Auto;  // Auto: image folders first, then binary batches
  std::int64_t subset = 0;                 // 0: the whole split; k > 0: first k, class-balanced
  int num_threads = 0;                     // decoding threads; 0: hardware concurrency
};

// Where a split was found: the dataset folder and its format (never Auto).
struct Cifar10Location {
  std::string dir;
  CifarFormat format = CifarFormat::Folders;
};
// Looks in root, root/cifar10, root/cifar-10-batches-bin, root/cifar10/cifar-10-batches-bin, for
// the given format (Auto: folders, then binary). Error says where it looked and how to get the data.
Cifar10Location find_cifar10(const std::string& root, const std::string& split, CifarFormat format);

// The image files of a split in folder layout, (path, label), class-major, sorted by name within
// a class. Cheap (no decoding): the tests count the real dataset with it.
std::vector<std::pair<std::string, std::int64_t>> list_cifar10_folder_files(const std::string& dir,
                                                                             const std::string& split);

class Cifar10 : public Dataset {
 public:
  static constexpr int kHeight = 32, kWidth = 32, kChannels = 3, kNumClasses = 10;
  static constexpr std::size_t kImageBytes = 32 * 32 * 3;
  static const std::vector<std::string>& canonical_classes();  // airplane … truck

  explicit Cifar10(const Cifar10Options& options);

  std::int64_t size() const override { return static_cast<std::int64_t>(labels_.size()); }
  Sample get(std::int64_t index) const override;
  const std::vector<std::string>& class_names() const override { return canonical_classes(); }

  const Cifar10Location& location() const { return location_; }
  const std::string& split() const { return split_; }
  const std::vector<std::uint8_t>& pixels() const { return pixels_; }  // N x 32 x 32 x 3
  const std::vector<std::int64_t>& labels() const { return labels_; }  // N

 private:
  void load_folders(const Cifar10Options& options);
  void load_binary(const Cifar10Options& options);

  Cifar10Location location_;
  std::string split_;
  std::vector<std::uint8_t> pixels_;
  std::vector<std::int64_t> labels_;
};

}  // namespace linattn
