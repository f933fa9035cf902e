"""Facts about the patch cut that the contact-sheet lesson shows, computed from the model and cached.

timm implements the patch embedding as `Conv2d(3, D, kernel_size=P, stride=P)`; `trace` computes the same
tokens as `patches @ W.reshape(D, -1).T + b`. Here the model's own convolution runs on the input and we measure
how far the two are apart (the lesson's proof that they are one operation), and how far apart they would be
if the patches were flattened in the other common order, (P, P, C) as in the paper and Google's JAX code,
against weights laid out (C, P, P) as timm's are.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class PatchFacts:
    layer: str                  # the model's layer, as PyTorch prints it
    max_abs_diff: float         # max |conv output - matmul tokens| over all patches and filters
    wrong_order_diff: float     # max |tokens from (P, P, C)-flattened patches - the true tokens|
    feature_map: torch.Tensor   # (grid, grid): filter 0's response at every stride position
    pixel_rows: np.ndarray      # (N, 3*P*P) uint8: each patch's pixels flattened (C, y, x), raster order
    example_patch: int          # the patch whose pixels vary most (largest standard deviation): the most detail
    mean: tuple[float, float, float]   # the model's preprocessing: x -> (x/255 - mean) / std
    std: tuple[float, float, float]
    crop_pct: float             # the share of the resized photo kept by the centre crop
    input_range: tuple[float, float]   # what 0 and 255 become after normalisation (widest over channels)


@torch.no_grad()
def patch_facts(model, trace) -> PatchFacts:
    from timm.data import resolve_data_config

    d = trace.dims
    proj = model.patch_embed.proj
    out = F.conv2d(trace.input[None], proj.weight, proj.bias, stride=proj.stride)  # (1, D, grid, grid)
    tokens = out.flatten(2).transpose(1, 2)[0]                                        # (N, D), raster order
    layer = (f"Conv2d({proj.in_channels}, {proj.out_channels}, kernel_size={tuple(proj.kernel_size)}, "
             f"stride={tuple(proj.stride)})")

    # The same patches read pixel by pixel, (y, x, C), against the (C, y, x) weight rows.
    hwc = trace.input.reshape(3, d.grid, d.P, d.grid, d.P).permute(1, 3, 2, 4, 0).reshape(d.N, -1)
    wrong = hwc @ proj.weight.reshape(d.D, -1).T + proj.bias

    pixels = np.asarray(trace.patch_pixels)                                           # (N, P, P, 3)
    cfg = resolve_data_config({}, model=model)
    mean, std = tuple(float(m) for m in cfg["mean"]), tuple(float(s) for s in cfg["std"])
    lows = [(0 - m) / s for m, s in zip(mean, std)]
    highs = [(1 - m) / s for m, s in zip(mean, std)]
    return PatchFacts(
        layer=layer,
        max_abs_diff=float((tokens - trace.patch_tokens).abs().max()),
        wrong_order_diff=float((wrong - trace.patch_tokens).abs().max()),
        feature_map=out[0, 0].clone(),
        pixel_rows=np.ascontiguousarray(pixels.transpose(0, 3, 1, 2)).reshape(d.N, -1),
        example_patch=int(pixels.reshape(d.N, -1).std(axis=1).argmax()),
        mean=mean,
        std=std,
        crop_pct=float(cfg.get("crop_pct", 1.0)),
        input_range=(float(min(lows)), float(max(highs))),
    )


def cached_patch_facts(model_name=None, weights=None, image=None) -> PatchFacts:
    from vitmath.cache import cached, cached_trace
    from vitmath.model import load_model
    from vitmath.sources import input_key

    return cached("patch_facts", [input_key(model_name, weights, image)],
                  lambda: patch_facts(load_model(model_name, weights), cached_trace(model_name, weights, image)))
