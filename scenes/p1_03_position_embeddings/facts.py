"""The position-embedding lesson's experiments: shuffle the patches, flip their rows, and look at what the
learned position embeddings became.

Every run uses the model's own trained weights. "Without positions" means `trace(..., drop_position=True)`:
the SAME weights with the position embeddings left out of the input sum, which is not the same thing as a
model trained without position embeddings.

    facts = cached_shuffle_facts(model_name, weights, image)

Permutations follow `trace`: permutation[j] = raster index of the image patch placed in token slot j + 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

SHUFFLE_SEED = 0


@dataclass
class Comparison:
    """One rearrangement of the patches, run with and without position embeddings."""
    permutation: torch.Tensor        # (N,) raster index of the patch in each token slot
    nopos_cls_diff: float            # max |CLS output (final LayerNorm) rearranged - original|, positions dropped
    nopos_logit_diff: float          # max |logits rearranged - original|, positions dropped
    nopos_patch_diff: float          # max |patch outputs rearranged, put back in raster order - original|
    nopos_top5: list                 # top-5 of the rearranged photo, positions dropped
    pos_logit_diff: float            # max |logits rearranged - original|, with positions (the real model)
    pos_top5: list                   # top-5 of the rearranged photo, with positions


@dataclass
class ShuffleFacts:
    grid: int
    plain_top5: list                 # the real model on the photo
    nopos_top5: list                 # the same weights, positions dropped, on the photo
    nopos_logit_scale: float         # max |logit| of the position-free run: the size the differences compare to
    shuffle: Comparison              # a random permutation (seed SHUFFLE_SEED)
    flip: Comparison                 # rows of patches in reverse order; each patch keeps its own pixels
    pixel_flip_nopos_logit_diff: float  # the photo truly upside down (pixels flipped), positions dropped
    pixel_flip_top5: list            # the real model on the truly upside-down photo
    similarity: torch.Tensor         # (N, N) cosine similarity of the patch position embeddings
    same_line_similarity: float      # mean similarity of two different patches in the same row or column
    other_similarity: float          # mean similarity of two patches sharing neither row nor column
    by_distance: "DistanceProfile"   # the same two means, at matched distances
    attention: "FirstBlockAttention"  # block 1's attention, with and without the positions


@dataclass
class DistanceProfile:
    """Mean position-embedding similarity against the distance between two patches, in patches (the
    Euclidean distance between their grid places, rounded to a whole number): over all pairs, and split into
    pairs in the same row or column against pairs sharing neither. Same-line pairs are closer on average, so
    only a comparison at the same distance separates "rows and columns" from "near is similar"."""
    distances: list                  # whole distances 1 .. grid - 1, where both kinds of pair exist
    all_pairs: list                  # mean similarity of every pair at each distance
    same_line: list                  # mean similarity of same-row-or-column pairs at each distance
    same_line_quartiles: list        # (25th, 75th percentile) of them at each distance
    other: list                      # mean similarity of pairs sharing neither, at each distance
    other_quartiles: list
    same_line_mean_distance: float   # mean distance of all same-line pairs (patches)
    other_mean_distance: float       # mean distance of all pairs sharing neither (patches)


@dataclass
class FirstBlockAttention:
    """Block 1's attention on the photo, run with the position embeddings and without them (same weights).

    Distances are in patches: for each query patch, the attention-weighted mean distance to the patches it
    attends to (its weights renormalised over the patches, as `analyses.mean_attention_distance` does, so
    weight parked on CLS does not count), averaged over the query patches."""
    head: int                        # 0-based: the head whose mean distance grows most without positions
    query: int                       # raster index of the query patch drawn: the head's typical patch
    with_pos: torch.Tensor           # (N,) head `head`'s weights from the query patch to every patch
    without_pos: torch.Tensor        # (N,) the same, positions dropped
    distance_with: list              # (H,) mean attention distance per head, with positions
    distance_without: list           # (H,) the same, positions dropped


def random_permutation(n: int, seed: int = SHUFFLE_SEED) -> torch.Tensor:
    """The same permutation `analyses.permutation_experiment` draws for this seed."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


def row_flip_permutation(grid: int) -> torch.Tensor:
    """Slot (r, c) gets patch (grid - 1 - r, c): the photo upside down patch-wise, each patch upright."""
    return torch.arange(grid * grid).reshape(grid, grid).flip(0).reshape(-1)


def rearranged_picture(patch_pixels, permutation, grid: int):
    """The (S, S, 3) picture the rearranged tokens show: slot j's patch drawn at raster place j."""
    import numpy as np

    pixels = np.asarray(patch_pixels)[np.asarray(permutation)]
    n, P = pixels.shape[:2]
    return pixels.reshape(grid, grid, P, P, -1).transpose(0, 2, 1, 3, 4).reshape(grid * P, grid * P, -1).copy()


