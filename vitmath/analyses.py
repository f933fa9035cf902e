"""Small analyses on a Trace or a model: the pictures of the ViT paper and of the explainability literature.

Maps over patches are always returned in image (raster) layout, (grid, grid), even for a trace whose patch
tokens were shuffled, so they can be laid over the picture directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vitmath.tracing import Trace, dims_of
from vitmath.tracing import trace as run_trace


def _token_to_patch(tr: Trace) -> torch.Tensor:
    """For each patch token slot, the raster index of the image patch it carries."""
    return tr.permutation if tr.permutation is not None else torch.arange(tr.dims.N)


def _to_image_layout(values: torch.Tensor, tr: Trace) -> torch.Tensor:
    """(..., N) values per token slot -> (..., grid, grid) values per image patch."""
    out = torch.empty_like(values)
    out[..., _token_to_patch(tr)] = values
    return out.reshape(*values.shape[:-1], tr.dims.grid, tr.dims.grid)


# --- attention maps ----------------------------------------------------------------------------------


def cls_attention_maps(tr: Trace, layer: int) -> torch.Tensor:
    """(H, grid, grid): how much the CLS token attends to each patch, per head, in one block."""
    return _to_image_layout(tr.blocks[layer].attn[:, 0, 1:], tr)


def all_cls_attention_maps(tr: Trace) -> torch.Tensor:
    """(depth, H, grid, grid): cls_attention_maps for every block."""
    return torch.stack([cls_attention_maps(tr, i) for i in range(tr.dims.depth)])


def attention_rollout(tr: Trace, head_fusion: str = "mean", discard_ratio: float = 0.0) -> torch.Tensor:
    """(T, T) attention rollout (Abnar & Zuidema 2020), following jacobgil/vit-explain.

    Each block's attention is fused over heads, mixed half-half with the identity (the residual connection
    carries each token forward unchanged), renormalised so rows sum to 1, and multiplied through the layers.
    """
    fuse = {"mean": lambda a: a.mean(0), "max": lambda a: a.amax(0), "min": lambda a: a.amin(0)}
    if head_fusion not in fuse:
        raise ValueError(f"head_fusion must be one of {sorted(fuse)}, not {head_fusion!r}")
    if not 0.0 <= discard_ratio < 1.0:
        raise ValueError("discard_ratio must be in [0, 1)")
    T = tr.dims.T
    eye = torch.eye(T, dtype=torch.float64)
    result = eye.clone()
    for bt in tr.blocks:
        a = fuse[head_fusion](bt.attn).double()
        if discard_ratio > 0:
            # Drop the weakest links as noise, but never the CLS-to-CLS entry (flat index 0), as vit-explain does.
            flat = a.flatten()
            lowest = flat.topk(int(flat.numel() * discard_ratio), largest=False).indices
            flat[lowest[lowest != 0]] = 0
            a = flat.reshape(T, T)
        a = (a + eye) / 2
        a = a / a.sum(-1, keepdim=True)
        result = a @ result
    return result.float()


def rollout_cls_map(tr: Trace, head_fusion: str = "mean", discard_ratio: float = 0.0) -> torch.Tensor:
    """(grid, grid): the rollout row of the CLS token over the patches, scaled so its maximum is 1."""
    row = attention_rollout(tr, head_fusion, discard_ratio)[0, 1:]
    return _to_image_layout(row / row.max(), tr)


def attention_mask(attention_map: torch.Tensor, keep: float = 0.6) -> torch.Tensor:
    """Boolean mask of the fewest patches holding at least ``keep`` of the attention mass (DINO, Caron 2021)."""
    if not 0.0 < keep <= 1.0:
        raise ValueError("keep must be in (0, 1]")
    flat = attention_map.flatten().double()
    values, order = flat.sort(descending=True)
    share = values.cumsum(0) / values.sum()
    # The first position whose running share reaches `keep`; a hair of slack absorbs float rounding at keep=1.
    count = int(torch.searchsorted(share, torch.tensor([keep - 1e-12], dtype=torch.float64))) + 1
    mask = torch.zeros_like(flat, dtype=torch.bool)
    mask[order[: min(count, flat.numel())]] = True
    return mask.reshape(attention_map.shape)


# --- ViT paper, Figure 7 -----------------------------------------------------------------------------


def position_similarity(model) -> torch.Tensor:
    """(N, N) cosine similarity between the patch position embeddings (Fig. 7 centre).

    Row i reshaped to (grid, grid) is the tile for patch i; ``.reshape(grid, grid, grid, grid)`` gives all tiles.
    """
    pos = model.pos_embed[0, 1:].detach().double()
    unit = pos / pos.norm(dim=-1, keepdim=True)
    sim = unit @ unit.T
    sim = (sim + sim.T) / 2  # exact symmetry; the matmul can differ in the last bit
    sim.fill_diagonal_(1.0)
    return sim.float()


@dataclass
class FilterPCA:
    components: torch.Tensor  # (k, 3 P^2) unit directions in the filters' own (RGB, row, column) order;
    #                          each one's sign is arbitrary, so a picture of one puts zero at mid-grey
    explained_variance: torch.Tensor  # (k,) variance along each component, descending
    explained_ratio: torch.Tensor  # (k,) share of the total variance


def filter_pca(model, k: int = 28) -> FilterPCA:
    """Principal components of the patch-embedding filters (Fig. 7 left): the basis the first layer sees patches in."""
    dims = dims_of(model)
    w = model.patch_embed.proj.weight.detach().double().reshape(dims.D, -1)  # (D, 3*P*P), one row per filter
    centered = w - w.mean(0)
    _, s, vt = torch.linalg.svd(centered, full_matrices=False)  # singular values come sorted descending
    variance = s**2 / (dims.D - 1)
    k = min(k, vt.shape[0])
    return FilterPCA(
        components=vt[:k].float(),
        explained_variance=variance[:k].float(),
        explained_ratio=(variance[:k] / variance.sum()).float(),
    )


def patch_distances(tr: Trace) -> torch.Tensor:
    """(N, N) pixel distance between the centres of the patches in token slots i and j."""
    g, P = tr.dims.grid, tr.dims.P
    raster = _token_to_patch(tr)
    centres = torch.stack([raster // g, raster % g], dim=-1).double() * P
    return torch.cdist(centres, centres)


def mean_attention_distance(tr: Trace) -> torch.Tensor:
    """(depth, H) attention distance in pixels (Fig. 7 right): how far each head looks, on average.

    Only patch-to-patch attention counts; each query's weights are renormalised over the patches so that a
    head parking attention on the CLS token does not look artificially local.
    """
    dist = patch_distances(tr)
    rows = []
    for bt in tr.blocks:
        a = bt.attn[:, 1:, 1:].double()
        a = a / a.sum(-1, keepdim=True)
        rows.append((a * dist).sum(-1).mean(-1))
    return torch.stack(rows).float()


# --- shuffle experiment ------------------------------------------------------------------------------


@dataclass
class PermutationResult:
    permutation: torch.Tensor  # (N,) raster index of the patch placed in each token slot
    no_pos_logit_diff: float  # max |logits(shuffled) - logits(original)| without position embeddings
    with_pos_logit_diff: float  # the same with position embeddings
    no_pos_top5: list  # top-5 of the unshuffled image without positions (equal to the shuffled one)
    with_pos_top5: list  # top-5 of the unshuffled image with positions
    shuffled_top5: list  # top-5 of the shuffled image with positions


def permutation_experiment(model, image, seed: int = 0) -> PermutationResult:
    """Shuffle the patches: without position embeddings the ViT cannot notice, with them it can."""
    n = dims_of(model).N
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    plain_nopos = run_trace(model, image, drop_position=True)
    shuffled_nopos = run_trace(model, image, drop_position=True, permutation=perm)
    plain = run_trace(model, image)
    shuffled = run_trace(model, image, permutation=perm)
    return PermutationResult(
        permutation=perm,
        no_pos_logit_diff=float((shuffled_nopos.logits - plain_nopos.logits).abs().max()),
        with_pos_logit_diff=float((shuffled.logits - plain.logits).abs().max()),
        no_pos_top5=plain_nopos.top5,
        with_pos_top5=plain.top5,
        shuffled_top5=shuffled.top5,
    )


# A patch token is high-norm (the artifacts of Darcet et al. 2023, "Vision Transformers Need Registers") when
# its length is at least this many times the median patch token's: one threshold for the whole course, so every
# lesson finds the same tokens.
HIGH_NORM_FACTOR = 10.0


def high_norm_patches(norms, factor: float = HIGH_NORM_FACTOR) -> list[int]:
    """Raster indices of the patches whose token length is at least `factor` times the median, longest first.
    `norms`: the patch tokens' lengths at one point of the stream, (N,) or (grid, grid), torch or numpy."""
    flat = np.asarray(norms, dtype=np.float64).ravel()
    order = np.argsort(-flat, kind="stable")
    return [int(i) for i in order if flat[i] >= factor * np.median(flat)]


def high_norm_from(stream, patches: list[int], factor: float = HIGH_NORM_FACTOR) -> int | None:
    """The first point of `stream` ((points, N) patch lengths, in order) from which on every one of `patches`
    stays high-norm to the end; None when `patches` is empty."""
    if not patches:
        return None
    lengths = np.asarray(stream, dtype=np.float64).reshape(len(stream), -1)
    high = (lengths[:, patches] >= factor * np.median(lengths, axis=1)[:, None]).all(axis=1)
    k = len(high) - 1
    while k > 0 and high[k - 1]:
        k -= 1
    return k
