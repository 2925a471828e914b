// data/coco_paths.cpp — see coco_paths.h.
#include "data/coco_paths.h"

#include <filesystem>

#include "core/error.h"

namespace linattn {

namespace fs = std::filesystem;

CocoSplitPaths find_coco_split(const std::string& data_root, const std::string& dataset, const std::string& split) {
  LINATTN_CHECK(!split.empty(), "find_coco_split: the split name is empty (expected e.g. train or val)");
  const fs::path folder = fs::path(data_root) / dataset;
  std::error_code ec;
  LINATTN_CHECK(fs::is_directory(folder, ec), "COCO dataset folder ", folder.string(), " does not exist");
  std::string tried;
  for (const std::string suffix : {"", "2017"}) {  // the subset's names, then COCO 2017's
    const fs::path annotations = folder / "annotations" / ("instances_" + split + suffix + ".json");
    const fs::path images = folder / (split + suffix);
    const bool has_annotations = fs::is_regular_file(annotations, ec), has_images = fs::is_directory(images, ec);
    if (has_annotations && has_images) return {annotations.string(), images.string()};
    tried += str_cat("\n  ", annotations.string(), has_annotations ? " (found)" : " (missing)", " + ",
                     images.string(), has_images ? "/ (found)" : "/ (missing)");
  }
  fail(str_cat("cannot find the '", split, "' split of the COCO dataset in ", folder.string(), "; tried:", tried,
               "\n---> HINT: the folder must hold annotations/instances_", split, ".json and ", split,
               "/ (or COCO 2017's annotations/instances_", split, "2017.json and ", split, "2017/)"));
}

}  // namespace linattn
