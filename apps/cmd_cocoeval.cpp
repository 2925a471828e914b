// apps/cmd_cocoeval.cpp — `linattn cocoeval`: COCO box mAP of a results file against a ground
// truth instances file, with pycocotools' COCOeval semantics and printout (detection/coco_eval.h),
// plus a per-category AP table; --json for scripts.
#include <cstdio>
#include <filesystem>

#include "apps/cli.h"
#include "data/coco_json.h"
#include "detection/coco_eval.h"
#include "detection/coco_eval_report.h"

namespace linattn::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kHelp = R"(usage: linattn cocoeval GT.json DETECTIONS.json [--json]

Evaluates detections in COCO's results format — a JSON list of
{"image_id", "category_id", "bbox": [x, y, w, h], "score"} — against a COCO instances file
(instances_val2017.json or a subset), exactly as pycocotools' COCOeval does for boxes: AP at
IoU 0.50:0.95, 0.50 and 0.75, AP by area (small/medium/large), AR at 1/10/100 detections.
Every image of GT.json counts, also those without detections; a category without ground truth
is left out of the means (shown as n/a, -1 in the JSON).

options:
  --json   print one line {"stats": [12 numbers, pycocotools' order], "per_category": {"name": AP}}
)";

int run_cocoeval(const Args& args) {
  ParsedArgs p = parse_args("cocoeval", args, {{"--json", false}});
  if (p.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  expect_positional("cocoeval", p, 2, 2, "GT.json and DETECTIONS.json");
  const std::string& gt_path = p.positional[0];
  const std::string& dets_path = p.positional[1];
  for (const auto& path : {gt_path, dets_path})
    LINATTN_CHECK(fs::is_regular_file(path), "'", path, "' ", fs::exists(path) ? "is not a file" : "does not exist");
  const CocoInstances gt = read_coco_instances(gt_path);
  const auto detections = detection::read_coco_results(dets_path);
  const detection::CocoEvalResult result = detection::coco_evaluate(gt, detections);

  if (p.has("--json")) {
    std::printf("%s\n", detection::coco_eval_json(result, gt.categories).c_str());
  } else {
    std::printf("%s: %zu detections on %zu images, %zu categories\n", dets_path.c_str(), detections.size(),
                gt.images.size(), gt.categories.size());
    std::fputs(detection::format_coco_summary(result).c_str(), stdout);
    std::printf("\nAP per category (IoU=0.50:0.95, area=all, maxDets=100):\n");
    std::fputs(detection::format_per_category_ap(result, gt.categories).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

Command cocoeval_command() {
  return {"cocoeval", "COCO box mAP of a detections file (pycocotools' COCOeval)", kHelp, run_cocoeval};
}

}  // namespace linattn::cli
