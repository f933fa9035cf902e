"""A disk cache of traces and analyses, keyed by everything that can change the numbers.

Key = sha256 of: model name, the weights file's bytes (or timm's pretrained tag), the image file's bytes,
the code that computes the value (vitmath/code_digest.py) and the function's arguments. Re-rendering a lesson with the same inputs then
neither builds the model nor runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from vitmath import env
from vitmath.files import atomic_path
from vitmath.image import load_image
from vitmath.model import load_model
from vitmath.tracing import Trace, trace
from vitmath.code_digest import digest as code_digest
from vitmath.sources import digest as _digest
from vitmath.sources import file_digest, input_key, resolve_image

cache_dir = env.cache_dir


def cached_trace(model_name: str | None = None, weights=None, image=None) -> Trace:
    """``trace`` of the image through the model, from the cache when possible."""
    path = cache_dir() / "traces" / f"{input_key(model_name, weights, image)}.pt"

    def compute():
        model = load_model(model_name, weights)
        return trace(model, load_image(resolve_image(image), model))

    return _load_or_compute(path, compute)


def cached(name: str, key_parts, compute):
    """Generic cache for analyses: ``compute()`` runs only when (name, key_parts, code) is new.

    key_parts must be JSON-serialisable (strings, numbers, lists), e.g. [input_key(...), "mean", 0.9]. The
    module that defines `compute` and every project module it imports are part of the key, so editing an
    analysis, or anything it calls, never serves a stale result.
    """
    code = code_digest(compute.__module__) if compute.__module__ in sys.modules else \
        file_digest(Path(compute.__code__.co_filename))
    key = _digest([name, key_parts, code])
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
    with atomic_path(path) as tmp:
        torch.save(value, tmp)
