#!/usr/bin/python3
"""tests/reference/make_hungarian_goldens.py — scipy's linear_sum_assignment on seeded random cost
matrices, and DETR's Hungarian matcher on a random batch, for the C++ tests
(tests/detection/test_hungarian.cpp, test_matcher.cpp).

Usage: /usr/bin/python3 tests/reference/make_hungarian_goldens.py OUT_DIR

Writes OUT_DIR/hungarian.safetensors (about 450 KB). For each case C listed in the metadata
"cases" (comma-separated): C.cost (n, m) float64 costs, uniform in [0, 1) except where noted;
C.rows and C.cols (min(n, m)) int64, scipy's pairs; C.total (1) float64, scipy's total cost.
The metadata "scipy" records scipy's version. Cases: square and rectangular (wide and tall, as
DETR's Q x T blocks are tall), one with costs spread over [-1e3, 1e3], and three with small
integer costs (many optima: the pairs then show whether scipy's tie rules are followed).

And OUT_DIR/matcher.safetensors (about 11 KB): DETR's HungarianMatcher (models/matcher.py, with
util/box_ops.py's generalized_box_iou) restated in torch, in float64 (DETR itself builds the cost
in float32), on a seeded random batch: "logits" (B, Q, K + 1), "boxes" (B, Q, 4) cxcywh; per image
b its targets b.labels (T) int64 and b.boxes (T, 4); then for each variant V in (softmax, focal)
V.b.cost (Q, T) and scipy's pairs V.b.query, V.b.target. The focal variant (Deformable DETR's
matcher, alpha 0.25, gamma 2) uses the first K logits. Weights 1 / 5 / 2 (DETR's main.py). The
metadata "batch" gives B. Image 1 has no targets; image 3 has more targets than queries.

ctest runs this as a fixture setup test (tests/CMakeLists.txt). Without an importable scipy
(Debian's python3-scipy) or torch it prints "SKIP: ..." and exits 77 after removing stale
outputs, and the golden tests skip too.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import numpy as np
    import scipy
    from scipy.optimize import linear_sum_assignment
    import torch
    import safetensors_lite
    IMPORT_ERROR = None
except ImportError as e:
    IMPORT_ERROR = e

OUTPUTS = ["hungarian.safetensors", "matcher.safetensors"]

# name -> (rows, cols, seed, scale, shift): costs = scale * U[0, 1) + shift, or, with an int
# scale, integers in [0, scale) + shift (many equal-cost optima: the pairs depend on tie rules).
CASES = {
    "wide_50x100": (50, 100, 1, 1.0, 0.0),
    "tall_100x50": (100, 50, 2, 1.0, 0.0),
    "tall_300x100": (300, 100, 3, 1.0, 0.0),
    "square_80x80": (80, 80, 4, 1.0, 0.0),
    "spread_60x90": (60, 90, 5, 2e3, -1e3),
    "ties_30x45": (30, 45, 6, 4, 0),
    "ties_45x30": (45, 30, 7, 4, 0),
    "ties_20x20": (20, 20, 8, 2, 0),
}


def write_assignment_golden(path):
    tensors = {}
    for name, (rows, cols, seed, scale, shift) in CASES.items():
        rng = np.random.default_rng(seed)
        if isinstance(scale, int):
            cost = rng.integers(0, scale, (rows, cols)).astype(np.float64) + shift
        else:
            cost = scale * rng.random((rows, cols)) + shift
        r, c = linear_sum_assignment(cost)
        tensors[f"{name}.cost"] = torch.from_numpy(cost)
        tensors[f"{name}.rows"] = torch.from_numpy(r.astype(np.int64))
        tensors[f"{name}.cols"] = torch.from_numpy(c.astype(np.int64))
        tensors[f"{name}.total"] = torch.tensor([float(cost[r, c].sum())], dtype=torch.float64)
    save(path, tensors, {"cases": ",".join(CASES), "scipy": scipy.__version__})


# ---- DETR's matcher, as models/matcher.py and util/box_ops.py compute it -----------------------

def box_cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)


def generalized_box_iou(b1, b2):  # b1 (N, 4), b2 (M, 4) xyxy -> (N, M)
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    wh = (torch.min(b1[:, None, 2:], b2[:, 2:]) - torch.max(b1[:, None, :2], b2[:, :2])).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    union = area1[:, None] + area2 - inter
    iou = inter / union
    wh = (torch.max(b1[:, None, 2:], b2[:, 2:]) - torch.min(b1[:, None, :2], b2[:, :2])).clamp(min=0)
    area = wh[:, :, 0] * wh[:, :, 1]
    return iou - (area - union) / area


def detr_cost(logits, boxes, labels, tgt_boxes, focal):
    """(Q, T) cost of one image: weights 1 (class), 5 (L1), 2 (GIoU)."""
    if focal:
        prob = logits.sigmoid()
        neg = (1 - 0.25) * (prob ** 2.0) * (-(1 - prob + 1e-8).log())
        pos = 0.25 * ((1 - prob) ** 2.0) * (-(prob + 1e-8).log())
        cost_class = pos[:, labels] - neg[:, labels]
    else:
        cost_class = -logits.softmax(-1)[:, labels]
    cost_bbox = torch.cdist(boxes, tgt_boxes, p=1)
    cost_giou = -generalized_box_iou(box_cxcywh_to_xyxy(boxes), box_cxcywh_to_xyxy(tgt_boxes))
    return 5 * cost_bbox + 1 * cost_class + 2 * cost_giou


def write_matcher_golden(path):
    g = torch.Generator().manual_seed(11)
    batch, queries, classes = 4, 9, 7  # K + 1 = 7 with no-object last
    n_targets = [4, 0, 9, 12]
    logits = torch.randn(batch, queries, classes, generator=g, dtype=torch.float64)
    boxes = 0.1 + 0.5 * torch.rand(batch, queries, 4, generator=g, dtype=torch.float64)
    tensors = {"logits": logits, "boxes": boxes}
    for b, t in enumerate(n_targets):
        labels = torch.randint(0, classes - 1, (t,), generator=g, dtype=torch.int64)
        tgt = 0.1 + 0.5 * torch.rand(t, 4, generator=g, dtype=torch.float64)
        tensors[f"{b}.labels"], tensors[f"{b}.boxes"] = labels, tgt
        for variant, focal in (("softmax", False), ("focal", True)):
            lg = logits[b, :, :classes - 1] if focal else logits[b]
            cost = detr_cost(lg, boxes[b], labels, tgt, focal) if t else torch.zeros(queries, 0, dtype=torch.float64)
            q, j = linear_sum_assignment(cost.numpy())
            tensors[f"{variant}.{b}.cost"] = cost.contiguous()
            tensors[f"{variant}.{b}.query"] = torch.as_tensor(q, dtype=torch.int64)
            tensors[f"{variant}.{b}.target"] = torch.as_tensor(j, dtype=torch.int64)
    save(path, tensors, {"batch": str(batch)})


def save(path, tensors, metadata):
    tmp = path + ".tmp"
    safetensors_lite.save(tmp, tensors, metadata)
    os.replace(tmp, path)
    print(f"wrote {path}")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, name) for name in OUTPUTS]
    if IMPORT_ERROR is not None:
        for stale in paths:
            if os.path.exists(stale):
                os.remove(stale)
        print(f"SKIP: cannot import scipy, numpy or torch ({IMPORT_ERROR}); install Debian's python3-scipy")
        return 77
    write_assignment_golden(paths[0])
    write_matcher_golden(paths[1])
    print(f"scipy {scipy.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
