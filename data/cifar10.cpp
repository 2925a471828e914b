// data/cifar10.cpp — see cifar10.h. Folder layout: list, take the subset, decode in parallel
// (std::thread, each thread a strided share of the files) straight into the cache. Binary
// layout: read each batch file, take the subset, transpose CHW planes to HWC.
#include "data/cifar10.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <filesystem>
#include <set>
#include <thread>

#include "core/error.h"

namespace linattn {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kRecordBytes = 1 + Cifar10::kImageBytes;

const char* kHowToGet =
    "\n---> HINT: run `bash scripts/get_data cifar10` (downloads the official binary version into "
    "./data/cifar10), or get CIFAR-10 either as image folders DIR/cifar10/{train,test}/<class>/*.jpg "
    "(classes airplane … truck) or as the official binary version: download "
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz and extract it into DIR "
    "(giving DIR/cifar-10-batches-bin/data_batch_1.bin …); then pass --data-root DIR or set LINATTN_DATA=DIR";

std::vector<std::string> binary_files(const std::string& split) {
  if (split == "test") return {"test_batch.bin"};
  return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
}

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

bool has_folders(const fs::path& dir, const std::string& split) {
  std::error_code ec;
  return fs::is_directory(dir / split, ec);
}

bool has_binary(const fs::path& dir, const std::string& split) {
  std::error_code ec;
  return fs::is_regular_file(dir / binary_files(split).front(), ec);
}

void check_split(const std::string& split) {
  LINATTN_CHECK(split == "train" || split == "test", "CIFAR-10: unknown split '", split,
                "'; expected train or test");
}

// Per-class quotas of a class-balanced subset of k images (k = 0: no limit).
std::vector<std::int64_t> subset_quotas(std::int64_t k) {
  std::vector<std::int64_t> q(Cifar10::kNumClasses, INT64_MAX);
  if (k <= 0) return q;
  for (int c = 0; c < Cifar10::kNumClasses; ++c) q[static_cast<std::size_t>(c)] = k / 10 + (c < k % 10 ? 1 : 0);
  return q;
}

}  // namespace

CifarFormat parse_cifar_format(const std::string& name) {
  if (name == "auto") return CifarFormat::Auto;
  if (name == "folders") return CifarFormat::Folders;
  if (name == "binary") return CifarFormat::Binary;
  fail(str_cat("unknown CIFAR-10 format '", name, "'; expected auto, folders or binary"));
}

const char* cifar_format_name(CifarFormat format) {
  switch (format) {
    case CifarFormat::Auto: return "auto";
    case CifarFormat::Folders: return "folders";
    case CifarFormat::Binary: return "binary";
  }
  return "?";
}

const std::vector<std::string>& Cifar10::canonical_classes() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird", "cat", "deer",
                                                 "dog", "frog", "horse", "ship", "truck"};
  return names;
}

Cifar10Location find_cifar10(const std::string& root, const std::string& split, CifarFormat format) {
  check_split(split);
  LINATTN_CHECK(!root.empty(), "CIFAR-10: no data root given", kHowToGet);
  fs::path r(root);
  std::vector<fs::path> dirs = {r, r / "cifar10", r / "cifar-10-batches-bin", r / "cifar10" / "cifar-10-batches-bin"};
  std::string looked;
  for (const auto& d : dirs) {
    if (format != CifarFormat::Binary) {
      if (has_folders(d, split)) return {d.string(), CifarFormat::Folders};
      looked += str_cat("\n  ", (d / split).string(), "/<class>/*.jpg (image folders): not found");
    }
    if (format != CifarFormat::Folders) {
      if (has_binary(d, split)) return {d.string(), CifarFormat::Binary};
      looked += str_cat("\n  ", (d / binary_files(split).front()).string(), " (binary batches): not found");
    }
  }
  fail(str_cat("CIFAR-10 ", split, " split not found (format ", cifar_format_name(format), "); looked for:",
               looked, kHowToGet));
}

std::vector<std::pair<std::string, std::int64_t>> list_cifar10_folder_files(const std::string& dir,
                                                                             const std::string& split) {
  check_split(split);
  const auto& classes = Cifar10::canonical_classes();
  fs::path split_dir = fs::path(dir) / split;
  std::error_code ec;
  LINATTN_CHECK(fs::is_directory(split_dir, ec), "CIFAR-10: '", split_dir.string(), "' is not a directory", kHowToGet);
  // Every subfolder must be a known class: a misspelt folder would otherwise be silently dropped.
  std::set<std::string> known(classes.begin(), classes.end());
  for (const auto& entry : fs::directory_iterator(split_dir)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    LINATTN_CHECK(known.count(name) || name.starts_with("."), "CIFAR-10: unexpected folder '",
                  entry.path().string(), "'; class folders must be named ", "airplane, automobile, bird, cat, ",
                  "deer, dog, frog, horse, ship, truck");
  }
  std::vector<std::pair<std::string, std::int64_t>> files;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    fs::path class_dir = split_dir / classes[c];
    LINATTN_CHECK(fs::is_directory(class_dir, ec), "CIFAR-10: class folder '", class_dir.string(),
                  "' is missing (every one of the 10 classes needs a folder)", kHowToGet);
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(class_dir))
      if (entry.is_regular_file() && is_image_file(entry.path())) names.push_back(entry.path().filename().string());
    LINATTN_CHECK(!names.empty(), "CIFAR-10: class folder '", class_dir.string(), "' has no .jpg/.jpeg/.png files");
    std::sort(names.begin(), names.end());
    for (const auto& n : names) files.emplace_back((class_dir / n).string(), static_cast<std::int64_t>(c));
  }
  return files;
}

