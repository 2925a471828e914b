// detection/boxes.cpp — box format conversions and areas (composed from core ops), pairwise IoU,
// and generalized IoU as two ops whose forward and backward are written side by side.
//
// GIoU runs on the host in the input's precision (boxes are a few hundred at most); inputs on
// another device are copied to the CPU and the result goes back to the input's device. Every
// min / max of the formula — the intersection's edges, its clamp at 0, the enclosing box's edges
// — sends its gradient to the side that wins, and half to each side at a tie: the mean of the
// two one-sided derivatives, which is what central differences measure.
//
// Where the enclosing box has zero area (both boxes the same point, or both degenerate on one
// vertical or horizontal line) GIoU is defined as 0 with gradient 0: GIoU jumps there (any
// widening of one box makes the enclosure positive and the term −(|C| − |A ∪ B|)/|C| finite and
// nonzero), so no derivative exists and 0 keeps the value and its gradient consistent. Where
// |A ∪ B| = 0 (two zero-area boxes) IoU is 0 with gradient 0: moving one coordinate alone keeps
// the intersection, at most the smaller area, at 0.
#include "detection/boxes.h"

#include <cmath>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"

namespace linattn::detection {

namespace {

void check_boxes_last_axis(const Tensor& boxes, const char* op) {
  LINATTN_CHECK(boxes.defined(), op, ": the boxes tensor is undefined");
  LINATTN_CHECK(is_floating(boxes.dtype()), op, ": boxes must be float32 or float64, got ", dtype_name(boxes.dtype()),
                " of shape ", shape_str(boxes.shape()));
  LINATTN_CHECK(boxes.dim() >= 1 && boxes.shape().back() == 4, op, ": boxes must have shape (..., 4), got ",
                shape_str(boxes.shape()));
}

// The four coordinates of (..., 4) boxes, each (..., 1).
std::vector<Tensor> coordinates(const Tensor& boxes) { return split(boxes, {1, 1, 1, 1}, boxes.dim() - 1); }

Tensor join(const std::vector<Tensor>& parts) { return cat(parts, parts[0].dim() - 1); }

// ---- the host computation of GIoU ----------------------------------------------------------

// Weight of the first argument in d min(p, q) (or max): 1 where it wins, 0 where it loses, ½ at a tie.
template <class T>
T first_wins(bool first_strictly_better, bool tie) {
  return tie ? T(0.5) : (first_strictly_better ? T(1) : T(0));
}

// GIoU of one pair of xyxy boxes and, when grad_a / grad_b are given, g · ∂GIoU/∂a and
// g · ∂GIoU/∂b added to them.
template <class T>
T giou_pair(const T* a, const T* b, T g = T(0), T* grad_a = nullptr, T* grad_b = nullptr) {
  const T aw = a[2] - a[0], ah = a[3] - a[1], bw = b[2] - b[0], bh = b[3] - b[1];
  const T area_a = aw * ah, area_b = bw * bh;
  // Intersection per axis k (0 = x, 1 = y): [max(a_lo, b_lo), min(a_hi, b_hi)] clamped at 0.
  T inter_len[2], raw_len[2];
  for (int k = 0; k < 2; ++k) {
    raw_len[k] = std::min(a[k + 2], b[k + 2]) - std::max(a[k], b[k]);
    inter_len[k] = std::max(raw_len[k], T(0));
  }
  const T inter = inter_len[0] * inter_len[1];
  const T uni = area_a + area_b - inter;
  const T iou = uni > 0 ? inter / uni : T(0);
  // Enclosing box per axis: [min(a_lo, b_lo), max(a_hi, b_hi)]; never negative for valid boxes.
  T encl_len[2];
  for (int k = 0; k < 2; ++k) encl_len[k] = std::max(a[k + 2], b[k + 2]) - std::min(a[k], b[k]);
  const T encl = encl_len[0] * encl_len[1];
  if (!(encl > 0)) return T(0);  // degenerate enclosure: 0, gradient 0 (see the file comment)
  const T giou = iou - (encl - uni) / encl;  // = iou − 1 + uni / encl
  if (grad_a == nullptr) return giou;

  // ---- backward of the lines above, in reverse ----
  const T d_iou = g;
  T d_uni = g / encl;
  const T d_encl = -g * uni / (encl * encl);
  T d_inter = 0;
  if (uni > 0) {
    d_inter += d_iou / uni;
    d_uni -= d_iou * inter / (uni * uni);
  }
  const T d_area_a = d_uni, d_area_b = d_uni;
  d_inter -= d_uni;
  const T d_inter_len[2] = {d_inter * inter_len[1], d_inter * inter_len[0]};
  const T d_encl_len[2] = {d_encl * encl_len[1], d_encl * encl_len[0]};
  for (int k = 0; k < 2; ++k) {
    const int lo = k, hi = k + 2;
    // clamp at 0, then hi edge = min(a_hi, b_hi), lo edge = max(a_lo, b_lo)
    const T d_raw = d_inter_len[k] * first_wins<T>(raw_len[k] > 0, raw_len[k] == 0);
    const T w_hi = first_wins<T>(a[hi] < b[hi], a[hi] == b[hi]);
    const T w_lo = first_wins<T>(a[lo] > b[lo], a[lo] == b[lo]);
    grad_a[hi] += d_raw * w_hi;
    grad_b[hi] += d_raw * (1 - w_hi);
    grad_a[lo] -= d_raw * w_lo;
    grad_b[lo] -= d_raw * (1 - w_lo);
    // enclosing hi edge = max(a_hi, b_hi), lo edge = min(a_lo, b_lo)
    const T e_hi = first_wins<T>(a[hi] > b[hi], a[hi] == b[hi]);
    const T e_lo = first_wins<T>(a[lo] < b[lo], a[lo] == b[lo]);
    grad_a[hi] += d_encl_len[k] * e_hi;
    grad_b[hi] += d_encl_len[k] * (1 - e_hi);
    grad_a[lo] -= d_encl_len[k] * e_lo;
    grad_b[lo] -= d_encl_len[k] * (1 - e_lo);
  }
  // areas: (x2 − x1)·(y2 − y1)
  grad_a[2] += d_area_a * ah;
  grad_a[0] -= d_area_a * ah;
  grad_a[3] += d_area_a * aw;
  grad_a[1] -= d_area_a * aw;
  grad_b[2] += d_area_b * bh;
  grad_b[0] -= d_area_b * bh;
  grad_b[3] += d_area_b * bw;
  grad_b[1] -= d_area_b * bw;
  return giou;
}

template <class T>
T iou_pair(const T* a, const T* b) {
  const T area_a = (a[2] - a[0]) * (a[3] - a[1]), area_b = (b[2] - b[0]) * (b[3] - b[1]);
  const T iw = std::max(std::min(a[2], b[2]) - std::max(a[0], b[0]), T(0));
  const T ih = std::max(std::min(a[3], b[3]) - std::max(a[1], b[1]), T(0));
  const T inter = iw * ih, uni = area_a + area_b - inter;
  return uni > 0 ? inter / uni : T(0);
}

// A host copy of (N, 4) xyxy boxes with every box checked: finite, x2 ≥ x1 and y2 ≥ y1.
Tensor host_boxes(const Tensor& boxes, const char* op, const char* which) {
  check_boxes_last_axis(boxes, op);
  LINATTN_CHECK(boxes.dim() == 2, op, ": ", which, " must be (N, 4) xyxy boxes, got ", shape_str(boxes.shape()));
  Tensor host = boxes.detach().cpu();
  const std::vector<double> v = host.dtype() == DType::F64 ? host.to_vector<double>() : [&] {
    std::vector<float> f = host.to_vector<float>();
    return std::vector<double>(f.begin(), f.end());
  }();
  for (std::int64_t i = 0; i < boxes.size(0); ++i) {
    const double* c = &v[static_cast<std::size_t>(4 * i)];
    const bool finite = std::isfinite(c[0]) && std::isfinite(c[1]) && std::isfinite(c[2]) && std::isfinite(c[3]);
    LINATTN_CHECK(finite && c[2] >= c[0] && c[3] >= c[1], op, ": box ", i, " of ", which,
                  " is invalid: (x1, y1, x2, y2) = (", c[0], ", ", c[1], ", ", c[2], ", ", c[3], ")",
                  !finite ? " is not finite" : (c[2] < c[0] ? " has x2 < x1" : " has y2 < y1"),
                  " (boxes must be xyxy with x2 >= x1 and y2 >= y1)");
  }
  return host;
}

void check_pair_inputs(const Tensor& a, const Tensor& b, const char* op) {
  LINATTN_CHECK(a.defined() && b.defined(), op, ": undefined boxes tensor");
  LINATTN_CHECK(a.dtype() == b.dtype() && a.device() == b.device(), op, ": the boxes are ", dtype_name(a.dtype()),
                " on ", a.device().str(), " and ", dtype_name(b.dtype()), " on ", b.device().str(),
                "; both must have the same dtype and device");
}

// out (N, M) = GIoU of every pair (pairwise) or out (N) = GIoU of pairs i (diagonal).
template <class T>
void giou_forward(const Tensor& a, const Tensor& b, bool pairwise, const Tensor& out) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  const std::int64_t n = a.size(0), m = b.size(0);
  if (pairwise) {
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < m; ++j) po[i * m + j] = giou_pair<T>(pa + 4 * i, pb + 4 * j);
  } else {
    for (std::int64_t i = 0; i < n; ++i) po[i] = giou_pair<T>(pa + 4 * i, pb + 4 * i);
  }
}

