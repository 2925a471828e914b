// tests/core/test_safetensors.cpp — safetensors round trips (every dtype, 0-d and empty tensors,
// metadata, atomic writes) and one test per malformed-file error; the bad files are written here.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "core/ops.h"
#include "core/safetensors.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

// A fresh folder per test under the system temp dir, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("linattn_safetensors_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Writes raw bytes: the 8-byte little-endian length of `header`, `header`, then `data_bytes` zeros.
std::string write_raw(const TempDir& dir, const std::string& header, std::size_t data_bytes,
                      std::uint64_t declared_len = UINT64_MAX) {
  std::string path = dir.file("bad.safetensors");
  std::ofstream out(path, std::ios::binary);
  std::uint64_t n = declared_len == UINT64_MAX ? header.size() : declared_len;
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << header << std::string(data_bytes, '\0');
  return path;
}

void check_load_error(const std::string& path, const std::string& fragment) {
  CAPTURE(fragment);
  try {
    load_safetensors(path);
    FAIL("load_safetensors accepted a malformed file");
  } catch (const Error& e) {
    std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find(path) != std::string::npos);
    CHECK(what.find(fragment) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("safetensors round trip: f32, f64, i64, 0-d and empty tensors, metadata") {
  TempDir dir;
  Tensor a = from_values({1.5, -2.25, 3e-8, 4e7, 5, 6}, {2, 3});
  Tensor b = from_values({1.0 / 3.0, -1e-300, 2.5}, {3}, {.dtype = DType::F64});
  Tensor c = from_values({-7, 0, 1234567890123.0}, {3, 1}, {.dtype = DType::I64});
  Tensor d = scalar(42.5, {.dtype = DType::F64});
  Tensor e = zeros({0, 4});
  Tensor f = zeros({2, 0, 3}, {.dtype = DType::I64});
  std::string path = dir.file("x.safetensors");
  save_safetensors(path, {{"w.a", a}, {"b", b}, {"c", c}, {"scalar", d}, {"empty", e}, {"empty3", f}},
                   {{"format", "pt"}, {"note", "hello"}});
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK(fs::file_size(path) % 8 == 0);  // header padded so the data is aligned

  SafetensorsFile loaded = load_safetensors(path);
  REQUIRE(loaded.tensors.size() == 6);
  std::vector<std::string> names;
  for (const auto& [n, t] : loaded.tensors) names.push_back(n);
  CHECK(names == std::vector<std::string>{"w.a", "b", "c", "scalar", "empty", "empty3"});
  CHECK(loaded.metadata == std::map<std::string, std::string>{{"format", "pt"}, {"note", "hello"}});
  CHECK(loaded.at("w.a").dtype() == DType::F32);
  CHECK(loaded.at("w.a").shape() == Shape{2, 3});
  CHECK(loaded.at("w.a").to_vector<float>() == a.to_vector<float>());
  CHECK(loaded.at("b").to_vector<double>() == b.to_vector<double>());
  CHECK(loaded.at("c").to_vector<std::int64_t>() == std::vector<std::int64_t>{-7, 0, 1234567890123});
  CHECK(loaded.at("scalar").dim() == 0);
  CHECK(loaded.at("scalar").item() == 42.5);
  CHECK(loaded.at("empty").shape() == Shape{0, 4});
  CHECK(loaded.at("empty3").shape() == Shape{2, 0, 3});
  CHECK(loaded.at("empty3").dtype() == DType::I64);
  CHECK(loaded.contains("b"));
  CHECK_FALSE(loaded.contains("nope"));
  CHECK_THROWS_WITH_AS(loaded.at("nope"), doctest::Contains("no tensor named 'nope'"), Error);
}

TEST_CASE("safetensors: saving replaces an existing file, and an empty file list is valid") {
  TempDir dir;
  std::string path = dir.file("y.safetensors");
  save_safetensors(path, {{"x", ones({3})}});
  save_safetensors(path, {{"x", full({2}, 7.0)}});
  CHECK(load_safetensors(path).at("x").to_vector<float>() == std::vector<float>{7, 7});
  save_safetensors(path, {});
  CHECK(load_safetensors(path).tensors.empty());
}

TEST_CASE("safetensors: saving a tensor that requires grad records nothing and keeps its values") {
  TempDir dir;
  Tensor w = from_values({1, 2}, {2}, {.requires_grad = true});
  std::string path = dir.file("w.safetensors");
  save_safetensors(path, {{"w", mul(w, 2.0)}});
  CHECK(load_safetensors(path).at("w").to_vector<float>() == std::vector<float>{2, 4});
}

TEST_CASE("safetensors: save refuses duplicate, empty and reserved names, and bad folders") {
  TempDir dir;
  std::string path = dir.file("z.safetensors");
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"a", ones({1})}, {"a", ones({1})}}),
                       doctest::Contains("'a' appears twice"), Error);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"", ones({1})}}), doctest::Contains("empty name"), Error);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"__metadata__", ones({1})}}), doctest::Contains("reserved"), Error);
  CHECK_THROWS_WITH_AS(save_safetensors(dir.file("no/such/dir/f.safetensors"), {{"a", ones({1})}}),
                       doctest::Contains("cannot create"), Error);
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("safetensors error: missing file") {
  TempDir dir;
  check_load_error(dir.file("missing.safetensors"), "does not exist");
}

