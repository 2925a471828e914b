#!/usr/bin/python3
"""tests/reference/cocoeval_ref.py — an independent numpy COCO bbox evaluator (pycocotools semantics).

Written from the published description of pycocotools' COCOeval (iouType "bbox"), not from its
code, and organised differently: every (image, category) pair is matched for all ten IoU
thresholds at once (a threshold-vectorised greedy matcher), and the accumulation runs per
(category, area range) with the three maxDets handled as masks over one sorted list. It is the
second opinion that the C++ evaluator (detection/coco_eval.cpp) must agree with.

Semantics reproduced:
  * thresholds: IoU np.linspace(.5, .95, 10), recall np.linspace(0, 1, 101), maxDets 1/10/100;
    area ranges all [0, 1e10], small [0, 32^2], medium [32^2, 96^2], large [96^2, 1e10], both ends
    inclusive, judged on the ground truth's `area` field and on w*h for a detection;
  * images = every GT image (sorted ids), categories = every listed GT category (sorted ids);
  * results: ids 1..N in list order, iscrowd 0; a result whose category is not listed is dropped;
  * a GT is ignored when iscrowd or its area is outside the range; a crowd GT is matched with
    IoU = intersection / detection area and may absorb any number of detections;
  * detections ranked by score (stable), 100 kept per (image, category); greedy matching picks,
    among unmatched regular GTs, the one with the highest IoU >= t (ties: the later GT), and only
    when none qualifies the same among ignored GTs (crowds always available); a detection takes
    its GT's ignore flag; an unmatched detection outside the area range is ignored; a match to a
    GT whose annotation id is 0 counts as no match (pycocotools stores matches as GT ids);
  * precision with the right-to-left envelope sampled at the recall points (searchsorted left,
    0 past the highest recall), recall = the final recall, -1 without GT; the 12 stats are means
    over entries > -1.

Use:
  /usr/bin/python3 cocoeval_ref.py GT.json DT.json   prints the 12-line summary and per-category AP
  /usr/bin/python3 cocoeval_ref.py --json GT.json DT.json   one JSON line {"stats", "per_category"}
  /usr/bin/python3 cocoeval_ref.py --self-test        hand-computed cases; exit 1 on a failure
From Python: evaluate(gt_dict, detections_list) -> {"stats": [12 floats], "per_category": {id: AP}}.
"""
import json
import sys

import numpy as np

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
MAX_DETS = (1, 10, 100)
AREA_RANGES = (("all", 0.0, 1e10), ("small", 0.0, 32.0 ** 2), ("medium", 32.0 ** 2, 96.0 ** 2),
               ("large", 96.0 ** 2, 1e10))
STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


# ---- IoU ------------------------------------------------------------------------------------

