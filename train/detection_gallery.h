// train/detection_gallery.h — the gallery of report.html for a detection run: the first images
// of the evaluated split with the model's predicted boxes (one colour, "name score" tags) and
// the ground-truth boxes (another colour), as one HTML section of inline base64 JPEG thumbnails
// (report.html stays one self-contained file). The detection task renders it after each
// evaluation (Task::report_html, train/task.h) and the trainer hands it to the report
// (ReportInfo::extra_html, train/report.h).
//
// Invariants: the images go through the evaluation pipeline exactly (letterbox, canvas,
// detections_to_coco), so a box drawn is a detection the COCO evaluation saw (above the
// threshold); the model's training mode is restored and no autograd graph is built; the
// thumbnails are drawn at most max_side pixels on their long side (never enlarged).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/device.h"
#include "data/category_map.h"
#include "data/detection_collate.h"
#include "data/draw_boxes.h"
#include "data/loader.h"
#include "detection/coco_eval.h"
#include "layers/module.h"
#include "models/detector.h"

namespace linattn {

struct GalleryOptions {
  std::int64_t images = 8;          // the first N images of the split (fewer when it has fewer)
  double score_threshold = 0.3;     // predictions scoring below it are not drawn
  std::int64_t max_detections = 100;  // per image, before the threshold (detection.max_detections)
  int max_side = 384;               // thumbnail long side, px
  int jpeg_quality = 85;
  std::string title = "Validation images";  // the section's heading
};

inline constexpr Rgb kPredictionColor{214, 39, 40};  // red
inline constexpr Rgb kGroundTruthColor{44, 160, 44};  // green

// One drawn image: the thumbnail and what was drawn on it.
struct GalleryImage {
  std::int64_t image_id = 0;
  Image thumbnail;
  std::vector<detection::CocoDetection> predictions;  // drawn, original pixels (COCO x y w h)
  std::int64_t ground_truth = 0;                      // boxes drawn
};

// The model's predictions on the first options.images images of `source` (its eval transforms
// are used whatever its mode), drawn with the ground truth. `categories` maps the model's K
// classes to names and COCO ids (K = categories.size()).
std::vector<GalleryImage> render_detection_gallery(ObjectDetector& model, const DetectionBatches& source,
                                                   const CategoryMap& categories, Device device,
                                                   const GalleryOptions& options = {});

// The HTML section: a heading, a legend sentence and one <figure> per image (inline
// data:image/jpeg;base64 <img>, a caption with the image id and the box counts).
std::string detection_gallery_html(const std::vector<GalleryImage>& images, const GalleryOptions& options = {});

// The whole section for the report, from what the detection task holds after an evaluation:
// the model (an ObjectDetector) and the evaluation loader (serving DetectionBatches). "" when
// either is something else (nothing to draw).
std::string detection_report_html(Module& model, const DataLoader& eval_loader, Device device,
                                  const CategoryMap& categories, const GalleryOptions& options = {});

// RFC 4648 base64 with padding.
std::string base64_encode(const std::vector<std::uint8_t>& bytes);

}  // namespace linattn
