// tests/train/test_detection_gallery.cpp — the gallery of a detection run's report.html
// (train/detection_gallery.h) with a stand-in detector that predicts one fixed canvas box per
// image: the drawn prediction is that box mapped back through the letterbox to each image's own
// pixels (landscape, portrait, and a large image shrunk to the thumbnail size), drawn in the
// prediction colour with the ground truth in the other; the threshold leaves low scores out;
// the model's training mode survives; the HTML holds one inline JPEG per image; and the whole
// section lands in report.html.
#include <doctest/doctest.h>

#include <cmath>

#include "core/factory.h"
#include "data/draw_boxes.h"
#include "detection_cli_fixture.h"
#include "models/classifier.h"
#include "train/detection_gallery.h"
#include "train/report.h"

using namespace linattn;

namespace {

// Every image: query 0 predicts class 0 (score σ(3) = 0.95) on the canvas box centred at
// (0.5, 0.5) of size 0.5 x 0.5; query 1 class 1 (σ(−3) = 0.047) on (0.2, 0.2, 0.1, 0.1); the
// third query scores nothing. Sigmoid (focal) scores, 2 classes.
class FixedBoxDetector : public ObjectDetector {
 public:
  DetectorOutput forward(const Tensor& images) override {
    const std::int64_t B = images.size(0);
    std::vector<double> logits, boxes;
    for (std::int64_t b = 0; b < B; ++b) {
      logits.insert(logits.end(), {3.0, -10.0, -10.0, -3.0, -10.0, -10.0});
      boxes.insert(boxes.end(), {0.5, 0.5, 0.5, 0.5, 0.2, 0.2, 0.1, 0.1, 0.5, 0.5, 0.1, 0.1});
      seen_canvas = images.size(2);
    }
    return {{from_values(logits, {B, 3, 2}), from_values(boxes, {B, 3, 4})}, {}};
  }
  std::int64_t num_queries() const override { return 3; }
  std::int64_t num_classes() const override { return 2; }
  bool sigmoid_scores() const override { return true; }
  std::int64_t seen_canvas = 0;
};

// The tiny COCO images (data/detection_dataset.h), plus one large image at the end.
class TinyDetectionDataset : public DetectionDataset {
 public:
  TinyDetectionDataset() {
    for (int id : {1, 2, 3}) infos_.push_back(testing::tiny_coco_image(id));
    infos_.push_back({7, 300, 500, {{100, 50, 200, 150, 1}}});
    for (const auto& info : infos_) images_.push_back(std::make_shared<const Image>(testing::tiny_coco_pixels(info)));
  }
  std::int64_t size() const override { return static_cast<std::int64_t>(infos_.size()); }
  DetectionSample get(std::int64_t i) const override {
    const auto& info = infos_[static_cast<std::size_t>(i)];
    DetectionSample s;
    s.owner = images_[static_cast<std::size_t>(i)];
    s.image = s.owner->view();
    s.image_id = info.id;
    s.original_height = info.height;
    s.original_width = info.width;
    for (const auto& o : info.objects) {
      s.boxes.push_back({static_cast<float>(o.x), static_cast<float>(o.y), static_cast<float>(o.x + o.w),
                         static_cast<float>(o.y + o.h)});
      s.labels.push_back(o.category_id == 1 ? 0 : 1);
    }
    return s;
  }
  const std::vector<std::string>& class_names() const override { return names_; }
  const testing::TinyCocoImage& info(std::int64_t i) const { return infos_[static_cast<std::size_t>(i)]; }

 private:
  std::vector<testing::TinyCocoImage> infos_;
  std::vector<std::shared_ptr<const Image>> images_;
  std::vector<std::string> names_{"person", "car"};
};

Rgb pixel(const Image& img, int x, int y) { return {img.at(y, x, 0), img.at(y, x, 1), img.at(y, x, 2)}; }

DetectionTransformOptions canvas(int side) {
  DetectionTransformOptions o;
  o.image_size = side;
  return o;
}

}  // namespace

