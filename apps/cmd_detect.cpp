// apps/cmd_detect.cpp — `linattn detect RUN IMAGE... --out DIR`: a trained detection run on image
// files. Each image goes through the evaluation pipeline exactly (letterbox onto the model's
// S x S canvas, data/box_transforms.h; the detector; detection/postprocess.h back to the image's
// own pixels); the detections scoring at least --threshold are drawn onto the original image
// (data/draw_boxes.h: a box and a "name score" tag per detection, one colour per class) and
// listed in a JSON file per image.
//
// Every input is checked before the model is built (the run folder, its task, the checkpoint,
// every image path), and every failure — a missing or corrupt image included — is one message
// naming the path (exit 2); images drawn before a corrupt one stay written.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "apps/cli.h"
#include "core/autograd.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "data/box_transforms.h"
#include "data/category_map.h"
#include "data/detection_collate.h"
#include "data/draw_boxes.h"
#include "data/image.h"
#include "data/image_write.h"
#include "detection/postprocess.h"
#include "models/detector.h"
#include "models/model_type.h"
#include "train/atomic_file.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/data_setup.h"
#include "train/device_setup.h"
#include "train/run_dir.h"
#include "train/task.h"
#include "train/tasks/detection.h"

namespace linattn::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kHelp = R"(usage: linattn detect RUN IMAGE... --out DIR [options]

Runs the detector of a trained detection run (task: detection) on image files (JPEG or PNG).
For each IMAGE it writes
  DIR/<stem>.png   the image with every detection scoring at least --threshold drawn as a box
                   with its class name and score (one colour per class)
  DIR/<stem>.json  those detections, highest score first, in pixels of the original image:
                   [{"bbox": [x, y, w, h], "score": 0.91, "category_id": 1, "category": "person"}, ...]
(bbox is COCO's: top-left corner, width and height; category_id is the COCO id). Each image is
letterboxed onto the model's canvas (data.image_size) exactly as the evaluation does. The class
names come from RUN/categories.json, else from the COCO annotations of the run's data config.

options:
  --out DIR           where the drawn images and JSON files go (created when missing)
  --threshold T       the lowest score drawn and listed, in [0, 1] (default 0.3)
  --checkpoint WHICH  best (default: checkpoints/best, else checkpoints/latest), last
                      (checkpoints/latest), or a checkpoint folder or model .safetensors file
  --data-root DIR     where the COCO annotations are, when RUN has no categories.json
  --set KEY=VALUE     override a key of the run's config, e.g. --set device=cpu (repeatable)

Two images with the same stem get DIR/<stem>.png and DIR/<stem>-2.png; an output that would
overwrite an input image gets the suffix -detect.
)";

// --threshold: a number in [0, 1].
double parse_threshold(const std::string& text) {
  double v = std::numeric_limits<double>::quiet_NaN();
  std::size_t used = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(v >= 0.0 && v <= 1.0))
    throw UsageError(str_cat("--threshold must be a number in [0, 1], got '", text, "'"));
  return v;
}

// The checkpoint `which` names for the run at `paths`; `note` says when best fell back to latest.
std::string choose_checkpoint(const RunPaths& paths, const std::string& which, std::string& note) {
  auto has_model = [](const std::string& dir) {
    std::error_code ec;
    return fs::is_regular_file(fs::path(dir) / kModelFile, ec) ||
           fs::is_regular_file(fs::path(dir + ".old") / kModelFile, ec);
  };
  if (which == "best") {
    if (has_model(paths.best)) return find_checkpoint(paths.best);
    LINATTN_CHECK(has_model(paths.latest), "run '", paths.root, "' has no checkpoint yet (neither ", paths.best,
                  " nor ", paths.latest, ") ---> HINT: train it first, or pass --checkpoint PATH");
    note = "no checkpoints/best (no evaluation yet); using checkpoints/latest";
    return find_checkpoint(paths.latest);
  }
  if (which == "last" || which == "latest") {
    LINATTN_CHECK(has_model(paths.latest), "run '", paths.root, "' has no ", paths.latest,
                  " ---> HINT: train it first, or pass --checkpoint best or a PATH");
    return find_checkpoint(paths.latest);
  }
  LINATTN_CHECK(fs::exists(which), "--checkpoint '", which, "' is neither best, last nor an existing path");
  if (fs::is_directory(which) && !fs::is_regular_file(fs::path(which) / kModelFile)) return find_checkpoint(which);
  return which;
}

