// detection/coco_eval_report.h — how a COCO evaluation is shown: pycocotools' 12-line summary
// (the same text, character for character), a per-category AP table, and one JSON line
// {"stats": [...], "per_category": {...}} for scripts. Used by `linattn cocoeval`.
#pragma once
#include <string>
#include <vector>

#include "detection/coco_eval.h"

namespace linattn::detection {

// The names of the 12 stats, in CocoEvalResult::stats order: "AP", "AP50", ..., "ARl".
const std::vector<std::string>& coco_stat_names();

// pycocotools' COCOeval.summarize() output, 12 lines ending in '\n':
//  " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.504"
std::string format_coco_summary(const CocoEvalResult& result);

// One line per category, in id order: name, id, AP (area all, maxDets 100) with 3 decimals, or
// "n/a" for a category without ground truth. `categories` gives the names (an id without one is
// shown by its id).
std::string format_per_category_ap(const CocoEvalResult& result, const std::vector<CocoCategory>& categories);

// {"stats": [12 numbers], "per_category": {"<name>": AP, ...}} on one line (no newline), in
// category id order; the key is the category's name, or its id when the name is empty or shared
// with another category. -1 marks what has no ground truth, as in the stats.
std::string coco_eval_json(const CocoEvalResult& result, const std::vector<CocoCategory>& categories);

}  // namespace linattn::detection
