"""The priors lesson's measurements: what a convolution assumes about images, and what a ViT learns instead.

Every shift here is `torch.roll` along the width: the photo slides right by `s` pixels and the `s` columns that
fall off the right edge come back in on the left. Rolling keeps the picture's size, so the network sees an
input of the usual shape; the price is a seam (the wrapped columns) and the image borders, where a conv's zero
padding meets different pixels. So the CNN comparisons use only *interior* cells: cells whose theoretical
receptive field lies wholly inside real, unwrapped photo in both the original and the shifted picture. The ViT
comparisons leave out the patch column that wrapped around.

    facts = cached_prior_facts(model_name, weights, image)

CNN: the first two stages of a random-init timm resnet18 (`receptive_field.build_cnn`, seed 0). The whole
network would not do: each unit of its last stage sees 435 pixels, more than the photo, so no cell of its map is
free of the borders. Random weights are enough, because equivariance comes from the architecture, not training.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from vitmath import receptive_field as rf
from vitmath.errors import UserError

CNN = "resnet18"
CNN_SEED = 0
CNN_STAGE = "layer2"  # the stage whose output map is shifted: stride 8, a 28 x 28 map on a 224 photo
VIT_STAGES = ("patch embedding", "+ position embedding", "final tokens")
LOCAL_SHARE = 0.5  # a head counts as "local" when its mean attention distance is under this share of even attention's
LEARNED_CORRELATION = -0.3  # position similarity vs grid distance at or below this: a learned 2-D map


@dataclass
class ShiftCheck:
    """One shift of the photo through the CNN stage, against the original map shifted by whole cells."""
    shift_px: int        # pixels the photo was rolled to the right
    cells: int           # whole cells the original map was moved to compare (the best of floor and ceil)
    max_diff: float      # max |shifted map - original map moved by `cells`| over interior cells, all channels
    scale: float         # max |original map| over the same cells: what max_diff compares to
    cols: tuple[int, int]  # interior columns of the shifted map, inclusive (u0, u1)
    rows: tuple[int, int]  # interior rows, inclusive
    diff_map: np.ndarray  # (h, w) max over channels of |shifted - moved original|; nan where no counterpart


@dataclass
class PriorFacts:
    size: int                   # photo side in pixels
    # locality and weight sharing, from real layer shapes
    cnn: str
    stage: str
    stride: int                 # total stride of the stage: input pixels per map cell
    field: int                  # theoretical receptive field side of one stage unit, in pixels
    stage_convs: int            # conv layers on the main path up to the stage
    kernel: int                 # kernel side of the stage's own convs (its last conv)
    fmap_shape: tuple[int, int, int]   # (C, h, w) of the stage output
    stem_name: str
    stem_shape: tuple[int, int, int, int]  # (out, in, k, k) of the first conv's weight
    stem_out: tuple[int, int, int]        # (C, h, w) of its output on the photo
    stem_params: int
    stem_dense: int             # a dense layer from the same input values to the same output values
    vit_embed_params: int       # the ViT's patch embedding (a stride-P conv): weight and bias
    vit_embed_dense: int        # dense from all input values to all N x D patch-token values
    # equivariance of the CNN stage
    channel_norm: np.ndarray    # (h, w) per-cell L2 norm over channels of the original map (for display)
    shifted_norm: np.ndarray    # (h, w) the same for the photo rolled by one stride
    half_norm: np.ndarray       # (h, w) the same for the photo rolled by half a stride
    on_stride: ShiftCheck       # rolled by the stride
    off_stride: ShiftCheck      # rolled by half the stride
    # the same shift through the ViT (rolled by P)
    P: int
    patch_max_diff: float       # max |patch tokens of the rolled photo - original moved one column|, columns kept
    patch_scale: float          # max |patch token value| over the same tokens
    patch_norm: np.ndarray      # (grid, grid) L2 norm of each patch embedding of the photo (for display)
    rolled_patch_norm: np.ndarray  # (grid, grid) the same for the photo rolled by P
    stage_names: list[str]      # VIT_STAGES
    shift_error: list[float]    # per stage: ||rolled - original moved one column|| / ||original moved||
    stay_error: list[float]     # per stage: ||rolled - original in place|| / ||original||: "did not move at all"
    final_token_error: np.ndarray  # (grid, grid - 1) per-token shift error of the final tokens (token_shift_errors)
    # The high-norm tokens (vitmath.analyses.high_norm_patches, after the last block) of the photo and of the
    # rolled photo, raster indices: where they sit decides whether they move with the content or keep their slot.
    high_norm: list[int]
    rolled_high_norm: list[int]
    nopos_shift_error: float    # final tokens' shift_error with the position embeddings left out (the control)
    nopos_stay_error: float     # and their stay_error: the control's own baseline
    nopos_logit_diff: float     # max |logits of the rolled photo - logits of the photo|, positions left out
    nopos_logit_scale: float    # max |logit| of the photo, positions left out: what nopos_logit_diff compares to
    top1: tuple[int, str]       # the original top-1 class
    top1_prob: float            # its probability on the photo
    top1_prob_shifted: float    # the same class's probability on the rolled photo
    shifted_top1: tuple[int, str, float]  # the rolled photo's own top-1
    # what the ViT learned instead
    pos_similarity: np.ndarray  # (N, N) cosine similarity of the patch position embeddings
    pos_distance: np.ndarray    # (N, N) grid distance between the patches, in patches
    pos_correlation: float      # Pearson correlation of the two over all pairs of different positions
    sim_by_distance: list[tuple[int, float]]  # (distance rounded to whole patches, mean similarity), distance >= 1
    attention_distance: np.ndarray  # (depth, H) mean attention distance in pixels, per block and head
    uniform_distance: float     # the same for attention spread evenly over all patches
    local_heads: list[tuple[int, int]]  # (block index from 0, head) under LOCAL_SHARE of the uniform distance


def roll_right(x: torch.Tensor, pixels: int) -> torch.Tensor:
    """The photo (..., H, W) rolled `pixels` to the right; the columns that fall off come back on the left."""
    return torch.roll(x, shifts=pixels, dims=-1)


def stage_features(model: nn.Module, x: torch.Tensor, stage: str = CNN_STAGE) -> torch.Tensor:
    """(1, 3, S, S) -> (1, C, h, w): a timm ResNet's stem and stages up to and including `stage`."""
    z = model.maxpool(model.act1(model.bn1(model.conv1(x))))
    for name in ("layer1", "layer2", "layer3", "layer4"):
        z = getattr(model, name)(z)
        if name == stage:
            return z
    raise ValueError(f"no stage {stage!r} in this ResNet")


