#!/usr/bin/python3
"""make_detr_goldens.py — DETR-lite's forward pass, set loss and every gradient in PyTorch.

Usage: /usr/bin/python3 tests/reference/make_detr_goldens.py OUT_DIR [--check]

For each case of CASES (every encoder attention type × both query modes in float64, the default
configuration once more in float32) writes OUT_DIR/detr_<case>.safetensors: the DetrLite of
detr_lite_ref.py at a tiny size (S 64, backbone width 8 with 1 block per stage, dim 16, heads 2,
2 + 2 layers, MLP ratio 2, Q 5, K 3, norm groups 4; B = 3 images with 2, 0 and 3 target boxes),
its parameters redrawn by randomize_detr_parameters_, in training mode. The cases spread the
other options over the set: both score heads (softmax K + 1 / sigmoid focal), the three
cross-attention types (softmax, efficient, linformer), pre- and post-norm, group- and batch-norm
backbones, output stride 16 (a 4x4 grid) and 32 (2x2). Tensors:
  <name>                      every state_dict entry (parameters and BatchNorm buffers) before the step
  images                      (B, 3, S, S)
  targets.counts (B) int64, targets.labels (ΣT) int64, targets.boxes (ΣT, 4) float32 cxcywh
  out<l>.logits, out<l>.boxes each decoder layer l's output (l = dec_layers − 1 is the final one)
  match.<l>.query, match.<l>.target (ΣT) int64: each image's matched pairs (query ascending), in image order
  loss.<term>                 every unweighted term (loss_ce, loss_bbox, loss_giou, loss_ce_0, ...), loss.total
  grad.<param>                d loss.total / d param for every parameter
  after.<buffer>              BatchNorm running statistics after the train-mode forward (batch-norm cases)
__metadata__: format, case, dtype, computed_in, model (JSON of DetrLite's options, the C++ option
names), criterion (JSON: focal, eos_coef, weights, costs, focal α / γ, aux), min_match_gap, seed, torch.

Invariants: deterministic (one seed per case). Weights and images are drawn in the file's dtype and
everything after that is computed in float64 from those exact values, then rounded to the file's
dtype. Every matching is unique by a margin of at least MIN_GAP in cost (targets redrawn until it
is), so the C++ matcher must find the same pairs. --check also verifies the reference itself
(cross_attend against the modules' one-memory forward; sine positions against DETR's formula).
Without torch or scipy the script prints "SKIP: ..." and exits 77 (the golden tests skip).
"""
import copy
import json
import os
import sys

FORMAT = "linattn-detr-golden/1"
TINY = {"num_classes": 3, "image_size": 64, "backbone_width": 8, "backbone_blocks": 1, "stride": 16,
        "backbone_norm": "group", "norm_groups": 4, "dim": 16, "heads": 2, "enc_layers": 2, "dec_layers": 2,
        "mlp_ratio": 2, "num_queries": 5, "norm": "pre", "queries": "anchor", "scores": "sigmoid",
        "cross_attention": "softmax", "attention": "softmax", "attention_options": {}}
