// tests/fuzz/fuzz_coco_json.cpp — libFuzzer target for the COCO instances reader
// (data/coco_json.h: parse_coco_instances on the input text) and the category map built from it
// (data/category_map.h).
//
// Expected: instances, or a linattn::Error naming the problem. Anything else (a crash, a sanitizer
// report, an exception of another type — say, one of nlohmann::json's escaping the reader —, a
// hang) is a finding. Instances that load must keep the reader's promises (else this target
// aborts): every annotation refers to a listed image and category, boxes have no negative size,
// ids are unique; and a category map of them survives the categories.json round trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "core/error.h"
#include "data/category_map.h"
#include "data/coco_json.h"

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_coco_json: %s\n", what);
  std::abort();
}

void check_instances(const linattn::CocoInstances& in) {
  std::set<std::int64_t> images, categories, annotations;
  for (const auto& image : in.images) {
    if (!images.insert(image.id).second) finding("a duplicate image id was accepted");
    if (image.width <= 0 || image.height <= 0 || image.file_name.empty()) finding("a bad image was accepted");
  }
  for (const auto& category : in.categories)
    if (!categories.insert(category.id).second) finding("a duplicate category id was accepted");
  for (const auto& a : in.annotations) {
    if (!annotations.insert(a.id).second) finding("a duplicate annotation id was accepted");
    if (!images.count(a.image_id)) finding("an annotation of an unknown image was accepted");
    if (!categories.count(a.category_id)) finding("an annotation of an unknown category was accepted");
    if (!(a.bbox[2] >= 0 && a.bbox[3] >= 0 && a.area >= 0)) finding("a negative box size or area was accepted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  linattn::CocoInstances instances;
  try {
    instances = linattn::parse_coco_instances(text, "fuzz.json");
  } catch (const linattn::Error&) {
    return 0;  // rejected: expected
  }
  check_instances(instances);
  linattn::CategoryMap map;
  try {
    map = linattn::CategoryMap::from_instances(instances);
  } catch (const linattn::Error&) {
    return 0;  // e.g. two categories with one name
  }
  try {
    if (!(linattn::CategoryMap::from_json(map.to_json(), "categories.json") == map))
      finding("categories.json does not read back to the same map");
  } catch (const linattn::Error& e) {
    std::fprintf(stderr, "fuzz_coco_json: categories.json written from a valid map does not load: %s\n", e.what());
    std::abort();
  }
  return 0;
}
