"""Facts for the FAQ video, computed from the model, the photo and the trace, and cached.

The FAQ answers five questions in a minute each, so it needs only a few numbers of its own:

- how the photo becomes the model's input: the resize and centre crop of the model's own data config
  (timm's transform, read step by step, so the numbers are what timm does, not what we expect it to do);
- the shape of every tensor on the way from the picture to the first block's input (read from the trace);
- the CLS token's attention in the last block, averaged over the heads, as a (grid, grid) map over the
  photo, and the measured facts the narration chooses its words from: how the weight splits over the four
  quarters of the image, and how far the brightest patch is above an even share;
- the model's high-norm patch tokens (the course's one rule, vitmath.analyses.high_norm_patches, on the
  last block's output), the block from which they stay long (high_norm_from), and the share of CLS's
  attention they take: on the course model, the four corner patches, the brightest squares of the map.

    facts = cached_faq_facts(model_name, weights, image)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

TOP_FRACTION = 20   # "the brightest one patch in twenty"
QUARTERS = ("top-left", "top-right", "bottom-left", "bottom-right")


@dataclass
class FaqFacts:
    photo_size: tuple[int, int]       # (width, height) of the photo file, after EXIF rotation
    resize: int                       # the data config's Resize: the shorter side becomes this
    interpolation: str                # its resampling filter, e.g. "bicubic"
    crop: int                         # the centre crop's side: the model's input size
    picture_shape: tuple[int, ...]    # (S, S, 3): what the model sees, as pixels
    patches_shape: tuple[int, int]    # (N, 3 P^2): the patches, flattened
    proj_shape: tuple[int, int]       # (D, 3 P^2): the projection E
    tokens_shape: tuple[int, int]     # (N, D): E p + b for every patch
    pos_shape: tuple[int, int]        # (T, D): the learned position embeddings
    x0_shape: tuple[int, int]         # (T, D): what block 1 reads, CLS first
    cls_map: np.ndarray               # (grid, grid) float64: CLS -> patch attention, last block, mean over heads
    cls_self: float                   # CLS -> CLS attention, last block, mean over heads
    quarter_shares: np.ndarray        # (4,) share of the patch attention in each quarter, QUARTERS order
    peak_patch: int                   # raster index of the patch CLS attends to most
    peak_ratio: float                 # its weight over the mean patch weight (1.0 = an even share)
    top_k: int                        # one patch in twenty (at least one)
    top_share: float                  # share of the patch attention held by the top_k brightest patches
    top_patches: list[int]            # their raster indices, brightest first
    corners_in_top: int               # how many of the image's four corner patches are among them
    global_pool: str                  # how the head pools the final tokens: "token" reads the CLS row
    high_norm: list[int]              # the high-norm patches after the last block, longest first; may be empty
    high_norm_from: int | None        # 1-based: the first block after which all of them stay high-norm
    high_norm_share: float            # share of the patch attention (cls_map) that they take

    @property
    def best_quarter(self) -> int:
        return int(np.argmax(self.quarter_shares))


def quarter_weights(grid: int) -> np.ndarray:
    """(4, grid, grid): how much of each patch lies in each quarter of the image. With an odd grid the middle
    row and column straddle the cut, and each half of them counts for its side."""
    centre = np.arange(grid) + 0.5                                # patch centres, in patches
    first = np.where(centre < grid / 2, 1.0, np.where(centre == grid / 2, 0.5, 0.0))  # top (rows) / left (cols)
    second = 1.0 - first
    top, bottom, left, right = first[:, None], second[:, None], first[None, :], second[None, :]
    return np.stack([top * left, top * right, bottom * left, bottom * right])


def quarter_shares(values: np.ndarray) -> np.ndarray:
    """(4,) share of a (grid, grid) map's total in each quarter (top-left, top-right, bottom-left, bottom-right)."""
    values = np.asarray(values, dtype=np.float64)
    masses = (quarter_weights(values.shape[0]) * values[None]).sum(axis=(1, 2))
    return masses / values.sum()


