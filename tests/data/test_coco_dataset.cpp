// tests/data/test_coco_dataset.cpp — the COCO detection dataset (data/coco.h) and the category
// map (data/category_map.h) on a tiny COCO folder generated in a temporary directory: samples in
// image-id order, targets as clipped x1 y1 x2 y2 with contiguous labels, crowd boxes left out of
// the targets but kept in the instances, degenerate boxes dropped and counted, an empty image, the
// category filter, missing images; the category map's id <-> index <-> name round trips and its
// categories.json; and the real COCO subset's counts when $LINATTN_DATA holds it.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "core/error.h"
#include "data/coco.h"
#include "fixtures.h"

using namespace linattn;
using linattn::testing::TempDir;
namespace fs = std::filesystem;

namespace {

using Box = std::array<float, 4>;

// Categories with sparse ids, listed out of id order; three images (one in a subfolder, one
// without annotations); six annotations covering a kept box, a crowd box, a box thinner than
// 1 px, a box clipped to the image, a box that is degenerate only after clipping, and a 1 px box.
//   ann 1: image 20, dog,        [1, 2, 3, 4]        -> (1, 2, 4, 6)
//   ann 2: image 20, person,     [0, 0, 16, 12] crowd -> no target
//   ann 3: image 10, toothbrush, [2.5, 1, 0.5, 3]    -> 0.5 px wide: dropped
//   ann 4: image 10, car,        [5, 4, 10, 10]      -> clipped to the 10x8 image: (5, 4, 10, 8)
//   ann 5: image 20, person,     [15.5, 3, 4, 4]     -> clipped to x2 = 16: 0.5 px wide: dropped
//   ann 6: image 10, person,     [0, 0, 1, 1]        -> (0, 0, 1, 1), exactly 1 px: kept
const char* kInstances = R"({
  "images": [
    {"id": 20, "file_name": "a.png", "width": 16, "height": 12},
    {"id": 10, "file_name": "sub/b.png", "width": 10, "height": 8},
    {"id": 30, "file_name": "c.png", "width": 6, "height": 5}],
  "annotations": [
    {"id": 1, "image_id": 20, "category_id": 18, "bbox": [1, 2, 3, 4], "area": 10, "iscrowd": 0},
    {"id": 2, "image_id": 20, "category_id": 1, "bbox": [0, 0, 16, 12], "area": 150, "iscrowd": 1},
    {"id": 3, "image_id": 10, "category_id": 90, "bbox": [2.5, 1, 0.5, 3], "area": 1.5, "iscrowd": 0},
    {"id": 4, "image_id": 10, "category_id": 3, "bbox": [5, 4, 10, 10], "area": 20, "iscrowd": 0},
    {"id": 5, "image_id": 20, "category_id": 1, "bbox": [15.5, 3, 4, 4], "area": 2, "iscrowd": 0},
    {"id": 6, "image_id": 10, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 0}],
  "categories": [
    {"id": 18, "name": "dog", "supercategory": "animal"},
    {"id": 1, "name": "person", "supercategory": "person"},
    {"id": 90, "name": "toothbrush", "supercategory": "indoor"},
    {"id": 3, "name": "car", "supercategory": "vehicle"}]
})";

struct TinyCoco {
  TempDir tmp;
  std::string json = tmp.str("instances_tiny.json");
  std::string images = tmp.str("images");
  TinyCoco() {
    fs::create_directories(fs::path(images) / "sub");
    write_png(images + "/a.png", testing::pattern_image(12, 16, 20));
    write_png(images + "/sub/b.png", testing::pattern_image(8, 10, 10));
    write_png(images + "/c.png", testing::pattern_image(5, 6, 30));
    std::ofstream(json) << kInstances;
  }
  CocoDatasetOptions options(std::vector<std::string> categories = {}) const {
    return {.annotation_file = json, .image_dir = images, .categories = std::move(categories)};
  }
};

