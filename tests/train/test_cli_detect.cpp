// tests/train/test_cli_detect.cpp — `linattn detect` as a user runs it (child processes of the
// real program, a tiny detr_lite run folder written by the test, images the test writes): the
// JSON per image holds exactly the detections of the evaluation pipeline run in this process on
// the same weights (letterbox, forward, post-processing back to the image's pixels), the drawn
// image is the input with those boxes in the class colours (and nothing else), names never
// collide or overwrite an input, the class names come from categories.json or else from the
// COCO annotations, and every user error — missing run, classification run, missing, empty or
// corrupt image, bad flags — is one message naming the path, exit 2, never a crash.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/autograd.h"
#include "data/detection_collate.h"
#include "data/draw_boxes.h"
#include "detection/postprocess.h"
#include "detection_cli_fixture.h"
#include "fixtures/process.h"
#include "fixtures/tiny.h"
#include "models/detector.h"
#include "train/tasks/detection.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

testing::ProcessResult detect_run(const std::vector<std::string>& args, const std::string& cwd) {
  std::vector<std::string> argv = {LINATTN_EXE, "detect"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testing::run_process(argv, cwd, 60.0);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK_FALSE(r.signaled);
  CHECK(r.err.find("terminate called") == std::string::npos);
  return r;
}

// A scratch folder with a tiny detr_lite run (person and car) and three images: two with the
// same stem in different folders, one JPEG.
struct DetectDir {
  testing::Scratch scratch{"detect"};
  std::string run = scratch.str("runs/det");
  std::vector<std::string> images = {scratch.str("a/street.png"), scratch.str("b/street.png"),
                                     scratch.str("a/park.jpg")};
  ExperimentConfig config = parse_config_string(testing::tiny_detr_yaml("det"), "det.yaml");
  DetectDir(bool with_categories = true) {
    testing::write_untrained_run(run, config, testing::tiny_coco_categories(), with_categories);
    fs::create_directories(scratch.str("a"));
    fs::create_directories(scratch.str("b"));
    write_png(images[0], testing::tiny_coco_pixels(testing::tiny_coco_image(1)));
    write_png(images[1], testing::tiny_coco_pixels(testing::tiny_coco_image(2)));
    write_jpeg(images[2], testing::tiny_coco_pixels({9, 90, 60, {{10, 20, 30, 40, 1}}}), 95);
  }
};

// The detections of `image` by the run's best weights, computed here as the evaluation does.
std::vector<detection::CocoDetection> expected_detections(const DetectDir& d, const std::string& path,
                                                          double threshold, std::int64_t max_detections) {
  Generator gen(static_cast<std::uint64_t>(d.config.seed));
  auto model = make_model(d.config.model, gen);
  load_weights(RunPaths(d.run).best, *model);
  model->eval();
  auto& detector = dynamic_cast<ObjectDetector&>(*model);
  const DetectionTransformOptions transform = DetectionTask(d.config).transform_options();
  auto image = std::make_shared<const Image>(load_image(path));
  DetectionSample s;
  s.image = image->view();
  s.owner = image;
  s.original_height = image->height;
  s.original_width = image->width;
  const Batch batch = collate_detection({s}, {0}, 2, transform, DetectionMode::Eval, gen);
  NoGradGuard no_grad;
  const DetectorOutput out = detector.forward(batch.images);
  detection::PostprocessOptions post;
  post.focal = detector.sigmoid_scores();
  post.max_detections = max_detections;
  post.score_threshold = threshold;
  return detection::detections_to_coco(out.final.logits, out.final.boxes, batch, transform.image_size,
                                       testing::tiny_coco_categories(), post);
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(testing::read_text(path)); }

Rgb pixel(const Image& img, int x, int y) { return {img.at(y, x, 0), img.at(y, x, 1), img.at(y, x, 2)}; }

}  // namespace

