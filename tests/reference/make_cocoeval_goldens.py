#!/usr/bin/python3
"""tests/reference/make_cocoeval_goldens.py — seeded random COCO evaluation cases and their stats.

Usage: /usr/bin/python3 tests/reference/make_cocoeval_goldens.py OUT_DIR

Runs cocoeval_ref.py's self-test first, then writes into OUT_DIR/cocoeval/:
  gt_<k>.json    an instances file (images, annotations, categories in the official format)
  dt_<k>.json    a results file (a list of image_id, category_id, bbox, score)
  expected.json  {"cases": [{"name", "gt", "dt", "seed", "stats": [12], "per_category": {id: AP}}]}
with the stats computed by the independent numpy evaluator (cocoeval_ref.py). The C++ test
tests/coco_eval/test_cocoeval_reference.cpp evaluates the same files with linattn's evaluator
and requires every stat and every per-category AP to agree within 1e-6.

The cases are built to exercise every rule of COCOeval: 20-60 images listed in shuffled order
with sparse ids, some without ground truth and some without detections; 3-6 categories with
sparse COCO ids, some with detections but no ground truth; boxes of all three sizes, some on the
32^2 / 96^2 area boundaries, an `area` field that differs from w*h for some (segmentation-like);
crowd regions with detections inside them; jittered, duplicated, mislabelled and spurious
detections; scores quantized so that equal scores occur across images; detections at IoU
exactly k/20 (0.5 ... 0.95) with their ground truth; equal IoU with two ground truths (the
later one wins); more than 100 detections for one (image, category), cutting off a true one; a
category with ground truth but no detections at all (AP 0);
in some cases annotation ids starting at 0 (pycocotools' "a match to GT id 0 is no match"); a
stray `ignore` field on a few annotations (pycocotools replaces it by iscrowd).

ctest runs this as the fixture `cocoeval_goldens` (tests/CMakeLists.txt). Without numpy it
prints "SKIP: ..." and exits 77 after removing stale outputs, and the C++ test skips too.
"""
import json
import os
import random
import shutil
import sys

NUM_CASES = 10
CATEGORY_POOL = [1, 3, 7, 18, 27, 44, 62, 90]


def round_box(box, digits):
    return [round(v, digits) for v in box] if digits is not None else [float(v) for v in box]


