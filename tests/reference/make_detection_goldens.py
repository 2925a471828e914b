#!/usr/bin/python3
"""make_detection_goldens.py — PyTorch goldens for DETR's set criterion (detection/set_criterion.h).

Usage: /usr/bin/python3 tests/reference/make_detection_goldens.py OUT_DIR

A reference written from the description of DETR's SetCriterion and HungarianMatcher (Carion et
al. 2020, models/detr.py and models/matcher.py) and of Deformable DETR's focal variant (Zhu et al.
2021): the matcher with scipy.optimize.linear_sum_assignment, GIoU from its formula, the weighted
F.cross_entropy, L1 and GIoU box losses, auxiliary outputs each matched on their own; and the
sigmoid focal loss with the focal matching cost.

Writes one file per case, OUT_DIR/set_criterion_<case>.safetensors, for the cases
  softmax_f64, softmax_f32, focal_f64, focal_f32
(seeded random predictions, B = 4 images with 3, 0, 5 and 2 target boxes, Q = 10 queries, K = 5
classes, the final output and 2 auxiliary ones). Tensors in each file, with o in {final, aux0, aux1}:
  <o>.logits (B, Q, K + 1) or (B, Q, K) with focal; <o>.boxes (B, Q, 4) normalized cxcywh
  targets.counts (B) int64; targets.labels (ΣT) int64; targets.boxes (ΣT, 4) float32 — the
      images' targets concatenated in order (the boxes are float32, as a DetectionTarget's are)
  match.<o>.query, match.<o>.target (ΣT) int64 — each image's pairs (query ascending) concatenated
      in image order; image b has min(Q, T_b) = T_b pairs
  loss.<term> () — every unweighted term: loss_ce, loss_bbox, loss_giou, loss_ce_0, ..., and
      loss.total (the weighted sum)
  grad.<o>.logits, grad.<o>.boxes — d total / d each prediction tensor
__metadata__: case, focal, dtype, num_classes, eos_coef, weight_ce/bbox/giou, cost_class/bbox/giou,
focal_alpha, focal_gamma, num_aux, num_boxes, min_match_gap (the smallest margin, over outputs and
images, between the optimal matching cost and the best matching that differs from it in a pair).

Invariants: deterministic; every matching is unique by a margin of at least 1e-3 in cost (checked
here, so float rounding cannot flip it); float32 files hold float32 predictions and the losses and
gradients are computed in float64 from those exact values, then rounded to float32. Without an
importable torch or scipy the script prints "SKIP: ..." and exits 77 (the golden tests skip).
"""
import json
import os
import sys

CASES = ["softmax_f64", "softmax_f32", "focal_f64", "focal_f32"]
BATCH_COUNTS = [3, 0, 5, 2]  # target boxes per image; image 1 has none
QUERIES, CLASSES, NUM_AUX = 10, 5, 2
EOS_COEF = 0.1
WEIGHTS = {"ce": 1.0, "bbox": 5.0, "giou": 2.0}
COSTS = {"class": 1.0, "bbox": 5.0, "giou": 2.0}
FOCAL_ALPHA, FOCAL_GAMMA = 0.25, 2.0
MIN_GAP = 1e-3


def output_names():
    return ["final"] + [f"aux{i}" for i in range(NUM_AUX)]


# ---- boxes ----------------------------------------------------------------------------------

def cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)


