"""Numbers for the CNN-locality lesson: a 3x3 kernel on the photo, parameter counts of a real timm CNN, how far
its units see block by block (theory and gradient), and one real long-range attention weight of the ViT.

The two regions are found by one rule for every photo: region A is the patches lying wholly in the image's
bottom-right quadrant (for the course photo that quadrant is the pasted cat, an asset fact from
assets/PROVENANCE.md), region B all the others. The link is the largest block-0 attention weight, over all
heads, from a query patch in B to a key patch in A at least half the grid apart (Chebyshev distance in patches).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vitmath import receptive_field as rf
from vitmath.cache import cached
from vitmath.sources import input_key

CNN = "resnet18"
CNN_SEED = 0
LINK_BLOCK = 0
ZOOM = 12  # pixels per side of the zoomed crop the 3x3 window slides over
# The Sobel operator's x kernel: a textbook 3x3 edge detector (horizontal change of brightness).
SOBEL_X = ((-1.0, 0.0, 1.0), (-2.0, 0.0, 2.0), (-1.0, 0.0, 1.0))


@dataclass
class Link:
    block: int
    head: int
    query: int  # patch index (raster) in region B
    key: int  # patch index in region A
    weight: float  # attn[block][head, 1 + query, 1 + key]
    uniform: float  # 1 / T, the weight of a query that attends to all tokens equally
    distance_patches: int  # Chebyshev distance between the two patches, in patches
    distance_px: float  # Euclidean distance between the two patch centres, in pixels
    row: np.ndarray  # (grid, grid) that query's weights over the patches in that head
    min_weight: float  # the smallest weight anywhere in that block (all heads, all pairs)
    pairs: int  # T * T weights per head


@dataclass
class LocalityFacts:
    cnn: str
    size: int  # image side in pixels
    # the kernel
    kernel: np.ndarray  # (3, 3)
    gray: np.ndarray  # (S, S) grey levels in [0, 1]
    response: np.ndarray  # (S - 2, S - 2) valid 3x3 correlation of the grey photo with the kernel
    zoom_origin: tuple[int, int]  # (y, x) of the ZOOM x ZOOM crop around the strongest response
    # parameters
    conv_name: str
    c_in: int
    c_out: int
    k: int
    fmap: tuple[int, int]  # (h, w) of that conv's output
    conv_params: int
    dense_params: int
    cnn_params: int
    # theoretical growth
    layers: list[rf.LayerRF]
    naive_size: int  # 1 + sum (k - 1) * dilation: the field if every layer only added its own kernel
    # regions, link, reach
    grid: int
    patch: int
    region_a: list[int]
    link: Link
    fields: list[rf.UnitField]  # unit over the query patch, each block
    centre_fields: list[rf.UnitField]  # unit nearest the image centre, each block
    key_box: tuple[int, int, int, int]  # (top, bottom, left, right) pixel rows/columns of the key patch
    reach: list[float]  # per block: max gradient inside the key patch, relative to the unit's peak
    first_reach: int | None  # first block whose theoretical field touches the key patch
    global_pool: str


def region_a(grid: int, patch: int, size: int) -> list[int]:
    """Patches lying wholly in the bottom-right quadrant of the image."""
    first = math.ceil(size / 2 / patch)
    return [r * grid + c for r in range(first, grid) for c in range(first, grid)]


def find_link(trace, block: int = LINK_BLOCK) -> Link:
    d = trace.dims
    a = region_a(d.grid, d.P, int(trace.input.shape[-1]))
    b = [i for i in range(d.N) if i not in set(a)]
    attn = trace.blocks[block].attn  # (H, T, T)
    rows, cols = np.divmod(np.arange(d.N), d.grid)
    best = None
    for h in range(d.H):
        for q in b:
            for k in a:
                far = max(abs(rows[q] - rows[k]), abs(cols[q] - cols[k]))
                if far < d.grid // 2:
                    continue
                w = float(attn[h, 1 + q, 1 + k])
                if best is None or w > best[0]:
                    best = (w, h, q, k, int(far))
    w, h, q, k, far = best
    dist = d.P * math.hypot(rows[q] - rows[k], cols[q] - cols[k])
    row = attn[h, 1 + q, 1:].reshape(d.grid, d.grid).numpy().copy()
    return Link(block, h, q, k, w, 1.0 / d.T, far, dist, row, float(attn.min()), d.T * d.T)


def sobel_response(gray: np.ndarray, kernel) -> np.ndarray:
    """Valid cross-correlation (what Conv2d computes) of a grey image with a 3x3 kernel."""
    x = torch.as_tensor(gray, dtype=torch.float32)[None, None]
    w = torch.as_tensor(np.asarray(kernel), dtype=torch.float32)[None, None]
    return F.conv2d(x, w)[0, 0].numpy()


def locality_facts(trace, cnn: str = CNN, seed: int = CNN_SEED) -> LocalityFacts:
    d = trace.dims
    size = int(trace.input.shape[-1])
    picture = np.asarray(trace.picture, dtype=np.float64) / 255.0
    gray = picture @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma
    kernel = np.array(SOBEL_X)
    response = sobel_response(gray, kernel)
    y, x = np.unravel_index(np.abs(response).argmax(), response.shape)
    # The crop holds the window's whole neighbourhood: response (y, x) is the window at pixels y..y+2, x..x+2.
    zy = int(min(max(y + 1 - ZOOM // 2, 0), size - ZOOM))
    zx = int(min(max(x + 1 - ZOOM // 2, 0), size - ZOOM))

    model = rf.build_cnn(cnn, False, seed)
    layers = rf.theoretical_receptive_fields(model)
    conv_name, conv = next((n, m) for n, m in model.named_modules()
                           if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) and m.in_channels == m.out_channels)
    shapes = {}
    hook = conv.register_forward_hook(lambda _m, _i, o: shapes.__setitem__("out", tuple(o.shape)))
    with torch.no_grad():
        model(trace.input[None])
    hook.remove()
    h, w = shapes["out"][2:]
    conv_params = sum(p.numel() for p in conv.parameters())
    features = conv.in_channels * h * w
    dense_params = features * conv.out_channels * h * w

    link = find_link(trace)
    qr, qc = divmod(link.query, d.grid)
    kr, kc = divmod(link.key, d.grid)
    target = ((qr + 0.5) * d.P - 0.5, (qc + 0.5) * d.P - 0.5)  # the query patch's centre, in pixel coordinates
    fields = rf.unit_fields(model, trace.input[None], target)
    centre_fields = rf.unit_fields(model, trace.input[None], (size / 2, size / 2))
    box = (kr * d.P, kr * d.P + d.P - 1, kc * d.P, kc * d.P + d.P - 1)
    reach = [float(f.grad[box[0]:box[1] + 1, box[2]:box[3] + 1].max()) for f in fields]
    first = next((i for i, f in enumerate(fields) if f.covers(*box)), None)
    pool = getattr(getattr(model, "global_pool", None), "pool_type", None) or "none"
    return LocalityFacts(
        cnn, size, kernel, gray, response, (zy, zx), conv_name, conv.in_channels, conv.out_channels,
        conv.kernel_size[0], (h, w), conv_params, dense_params, sum(p.numel() for p in model.parameters()),
        layers, 1 + sum((layer.kernel - 1) * layer.dilation for layer in layers), d.grid, d.P,
        region_a(d.grid, d.P, size), link, fields, centre_fields, box, reach, first, str(pool))


def cached_locality_facts(model_name=None, weights=None, image=None, cnn: str = CNN, seed: int = CNN_SEED):
    from vitmath.cache import cached_trace

    def compute():
        return locality_facts(cached_trace(model_name, weights, image), cnn, seed)

    return cached("locality_facts", [input_key(model_name, weights, image), cnn, seed], compute)
