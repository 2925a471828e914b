// train/tasks/detection.h — set-prediction object detection as a Task (train/task.h),
// `task: detection`: COCO loaders from the data config (train/data_setup.h: the category filter
// data.categories, the first data.train_subset / data.test_subset images, the detection
// transforms on a data.image_size canvas, data/detection_collate.h), DETR's set loss of an
// ObjectDetector's outputs (detection/set_criterion.h with the `detection:` section's weights;
// focal loss when the model scores with sigmoids), and COCO box evaluation of the evaluated split
// (detection/postprocess.h, detection/coco_eval.h).
//
// Evaluation: data.eval_split val (the val split, test_subset applied) or train (the training
// images with the eval transforms, train_subset then test_subset applied). The ground truth is
// the split's instances restricted to the images evaluated and the dataset's categories. Its
// metrics.jsonl values, in order: "test_loss" (the set loss of the eval images), "AP", "AP50",
// "AP75", "APs", "APm", "APl" (pycocotools' stats, -1 where no ground truth falls in the range)
// and "AP_person" when person is one of the classes (data.categories empty or naming it); the
// best checkpoint is the highest AP.
//
// A run folder gets categories.json (class index -> COCO category, data/category_map.h), and
// `linattn eval` prints pycocotools' 12-line summary and writes the detections in COCO's
// results format to runs/<name>/detections_<split>.json (or --out).
#pragma once
#include <vector>

#include "data/box_transforms.h"
#include "detection/coco_eval.h"
#include "detection/set_criterion.h"
#include "models/detector.h"
#include "train/task.h"

namespace linattn {

inline constexpr const char* kDetectionTask = "detection";

class DetectionTask : public Task {
 public:
  explicit DetectionTask(ExperimentConfig config);

  std::string name() const override { return kDetectionTask; }
  const MetricsLayout& metrics() const override { return layout_; }
  void check_model(Module& model) const override;
  TaskLoaders make_loaders(const std::string& cli_data_root, const InjectedData& injected) const override;
  std::unique_ptr<DataLoader> make_test_loader(const std::string& cli_data_root) const override;
  // The set loss of the detector's outputs for images (B, 3, S, S) against the batch's targets.
  Tensor loss(Module& model, const Batch& batch, const ToDevice& to_device) const override;
  TaskEvaluation evaluate(Module& model, DataLoader& loader, Device device,
                          const std::function<bool()>& should_stop = {}) const override;
  // Images (B, 3, S, S) ~ N(0, 1); per image 0..5 valid boxes (cxcywh inside the canvas) with
  // labels uniform in [0, K); image ids 1..B, original size S x S, scale 1.
  Batch synthetic_batch(std::int64_t B, Device device, Generator& gen) const override;
  // categories.json: the training data's class index -> COCO category map.
  void write_run_files(const std::string& run_dir, const DataLoader& train_loader) const override;
  // The 12 COCO stats and the per-category AP as text; the detections in COCO's results format
  // written to request.results_path, else <run_dir>/detections_<eval split>.json.
  TaskEvaluation evaluate_report(Module& model, DataLoader& loader, Device device, const EvalReportRequest& request,
                                 EvalReport& report) const override;
  // The gallery of the first evaluated images, predictions and ground truth drawn
  // (train/detection_gallery.h).
  std::string report_html(Module& model, const DataLoader& eval_loader, Device device) const override;

  // The config's transform options: canvas data.image_size (or the dataset's), flip p 0.5 when
  // data.augment.flip, the scale range, the dataset's normalization.
  DetectionTransformOptions transform_options() const;
  // The set criterion for a model scoring with sigmoids (focal) or softmax.
  detection::SetCriterionOptions criterion_options(std::int64_t num_classes, bool sigmoid_scores) const;

 private:
  struct Pass;  // one evaluation pass: losses, detections, the images seen
  ObjectDetector& detector(Module& model) const;  // the model as a detector, or an error
  Pass run_pass(ObjectDetector& model, DataLoader& loader, Device device,
                const std::function<bool()>& should_stop) const;
  TaskEvaluation values_of(const Pass& pass, const detection::CocoEvalResult* result) const;
  std::int64_t eval_subset() const;  // images of the eval split used; 0: all
  std::unique_ptr<DataLoader> eval_loader(std::shared_ptr<const CocoDetectionDataset> coco) const;

  ExperimentConfig config_;
  MetricsLayout layout_;
};

// A detector's outputs as the set criterion's (logits and boxes of the final and the earlier
// decoder layers; `aux` false leaves the earlier ones out).
detection::DetectionOutputs to_detection_outputs(const DetectorOutput& output, bool aux);

}  // namespace linattn
