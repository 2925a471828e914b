// tests/coco_eval/test_coco_results.cpp — COCO results files (write, read back exactly, and
// every malformed input as an Error naming the file, entry and field) and the printed report:
// pycocotools' 12-line summary character for character, the per-category table, the JSON line.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/error.h"
#include "detection/coco_eval.h"
#include "detection/coco_eval_report.h"

using namespace linattn;
using namespace linattn::detection;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp dir, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("linattn_coco_results_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void check_parse_error(const std::string& text, const std::string& what) {
  INFO("input: " << text);
  CHECK_THROWS_WITH_AS(parse_coco_results(text, "dets.json"), doctest::Contains(what.c_str()), Error);
}

}  // namespace

TEST_CASE("coco_results: write and read back exactly") {
  TempDir dir;
  const std::vector<CocoDetection> dets = {
      {139, 1, {412.8, 157.61, 53.05, 138.01}, 0.9987123456789},
      {139, 62, {0.1 + 0.2, 1e-3, 1.0 / 3, 640}, 0.05},  // digits that need all 17 places
      {285, 23, {0, 0, 1, 1}, 1e-12},
  };
  const std::string path = dir.file("dets.json");
  write_coco_results(path, dets);
  const auto back = read_coco_results(path);
  REQUIRE(back.size() == dets.size());
  for (std::size_t n = 0; n < dets.size(); ++n) {
    CHECK(back[n].image_id == dets[n].image_id);
    CHECK(back[n].category_id == dets[n].category_id);
    CHECK(back[n].bbox == dets[n].bbox);  // bit-exact
    CHECK(back[n].score == dets[n].score);
  }
  // The official format: a list of objects with exactly these keys, in this order.
  std::ifstream in(path);
  const auto j = nlohmann::ordered_json::parse(in);
  REQUIRE(j.is_array());
  std::vector<std::string> keys;
  for (const auto& item : j[0].items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"image_id", "category_id", "bbox", "score"});
  CHECK_FALSE(fs::exists(path + ".tmp"));

  write_coco_results(path, {});
  CHECK(read_coco_results(path).empty());
}

TEST_CASE("coco_results: extra fields are ignored, integral float ids accepted") {
  const auto dets = parse_coco_results(
      R"([{"image_id": 5.0, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 1, "area": 99, "id": 7,
           "segmentation": [[0, 0, 1, 1]]}])",
      "dets.json");
  REQUIRE(dets.size() == 1);
  CHECK(dets[0].image_id == 5);
  CHECK(dets[0].category_id == 3);
  CHECK(dets[0].bbox == std::array<double, 4>{1, 2, 3, 4});
  CHECK(dets[0].score == 1.0);
}

TEST_CASE("coco_results: malformed input names the file, entry and field") {
  check_parse_error("[{\"image_id\": 1,", "dets.json: malformed JSON at byte");
  check_parse_error(R"({"annotations": []})", "dets.json: expected a JSON list of detections");
  check_parse_error(R"([1])", "dets.json: [0]: expected an object, got number");
  const std::string ok = R"({"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1], "score": 0.5})";
  check_parse_error("[" + ok + R"(, {"category_id": 2, "bbox": [0, 0, 1, 1], "score": 0.5}])",
                    "dets.json: [1]: missing field 'image_id'");
  check_parse_error(R"([{"image_id": "a", "category_id": 2, "bbox": [0, 0, 1, 1], "score": 0.5}])",
                    "dets.json: [0].image_id: expected an integer id, got string");
  check_parse_error(R"([{"image_id": 1.5, "category_id": 2, "bbox": [0, 0, 1, 1], "score": 0.5}])",
                    "dets.json: [0].image_id: expected an integer id, got 1.5");
  check_parse_error(R"([{"image_id": 1, "category_id": 2, "bbox": [0, 0, 1], "score": 0.5}])",
                    "dets.json: [0].bbox: expected 4 numbers [x, y, w, h], got [0,0,1]");
  check_parse_error(R"([{"image_id": 1, "category_id": 2, "bbox": [0, null, 1, 1], "score": 0.5}])",
                    "dets.json: [0].bbox[1]: expected a number, got null");
  check_parse_error(R"([{"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1]}])",
                    "dets.json: [0]: missing field 'score'");
  check_parse_error(R"([{"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1], "score": "high"}])",
                    "dets.json: [0].score: expected a number, got string");
  CHECK_THROWS_WITH_AS(read_coco_results("/nonexistent/dets.json"),
                       doctest::Contains("cannot open results file '/nonexistent/dets.json'"), Error);
}

TEST_CASE("coco_results: writing a non-finite score is an error") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(write_coco_results(dir.file("x.json"), {{1, 1, {0, 0, 1, 1}, std::nan("")}}),
                       doctest::Contains("detection 0 (image 1) has a non-finite bbox or score"), Error);
}

TEST_CASE("coco_eval_report: the summary is pycocotools' text") {
  CocoEvalResult r;
  r.stats = {0.5044, 0.6975, 0.5492, 0.3012, 0.5423, 0.6401, 0.3721, 0.5935, 0.6189, 0.4256, 0.6588, -1.0};
  // pycocotools prints ' {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}'.
  const std::string expected =
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.504\n"
      " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.698\n"
      " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.549\n"
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.301\n"
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.542\n"
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.640\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.372\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.594\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.619\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.426\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.659\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000\n";
  CHECK(format_coco_summary(r) == expected);
}

TEST_CASE("coco_eval_report: per-category table and JSON") {
  CocoInstances gt;
  gt.source = "gt";
  gt.images = {{1, "a.jpg", 100, 100}};
  gt.categories = {{1, "person", "human"}, {3, "car", "vehicle"}, {7, "", "thing"}};
  gt.annotations = {{1, 1, 1, {0, 0, 50, 50}, 2500, false}, {2, 1, 7, {0, 0, 10, 10}, 100, false}};
  // person: found exactly (AP ≈ 1); car: no ground truth (n/a, -1); id 7 (no name): missed (0).
  const auto r = coco_evaluate(gt, {{1, 1, {0, 0, 50, 50}, 0.9}});
  const std::string table = format_per_category_ap(r, gt.categories);
  CHECK(table ==
        " category     id      AP\n"
        " person        1   1.000\n"
        " car           3     n/a\n"
        " 7             7   0.000\n"
        " (n/a: no ground truth of that category; left out of the means)\n");
  const auto j = nlohmann::json::parse(coco_eval_json(r, gt.categories));
  REQUIRE(j["stats"].size() == 12);
  for (std::size_t i = 0; i < 12; ++i) CHECK(j["stats"][i].get<double>() == r.stats[i]);
  CHECK(j["per_category"]["person"].get<double>() == r.per_category_ap.at(1));
  CHECK(j["per_category"]["car"].get<double>() == -1.0);
  CHECK(j["per_category"]["7"].get<double>() == 0.0);
  CHECK(coco_stat_names().size() == 12);
}