def same_line_masks(grid: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, N) masks: two different patches in the same row or column; two patches sharing neither."""
    n = grid * grid
    r, c = torch.arange(n) // grid, torch.arange(n) % grid
    same_r, same_c = r[:, None] == r[None], c[:, None] == c[None]
    return (same_r | same_c) & ~torch.eye(n, dtype=torch.bool), ~(same_r | same_c)


def grid_distances(grid: int) -> torch.Tensor:
    """(N, N) Euclidean distance between two patches' places on the grid, in patches."""
    n = grid * grid
    r, c = (torch.arange(n) // grid).double(), (torch.arange(n) % grid).double()
    return torch.sqrt((r[:, None] - r[None]) ** 2 + (c[:, None] - c[None]) ** 2)


def distance_profile(sim: torch.Tensor, grid: int) -> DistanceProfile:
    sim = sim.double()
    dist = grid_distances(grid)
    same, other = same_line_masks(grid)
    whole = dist.round()
    off = ~torch.eye(grid * grid, dtype=torch.bool)
    quartiles = torch.tensor([0.25, 0.75], dtype=torch.float64)
    out = DistanceProfile([], [], [], [], [], [], float(dist[same].mean()), float(dist[other].mean()))
    # Same-line pairs lie 1 .. grid - 1 apart; pairs sharing neither start at the diagonal neighbour (1.4,
    # counted as 1), so every one of those distances has both kinds (from a grid of 2 on).
    for d in range(1, grid):
        s, o = same & (whole == d), other & (whole == d)
        if not (s.any() and o.any()):
            continue
        out.distances.append(d)
        out.all_pairs.append(float(sim[off & (whole == d)].mean()))
        out.same_line.append(float(sim[s].mean()))
        out.same_line_quartiles.append(tuple(float(q) for q in torch.quantile(sim[s], quartiles)))
        out.other.append(float(sim[o].mean()))
        out.other_quartiles.append(tuple(float(q) for q in torch.quantile(sim[o], quartiles)))
    return out


def patch_attention_distance(attn: torch.Tensor, grid: int) -> torch.Tensor:
    """(H, N) distance, in patches, from each query patch to where it attends, for one block's (H, T, T)
    weights; the weights are renormalised over the patches (weight on CLS has no place on the grid)."""
    a = attn[:, 1:, 1:].double()
    a = a / a.sum(-1, keepdim=True)
    return (a * grid_distances(grid)).sum(-1)


def first_block_attention(plain, plain_nopos) -> FirstBlockAttention:
    """Block 1 with and without positions. The head and the patch drawn are chosen by rule, not by eye: the
    head whose mean attention distance grows most when the positions are removed, and the patch whose own
    growth is nearest that head's average, so the two maps show what the head typically does."""
    grid = plain.dims.grid
    with_q = patch_attention_distance(plain.blocks[0].attn, grid)
    without_q = patch_attention_distance(plain_nopos.blocks[0].attn, grid)
    with_d, without_d = with_q.mean(-1), without_q.mean(-1)
    head = int((without_d - with_d).argmax())
    growth = without_q[head] - with_q[head]
    query = int((growth - growth.mean()).abs().argmin())
    return FirstBlockAttention(
        head=head, query=query,
        with_pos=plain.blocks[0].attn[head, 1 + query, 1:].clone(),
        without_pos=plain_nopos.blocks[0].attn[head, 1 + query, 1:].clone(),
        distance_with=[float(x) for x in with_d], distance_without=[float(x) for x in without_d])


def _compare(model, image, permutation, plain, plain_nopos) -> Comparison:
    from vitmath.tracing import trace

    moved_nopos = trace(model, image, drop_position=True, permutation=permutation)
    moved = trace(model, image, permutation=permutation)
    # Token slot j + 1 holds patch permutation[j]: scatter the outputs back to raster order to compare.
    back = torch.empty_like(moved_nopos.final[1:])
    back[permutation] = moved_nopos.final[1:]
    return Comparison(
        permutation=permutation,
        nopos_cls_diff=float((moved_nopos.final[0] - plain_nopos.final[0]).abs().max()),
        nopos_logit_diff=float((moved_nopos.logits - plain_nopos.logits).abs().max()),
        nopos_patch_diff=float((back - plain_nopos.final[1:]).abs().max()),
        nopos_top5=moved_nopos.top5,
        pos_logit_diff=float((moved.logits - plain.logits).abs().max()),
        pos_top5=moved.top5,
    )


@torch.no_grad()
def shuffle_facts(model, image) -> ShuffleFacts:
    from vitmath.analyses import position_similarity
    from vitmath.image import LoadedImage
    from vitmath.tracing import dims_of, trace

    d = dims_of(model)
    plain = trace(model, image)
    plain_nopos = trace(model, image, drop_position=True)
    tensor = image.tensor if isinstance(image, LoadedImage) else image
    upside_down = tensor.flip(-2)  # every pixel row reversed: the photo truly upside down
    pixel_flip = trace(model, upside_down)
    pixel_flip_nopos = trace(model, upside_down, drop_position=True)
    sim = position_similarity(model)
    same, other = same_line_masks(d.grid)
    return ShuffleFacts(
        grid=d.grid,
        plain_top5=plain.top5,
        nopos_top5=plain_nopos.top5,
        nopos_logit_scale=float(plain_nopos.logits.abs().max()),
        shuffle=_compare(model, image, random_permutation(d.N), plain, plain_nopos),
        flip=_compare(model, image, row_flip_permutation(d.grid), plain, plain_nopos),
        pixel_flip_nopos_logit_diff=float((pixel_flip_nopos.logits - plain_nopos.logits).abs().max()),
        pixel_flip_top5=pixel_flip.top5,
        similarity=sim,
        same_line_similarity=float(sim[same].mean()),
        other_similarity=float(sim[other].mean()),
        by_distance=distance_profile(sim, d.grid),
        attention=first_block_attention(plain, plain_nopos),
    )


def cached_shuffle_facts(model_name=None, weights=None, image=None) -> ShuffleFacts:
    from vitmath.cache import cached
    from vitmath.image import load_image
    from vitmath.model import load_model
    from vitmath.sources import input_key, resolve_image

    def compute():
        model = load_model(model_name, weights)
        return shuffle_facts(model, load_image(resolve_image(image), model))

    return cached("shuffle_facts", [input_key(model_name, weights, image), SHUFFLE_SEED], compute)