def generalized_box_iou(a, b):
    """(N, 4), (M, 4) xyxy -> (N, M): IoU − (|C| − |A ∪ B|) / |C|, C the enclosing box."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    inter_lo = torch.max(a[:, None, :2], b[None, :, :2])
    inter_hi = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter_wh = (inter_hi - inter_lo).clamp(min=0)
    inter = inter_wh[..., 0] * inter_wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    iou = inter / union
    hull_lo = torch.min(a[:, None, :2], b[None, :, :2])
    hull_hi = torch.max(a[:, None, 2:], b[None, :, 2:])
    hull_wh = hull_hi - hull_lo
    hull = hull_wh[..., 0] * hull_wh[..., 1]
    return iou - (hull - union) / hull


# ---- matcher (no gradient, float64) ---------------------------------------------------------

def class_cost(logits, labels, focal):
    """(Q, C) logits, (T) labels -> (Q, T) class cost."""
    if not focal:
        return -logits.softmax(-1)[:, labels]
    p = logits.sigmoid()
    neg = (1 - FOCAL_ALPHA) * p ** FOCAL_GAMMA * (-(1 - p + 1e-8).log())
    pos = FOCAL_ALPHA * (1 - p) ** FOCAL_GAMMA * (-(p + 1e-8).log())
    return pos[:, labels] - neg[:, labels]


def cost_matrix(logits, boxes, labels, tgt_boxes, focal):
    logits, boxes, tgt_boxes = logits.double(), boxes.double(), tgt_boxes.double()
    c_class = class_cost(logits, labels, focal)
    c_bbox = torch.cdist(boxes, tgt_boxes, p=1)
    c_giou = -generalized_box_iou(cxcywh_to_xyxy(boxes), cxcywh_to_xyxy(tgt_boxes))
    return (COSTS["bbox"] * c_bbox + COSTS["class"] * c_class + COSTS["giou"] * c_giou).numpy()


def assignment_gap(cost, rows, cols):
    """How much more the best assignment that drops one of the optimal pairs costs."""
    best = cost[rows, cols].sum()
    gap = float("inf")
    for r, c in zip(rows, cols):
        forbidden = cost.copy()
        forbidden[r, c] = 1e9
        rr, cc = linear_sum_assignment(forbidden)
        gap = min(gap, forbidden[rr, cc].sum() - best)
    return gap


def hungarian_match(logits, boxes, targets, focal):
    """Per image: (query indices ascending, target indices) and the uniqueness margin."""
    matches, gap = [], float("inf")
    for b, (labels, tgt_boxes) in enumerate(targets):
        if len(labels) == 0:
            matches.append((torch.zeros(0, dtype=torch.int64), torch.zeros(0, dtype=torch.int64)))
            continue
        with torch.no_grad():
            cost = cost_matrix(logits[b], boxes[b], labels, tgt_boxes, focal)
        rows, cols = linear_sum_assignment(cost)
        gap = min(gap, assignment_gap(cost, rows, cols))
        matches.append((torch.as_tensor(rows, dtype=torch.int64), torch.as_tensor(cols, dtype=torch.int64)))
    return matches, gap


# ---- losses ---------------------------------------------------------------------------------

def sigmoid_focal_loss(inputs, targets, num_boxes, alpha, gamma):
    """Deformable DETR's form: the mean over queries, summed, divided by num_boxes."""
    prob = inputs.sigmoid()
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = prob * targets + (1 - prob) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    loss = alpha_t * loss
    return loss.mean(1).sum() / num_boxes


def single_output_losses(logits, boxes, targets, matches, num_boxes, focal):
    B, Q = logits.shape[:2]
    batch_idx = torch.cat([torch.full_like(q, b) for b, (q, _) in enumerate(matches)])
    query_idx = torch.cat([q for q, _ in matches])
    matched_labels = torch.cat([targets[b][0][t] for b, (_, t) in enumerate(matches)])
    if focal:
        onehot = torch.zeros(B, Q, CLASSES + 1, dtype=logits.dtype)
        target_classes = torch.full((B, Q), CLASSES, dtype=torch.int64)
        target_classes[batch_idx, query_idx] = matched_labels
        onehot.scatter_(2, target_classes.unsqueeze(-1), 1)
        onehot = onehot[:, :, :-1]  # no-object = all zeros
        loss_ce = sigmoid_focal_loss(logits, onehot, num_boxes, FOCAL_ALPHA, FOCAL_GAMMA) * Q
    else:
        empty_weight = torch.ones(CLASSES + 1, dtype=logits.dtype)
        empty_weight[-1] = EOS_COEF
        target_classes = torch.full((B, Q), CLASSES, dtype=torch.int64)
        target_classes[batch_idx, query_idx] = matched_labels
        loss_ce = F.cross_entropy(logits.transpose(1, 2), target_classes, weight=empty_weight)
    src = boxes[batch_idx, query_idx]
    tgt = torch.cat([targets[b][1][t] for b, (_, t) in enumerate(matches)]).to(boxes.dtype)
    loss_bbox = F.l1_loss(src, tgt, reduction="none").sum() / num_boxes
    giou = torch.diag(generalized_box_iou(cxcywh_to_xyxy(src), cxcywh_to_xyxy(tgt)))
    loss_giou = (1 - giou).sum() / num_boxes
    return {"loss_ce": loss_ce, "loss_bbox": loss_bbox, "loss_giou": loss_giou}


# ---- inputs ---------------------------------------------------------------------------------

def draw_targets(g):
    targets = []
    for count in BATCH_COUNTS:
        labels = torch.randint(0, CLASSES, (count,), generator=g)
        cxcy = 0.2 + 0.6 * torch.rand(count, 2, generator=g, dtype=torch.float64)
        wh = 0.05 + 0.35 * torch.rand(count, 2, generator=g, dtype=torch.float64)
        targets.append((labels, torch.cat([cxcy, wh], 1).float()))  # float32, like a DetectionTarget
    return targets


def draw_prediction(g, targets, focal, dtype):
    """Continuous random logits; boxes the sigmoid of random logits, half of them near a target."""
    B, Q = len(targets), QUERIES
    logits = 1.5 * torch.randn(B, Q, CLASSES if focal else CLASSES + 1, generator=g, dtype=torch.float64)
    box_logits = torch.randn(B, Q, 4, generator=g, dtype=torch.float64)
    boxes = torch.sigmoid(box_logits)
    boxes[..., 2:] = 0.04 + 0.5 * boxes[..., 2:]  # w, h in (0.04, 0.54): corners ordered, no zero area
    for b, (labels, tgt) in enumerate(targets):
        for q in range(0, Q, 2):
            if len(labels) == 0:
                break
            t = int(torch.randint(0, len(labels), (1,), generator=g))
            noise = 0.03 * torch.randn(4, generator=g, dtype=torch.float64)
            boxes[b, q] = tgt[t].double() + noise
            boxes[b, q, 2:] = boxes[b, q, 2:].clamp(min=0.02)
    return logits.to(dtype), boxes.to(dtype)