template <class T>
void giou_backward(const Tensor& a, const Tensor& b, bool pairwise, const Tensor& g, const Tensor& ga,
                   const Tensor& gb) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  const T* pg = g.data<T>();
  T* pga = ga.data<T>();
  T* pgb = gb.data<T>();
  const std::int64_t n = a.size(0), m = b.size(0);
  if (pairwise) {
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < m; ++j)
        giou_pair<T>(pa + 4 * i, pb + 4 * j, pg[i * m + j], pga + 4 * i, pgb + 4 * j);
  } else {
    for (std::int64_t i = 0; i < n; ++i) giou_pair<T>(pa + 4 * i, pb + 4 * i, pg[i], pga + 4 * i, pgb + 4 * i);
  }
}

Tensor giou_op(const Tensor& a, const Tensor& b, bool pairwise, const char* op) {
  check_pair_inputs(a, b, op);
  const Tensor ha = host_boxes(a, op, "the first argument (a)");
  const Tensor hb = host_boxes(b, op, "the second argument (b)");
  if (!pairwise)
    LINATTN_CHECK(a.size(0) == b.size(0), op, ": expected the same number of boxes, got ", shape_str(a.shape()),
                  " and ", shape_str(b.shape()));
  const Shape out_shape = pairwise ? Shape{a.size(0), b.size(0)} : Shape{a.size(0)};
  Tensor host_out = Tensor::empty(out_shape, {.dtype = a.dtype()});
  if (a.dtype() == DType::F64) giou_forward<double>(ha, hb, pairwise, host_out);
  else giou_forward<float>(ha, hb, pairwise, host_out);
  const Device device = a.device();
  Tensor out = device.is_cpu() ? host_out : host_out.to(device);
  record(pairwise ? "generalized_box_iou" : "generalized_box_iou_pairs", out, {a, b}, {ha, hb},
         [pairwise, device](const Tensor& g, const Saved& s) {
           Tensor hg = g.cpu();
           Tensor ga = zeros(s[0].shape(), {.dtype = g.dtype()});
           Tensor gb = zeros(s[1].shape(), {.dtype = g.dtype()});
           if (g.dtype() == DType::F64) giou_backward<double>(s[0], s[1], pairwise, hg, ga, gb);
           else giou_backward<float>(s[0], s[1], pairwise, hg, ga, gb);
           return Grads{ga.to(device), gb.to(device)};
         });
  return out;
}

}  // namespace