def inside(units: int, field: int, jump: int, start: float, lo: int, hi: int) -> np.ndarray:
    """(units,) which output units see only input pixels lo..hi (inclusive): unit u is centred on
    start + u * jump and sees `field` pixels around that centre."""
    centre = start + np.arange(units) * jump
    half = (field - 1) / 2
    return (centre - half >= lo) & (centre + half <= hi)


def check_shift(f0: torch.Tensor, f1: torch.Tensor, shift_px: int, layer: rf.LayerRF, size: int) -> ShiftCheck:
    """Compare the map of the rolled photo, f1, with the original map f0 moved right by whole cells.

    f0, f1: (C, h, w). A shift of a whole number of cells k is tried for k = floor and ceil of shift / stride,
    and the better one kept: for a shift by the stride both are the same, and the match is exact."""
    _, h, w = f0.shape
    rows = inside(h, layer.size, layer.jump, layer.start, 0, size - 1)
    best = None
    for k in sorted({math.floor(shift_px / layer.jump), math.ceil(shift_px / layer.jump)}):
        # shifted cell u holds real photo only if its field is within columns shift..S-1; original cell u-k
        # must see only the photo too.
        cols_shifted = inside(w, layer.size, layer.jump, layer.start, shift_px, size - 1)
        cols_original = np.zeros(w, dtype=bool)
        cols_original[k:] = inside(w, layer.size, layer.jump, layer.start, 0, size - 1)[:w - k]
        cols = np.flatnonzero(cols_shifted & cols_original)
        rr = np.flatnonzero(rows)
        if not len(cols) or not len(rr):
            raise UserError(f"a {size}-pixel input is too small for the shift test: no cell of the CNN map "
                            f"sees only photo through its {layer.size}-pixel field")
        moved = torch.full_like(f0, float("nan"))
        moved[:, :, k:] = f0[:, :, :w - k]  # the original map moved right by k cells
        diff = (f1 - moved).abs().amax(0)  # (h, w)
        sub = diff[rr[0]:rr[-1] + 1, cols[0]:cols[-1] + 1]
        max_diff = float(sub.max())
        scale = float(moved[:, rr[0]:rr[-1] + 1, cols[0]:cols[-1] + 1].abs().max())
        check = ShiftCheck(shift_px, k, max_diff, scale, (int(cols[0]), int(cols[-1])),
                           (int(rr[0]), int(rr[-1])), diff.numpy().copy())
        if best is None or max_diff < best.max_diff:
            best = check
    return best


