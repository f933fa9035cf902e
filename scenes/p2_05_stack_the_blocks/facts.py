"""Numbers for the "stack the blocks" lesson: what one encoder block holds, how many parameters it has, and
what happens to the tokens as they pass through all of them: every token's length after every block, which
part of which block makes the high-norm tokens long, how much each block adds, and where CLS's attention goes.

    facts = cached_stack_facts(model_name, weights, image)

Blocks are numbered as `trace.blocks` is (0 first) in every list here; the lesson adds 1 on screen.
"Stream point k" is the residual stream after k blocks: point 0 is the input of the first block (x0), point k
the output of block k - 1, so the lists over stream points have depth + 1 entries.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from scipy.optimize import linear_sum_assignment

from vitmath.analyses import HIGH_NORM_FACTOR, high_norm_from, high_norm_patches
from vitmath.errors import UserError

# The share of a long token's squared length that its "few numbers" must hold: the fewest channels that hold
# this much of it are the ones the lesson names.
CHANNEL_SHARE = 0.9


@dataclass
class BlockParams:
    """One block's learned numbers, part by part, counted from the model's own parameters."""
    parts: list[tuple[str, int]]  # (part, number of parameters), bottom to top through the block; the part is
                                  # the block's module name (norm1, qkv, proj, norm2, fc1, fc2), its label the script's
    total: int                    # sum of parts: the parameters of one block
    attention: int                # qkv + output projection, weights and biases
    mlp: int                      # fc1 + fc2, weights and biases
    norms: int                    # the two LayerNorms' scales and shifts
    twelve_d2: int                # 12 D^2: the weights alone, 4 D^2 in attention + 8 D^2 in the MLP at ratio 4
    same_in_every_block: bool     # every block has exactly these parameter shapes


@dataclass
class StackFacts:
    depth: int
    D: int
    mlp_hidden: int                    # the MLP's hidden width, read from fc1
    params: BlockParams
    blocks_total: int                  # all blocks together
    model_total: int                   # sum of p.numel() over the whole model
    outside_blocks: list[tuple[str, int]]  # the rest: patch embedding, CLS, positions, final norm, head
    # "identical" blocks, different weights: block 0's fc1 weight against block 1's
    fc1_first: np.ndarray              # (mlp_hidden, D) block 0's fc1 weight
    fc1_second: np.ndarray             # (mlp_hidden, D) block 1's fc1 weight
    fc1_rel_diff: float                # ||W1 - W0|| / ||W0||
    fc1_cosine: float                  # cosine of the two weights, flattened
    min_pair_rel_diff: float           # smallest ||Wi - Wj|| / ||Wi|| over all pairs of blocks (fc1)
    # An MLP computes the same function with its hidden units in any order (fc1's rows with fc2's columns), so
    # a raw cosine near 0 only says "not the same numbers". Pair block 1's fc1 rows with block 0's by the best
    # one-to-one matching (largest summed row cosine) and compare again; a random pair of matrices of the same
    # shape, matched the same way, is the baseline (matching alone lifts the cosine above 0).
    fc1_matched_cosine: float          # cosine of W0 and W1 with W1's rows in their best-matching order
    fc1_matched_random: float          # the same for two Gaussian matrices of that shape (fixed seed)
    # tokens through the stack (depth + 1 stream points)
    cls_norm: list[float]              # ||CLS||
    patch_norm_median: list[float]     # median ||patch token||
    patch_norm_max: list[float]        # largest ||patch token||
    patch_norm_argmax: list[int]       # raster index of that patch
    patch_norms: torch.Tensor          # (depth + 1, N) every patch token's norm at every stream point
    high_norm_patches: list[int]       # after the last block: patches >= HIGH_NORM_FACTOR x the median norm,
                                       # longest first (raster indices)
    high_norm_values: list[float]      # their norms
    # what each block adds, per block: the length of attention's output and of the MLP's output
    attn_add_high: list[list[float]]   # per block, per high-norm patch (in high_norm_patches' order)
    mlp_add_high: list[list[float]]
    attn_add_median: list[float]       # median over every patch
    mlp_add_median: list[float]
    high_norm_channels: int            # fewest of the D channels holding CHANNEL_SHARE of each high-norm
                                       # patch's squared length after the last block (0 if none)
    high_norm_channel_share: float     # the smallest share those channels hold of any one of them
    high_norm_vector: np.ndarray       # (D,) the longest patch token after the last block (its channels)
    cls_cosine_to_last: list[float]    # per block: cos(CLS after that block, CLS after the last block)
    update_ratio: list[float]          # per block: median over tokens of ||out - in|| / ||in||
    # where CLS's attention goes in each block, averaged over heads; the three add up to 1
    cls_self: list[float]              # weight CLS gives itself
    cls_to_high: list[float]           # to the high-norm patches (of the last stream point) together
    cls_to_rest: list[float]           # to every other patch
    top5: list


def block_params(model) -> BlockParams:
    blocks = list(model.blocks)
    first = blocks[0]
    shapes = [tuple((n, tuple(p.shape)) for n, p in b.named_parameters()) for b in blocks]

    def count(prefix: str) -> int:
        return sum(p.numel() for n, p in first.named_parameters() if n.startswith(prefix))

    parts = [("norm1", count("norm1.")), ("qkv", count("attn.qkv.")), ("proj", count("attn.proj.")),
             ("norm2", count("norm2.")), ("fc1", count("mlp.fc1.")), ("fc2", count("mlp.fc2."))]
    total = sum(p.numel() for p in first.parameters())
    if sum(n for _, n in parts) != total:
        # A block with parts this lesson does not draw (LayerScale, q/k norms, ...): say so, do not miscount.
        names = sorted({n.split(".")[0] for n, _ in first.named_parameters()})
        raise UserError(f"this model's blocks hold parameters the lesson does not count ({', '.join(names)})")
    D = model.embed_dim
    return BlockParams(parts, total, count("attn."), count("mlp."), count("norm1.") + count("norm2."),
                       12 * D * D, all(s == shapes[0] for s in shapes))


def matched_cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Cosine of two (units, inputs) weight matrices after putting b's rows (hidden units) in the order that
    best matches a's: the one-to-one pairing with the largest summed row cosine (Hungarian algorithm)."""
    rows = F.normalize(a, dim=1) @ F.normalize(b, dim=1).T
    _, order = linear_sum_assignment(-rows.numpy())
    return float(F.cosine_similarity(a.flatten(), b[torch.as_tensor(order)].flatten(), dim=0))


