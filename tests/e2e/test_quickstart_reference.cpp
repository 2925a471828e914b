// tests/e2e/test_quickstart_reference.cpp — the README's default model trains exactly as it did
// before the framework was reshaped: `linattn train configs/quickstart.yaml`, shortened to two
// epochs over 1,024 training and 512 test images, must give bit-identical losses, accuracies and
// learning rates to tests/e2e/quickstart_reference.jsonl, which the program at commit 49baa29
// (before the task/model/batch seams) wrote with the same command, seed and thread count.
// Every float32 GEMM kernel (AVX2 or AVX-512) accumulates in the same order, so the figures do
// not depend on which the CPU runs. Skips (exit 77) without CIFAR-10 under $LINATTN_DATA.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/cifar10.h"
#include "support/reference.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

std::vector<nlohmann::json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

}  // namespace

TEST_CASE("e2e: the quickstart gives the recorded losses and accuracies, bit for bit") {
  const char* data = std::getenv("LINATTN_DATA");
  bool has_cifar = data && *data;
  if (has_cifar) try {
      find_cifar10(data, "train", CifarFormat::Auto);
    } catch (const Error&) {
      has_cifar = false;
    }
  if (!has_cifar) testing::skip_test("$LINATTN_DATA is not set or holds no CIFAR-10");

  const fs::path run = fs::temp_directory_path() / ("linattn_quickstart_" + std::to_string(::getpid()));
  fs::remove_all(run);
  const std::string command = std::string(LINATTN_EXE) + " train " + LINATTN_SOURCE_DIR +
                              "/configs/quickstart.yaml --set train.epochs=2 --set data.train_subset=1024"
                              " --set data.test_subset=512 --run-dir " + run.string() + " > " +
                              (run.string() + ".log") + " 2>&1";
  INFO("command: " << command);
  REQUIRE(std::system(command.c_str()) == 0);

  const auto expected = read_jsonl(fs::path(LINATTN_SOURCE_DIR) / "tests/e2e/quickstart_reference.jsonl");
  const auto actual = read_jsonl(run / "metrics.jsonl");
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    for (const auto& [key, value] : expected[i].items()) {
      CAPTURE(i);
      CAPTURE(key);
      REQUIRE(actual[i].contains(key));
      if (value.is_number_integer())
        CHECK(actual[i][key].get<std::int64_t>() == value.get<std::int64_t>());
      else
        CHECK(actual[i][key].get<double>() == value.get<double>());  // exact: same bits
    }
  fs::remove_all(run);
  fs::remove(run.string() + ".log");
}
