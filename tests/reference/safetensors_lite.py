"""safetensors_lite.py — a tiny safetensors writer/reader (struct + json, no `safetensors` package).

Used by make_attention_goldens.py (writer) and check_spec.py (round-trip check); the C++ side
reads the same files through core's safetensors I/O.

Format (https://huggingface.co/docs/safetensors): 8-byte little-endian header length n, then n
bytes of UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
{str: str}}, then the raw little-endian tensor bytes; offsets are relative to the end of the
header. Invariants: the header is padded with spaces to a multiple of 8 bytes so every tensor
starts 8-byte aligned; tensors are laid out in the order given; only F32, F64 and I64 are written.
"""
import json
import struct

import numpy as np
import torch

_TORCH_TO_ST = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
_ST_TO_NUMPY = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def save(path, tensors, metadata=None):
    """Write {name: torch.Tensor} (CPU, F32/F64/I64) and optional {str: str} metadata to path."""
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in _TORCH_TO_ST:
            raise ValueError(f"safetensors_lite.save: tensor '{name}' has dtype {t.dtype}; "
                             "only float32, float64 and int64 are supported")
        dt = _TORCH_TO_ST[t.dtype]
        raw = t.numpy().astype(_ST_TO_NUMPY[dt], copy=False).tobytes(order="C")
        header[name] = {"dtype": dt, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        bad = [k for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise ValueError(f"safetensors_lite.save: metadata values must be strings: {bad}")
        header["__metadata__"] = dict(metadata)
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * ((8 - len(blob) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for raw in chunks:
            f.write(raw)


def load(path):
    """Read a file written by save() (or any F32/F64/I64 safetensors) -> (tensors, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[base + begin:base + end], dtype=_ST_TO_NUMPY[info["dtype"]])
        tensors[name] = torch.from_numpy(arr.copy()).reshape(info["shape"])
    return tensors, metadata
