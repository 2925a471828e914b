// tests/e2e/test_detr_overfit.cpp — the detection gate, through the real `linattn` program:
// DETR-lite (tests/e2e/detr_overfit_tiny.yaml) trained for 300 steps on 8 COCO training images
// must find them again — train AP50 ≥ 0.5 (measured 0.75 on 2026-12-02, AMD EPYC, 2 threads:
// the margin covers other CPUs' rounding) — and a collapse onto one box (DETR's known failure)
// cannot pass that. Then `linattn eval` on the run prints the 12 COCO stats and writes the
// detections, and `linattn detect` draws them onto an image. Skips (exit 77) without the COCO
// subset under $LINATTN_DATA.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/reference.h"

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<nlohmann::json> read_jsonl(const fs::path& path) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// Runs `args` through the shell with stdout+stderr into `log`; returns the exit code.
int run(const std::string& args, const fs::path& log) {
  const std::string command = std::string(LINATTN_EXE) + " " + args + " > " + log.string() + " 2>&1";
  INFO("command: " << command);
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("e2e: DETR-lite overfits 8 COCO training images (train AP50 >= 0.5), then eval and detect") {
  const char* data = std::getenv("LINATTN_DATA");
  if (!data || !*data || !fs::exists(fs::path(data) / "coco-subset/annotations/instances_train.json"))
    linattn::testing::skip_test("$LINATTN_DATA is not set or holds no coco-subset/");

  const fs::path run_dir = fs::temp_directory_path() / ("linattn_detr_overfit_" + std::to_string(::getpid()));
  fs::remove_all(run_dir);
  const fs::path log = run_dir.string() + ".log";
  REQUIRE_MESSAGE(run(std::string("train ") + LINATTN_SOURCE_DIR + "/tests/e2e/detr_overfit_tiny.yaml --run-dir " +
                          run_dir.string(), log) == 0,
                  read_text(log));

  const auto rows = read_jsonl(run_dir / "metrics.jsonl");
  REQUIRE(rows.size() == 300);
  const nlohmann::json& last = rows.back();
  REQUIRE(last.contains("AP50"));
  REQUIRE(last["AP50"].is_number());
  const double ap50 = last["AP50"].get<double>(), ap = last["AP"].get<double>();
  MESSAGE("train AP " << ap << ", AP50 " << ap50 << " after 300 steps");
  CHECK(ap50 >= 0.5);
  CHECK(ap > 0.2);
  // The loss fell: the last epoch's training loss is well below the first's.
  CHECK(last["train_loss"].get<double>() < 0.6 * rows.front()["train_loss"].get<double>());
  CHECK(fs::exists(run_dir / "categories.json"));
  CHECK(read_text(run_dir / "report.html").find("data:image/jpeg;base64,") != std::string::npos);

  // linattn eval: pycocotools' 12 lines, the same AP as the run's last evaluation, detections written.
  const fs::path eval_log = run_dir.string() + ".eval.log";
  REQUIRE_MESSAGE(run("eval " + run_dir.string() + "", eval_log) == 0, read_text(eval_log));
  const std::string printed = read_text(eval_log);
  CHECK(printed.find(" Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]") != std::string::npos);
  CHECK(printed.find(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]") != std::string::npos);
  const fs::path detections = run_dir / "detections_train.json";
  REQUIRE(fs::exists(detections));
  const auto results = nlohmann::json::parse(read_text(detections));
  REQUIRE(results.is_array());
  CHECK(results.size() > 0);
  CHECK(results.size() <= 8 * 100);  // detection.max_detections per image

  // linattn detect on the first training image.
  const fs::path image = fs::path(data) / "coco-subset/train/000000000009.jpg";
  const fs::path out = run_dir / "detect";
  const fs::path detect_log = run_dir.string() + ".detect.log";
  REQUIRE_MESSAGE(run("detect " + run_dir.string() + " " + image.string() + " --out " + out.string(), detect_log) == 0,
                  read_text(detect_log));
  CHECK(fs::exists(out / "000000000009.json"));

  fs::remove_all(run_dir);
  fs::remove(log);
  fs::remove(eval_log);
  fs::remove(detect_log);
}
