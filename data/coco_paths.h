// data/coco_paths.h — where one split of a COCO-format dataset lives under a data root. Two
// layouts are recognized inside the dataset folder D = <root>/<dataset>:
//   the linattn COCO subset:        D/annotations/instances_<split>.json      + D/<split>/
//   the official COCO 2017 release: D/annotations/instances_<split>2017.json  + D/<split>2017/
// so a user with the full COCO 2017 downloads unpacks annotations_trainval2017.zip, train2017.zip
// and val2017.zip into one folder D and names it as the dataset (e.g. `coco2017`).
#pragma once
#include <string>

namespace linattn {

struct CocoSplitPaths {
  std::string annotations;  // the instances JSON file
  std::string images;       // the folder holding the split's image files
};

// split: "train" or "val" (or any name the folder uses). Error names the dataset folder and
// every file and folder tried.
CocoSplitPaths find_coco_split(const std::string& data_root, const std::string& dataset, const std::string& split);

}  // namespace linattn
