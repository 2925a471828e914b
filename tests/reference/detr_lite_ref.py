"""detr_lite_ref.py — the PyTorch reference of DETR-lite (models/detr_lite.h), written from the
architecture contract independently of the C++ model: a ResNet-style backbone (torchvision names),
a 1x1 input projection, DETR's 2-D sine positions added once at the encoder input, an encoder of
pre- or post-norm blocks over any of the six attention layers, a decoder of query
self-attention (softmax) + cross-attention (softmax | efficient | linformer) + MLP blocks with
learned query positions (DETR) or anchor boxes refined layer by layer (DAB-DETR, simplified),
and class / 3-layer box heads shared by every decoder layer. Plus set_criterion: DETR's loss
over the final and auxiliary outputs, built from make_detection_goldens.py's matcher and losses.

Used by make_detr_goldens.py (goldens for tests/reference_tests/test_detr_goldens.cpp) and
bench/torch_detr_step.py (the training step linattn is timed against). Depends on torch (and
scipy for the matcher), and on linattn_ref.py for the six attention layers and the MLP.

Invariants:
  * state_dict names are the C++ model's: backbone.{conv1,bn1,layer1..4.<j>.{conv1,bn1,conv2,
    bn2,downsample.0,downsample.1}}, input_proj, transformer.encoder.layers.<i>.{norm1,attn,norm2,
    mlp.fc1,mlp.fc2}, transformer.encoder.norm (pre-norm only), transformer.decoder.layers.<i>.
    {self_attn,norm1,cross_attn,norm2,mlp,norm3}, transformer.decoder.norm,
    transformer.decoder.ref_point_head.layers.{0,1} (anchor), query_embed.weight (learned) or
    refpoint_embed.weight (anchor), class_embed, bbox_embed.layers.{0,1,2}.
  * Tokens are row-major over the feature grid (token n = h·W + w); boxes normalized cxcywh.
  * forward returns one (logits, boxes) pair per decoder layer, first layer first: logits
    (B, Q, K + 1) with softmax scores, (B, Q, K) with sigmoid scores; boxes (B, Q, 4).
  * Works in float32 and float64 (build, then .double()); no dropout anywhere.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linattn_ref as R  # noqa: E402
import make_detection_goldens as D  # noqa: E402

# The contract's defaults (DetrLiteOptions), sized for a 2-core CPU.
DEFAULTS = {"num_classes": 80, "image_size": 256, "backbone_width": 32, "backbone_blocks": 2, "stride": 16,
            "backbone_norm": "group", "norm_groups": 8, "dim": 128, "heads": 4, "enc_layers": 2, "dec_layers": 2,
            "mlp_ratio": 4, "num_queries": 100, "norm": "pre", "queries": "anchor", "scores": "sigmoid",
            "cross_attention": "softmax", "attention": "softmax", "attention_options": {}}


# ------------------------------------------------------------------------------------------------
# backbone (torchvision ResNet names)


def make_norm(kind, channels, groups):
    if kind == "group":
        return nn.GroupNorm(groups, channels, eps=1e-5)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    raise ValueError(f"backbone_norm must be group or batch, got {kind!r}")


class BasicBlock(nn.Module):
    """conv3x3(s) → norm → ReLU → conv3x3 → norm, + identity or downsample (1x1 conv s + norm), ReLU."""

    def __init__(self, cin, cout, stride, norm, groups):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = make_norm(norm, cout, groups)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = make_norm(norm, cout, groups)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), make_norm(norm, cout, groups))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class Backbone(nn.Module):
    """Stem (7x7 s2 conv, norm, ReLU, 3x3 s2 max pool) + 4 stages of widths w, 2w, 4w, 8w."""

    def __init__(self, width, blocks, stride, norm, groups):
        super().__init__()
        if stride not in (16, 32):
            raise ValueError(f"stride must be 16 or 32, got {stride}")
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = make_norm(norm, width, groups)
        cin = width
        for i, s in enumerate((1, 2, 2, 2 if stride == 32 else 1)):
            cout = width * 2 ** i
            stage = nn.Sequential(*[BasicBlock(cin if j == 0 else cout, cout, s if j == 0 else 1, norm, groups)
                                    for j in range(blocks)])
            setattr(self, f"layer{i + 1}", stage)
            cin = cout
        self.out_channels = cin

    def forward(self, x):                                              # B x 3 x S x S
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)     # B x w x S/4 x S/4
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
        return x                                                       # B x 8w x S/stride x S/stride


# ------------------------------------------------------------------------------------------------
# positions


def sine_position_2d(H, W, C, dtype=torch.float64, temperature=10000.0):
    """DETR's PositionEmbeddingSine(normalize=True), no mask: (H·W, C); channels [0, C/2) the row
    (y), [C/2, C) the column; channel 2k sin, 2k+1 cos of p / T^(2k/(C/2)), p = 2π·(i+1)/(H+1e-6)."""
    half = C // 2
    eps, scale = 1e-6, 2 * math.pi
    y = torch.arange(1, H + 1, dtype=torch.float64)[:, None].expand(H, W) / (H + eps) * scale
    x = torch.arange(1, W + 1, dtype=torch.float64)[None, :].expand(H, W) / (W + eps) * scale
    dim_t = temperature ** (2 * (torch.arange(half, dtype=torch.float64) // 2) / half)

    def embed(p):                                                      # H x W -> H x W x half
        a = p[..., None] / dim_t
        return torch.where(torch.arange(half) % 2 == 0, a.sin(), a.cos())

    return torch.cat([embed(y), embed(x)], dim=-1).reshape(H * W, C).to(dtype)


def anchor_sine_embed(ref, dim, temperature=10000.0):
    """ref (B, Q, 4) cxcywh in [0, 1] -> (B, Q, 2·dim): per coordinate (cx, cy, w, h, in that order)
    dim/2 channels, channel i = sin(2π·c / T^(2⌊i/2⌋/(dim/2))) for even i, cos for odd i."""
    half = dim // 2
    dim_t = temperature ** (2 * (torch.arange(half, dtype=ref.dtype) // 2) / half)
    a = ref[..., None] * (2 * math.pi) / dim_t                         # B x Q x 4 x half
    even = (torch.arange(half) % 2 == 0)
    return torch.where(even, a.sin(), a.cos()).flatten(-2)            # B x Q x 2·dim


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(min=0, max=1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


# ------------------------------------------------------------------------------------------------
# cross-attention with keys and values apart (the three types whose math defines it)


def cross_attend(attn, queries, keys, values):
    """attn's cross-attention: queries (B, L, C), keys and values (B, S, C) projected apart ->
    (B, L, C). linattn_ref's modules take one memory (keys = values); DETR gives keys with
    positions and values without, so the projections are applied here to the module's weights."""
    if isinstance(attn, R.SoftmaxMHSA):
        C, h = attn.dim, attn.heads
        W, b = attn.qkv.weight, attn.qkv.bias
        bq, bk, bv = (None, None, None) if b is None else (b[:C], b[C:2 * C], b[2 * C:])
        q = R.split_heads(F.linear(queries, W[:C], bq), h)            # B x h x L x d
        k = R.split_heads(F.linear(keys, W[C:2 * C], bk), h)          # B x h x S x d
        v = R.split_heads(F.linear(values, W[2 * C:], bv), h)
        A = torch.softmax((q @ k.transpose(-1, -2)) * (C // h) ** -0.5, dim=-1)
        return attn.proj(R.merge_heads(A @ v))
    if isinstance(attn, R.LinformerAttention):
        C, h, S = attn.dim, attn.heads, keys.shape[1]
        if S > attn.seq_len:
            raise ValueError(f"linformer: {S} key tokens exceed seq_len={attn.seq_len}")
        W, b = attn.in_proj_weight, attn.in_proj_bias
        q = F.linear(queries, W[:C], b[:C]) * (C // h) ** -0.5         # B x L x C
        k = F.linear(keys, W[C:2 * C], b[C:2 * C])                      # B x S x C
        v = F.linear(values, W[2 * C:], b[2 * C:])
        Fp = attn.E if attn.sharing == "kv" else attn.F
        Kt = attn._project(k, attn.E[:, :S], attn.bias_e)               # B x h x k x d
        Vt = attn._project(v, Fp[:, :S], attn.bias_f)
        A = torch.softmax(R.split_heads(q, h) @ Kt.transpose(-1, -2), dim=-1)
        return attn.out_proj(R.merge_heads(A @ Vt))
    if isinstance(attn, R.EfficientAttention):
        O = R.efficient_linear(attn.queries(queries), attn.keys(keys), attn.values(values), attn.heads, attn.norm)
        out = attn.reprojection(O)
        return out + queries if attn.residual else out
    raise ValueError(f"{type(attn).__name__} does not support cross-attention")


# ------------------------------------------------------------------------------------------------
# transformer


class EncoderBlock(nn.Module):
    """pre: x + attn(norm1(x)), then + mlp(norm2(x)); post: norm1(x + attn(x)), norm2(x + mlp(x))."""

    def __init__(self, dim, hidden, heads, attn, grid, attn_options, norm):
        super().__init__()
        self.pre = norm == "pre"
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = R.make_attention(attn, dim, heads, grid, **attn_options)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = R.Mlp(dim, hidden)

    def forward(self, x):                                              # B x N x C
        if self.pre:
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))
        x = self.norm1(x + self.attn(x))
        return self.norm2(x + self.mlp(x))


class DecoderBlock(nn.Module):
    """Query self-attention (softmax; queries and keys get query_pos, values do not), cross-attention
    (its queries get query_pos), MLP; pre- or post-norm as EncoderBlock."""

    def __init__(self, dim, hidden, heads, cross, memory_grid, norm):
        super().__init__()
        self.pre = norm == "pre"
        self.self_attn = R.SoftmaxMHSA(dim, heads)
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.cross_attn = R.make_attention(cross, dim, heads, memory_grid)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = R.Mlp(dim, hidden)
        self.norm3 = nn.LayerNorm(dim, eps=1e-5)

    def _sa(self, u, pos):
        return cross_attend(self.self_attn, u + pos, u + pos, u)

    def forward(self, t, keys, values, pos):                           # t, pos: B x Q x C
        if self.pre:
            t = t + self._sa(self.norm1(t), pos)
            t = t + cross_attend(self.cross_attn, self.norm2(t) + pos, keys, values)
            return t + self.mlp(self.norm3(t))
        t = self.norm1(t + self._sa(t, pos))
        t = self.norm2(t + cross_attend(self.cross_attn, t + pos, keys, values))
        return self.norm3(t + self.mlp(t))


class MLPHead(nn.Module):
    """DETR's MLP: `layers.{i}` Linear, ReLU between them (not after the last)."""

    def __init__(self, dims):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x):
        for i, lin in enumerate(self.layers):
            x = lin(x) if i == len(self.layers) - 1 else F.relu(lin(x))
        return x


