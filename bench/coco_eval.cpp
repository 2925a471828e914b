// bench/coco_eval.cpp — times the COCO box evaluator (detection/coco_eval.h) on a seeded
// synthetic set the size of a DETR validation pass: 500 images × 100 detections, 10 categories,
// 1–15 ground-truth boxes per image across the small/medium/large ranges, some crowd regions.
// Reports the median of several runs of coco_evaluate, and of writing + reading the results
// file, with the command, CPU and date; --out writes the same as Markdown. Never part of ctest.
// Usage: coco_eval [--images N] [--dets D] [--runs R] [--out FILE.md] [--data DIR]
//   --data DIR also writes the synthetic set as DIR/gt.json + DIR/dt.json (COCO formats), so that
//   bench/run_detection.py can time another evaluator on the same data. The last line printed is
//   one JSON object with the timings.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bench/timing.h"
#include "detection/coco_eval.h"

using namespace linattn;
using namespace linattn::detection;

namespace {

constexpr std::int64_t kCategoryIds[] = {1, 2, 3, 5, 7, 11, 13, 17, 19, 23};  // sparse, like COCO's

struct Synthetic {
  CocoInstances gt;
  std::vector<CocoDetection> dets;
};

// Ground truth: per image 1–15 boxes, sides log-uniform in [6, 320] px, the `area` field
// 0.6–0.9 of the box (a segmentation's share), 2% crowd. Detections: each box found up to
// three times with jitter and a high-ish score, the rest of the 100 random boxes and classes.
Synthetic make_synthetic(int images, int dets_per_image, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto side = [&] { return 6.0 * std::exp(u(rng) * std::log(320.0 / 6.0)); };
  auto category = [&] { return kCategoryIds[rng() % std::size(kCategoryIds)]; };
  Synthetic s;
  s.gt.source = "synthetic";
  for (std::int64_t c : kCategoryIds) s.gt.categories.push_back({c, "class" + std::to_string(c), "thing"});
  std::int64_t ann_id = 1;
  for (int i = 1; i <= images; ++i) {
    s.gt.images.push_back({i, "synthetic_" + std::to_string(i) + ".jpg", 640, 480});
    const int boxes = 1 + static_cast<int>(rng() % 15);
    std::vector<CocoDetection> found;
    for (int b = 0; b < boxes; ++b) {
      const double w = std::min(side(), 640.0), h = std::min(side(), 480.0);
      const std::array<double, 4> box = {u(rng) * (640 - w), u(rng) * (480 - h), w, h};
      const std::int64_t cat = category();
      s.gt.annotations.push_back({ann_id++, i, cat, box, w * h * (0.6 + 0.3 * u(rng)), u(rng) < 0.02});
      const int copies = static_cast<int>(rng() % 4);  // 0: missed
      for (int c = 0; c < copies && static_cast<int>(found.size()) < dets_per_image; ++c) {
        auto j = [&](double scale) { return (u(rng) - 0.5) * 0.3 * scale; };
        found.push_back({i, cat, {box[0] + j(w), box[1] + j(h), w * (1 + j(1)), h * (1 + j(1))}, 0.3 + 0.7 * u(rng)});
      }
    }
    while (static_cast<int>(found.size()) < dets_per_image) {
      const double w = side(), h = side();
      found.push_back({i, category(), {u(rng) * 600, u(rng) * 440, w, h}, 0.6 * u(rng)});
    }
    s.dets.insert(s.dets.end(), found.begin(), found.end());
  }
  return s;
}

// The ground truth as an instances JSON file (the fields linattn and pycocotools read).
void write_instances_json(const std::string& path, const CocoInstances& gt) {
  nlohmann::json images = nlohmann::json::array(), annotations = nlohmann::json::array(),
                 categories = nlohmann::json::array();
  for (const auto& i : gt.images)
    images.push_back({{"id", i.id}, {"file_name", i.file_name}, {"width", i.width}, {"height", i.height}});
  for (const auto& a : gt.annotations)
    annotations.push_back({{"id", a.id}, {"image_id", a.image_id}, {"category_id", a.category_id},
                           {"bbox", a.bbox}, {"area", a.area}, {"iscrowd", a.iscrowd ? 1 : 0}});
  for (const auto& c : gt.categories)
    categories.push_back({{"id", c.id}, {"name", c.name}, {"supercategory", c.supercategory}});
  std::ofstream(path) << nlohmann::json{{"images", images}, {"annotations", annotations}, {"categories", categories}}.dump();
}

}  // namespace