def corner_patches(grid: int) -> list[int]:
    """Raster indices of the four corner patches: top-left, top-right, bottom-left, bottom-right."""
    return [0, grid - 1, grid * (grid - 1), grid * grid - 1]


def _preprocessing(model) -> tuple[int, str, int]:
    """(resize side, interpolation, crop side) of the model's own eval transform. timm's eval transform always
    resizes before it crops; one that does not (or resizes some other way) is refused, since the narration
    would describe it wrongly."""
    from timm.data import create_transform, resolve_data_config

    from vitmath.errors import UserError

    cfg = resolve_data_config({}, model=model)
    steps = create_transform(**cfg).transforms
    resize, crop = None, int(cfg["input_size"][-1])
    for step in steps:
        name = type(step).__name__
        if name == "Resize":
            size = step.size
            resize = int(size if isinstance(size, int) else min(size))
        elif name == "CenterCrop":
            crop = int(step.size[0] if isinstance(step.size, (tuple, list)) else step.size)
    if resize is None:
        raise UserError(f"the FAQ describes a Resize then a centre crop, but this model's eval transform has no "
                        f"Resize: {[type(step).__name__ for step in steps]}")
    return resize, str(cfg.get("interpolation", "bilinear")), crop


@torch.no_grad()
def faq_facts(model, trace, image_path) -> FaqFacts:
    from vitmath.analyses import cls_attention_maps, high_norm_from, high_norm_patches
    from vitmath.image import open_rgb

    d = trace.dims
    resize, interpolation, crop = _preprocessing(model)
    photo = open_rgb(image_path)
    cls_map = cls_attention_maps(trace, d.depth - 1).mean(0).double().numpy()   # (grid, grid)
    flat = cls_map.reshape(-1)                                                  # (N,) raster order
    top_k = max(1, d.N // TOP_FRACTION)
    order = np.argsort(-flat, kind="stable")[:top_k]                            # brightest first
    stream = torch.stack([b.out[1:].norm(dim=-1) for b in trace.blocks])       # (depth, N) patch lengths
    high = high_norm_patches(stream[-1])
    start = high_norm_from(stream, high)                                        # 0-based row of the stream
    return FaqFacts(
        photo_size=(int(photo.width), int(photo.height)),
        resize=resize,
        interpolation=interpolation,
        crop=crop,
        picture_shape=tuple(int(s) for s in np.asarray(trace.picture).shape),
        patches_shape=tuple(int(s) for s in trace.patches.shape),
        proj_shape=tuple(int(s) for s in model.patch_embed.proj.weight.reshape(d.D, -1).shape),
        tokens_shape=tuple(int(s) for s in trace.patch_tokens.shape),
        pos_shape=tuple(int(s) for s in trace.pos.shape),
        x0_shape=tuple(int(s) for s in trace.x0.shape),
        cls_map=cls_map,
        cls_self=float(trace.blocks[-1].attn[:, 0, 0].mean()),
        quarter_shares=quarter_shares(cls_map),
        peak_patch=int(flat.argmax()),
        peak_ratio=float(flat.max() / flat.mean()),
        top_k=top_k,
        top_share=float(flat[order].sum() / flat.sum()),
        top_patches=[int(i) for i in order],
        corners_in_top=len(set(order.tolist()) & set(corner_patches(d.grid))),
        global_pool=str(model.global_pool),
        high_norm=high,
        high_norm_from=None if start is None else start + 1,
        high_norm_share=float(flat[high].sum() / flat.sum()) if high else 0.0,
    )


def cached_faq_facts(model_name=None, weights=None, image=None) -> FaqFacts:
    from vitmath.cache import cached, cached_trace
    from vitmath.model import load_model
    from vitmath.sources import input_key, resolve_image

    return cached("faq_facts", [input_key(model_name, weights, image)],
                  lambda: faq_facts(load_model(model_name, weights), cached_trace(model_name, weights, image),
                                    resolve_image(image)))
