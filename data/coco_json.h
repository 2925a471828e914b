// data/coco_json.h — the official COCO "instances" annotation format (instances_val2017.json
// and the like), read into plain structs: images, annotations, categories. Used by the COCO
// detection dataset (data/coco.h) and the COCO evaluator (detection/coco_eval.h).
//
// Errors name the file and the field: malformed JSON (with the parser's byte offset), a missing
// or mistyped field ("annotations[17].bbox: expected 4 numbers"), an annotation pointing at an
// unknown image or category id, duplicate ids. Fields the format has but linattn does not use
// (segmentation, keypoints, licenses, info, extra image fields) are ignored.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linattn {

struct CocoImage {
  std::int64_t id = 0;
  std::string file_name;
  std::int64_t width = 0, height = 0;  // pixels
};

struct CocoAnnotation {
  std::int64_t id = 0, image_id = 0, category_id = 0;
  std::array<double, 4> bbox{};  // x, y, w, h in pixels (top-left corner + size)
  double area = 0;               // the file's `area` (the segmentation area in real COCO), not w·h
  bool iscrowd = false;
};

struct CocoCategory {
  std::int64_t id = 0;  // COCO's sparse ids (1..90 with gaps)
  std::string name, supercategory;
};

struct CocoInstances {
  std::vector<CocoImage> images;
  std::vector<CocoAnnotation> annotations;
  std::vector<CocoCategory> categories;
  std::string source;  // the file it was read from (for messages)
};

// Reads and checks an instances JSON file. A missing file names its path.
CocoInstances read_coco_instances(const std::string& path);
// The same from text; `source` names it in errors (the fuzz target and tests use this).
CocoInstances parse_coco_instances(std::string_view json_text, const std::string& source);

}  // namespace linattn
