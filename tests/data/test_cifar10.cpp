// tests/data/test_cifar10.cpp — CIFAR-10 from generated fixtures: image folders (labels by the
// canonical class order, files by name, class-balanced subsets), binary batches (exact pixels
// and labels, CHW → HWC), format detection and override, the errors for missing or broken
// data, data-root resolution (a named root never falls through); and a cheap look at the real
// dataset when $LINATTN_DATA holds it.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>

#include "data/cifar10.h"
#include "data/data_root.h"
#include "fixtures.h"

using namespace linattn;
using linattn::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write_binary_batches(const fs::path& dir, int records_per_file) {
  fs::create_directories(dir);
  for (int b = 1; b <= 5; ++b) {
    std::vector<std::uint8_t> bytes;
    for (int r = 0; r < records_per_file; ++r)
      testing::append_cifar_record(bytes, static_cast<std::uint8_t>((b * 3 + r) % 10), 1000 * b + r);
    testing::write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"), bytes);
  }
  std::vector<std::uint8_t> test;
  for (int r = 0; r < 10; ++r) testing::append_cifar_record(test, static_cast<std::uint8_t>(9 - r), 7000 + r);
  testing::write_bytes(dir / "test_batch.bin", test);
}

}  // namespace

TEST_CASE("CIFAR-10 image folders: labels follow the canonical class order") {
  TempDir tmp;
  testing::write_cifar_folders(tmp.path() / "cifar10", "train", 2);
  Cifar10 ds({.root = tmp.str(), .split = "train", .num_threads = 2});
  CHECK(ds.location().format == CifarFormat::Folders);
  CHECK(ds.location().dir == (tmp.path() / "cifar10").string());
  REQUIRE(ds.size() == 20);
  CHECK(ds.num_classes() == 10);
  CHECK(ds.class_names()[1] == "automobile");
  CHECK(ds.pixels().size() == 20u * 32 * 32 * 3);
  for (std::int64_t i = 0; i < 20; ++i) {
    Sample s = ds.get(i);
    CHECK(s.label == i / 2);  // class-major, two per class
    Image expected = testing::pattern_image(32, 32, static_cast<int>(100 * (i / 2) + i % 2));
    CHECK(std::equal(expected.pixels.begin(), expected.pixels.end(), s.image.pixels));
  }
  CHECK_THROWS_WITH_AS(ds.get(20), doctest::Contains("out of range"), Error);
}

TEST_CASE("CIFAR-10 folders: files sorted by name, only images, balanced subset") {
  TempDir tmp;
  testing::write_cifar_folders(tmp.path(), "test", 2);  // root is the dataset folder itself
  auto cat = tmp.path() / "test" / "cat";
  write_png((cat / "a.png").string(), testing::pattern_image(32, 32, 555));
  testing::write_bytes(cat / "notes.txt", {'x'});
  auto files = list_cifar10_folder_files(tmp.str(), "test");
  REQUIRE(files.size() == 21);
  CHECK(fs::path(files[6].first).filename() == "0.png");
  CHECK(fs::path(files[8].first).filename() == "a.png");
  CHECK(files[8].second == 3);

  Cifar10 sub({.root = tmp.str(), .split = "test", .subset = 13});
  REQUIRE(sub.size() == 13);
  std::vector<int> per_class(10, 0);
  for (auto y : sub.labels()) ++per_class[static_cast<std::size_t>(y)];
  CHECK(per_class == std::vector<int>{2, 2, 2, 1, 1, 1, 1, 1, 1, 1});
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str(), .split = "test", .subset = 40}),
                       doctest::Contains("subset of 40"), Error);
}

TEST_CASE("CIFAR-10 folders: a missing or misspelt class folder and a bad image are errors") {
  TempDir tmp;
  testing::write_cifar_folders(tmp.path(), "train", 1);
  fs::create_directories(tmp.path() / "train" / "airplanes");
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str()}), doctest::Contains("unexpected folder"), Error);
  fs::remove_all(tmp.path() / "train" / "airplanes");
  fs::remove_all(tmp.path() / "train" / "frog");
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str()}), doctest::Contains("frog' is missing"), Error);
  testing::write_cifar_folders(tmp.path(), "train", 1);
  std::string wrong = (tmp.path() / "train" / "dog" / "1.png").string();
  write_png(wrong, testing::pattern_image(16, 32, 0));
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str()}), doctest::Contains((wrong + "' is 16x32").c_str()), Error);
  testing::write_bytes(wrong, {1, 2, 3});
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str()}), doctest::Contains(("cannot decode image '" + wrong).c_str()), Error);
}

