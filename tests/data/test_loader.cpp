// tests/data/test_loader.cpp — DataLoader: batch counts and drop_last, shuffles that are
// permutations and pure functions of (seed, epoch), identical batches for 0/1/2 workers and
// across runs (with every augmentation on), resuming mid-epoch, worker exceptions reaching the
// consumer, and clean shutdown mid-epoch.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "data/loader.h"
#include "fixtures.h"

using namespace linattn;

namespace {

// n images of H x W, label i % 10, image i = pattern_image(H, W, i); get(throw_at) throws.
class TinyDataset : public Dataset {
 public:
  TinyDataset(std::int64_t n, int h = 8, int w = 8, std::int64_t throw_at = -1) : throw_at_(throw_at) {
    for (std::int64_t i = 0; i < n; ++i) images_.push_back(testing::pattern_image(h, w, static_cast<int>(i)));
  }
  std::int64_t size() const override { return static_cast<std::int64_t>(images_.size()); }
  Sample get(std::int64_t i) const override {
    if (i == throw_at_) throw Error(str_cat("TinyDataset: cannot read sample ", i));
    return {images_[static_cast<std::size_t>(i)].view(), i % 10, nullptr};
  }
  const std::vector<std::string>& class_names() const override {
    static const std::vector<std::string> names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    return names;
  }

 private:
  std::vector<Image> images_;
  std::int64_t throw_at_;
};

LoaderOptions full_options(int workers) {
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = true;
  o.seed = 17;
  o.num_workers = workers;
  o.augment.crop_padding = 2;
  o.augment.horizontal_flip = true;
  o.augment.randaugment_ops = 2;
  o.augment.randaugment_magnitude = 9;
  o.augment.normalize = true;
  o.augment.mixup_alpha = 0.8;
  o.augment.cutmix_alpha = 1.0;
  return o;
}

struct Flat {  // a batch as plain vectors, for exact comparisons
  std::vector<float> images, soft;
  std::vector<std::int64_t> labels, indices;
  std::int64_t epoch, index;
  bool operator==(const Flat&) const = default;
};

Flat flat(const Batch& b) {
  return {b.images.to_vector<float>(), b.soft_targets.defined() ? b.soft_targets.to_vector<float>() : std::vector<float>{},
          b.labels.to_vector<std::int64_t>(), b.indices, b.epoch, b.index};
}

std::vector<Flat> run_epoch(DataLoader& loader, std::int64_t epoch, std::int64_t skip = 0) {
  loader.start_epoch(epoch, skip);
  std::vector<Flat> out;
  while (auto b = loader.next()) out.push_back(flat(*b));
  return out;
}

}  // namespace

TEST_CASE("batch counts, sizes and drop_last") {
  auto ds = std::make_shared<TinyDataset>(10);
  DataLoader keep(ds, {.batch_size = 4});
  CHECK(keep.num_batches() == 3);
  auto batches = run_epoch(keep, 0);
  REQUIRE(batches.size() == 3);
  CHECK(batches[2].indices == std::vector<std::int64_t>{8, 9});
  CHECK(batches[0].indices == std::vector<std::int64_t>{0, 1, 2, 3});  // no shuffle: dataset order
  CHECK(batches[1].labels == std::vector<std::int64_t>{4, 5, 6, 7});
  CHECK(keep.position() == 3);
  CHECK(!keep.next().has_value());

  DataLoader drop(ds, {.batch_size = 4, .drop_last = true});
  CHECK(drop.num_batches() == 2);
  CHECK(run_epoch(drop, 0).size() == 2);
  DataLoader exact(ds, {.batch_size = 5, .drop_last = true});
  CHECK(exact.num_batches() == 2);
}

TEST_CASE("the shuffle is a permutation and a pure function of (seed, epoch)") {
  auto ds = std::make_shared<TinyDataset>(50);
  DataLoader a(ds, {.batch_size = 8, .shuffle = true, .seed = 3});
  DataLoader b(ds, {.batch_size = 8, .shuffle = true, .seed = 3});
  DataLoader c(ds, {.batch_size = 8, .shuffle = true, .seed = 4});
  auto order = a.epoch_order(2);
  auto sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> iota(50);
  std::iota(iota.begin(), iota.end(), 0);
  CHECK(sorted == iota);
  CHECK(order != iota);
  CHECK(order == b.epoch_order(2));
  CHECK(order != a.epoch_order(3));
  CHECK(order != c.epoch_order(2));
}

