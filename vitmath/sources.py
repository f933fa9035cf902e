"""Where the model and the photo come from, and the hash that names them: no torch, no timm.

Kept apart from model.py so that the render CLI can decide what is stale (and `vitlessons list` can answer)
without paying for importing torch.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from vitmath.errors import UserError

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_MODEL = "vit_tiny_patch16_224.augreg_in21k_ft_in1k"
DEFAULT_WEIGHTS = ASSETS / "vit_tiny_patch16_224.augreg_in21k_ft_in1k.fp16.safetensors"
DEFAULT_IMAGE = ASSETS / "cat_person_composite_224.png"


def pretraining(model_name: str) -> str:
    """What a timm name's tags say of the pre-training: "augreg" (ImageNet-21k with the AugReg recipe),
    "in21k", or "unknown". Read from the name as the user gave it: timm's default tag would name a
    pre-training even for a weights file of unknown origin."""
    if "in21k" not in model_name:
        return "unknown"
    return "augreg" if "augreg" in model_name else "in21k"


def resolve_source(name: str | None = None, weights=None) -> tuple[str, Path | None]:
    """Return (model name, weights file or None for timm's pretrained download), without loading anything."""
    name = name or DEFAULT_MODEL
    if weights is None and name == DEFAULT_MODEL:
        weights = DEFAULT_WEIGHTS
    if weights is None:
        return name, None
    path = Path(weights).expanduser()
    if not path.is_file():
        raise UserError(f"weights file not found: {path}")
    return name, path


def resolve_image(image=None) -> Path:
    path = Path(image or DEFAULT_IMAGE).expanduser()
    if not path.is_file():
        raise UserError(f"image not found: {path}")
    return path


def input_key(model_name: str | None = None, weights=None, image=None) -> str:
    """The cache key of ``cached_trace`` for these inputs; changes whenever a byte of model or image changes."""
    name, weights_path = resolve_source(model_name, weights)
    if weights_path is not None:
        weights_id = "file:" + file_digest(weights_path)
    else:
        # Without a file, timm decides the bytes: its version pins the default pretrained tag.
        weights_id = f"timm-pretrained:{name}:timm-{version('timm')}"
    # The code that loads the model and photo and computes the trace, by its bytes: an edit is a new key.
    from vitmath.code_digest import digest as code

    return digest(["trace", name, weights_id, "image:" + file_digest(resolve_image(image)),
                   code(*TRACE_MODULES)])


TRACE_MODULES = ("vitmath.model", "vitmath.image", "vitmath.tracing")


_file_digests: dict[tuple, str] = {}


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, remembered per (path, size, mtime) so a big weights file is read once per run."""
    stat = path.stat()
    memo = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if memo not in _file_digests:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _file_digests[memo] = h.hexdigest()
    return _file_digests[memo]


def digest(parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