// ---- conversions and areas (differentiable through core ops) ---------------------------------

Tensor box_cxcywh_to_xyxy(const Tensor& boxes) {
  check_boxes_last_axis(boxes, "box_cxcywh_to_xyxy");
  auto c = coordinates(boxes);  // cx, cy, w, h
  Tensor half_w = mul(c[2], 0.5), half_h = mul(c[3], 0.5);
  return join({sub(c[0], half_w), sub(c[1], half_h), add(c[0], half_w), add(c[1], half_h)});
}

Tensor box_xyxy_to_cxcywh(const Tensor& boxes) {
  check_boxes_last_axis(boxes, "box_xyxy_to_cxcywh");
  auto c = coordinates(boxes);  // x1, y1, x2, y2
  return join({mul(add(c[0], c[2]), 0.5), mul(add(c[1], c[3]), 0.5), sub(c[2], c[0]), sub(c[3], c[1])});
}

Tensor box_xywh_to_xyxy(const Tensor& boxes) {
  check_boxes_last_axis(boxes, "box_xywh_to_xyxy");
  auto c = coordinates(boxes);  // x, y, w, h
  return join({c[0], c[1], add(c[0], c[2]), add(c[1], c[3])});
}

Tensor box_xyxy_to_xywh(const Tensor& boxes) {
  check_boxes_last_axis(boxes, "box_xyxy_to_xywh");
  auto c = coordinates(boxes);  // x1, y1, x2, y2
  return join({c[0], c[1], sub(c[2], c[0]), sub(c[3], c[1])});
}

Tensor box_area(const Tensor& boxes_xyxy) {
  check_boxes_last_axis(boxes_xyxy, "box_area");
  auto c = coordinates(boxes_xyxy);
  Tensor area = mul(sub(c[2], c[0]), sub(c[3], c[1]));  // (..., 1)
  const Shape batch(boxes_xyxy.shape().begin(), boxes_xyxy.shape().end() - 1);
  return reshape(area, batch);
}

// ---- overlaps --------------------------------------------------------------------------------

Tensor box_iou(const Tensor& a, const Tensor& b) {
  check_pair_inputs(a, b, "box_iou");
  const Tensor ha = host_boxes(a, "box_iou", "the first argument (a)");
  const Tensor hb = host_boxes(b, "box_iou", "the second argument (b)");
  const std::int64_t n = a.size(0), m = b.size(0);
  Tensor out = Tensor::empty({n, m}, {.dtype = a.dtype()});
  auto fill = [&]<class T>(T) {
    const T* pa = ha.data<T>();
    const T* pb = hb.data<T>();
    T* po = out.data<T>();
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < m; ++j) po[i * m + j] = iou_pair<T>(pa + 4 * i, pb + 4 * j);
  };
  if (a.dtype() == DType::F64) fill(0.0);
  else fill(0.0f);
  return a.device().is_cpu() ? out : out.to(a.device());
}

Tensor generalized_box_iou(const Tensor& a, const Tensor& b) { return giou_op(a, b, true, "generalized_box_iou"); }

Tensor generalized_box_iou_pairs(const Tensor& a, const Tensor& b) {
  return giou_op(a, b, false, "generalized_box_iou_pairs");
}

}  // namespace linattn::detection