TEST_CASE("batches are identical for 0, 1 and 2 workers and across runs, every augmentation on") {
  auto ds = std::make_shared<TinyDataset>(22);
  std::vector<Flat> reference;
  {
    DataLoader serial(ds, full_options(0));
    reference = run_epoch(serial, 1);
  }
  REQUIRE(reference.size() == 6);
  CHECK(!reference[0].soft.empty());
  for (int workers : {0, 1, 2}) {
    for (int run = 0; run < 2; ++run) {
      DataLoader loader(ds, full_options(workers));
      auto batches = run_epoch(loader, 1);
      REQUIRE(batches.size() == reference.size());
      for (std::size_t i = 0; i < batches.size(); ++i) CHECK(batches[i] == reference[i]);
    }
  }
  DataLoader other_epoch(ds, full_options(2));
  CHECK(run_epoch(other_epoch, 2)[0].images != reference[0].images);
  DataLoader direct(ds, full_options(0));
  CHECK(flat(direct.make_batch(1, 4)) == reference[4]);
}

TEST_CASE("start_epoch(epoch, skip) resumes with exactly the remaining batches") {
  auto ds = std::make_shared<TinyDataset>(30);
  DataLoader full(ds, full_options(2));
  auto all = run_epoch(full, 3);
  REQUIRE(all.size() == 8);
  for (int workers : {0, 2}) {
    DataLoader resumed(ds, full_options(workers));
    // An interrupted run: two batches of epoch 3, then the process "dies" and a new one resumes.
    resumed.start_epoch(3);
    resumed.next();
    resumed.next();
    std::int64_t saved_epoch = resumed.epoch(), saved_position = resumed.position();
    CHECK(saved_position == 2);
    DataLoader fresh(ds, full_options(workers));
    auto rest = run_epoch(fresh, saved_epoch, saved_position);
    REQUIRE(rest.size() == 6);
    for (std::size_t i = 0; i < rest.size(); ++i) CHECK(rest[i] == all[i + 2]);
    CHECK(run_epoch(fresh, 3, 8).empty());
  }
  DataLoader loader(ds, full_options(0));
  CHECK_THROWS_WITH_AS(loader.start_epoch(0, 9), doctest::Contains("skip_batches 9 outside [0, 8]"), Error);
  CHECK_THROWS_WITH_AS(loader.next(), doctest::Contains("start_epoch"), Error);
}

TEST_CASE("an exception in a worker reaches the consumer at its batch") {
  for (int workers : {0, 1, 2}) {
    auto ds = std::make_shared<TinyDataset>(20, 8, 8, /*throw_at=*/9);
    DataLoader loader(ds, {.batch_size = 4, .num_workers = workers});
    loader.start_epoch(0);
    CHECK(loader.next().has_value());
    CHECK(loader.next().has_value());
    CHECK_THROWS_WITH_AS(loader.next(), doctest::Contains("batch 2 of epoch 0: TinyDataset: cannot read sample 9"), Error);
    CHECK(loader.next()->index == 3);  // the epoch goes on after the failed batch
  }
}

TEST_CASE("destroying or restarting a loader mid-epoch does not hang") {
  auto ds = std::make_shared<TinyDataset>(64);
  for (int workers : {1, 2}) {
    {
      DataLoader loader(ds, {.batch_size = 2, .num_workers = workers, .prefetch = 3});
      loader.start_epoch(0);
      CHECK(loader.next().has_value());
    }  // destroyed with workers blocked on a full queue
    DataLoader loader(ds, {.batch_size = 2, .shuffle = true, .num_workers = workers});
    loader.start_epoch(0);
    loader.next();
    loader.start_epoch(1);
    auto b = loader.next();
    REQUIRE(b.has_value());
    CHECK(b->epoch == 1);
    CHECK(b->index == 0);
  }
  DataLoader never_started(ds, {.num_workers = 2});
  CHECK_THROWS_WITH_AS(DataLoader(ds, {.batch_size = 0}), doctest::Contains("batch_size"), Error);
}