bool same_pixels(const ImageView& view, const Image& expected) {
  if (view.height != expected.height || view.width != expected.width || view.channels != 3) return false;
  return std::equal(view.pixels, view.pixels + view.size_bytes(), expected.pixels.begin());
}

}  // namespace

TEST_CASE("COCO dataset: samples by image id, clipped targets, contiguous labels by category id") {
  TinyCoco coco;
  CocoDetectionDataset ds(coco.options());
  REQUIRE(ds.size() == 3);
  CHECK(ds.class_names() == std::vector<std::string>{"person", "car", "dog", "toothbrush"});  // ids 1, 3, 18, 90
  CHECK(ds.num_classes() == 4);

  DetectionSample s0 = ds.get(0);  // image id 10
  CHECK(s0.image_id == 10);
  CHECK(s0.original_width == 10);
  CHECK(s0.original_height == 8);
  CHECK(same_pixels(s0.image, testing::pattern_image(8, 10, 10)));
  CHECK(s0.owner != nullptr);
  REQUIRE(s0.boxes.size() == 2);  // ann 4, ann 6 (file order); ann 3 dropped
  CHECK(s0.boxes[0] == Box{5, 4, 10, 8});
  CHECK(s0.labels[0] == 1);  // car
  CHECK(s0.boxes[1] == Box{0, 0, 1, 1});
  CHECK(s0.labels[1] == 0);  // person

  DetectionSample s1 = ds.get(1);  // image id 20: ann 1 only (2 is crowd, 5 degenerate after clipping)
  CHECK(s1.image_id == 20);
  CHECK(same_pixels(s1.image, testing::pattern_image(12, 16, 20)));
  REQUIRE(s1.boxes.size() == 1);
  CHECK(s1.boxes[0] == Box{1, 2, 4, 6});
  CHECK(s1.labels[0] == 2);  // dog

  DetectionSample s2 = ds.get(2);  // image id 30: no annotation, still a sample
  CHECK(s2.image_id == 30);
  CHECK(s2.image.height == 5);
  CHECK(s2.image.width == 6);
  CHECK(s2.boxes.empty());
  CHECK(s2.labels.empty());

  CHECK(ds.image_path(0) == (fs::path(coco.images) / "sub/b.png").string());
  CHECK(ds.image_info(2).file_name == "c.png");
  CHECK(ds.boxes(1) == s1.boxes);
  CHECK(ds.labels(0) == s0.labels);
  CHECK_THROWS_WITH_AS(ds.get(3), doctest::Contains("index 3 is outside [0, 3)"), Error);
  CHECK_THROWS_WITH_AS(ds.get(-1), doctest::Contains("index -1 is outside [0, 3)"), Error);
}

TEST_CASE("COCO dataset: crowd boxes stay in the instances; what is left out is counted once") {
  TinyCoco coco;
  CocoDetectionDataset ds(coco.options());
  const CocoDatasetStats& st = ds.stats();
  CHECK(st.images == 3);
  CHECK(st.annotations == 6);
  CHECK(st.other_categories == 0);
  CHECK(st.crowd_skipped == 1);       // ann 2
  CHECK(st.degenerate_dropped == 2);  // ann 3, ann 5
  CHECK(st.targets == 3);             // ann 1, 4, 6
  CHECK(st.empty_images == 1);        // image 30
  CHECK(ds.summary() == "COCO " + coco.json +
                            ": 3 images, 6 annotations -> 3 targets in 4 classes (1 crowd skipped, 2 degenerate "
                            "(< 1 px) dropped, 1 images without targets)");
  // The evaluator's ground truth is the whole file, crowd and degenerate boxes included.
  CHECK(ds.instances().annotations.size() == 6);
  CHECK(ds.instances().annotations[1].iscrowd);
  CHECK(ds.instances().categories.size() == 4);
  CHECK(&ds.instances() == &ds.all_instances());
  // get() is a pure function of the index: the same again, and the same from several threads.
  std::vector<DetectionSample> from_threads(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] { from_threads[static_cast<std::size_t>(t)] = ds.get(t % 3); });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    DetectionSample again = ds.get(t % 3);
    CHECK(from_threads[static_cast<std::size_t>(t)].boxes == again.boxes);
    CHECK(from_threads[static_cast<std::size_t>(t)].labels == again.labels);
    CHECK(std::equal(again.image.pixels, again.image.pixels + again.image.size_bytes(),
                     from_threads[static_cast<std::size_t>(t)].image.pixels));
  }
}