class Encoder(nn.Module):
    def __init__(self, o, grid):
        super().__init__()
        hidden = o["dim"] * o["mlp_ratio"]
        self.layers = nn.ModuleList(EncoderBlock(o["dim"], hidden, o["heads"], o["attention"], grid,
                                                 o["attention_options"], o["norm"]) for _ in range(o["enc_layers"]))
        self.norm = nn.LayerNorm(o["dim"], eps=1e-5) if o["norm"] == "pre" else None

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x if self.norm is None else self.norm(x)


class Decoder(nn.Module):
    def __init__(self, o, grid):
        super().__init__()
        hidden = o["dim"] * o["mlp_ratio"]
        self.layers = nn.ModuleList(DecoderBlock(o["dim"], hidden, o["heads"], o["cross_attention"], grid, o["norm"])
                                    for _ in range(o["dec_layers"]))
        self.norm = nn.LayerNorm(o["dim"], eps=1e-5)
        if o["queries"] == "anchor":
            self.ref_point_head = MLPHead([2 * o["dim"], o["dim"], o["dim"]])


class Transformer(nn.Module):
    def __init__(self, o, grid):
        super().__init__()
        self.encoder = Encoder(o, grid)
        self.decoder = Decoder(o, grid)


class DetrLite(nn.Module):
    """DETR-lite from an options dict (DEFAULTS' keys; missing ones take the defaults)."""

    def __init__(self, **options):
        super().__init__()
        unknown = set(options) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"DetrLite: unknown options {sorted(unknown)}")
        o = dict(DEFAULTS, **options)
        if o["queries"] not in ("learned", "anchor"):
            raise ValueError(f"queries must be learned or anchor, got {o['queries']!r}")
        if o["scores"] not in ("softmax", "sigmoid"):
            raise ValueError(f"scores must be softmax or sigmoid, got {o['scores']!r}")
        if o["norm"] not in ("pre", "post"):
            raise ValueError(f"norm must be pre or post, got {o['norm']!r}")
        if o["image_size"] % o["stride"] != 0:
            raise ValueError(f"image_size {o['image_size']} is not divisible by stride {o['stride']}")
        self.options = o
        side = o["image_size"] // o["stride"]
        self.grid = (side, side)
        d, Q, K = o["dim"], o["num_queries"], o["num_classes"]
        self.backbone = Backbone(o["backbone_width"], o["backbone_blocks"], o["stride"], o["backbone_norm"],
                                 o["norm_groups"])
        self.input_proj = nn.Conv2d(self.backbone.out_channels, d, 1)
        self.transformer = Transformer(o, self.grid)
        if o["queries"] == "learned":
            self.query_embed = nn.Embedding(Q, d)
        else:
            self.refpoint_embed = nn.Embedding(Q, 4)
        self.class_embed = nn.Linear(d, K + 1 if o["scores"] == "softmax" else K)
        self.bbox_embed = MLPHead([d, d, d, 4])

    def forward(self, images):
        """images (B, 3, S, S) -> [(logits, boxes)] per decoder layer, first layer first."""
        o, d = self.options, self.options["dim"]
        feat = self.input_proj(self.backbone(images))                  # B x d x H x W
        B, _, H, W = feat.shape
        if (H, W) != self.grid:
            raise ValueError(f"DetrLite: images {tuple(images.shape)} give a {H}x{W} grid, built for {self.grid}")
        src = R.grid_to_tokens(feat)                                   # B x H·W x d
        pos = sine_position_2d(H, W, d, feat.dtype).to(feat.device)    # H·W x d
        memory = self.transformer.encoder(src + pos)                   # B x H·W x d
        keys = memory + pos
        dec = self.transformer.decoder
        Q = o["num_queries"]
        t = torch.zeros(B, Q, d, dtype=feat.dtype, device=feat.device)
        outputs = []
        if o["queries"] == "learned":
            query_pos = self.query_embed.weight.unsqueeze(0).expand(B, Q, d)
            for layer in dec.layers:
                t = layer(t, keys, memory, query_pos)
                out = dec.norm(t)
                outputs.append((self.class_embed(out), self.bbox_embed(out).sigmoid()))
            return outputs
        ref = self.refpoint_embed.weight.sigmoid().unsqueeze(0).expand(B, Q, 4)  # ref_0, not detached
        for layer in dec.layers:
            query_pos = dec.ref_point_head(anchor_sine_embed(ref, d))  # B x Q x d
            t = layer(t, keys, memory, query_pos)
            out = dec.norm(t)
            boxes = (self.bbox_embed(out) + inverse_sigmoid(ref)).sigmoid()
            outputs.append((self.class_embed(out), boxes))
            ref = boxes.detach()
        return outputs