// The run's classes: RUN/categories.json, else the COCO annotations its data config names.
CategoryMap run_categories(const RunPaths& paths, const ExperimentConfig& config, const std::string& data_root,
                           std::string& source) {
  const std::string file = (fs::path(paths.root) / "categories.json").string();
  if (fs::is_regular_file(file)) {
    source = file;
    return read_categories_json(file);
  }
  try {
    auto coco = load_coco_split(config, data_root, "val");
    source = coco->options().annotation_file;
    return coco->category_map();
  } catch (const Error& e) {
    fail(str_cat("run '", paths.root, "' has no categories.json, and its class names could not be read from ",
                 "its data config: ", e.what()));
  }
}

// A path as the file system resolves it (for "is this the same file"); the path itself when
// that fails.
fs::path resolved(const fs::path& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(p, ec);
  return ec ? p : r;
}

// Output names: the image's stem, made unique within this call and never an input's own path.
std::vector<std::string> output_stems(const std::vector<std::string>& images, const std::string& out_dir) {
  std::set<fs::path> inputs;
  for (const auto& i : images) inputs.insert(resolved(i));
  auto is_input = [&](const std::string& s, const char* ext) {
    return inputs.count(resolved(fs::path(out_dir) / (s + ext))) > 0;
  };
  std::set<std::string> used;
  std::vector<std::string> stems;
  for (const auto& i : images) {
    std::string stem = fs::path(i).stem().string();
    if (stem.empty()) stem = "image";
    if (is_input(stem, ".png") || is_input(stem, ".json")) stem += "-detect";
    std::string name = stem;
    for (int k = 2; used.count(name) || is_input(name, ".png") || is_input(name, ".json"); ++k)
      name = stem + "-" + std::to_string(k);
    used.insert(name);
    stems.push_back(name);
  }
  return stems;
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

int run_detect(const Args& args) {
  ParsedArgs p = parse_args("detect", args,
                            {{"--out", true}, {"--threshold", true}, {"--checkpoint", true}, {"--data-root", true},
                             {"--set", true, true}});
  if (p.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  expect_positional("detect", p, 2, std::numeric_limits<std::size_t>::max(), "a RUN folder and at least one IMAGE");
  if (!p.has("--out")) throw UsageError("`linattn detect` needs --out DIR, the folder for the drawn images");
  const double threshold = parse_threshold(p.value("--threshold", "0.3"));
  const std::string out_dir = p.value("--out");
  const std::string run = p.positional[0];
  const std::vector<std::string> images(p.positional.begin() + 1, p.positional.end());

  // The run: its folder, config, task and checkpoint.
  LINATTN_CHECK(fs::exists(run), "run folder '", run, "' does not exist");
  const RunPaths paths(run);
  LINATTN_CHECK(fs::is_directory(run) && fs::is_regular_file(paths.config), "'", run,
                "' is not a run folder (a folder with config.yaml and checkpoints/, e.g. runs/<name>)");
  ExperimentConfig config = load_config(paths.config, p.all("--set"));
  LINATTN_CHECK(config.task == kDetectionTask, "linattn detect needs a detection run; '", run, "' is ", config.task,
                " (task: ", config.task, " in its config.yaml) ---> HINT: `linattn eval ", run, "` evaluates it");
  std::string note;
  const std::string checkpoint = choose_checkpoint(paths, p.value("--checkpoint", "best"), note);

  // Every image exists before anything runs (decoding happens one at a time, below).
  for (const auto& image : images) {
    LINATTN_CHECK(fs::exists(image), "image '", image, "' does not exist");
    LINATTN_CHECK(fs::is_regular_file(image), "image '", image, "' is not a file");
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  LINATTN_CHECK(fs::is_directory(out_dir), "cannot create the output folder '", out_dir, "'",
                ec ? ": " + ec.message() : "");

  std::string categories_source;
  const CategoryMap categories = run_categories(paths, config, p.value("--data-root"), categories_source);
  apply_device_config(config);  // the device exists (else a clear error)
  set_num_threads(static_cast<int>(config.threads));
  Generator gen(static_cast<std::uint64_t>(config.seed));
  std::unique_ptr<Task> task = make_task(config.task, config);
  std::shared_ptr<Module> model = make_model(config.model, gen);
  task->check_model(*model);
  auto* detector = dynamic_cast<ObjectDetector*>(model.get());
  LINATTN_CHECK(detector != nullptr, "model.name: model '", config.model.name, "' is not an object detector");
  LINATTN_CHECK(detector->num_classes() == categories.size(), "the model predicts ", detector->num_classes(),
                " classes but ", categories_source, " lists ", categories.size(), " (", categories.names_list(), ")");
  load_weights(checkpoint, *model);
  model->to(config.device);
  model->eval();
  if (!note.empty()) std::printf("%s\n", note.c_str());
  std::printf("checkpoint %s (%s), classes from %s\n", checkpoint.c_str(), config.model.name.c_str(),
              categories_source.c_str());

  auto* detection_task = dynamic_cast<const DetectionTask*>(task.get());
  LINATTN_CHECK(detection_task != nullptr, "task '", config.task, "' is not the detection task");
  const DetectionTransformOptions transform = detection_task->transform_options();  // the eval loader's
  detection::PostprocessOptions post;
  post.focal = detector->sigmoid_scores();
  post.max_detections = config.detection.max_detections;
  post.score_threshold = threshold;

  const std::vector<std::string> stems = output_stems(images, out_dir);
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto image = std::make_shared<const Image>(load_image(images[i]));  // error names the path
    DetectionSample sample;
    sample.image = image->view();
    sample.owner = image;
    sample.image_id = static_cast<std::int64_t>(i);
    sample.original_height = image->height;
    sample.original_width = image->width;
    const Batch batch = collate_detection({sample}, {static_cast<std::int64_t>(i)}, categories.size(), transform,
                                          DetectionMode::Eval, gen);
    std::vector<detection::CocoDetection> found;
    {
      NoGradGuard no_grad;
      const DetectorOutput out = detector->forward(batch.images.to(config.device));  // (1, Q, C), (1, Q, 4)
      found = detection::detections_to_coco(out.final.logits, out.final.boxes, batch, transform.image_size,
                                            categories, post);
    }

    Image drawn = *image;
    const DrawStyle style = default_style(drawn.height, drawn.width);
    std::string list = "[";  // one detection per line
    for (const auto& d : found) {
      const nlohmann::ordered_json j{
          {"bbox", {round2(d.bbox[0]), round2(d.bbox[1]), round2(d.bbox[2]), round2(d.bbox[3])}},
          {"score", std::round(d.score * 1e4) / 1e4},
          {"category_id", d.category_id},
          {"category", categories.name(categories.index_of(d.category_id))}};
      list += (list.size() > 1 ? ",\n  " : "\n  ") + j.dump();
    }
    list += found.empty() ? "]\n" : "\n]\n";
    // Lowest score first, so the most confident boxes end up on top.
    for (auto it = found.rbegin(); it != found.rend(); ++it) {
      const auto& b = it->bbox;
      const std::int64_t index = categories.index_of(it->category_id);
      char score[16];
      std::snprintf(score, sizeof score, "%.2f", it->score);
      draw_labeled_box_(drawn,
                        {static_cast<float>(b[0]), static_cast<float>(b[1]), static_cast<float>(b[0] + b[2]),
                         static_cast<float>(b[1] + b[3])},
                        categories.name(index) + " " + score, palette_color(index), style);
    }
    const std::string png = (fs::path(out_dir) / (stems[i] + ".png")).string();
    const std::string json = (fs::path(out_dir) / (stems[i] + ".json")).string();
    write_png(png, drawn);
    write_text_atomically(json, list);
    std::printf("%s: %zu detection%s with score >= %g -> %s, %s\n", images[i].c_str(), found.size(),
                found.size() == 1 ? "" : "s", threshold, png.c_str(), json.c_str());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

Command detect_command() {
  return {"detect", "draw a detection run's boxes onto images (PNG + JSON per image)", kHelp, run_detect};
}

}  // namespace linattn::cli