TEST_CASE("COCO dataset: a category filter keeps only those classes and targets") {
  TinyCoco coco;
  CocoDetectionDataset person(coco.options({"person"}));
  CHECK(person.class_names() == std::vector<std::string>{"person"});
  CHECK(person.category_map().coco_id(0) == 1);
  CHECK(person.size() == 3);  // every image stays (images without a person are negatives)
  const CocoDatasetStats& st = person.stats();
  CHECK(st.other_categories == 3);  // ann 1, 3, 4
  CHECK(st.crowd_skipped == 1);
  CHECK(st.degenerate_dropped == 1);  // ann 5
  CHECK(st.targets == 1);             // ann 6
  CHECK(st.empty_images == 2);
  CHECK(person.get(0).boxes == std::vector<Box>{{0, 0, 1, 1}});
  CHECK(person.get(0).labels == std::vector<std::int64_t>{0});
  CHECK(person.get(1).boxes.empty());
  CHECK(person.summary() ==
        "COCO " + coco.json +
            ": 3 images, 6 annotations -> 1 targets in 1 of 4 categories (person) (3 of other "
            "categories, 1 crowd skipped, 1 degenerate (< 1 px) dropped, 2 images without targets)");
  // Ground truth for evaluating this run: the person annotations (crowd included), all images.
  const CocoInstances& gt = person.instances();
  CHECK(gt.images.size() == 3);
  REQUIRE(gt.categories.size() == 1);
  CHECK(gt.categories[0].name == "person");
  REQUIRE(gt.annotations.size() == 3);
  CHECK(gt.annotations[0].id == 2);
  CHECK(gt.annotations[1].id == 5);
  CHECK(gt.annotations[2].id == 6);
  CHECK(person.all_instances().annotations.size() == 6);

  // Classes follow category ids whatever the order of the names.
  CocoDetectionDataset two(coco.options({"dog", "person"}));
  CHECK(two.class_names() == std::vector<std::string>{"person", "dog"});
  CHECK(two.get(1).labels == std::vector<std::int64_t>{1});

  CHECK_THROWS_WITH_AS(CocoDetectionDataset(coco.options({"cat"})),
                       doctest::Contains("category filter: unknown category 'cat'; valid names: person, car, dog, "
                                         "toothbrush"),
                       Error);
  CHECK_THROWS_WITH_AS(CocoDetectionDataset(coco.options({"dog", "dog"})),
                       doctest::Contains("category 'dog' is named twice"), Error);
}

TEST_CASE("filter_coco_instances: by names and by a category map") {
  TinyCoco coco;
  CocoInstances all = read_coco_instances(coco.json);
  CocoInstances cars = filter_coco_instances(all, std::vector<std::string>{"car"});
  CHECK(cars.source == coco.json);
  CHECK(cars.images.size() == 3);
  REQUIRE(cars.annotations.size() == 1);
  CHECK(cars.annotations[0].id == 4);
  REQUIRE(cars.categories.size() == 1);
  CHECK(cars.categories[0].id == 3);
  CHECK(filter_coco_instances(all, std::vector<std::string>{}).annotations.size() == 6);
  CategoryMap dogs_and_cars = CategoryMap::from_instances(all, {"dog", "car"});
  CocoInstances two = filter_coco_instances(all, dogs_and_cars);
  REQUIRE(two.annotations.size() == 2);
  CHECK(two.annotations[0].id == 1);
  CHECK(two.annotations[1].id == 4);
  CategoryMap renamed({{.id = 3, .name = "automobile", .supercategory = "vehicle"}}, "categories.json");
  CHECK_THROWS_WITH_AS(filter_coco_instances(all, renamed),
                       doctest::Contains("category id 3 is 'car' here but 'automobile' in the category map"), Error);
  CHECK_THROWS_WITH_AS(filter_coco_instances(all, std::vector<std::string>{"Dog"}),
                       doctest::Contains("unknown category 'Dog'"), Error);
}