TEST_CASE("CIFAR-10 binary batches: exact pixels and labels") {
  TempDir tmp;
  auto dir = tmp.path() / "cifar-10-batches-bin";
  write_binary_batches(dir, 3);
  Cifar10 train({.root = tmp.str(), .split = "train"});
  CHECK(train.location().format == CifarFormat::Binary);
  CHECK(train.location().dir == dir.string());
  REQUIRE(train.size() == 15);
  for (int b = 1; b <= 5; ++b)
    for (int r = 0; r < 3; ++r) {
      Sample s = train.get((b - 1) * 3 + r);
      CHECK(s.label == (b * 3 + r) % 10);
      Image expected = testing::pattern_image(32, 32, 1000 * b + r);
      CHECK(std::equal(expected.pixels.begin(), expected.pixels.end(), s.image.pixels));
    }
  Cifar10 test({.root = dir.string(), .split = "test"});
  REQUIRE(test.size() == 10);
  CHECK(test.get(0).label == 9);
  CHECK(test.get(0).image.at(31, 30, 2) == testing::pattern_image(32, 32, 7000).at(31, 30, 2));

  Cifar10 sub({.root = tmp.str(), .split = "test", .subset = 4});
  CHECK(sub.labels() == std::vector<std::int64_t>{3, 2, 1, 0});  // one each of classes 0..3, in record order
}

TEST_CASE("CIFAR-10 binary batches: truncated files, bad labels and missing batches are errors") {
  TempDir tmp;
  write_binary_batches(tmp.path(), 1);
  testing::write_bytes(tmp.path() / "data_batch_3.bin", std::vector<std::uint8_t>(3000, 0));
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str()}), doctest::Contains("data_batch_3.bin' has 3000 bytes"), Error);
  std::vector<std::uint8_t> bad;
  testing::append_cifar_record(bad, 0, 0);
  bad[0] = 12;
  testing::write_bytes(tmp.path() / "data_batch_3.bin", bad);
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str()}), doctest::Contains("label 12"), Error);
  fs::remove(tmp.path() / "data_batch_3.bin");
  fs::remove(tmp.path() / "data_batch_5.bin");
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str()}), doctest::Contains("missing in"), Error);
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str()}), doctest::Contains("data_batch_3.bin data_batch_5.bin"), Error);
}

TEST_CASE("CIFAR-10 format: auto prefers folders, an explicit format overrides, a missing dataset says where it looked") {
  TempDir tmp;
  testing::write_cifar_folders(tmp.path() / "cifar10", "test", 1);
  write_binary_batches(tmp.path() / "cifar10", 1);
  CHECK(find_cifar10(tmp.str(), "test", CifarFormat::Auto).format == CifarFormat::Folders);
  CHECK(find_cifar10(tmp.str(), "test", parse_cifar_format("binary")).format == CifarFormat::Binary);
  CHECK(Cifar10({.root = tmp.str(), .split = "test", .format = CifarFormat::Binary}).size() == 10);
  CHECK_THROWS_WITH_AS(parse_cifar_format("tfrecord"), doctest::Contains("auto, folders or binary"), Error);
  CHECK_THROWS_WITH_AS(Cifar10({.root = tmp.str(), .split = "val"}), doctest::Contains("unknown split 'val'"), Error);

  TempDir empty;
  try {
    Cifar10 ds({.root = empty.str()});
    FAIL("expected an error");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK(msg.find((empty.path() / "cifar10" / "train").string()) != std::string::npos);
    CHECK(msg.find("data_batch_1.bin") != std::string::npos);
    CHECK(msg.find("cifar-10-binary.tar.gz") != std::string::npos);
  }
  CHECK_THROWS_WITH_AS(find_cifar10(empty.str(), "train", CifarFormat::Folders),
                       doctest::Contains("format folders"), Error);
}