def box_iou_matrix(dt_boxes, gt_boxes, gt_crowd):
    """D x 4, G x 4 (x, y, w, h), G bools -> D x G IoU; a crowd column divides by the detection area.

    The arithmetic follows the C routine pycocotools calls: the overlap width is
    min(x+w) - max(x), no +1, and a non-positive width or height gives 0.
    """
    d = dt_boxes[:, None, :]  # D x 1 x 4
    g = gt_boxes[None, :, :]  # 1 x G x 4
    ow = np.minimum(d[..., 2] + d[..., 0], g[..., 2] + g[..., 0]) - np.maximum(d[..., 0], g[..., 0])
    oh = np.minimum(d[..., 3] + d[..., 1], g[..., 3] + g[..., 1]) - np.maximum(d[..., 1], g[..., 1])
    inter = ow * oh
    dt_area = d[..., 2] * d[..., 3]
    gt_area = g[..., 2] * g[..., 3]
    union = np.where(gt_crowd[None, :], dt_area, dt_area + gt_area - inter)
    overlapping = (ow > 0) & (oh > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(overlapping, inter / np.where(overlapping, union, 1.0), 0.0)


# ---- matching of one (image, category, area range) -----------------------------------------

def pick_last_best(iou_row, allowed):
    """T x G allowed mask, G IoUs -> T indices of the highest allowed IoU (last on ties), -1 if none."""
    scores = np.where(allowed, iou_row[None, :], -np.inf)
    reversed_best = np.argmax(scores[:, ::-1], axis=1)  # first max of the reversed row = last max
    index = scores.shape[1] - 1 - reversed_best
    has_any = allowed.any(axis=1)
    return np.where(has_any, index, -1)


def match_image(iou, gt_ignored, gt_crowd, gt_zero_id, dt_outside):
    """Greedy matching for all thresholds at once.

    iou: D x G (detections in rank order), gt_ignored / gt_crowd: G bools, dt_outside: D bools.
    gt_zero_id: G bools, the GTs whose annotation id is 0. pycocotools records a match as the
    GT's id and later reads "id != 0" as "matched", so a detection matched to a GT with id 0 takes
    that GT (and its ignore flag) but then counts as unmatched. Reproduced here; real COCO ids
    start at 1.
    Returns (matched T x D bool, ignored T x D bool).
    """
    T, (D, G) = len(IOU_THRESHOLDS), iou.shape
    thresholds = np.minimum(IOU_THRESHOLDS, 1 - 1e-10)
    taken = np.zeros((T, G), dtype=bool)
    matched = np.zeros((T, D), dtype=bool)
    ignored = np.zeros((T, D), dtype=bool)
    for d in range(D if G else 0):  # without GT every detection stays unmatched
        passes = (iou[d][None, :] >= thresholds[:, None]) & (~taken | gt_crowd[None, :])  # T x G
        regular = pick_last_best(iou[d], passes & ~gt_ignored[None, :])
        fallback = pick_last_best(iou[d], passes & gt_ignored[None, :])
        chosen = np.where(regular >= 0, regular, fallback)  # T
        rows = np.nonzero(chosen >= 0)[0]
        taken[rows, chosen[rows]] = True
        matched[rows, d] = ~gt_zero_id[chosen[rows]]
        ignored[rows, d] = gt_ignored[chosen[rows]]
    ignored |= ~matched & dt_outside[None, :]
    return matched, ignored


# ---- the evaluator --------------------------------------------------------------------------

def _as_float_boxes(items):
    return np.array([[float(v) for v in it["bbox"]] for it in items], dtype=np.float64).reshape(-1, 4)


def evaluate(gt, detections):
    """gt: an instances dict; detections: a list of result dicts. Returns stats and per-category AP."""
    image_ids = sorted({int(im["id"]) for im in gt["images"]})
    category_ids = sorted({int(c["id"]) for c in gt["categories"]})
    known_images, known_categories = set(image_ids), set(category_ids)

    gt_by_pair = {}
    for ann in gt.get("annotations", []):
        key = (int(ann["image_id"]), int(ann["category_id"]))
        if key[0] in known_images and key[1] in known_categories:
            gt_by_pair.setdefault(key, []).append(ann)
    dt_by_pair = {}
    for index, det in enumerate(detections):
        image = int(det["image_id"])
        if image not in known_images:
            raise ValueError(f"result {index}: image_id {image} is not a ground-truth image")
        key = (image, int(det["category_id"]))
        if key[1] in known_categories:
            dt_by_pair.setdefault(key, []).append(det)

    T, R, K, A, M = len(IOU_THRESHOLDS), len(RECALL_POINTS), len(category_ids), len(AREA_RANGES), len(MAX_DETS)
    precision = -np.ones((T, R, K, A, M))
    recall = -np.ones((T, K, A, M))

    for k, category in enumerate(category_ids):
        # Per image: the ranked, truncated detections and the IoU matrix (area-independent).
        per_image = []
        for image in image_ids:
            gts = gt_by_pair.get((image, category), [])
            dts = dt_by_pair.get((image, category), [])
            if not gts and not dts:
                continue
            scores = np.array([float(d["score"]) for d in dts], dtype=np.float64)
            order = np.argsort(-scores, kind="stable")[:MAX_DETS[-1]]
            dt_boxes = _as_float_boxes(dts)[order]
            gt_boxes = _as_float_boxes(gts)
            gt_crowd = np.array([bool(g.get("iscrowd", 0)) for g in gts], dtype=bool)
            gt_area = np.array([float(g["area"]) for g in gts], dtype=np.float64)
            gt_zero_id = np.array([int(g["id"]) == 0 for g in gts], dtype=bool)
            iou = box_iou_matrix(dt_boxes, gt_boxes, gt_crowd)
            per_image.append((scores[order], dt_boxes[:, 2] * dt_boxes[:, 3], gt_crowd, gt_zero_id, gt_area, iou))

        for a, (_, lo, hi) in enumerate(AREA_RANGES):
            ranks_in_image, all_scores, all_matched, all_ignored = [], [], [], []
            regular_gt = 0
            for scores, dt_area, gt_crowd, gt_zero_id, gt_area, iou in per_image:
                gt_ignored = gt_crowd | (gt_area < lo) | (gt_area > hi)
                order = np.argsort(gt_ignored, kind="stable")  # regular GTs first
                matched, ignored = match_image(iou[:, order], gt_ignored[order], gt_crowd[order], gt_zero_id[order],
                                               (dt_area < lo) | (dt_area > hi))
                regular_gt += int(np.count_nonzero(~gt_ignored))
                ranks_in_image.append(np.arange(len(scores)))
                all_scores.append(scores)
                all_matched.append(matched)
                all_ignored.append(ignored)
            if regular_gt == 0:
                continue  # precision and recall stay -1
            ranks = np.concatenate(ranks_in_image) if ranks_in_image else np.zeros(0, dtype=np.int64)
            scores = np.concatenate(all_scores) if all_scores else np.zeros(0)
            matched = np.concatenate(all_matched, axis=1) if all_matched else np.zeros((T, 0), dtype=bool)
            ignored = np.concatenate(all_ignored, axis=1) if all_ignored else np.zeros((T, 0), dtype=bool)
            # One stable ranking of everything (images in id order); each maxDets keeps a subset of
            # it, which preserves relative order, so a stable sort of the subset is the same list.
            order = np.argsort(-scores, kind="stable")
            for m, max_det in enumerate(MAX_DETS):
                keep = order[ranks[order] < max_det]
                tp = np.cumsum(matched[:, keep] & ~ignored[:, keep], axis=1).astype(np.float64)  # T x N
                fp = np.cumsum(~matched[:, keep] & ~ignored[:, keep], axis=1).astype(np.float64)
                n = tp.shape[1]
                if n == 0:
                    recall[:, k, a, m] = 0.0
                    precision[:, :, k, a, m] = 0.0
                    continue
                rc = tp / regular_gt
                pr = tp / (fp + tp + np.spacing(1))
                envelope = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
                recall[:, k, a, m] = rc[:, -1]
                for t in range(T):
                    at = np.searchsorted(rc[t], RECALL_POINTS, side="left")
                    inside = at < n
                    precision[t, :, k, a, m] = np.where(inside, envelope[t, np.minimum(at, n - 1)], 0.0)

    def mean_valid(values):
        valid = values[values > -1]
        return float(np.mean(valid)) if valid.size else -1.0

    area_index = {name: i for i, (name, _, _) in enumerate(AREA_RANGES)}
    m100 = MAX_DETS.index(100)

    def ap(area="all", iou=None):
        p = precision if iou is None else precision[np.where(IOU_THRESHOLDS == iou)[0]]
        return mean_valid(p[:, :, :, area_index[area], m100])

    def ar(area="all", max_det=100):
        return mean_valid(recall[:, :, area_index[area], MAX_DETS.index(max_det)])

    stats = [ap(), ap(iou=0.5), ap(iou=0.75), ap("small"), ap("medium"), ap("large"),
             ar(max_det=1), ar(max_det=10), ar(), ar("small"), ar("medium"), ar("large")]
    per_category = {c: mean_valid(precision[:, :, k, 0, m100]) for k, c in enumerate(category_ids)}
    return {"stats": stats, "per_category": per_category}


# ---- printing -------------------------------------------------------------------------------

def summary_lines(result):
    rows = [("Average Precision", "(AP)", "0.50:0.95", "all", 100), ("Average Precision", "(AP)", "0.50", "all", 100),
            ("Average Precision", "(AP)", "0.75", "all", 100), ("Average Precision", "(AP)", "0.50:0.95", "small", 100),
            ("Average Precision", "(AP)", "0.50:0.95", "medium", 100),
            ("Average Precision", "(AP)", "0.50:0.95", "large", 100),
            ("Average Recall", "(AR)", "0.50:0.95", "all", 1), ("Average Recall", "(AR)", "0.50:0.95", "all", 10),
            ("Average Recall", "(AR)", "0.50:0.95", "all", 100), ("Average Recall", "(AR)", "0.50:0.95", "small", 100),
            ("Average Recall", "(AR)", "0.50:0.95", "medium", 100),
            ("Average Recall", "(AR)", "0.50:0.95", "large", 100)]
    lines = [f" {title:<18} {kind} @[ IoU={iou:<9} | area={area:>6s} | maxDets={md:>3d} ] = {value:0.3f}"
             for (title, kind, iou, area, md), value in zip(rows, result["stats"])]
    lines += [f" category {c:>4}: AP = {v:0.3f}" for c, v in sorted(result["per_category"].items())]
    return lines


# ---- self-test: hand-computed cases ---------------------------------------------------------

def _gt(images, annotations, categories=(1,)):
    anns = []
    for i, (image, cat, box, area, crowd) in enumerate(annotations):
        anns.append({"id": i + 1, "image_id": image, "category_id": cat, "bbox": list(box), "area": area,
                     "iscrowd": crowd})
    return {"images": [{"id": i, "file_name": f"{i}.jpg", "width": 640, "height": 480} for i in images],
            "annotations": anns, "categories": [{"id": c, "name": f"c{c}", "supercategory": "x"} for c in categories]}


def _det(image, cat, box, score):
    return {"image_id": image, "category_id": cat, "bbox": list(box), "score": score}


def self_test():
    failures = []

    def check(name, actual, expected):
        if abs(actual - expected) > 1e-12:
            failures.append(f"{name}: got {actual!r}, expected {expected!r}")
        print(f"{'ok  ' if abs(actual - expected) <= 1e-12 else 'FAIL'} {name}: {actual!r} (expected {expected!r})")

    def check_stats(case, result, expected):
        for name, got, want in zip(STAT_NAMES, result["stats"], expected):
            check(f"{case} {name}", got, want)

    # 1. Perfect detections: a small, a medium and a large box, one per image -> 1 everywhere.
    small, medium, large = (10, 10, 20, 20), (50, 50, 50, 60), (0, 0, 200, 150)
    gt = _gt([1, 2, 3], [(1, 1, small, 400.0, 0), (2, 1, medium, 3000.0, 0), (3, 1, large, 30000.0, 0)])
    dts = [_det(1, 1, small, 0.9), _det(2, 1, medium, 0.8), _det(3, 1, large, 0.7)]
    check_stats("perfect", evaluate(gt, dts), [1.0] * 12)

    # 2. A missed object and a false positive ranked first, one category. Image 1 has two GTs and
    #    one exact detection (score 0.5); image 2 has one GT and, above its exact detection (0.6),
    #    a false positive (0.9). Ranking: FP, TP, TP -> precision 0, 1/2, 2/3 at recall 0, 1/3,
    #    2/3; envelope 2/3 up to recall 2/3 (67 points: 0..0.66), 0 beyond -> AP = 67/101 * 2/3.
    #    AR1 takes the top detection per image: image 1's TP, image 2's FP -> recall 1/3.
    gt = _gt([1, 2], [(1, 1, medium, 3000.0, 0), (1, 1, (300, 300, 40, 40), 1600.0, 0),
                      (2, 1, medium, 3000.0, 0)])
    dts = [_det(1, 1, medium, 0.5), _det(2, 1, (400, 10, 40, 40), 0.9), _det(2, 1, medium, 0.6)]
    ap = 67 / 101 * (2 / (3 + np.spacing(1)))
    check_stats("miss+fp", evaluate(gt, dts), [ap, ap, ap, -1.0, ap, -1.0, 1 / 3, 2 / 3, 2 / 3, -1.0, 2 / 3, -1.0])

    # 3. A crowd region: one regular GT detected exactly, two detections inside the crowd box
    #    (intersection / detection area = 1) are ignored, not false positives -> AP 1. A third
    #    detection straddling the crowd (IoU by detection area 0.5: the crowd covers half of it)
    #    is ignored for t = 0.5 only and a false positive for t >= 0.55 (scored lowest, so
    #    precision still reaches 1 at every recall point). AR1 is 0: the image's top detection is
    #    one of the ignored ones.
    gt = _gt([1], [(1, 1, (0, 0, 300, 300), 90000.0, 1), (1, 1, (400, 0, 50, 50), 2500.0, 0)])
    dts = [_det(1, 1, (10, 10, 20, 20), 0.95), _det(1, 1, (100, 100, 150, 150), 0.9),
           _det(1, 1, (400, 0, 50, 50), 0.8), _det(1, 1, (250, 0, 100, 100), 0.1)]
    check_stats("crowd", evaluate(gt, dts), [1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 0.0, 1.0, 1.0, -1.0, 1.0, -1.0])

    # 4. Area boundary and a category without GT: a GT of area exactly 32^2 is both small and
    #    medium (inclusive ends); category 5 has a detection but no GT -> its AP is -1 and it is
    #    left out of the means. The detection at half the GT's width has IoU 0.5 exactly: a match at
    #    t = 0.5 only (>= t) -> AP = AP(t=0.5)/10 = 0.1, AP50 = 1, AP75 = 0, AR = 0.1.
    gt = _gt([7], [(7, 2, (0, 0, 32, 32), 1024.0, 0)], categories=(2, 5))
    dts = [_det(7, 2, (0, 0, 16, 32), 0.9), _det(7, 5, (0, 0, 32, 32), 0.9)]
    r = evaluate(gt, dts)
    check_stats("boundary", r, [0.1, 1.0, 0.0, 0.1, 0.1, -1.0, 0.1, 0.1, 0.1, 0.1, 0.1, -1.0])
    check("boundary per-category 2", r["per_category"][2], 0.1)
    check("boundary per-category 5", r["per_category"][5], -1.0)

    # 5. More than 100 detections for one (image, category): 150 false positives scored above one
    #    exact detection (score 0.01) -> the true one is cut at 100 -> AP 0, AR 0; with 99 false
    #    positives it survives at rank 100: precision 1/100 at every recall point, AR100 = 1. In the
    #    "large" range the 10x10 false positives are outside the range and unmatched -> ignored,
    #    so there the lone true detection gives APl = ARl = 1.
    gt = _gt([1], [(1, 1, large, 30000.0, 0)])
    fps = [_det(1, 1, (300 + i, 300, 10, 10), 0.5 + i * 1e-3) for i in range(150)]
    r = evaluate(gt, fps + [_det(1, 1, large, 0.01)])
    check_stats("over100", r, [0.0, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0, -1.0, 0.0])
    r = evaluate(gt, fps[:99] + [_det(1, 1, large, 0.01)])
    p = 1 / (100 + np.spacing(1))
    check_stats("exactly100", r, [p, p, p, -1.0, -1.0, 1.0, 0.0, 0.0, 1.0, -1.0, -1.0, 1.0])

    # 6. pycocotools' id quirk: a GT whose annotation id is 0 is taken by the exact detection, but
    #    the match is recorded as "0" = unmatched, so the detection is a false positive and the GT
    #    is never found -> AP 0, AR 0 (areas: medium only).
    gt = _gt([1], [(1, 1, medium, 3000.0, 0)])
    gt["annotations"][0]["id"] = 0
    check_stats("gt id 0", evaluate(gt, [_det(1, 1, medium, 0.9)]),
                [0.0, 0.0, 0.0, -1.0, 0.0, -1.0, 0.0, 0.0, 0.0, -1.0, 0.0, -1.0])

    if failures:
        print("\n".join(["FAILED:"] + failures))
        return 1
    print("self-test: all checks passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    as_json = "--json" in argv
    files = [a for a in argv[1:] if a != "--json"]
    if len(files) != 2:
        print(__doc__.split("Use:")[1], file=sys.stderr)
        return 2
    with open(files[0]) as f:
        gt = json.load(f)
    with open(files[1]) as f:
        dts = json.load(f)
    result = evaluate(gt, dts)
    if as_json:
        per_category = {str(k): v for k, v in result["per_category"].items()}
        print(json.dumps({"stats": result["stats"], "per_category": per_category}))
    else:
        print("\n".join(summary_lines(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