TEST_CASE("gallery: the predicted canvas box is drawn in each image's own pixels, with the ground truth") {
  auto dataset = std::make_shared<const TinyDetectionDataset>();
  const DetectionBatches source(dataset, canvas(64), DetectionMode::Train);  // the eval transforms are used anyway
  FixedBoxDetector model;
  model.train();
  GalleryOptions options;
  options.max_side = 384;
  const auto gallery = render_detection_gallery(model, source, testing::tiny_coco_categories(), Device::cpu(), options);
  CHECK(model.is_training());  // restored
  CHECK(model.seen_canvas == 64);
  REQUIRE(gallery.size() == 4);  // 8 asked, the dataset has 4

  for (std::size_t i = 0; i < gallery.size(); ++i) {
    const GalleryImage& g = gallery[i];
    const testing::TinyCocoImage& info = dataset->info(static_cast<std::int64_t>(i));
    INFO("image " << info.id << " (" << info.height << " x " << info.width << ")");
    CHECK(g.image_id == info.id);
    CHECK(g.ground_truth == static_cast<std::int64_t>(info.objects.size()));
    // The canvas box [0.25 S, 0.75 S]² is [0.25 L, 0.75 L]² of the image (L its long side),
    // clipped to it; only query 0 clears the threshold.
    REQUIRE(g.predictions.size() == 1);
    const auto& p = g.predictions[0];
    const double L = std::max(info.height, info.width);
    CHECK(p.category_id == 1);
    CHECK(p.score == doctest::Approx(1.0 / (1.0 + std::exp(-3.0))));
    CHECK(p.bbox[0] == doctest::Approx(0.25 * L));
    CHECK(p.bbox[1] == doctest::Approx(0.25 * L));
    CHECK(p.bbox[2] == doctest::Approx(std::min(0.75 * L, static_cast<double>(info.width)) - 0.25 * L));
    CHECK(p.bbox[3] == doctest::Approx(std::min(0.75 * L, static_cast<double>(info.height)) - 0.25 * L));

    // The thumbnail: the image itself up to 384 px, shrunk beyond.
    const double factor = std::min(1.0, 384.0 / L);
    CHECK(g.thumbnail.width == static_cast<int>(std::lround(info.width * factor)));
    CHECK(g.thumbnail.height == static_cast<int>(std::lround(info.height * factor)));
    // The prediction's left edge (below its tag) in the prediction colour, the person's in the
    // ground-truth colour, and the background untouched.
    const int px = static_cast<int>(std::lround(p.bbox[0] * factor));
    const int py = static_cast<int>(std::lround((p.bbox[1] + 0.5 * p.bbox[3]) * factor));
    CHECK(pixel(g.thumbnail, px, py) == kPredictionColor);
    const auto& person = info.objects[0];
    const int gx = static_cast<int>(std::lround(person.x * factor));
    const int gy = static_cast<int>(std::lround((person.y + 0.5 * person.h) * factor));
    CHECK(pixel(g.thumbnail, gx, gy) == kGroundTruthColor);
    CHECK(pixel(g.thumbnail, g.thumbnail.width - 1, 0) != kPredictionColor);
  }

  // A lower threshold lets query 1's car through; fewer images when asked.
  options.score_threshold = 0.01;
  options.images = 2;
  const auto more = render_detection_gallery(model, source, testing::tiny_coco_categories(), Device::cpu(), options);
  REQUIRE(more.size() == 2);
  REQUIRE(more[0].predictions.size() == 2);
  CHECK(more[0].predictions[0].category_id == 1);  // highest score first
  CHECK(more[0].predictions[1].category_id == 3);
  CHECK(more[0].predictions[1].score == doctest::Approx(1.0 / (1.0 + std::exp(3.0))));
}

TEST_CASE("gallery: the HTML section holds one inline JPEG per image and lands in report.html") {
  CHECK(base64_encode({}) == "");
  CHECK(base64_encode({'f'}) == "Zg==");
  CHECK(base64_encode({'f', 'o'}) == "Zm8=");
  CHECK(base64_encode({'f', 'o', 'o'}) == "Zm9v");
  CHECK(base64_encode({'f', 'o', 'o', 'b', 'a', 'r'}) == "Zm9vYmFy");
  CHECK(base64_encode({0xFF, 0xEF}) == "/+8=");

  auto dataset = std::make_shared<const TinyDetectionDataset>();
  const DetectionBatches source(dataset, canvas(64), DetectionMode::Eval);
  FixedBoxDetector model;
  DataLoader loader(std::make_shared<DetectionBatches>(source), LoaderOptions{});
  const std::string html = detection_report_html(model, loader, Device::cpu(), testing::tiny_coco_categories());
  CHECK(html.find("<h2>Validation images</h2>") != std::string::npos);
  std::size_t figures = 0;
  for (std::size_t at = html.find("<figure"); at != std::string::npos; at = html.find("<figure", at + 1)) ++figures;
  CHECK(figures == 4);
  CHECK(html.find("src=\"data:image/jpeg;base64,/9j/") != std::string::npos);  // a JPEG's FF D8 FF
  CHECK(html.find("image 7: 1 predicted, 1 ground truth") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);

  // Nothing to draw for a classifier, or for a loader of classification batches.
  class NotADetector : public Module {};
  NotADetector other;
  CHECK(detection_report_html(other, loader, Device::cpu(), testing::tiny_coco_categories()).empty());

  // The section as the report's extra HTML: after the charts, before the epoch table.
  ReportInfo info{"det", "finished", "task: detection\n", {}};
  info.extra_html = html;
  const std::string report = render_report(info, {});
  const std::size_t charts = report.find("<div class=\"charts\">"), gallery = report.find("Validation images"),
                    epochs = report.find("<h2>Epochs</h2>");
  CHECK(charts < gallery);
  CHECK(gallery < epochs);
  CHECK(detection_gallery_html({}).find("No images to show") != std::string::npos);
}