TEST_CASE("COCO dataset: a missing image fails at construction, naming its full path") {
  TinyCoco coco;
  fs::remove(fs::path(coco.images) / "c.png");
  const std::string expected = fs::absolute(fs::path(coco.images) / "c.png").string();
  CHECK_THROWS_WITH_AS(CocoDetectionDataset(coco.options()),
                       doctest::Contains(str_cat("image id 30: file '", expected, "' not found").c_str()), Error);
  CHECK_THROWS_WITH_AS(
      CocoDetectionDataset({.annotation_file = coco.json, .image_dir = coco.tmp.str("nowhere"), .categories = {}}),
      doctest::Contains(str_cat("image folder '", coco.tmp.str("nowhere"), "'").c_str()), Error);
  CHECK_THROWS_WITH_AS(
      CocoDetectionDataset({.annotation_file = coco.tmp.str("none.json"), .image_dir = coco.images, .categories = {}}),
      doctest::Contains(str_cat("'", coco.tmp.str("none.json"), "' not found").c_str()), Error);
}

TEST_CASE("COCO dataset: an image whose size differs from the JSON is an error in get()") {
  TinyCoco coco;
  write_png(coco.images + "/a.png", testing::pattern_image(6, 8, 20));  // the JSON says 16x12
  CocoDetectionDataset ds(coco.options());
  CHECK_NOTHROW(ds.get(0));
  CHECK_THROWS_WITH_AS(ds.get(1), doctest::Contains("a.png: the image is 8x6 but"), Error);
  CHECK_THROWS_WITH_AS(ds.get(1), doctest::Contains("gives image id 20 the size 16x12"), Error);
}

TEST_CASE("CategoryMap: sparse ids <-> indices <-> names, and categories.json") {
  TinyCoco coco;
  CategoryMap map = CategoryMap::from_instances(read_coco_instances(coco.json));
  REQUIRE(map.size() == 4);
  const std::vector<std::int64_t> ids = {1, 3, 18, 90};
  for (std::int64_t i = 0; i < map.size(); ++i) {
    CHECK(map.coco_id(i) == ids[static_cast<std::size_t>(i)]);
    CHECK(map.index_of(map.coco_id(i)) == i);
    CHECK(map.index_of_name(map.name(i)) == i);
  }
  CHECK(map.name(3) == "toothbrush");
  CHECK(map.category(2).supercategory == "animal");
  CHECK_FALSE(map.contains_id(2));
  CHECK_THROWS_WITH_AS(map.index_of(2), doctest::Contains("category id 2 is not one of the 4 categories"), Error);
  CHECK_THROWS_WITH_AS(map.coco_id(4), doctest::Contains("class index 4 is outside [0, 4)"), Error);
  CHECK_THROWS_WITH_AS(map.index_of_name("cat"), doctest::Contains("valid names: person, car, dog, toothbrush"), Error);

  const std::string text = map.to_json();
  CHECK(text.find(R"({"id":18,"index":2,"name":"dog","supercategory":"animal"})") != std::string::npos);
  CHECK(CategoryMap::from_json(text, "mem") == map);
  write_categories_json(coco.tmp.str("categories.json"), map);
  CategoryMap back = read_categories_json(coco.tmp.str("categories.json"));
  CHECK(back == map);
  CHECK(back.names() == map.names());
  CHECK(back.index_of(90) == 3);
  CHECK_FALSE(fs::exists(coco.tmp.str("categories.json.tmp")));
  CategoryMap person = CategoryMap::from_instances(read_coco_instances(coco.json), {"person"});
  CHECK(CategoryMap::from_json(person.to_json(), "p") == person);
  CHECK_FALSE(person == map);
  CHECK(CategoryMap::from_json(CategoryMap().to_json(), "empty").empty());
}