COUNTS = [2, 0, 3]       # target boxes per image
MIN_GAP = 1e-3           # the matching's margin in cost over the best different matching
# case -> (dtype, the options that differ from TINY)
CASES = {
    "softmax_learned_f64": ("f64", dict(attention="softmax", queries="learned", scores="softmax")),
    "softmax_anchor_f64": ("f64", dict(attention="softmax", queries="anchor", cross_attention="efficient", norm="post")),
    "cos2d_learned_f64": ("f64", dict(attention="cos2d", queries="learned", cross_attention="linformer",
                                      backbone_norm="batch")),
    "cos2d_anchor_f64": ("f64", dict(attention="cos2d", queries="anchor", scores="softmax", stride=32)),
    "external_learned_f64": ("f64", dict(attention="external", queries="learned", scores="softmax",
                                         cross_attention="efficient")),
    "external_anchor_f64": ("f64", dict(attention="external", queries="anchor", cross_attention="linformer",
                                        norm="post", backbone_norm="batch")),
    "linformer_learned_f64": ("f64", dict(attention="linformer", queries="learned", norm="post")),
    "linformer_anchor_f64": ("f64", dict(attention="linformer", queries="anchor", scores="softmax",
                                         cross_attention="efficient")),
    "additive_learned_f64": ("f64", dict(attention="additive", queries="learned", scores="softmax",
                                         cross_attention="linformer", stride=32)),
    "additive_anchor_f64": ("f64", dict(attention="additive", queries="anchor", backbone_norm="batch")),
    "efficient_learned_f64": ("f64", dict(attention="efficient", queries="learned", cross_attention="efficient",
                                          norm="post")),
    "efficient_anchor_f64": ("f64", dict(attention="efficient", queries="anchor", scores="softmax",
                                         cross_attention="linformer")),
    "softmax_anchor_f32": ("f32", dict()),  # the contract's default configuration
}
CRITERION = {"eos_coef": 0.1, "weights": {"ce": 1.0, "bbox": 5.0, "giou": 2.0},
             "costs": {"class": 1.0, "bbox": 5.0, "giou": 2.0}, "focal_alpha": 0.25, "focal_gamma": 2.0, "aux": True}


def draw_targets(g, K):
    targets = []
    for count in COUNTS:
        labels = torch.randint(0, K, (count,), generator=g)
        cxcy = 0.2 + 0.6 * torch.rand(count, 2, generator=g, dtype=torch.float64)
        wh = 0.1 + 0.4 * torch.rand(count, 2, generator=g, dtype=torch.float64)
        targets.append((labels, torch.cat([cxcy, wh], 1).float()))  # float32, like a DetectionTarget
    return targets


def matching_gap(outputs, targets, focal):
    """The matches of every output and the smallest uniqueness margin over outputs and images."""
    gap, matches = float("inf"), []
    for logits, boxes in outputs:
        m, g = D.hungarian_match(logits.detach(), boxes.detach(), targets, focal)
        matches.append(m)
        gap = min(gap, g)
    return matches, gap


def make_case(name, seed):
    key, changes = CASES[name]
    dtype = {"f64": torch.float64, "f32": torch.float32}[key]
    options = dict(TINY, **changes)
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = ref.DetrLite(**options).to(dtype).train()
    ref.randomize_detr_parameters_(model, g)
    S = options["image_size"]
    images = torch.randn(len(COUNTS), 3, S, S, generator=g, dtype=torch.float64).to(dtype)
    tensors = {k: v.detach().clone() for k, v in model.state_dict().items()}

    m64 = copy.deepcopy(model).double().train()
    outputs = m64(images.double())
    focal = options["scores"] == "sigmoid"
    for attempt in range(200):  # redraw the targets until every matching is unique by a clear margin
        targets = draw_targets(g, options["num_classes"])
        matches, gap = matching_gap(outputs, targets, focal)
        if gap >= MIN_GAP:
            break
    else:
        raise RuntimeError(f"{name}: no targets with a unique matching")

    total, terms = ref.set_criterion(outputs, targets, options["num_classes"], focal, CRITERION["weights"],
                                     CRITERION["costs"], matches=matches)
    named = list(m64.named_parameters())
    grads = torch.autograd.grad(total, [p for _, p in named])

    tensors["images"] = images
    tensors["targets.counts"] = torch.tensor(COUNTS, dtype=torch.int64)
    tensors["targets.labels"] = torch.cat([l for l, _ in targets])
    tensors["targets.boxes"] = torch.cat([b for _, b in targets])
    for l, (logits, boxes) in enumerate(outputs):
        tensors[f"out{l}.logits"] = logits.detach().to(dtype)
        tensors[f"out{l}.boxes"] = boxes.detach().to(dtype)
        tensors[f"match.{l}.query"] = torch.cat([q for q, _ in matches[l]])
        tensors[f"match.{l}.target"] = torch.cat([t for _, t in matches[l]])
    for k, v in terms.items():
        tensors[f"loss.{k}"] = v.detach().to(dtype)
    tensors["loss.total"] = total.detach().to(dtype)
    for (pname, _), gr in zip(named, grads):
        tensors[f"grad.{pname}"] = gr.to(dtype)
    for bname, b in m64.named_buffers():
        if bname.endswith("running_mean") or bname.endswith("running_var"):
            tensors[f"after.{bname}"] = b.detach().to(dtype)
        elif bname.endswith("num_batches_tracked"):
            tensors[f"after.{bname}"] = b.detach().clone()

    meta = {"format": FORMAT, "case": name, "dtype": {"f64": "float64", "f32": "float32"}[key],
            "computed_in": "float64", "model": json.dumps(options), "criterion": json.dumps(dict(CRITERION, focal=focal)),
            "min_match_gap": repr(gap), "seed": str(seed), "terms": ",".join(terms), "torch": torch.__version__}
    return tensors, meta


