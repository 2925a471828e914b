// tests/data/test_detection_loader.cpp — detection batches through the one DataLoader: per-image
// targets of varying length (an image with no boxes included), image ids, original sizes and
// letterbox scales carried; eval batches equal to the transforms applied by hand; identical
// batches for 0 and 2 workers and run after run; resuming mid-epoch; errors naming the batch
// and the image.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>

#include "core/error.h"
#include "data/detection_collate.h"
#include "data/loader.h"
#include "fixtures.h"

using namespace linattn;

namespace {

// n images, sizes cycling through a few aspect ratios; image i has i % 4 boxes (image 0 none),
// labels (i + k) % 5, image id 1000 + 3i. Image 5 claims an original size twice its decoded one
// (as a dataset that downscaled on load); image 6 leaves the original size unset (0).
class FakeDetectionDataset : public DetectionDataset {
 public:
  explicit FakeDetectionDataset(std::int64_t n, std::int64_t bad_label_at = -1) : bad_label_at_(bad_label_at) {
    const int sizes[][2] = {{48, 64}, {80, 40}, {30, 30}, {50, 90}};
    for (std::int64_t i = 0; i < n; ++i) {
      const auto* hw = sizes[i % 4];
      images_.push_back(testing::pattern_image(hw[0], hw[1], static_cast<int>(i)));
    }
  }
  std::int64_t size() const override { return static_cast<std::int64_t>(images_.size()); }
  DetectionSample get(std::int64_t i) const override {
    const Image& img = images_[static_cast<std::size_t>(i)];
    DetectionSample s;
    s.image = img.view();
    s.image_id = 1000 + 3 * i;
    s.original_height = img.height;
    s.original_width = img.width;
    if (i == 5) {
      s.original_height *= 2;
      s.original_width *= 2;
    }
    if (i == 6) s.original_height = s.original_width = 0;
    for (std::int64_t k = 0; k < i % 4; ++k) {
      const auto x = static_cast<float>(2 + 5 * k), y = static_cast<float>(1 + 4 * k);
      s.boxes.push_back({x, y, x + 10.0f + static_cast<float>(k), y + 12.0f});
      s.labels.push_back(i == bad_label_at_ ? 7 : (i + k) % 5);
    }
    return s;
  }
  const std::vector<std::string>& class_names() const override {
    static const std::vector<std::string> names = {"cat", "dog", "car", "cup", "kite"};
    return names;
  }

 private:
  std::vector<Image> images_;
  std::int64_t bad_label_at_;
};

DetectionTransformOptions transform_options() {
  DetectionTransformOptions o;
  o.image_size = 64;
  o.scale_min = 0.7;
  o.scale_max = 1.6;
  o.photometric = {0.3, 0.3, 0.3, 0.05};
  return o;
}

std::unique_ptr<DataLoader> make_loader(std::shared_ptr<const DetectionDataset> ds, DetectionMode mode, int workers,
                                        bool shuffle = true) {
  LoaderOptions o;
  o.batch_size = 3;
  o.shuffle = shuffle;
  o.seed = 23;
  o.num_workers = workers;
  return std::make_unique<DataLoader>(std::make_shared<DetectionBatches>(ds, transform_options(), mode), o);
}

struct Flat {  // a detection batch as plain vectors, for exact comparisons
  std::vector<float> images, boxes;
  std::vector<std::int64_t> labels, target_sizes, indices, image_ids;
  std::vector<std::array<std::int64_t, 2>> original_sizes;
  std::vector<double> scales;
  std::int64_t epoch, index;
  bool operator==(const Flat&) const = default;
};

Flat flat(const Batch& b) {
  Flat f{b.images.to_vector<float>(), {}, {}, {}, b.indices, b.image_ids, b.original_sizes, b.scales, b.epoch, b.index};
  for (const DetectionTarget& t : b.targets) {
    f.target_sizes.push_back(t.size());
    for (float v : t.boxes.to_vector<float>()) f.boxes.push_back(v);
    for (std::int64_t v : t.labels.to_vector<std::int64_t>()) f.labels.push_back(v);
  }
  return f;
}

std::vector<Flat> run_epoch(DataLoader& loader, std::int64_t epoch, std::int64_t skip = 0) {
  loader.start_epoch(epoch, skip);
  std::vector<Flat> out;
  while (auto b = loader.next()) out.push_back(flat(*b));
  return out;
}

}  // namespace