int main(int argc, char** argv) {
  int images = 500, dets = 100, runs = 7;
  std::string out_path, data_dir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--images") && i + 1 < argc) images = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dets") && i + 1 < argc) dets = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
    else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) data_dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--images N] [--dets D] [--runs R] [--out FILE.md] [--data DIR]\n", argv[0]);
      return 2;
    }
  }
  std::ostringstream command;
  command << argv[0] << " --images " << images << " --dets " << dets << " --runs " << runs;
  if (!out_path.empty()) command << " --out " << out_path;

  std::string load = "?";
  if (std::ifstream in("/proc/loadavg"); in) in >> load;  // 1-minute load average when started
  const Synthetic s = make_synthetic(images, dets, 2024);
  CocoEvalResult result;
  const double eval_s = bench::median_seconds([&] { result = coco_evaluate(s.gt, s.dets); }, runs, 1);

  const std::string tmp = (std::filesystem::temp_directory_path() /
                           ("linattn_bench_coco_eval_" + std::to_string(::getpid()) + ".json")).string();
  std::size_t read_back = 0;
  const double io_s = bench::median_seconds([&] {
    write_coco_results(tmp, s.dets);
    read_back = read_coco_results(tmp).size();
  }, runs, 1);
  const auto file_bytes = std::filesystem::file_size(tmp);
  std::filesystem::remove(tmp);

  std::ostringstream md;
  md << "# bench/coco_eval\n\n"
     << "- command: `" << command.str() << "`\n"
     << "- machine: " << bench::cpu_model() << " (the evaluator is single-threaded)\n"
     << "- date: " << bench::today() << " (load average " << load << " when started)\n"
     << "- data: seeded synthetic set, " << images << " images, " << s.gt.categories.size() << " categories, "
     << s.gt.annotations.size() << " ground-truth boxes, " << s.dets.size() << " detections (" << dets
     << " per image)\n\n"
     << "| step | median of " << runs << " | per image |\n|---|---:|---:|\n";
  char row[200];
  std::snprintf(row, sizeof row, "| coco_evaluate (evaluate + accumulate + summarize) | %.1f ms | %.1f µs |\n",
                eval_s * 1e3, eval_s * 1e6 / images);
  md << row;
  std::snprintf(row, sizeof row, "| write + read the results JSON (%.1f MB, %zu detections) | %.1f ms | %.1f µs |\n",
                static_cast<double>(file_bytes) / 1e6, read_back, io_s * 1e3, io_s * 1e6 / images);
  md << row;
  std::snprintf(row, sizeof row, "\nAP %.3f, AP50 %.3f, AP75 %.3f, AR100 %.3f (a check that the set is not trivial).\n",
                result.stats[0], result.stats[1], result.stats[2], result.stats[8]);
  md << row;
  std::fputs(md.str().c_str(), stdout);
  if (!data_dir.empty()) {
    write_instances_json(data_dir + "/gt.json", s.gt);
    write_coco_results(data_dir + "/dt.json", s.dets);
  }
  std::printf("{\"evaluate_ms\": %.3f, \"io_ms\": %.3f, \"images\": %d, \"detections\": %zu, \"ap\": %.17g}\n",
              eval_s * 1e3, io_s * 1e3, images, s.dets.size(), result.stats[0]);
  if (!out_path.empty()) {
    std::ofstream out(out_path);
    out << md.str();
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", out_path.c_str());
      return 1;
    }
  }
  return 0;
}