def self_check():
    """The reference against itself: cross_attend(q, m, m) is each module's one-memory forward, and
    the sine positions are DETR's PositionEmbeddingSine (written here its way, by cumsum)."""
    import math
    torch.manual_seed(0)
    x, mem = torch.randn(2, 5, 16, dtype=torch.float64), torch.randn(2, 16, 16, dtype=torch.float64)
    for t in ("softmax", "linformer", "efficient"):
        a = R.make_attention(t, 16, 2, (4, 4)).double()
        R.randomize_parameters_(a, torch.Generator().manual_seed(1))
        err = (ref.cross_attend(a, x, mem, mem) - a(x, mem)).abs().max().item()
        assert err < 1e-12, f"cross_attend({t}) differs from the module's forward by {err}"
    H, W, C = 3, 5, 16
    not_mask = torch.ones(1, H, W, dtype=torch.float64)
    y_embed, x_embed = not_mask.cumsum(1), not_mask.cumsum(2)
    y_embed = y_embed / (y_embed[:, -1:, :] + 1e-6) * 2 * math.pi
    x_embed = x_embed / (x_embed[:, :, -1:] + 1e-6) * 2 * math.pi
    dim_t = torch.arange(C // 2, dtype=torch.float64)
    dim_t = 10000 ** (2 * (dim_t // 2) / (C // 2))
    px, py = x_embed[:, :, :, None] / dim_t, y_embed[:, :, :, None] / dim_t
    px = torch.stack((px[:, :, :, 0::2].sin(), px[:, :, :, 1::2].cos()), dim=4).flatten(3)
    py = torch.stack((py[:, :, :, 0::2].sin(), py[:, :, :, 1::2].cos()), dim=4).flatten(3)
    detr = torch.cat((py, px), dim=3).reshape(H * W, C)
    err = (ref.sine_position_2d(H, W, C) - detr).abs().max().item()
    assert err < 1e-14, f"sine_position_2d differs from DETR's by {err}"
    print("self-check: cross_attend and sine_position_2d agree with the modules and DETR")


def main(argv):
    args = [a for a in argv[1:] if a != "--check"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = args[0]
    os.makedirs(out, exist_ok=True)
    for name in CASES:  # never leave stale goldens behind
        path = os.path.join(out, f"detr_{name}.safetensors")
        if os.path.exists(path):
            os.remove(path)
    global torch, R, D, ref, safetensors_lite
    try:
        import torch
    except ImportError as e:
        print(f"SKIP: {sys.executable} cannot import torch ({e}); DETR-lite goldens not written")
        return 77
    try:
        import scipy.optimize  # noqa: F401
    except ImportError as e:
        print(f"SKIP: {sys.executable} cannot import scipy ({e}; Debian: apt-get install python3-scipy); "
              "DETR-lite goldens not written")
        return 77
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import detr_lite_ref as ref
    import linattn_ref as R
    import safetensors_lite
    D = ref.bind_criterion_module()
    torch.set_num_threads(1)
    if "--check" in argv:
        self_check()
    for i, name in enumerate(CASES):
        tensors, meta = make_case(name, seed=4000 + i)
        path = os.path.join(out, f"detr_{name}.safetensors")
        safetensors_lite.save(path + ".tmp", tensors, meta)
        os.replace(path + ".tmp", path)
        print(f"{path}: total {tensors['loss.total'].item():.6f}, {len(tensors)} tensors, "
              f"min matching gap {float(meta['min_match_gap']):.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
