// tests/train/detection_cli_fixture.h — what the detection CLI tests (test_cli_detect.cpp,
// test_cli_sweep.cpp, test_detection_gallery.cpp) build for themselves: a tiny COCO-format
// dataset on disk (root/coco-subset/annotations/instances_{train,val}.json + PNG images whose
// "objects" are flat-coloured rectangles), a tiny detr_lite config for it (S 64, 1 + 1 layers,
// widths 8/16, 10 queries — trains a step in well under a second), and a detection run folder
// written directly (config.yaml, categories.json, checkpoints/best and latest of freshly
// initialized weights), so `linattn detect` can be tested without training. Header-only.
#pragma once
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/category_map.h"
#include "data/image.h"
#include "data/image_write.h"
#include "models/model_type.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/run_dir.h"

namespace linattn::testing {

// One image of the tiny dataset: its size and its objects (x, y, w, h; category id).
struct TinyCocoObject {
  double x, y, w, h;
  int category_id;  // 1 person, 3 car
};
struct TinyCocoImage {
  int id, height, width;
  std::vector<TinyCocoObject> objects;
};

// Image i of a split: sizes vary (landscape, portrait, square), one person, every other one a car.
inline TinyCocoImage tiny_coco_image(int id) {
  const int height = 40 + 8 * (id % 3), width = 72 - 12 * (id % 3);
  TinyCocoImage img{id, height, width, {{4.0 + id % 5, 6.0, 14.0, 24.0, 1}}};
  if (id % 2 == 0) img.objects.push_back({width - 26.0, height - 18.0, 20.0, 12.0, 3});
  return img;
}

// The pixels: grey background with pseudo-random noise, persons red, cars blue.
inline Image tiny_coco_pixels(const TinyCocoImage& info) {
  Image img(info.height, info.width, 3);
  for (int y = 0; y < info.height; ++y)
    for (int x = 0; x < info.width; ++x)
      for (int c = 0; c < 3; ++c) img.at(y, x, c) = static_cast<std::uint8_t>(100 + (x * 7 + y * 13 + c * 29) % 40);
  for (const auto& o : info.objects)
    for (int y = static_cast<int>(o.y); y < static_cast<int>(o.y + o.h); ++y)
      for (int x = static_cast<int>(o.x); x < static_cast<int>(o.x + o.w); ++x) {
        img.at(y, x, 0) = o.category_id == 1 ? 220 : 30;
        img.at(y, x, 1) = 40;
        img.at(y, x, 2) = o.category_id == 1 ? 30 : 220;
      }
  return img;
}

// root/coco-subset/{annotations,train,val}: `train` and `val` images (ids 1.. and 1001..).
inline void write_tiny_coco(const std::filesystem::path& root, int train, int val) {
  namespace fs = std::filesystem;
  const fs::path dir = root / "coco-subset";
  fs::create_directories(dir / "annotations");
  auto split = [&](const std::string& name, int first_id, int count) {
    fs::create_directories(dir / name);
    nlohmann::json images = nlohmann::json::array(), annotations = nlohmann::json::array();
    for (int k = 0; k < count; ++k) {
      const TinyCocoImage info = tiny_coco_image(first_id + k);
      const std::string file = std::to_string(info.id) + ".png";
      write_png((dir / name / file).string(), tiny_coco_pixels(info));
      images.push_back({{"id", info.id}, {"file_name", file}, {"height", info.height}, {"width", info.width}});
      for (const auto& o : info.objects)
        annotations.push_back({{"id", annotations.size() + 1},
                               {"image_id", info.id},
                               {"category_id", o.category_id},
                               {"bbox", {o.x, o.y, o.w, o.h}},
                               {"area", o.w * o.h},
                               {"iscrowd", 0}});
    }
    const nlohmann::json categories = {{{"id", 1}, {"name", "person"}, {"supercategory", "person"}},
                                       {{"id", 3}, {"name", "car"}, {"supercategory", "vehicle"}}};
    std::ofstream(dir / "annotations" / ("instances_" + name + ".json"))
        << nlohmann::json{{"images", images}, {"annotations", annotations}, {"categories", categories}}.dump();
  };
  split("train", 1, train);
  split("val", 1001, val);
}

// A tiny detr_lite on the tiny dataset (both classes unless `categories` says otherwise).
inline std::string tiny_detr_yaml(const std::string& name, const std::string& categories = "[person, car]",
                                  int num_classes = 2) {
  return "name: " + name + R"(
seed: 5
threads: 1
task: detection
data:
  dataset: coco
  image_size: 64
  categories: )" + categories + R"(
  batch_size: 2
  workers: 0
model:
  name: detr_lite
  num_classes: )" + std::to_string(num_classes) + R"(
  backbone_width: 8
  backbone_blocks: 1
  norm_groups: 4
  dim: 16
  heads: 2
  enc_layers: 1
  dec_layers: 1
  mlp_ratio: 2
  num_queries: 10
train:
  epochs: 1
  max_steps: 2
  log_every: 1
)";
}

// A run folder for `config` without training: config.yaml, categories.json (unless
// `with_categories` is false) and the model's freshly initialized weights (seed config.seed)
// as checkpoints/best and checkpoints/latest.
inline void write_untrained_run(const std::string& run_dir, const ExperimentConfig& config,
                                const CategoryMap& categories, bool with_categories = true) {
  namespace fs = std::filesystem;
  RunPaths paths(run_dir);
  fs::create_directories(paths.checkpoints);
  std::ofstream(paths.config) << to_yaml(config);
  if (with_categories) write_categories_json((fs::path(run_dir) / "categories.json").string(), categories);
  Generator gen(static_cast<std::uint64_t>(config.seed));
  auto model = make_model(config.model, gen);
  save_checkpoint(paths.best, *model, nullptr, TrainingState{});
  save_checkpoint(paths.latest, *model, nullptr, TrainingState{});
}

// The two classes of the tiny dataset, as categories.json holds them.
inline CategoryMap tiny_coco_categories() {
  return CategoryMap({{.id = 1, .name = "person", .supercategory = "person"},
                      {.id = 3, .name = "car", .supercategory = "vehicle"}});
}

}  // namespace linattn::testing