def make_gt_box(rng, size_class, width, height, integral):
    """A box of the given size class inside a width x height image; (box, area field)."""
    if size_class == "small":
        w, h = rng.uniform(4, 40), rng.uniform(4, 30)
    elif size_class == "medium":
        w, h = rng.uniform(30, 110), rng.uniform(30, 90)
    elif size_class == "large":
        w, h = rng.uniform(90, 300), rng.uniform(100, 250)
    elif size_class == "edge_small":  # area field exactly 32^2: small and medium at once
        w, h = 32.0, 32.0
    else:  # "edge_large": area field exactly 96^2: medium and large at once
        w, h = 96.0, 96.0
    w, h = min(w, width - 1), min(h, height - 1)
    x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
    if integral:
        # Widths in multiples of 20 px, so that k/20 of the width is a whole number (exact IoUs).
        x, y, w, h = float(int(x)), float(int(y)), float(max(20, int(w) // 20 * 20)), float(max(2, int(h)))
    box = [x, y, w, h] if integral else round_box([x, y, w, h], 2)
    if size_class == "edge_small":
        area = 1024.0
    elif size_class == "edge_large":
        area = 9216.0
    elif rng.random() < 0.5:
        area = round(box[2] * box[3] * rng.uniform(0.45, 0.95), 3)  # a segmentation-like area
    else:
        area = box[2] * box[3]
    return box, area


def jitter(rng, box, amount):
    x, y, w, h = box
    return round_box([x + rng.gauss(0, amount * w), y + rng.gauss(0, amount * h),
                      max(0.5, w * (1 + rng.gauss(0, amount))), max(0.5, h * (1 + rng.gauss(0, amount)))], 3)


def make_case(seed):
    rng = random.Random(seed)
    num_images = rng.randint(20, 60)
    image_ids = rng.sample(range(1, 600000), num_images)  # listed in this (unsorted) order
    images = [{"id": i, "file_name": f"{i:012d}.jpg", "width": rng.randint(320, 640),
               "height": rng.randint(240, 640)} for i in image_ids]
    num_categories = rng.randint(3, 6)
    category_ids = rng.sample(CATEGORY_POOL, num_categories)  # unsorted, as files may list them
    categories = [{"id": c, "name": f"thing{c}", "supercategory": "object"} for c in category_ids]
    no_gt_categories = set(category_ids[-1:]) if seed % 2 == 0 else set(category_ids[-2:])
    gt_categories = [c for c in category_ids if c not in no_gt_categories]
    empty_gt_images = set(rng.sample(image_ids, max(1, num_images // 7)))
    no_det_images = set(rng.sample(image_ids, max(1, num_images // 9)))

    annotations, detections = [], []
    size_classes = ["small"] * 4 + ["medium"] * 4 + ["large"] * 3 + ["edge_small", "edge_large"]

    def score():
        # Quantized scores repeat across images (ties broken by image order, then list order).
        return round(rng.random(), 2) if rng.random() < 0.4 else rng.random()

    for image in images:
        iid, width, height = image["id"], image["width"], image["height"]
        if iid in empty_gt_images:
            continue
        for _ in range(rng.randint(1, 9)):
            category = rng.choice(gt_categories)
            integral = rng.random() < 0.3
            box, area = make_gt_box(rng, rng.choice(size_classes), width, height, integral)
            crowd = 1 if rng.random() < 0.07 else 0
            annotations.append({"image_id": iid, "category_id": category, "bbox": box, "area": area,
                                "iscrowd": crowd, "segmentation": []})
            if iid in no_det_images:
                continue
            if crowd:  # detections inside and across the crowd region
                for _ in range(rng.randint(1, 4)):
                    w, h = box[2] * rng.uniform(0.1, 0.6), box[3] * rng.uniform(0.1, 0.6)
                    detections.append({"image_id": iid, "category_id": category, "score": score(),
                                       "bbox": round_box([box[0] + rng.uniform(-0.2 * w, box[2] - 0.8 * w),
                                                          box[1] + rng.uniform(-0.2 * h, box[3] - 0.8 * h), w, h], 2)})
                continue
            r = rng.random()
            if r < 0.12:
                pass  # missed
            elif r < 0.3 and integral:
                # IoU exactly k/20 = 0.5, 0.55, ..., 0.95 (k/20 of the width), or 0.5 (half the height):
                # a detection on a threshold. 17/20 = 0.85 equals linspace's 0.85 but not 0.5 + 7 * 0.05.
                k = rng.choice([10, 11, 13, 15, 17, 17, 18, 19])
                exact = [box[0], box[1], box[2], box[3] / 2] if rng.random() < 0.2 else \
                    [box[0], box[1], box[2] * k / 20, box[3]]
                detections.append({"image_id": iid, "category_id": category, "bbox": exact, "score": score()})
            else:
                first_score = score()
                detections.append({"image_id": iid, "category_id": category, "score": first_score,
                                   "bbox": jitter(rng, box, rng.choice([0.02, 0.05, 0.1, 0.2]))})
                if rng.random() < 0.25:  # a duplicate, half the time with the same score (list order decides)
                    detections.append({"image_id": iid, "category_id": category, "bbox": jitter(rng, box, 0.08),
                                       "score": first_score if rng.random() < 0.5 else score()})
                if rng.random() < 0.1:  # the right box with the wrong label
                    detections.append({"image_id": iid, "category_id": rng.choice(category_ids),
                                       "score": score(), "bbox": jitter(rng, box, 0.05)})
        if iid in no_det_images:
            continue
        for _ in range(rng.randint(0, 3)):  # false positives anywhere, any category
            cls = rng.choice(size_classes[:11])
            box, _ = make_gt_box(rng, cls, width, height, False)
            detections.append({"image_id": iid, "category_id": rng.choice(category_ids), "bbox": box,
                               "score": score()})

    # Equal-IoU ties: ground truths A = [x, y, 10u, h] and B = A shifted by 2u; a detection midway
    # (shift u) has the same IoU 9/11 with both and must take the later one in file order (the
    # annotations are shuffled below, so either). If it takes B, a second, lower-scored detection at
    # shift 4u (IoU 2/3 with B, 3/7 with A) is a false positive for t <= 0.65; if A, a true one.
    for iid in rng.sample([i for i in image_ids if i not in no_det_images], 3):
        image = next(im for im in images if im["id"] == iid)
        u, h = rng.randint(3, 12), float(rng.randint(10, 80))
        x, y = float(rng.randint(0, image["width"] - 14 * u)), float(rng.randint(0, image["height"] - int(h)))
        category = rng.choice(gt_categories)
        for shift in (0, 2):
            annotations.append({"image_id": iid, "category_id": category, "bbox": [x + shift * u, y, 10.0 * u, h],
                                "area": 10.0 * u * h, "iscrowd": 0, "segmentation": [], "tied": True})
        first_score = rng.uniform(0.5, 1)
        detections.append({"image_id": iid, "category_id": category, "bbox": [x + u, y, 10.0 * u, h],
                           "score": first_score})
        detections.append({"image_id": iid, "category_id": category, "bbox": [x + 4 * u, y, 10.0 * u, h],
                           "score": first_score / 2})

    # Detections on images without any ground truth.
    for iid in sorted(empty_gt_images - no_det_images)[:3]:
        box, _ = make_gt_box(rng, "medium", 320, 240, False)
        detections.append({"image_id": iid, "category_id": rng.choice(category_ids), "bbox": box, "score": score()})

    # More than 100 detections for one (image, category): a cluster of loose, high-scored boxes
    # around one ground truth, and a low-scored exact detection of another ground truth of the same
    # image and category (added here) that the cut at 100 per (image, category) removes.
    crowded = [a for a in annotations if not a["iscrowd"] and a["image_id"] not in no_det_images
               and "tied" not in a]
    if crowded and seed % 3 != 2:
        target = rng.choice(crowded)
        image = next(im for im in images if im["id"] == target["image_id"])
        for _ in range(rng.randint(101, 140)):
            detections.append({"image_id": target["image_id"], "category_id": target["category_id"],
                               "bbox": jitter(rng, target["bbox"], 0.3), "score": rng.uniform(0.3, 1)})
        box, area = make_gt_box(rng, "medium", image["width"], image["height"], False)
        annotations.append({"image_id": target["image_id"], "category_id": target["category_id"], "bbox": box,
                            "area": area, "iscrowd": 0, "segmentation": []})
        detections.append({"image_id": target["image_id"], "category_id": target["category_id"], "bbox": box,
                           "score": rng.uniform(0.01, 0.2)})

    # A category the "detector" never predicts: AP 0 (not -1: it has ground truth).
    if seed % 2 == 1 and len(gt_categories) > 1:
        detections = [d for d in detections if d["category_id"] != gt_categories[0]]

    # An `ignore` field is not COCO's; pycocotools overwrites it with iscrowd, so it changes nothing.
    for ann in annotations:
        if rng.random() < 0.05:
            ann["ignore"] = 1 - ann["iscrowd"]
    rng.shuffle(annotations)  # file order decides ties between equal-IoU ground truths
    first_id = 0 if seed % 4 == 1 else 1  # id 0: pycocotools never counts a match to it (see cocoeval_ref)
    for index, ann in enumerate(annotations):
        ann["id"] = first_id + index
    rng.shuffle(detections)
    gt = {"info": {"description": f"linattn cocoeval golden case, seed {seed}"}, "images": images,
          "annotations": [{k: a[k] for k in ("id", "image_id", "category_id", "bbox", "area", "iscrowd",
                                              "segmentation", "ignore") if k in a} for a in annotations],
          "categories": categories}
    dts = [{"image_id": d["image_id"], "category_id": d["category_id"], "bbox": d["bbox"], "score": d["score"]}
           for d in detections]
    return gt, dts


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = os.path.join(sys.argv[1], "cocoeval")
    try:
        import numpy
        del numpy  # only its presence is checked here; cocoeval_ref uses it
    except ImportError:
        shutil.rmtree(out_dir, ignore_errors=True)
        print(f"SKIP: {sys.executable} cannot import numpy; the COCO evaluator reference cases are not written")
        return 77
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cocoeval_ref

    if cocoeval_ref.self_test() != 0:
        print("cocoeval_ref.py --self-test failed; no goldens written", file=sys.stderr)
        return 1
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    cases = []
    for k in range(NUM_CASES):
        seed = 1000 + k
        gt, dts = make_case(seed)
        gt_name, dt_name = f"gt_{k}.json", f"dt_{k}.json"
        with open(os.path.join(out_dir, gt_name), "w") as f:
            json.dump(gt, f)
        with open(os.path.join(out_dir, dt_name), "w") as f:
            json.dump(dts, f)
        result = cocoeval_ref.evaluate(gt, dts)
        cases.append({"name": f"case{k}", "gt": gt_name, "dt": dt_name, "seed": seed, "stats": result["stats"],
                      "per_category": {str(c): v for c, v in result["per_category"].items()}})
        print(f"case{k}: {len(gt['images'])} images, {len(gt['categories'])} categories, "
              f"{len(gt['annotations'])} GT, {len(dts)} detections, AP {result['stats'][0]:.4f}")
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