def dense_count(n_in: int, n_out: int) -> int:
    """Weights of a dense layer joining every input value to every output value (biases left out)."""
    return n_in * n_out


def _vit_stages(tr) -> list[torch.Tensor]:
    """The patch tokens at three stages of a trace, (N, D) each: the patch embedding (the stride-P conv),
    after the position embeddings are added, and the final tokens (after the last block's final LayerNorm)."""
    return [tr.patch_tokens, tr.x0[1:], tr.final[1:]]


def column_shift_errors(a: torch.Tensor, b: torch.Tensor, grid: int) -> tuple[float, float]:
    """a, b: (N, D) patch tokens of the photo and of the photo rolled right by one patch.

    Returns (shift_error, stay_error) over the patches that did not wrap (columns 1..grid-1 of b):
    ||b - a moved one column|| / ||a moved||, and ||b - a in place|| / ||a in place||."""
    ga, gb = a.reshape(grid, grid, -1), b.reshape(grid, grid, -1)
    kept = gb[:, 1:]
    moved, still = ga[:, :-1], ga[:, 1:]
    return float((kept - moved).norm() / moved.norm()), float((kept - still).norm() / still.norm())


def token_shift_errors(a: torch.Tensor, b: torch.Tensor, grid: int) -> np.ndarray:
    """(grid, grid - 1) per patch that did not wrap: ||b token - a token one column left|| / ||that a token||."""
    ga, gb = a.reshape(grid, grid, -1), b.reshape(grid, grid, -1)
    moved = ga[:, :-1]
    return ((gb[:, 1:] - moved).norm(dim=-1) / moved.norm(dim=-1)).numpy().copy()


def slot_cells(slots, grid: int) -> list[tuple[int, int]]:
    """Cells (row, col) of the (grid, grid - 1) per-token map (token_shift_errors) that touch one of the token
    `slots` (raster indices): cell (r, c) compares the rolled photo's slot (r, c + 1) with the photo's (r, c)."""
    out = set()
    for i in slots:
        r, c = divmod(int(i), grid)
        if c < grid - 1:
            out.add((r, c))   # the photo's token in slot i
        if c >= 1:
            out.add((r, c - 1))  # the rolled photo's token in slot i
    return sorted(out)


def grid_distance(grid: int) -> np.ndarray:
    """(N, N) Euclidean distance between patch places on the grid, in patches."""
    r, c = np.divmod(np.arange(grid * grid), grid)
    return np.hypot(r[:, None] - r[None], c[:, None] - c[None])


