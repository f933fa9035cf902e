"""A disk cache of traces and analyses, keyed by everything that can change the numbers.

Key = sha256 of: model name, the weights file's bytes (or timm's pretrained tag), the image file's bytes,
vitmath's version and the function with its arguments. Re-rendering a lesson with the same inputs then
neither builds the model nor runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import timm
import torch

from vitmath._version import __version__
from vitmath import image as image_mod
from vitmath import model as model_mod
from vitmath import trace as trace_mod
from vitmath.errors import UserError

IMAGE_ENV = "VITLESSONS_IMAGE"
CACHE_ENV = "VITLESSONS_CACHE"


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "vitlessons")


def resolve_image(image=None) -> Path:
    path = Path(image or os.environ.get(IMAGE_ENV) or model_mod.ASSETS / "cat_person_composite_224.png").expanduser()
    if not path.is_file():
        raise UserError(f"image not found: {path}")
    return path


def input_key(model_name: str | None = None, weights=None, image=None) -> str:
    """The cache key of ``cached_trace`` for these inputs; changes whenever a byte of model or image changes."""
    name, weights_path = model_mod.resolve_source(model_name, weights)
    if weights_path is not None:
        weights_id = "file:" + file_digest(weights_path)
    else:
        # Without a file, timm decides the bytes: its version pins the default pretrained tag.
        weights_id = f"timm-pretrained:{name}:timm-{timm.__version__}"
    return _digest(["trace", name, weights_id, "image:" + file_digest(resolve_image(image)), __version__])


def cached_trace(model_name: str | None = None, weights=None, image=None) -> trace_mod.Trace:
    """``trace`` of the image through the model, from the cache when possible."""
    path = cache_dir() / "traces" / f"{input_key(model_name, weights, image)}.pt"

    def compute():
        model = model_mod.load_model(model_name, weights)
        return trace_mod.trace(model, image_mod.load_image(resolve_image(image), model))

    return _load_or_compute(path, compute)


def cached(name: str, key_parts, compute):
    """Generic cache for analyses: ``compute()`` runs only when (name, key_parts, version) is new.

    key_parts must be JSON-serialisable (strings, numbers, lists), e.g. [input_key(...), "mean", 0.9].
    """
    key = _digest([name, key_parts, __version__])
    return _load_or_compute(cache_dir() / name / f"{key}.pt", compute)


def _load_or_compute(path: Path, compute):
    if path.is_file():
        try:
            # Our own files, holding our dataclasses, so a full unpickle is needed and safe.
            return torch.load(path, map_location="cpu", weights_only=False)
        except Exception:
            pass  # a damaged cache entry is just a miss; it is rewritten below
    value = compute()
    _save_atomically(value, path)
    return value


def _save_atomically(value, path: Path) -> None:
    """Write to a temp file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(value, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def _digest(parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