def contract_init_(model):
    """The C++ model's init where it matters for a training run (the benchmark's starting loss):
    convs kaiming_normal(fan_out, relu), norms 1 / 0, input_proj and the transformer's Linears
    xavier_uniform with bias 0 (raw attention parameters keep their own init), refpoint_embed with
    sigmoid centers U(0.05, 0.95) and sizes 0.1·U(0.5, 1.5), class_embed bias −log(99) for sigmoid
    scores, bbox_embed's last layer 0 in anchor mode. Draws from torch's global generator."""
    with torch.no_grad():
        for m in model.backbone.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.GroupNorm, nn.BatchNorm2d)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.xavier_uniform_(model.input_proj.weight)
        nn.init.zeros_(model.input_proj.bias)
        for m in model.transformer.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if hasattr(model, "refpoint_embed"):
            Q = model.refpoint_embed.weight.shape[0]
            box = torch.cat([0.05 + 0.9 * torch.rand(Q, 2), 0.1 * (0.5 + torch.rand(Q, 2))], 1)
            model.refpoint_embed.weight.copy_(inverse_sigmoid(box))
            nn.init.zeros_(model.bbox_embed.layers[-1].weight)
            nn.init.zeros_(model.bbox_embed.layers[-1].bias)
        if model.options["scores"] == "sigmoid":
            nn.init.constant_(model.class_embed.bias, -math.log((1 - 0.01) / 0.01))
        else:
            nn.init.zeros_(model.class_embed.bias)