Cifar10::Cifar10(const Cifar10Options& options) : split_(options.split) {
  check_split(options.split);
  LINATTN_CHECK(options.subset >= 0, "CIFAR-10: subset must be >= 0 (0 = all), got ", options.subset);
  location_ = find_cifar10(options.root, options.split, options.format);
  if (location_.format == CifarFormat::Folders)
    load_folders(options);
  else
    load_binary(options);
  LINATTN_CHECK(options.subset == 0 || size() == options.subset, "CIFAR-10: subset of ", options.subset,
                " requested but the ", split_, " split in '", location_.dir, "' has only ", size(),
                " images (or too few of some class for a class-balanced subset)");
}

Sample Cifar10::get(std::int64_t index) const {
  LINATTN_CHECK(index >= 0 && index < size(), "CIFAR-10 ", split_, ": index ", index, " out of range [0, ", size(), ")");
  Sample s;
  s.image = {pixels_.data() + static_cast<std::size_t>(index) * kImageBytes, kHeight, kWidth, kChannels};
  s.label = labels_[static_cast<std::size_t>(index)];
  return s;
}

void Cifar10::load_folders(const Cifar10Options& options) {
  auto all = list_cifar10_folder_files(location_.dir, split_);
  std::vector<std::int64_t> quota = subset_quotas(options.subset), taken(kNumClasses, 0);
  std::vector<std::pair<std::string, std::int64_t>> files;
  for (auto& f : all)
    if (taken[static_cast<std::size_t>(f.second)]++ < quota[static_cast<std::size_t>(f.second)]) files.push_back(std::move(f));

  const std::size_t n = files.size();
  pixels_.assign(n * kImageBytes, 0);
  labels_.resize(n);
  int threads = options.num_threads > 0 ? options.num_threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = static_cast<int>(std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1, std::max<std::size_t>(n, 1)));

  // Each thread decodes files t, t + T, …; the first failure (lowest index) is rethrown.
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::vector<std::size_t> error_index(static_cast<std::size_t>(threads), SIZE_MAX);
  std::atomic<bool> failed{false};
  auto work = [&](std::size_t t) {
    for (std::size_t i = t; i < n && !failed.load(std::memory_order_relaxed); i += static_cast<std::size_t>(threads)) {
      try {
        Image img = load_image(files[i].first);
        LINATTN_CHECK(img.height == kHeight && img.width == kWidth, "CIFAR-10: image '", files[i].first, "' is ",
                      img.height, "x", img.width, ", expected 32x32");
        std::memcpy(pixels_.data() + i * kImageBytes, img.pixels.data(), kImageBytes);
        labels_[i] = files[i].second;
      } catch (...) {
        errors[t] = std::current_exception();
        error_index[t] = i;
        failed = true;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, static_cast<std::size_t>(t));
  work(0);
  for (auto& th : pool) th.join();
  auto first = std::min_element(error_index.begin(), error_index.end());
  if (*first != SIZE_MAX) std::rethrow_exception(errors[static_cast<std::size_t>(first - error_index.begin())]);
}

void Cifar10::load_binary(const Cifar10Options& options) {
  std::vector<std::int64_t> quota = subset_quotas(options.subset), taken(kNumClasses, 0);
  std::vector<std::string> missing;
  for (const auto& name : binary_files(split_))
    if (!fs::is_regular_file(fs::path(location_.dir) / name)) missing.push_back(name);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += " " + m;
    fail(str_cat("CIFAR-10: binary batches missing in '", location_.dir, "':", list,
                 " (a partial download or extraction?)", kHowToGet));
  }
  for (const auto& name : binary_files(split_)) {
    std::string path = (fs::path(location_.dir) / name).string();
    std::vector<std::uint8_t> bytes = read_file_bytes(path);
    LINATTN_CHECK(!bytes.empty() && bytes.size() % kRecordBytes == 0, "CIFAR-10: '", path, "' has ", bytes.size(),
                  " bytes, not a positive multiple of the 3073-byte record (1 label + 3072 pixels); is it truncated?");
    const std::size_t records = bytes.size() / kRecordBytes;
    for (std::size_t r = 0; r < records; ++r) {
      const std::uint8_t* rec = bytes.data() + r * kRecordBytes;
      LINATTN_CHECK(rec[0] < kNumClasses, "CIFAR-10: '", path, "' record ", r, " has label ", int(rec[0]),
                    ", expected 0..9; is this really a CIFAR-10 (not CIFAR-100) batch?");
      if (taken[rec[0]]++ >= quota[rec[0]]) continue;
      std::size_t at = pixels_.size();
      pixels_.resize(at + kImageBytes);
      // CHW planes (R, G, B) -> HWC.
      const std::uint8_t* planes = rec + 1;
      std::uint8_t* dst = pixels_.data() + at;
      for (std::size_t p = 0; p < 32 * 32; ++p)
        for (std::size_t c = 0; c < 3; ++c) dst[p * 3 + c] = planes[c * 1024 + p];
      labels_.push_back(rec[0]);
    }
  }
}

}  // namespace linattn
