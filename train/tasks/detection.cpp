// train/tasks/detection.cpp — see detection.h.
#include "train/tasks/detection.h"

#include <filesystem>

#include "core/autograd.h"
#include "core/factory.h"
#include "core/upload.h"
#include "data/category_map.h"
#include "data/coco.h"
#include "data/detection_collate.h"
#include "detection/coco_eval_report.h"
#include "detection/postprocess.h"
#include "models/model_type.h"
#include "train/data_setup.h"
#include "train/dataset_info.h"
#include "train/detection_gallery.h"

namespace linattn {

namespace {

// Whether the evaluated classes include COCO's person (all categories, or a filter naming it).
bool has_person(const DataConfig& data) {
  return data.categories.empty() ||
         std::find(data.categories.begin(), data.categories.end(), "person") != data.categories.end();
}

MetricsLayout detection_layout(const DataConfig& data) {
  MetricsLayout layout;
  layout.values = {{"test_loss", "test loss", /*loss=*/true, /*percent=*/false},
                   {"AP", "AP", false, false},
                   {"AP50", "AP50", false, false},
                   {"AP75", "AP75", false, false},
                   {"APs", "APs", false, false},
                   {"APm", "APm", false, false},
                   {"APl", "APl", false, false}};
  if (has_person(data)) layout.values.push_back({"AP_person", "AP person", false, false});
  layout.score_chart = "COCO box AP";
  layout.best = {"AP", /*higher_is_better=*/true};
  return layout;
}

// The COCO dataset behind a detection loader (a CocoSubset or the dataset itself).
const CocoDetectionDataset& coco_of(const DataLoader& loader) {
  const auto* batches = dynamic_cast<const DetectionBatches*>(&loader.source());
  LINATTN_CHECK(batches != nullptr, "task ", kDetectionTask,
                ": the loader does not serve detection batches (data/detection_collate.h DetectionBatches)");
  const DetectionDataset& dataset = batches->dataset();
  if (const auto* subset = dynamic_cast<const CocoSubset*>(&dataset)) return subset->coco();
  if (const auto* coco = dynamic_cast<const CocoDetectionDataset*>(&dataset)) return *coco;
  fail(str_cat("task ", kDetectionTask,
               ": the loader's dataset is not a COCO dataset (data/coco.h), so there is no ground truth to "
               "evaluate against"));
}

// The batch's targets on the run's device.
std::vector<DetectionTarget> targets_on_device(const std::vector<DetectionTarget>& targets, const ToDevice& to_device) {
  std::vector<DetectionTarget> out;
  out.reserve(targets.size());
  for (const DetectionTarget& t : targets) out.push_back({to_device(t.labels), to_device(t.boxes)});
  return out;
}

}  // namespace

detection::DetectionOutputs to_detection_outputs(const DetectorOutput& output, bool aux) {
  detection::DetectionOutputs out;
  out.final = {output.final.logits, output.final.boxes};
  if (aux)
    for (const DetectorPrediction& p : output.aux) out.aux.push_back({p.logits, p.boxes});
  return out;
}

struct DetectionTask::Pass {
  double loss_sum = 0;  // Σ over batches of the batch's set loss · B
  std::int64_t count = 0;
  bool complete = true;
  std::vector<detection::CocoDetection> detections;
  std::vector<std::int64_t> image_ids;  // the images evaluated, in order
  const CocoDetectionDataset* coco = nullptr;
};

DetectionTask::DetectionTask(ExperimentConfig config)
    : config_(std::move(config)), layout_(detection_layout(config_.data)) {}

ObjectDetector& DetectionTask::detector(Module& model) const {
  auto* d = dynamic_cast<ObjectDetector*>(&model);
  LINATTN_CHECK(d != nullptr, "model.name: model '", config_.model.name, "' is not an object detector, but task '",
                kDetectionTask, "' needs one (class scores and boxes of Q queries per image, models/detector.h)");
  return *d;
}

void DetectionTask::check_model(Module& model) const { detector(model); }

DetectionTransformOptions DetectionTask::transform_options() const {
  const DatasetInfo info = dataset_info(config_.data);
  DetectionTransformOptions o;
  o.image_size = static_cast<int>(info.image_size);
  o.hflip_prob = config_.data.augment.flip ? 0.5 : 0.0;
  o.scale_min = config_.data.augment.scale_min;
  o.scale_max = config_.data.augment.scale_max;
  o.photometric.brightness = o.photometric.contrast = o.photometric.saturation = config_.data.augment.color_jitter;
  o.mean = info.mean;
  o.stddev = info.std;
  return o;
}

detection::SetCriterionOptions DetectionTask::criterion_options(std::int64_t num_classes, bool sigmoid_scores) const {
  const DetectionConfig& d = config_.detection;
  detection::SetCriterionOptions o;
  o.num_classes = num_classes;
  o.eos_coef = d.eos_coef;
  o.weight_ce = d.loss_ce;
  o.weight_bbox = d.loss_bbox;
  o.weight_giou = d.loss_giou;
  o.focal = sigmoid_scores;
  o.focal_alpha = d.focal_alpha;
  o.focal_gamma = d.focal_gamma;
  o.matcher = {.cost_class = d.cost_class,
               .cost_bbox = d.cost_bbox,
               .cost_giou = d.cost_giou,
               .focal = sigmoid_scores,
               .focal_alpha = d.focal_alpha,
               .focal_gamma = d.focal_gamma};
  return o;
}

std::int64_t DetectionTask::eval_subset() const {
  const DataConfig& d = config_.data;
  if (d.eval_split == EvalSplit::Val) return d.test_subset;
  if (d.train_subset > 0 && d.test_subset > 0) return std::min(d.train_subset, d.test_subset);
  return std::max(d.train_subset, d.test_subset);
}

std::unique_ptr<DataLoader> DetectionTask::eval_loader(std::shared_ptr<const CocoDetectionDataset> coco) const {
  auto images = std::make_shared<const CocoSubset>(std::move(coco), eval_subset());
  return std::make_unique<DataLoader>(
      std::make_shared<const DetectionBatches>(images, transform_options(), DetectionMode::Eval),
      eval_loader_options(config_));
}

TaskLoaders DetectionTask::make_loaders(const std::string& cli_data_root, const InjectedData& injected) const {
  auto train = injected.coco_train ? injected.coco_train : load_coco_split(config_, cli_data_root, "train");
  std::shared_ptr<const CocoDetectionDataset> eval = train;
  if (config_.data.eval_split == EvalSplit::Val)
    eval = injected.coco_val ? injected.coco_val : load_coco_split(config_, cli_data_root, "val");
  for (const CocoDetectionDataset* set : {train.get(), eval.get()}) {
    const std::int64_t classes = model_num_classes(config_.model);
    LINATTN_CHECK(classes == 0 || classes == set->num_classes(), "model.num_classes is ", classes, " but ",
                  set->options().annotation_file, " has ", set->num_classes(), " classes",
                  config_.data.categories.empty() ? "" : " after the data.categories filter", " (",
                  set->category_map().names_list(), ")");
    LINATTN_CHECK(set->category_map() == train->category_map(), "the train and eval splits have different categories (",
                  train->category_map().names_list(), " in ", train->options().annotation_file, "; ",
                  set->category_map().names_list(), " in ", set->options().annotation_file, ")");
  }
  auto train_images = std::make_shared<const CocoSubset>(train, config_.data.train_subset);
  TaskLoaders loaders;
  loaders.train = std::make_unique<DataLoader>(
      std::make_shared<const DetectionBatches>(train_images, transform_options(), DetectionMode::Train),
      train_loader_options(config_));
  loaders.test = eval_loader(eval);
  return loaders;
}

std::unique_ptr<DataLoader> DetectionTask::make_test_loader(const std::string& cli_data_root) const {
  return eval_loader(load_coco_split(config_, cli_data_root, to_string(config_.data.eval_split)));
}

Tensor DetectionTask::loss(Module& model, const Batch& batch, const ToDevice& to_device) const {
  ObjectDetector& net = detector(model);
  LINATTN_CHECK(batch.targets.size() == static_cast<std::size_t>(batch.size()) && batch.images.defined(),
                "task ", kDetectionTask, ": expected a detection batch (one target per image), got ",
                batch.targets.size(), " targets for ", batch.size(), " images");
  Tensor images = to_device(batch.images);  // B x 3 x S x S, queued without waiting
  const std::vector<DetectionTarget> targets = targets_on_device(batch.targets, to_device);
  const DetectorOutput out = net.forward(images);  // logits B x Q x (K + 1) or B x Q x K, boxes B x Q x 4
  return detection::set_criterion(to_detection_outputs(out, config_.detection.aux_loss), targets,
                                  criterion_options(net.num_classes(), net.sigmoid_scores()))
      .total;
}

DetectionTask::Pass DetectionTask::run_pass(ObjectDetector& model, DataLoader& loader, Device device,
                                            const std::function<bool()>& should_stop) const {
  Pass pass;
  pass.coco = &coco_of(loader);
  const CategoryMap& categories = pass.coco->category_map();
  LINATTN_CHECK(model.num_classes() == categories.size(), "model.name: model '", config_.model.name, "' predicts ",
                model.num_classes(), " classes but the evaluated data has ", categories.size(), " (",
                categories.names_list(), ")");
  const detection::SetCriterionOptions criterion = criterion_options(model.num_classes(), model.sigmoid_scores());
  const detection::PostprocessOptions post{.focal = model.sigmoid_scores(),
                                           .max_detections = config_.detection.max_detections};
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  DeviceUploader uploader(device);
  const ToDevice to_device = [&](const Tensor& t) { return uploader.upload(t); };
  loader.start_epoch(0);
  try {
    while (auto batch = loader.next()) {
      if (should_stop && should_stop()) {
        pass.complete = false;
        break;
      }
      const DetectorOutput out = model.forward(to_device(batch->images));  // B x Q x ...
      const double loss = detection::set_criterion(to_detection_outputs(out, config_.detection.aux_loss),
                                                   targets_on_device(batch->targets, to_device), criterion)
                              .total.item();
      const std::int64_t B = batch->size();
      pass.loss_sum += loss * static_cast<double>(B);
      const auto detections = detection::detections_to_coco(out.final.logits, out.final.boxes, *batch,
                                                            batch->images.size(2), categories, post);
      pass.detections.insert(pass.detections.end(), detections.begin(), detections.end());
      pass.image_ids.insert(pass.image_ids.end(), batch->image_ids.begin(), batch->image_ids.end());
      pass.count += B;
    }
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
  return pass;
}

TaskEvaluation DetectionTask::values_of(const Pass& pass, const detection::CocoEvalResult* result) const {
  TaskEvaluation r;
  r.count = pass.count;
  r.complete = pass.complete;
  for (const MetricSpec& spec : layout_.values) r.values.push_back({spec.name, std::nullopt});
  if (pass.count == 0 || !result) return r;
  r.values[0].value = pass.loss_sum / static_cast<double>(pass.count);
  for (std::size_t i = 0; i < 6; ++i) r.values[1 + i].value = result->stats[i];  // AP .. APl
  if (r.values.size() > 7) {  // AP_person
    const auto& names = pass.coco->category_map().names();
    const auto it = std::find(names.begin(), names.end(), "person");
    if (it != names.end()) {
      const std::int64_t id = pass.coco->category_map().coco_id(it - names.begin());
      if (result->per_category_ap.count(id)) r.values[7].value = result->per_category_ap.at(id);
    }
  }
  return r;
}

TaskEvaluation DetectionTask::evaluate(Module& model, DataLoader& loader, Device device,
                                       const std::function<bool()>& should_stop) const {
  const Pass pass = run_pass(detector(model), loader, device, should_stop);
  if (pass.count == 0) return values_of(pass, nullptr);
  const detection::CocoEvalResult result =
      detection::coco_evaluate(restrict_to_images(pass.coco->instances(), pass.image_ids), pass.detections);
  return values_of(pass, &result);
}

TaskEvaluation DetectionTask::evaluate_report(Module& model, DataLoader& loader, Device device,
                                              const EvalReportRequest& request, EvalReport& report) const {
  const Pass pass = run_pass(detector(model), loader, device, {});
  const std::string split = to_string(config_.data.eval_split);
  if (pass.count == 0) {
    report.text = "no images to evaluate in the " + split + " split\n";
    return values_of(pass, nullptr);
  }
  const CocoInstances ground_truth = restrict_to_images(pass.coco->instances(), pass.image_ids);
  const detection::CocoEvalResult result = detection::coco_evaluate(ground_truth, pass.detections);
  report.text = str_cat(pass.detections.size(), " detections on ", pass.count, " ", split, " images, ",
                        ground_truth.categories.size(), " categories\n", detection::format_coco_summary(result),
                        "\nAP per category (IoU=0.50:0.95, area=all, maxDets=100):\n",
                        detection::format_per_category_ap(result, ground_truth.categories));
  std::string path = request.results_path;
  if (path.empty() && !request.run_dir.empty())
    path = (std::filesystem::path(request.run_dir) / ("detections_" + split + ".json")).string();
  if (!path.empty()) {
    detection::write_coco_results(path, pass.detections);
    report.files.push_back(path);
  }
  return values_of(pass, &result);
}

void DetectionTask::write_run_files(const std::string& run_dir, const DataLoader& train_loader) const {
  write_categories_json((std::filesystem::path(run_dir) / "categories.json").string(),
                        coco_of(train_loader).category_map());
}

std::string DetectionTask::report_html(Module& model, const DataLoader& eval_loader, Device device) const {
  GalleryOptions options;
  options.max_detections = config_.detection.max_detections;
  if (config_.data.eval_split == EvalSplit::Train) options.title = "Training images (data.eval_split: train)";
  return detection_report_html(model, eval_loader, device, coco_of(eval_loader).category_map(), options);
}

Batch DetectionTask::synthetic_batch(std::int64_t B, Device device, Generator& gen) const {
  const DatasetInfo info = dataset_info(config_.data);
  const std::int64_t S = info.image_size;
  std::int64_t K = model_num_classes(config_.model);
  if (K <= 0) K = info.num_classes;
  Batch batch;
  batch.images = randn({B, 3, S, S}, {.device = device}, &gen);
  for (std::int64_t i = 0; i < B; ++i) {
    const std::int64_t T = gen.randint(0, 6);
    Tensor labels = Tensor::empty({T}, {.dtype = DType::I64});
    Tensor boxes = Tensor::empty({T, 4});  // T x 4 cxcywh, each box inside the canvas
    for (std::int64_t t = 0; t < T; ++t) {
      labels.data<std::int64_t>()[t] = gen.randint(0, K);
      const double w = 0.05 + 0.45 * gen.uniform(), h = 0.05 + 0.45 * gen.uniform();
      const double cx = 0.5 * w + (1.0 - w) * gen.uniform(), cy = 0.5 * h + (1.0 - h) * gen.uniform();
      float* b = boxes.data<float>() + 4 * t;
      b[0] = static_cast<float>(cx), b[1] = static_cast<float>(cy), b[2] = static_cast<float>(w),
      b[3] = static_cast<float>(h);
    }
    batch.targets.push_back({labels.to(device), boxes.to(device)});
    batch.image_ids.push_back(i + 1);
    batch.original_sizes.push_back({S, S});
    batch.scales.push_back(1.0);
    batch.indices.push_back(i);
  }
  return batch;
}

}  // namespace linattn
