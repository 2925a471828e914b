// detection/postprocess.cpp — see postprocess.h.
#include "detection/postprocess.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/autograd.h"
#include "core/error.h"

namespace linattn::detection {

namespace {

// Host float64 copy of a float tensor, without autograd.
std::vector<double> host_values(const Tensor& t) {
  NoGradGuard no_grad;
  return t.cpu().to(DType::F64).to_vector<double>();
}

// Normalized canvas (cx, cy, w, h) -> COCO (x, y, w, h) in original pixels, clipped to the image.
std::array<double, 4> to_original_xywh(const double* cxcywh, double canvas_size, double scale, double height,
                                       double width) {
  auto clip = [](double v, double hi) { return std::clamp(v, 0.0, hi); };
  const double to_px = canvas_size / scale;  // normalized canvas -> original pixels
  const double x1 = clip((cxcywh[0] - 0.5 * cxcywh[2]) * to_px, width);
  const double y1 = clip((cxcywh[1] - 0.5 * cxcywh[3]) * to_px, height);
  const double x2 = clip((cxcywh[0] + 0.5 * cxcywh[2]) * to_px, width);
  const double y2 = clip((cxcywh[1] + 0.5 * cxcywh[3]) * to_px, height);
  return {x1, y1, std::max(0.0, x2 - x1), std::max(0.0, y2 - y1)};
}

struct Scored {
  double score;
  std::int64_t query, label;
};

// One image's (query, class) candidates, highest score first (stable: ties keep query order).
std::vector<Scored> rank_image(const double* logits, std::int64_t Q, std::int64_t C, std::int64_t K,
                               const PostprocessOptions& options) {
  std::vector<Scored> out;
  if (options.focal) {  // sigmoid per (query, class); every pair is a candidate
    out.reserve(static_cast<std::size_t>(Q * K));
    for (std::int64_t q = 0; q < Q; ++q)
      for (std::int64_t k = 0; k < K; ++k) out.push_back({1.0 / (1.0 + std::exp(-logits[q * C + k])), q, k});
  } else {  // softmax over K + 1; the best real class of each query
    out.reserve(static_cast<std::size_t>(Q));
    for (std::int64_t q = 0; q < Q; ++q) {
      const double* row = logits + q * C;
      const double m = *std::max_element(row, row + C);
      double denominator = 0;
      for (std::int64_t c = 0; c < C; ++c) denominator += std::exp(row[c] - m);
      const std::int64_t best = std::max_element(row, row + K) - row;  // first maximum among real classes
      out.push_back({std::exp(row[best] - m) / denominator, q, best});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  if (static_cast<std::int64_t>(out.size()) > options.max_detections)
    out.resize(static_cast<std::size_t>(options.max_detections));
  return out;
}

}  // namespace

std::vector<CocoDetection> detections_to_coco(const Tensor& logits, const Tensor& boxes, const Batch& batch,
                                              std::int64_t canvas_size, const CategoryMap& categories,
                                              const PostprocessOptions& options) {
  LINATTN_CHECK(logits.dim() == 3 && boxes.dim() == 3 && boxes.shape()[2] == 4 &&
                    boxes.shape()[0] == logits.shape()[0] && boxes.shape()[1] == logits.shape()[1],
                "detections_to_coco: expected logits (B, Q, C) and boxes (B, Q, 4), got ", shape_str(logits.shape()),
                " and ", shape_str(boxes.shape()));
  const std::int64_t B = logits.shape()[0], Q = logits.shape()[1], C = logits.shape()[2];
  const std::int64_t K = categories.size();
  LINATTN_CHECK(C == (options.focal ? K : K + 1), "detections_to_coco: logits have ", C, " classes, but ", K,
                " categories need ", options.focal ? K : K + 1,
                options.focal ? " (sigmoid scores: one per category)" : " (softmax: the categories + no-object)");
  LINATTN_CHECK(static_cast<std::int64_t>(batch.image_ids.size()) == B &&
                    static_cast<std::int64_t>(batch.original_sizes.size()) == B &&
                    static_cast<std::int64_t>(batch.scales.size()) == B,
                "detections_to_coco: the batch carries ", batch.image_ids.size(), " image ids, ",
                batch.original_sizes.size(), " original sizes and ", batch.scales.size(), " scales for ", B,
                " predicted images (a detection batch is needed)");
  LINATTN_CHECK(canvas_size > 0, "detections_to_coco: canvas_size must be positive, got ", canvas_size);
  LINATTN_CHECK(options.max_detections > 0, "detections_to_coco: max_detections must be positive, got ",
                options.max_detections);

  const std::vector<double> scores = host_values(logits), xywh = host_values(boxes);
  std::vector<CocoDetection> out;
  for (std::int64_t b = 0; b < B; ++b) {
    const auto [height, width] = batch.original_sizes[static_cast<std::size_t>(b)];
    const double scale = batch.scales[static_cast<std::size_t>(b)];
    LINATTN_CHECK(scale > 0, "detections_to_coco: image ", batch.image_ids[static_cast<std::size_t>(b)],
                  " has letterbox scale ", scale);
    for (const Scored& s : rank_image(scores.data() + b * Q * C, Q, C, K, options)) {
      if (s.score < options.score_threshold) break;  // ranked: the rest score lower
      const double* box = xywh.data() + (b * Q + s.query) * 4;
      out.push_back({.image_id = batch.image_ids[static_cast<std::size_t>(b)],
                     .category_id = categories.coco_id(s.label),
                     .bbox = to_original_xywh(box, static_cast<double>(canvas_size), scale,
                                              static_cast<double>(height), static_cast<double>(width)),
                     .score = s.score});
    }
  }
  return out;
}

}  // namespace linattn::detection
