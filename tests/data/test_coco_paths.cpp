// tests/data/test_coco_paths.cpp — find_coco_split: both folder layouts, and the error that
// lists what was tried.
#include <doctest/doctest.h>

#include <fstream>

#include "data/coco_paths.h"
#include "fixtures.h"

namespace linattn {
namespace {

void touch(const std::filesystem::path& p) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << "{}";
}

TEST_CASE("find_coco_split: the subset's layout and COCO 2017's") {
  testing::TempDir root;
  touch(root.path() / "coco-subset/annotations/instances_val.json");
  std::filesystem::create_directories(root.path() / "coco-subset/val");
  CocoSplitPaths subset = find_coco_split(root.str(), "coco-subset", "val");
  CHECK(subset.annotations == (root.path() / "coco-subset/annotations/instances_val.json").string());
  CHECK(subset.images == (root.path() / "coco-subset/val").string());

  touch(root.path() / "coco2017/annotations/instances_train2017.json");
  std::filesystem::create_directories(root.path() / "coco2017/train2017");
  CocoSplitPaths official = find_coco_split(root.str(), "coco2017", "train");
  CHECK(official.annotations == (root.path() / "coco2017/annotations/instances_train2017.json").string());
  CHECK(official.images == (root.path() / "coco2017/train2017").string());
}

TEST_CASE("find_coco_split: a missing folder or file is an error naming what was tried") {
  testing::TempDir root;
  CHECK_THROWS_WITH_AS(find_coco_split(root.str(), "coco-subset", "val"),
                       doctest::Contains("coco-subset does not exist"), Error);
  touch(root.path() / "coco-subset/annotations/instances_val.json");  // annotations but no images
  try {
    find_coco_split(root.str(), "coco-subset", "val");
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("instances_val.json (found)") != std::string::npos);
    CHECK(what.find("val/ (missing)") != std::string::npos);
    CHECK(what.find("instances_val2017.json (missing)") != std::string::npos);
  }
}

}  // namespace
}  // namespace linattn