@torch.no_grad()
def prior_facts(model, image, cnn: str = CNN, seed: int = CNN_SEED) -> PriorFacts:
    from vitmath.analyses import high_norm_patches, mean_attention_distance, patch_distances, position_similarity
    from vitmath.image import LoadedImage
    from vitmath.tracing import trace

    x = image.tensor if isinstance(image, LoadedImage) else image  # (1, 3, S, S)
    size = int(x.shape[-1])
    tr = trace(model, image)
    d = tr.dims

    # --- the CNN: shapes, parameter counts, receptive field, shifts
    net = rf.build_cnn(cnn, False, seed)
    layers = rf.theoretical_receptive_fields(net)
    # the main path up to the stage's last layer: its jump is the stage's stride, its size the field
    end = max(i for i, la in enumerate(layers) if la.name.startswith(CNN_STAGE + "."))
    stage_layers = layers[:end + 1]
    last = stage_layers[-1]
    f0 = stage_features(net, x)[0]  # (C, h, w)
    stem = net.conv1
    stem_out = tuple(net.conv1(x).shape[1:])
    stem_params = sum(p.numel() for p in stem.parameters())
    f_stride = stage_features(net, roll_right(x, last.jump))[0]
    f_half = stage_features(net, roll_right(x, last.jump // 2))[0]
    on = check_shift(f0, f_stride, last.jump, last, size)
    off = check_shift(f0, f_half, last.jump // 2, last, size)

    # --- the ViT: the same kind of shift, by one patch
    rolled = trace(model, roll_right(x, d.P))
    errors = [column_shift_errors(a, b, d.grid) for a, b in zip(_vit_stages(tr), _vit_stages(rolled))]
    # The control: the same weights with the position embeddings left out. Rolling by exactly P only reorders
    # the patches (the wrapped column is a whole column of patches), so without positions the blocks, which
    # treat the tokens as a set, must give the same tokens, moved.
    plain_nopos = trace(model, image, drop_position=True)
    rolled_nopos = trace(model, roll_right(x, d.P), drop_position=True)
    nopos_errors = column_shift_errors(plain_nopos.final[1:], rolled_nopos.final[1:], d.grid)
    ga, gb = tr.patch_tokens.reshape(d.grid, d.grid, -1), rolled.patch_tokens.reshape(d.grid, d.grid, -1)
    patch_max_diff = float((gb[:, 1:] - ga[:, :-1]).abs().max())
    top_i, top_name, top_p = tr.top5[0]

    # --- what it learned: position structure and attention distance
    sim = position_similarity(model).numpy().astype(np.float64)
    dist = grid_distance(d.grid)
    iu = np.triu_indices(d.N, 1)
    corr = float(np.corrcoef(sim[iu], dist[iu])[0, 1])
    rounded = np.rint(dist[iu]).astype(int)
    by_dist = [(int(k), float(sim[iu][rounded == k].mean())) for k in np.unique(rounded) if k >= 1]
    mad = mean_attention_distance(tr).numpy()
    uniform = float(patch_distances(tr).mean())  # every query spreading its weight evenly over the N patches
    local = [(int(b), int(h)) for b, h in zip(*np.nonzero(mad < LOCAL_SHARE * uniform))]

    return PriorFacts(
        size=size, cnn=cnn, stage=CNN_STAGE, stride=last.jump, field=last.size,
        stage_convs=sum(1 for la in stage_layers if "conv" in la.name), kernel=last.kernel, fmap_shape=tuple(f0.shape),
        stem_name="conv1", stem_shape=tuple(stem.weight.shape), stem_out=stem_out, stem_params=stem_params,
        stem_dense=dense_count(x[0].numel(), math.prod(stem_out)),
        vit_embed_params=sum(p.numel() for p in model.patch_embed.proj.parameters()),
        vit_embed_dense=dense_count(x[0].numel(), d.N * d.D),
        channel_norm=f0.norm(dim=0).numpy().copy(), shifted_norm=f_stride.norm(dim=0).numpy().copy(),
        half_norm=f_half.norm(dim=0).numpy().copy(),
        on_stride=on, off_stride=off,
        P=d.P, patch_max_diff=patch_max_diff, patch_scale=float(ga[:, :-1].abs().max()),
        patch_norm=ga.norm(dim=-1).numpy().copy(), rolled_patch_norm=gb.norm(dim=-1).numpy().copy(),
        stage_names=list(VIT_STAGES), shift_error=[e[0] for e in errors], stay_error=[e[1] for e in errors],
        final_token_error=token_shift_errors(tr.final[1:], rolled.final[1:], d.grid),
        high_norm=sorted(high_norm_patches(tr.blocks[-1].out[1:].norm(dim=-1))),
        rolled_high_norm=sorted(high_norm_patches(rolled.blocks[-1].out[1:].norm(dim=-1))),
        nopos_shift_error=nopos_errors[0], nopos_stay_error=nopos_errors[1],
        nopos_logit_diff=float((rolled_nopos.logits - plain_nopos.logits).abs().max()),
        nopos_logit_scale=float(plain_nopos.logits.abs().max()),
        top1=(top_i, top_name), top1_prob=float(top_p), top1_prob_shifted=float(rolled.probs[top_i]),
        shifted_top1=rolled.top5[0],
        pos_similarity=sim.astype(np.float32), pos_distance=dist, pos_correlation=corr, sim_by_distance=by_dist,
        attention_distance=mad, uniform_distance=uniform, local_heads=local,
    )


def cached_prior_facts(model_name=None, weights=None, image=None, cnn: str = CNN, seed: int = CNN_SEED) -> PriorFacts:
    from vitmath.cache import cached
    from vitmath.image import load_image
    from vitmath.model import load_model
    from vitmath.sources import input_key, resolve_image

    def compute():
        model = load_model(model_name, weights)
        return prior_facts(model, load_image(resolve_image(image), model), cnn, seed)

    return cached("prior_facts", [input_key(model_name, weights, image), cnn, seed], compute)