TEST_CASE("detect: one drawn image and one JSON per image, exactly the evaluation pipeline's detections") {
  DetectDir d;
  const std::string out = d.scratch.str("out");
  auto r = detect_run({d.run, d.images[0], d.images[1], d.images[2], "--out", out, "--threshold", "0", "--set",
                       "detection.max_detections=4"},
                      d.scratch.str());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("checkpoint " + RunPaths(d.run).best) != std::string::npos);
  CHECK(r.out.find("classes from " + d.run + "/categories.json") != std::string::npos);
  // The second street.png gets its own name; the JPEG's output is a PNG too.
  const std::vector<std::string> stems = {"street", "street-2", "park"};
  for (std::size_t i = 0; i < stems.size(); ++i) {
    INFO("image " << d.images[i]);
    const std::string png = out + "/" + stems[i] + ".png", json = out + "/" + stems[i] + ".json";
    CHECK(r.out.find(d.images[i] + ": 4 detections with score >= 0 -> " + png) != std::string::npos);
    const nlohmann::json list = read_json(json);
    const auto expected = expected_detections(d, d.images[i], 0.0, 4);
    REQUIRE(list.is_array());
    REQUIRE(list.size() == expected.size());
    REQUIRE(expected.size() == 4);
    for (std::size_t k = 0; k < expected.size(); ++k) {
      const auto& e = expected[k];
      const auto& j = list[k];
      for (int c = 0; c < 4; ++c) CHECK(std::abs(j.at("bbox")[c].get<double>() - e.bbox[c]) <= 0.0051);  // 0.01 px
      CHECK(std::abs(j.at("score").get<double>() - e.score) <= 5.1e-5);  // 4 decimals
      CHECK(j.at("category_id").get<std::int64_t>() == e.category_id);
      CHECK(j.at("category").get<std::string>() == (e.category_id == 1 ? "person" : "car"));
      if (k > 0) CHECK(j.at("score").get<double>() <= list[k - 1].at("score").get<double>());  // best first
    }
    // The drawing: the original's size, changed only on and around the boxes.
    const Image input = load_image(d.images[i]), drawn = load_image(png);
    REQUIRE(drawn.height == input.height);
    REQUIRE(drawn.width == input.width);
    CHECK(drawn.pixels != input.pixels);
  }
  // The inputs are untouched.
  CHECK(load_image(d.images[0]).pixels == testing::tiny_coco_pixels(testing::tiny_coco_image(1)).pixels);

  // One detection: its outline in its class colour, everything outside it and its tag unchanged.
  const std::string one = d.scratch.str("one");
  REQUIRE(detect_run({d.run, d.images[0], "--out", one, "--threshold", "0", "--set", "detection.max_detections=1"},
                     d.scratch.str())
              .exit_code == 0);
  const auto e = expected_detections(d, d.images[0], 0.0, 1);
  REQUIRE(e.size() == 1);
  const Image input = load_image(d.images[0]), drawn = load_image(one + "/street.png");
  const int x1 = static_cast<int>(std::lround(e[0].bbox[0])), y1 = static_cast<int>(std::lround(e[0].bbox[1]));
  const int x2 = static_cast<int>(std::lround(e[0].bbox[0] + e[0].bbox[2]));
  const int y2 = static_cast<int>(std::lround(e[0].bbox[1] + e[0].bbox[3]));
  const Rgb colour = palette_color(e[0].category_id == 1 ? 0 : 1);
  if (x2 > x1 && y2 > y1) {
    CHECK(pixel(drawn, x1, y2 - 1) == colour);      // bottom-left corner
    CHECK(pixel(drawn, x2 - 1, y2 - 1) == colour);  // bottom-right corner
  }
  const int tag_h = text_height(1) + 2;
  for (int y = 0; y < input.height; ++y)
    for (int x = 0; x < input.width; ++x) {
      const bool in_box = x >= x1 && x < x2 && y >= y1 && y < y2;
      // The tag: the rows above the box, or its top rows when there is no room above.
      const bool in_tag_rows = (y >= y1 - tag_h && y < y1) || (y1 < tag_h && y >= y1 && y < y1 + tag_h);
      if (!in_box && !in_tag_rows && pixel(drawn, x, y) != pixel(input, x, y)) {
        FAIL_CHECK("pixel " << x << "," << y << " changed outside the box and its tag");
        y = input.height;
        break;
      }
    }

  // A threshold nothing reaches: an empty list and the image unchanged.
  const std::string none = d.scratch.str("none");
  REQUIRE(detect_run({d.run, d.images[1], "--out", none, "--threshold", "1"}, d.scratch.str()).exit_code == 0);
  CHECK(read_json(none + "/street.json") == nlohmann::json::array());
  CHECK(load_image(none + "/street.png").pixels == load_image(d.images[1]).pixels);

  // --checkpoint last reads checkpoints/latest (the same weights here); --out next to the input
  // never overwrites it.
  auto next_to = detect_run({d.run, d.images[0], "--out", d.scratch.str("a"), "--checkpoint", "last"},
                            d.scratch.str());
  REQUIRE(next_to.exit_code == 0);
  CHECK(next_to.out.find("checkpoint " + RunPaths(d.run).latest) != std::string::npos);
  CHECK(fs::is_regular_file(d.scratch.str("a/street-detect.png")));
  CHECK(load_image(d.images[0]).pixels == input.pixels);
}

