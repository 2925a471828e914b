// detection/coco_eval.cpp — coco_evaluate: pycocotools' COCOeval.evaluate, accumulate and
// summarize for bounding boxes (the per-image matching is in coco_eval_image.cpp). The loops and
// their order follow cocoeval.py, including the sort stability and numpy's summation order in
// the means, so the 12 numbers agree with pycocotools to the last bit on ordinary input.
#include "detection/coco_eval.h"

#include <algorithm>
#include <cfloat>
#include <unordered_map>

#include "core/error.h"
#include "detection/coco_eval_image.h"

namespace linattn::detection {

namespace {

constexpr int T = kCocoNumIouThresholds, R = kCocoNumRecallThresholds, A = kCocoNumAreaRanges, M = kCocoNumMaxDets;

// numpy's float64 sum (pairwise: blocks of up to 128 summed with 8 accumulators, halves above),
// so that means agree bit for bit with np.mean.
double numpy_pairwise_sum(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

// np.mean(s[s > -1]), or -1 when no entry is > -1 (pycocotools' summarize).
double mean_of_defined(const std::vector<double>& values) {
  std::vector<double> kept;
  kept.reserve(values.size());
  for (double v : values)
    if (v > -1) kept.push_back(v);
  if (kept.empty()) return -1.0;
  return (0.0 + numpy_pairwise_sum(kept.data(), kept.size())) / static_cast<double>(kept.size());
}

// Sorted unique ids (np.unique / sorted(getIds())).
template <class Item>
std::vector<std::int64_t> sorted_ids(const std::vector<Item>& items) {
  std::vector<std::int64_t> ids;
  for (const auto& item : items) ids.push_back(item.id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::unordered_map<std::int64_t, std::size_t> index_of(const std::vector<std::int64_t>& ids) {
  std::unordered_map<std::int64_t, std::size_t> index;
  for (std::size_t i = 0; i < ids.size(); ++i) index.emplace(ids[i], i);
  return index;
}

// accumulate() for one (category, area range, maxDets): fills precision[t, :, k, a, m] and
// recall[t, k, a, m] from the per-image results, in image id order (absent pairs skipped).
void accumulate_one(const std::vector<const coco::ImageCategoryEval*>& evals, int max_det, int k, int a, int m,
                    CocoEvalResult& result) {
  const int K = static_cast<int>(result.category_ids.size());
  struct Entry {
    double score;
    const coco::ImageCategoryEval* eval;
    std::size_t d;
  };
  std::vector<Entry> entries;
  std::int64_t regular_gts = 0;
  for (const auto* e : evals) {
    const std::size_t n = std::min(e->dt_scores.size(), static_cast<std::size_t>(max_det));
    for (std::size_t d = 0; d < n; ++d) entries.push_back({e->dt_scores[d], e, d});
    regular_gts += e->regular_gts;
  }
  if (regular_gts == 0) return;  // precision and recall stay -1
  // Across images by descending score; stable (mergesort), so ties keep image id order.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.score > y.score; });

  const auto& recall_thresholds = coco_recall_thresholds();
  const std::size_t nd = entries.size();
  std::vector<double> rc(nd), pr(nd);
  for (int t = 0; t < T; ++t) {
    double tp = 0, fp = 0;  // cumulative counts (exact in double)
    for (std::size_t i = 0; i < nd; ++i) {
      const auto& e = entries[i];
      const std::size_t D = e.eval->dt_scores.size(), at = static_cast<std::size_t>(t) * D + e.d;
      if (!e.eval->dt_ignored[at]) (e.eval->dt_matched[at] ? tp : fp) += 1;
      rc[i] = tp / static_cast<double>(regular_gts);
      pr[i] = tp / (fp + tp + DBL_EPSILON);  // np.spacing(1) == DBL_EPSILON
    }
    result.recall[((static_cast<std::size_t>(t) * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0.0;
    // The precision envelope: each point takes the best precision at any higher recall.
    for (std::size_t i = nd > 0 ? nd - 1 : 0; i > 0; --i)
      if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
    // Precision at the first detection reaching each recall threshold (searchsorted 'left');
    // 0 for the thresholds beyond the last recall.
    for (int r = 0; r < R; ++r) {
      const auto it = std::lower_bound(rc.begin(), rc.end(), recall_thresholds[static_cast<std::size_t>(r)]);
      const double q = it == rc.end() ? 0.0 : pr[static_cast<std::size_t>(it - rc.begin())];
      result.precision[(((static_cast<std::size_t>(t) * R + r) * K + k) * A + a) * M + m] = q;
    }
  }
}

// summarize()'s _summarize: the mean over the defined entries of one slice, in numpy's C order
// (threshold, then recall point, then category).
double summarize(const CocoEvalResult& res, bool ap, double iou_threshold, int a, int max_dets) {
  const int K = static_cast<int>(res.category_ids.size());
  const auto& thresholds = coco_iou_thresholds();
  int m = -1;
  for (int i = 0; i < M; ++i)
    if (kCocoMaxDets[static_cast<std::size_t>(i)] == max_dets) m = i;
  std::vector<double> slice;
  for (int t = 0; t < T; ++t) {
    // np.where(iouThr == p.iouThrs): an exact comparison (0.5 and 0.75 are both exact here).
    if (iou_threshold >= 0 && thresholds[static_cast<std::size_t>(t)] != iou_threshold) continue;
    if (ap) {
      for (int r = 0; r < R; ++r)
        for (int k = 0; k < K; ++k) slice.push_back(res.precision_at(t, r, k, a, m));
    } else {
      for (int k = 0; k < K; ++k) slice.push_back(res.recall_at(t, k, a, m));
    }
  }
  return mean_of_defined(slice);
}

}  // namespace

const std::array<double, kCocoNumIouThresholds>& coco_iou_thresholds() {
  static const std::array<double, kCocoNumIouThresholds> thresholds = [] {
    std::array<double, kCocoNumIouThresholds> t{};
    const double step = (0.95 - 0.5) / 9;  // numpy.linspace: i·step + start, the end set exactly
    for (int i = 0; i < kCocoNumIouThresholds - 1; ++i) t[static_cast<std::size_t>(i)] = i * step + 0.5;
    t.back() = 0.95;
    return t;
  }();
  return thresholds;
}

const std::array<double, kCocoNumRecallThresholds>& coco_recall_thresholds() {
  static const std::array<double, kCocoNumRecallThresholds> thresholds = [] {
    std::array<double, kCocoNumRecallThresholds> t{};
    const double step = 1.0 / 100;
    for (int i = 0; i < kCocoNumRecallThresholds - 1; ++i) t[static_cast<std::size_t>(i)] = i * step + 0.0;
    t.back() = 1.0;
    return t;
  }();
  return thresholds;
}

double CocoEvalResult::precision_at(int t, int r, int k, int a, int m) const {
  const std::size_t K = category_ids.size();
  return precision[(((static_cast<std::size_t>(t) * R + r) * K + k) * A + a) * M + m];
}

double CocoEvalResult::recall_at(int t, int k, int a, int m) const {
  const std::size_t K = category_ids.size();
  return recall[((static_cast<std::size_t>(t) * K + k) * A + a) * M + m];
}

CocoEvalResult coco_evaluate(const CocoInstances& ground_truth, const std::vector<CocoDetection>& detections) {
  const std::string source = ground_truth.source.empty() ? std::string("the ground truth") : ground_truth.source;
  const std::vector<std::int64_t> image_ids = sorted_ids(ground_truth.images);
  CocoEvalResult result;
  result.category_ids = sorted_ids(ground_truth.categories);
  const auto image_index = index_of(image_ids), category_index = index_of(result.category_ids);
  const std::size_t I = image_ids.size(), K = result.category_ids.size();

  // Ground truth and detections per (image, category), each in its list's order. Annotations
  // outside the images or categories are not evaluated (pycocotools' getAnnIds filter).
  std::vector<std::vector<const CocoAnnotation*>> gts(I * K);
  std::vector<std::vector<const CocoDetection*>> dts(I * K);
  for (const auto& ann : ground_truth.annotations) {
    auto i = image_index.find(ann.image_id);
    auto k = category_index.find(ann.category_id);
    if (i != image_index.end() && k != category_index.end()) gts[i->second * K + k->second].push_back(&ann);
  }
  for (std::size_t n = 0; n < detections.size(); ++n) {
    const CocoDetection& det = detections[n];
    auto i = image_index.find(det.image_id);
    LINATTN_CHECK(i != image_index.end(), "detection ", n, ": image_id ", det.image_id, " is not an image of ", source,
                  " (results must belong to the ground truth's images)");
    auto k = category_index.find(det.category_id);
    LINATTN_CHECK(k != category_index.end(), "detection ", n, ": category_id ", det.category_id,
                  " is not a category of ", source);
    dts[i->second * K + k->second].push_back(&det);
  }

  // evaluate(): every (category, image) with ground truth or a detection, for each area range
  // (absent pairs are skipped, as pycocotools' None entries).
  std::vector<std::array<coco::ImageCategoryEval, A>> evals;
  std::vector<std::ptrdiff_t> slot(I * K, -1);  // (k·I + i) -> index into evals
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t i = 0; i < I; ++i) {
      auto& g = gts[i * K + k];
      auto& d = dts[i * K + k];
      if (g.empty() && d.empty()) continue;
      slot[k * I + i] = static_cast<std::ptrdiff_t>(evals.size());
      const coco::ImageCategory ic = coco::prepare_image_category(std::move(g), std::move(d));
      auto& per_area = evals.emplace_back();
      for (std::size_t a = 0; a < A; ++a) per_area[a] = coco::evaluate_image_category(ic, kCocoAreaRanges[a]);
    }

  // accumulate().
  result.precision.assign(static_cast<std::size_t>(T) * R * K * A * M, -1.0);
  result.recall.assign(static_cast<std::size_t>(T) * K * A * M, -1.0);
  std::vector<const coco::ImageCategoryEval*> per_image;  // in image id order
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t a = 0; a < A; ++a) {
      per_image.clear();
      for (std::size_t i = 0; i < I; ++i)
        if (slot[k * I + i] >= 0) per_image.push_back(&evals[static_cast<std::size_t>(slot[k * I + i])][a]);
      if (per_image.empty()) continue;
      for (int m = 0; m < M; ++m)
        accumulate_one(per_image, kCocoMaxDets[static_cast<std::size_t>(m)], static_cast<int>(k), static_cast<int>(a),
                       m, result);
    }

  // summarize(), in pycocotools' order.
  constexpr double all_thresholds = -1;
  auto& s = result.stats;
  s[0] = summarize(result, true, all_thresholds, 0, 100);
  s[1] = summarize(result, true, 0.5, 0, 100);
  s[2] = summarize(result, true, 0.75, 0, 100);
  s[3] = summarize(result, true, all_thresholds, 1, 100);
  s[4] = summarize(result, true, all_thresholds, 2, 100);
  s[5] = summarize(result, true, all_thresholds, 3, 100);
  s[6] = summarize(result, false, all_thresholds, 0, 1);
  s[7] = summarize(result, false, all_thresholds, 0, 10);
  s[8] = summarize(result, false, all_thresholds, 0, 100);
  s[9] = summarize(result, false, all_thresholds, 1, 100);
  s[10] = summarize(result, false, all_thresholds, 2, 100);
  s[11] = summarize(result, false, all_thresholds, 3, 100);

  // Per category: the mean over thresholds × recall points at area "all", maxDets 100.
  for (std::size_t k = 0; k < K; ++k) {
    std::vector<double> slice;
    for (int t = 0; t < T; ++t)
      for (int r = 0; r < R; ++r) slice.push_back(result.precision_at(t, r, static_cast<int>(k), 0, M - 1));
    result.per_category_ap[result.category_ids[k]] = mean_of_defined(slice);
  }
  return result;
}

}  // namespace linattn::detection
