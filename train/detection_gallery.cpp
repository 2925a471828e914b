// train/detection_gallery.cpp — see detection_gallery.h.
#include "train/detection_gallery.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/autograd.h"
#include "core/error.h"
#include "data/box_transforms.h"
#include "data/image_write.h"
#include "detection/postprocess.h"
#include "train/report.h"

namespace linattn {

namespace {

// Restores a module's training mode when it goes out of scope.
class EvalModeScope {
 public:
  explicit EvalModeScope(Module& m) : module_(m), was_training_(m.is_training()) { m.eval(); }
  ~EvalModeScope() { module_.train(was_training_); }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  Module& module_;
  bool was_training_;
};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string base64_encode(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (n > 1) v |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (n > 2) v |= bytes[i + 2];
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += n > 1 ? kAlphabet[v >> 6 & 63] : '=';
    out += n > 2 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::vector<GalleryImage> render_detection_gallery(ObjectDetector& model, const DetectionBatches& source,
                                                   const CategoryMap& categories, Device device,
                                                   const GalleryOptions& options) {
  const DetectionDataset& dataset = source.dataset();
  const std::int64_t n = std::min(options.images, dataset.size());
  if (n <= 0) return {};
  LINATTN_CHECK(model.num_classes() == categories.size(), "detection gallery: the model predicts ",
                model.num_classes(), " classes but the data has ", categories.size(), " (", categories.names_list(),
                ")");
  std::vector<DetectionSample> samples;
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < n; ++i) {
    samples.push_back(dataset.get(i));
    indices.push_back(i);
  }
  Generator unused(0);  // the eval transforms draw nothing
  const Batch batch =
      collate_detection(samples, indices, categories.size(), source.options(), DetectionMode::Eval, unused);

  std::vector<detection::CocoDetection> detections;
  {
    NoGradGuard no_grad;
    EvalModeScope eval(model);
    const DetectorOutput out = model.forward(batch.images.to(device));  // (n, Q, C), (n, Q, 4)
    detection::PostprocessOptions post;
    post.focal = model.sigmoid_scores();
    post.max_detections = options.max_detections;
    post.score_threshold = options.score_threshold;
    detections = detection::detections_to_coco(out.final.logits, out.final.boxes, batch, source.options().image_size,
                                               categories, post);
  }

  std::vector<GalleryImage> gallery;
  for (std::int64_t i = 0; i < n; ++i) {
    const DetectionSample& s = samples[static_cast<std::size_t>(i)];
    BoxedImage boxed = to_boxed(s);
    const double factor =
        std::min(1.0, static_cast<double>(options.max_side) / std::max(1, std::max(s.image.height, s.image.width)));
    if (factor < 1.0) boxed = resize(boxed, factor);
    GalleryImage g;
    g.image_id = s.image_id;
    g.ground_truth = static_cast<std::int64_t>(boxed.boxes.size());
    g.thumbnail = std::move(boxed.image);
    const DrawStyle style = default_style(g.thumbnail.height, g.thumbnail.width);
    for (const auto& box : boxed.boxes) draw_labeled_box_(g.thumbnail, box, "", kGroundTruthColor, style);
    // Predictions lowest score first, so the most confident boxes are drawn on top.
    for (auto it = detections.rbegin(); it != detections.rend(); ++it) {
      if (it->image_id != s.image_id) continue;
      const auto& b = it->bbox;  // x y w h, original pixels (= the sample's image)
      const std::array<float, 4> box = {static_cast<float>(b[0] * factor), static_cast<float>(b[1] * factor),
                                        static_cast<float>((b[0] + b[2]) * factor),
                                        static_cast<float>((b[1] + b[3]) * factor)};
      const std::string label = categories.name(categories.index_of(it->category_id)) + " " + fixed(it->score, 2);
      draw_labeled_box_(g.thumbnail, box, label, kPredictionColor, style);
      g.predictions.insert(g.predictions.begin(), *it);
    }
    gallery.push_back(std::move(g));
  }
  return gallery;
}

std::string detection_gallery_html(const std::vector<GalleryImage>& images, const GalleryOptions& options) {
  std::ostringstream out;
  out << "<h2>" << html_escape(options.title) << "</h2>\n<p>The model's predictions scoring at least "
      << fixed(options.score_threshold, 2)
      << " in <span style=\"color:rgb(" << int{kPredictionColor.r} << ',' << int{kPredictionColor.g} << ','
      << int{kPredictionColor.b} << ")\">red</span> (class and score), the ground truth in "
      << "<span style=\"color:rgb(" << int{kGroundTruthColor.r} << ',' << int{kGroundTruthColor.g} << ','
      << int{kGroundTruthColor.b} << ")\">green</span>; the weights of the last evaluation.</p>\n";
  if (images.empty()) return out.str() + "<p>No images to show.</p>\n";
  out << "<div style=\"display:flex;flex-wrap:wrap;gap:12px\">\n";
  for (const GalleryImage& g : images) {
    out << "<figure style=\"margin:0\"><img alt=\"image " << g.image_id << "\" width=\"" << g.thumbnail.width
        << "\" height=\"" << g.thumbnail.height << "\" src=\"data:image/jpeg;base64,"
        << base64_encode(encode_jpeg(g.thumbnail, options.jpeg_quality)) << "\"><figcaption>image " << g.image_id
        << ": " << g.predictions.size() << " predicted, " << g.ground_truth << " ground truth</figcaption></figure>\n";
  }
  out << "</div>\n";
  return out.str();
}

std::string detection_report_html(Module& model, const DataLoader& eval_loader, Device device,
                                  const CategoryMap& categories, const GalleryOptions& options) {
  auto* detector = dynamic_cast<ObjectDetector*>(&model);
  auto* source = dynamic_cast<const DetectionBatches*>(&eval_loader.source());
  if (!detector || !source) return {};
  return detection_gallery_html(render_detection_gallery(*detector, *source, categories, device, options), options);
}

}  // namespace linattn