def randomize_detr_parameters_(model, generator):
    """Test helper: R.randomize_parameters_ (weights N(0, 1/fan_in), biases N(0, 0.25), LayerNorm /
    BatchNorm weights 1 + N(0, 0.04)), then GroupNorm weights 1 + N(0, 0.04) and biases
    N(0, 0.04), query_embed N(0, 1) (DETR's nn.Embedding init) and refpoint_embed N(0, 1)
    (anchors spread over the canvas, sizes 0.27..0.73 at ±1σ)."""
    R.randomize_parameters_(model, generator)

    def rnd(t):
        return torch.randn(t.shape, generator=generator, dtype=torch.float64).to(t.dtype)

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.GroupNorm):
                m.weight.copy_(1 + 0.2 * rnd(m.weight))
                m.bias.copy_(0.2 * rnd(m.bias))
        for name in ("query_embed", "refpoint_embed"):
            if hasattr(model, name):
                w = getattr(model, name).weight
                w.copy_(rnd(w))


# ------------------------------------------------------------------------------------------------
# set criterion (make_detection_goldens.py's matcher and losses)


def bind_criterion_module():
    """make_detection_goldens imports torch and scipy lazily in its main(); give it both here."""
    from scipy.optimize import linear_sum_assignment
    D.torch, D.F, D.linear_sum_assignment = torch, F, linear_sum_assignment
    return D