# ---- one case -------------------------------------------------------------------------------

def make_case(name, seed):
    focal = name.startswith("focal")
    dtype = torch.float64 if name.endswith("f64") else torch.float32
    for attempt in range(100):  # redraw until every matching is unique by a clear margin
        g = torch.Generator()
        g.manual_seed(seed + 1000 * attempt)
        targets = draw_targets(g)
        preds = {o: draw_prediction(g, targets, focal, dtype) for o in output_names()}
        matches, gap = {}, float("inf")
        for o, (logits, boxes) in preds.items():
            matches[o], o_gap = hungarian_match(logits, boxes, targets, focal)
            gap = min(gap, o_gap)
        if gap >= MIN_GAP:
            break
    else:
        raise RuntimeError(f"{name}: no draw with a unique matching")

    num_boxes = max(float(sum(BATCH_COUNTS)), 1.0)
    leaves = {o: (l.double().requires_grad_(), b.double().requires_grad_()) for o, (l, b) in preds.items()}
    terms, total = {}, 0
    for i, o in enumerate(output_names()):
        losses = single_output_losses(*leaves[o], targets, matches[o], num_boxes, focal)
        suffix = "" if o == "final" else f"_{i - 1}"
        for k, v in losses.items():
            terms[k + suffix] = v
            total = total + WEIGHTS[k[len("loss_"):]] * v
    total.backward()

    tensors = {}
    for o, (logits, boxes) in preds.items():
        tensors[f"{o}.logits"] = logits
        tensors[f"{o}.boxes"] = boxes
    tensors["targets.counts"] = torch.tensor(BATCH_COUNTS, dtype=torch.int64)
    tensors["targets.labels"] = torch.cat([l for l, _ in targets])
    tensors["targets.boxes"] = torch.cat([b for _, b in targets])
    for o in output_names():
        tensors[f"match.{o}.query"] = torch.cat([q for q, _ in matches[o]])
        tensors[f"match.{o}.target"] = torch.cat([t for _, t in matches[o]])
    for k, v in terms.items():
        tensors[f"loss.{k}"] = v.detach().to(dtype)
    tensors["loss.total"] = total.detach().to(dtype)
    for o, (logits, boxes) in leaves.items():
        tensors[f"grad.{o}.logits"] = logits.grad.to(dtype)
        tensors[f"grad.{o}.boxes"] = boxes.grad.to(dtype)

    meta = {"generator": "tests/reference/make_detection_goldens.py", "torch": torch.__version__,
            "case": name, "focal": str(focal).lower(), "dtype": str(dtype).replace("torch.", ""),
            "num_classes": str(CLASSES), "eos_coef": repr(EOS_COEF),
            "weight_ce": repr(WEIGHTS["ce"]), "weight_bbox": repr(WEIGHTS["bbox"]),
            "weight_giou": repr(WEIGHTS["giou"]), "cost_class": repr(COSTS["class"]),
            "cost_bbox": repr(COSTS["bbox"]), "cost_giou": repr(COSTS["giou"]),
            "focal_alpha": repr(FOCAL_ALPHA), "focal_gamma": repr(FOCAL_GAMMA),
            "num_aux": str(NUM_AUX), "num_boxes": repr(num_boxes), "min_match_gap": repr(gap),
            "terms": ",".join(terms)}
    return tensors, meta


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name in CASES:  # never leave stale goldens behind
        path = os.path.join(out_dir, f"set_criterion_{name}.safetensors")
        if os.path.exists(path):
            os.remove(path)
    global torch, F, linear_sum_assignment, safetensors_lite
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        print(f"SKIP: {sys.executable} cannot import torch ({e}); set-criterion goldens not written")
        return 77
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError as e:
        print(f"SKIP: {sys.executable} cannot import scipy ({e}; Debian: apt-get install python3-scipy); "
              "set-criterion goldens not written")
        return 77
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import safetensors_lite
    torch.use_deterministic_algorithms(True)
    for i, name in enumerate(CASES):
        tensors, meta = make_case(name, seed=12 + i)
        path = os.path.join(out_dir, f"set_criterion_{name}.safetensors")
        safetensors_lite.save(path + ".tmp", tensors, meta)
        os.replace(path + ".tmp", path)
        print(f"{path}: {len(tensors)} tensors, min matching gap {float(meta['min_match_gap']):.3g}, "
              f"total {float(tensors['loss.total']):.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
