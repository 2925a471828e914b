// tests/train/test_cli_cocoeval.cpp — `linattn cocoeval` run as a user would, in a child
// process: the pycocotools summary and the per-category table on a small case worked out by
// hand, --json, and every bad input as one clear message with exit code 2.
#include <doctest/doctest.h>

#include <cfloat>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "detection/coco_eval.h"
#include "fixtures/process.h"
#include "fixtures/tiny.h"

using namespace linattn;

namespace {

// Two images; person on both, dog on image 1, car nowhere (no ground truth).
constexpr const char* kGroundTruth = R"({
  "images": [{"id": 1, "file_name": "a.jpg", "width": 320, "height": 240},
             {"id": 2, "file_name": "b.jpg", "width": 320, "height": 240}],
  "categories": [{"id": 1, "name": "person", "supercategory": "person"},
                 {"id": 2, "name": "dog", "supercategory": "animal"},
                 {"id": 3, "name": "car", "supercategory": "vehicle"}],
  "annotations": [
    {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 50], "area": 2500, "iscrowd": 0},
    {"id": 2, "image_id": 2, "category_id": 1, "bbox": [10, 10, 40, 40], "area": 1600, "iscrowd": 0},
    {"id": 3, "image_id": 1, "category_id": 2, "bbox": [100, 100, 120, 120], "area": 14400, "iscrowd": 0}]
})";

// person: a hit (0.9), a miss on image 2 (0.8), a hit on image 2 (0.7); dog: a hit.
const std::vector<detection::CocoDetection> kDetections = {
    {1, 1, {0, 0, 50, 50}, 0.9}, {2, 1, {200, 200, 30, 30}, 0.8}, {2, 1, {10, 10, 40, 40}, 0.7},
    {1, 2, {100, 100, 120, 120}, 0.6}};

testing::ProcessResult run_cocoeval(const std::vector<std::string>& args, const std::string& cwd) {
  std::vector<std::string> argv = {LINATTN_EXE, "cocoeval"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testing::run_process(argv, cwd, 60.0);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK_FALSE(r.signaled);
  CHECK(r.err.find("terminate called") == std::string::npos);
  return r;
}

void check_user_error(const std::vector<std::string>& args, const std::string& cwd, const std::string& what) {
  auto r = run_cocoeval(args, cwd);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("linattn cocoeval: error: ") != std::string::npos);
  CHECK(r.err.find(what) != std::string::npos);
  CHECK(r.out.empty());
}

}  // namespace

TEST_CASE("cli cocoeval: summary, per-category table and --json") {
  testing::Scratch dir("cocoeval");
  const std::string gt = dir.str("gt.json"), dets = dir.str("dets.json");
  std::ofstream(gt) << kGroundTruth;
  detection::write_coco_results(dets, kDetections);

  // P1 = 1/(1 + eps), eps = np.spacing(1): the precision of a lone true positive.
  // person: TP, FP, TP over 2 boxes → rc [.5, .5, 1], precision [P1, 1/2, 2/3] → envelope
  // [P1, 2/3, 2/3] → AP = (51·P1 + 50·2/3)/101 = 0.83498 at every IoU threshold (all hits are
  // exact). dog: one exact hit → P1 ≈ 1. car: no ground truth → left out. AP = 0.91749.
  // Areas: person's boxes are medium (2500, 1600), dog's large (14400): APs -1 (no small box);
  // medium sees only person, and its false positive (30x30 = 900, small) matched nothing and is
  // out of range, so it is ignored there: TP, TP → APm 1; APl: dog, 1.
  // AR1: person's top detection per image finds image 1's box only → 0.5; dog 1 → 0.75.
  const double p1 = 1.0 / (1.0 + DBL_EPSILON);
  const double person = (51 * p1 + 50 * (2.0 / 3)) / 101;
  auto r = run_cocoeval({gt, dets}, dir.str());
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  for (const char* line : {
           " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.917\n",
           " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.917\n",
           " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.917\n",
           " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000\n",
           " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 1.000\n",
           " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.000\n",
           " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.750\n",
           " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 1.000\n",
           " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000\n",
           " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000\n",
           " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 1.000\n",
           " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.000\n",
           " person        1   0.835\n",
           " dog           2   1.000\n",
           " car           3     n/a\n"}) {
    INFO("missing line: " << line);
    CHECK(r.out.find(line) != std::string::npos);
  }

  auto j = run_cocoeval({gt, dets, "--json"}, dir.str());
  CHECK(j.exit_code == 0);
  const auto doc = nlohmann::json::parse(j.out);
  REQUIRE(doc["stats"].size() == 12);
  CHECK(doc["stats"][0].get<double>() == doctest::Approx((person + p1) / 2).epsilon(1e-14));
  CHECK(doc["stats"][3].get<double>() == -1.0);
  CHECK(doc["stats"][6].get<double>() == 0.75);
  CHECK(doc["per_category"]["person"].get<double>() == doctest::Approx(person).epsilon(1e-14));
  CHECK(doc["per_category"]["dog"].get<double>() == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(doc["per_category"]["car"].get<double>() == -1.0);
  // The numbers are those of the library.
  const auto lib = detection::coco_evaluate(read_coco_instances(gt), kDetections);
  for (std::size_t i = 0; i < 12; ++i) CHECK(doc["stats"][i].get<double>() == lib.stats[i]);

  auto help = run_cocoeval({"--help"}, dir.str());
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("usage: linattn cocoeval GT.json DETECTIONS.json") != std::string::npos);
}

TEST_CASE("cli cocoeval: bad input is one message and exit code 2") {
  testing::Scratch dir("cocoeval_errors");
  const std::string cwd = dir.str();
  const std::string gt = dir.str("gt.json"), dets = dir.str("dets.json");
  std::ofstream(gt) << kGroundTruth;
  detection::write_coco_results(dets, kDetections);
  std::ofstream(dir.str("bbox3.json")) << R"([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5], "score": 0.5}])";
  std::ofstream(dir.str("truncated.json")) << R"([{"image_id": 1, )";
  detection::write_coco_results(dir.str("unknown_image.json"), {{1, 1, {0, 0, 5, 5}, 0.5}, {99, 1, {0, 0, 5, 5}, 0.4}});
  detection::write_coco_results(dir.str("unknown_category.json"), {{1, 42, {0, 0, 5, 5}, 0.5}});

  check_user_error({}, cwd, "needs GT.json and DETECTIONS.json");
  check_user_error({gt}, cwd, "needs GT.json and DETECTIONS.json");
  check_user_error({gt, dets, "extra"}, cwd, "extra argument 'extra'");
  check_user_error({gt, dets, "--frobnicate"}, cwd, "unknown option '--frobnicate'");
  check_user_error({"missing_gt.json", dets}, cwd, "'missing_gt.json' does not exist");
  check_user_error({gt, "missing_dets.json"}, cwd, "'missing_dets.json' does not exist");
  check_user_error({gt, cwd}, cwd, "is not a file");
  check_user_error({gt, "bbox3.json"}, cwd, "bbox3.json: [0].bbox: expected 4 numbers");
  check_user_error({gt, "truncated.json"}, cwd, "truncated.json: malformed JSON");
  check_user_error({gt, "unknown_image.json"}, cwd, "detection 1: image_id 99 is not an image of");
  check_user_error({gt, "unknown_category.json"}, cwd, "category_id 42 is not a category of");
  // The two files swapped: the results reader sees an object, the instances reader a list.
  check_user_error({dets, gt}, cwd, "dets.json");
}