TEST_CASE("eval batches: varying-length targets, ids, original sizes and scales") {
  auto ds = std::make_shared<FakeDetectionDataset>(8);
  auto loader = make_loader(ds, DetectionMode::Eval, 0, /*shuffle=*/false);
  CHECK(loader->num_batches() == 3);
  loader->start_epoch(0);
  std::vector<Batch> batches;
  while (auto b = loader->next()) batches.push_back(std::move(*b));
  REQUIRE(batches.size() == 3);
  CHECK(batches[2].size() == 2);  // 8 = 3 + 3 + 2

  const DetectionTransformOptions o = transform_options();
  for (const Batch& b : batches) {
    CHECK(b.is_detection());
    CHECK(b.images.shape() == Shape{b.size(), 3, 64, 64});
    CHECK_FALSE(b.labels.defined());
    CHECK_FALSE(b.soft_targets.defined());
    REQUIRE(b.targets.size() == b.indices.size());
    REQUIRE(b.image_ids.size() == b.indices.size());
    REQUIRE(b.original_sizes.size() == b.indices.size());
    REQUIRE(b.scales.size() == b.indices.size());
    std::vector<float> images = b.images.to_vector<float>();
    for (std::size_t j = 0; j < b.indices.size(); ++j) {
      const std::int64_t i = b.indices[j];
      INFO("image ", i);
      DetectionSample s = ds->get(i);
      const DetectionTarget& t = b.targets[j];
      CHECK(t.size() == i % 4);
      CHECK(t.labels.shape() == Shape{i % 4});
      CHECK(t.boxes.shape() == Shape{i % 4, 4});
      CHECK(t.labels.to_vector<std::int64_t>() == s.labels);
      CHECK(b.image_ids[j] == 1000 + 3 * i);
      const std::int64_t h = s.image.height, w = s.image.width;
      const double letterbox = 64.0 / static_cast<double>(std::max(h, w));
      if (i == 5) {
        CHECK(b.original_sizes[j] == std::array<std::int64_t, 2>{2 * h, 2 * w});
        CHECK(b.scales[j] == doctest::Approx(letterbox / 2));
      } else {
        CHECK(b.original_sizes[j] == std::array<std::int64_t, 2>{h, w});
        CHECK(b.scales[j] == doctest::Approx(letterbox));
      }
      // The eval batch is exactly the letterbox transform applied by hand.
      std::vector<float> canvas(3 * 64 * 64);
      DetectionTarget expected = to_canvas(detection_eval_transform(s, o), o, canvas.data());
      CHECK(std::equal(canvas.begin(), canvas.end(), images.begin() + static_cast<std::ptrdiff_t>(j * 3 * 64 * 64)));
      CHECK(t.boxes.to_vector<float>() == expected.boxes.to_vector<float>());
      // Map back: the first box's x1 y1 in original pixels (normalized · S / scale).
      if (t.size() > 0) {
        std::vector<float> v = t.boxes.to_vector<float>();
        const double x1 = (v[0] - v[2] / 2) * 64.0 / b.scales[j], y1 = (v[1] - v[3] / 2) * 64.0 / b.scales[j];
        const double to_original = i == 5 ? 2.0 : 1.0;
        CHECK(x1 == doctest::Approx(s.boxes[0][0] * to_original).epsilon(1e-5));
        CHECK(y1 == doctest::Approx(s.boxes[0][1] * to_original).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("train batches are identical for 0 and 2 workers and across runs") {
  auto ds = std::make_shared<FakeDetectionDataset>(11);
  auto serial = make_loader(ds, DetectionMode::Train, 0);
  auto threaded = make_loader(ds, DetectionMode::Train, 2);
  auto again = make_loader(std::make_shared<FakeDetectionDataset>(11), DetectionMode::Train, 2);
  for (std::int64_t epoch : {0, 3}) {
    INFO("epoch ", epoch);
    auto a = run_epoch(*serial, epoch), b = run_epoch(*threaded, epoch), c = run_epoch(*again, epoch);
    REQUIRE(a.size() == 4);
    CHECK(a == b);
    CHECK(a == c);
    // Random transforms really ran: batch 0 differs from the eval letterbox of the same images.
    bool any_target = false;
    for (const Flat& f : a) any_target = any_target || !f.boxes.empty();
    CHECK(any_target);
  }
  CHECK(run_epoch(*serial, 0) != run_epoch(*serial, 1));
  // make_batch computes any batch directly, equal to what next() served.
  auto epoch2 = run_epoch(*threaded, 2);
  CHECK(flat(serial->make_batch(2, 1)) == epoch2[1]);
}

TEST_CASE("train batches differ from eval batches and boxes stay inside the canvas") {
  auto ds = std::make_shared<FakeDetectionDataset>(9);
  auto train = run_epoch(*make_loader(ds, DetectionMode::Train, 0, false), 0);
  auto eval = run_epoch(*make_loader(ds, DetectionMode::Eval, 0, false), 0);
  REQUIRE(train.size() == eval.size());
  CHECK(train[0].images != eval[0].images);
  for (const Flat& f : train) {
    for (float v : f.boxes) {
      CHECK(v >= 0.0f);
      CHECK(v <= 1.0f);
    }
    CHECK(f.image_ids.size() == f.indices.size());
  }
}

TEST_CASE("resuming with start_epoch(epoch, skip) continues with the same batches") {
  auto ds = std::make_shared<FakeDetectionDataset>(13);
  for (int workers : {0, 2}) {
    INFO("workers ", workers);
    auto loader = make_loader(ds, DetectionMode::Train, workers);
    auto full = run_epoch(*loader, 4);
    REQUIRE(full.size() == 5);
    auto resumed_loader = make_loader(ds, DetectionMode::Train, workers);
    auto tail = run_epoch(*resumed_loader, 4, 3);
    REQUIRE(tail.size() == 2);
    CHECK(tail[0] == full[3]);
    CHECK(tail[1] == full[4]);
    CHECK(resumed_loader->position() == 5);
  }
}

TEST_CASE("a bad label names the batch and the image; bad options are refused") {
  auto ds = std::make_shared<FakeDetectionDataset>(6, /*bad_label_at=*/2);
  auto loader = make_loader(ds, DetectionMode::Eval, 2, false);
  loader->start_epoch(0);
  CHECK_THROWS_WITH_AS(loader->next(), doctest::Contains("batch 0 of epoch 0"), Error);
  CHECK_THROWS_WITH_AS(loader->make_batch(0, 0), doctest::Contains("(image id 1006) has label 7 outside [0, 5)"),
                       Error);
  DetectionTransformOptions bad = transform_options();
  bad.scale_min = 0.0;
  CHECK_THROWS_WITH_AS(DetectionBatches(ds, bad, DetectionMode::Train), doctest::Contains("scale_min"), Error);
  CHECK_THROWS_WITH_AS(DetectionBatches(nullptr, transform_options(), DetectionMode::Train),
                       doctest::Contains("no dataset"), Error);
}

TEST_CASE("a classification DataLoader is the ClassificationBatches source under the same loader") {
  class Labelled : public Dataset {
   public:
    Labelled() {
      for (int i = 0; i < 7; ++i) images_.push_back(testing::pattern_image(6, 6, i));
    }
    std::int64_t size() const override { return 7; }
    Sample get(std::int64_t i) const override { return {images_[static_cast<std::size_t>(i)].view(), i % 3, nullptr}; }
    const std::vector<std::string>& class_names() const override {
      static const std::vector<std::string> names = {"a", "b", "c"};
      return names;
    }

   private:
    std::vector<Image> images_;
  };
  auto ds = std::make_shared<Labelled>();
  LoaderOptions o;
  o.batch_size = 3;
  o.shuffle = true;
  o.seed = 5;
  o.augment.crop_padding = 1;
  o.augment.horizontal_flip = true;
  o.augment.mixup_alpha = 0.5;
  DataLoader implicit(ds, o);
  o.num_workers = 2;
  DataLoader explicit_source(std::make_shared<ClassificationBatches>(ds, o.augment), o);
  for (std::int64_t b = 0; b < implicit.num_batches(); ++b) {
    Batch x = implicit.make_batch(1, b), y = explicit_source.make_batch(1, b);
    CHECK(x.images.to_vector<float>() == y.images.to_vector<float>());
    CHECK(x.soft_targets.to_vector<float>() == y.soft_targets.to_vector<float>());
    CHECK(x.labels.to_vector<std::int64_t>() == y.labels.to_vector<std::int64_t>());
    CHECK(x.indices == y.indices);
    CHECK_FALSE(x.is_detection());
    CHECK(x.targets.empty());
  }
}