def top_channel_shares(x: torch.Tensor) -> torch.Tensor:
    """(D,): the share of a vector's squared length held by its k largest channels, for k = 1..D."""
    sq = (x.double() ** 2).sort(descending=True).values
    return sq.cumsum(0) / sq.sum()


def fewest_channels(x: torch.Tensor, share: float = CHANNEL_SHARE) -> int:
    """How many of a vector's channels, largest first, hold `share` of its squared length."""
    cum = top_channel_shares(x)
    return int(torch.searchsorted(cum, torch.tensor([share - 1e-12], dtype=torch.float64))) + 1


@torch.no_grad()
def stack_facts(model, trace) -> StackFacts:
    d = trace.dims
    params = block_params(model)
    blocks_total = sum(p.numel() for p in model.blocks.parameters())
    model_total = sum(p.numel() for p in model.parameters())
    outside = {}
    for name, p in model.named_parameters():
        if not name.startswith("blocks."):
            key = name.split(".")[0]
            outside[key] = outside.get(key, 0) + p.numel()

    fc1 = [b.mlp.fc1.weight.detach().double() for b in model.blocks]  # each (mlp_hidden, D)
    rel = [[float((fc1[i] - fc1[j]).norm() / fc1[i].norm()) for j in range(d.depth) if j != i]
           for i in range(d.depth)]

    stream = [trace.x0] + [b.out for b in trace.blocks]  # depth + 1 points, each (T, D)
    norms = [x.norm(dim=-1) for x in stream]              # each (T,)
    last_cls = trace.blocks[-1].out[0]
    last = norms[-1][1:]                                   # (N,) patch norms after the last block
    high = high_norm_patches(last)
    cls_cos = [float(F.cosine_similarity(b.out[0], last_cls, dim=0)) for b in trace.blocks]
    update = [float(((stream[i + 1] - stream[i]).norm(dim=-1) / norms[i]).median()) for i in range(d.depth)]

    gen = torch.Generator().manual_seed(0)
    noise = [torch.randn(fc1[0].shape, generator=gen, dtype=torch.float64) for _ in range(2)]

    # What attention and the MLP each add to every patch token, per block (the block's two residual branches).
    attn_add = [b.attn_out[1:].norm(dim=-1) for b in trace.blocks]            # each (N,)
    mlp_add = [(b.out - b.x_mid)[1:].norm(dim=-1) for b in trace.blocks]
    longs = [trace.blocks[-1].out[1 + i] for i in high]
    channels = max((fewest_channels(x) for x in longs), default=0)   # enough channels for every one of them

    cls_rows = [b.attn[:, 0].double().mean(0) for b in trace.blocks]          # each (T,), heads averaged
    to_high = [float(r[[1 + i for i in high]].sum()) if high else 0.0 for r in cls_rows]
    return StackFacts(
        depth=d.depth, D=d.D, mlp_hidden=int(model.blocks[0].mlp.fc1.out_features), params=params,
        blocks_total=blocks_total, model_total=model_total, outside_blocks=list(outside.items()),
        fc1_first=fc1[0].float().numpy(), fc1_second=fc1[1 % d.depth].float().numpy(),
        fc1_rel_diff=float((fc1[1 % d.depth] - fc1[0]).norm() / fc1[0].norm()),
        fc1_cosine=float(F.cosine_similarity(fc1[0].flatten(), fc1[1 % d.depth].flatten(), dim=0)),
        min_pair_rel_diff=min(min(r) for r in rel) if d.depth > 1 else 0.0,
        cls_norm=[float(n[0]) for n in norms],
        patch_norm_median=[float(n[1:].median()) for n in norms],
        patch_norm_max=[float(n[1:].max()) for n in norms],
        patch_norm_argmax=[int(n[1:].argmax()) for n in norms],
        patch_norms=torch.stack([n[1:] for n in norms]),
        fc1_matched_cosine=matched_cosine(fc1[0], fc1[1 % d.depth]),
        fc1_matched_random=matched_cosine(*noise),
        high_norm_patches=high, high_norm_values=[float(last[i]) for i in high],
        attn_add_high=[[float(v[i]) for i in high] for v in attn_add],
        mlp_add_high=[[float(v[i]) for i in high] for v in mlp_add],
        attn_add_median=[float(v.median()) for v in attn_add], mlp_add_median=[float(v.median()) for v in mlp_add],
        high_norm_channels=channels,
        high_norm_channel_share=min((float(top_channel_shares(x)[channels - 1]) for x in longs), default=0.0),
        high_norm_vector=trace.blocks[-1].out[1 + (high[0] if high else int(last.argmax()))].numpy(),
        cls_cosine_to_last=cls_cos, update_ratio=update,
        cls_self=[float(r[0]) for r in cls_rows], cls_to_high=to_high,
        cls_to_rest=[float(r[1:].sum()) - h for r, h in zip(cls_rows, to_high)],
        top5=trace.top5,
    )


def high_norm_start(facts: StackFacts, factor: float = HIGH_NORM_FACTOR) -> int | None:
    """The first stream point from which on every high-norm patch (of the last point) stays >= factor x the
    median patch norm, or None if there is no high-norm patch."""
    return high_norm_from(facts.patch_norms, facts.high_norm_patches, factor)


def cached_stack_facts(model_name=None, weights=None, image=None) -> StackFacts:
    from vitmath.cache import cached, cached_trace
    from vitmath.model import load_model
    from vitmath.sources import input_key

    def compute():
        return stack_facts(load_model(model_name, weights), cached_trace(model_name, weights, image))

    return cached("stack_facts", [input_key(model_name, weights, image)], compute)