def match(logits, boxes, targets, focal, costs):
    """Per image (query indices ascending, target indices); costs {class, bbox, giou}. No gradient."""
    out = []
    with torch.no_grad():
        for b, (labels, tgt) in enumerate(targets):
            if len(labels) == 0:
                out.append((torch.zeros(0, dtype=torch.int64), torch.zeros(0, dtype=torch.int64)))
                continue
            lg, bx, tb = logits[b].double(), boxes[b].double(), tgt.double()
            cost = (costs["bbox"] * torch.cdist(bx, tb, p=1) + costs["class"] * D.class_cost(lg, labels, focal)
                    - costs["giou"] * D.generalized_box_iou(D.cxcywh_to_xyxy(bx), D.cxcywh_to_xyxy(tb)))
            rows, cols = D.linear_sum_assignment(cost.numpy())
            out.append((torch.as_tensor(rows, dtype=torch.int64), torch.as_tensor(cols, dtype=torch.int64)))
    return out


def set_criterion(outputs, targets, num_classes, focal, weights=None, costs=None, matches=None):
    """DETR's SetCriterion over every decoder layer's output (the last is the final one; the
    earlier ones are auxiliary, each matched on its own). targets: per image (labels int64 (T),
    boxes (T, 4) cxcywh). Returns (total, terms) with terms "loss_ce", "loss_bbox", "loss_giou"
    (final) and "loss_ce_<i>", ... (aux layer i), unweighted. `matches` (per output, as match()
    returns) skips the matcher; costs and weights default to DETR's 1 / 5 / 2 (eos_coef 0.1,
    focal α 0.25, γ 2: make_detection_goldens' constants)."""
    bind_criterion_module()
    weights = weights or {"ce": 1.0, "bbox": 5.0, "giou": 2.0}
    costs = costs or {"class": 1.0, "bbox": 5.0, "giou": 2.0}
    D.CLASSES = num_classes                 # single_output_losses reads K from the module
    num_boxes = max(float(sum(len(labels) for labels, _ in targets)), 1.0)
    order = [len(outputs) - 1] + list(range(len(outputs) - 1))  # final first, then aux 0, 1, ...
    terms, total = {}, 0
    for rank, l in enumerate(order):
        logits, boxes = outputs[l]
        m = matches[l] if matches is not None else match(logits, boxes, targets, focal, costs)
        suffix = "" if rank == 0 else f"_{l}"
        for k, v in D.single_output_losses(logits, boxes, targets, m, num_boxes, focal).items():
            terms[k + suffix] = v
            total = total + weights[k[len("loss_"):]] * v
    return total, terms