TEST_CASE("detect: without categories.json the class names come from the COCO annotations") {
  DetectDir d(/*with_categories=*/false);
  testing::write_tiny_coco(d.scratch.str("data"), 2, 2);
  auto r = detect_run({d.run, d.images[0], "--out", d.scratch.str("out"), "--threshold", "0", "--data-root",
                       d.scratch.str("data")},
                      d.scratch.str());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("classes from " + d.scratch.str("data") + "/coco-subset/annotations/instances_val.json") !=
        std::string::npos);
  const nlohmann::json list = read_json(d.scratch.str("out/street.json"));
  REQUIRE(!list.empty());
  for (const auto& j : list)
    CHECK(j.at("category").get<std::string>() == (j.at("category_id").get<int>() == 1 ? "person" : "car"));

  auto missing = detect_run({d.run, d.images[0], "--out", d.scratch.str("out"), "--data-root",
                             d.scratch.str("nowhere")},
                            d.scratch.str());
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("has no categories.json") != std::string::npos);
  CHECK(missing.err.find(d.scratch.str("nowhere")) != std::string::npos);
}

TEST_CASE("detect: user errors are one message naming the path, exit code 2") {
  DetectDir d;
  const std::string cwd = d.scratch.str(), out = d.scratch.str("out");
  auto check_error = [&](const std::vector<std::string>& args, const std::vector<std::string>& what) {
    auto r = detect_run(args, cwd);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("linattn detect: error") != std::string::npos);
    for (const auto& w : what) CHECK_MESSAGE(r.err.find(w) != std::string::npos, "missing '" << w << "'");
  };
  const std::string image = d.images[0];
  check_error({d.scratch.str("runs/nope"), image, "--out", out}, {"run folder", "runs/nope' does not exist"});
  check_error({image, image, "--out", out}, {"is not a run folder"});
  // A classification run.
  const std::string cls = d.scratch.str("runs/cls");
  fs::create_directories(cls);
  fs::copy_file(std::string(LINATTN_SOURCE_DIR) + "/configs/quickstart.yaml", cls + "/config.yaml");
  check_error({cls, image, "--out", out}, {"linattn detect needs a detection run", "runs/cls' is classification"});
  // Images: missing, a folder, empty, corrupt — each named.
  check_error({d.run, d.scratch.str("missing.png"), "--out", out},
              {"image '" + d.scratch.str("missing.png") + "' does not exist"});
  check_error({d.run, d.scratch.str("a"), "--out", out}, {"image '" + d.scratch.str("a") + "' is not a file"});
  std::ofstream(d.scratch.str("empty.png")).close();
  check_error({d.run, d.scratch.str("empty.png"), "--out", out}, {d.scratch.str("empty.png"), "empty"});
  std::ofstream(d.scratch.str("corrupt.jpg")) << "\xFF\xD8\xFF\xE0 not really a jpeg";
  // The good image before the corrupt one is written; the corrupt one is named.
  check_error({d.run, image, d.scratch.str("corrupt.jpg"), "--out", out}, {"corrupt.jpg"});
  CHECK(fs::is_regular_file(out + "/street.png"));
  // Flags.
  check_error({d.run, image}, {"needs --out DIR"});
  check_error({d.run, "--out", out}, {"at least one IMAGE"});
  check_error({d.run, image, "--out", out, "--threshold", "1.5"}, {"--threshold must be a number in [0, 1]"});
  check_error({d.run, image, "--out", out, "--threshold", "nan"}, {"--threshold must be a number in [0, 1]"});
  check_error({d.run, image, "--out", out, "--threshold", "0.3x"}, {"--threshold must be a number in [0, 1]"});
  check_error({d.run, image, "--out", out, "--checkpoint", "newest"}, {"'newest' is neither best, last"});
  check_error({d.run, image, "--out", d.run + "/config.yaml"}, {"cannot create the output folder"});
  check_error({d.run, image, "--out", out, "--set", "model.nope=1"}, {"model.nope"});
  // A run without checkpoints, and one whose categories.json disagrees with the model.
  fs::remove_all(RunPaths(d.run).checkpoints);
  check_error({d.run, image, "--out", out}, {"has no checkpoint yet"});
  check_error({d.run, image, "--out", out, "--checkpoint", "last"}, {"has no", "checkpoints/latest"});
  DetectDir other;
  write_categories_json(other.run + "/categories.json",
                        CategoryMap({{.id = 1, .name = "person", .supercategory = "person"}}));
  auto mismatch = detect_run({other.run, other.images[0], "--out", out}, other.scratch.str());
  CHECK(mismatch.exit_code == 2);
  CHECK(mismatch.err.find("the model predicts 2 classes but " + other.run + "/categories.json lists 1") !=
        std::string::npos);

  auto help = detect_run({"--help"}, cwd);
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("usage: linattn detect RUN IMAGE... --out DIR") != std::string::npos);
  auto listed = testing::run_process({LINATTN_EXE, "help"}, cwd, 60.0);
  CHECK(listed.out.find("detect") != std::string::npos);
}