namespace {

// Runs `body` with the current directory `cwd` and $LINATTN_DATA = `env` (nullptr: unset), then
// restores both.
template <class Body>
void with_cwd_and_env(const fs::path& cwd, const char* env, Body body) {
  const fs::path old_cwd = fs::current_path();
  const char* old_env = std::getenv("LINATTN_DATA");
  const std::string saved = old_env ? old_env : "";
  fs::current_path(cwd);
  if (env) ::setenv("LINATTN_DATA", env, 1);
  else ::unsetenv("LINATTN_DATA");
  try {
    body();
  } catch (...) {
    fs::current_path(old_cwd);
    if (old_env) ::setenv("LINATTN_DATA", saved.c_str(), 1);
    else ::unsetenv("LINATTN_DATA");
    throw;
  }
  fs::current_path(old_cwd);
  if (old_env) ::setenv("LINATTN_DATA", saved.c_str(), 1);
  else ::unsetenv("LINATTN_DATA");
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("resolve_data_root: --data-root, else LINATTN_DATA, else ./data; a named root never falls through") {
  TempDir tmp;
  fs::create_directories(tmp.path() / "env" / "cifar10");
  fs::create_directories(tmp.path() / "work" / "data");  // a source folder data/ without datasets
  fs::create_directories(tmp.path() / "full" / "data" / "cifar10");
  const std::string env = tmp.str("env"), nowhere = tmp.str("nowhere");

  // --data-root (or data.root) wins over $LINATTN_DATA and must exist.
  with_cwd_and_env(tmp.path() / "full", env.c_str(), [&] {
    CHECK(resolve_data_root(tmp.str("work")) == tmp.str("work"));
    CHECK(find_data_root(tmp.str("work"), "cifar10").source == "--data-root");  // may be the dataset folder
    std::string err = error_of([&] { resolve_data_root(nowhere, "cifar10"); });
    CHECK(err.find(nowhere) != std::string::npos);
    CHECK(err.find("(from --data-root) does not exist") != std::string::npos);
    err = error_of([&] { resolve_data_root(nowhere, "cifar10", "data.root"); });
    CHECK(err.find("(from data.root)") != std::string::npos);
  });

  // $LINATTN_DATA is used when set; when it does not exist that is an error, even though
  // ./data/cifar10 exists here.
  with_cwd_and_env(tmp.path() / "full", env.c_str(), [&] {
    CHECK(resolve_data_root("", "cifar10") == env);
    CHECK(find_data_root("", "cifar10").source == "$LINATTN_DATA");
  });
  with_cwd_and_env(tmp.path() / "full", nowhere.c_str(), [&] {
    CHECK(data_root_candidates("").size() == 1);
    const std::string err = error_of([&] { resolve_data_root("", "cifar10"); });
    CHECK(err.find(nowhere + " (from $LINATTN_DATA) does not exist") != std::string::npos);
    CHECK(err.find("scripts/get_data cifar10") != std::string::npos);
  });

  // Neither: ./data, which must hold the dataset folder; nothing outside the current directory.
  with_cwd_and_env(tmp.path() / "full", nullptr, [&] {
    CHECK(data_root_candidates("").size() == 1);
    CHECK(resolve_data_root("", "cifar10") == "./data");
    CHECK(find_data_root("", "cifar10").source == "default");
  });
  with_cwd_and_env(tmp.path() / "work", nullptr, [&] {
    CHECK(resolve_data_root("") == "./data");
    const std::string err = error_of([&] { resolve_data_root("", "cifar10"); });
    CHECK(err.find("neither --data-root nor LINATTN_DATA is set") != std::string::npos);
    CHECK(err.find("./data") != std::string::npos);
    CHECK(err.find("has no 'cifar10' folder") != std::string::npos);
  });
  with_cwd_and_env(tmp.path(), nullptr, [&] {
    const std::string err = error_of([&] { resolve_data_root("", "cifar10"); });
    CHECK(err.find("./data (current directory") != std::string::npos);
    CHECK(err.find("does not exist") != std::string::npos);
  });
}

// The real dataset, found only through $LINATTN_DATA (CI sets it; `scripts/get_data cifar10`
// prints the value to use). Either layout: image folders or the official binary batches.
TEST_CASE("the real CIFAR-10 (if $LINATTN_DATA holds it): 50000/10000 images, canonical labels, a few decoded") {
  const char* env = std::getenv("LINATTN_DATA");
  std::string root = env ? env : "";
  Cifar10Location loc;
  try {
    if (!root.empty()) loc = find_cifar10(root, "train", CifarFormat::Auto);
  } catch (const Error&) {
    root.clear();
  }
  if (root.empty()) {
    std::cout << "SKIP: $LINATTN_DATA is not set or holds no CIFAR-10\n";
    return;
  }
  if (loc.format == CifarFormat::Binary) {
    for (int b = 1; b <= 5; ++b)
      CHECK(fs::file_size(fs::path(loc.dir) / ("data_batch_" + std::to_string(b) + ".bin")) == 10000u * 3073u);
    CHECK(fs::file_size(fs::path(loc.dir) / "test_batch.bin") == 10000u * 3073u);
    Cifar10 few({.root = root, .split = "test", .subset = 20});
    REQUIRE(few.size() == 20);
    std::vector<int> per_class(10, 0);  // class-balanced, in record order: 2 of each class
    for (std::int64_t i = 0; i < 20; ++i) ++per_class[static_cast<std::size_t>(few.get(i).label)];
    CHECK(per_class == std::vector<int>(10, 2));
    return;
  }
  REQUIRE(loc.format == CifarFormat::Folders);
  auto train = list_cifar10_folder_files(loc.dir, "train");
  auto test = list_cifar10_folder_files(loc.dir, "test");
  CHECK(train.size() == 50000);
  CHECK(test.size() == 10000);
  CHECK(fs::path(train.front().first).parent_path().filename() == "airplane");
  CHECK(train.front().second == 0);
  CHECK(train[5000].second == 1);
  CHECK(train.back().second == 9);
  CHECK(fs::path(train.back().first).parent_path().filename() == "truck");

  Cifar10 few({.root = root, .split = "test", .subset = 20});  // decodes 2 per class only
  REQUIRE(few.size() == 20);
  CHECK(few.get(0).label == 0);
  CHECK(few.get(19).label == 9);
  long sum = 0;
  for (auto v : few.pixels()) sum += v;
  CHECK(sum > 0);
}