TEST_CASE("safetensors error: file shorter than 8 bytes") {
  TempDir dir;
  std::string path = dir.file("short.safetensors");
  std::ofstream(path, std::ios::binary) << "abc";
  check_load_error(path, "fewer than the 8-byte header length");
}

TEST_CASE("safetensors error: header length larger than the file") {
  TempDir dir;
  check_load_error(write_raw(dir, "{}", 0, 1000), "header length 1000 is larger than the rest of the file");
}

TEST_CASE("safetensors error: invalid JSON") {
  TempDir dir;
  check_load_error(write_raw(dir, "{\"a\": {\"dtype\": ", 0), "not valid JSON");
}

TEST_CASE("safetensors error: header not an object, entries not objects") {
  TempDir dir;
  check_load_error(write_raw(dir, "[1, 2]", 0), "must be a JSON object");
  check_load_error(write_raw(dir, R"({"a": [1, 2]})", 0), "tensor 'a': expected an object");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [1]}})", 4), "tensor 'a': missing \"data_offsets\"");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})", 4),
                   "unexpected key \"x\"");
  check_load_error(write_raw(dir, R"({"__metadata__": {"k": 3}})", 0), "__metadata__ value of 'k' must be a string");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4),
                   "each shape entry must be a non-negative integer");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4),
                   "data_offsets must be [begin, end]");
}

TEST_CASE("safetensors error: unknown and unsupported dtypes are named") {
  TempDir dir;
  check_load_error(write_raw(dir, R"({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}})", 4),
                   "dtype BF16 is not supported");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}})", 4),
                   "BF16/F16 are unsupported");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 4]}})", 4),
                   "unknown dtype 'Q4'");
}

TEST_CASE("safetensors error: byte count does not match the shape") {
  TempDir dir;
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})", 20),
                   "shape (2, 3) of F32 needs 24 bytes but data_offsets [0, 20] hold 20");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}})", 8),
                   "more bytes than fit in 64 bits");
}

TEST_CASE("safetensors error: overlapping offsets") {
  TempDir dir;
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                     "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12),
                   "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
}

TEST_CASE("safetensors error: offsets out of range or reversed") {
  TempDir dir;
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4),
                   "out of range (the data region has 4 bytes)");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})", 8),
                   "end before they begin");
}

TEST_CASE("safetensors error: data region not fully covered") {
  TempDir dir;
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                     "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})", 12),
                   "data bytes [4, 8) belong to no tensor");
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 16),
                   "data bytes [4, 16) belong to no tensor");
}

TEST_CASE("safetensors error: duplicate names") {
  TempDir dir;
  check_load_error(write_raw(dir, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                     "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8),
                   "tensor name 'a' appears twice");
}
