"""Facts about patches as "words", computed from the model and cached: what the sixteen-words lesson shows
beyond the trace.

- The patch embedding as a matrix: the model's Conv2d(3, D, P, stride P) weights reshaped to (D, 3 P^2).
- One entry of one token worked by hand: the most detailed patch's flattened pixels times one row of that
  matrix, plus the bias, against the token the model itself made.
- The same layer on the same photo preprocessed at another resolution (timm's own transform with only the
  input size changed): the weights do not care how many patches there are, the sequence just gets longer.
- Linearity, measured: the token of a 50/50 blend of two real patches against the average of their two
  tokens. A vocabulary has no entry halfway between two words; a linear projection always has one.
- How many of the photo's patches are distinct (a word repeats; a photo's patches practically never do).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

# The ViT paper fine-tunes at 384 pixels unless it says otherwise (Dosovitskiy et al. 2021, App. B.1.1); a
# model that already reads 384 pixels is shown at 224 instead.
FINE_TUNE_SIZE = 384
PRETRAIN_SIZE = 224


def other_size(size: int) -> int:
    """The second resolution the lesson feeds the model."""
    return FINE_TUNE_SIZE if size != FINE_TUNE_SIZE else PRETRAIN_SIZE


def other_patch(P: int) -> int:
    """The other patch size the ViT paper names its models by (/16 and /32)."""
    return 32 if P != 32 else 16


@dataclass
class TokenFacts:
    size: int                     # the model's input side in pixels
    proj_weight: np.ndarray       # (D, 3 P^2) float32: the patch embedding as one matrix
    proj_bias: bool               # whether the projection has a bias (D more parameters)
    alt_size: int                 # a second input resolution
    alt_picture: np.ndarray       # (alt, alt, 3) uint8: the photo preprocessed at that resolution
    alt_grid: tuple[int, int]     # the output grid of the model's own patch layer on it
    detail_patch: int             # the patch whose pixels vary most
    flat_patch: int               # the patch whose pixels vary least
    blend_pixels: np.ndarray      # (P, P, 3) uint8: the two patches averaged, for display
    token_a: np.ndarray           # (D,) token of the detail patch
    token_b: np.ndarray           # (D,) token of the flat patch
    token_blend: np.ndarray       # (D,) the projection of the averaged (normalised) patch
    blend_max_diff: float         # max |token_blend - (token_a + token_b) / 2|
    blend_nearest_gap: float      # the blend token's distance to the nearest of the N real tokens
    distinct_patches: int         # how many of the N patches differ in at least one pixel value
    proj_row: int                 # the entry of the detail patch's token that is largest in size
    proj_dot: float               # sum_j W[proj_row, j] * p_j over the detail patch's flattened pixels p
    proj_bias_k: float            # the bias of that entry (0 without a bias)
    proj_value: float             # the model's own token entry, trace.patch_tokens[detail_patch, proj_row]
    bytes_per_weight: int         # the element size of the model's attention weights (float32: 4)

    @property
    def alt_tokens(self) -> int:
        return self.alt_grid[0] * self.alt_grid[1]


@torch.no_grad()
def token_facts(model, trace, image_path) -> TokenFacts:
    from timm.data import create_transform, resolve_data_config

    from vitmath.image import open_rgb

    d = trace.dims
    size = int(trace.input.shape[-1])
    proj = model.patch_embed.proj
    W = proj.weight.reshape(d.D, -1)

    # The same photo through timm's own preprocessing, only the input size changed.
    alt = other_size(size)
    cfg = resolve_data_config({}, model=model)
    cfg["input_size"] = (3, alt, alt)
    transform = create_transform(**cfg)
    pil_steps = [t for t in transform.transforms if type(t).__name__ not in
                 ("ToTensor", "MaybeToTensor", "Normalize", "ToNumpy", "MaybePILToTensor")]
    rgb = open_rgb(image_path)
    for step in pil_steps:
        rgb = step(rgb)
    alt_picture = np.asarray(rgb, dtype=np.uint8).copy()
    x = torch.from_numpy(alt_picture).permute(2, 0, 1).float() / 255
    mean = torch.tensor(cfg["mean"]).view(3, 1, 1)
    std = torch.tensor(cfg["std"]).view(3, 1, 1)
    out = F.conv2d(((x - mean) / std)[None], proj.weight, proj.bias, stride=proj.stride)  # (1, D, g, g)

    pixels = np.asarray(trace.patch_pixels).reshape(d.N, -1).astype(np.float64)
    spread = pixels.std(axis=1)
    a, b = int(spread.argmax()), int(spread.argmin())
    blend = (trace.patches[a] + trace.patches[b]) / 2
    token_blend = blend @ W.T + (proj.bias if proj.bias is not None else 0)
    ta, tb = trace.patch_tokens[a], trace.patch_tokens[b]
    blend_pixels = ((np.asarray(trace.patch_pixels[a], dtype=np.float64)
                     + np.asarray(trace.patch_pixels[b], dtype=np.float64)) / 2).round().astype(np.uint8)
    gaps = (trace.patch_tokens - token_blend).norm(dim=1)
    distinct = int(np.unique(np.asarray(trace.patch_pixels).reshape(d.N, -1), axis=0).shape[0])
    # The entry worked by hand: the one where the token is largest in size, so its sum is far from zero and
    # the products that make it are visible (a rule, not a choice tuned to this photo).
    k = int(ta.abs().argmax())
    dot = float((W[k].double() * trace.patches[a].double()).sum())
    return TokenFacts(
        size=size,
        proj_weight=W.numpy().astype(np.float32).copy(),
        proj_bias=proj.bias is not None,
        alt_size=alt,
        alt_picture=alt_picture,
        alt_grid=(int(out.shape[2]), int(out.shape[3])),
        detail_patch=a,
        flat_patch=b,
        blend_pixels=blend_pixels,
        token_a=ta.numpy().copy(),
        token_b=tb.numpy().copy(),
        token_blend=token_blend.numpy().copy(),
        blend_max_diff=float((token_blend - (ta + tb) / 2).abs().max()),
        blend_nearest_gap=float(gaps.min()),
        distinct_patches=distinct,
        proj_row=k,
        proj_dot=dot,
        proj_bias_k=float(proj.bias[k]) if proj.bias is not None else 0.0,
        proj_value=float(ta[k]),
        bytes_per_weight=int(trace.blocks[0].attn.element_size()),
    )


def cached_token_facts(model_name=None, weights=None, image=None) -> TokenFacts:
    from vitmath.cache import cached, cached_trace
    from vitmath.model import load_model
    from vitmath.sources import input_key, resolve_image

    return cached("token_facts", [input_key(model_name, weights, image)],
                  lambda: token_facts(load_model(model_name, weights), cached_trace(model_name, weights, image),
                                      resolve_image(image)))