TEST_CASE("CategoryMap: a broken categories.json names the file and the entry") {
  auto error_of = [](const std::string& text) {
    try {
      CategoryMap::from_json(text, "run/categories.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("{").find("run/categories.json: malformed JSON") == 0);
  CHECK(error_of("[]") == "run/categories.json: expected an object {\"categories\": [...]}");
  CHECK(error_of(R"({"categories": [{"index": 1, "id": 1, "name": "a"}]})") ==
        "run/categories.json: categories[0].index: expected 0 (the position in the list), got 1");
  CHECK(error_of(R"({"categories": [{"index": 0, "name": "a"}]})") ==
        "run/categories.json: categories[0].id: missing (a required field)");
  CHECK(error_of(R"({"categories": [{"index": 0, "id": "1", "name": "a"}]})") ==
        "run/categories.json: categories[0].id: expected an integer, got \"1\"");
  CHECK(error_of(R"({"categories": [{"index": 0, "id": 5, "name": "a"}, {"index": 1, "id": 2, "name": "b"}]})") ==
        "run/categories.json: categories[1].id: ids must increase along the list, but 2 follows 5");
  CHECK(error_of(R"({"categories": [{"index": 0, "id": 1, "name": "a"}, {"index": 1, "id": 2, "name": "a"}]})") ==
        "run/categories.json: duplicate category name 'a'");
  CHECK_THROWS_WITH_AS(read_categories_json("/nonexistent/categories.json"),
                       doctest::Contains("/nonexistent/categories.json"), Error);
}

TEST_CASE("the real COCO subset (if $LINATTN_DATA holds it): the README's counts") {
  // $LINATTN_DATA is the data root (holding coco-subset/) or the coco-subset folder itself.
  const char* env = std::getenv("LINATTN_DATA");
  std::string dir;
  if (env && *env)
    for (const fs::path& candidate : {fs::path(env) / "coco-subset", fs::path(env)})
      if (fs::is_regular_file(candidate / "annotations" / "instances_val.json")) {
        dir = candidate.string();
        break;
      }
  if (dir.empty()) {
    std::cout << "SKIP: $LINATTN_DATA is not set or holds no coco-subset\n";
    return;
  }
  struct Split {
    const char* name;
    std::int64_t images, annotations, crowd;
  };
  for (const Split& split : {Split{"train", 2729, 25053, 40}, Split{"val", 483, 4465, 10}}) {
    CAPTURE(split.name);
    CocoDetectionDataset ds({.annotation_file = dir + "/annotations/instances_" + split.name + ".json",
                             .image_dir = dir + "/" + split.name,
                             .categories = {}});
    std::cout << ds.summary() << "\n";
    CHECK(ds.size() == split.images);
    CHECK(ds.stats().annotations == split.annotations);
    CHECK(ds.stats().crowd_skipped == split.crowd);
    CHECK(ds.num_classes() == 80);
    CHECK(ds.category_map().coco_id(0) == 1);
    CHECK(ds.category_map().name(0) == "person");
    CHECK(ds.category_map().coco_id(79) == 90);
    CHECK(ds.category_map().name(79) == "toothbrush");
    CHECK(ds.stats().targets + ds.stats().crowd_skipped + ds.stats().degenerate_dropped == split.annotations);
    DetectionSample first = ds.get(0);
    CHECK(first.image.width == first.original_width);
    CHECK(first.image.height == first.original_height);
    CHECK(std::max(first.image.width, first.image.height) <= 384);
    for (const Box& b : first.boxes) {
      CHECK(b[0] >= 0);
      CHECK(b[2] <= static_cast<float>(first.image.width));
      CHECK(b[2] - b[0] >= 1);
      CHECK(b[3] - b[1] >= 1);
    }
  }
}
