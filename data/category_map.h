// data/category_map.h — COCO's sparse category ids (1..90 with gaps in COCO 2017) <-> the
// contiguous class indices a model predicts (0..K-1) <-> category names. Built by the COCO
// dataset (data/coco.h) from an instances file, optionally restricted to some category names;
// written into every run folder as categories.json so that detections are written back with
// the original ids (detection/coco_eval.h) long after the dataset is gone.
//
// Invariants: indices follow increasing COCO id (the order pycocotools' getCatIds() gives);
// ids and names are unique.
//
// categories.json (the order of the list is the class index; `index` repeats it for readers):
//   {"categories": [{"index": 0, "id": 1, "name": "person", "supercategory": "person"}, ...]}
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/coco_json.h"

namespace linattn {

class CategoryMap {
 public:
  CategoryMap() = default;
  // All categories, sorted by id. `source` names where they came from in errors (duplicate id or
  // name).
  explicit CategoryMap(std::vector<CocoCategory> categories, const std::string& source = "categories");
  // Only the categories named in `names` (any order; sorted by id in the map). An unknown or
  // repeated name is an error; an unknown one lists the valid names. Empty `names`: all.
  static CategoryMap from_instances(const CocoInstances& instances, const std::vector<std::string>& names = {});

  std::int64_t size() const { return static_cast<std::int64_t>(categories_.size()); }
  bool empty() const { return categories_.empty(); }
  bool contains_id(std::int64_t coco_id) const { return index_of_id_.count(coco_id) > 0; }
  std::int64_t index_of(std::int64_t coco_id) const;        // error on an id outside the map
  std::int64_t index_of_name(std::string_view name) const;  // error lists the valid names
  std::int64_t coco_id(std::int64_t index) const;           // error on an index outside [0, size)
  const std::string& name(std::int64_t index) const;
  const CocoCategory& category(std::int64_t index) const;
  const std::vector<CocoCategory>& categories() const { return categories_; }  // index -> category
  const std::vector<std::string>& names() const { return names_; }             // index -> name
  std::string names_list() const;                                              // "person, bicycle, ..." for messages

  // categories.json text (see above), and back; `source` names the text in errors.
  std::string to_json() const;
  static CategoryMap from_json(std::string_view text, const std::string& source);

  bool operator==(const CategoryMap& other) const;

 private:
  std::vector<CocoCategory> categories_;  // K, sorted by id
  std::vector<std::string> names_;        // K
  std::unordered_map<std::int64_t, std::int64_t> index_of_id_;
};

// categories.json in a run folder: written atomically (temporary name, then renamed); read back
// with every field checked. Errors name the path.
void write_categories_json(const std::string& path, const CategoryMap& map);
CategoryMap read_categories_json(const std::string& path);

}  // namespace linattn
