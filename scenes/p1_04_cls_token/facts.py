"""What the classifier head reads, and what it would read instead: the CLS lesson's numbers.

A classic ViT ("token" pooling) classifies from one row of the final, LayerNorm'd tokens: row 0, the CLS
token's output. `pooling_facts` applies the classifier to row 0 of our own trace and compares the scores with
timm's own `model(x)` on the same input: two separate computations, so the difference is real (float
rounding), not 0 by construction as a comparison with `trace.logits` would be.

The alternative is global average pooling. In timm's `forward_head` the pool averages the patch rows of
whatever `forward_features` returns (after `model.norm`), then applies `model.fc_norm`, then `model.head`.
A model *built* with `global_pool='avg'` has, by default, `norm = Identity` and `fc_norm = LayerNorm`: it
averages the un-normalised tokens, then normalises once. This model was built for CLS (`norm = LayerNorm`,
`fc_norm = Identity`), so switching its `global_pool` to 'avg' averages the final-normed patch rows through
the CLS-trained head: an experiment, not a fair test. `pooling_facts` computes that by hand with the model's
own layers and checks it against timm's forward with `global_pool` switched.

`long_token_facts` finds the high-norm patch tokens (Darcet et al. 2023) after the last block: lengths at least
HIGH_NORM_FACTOR times the median, found from the tensors, so a model with none has none.

`cls_comparison` runs a second photo through the same model: the CLS token's input row is the same for
every photo (the learned vector plus position embedding 0), its output is not.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vitmath import analyses
from vitmath.analyses import HIGH_NORM_FACTOR
from vitmath.sources import ASSETS, file_digest, resolve_image

# Photos a comparison may use, in order of preference: the first one that is not the lesson's own photo. The two
# differ, so one of them always qualifies (and the scene has words for what each shows).
COMPARISON_PHOTOS = ("chelsea.png", "astronaut.png")


@dataclass
class PoolingFacts:
    final_norm: str                 # the final norm's class name, e.g. "LayerNorm" (model.norm)
    fc_norm: str                    # the norm after pooling, e.g. "Identity" (model.fc_norm)
    global_pool: str                # how the model was built to pool, e.g. "token"
    head_shape: tuple[int, int]     # (num_classes, D) of model.head.weight
    cls_logits_diff: float          # max |head(fc_norm(final[0])) - timm's model(x)|: our row 0 vs timm's forward
    logit_scale: float              # max |timm's logits|: what that difference is small against
    pooled: torch.Tensor            # (D,) mean over the final-normed patch tokens, final[1:]
    pooled_feature: torch.Tensor    # (D,) fc_norm(pooled): what the head reads under average pooling
    logits: torch.Tensor            # (num_classes,)
    probs: torch.Tensor             # (num_classes,)
    top5: list[tuple[int, str, float]]
    timm_max_diff: float            # max |probs - timm's forward with global_pool='avg'|
    cosine_to_cls: float            # cosine similarity of pooled_feature and trace.cls_feature
    norm_ratio: float               # |pooled_feature| / |cls_feature|


@torch.no_grad()
def pooling_facts(model, trace, image_tensor: torch.Tensor) -> PoolingFacts:
    final = trace.final
    cls_logits = model.head(model.fc_norm(final[0]))
    timm_logits = model(image_tensor)[0]
    pooled = final[1:].mean(0)                 # the N patch rows; row 0 (CLS) left out, as timm does
    feature = model.fc_norm(pooled)
    logits = model.head(feature)
    probs = logits.softmax(-1)
    k = min(5, probs.numel())
    top = probs.topk(k)
    top5 = [(int(i), trace.labels[int(i)], float(p)) for p, i in zip(top.values, top.indices)]

    saved = model.global_pool
    try:
        model.global_pool = "avg"              # not reset_classifier(): that would replace the trained head
        timm_probs = model(image_tensor).softmax(-1)[0]
    finally:
        model.global_pool = saved
    return PoolingFacts(
        final_norm=type(model.norm).__name__,
        fc_norm=type(model.fc_norm).__name__,
        global_pool=str(saved),
        head_shape=tuple(int(s) for s in model.head.weight.shape),
        cls_logits_diff=float((cls_logits - timm_logits).abs().max()),
        logit_scale=float(timm_logits.abs().max()),
        pooled=pooled.clone(),
        pooled_feature=feature.clone(),
        logits=logits.clone(),
        probs=probs.clone(),
        top5=top5,
        timm_max_diff=float((timm_probs - probs).abs().max()),
        cosine_to_cls=float(torch.nn.functional.cosine_similarity(feature, trace.cls_feature, dim=0)),
        norm_ratio=float(feature.norm() / trace.cls_feature.norm()),
    )


@dataclass
class ClsComparison:
    other_image: str                # file name of the second photo
    other_picture: object           # (S, S, 3) uint8, what the model saw of it
    other_top5: list[tuple[int, str, float]]
    other_cls_in: torch.Tensor      # (D,) the second photo's CLS row going into block 1 (x0[0])
    other_cls_out: torch.Tensor     # (D,) the second photo's CLS row after the final LayerNorm (final[0])
    input_diff: float               # max |x0[0] of photo A - x0[0] of photo B|: the CLS input row
    cosine_by_block: list[float]    # cosine similarity of the two CLS rows: input, then after each block
    final_cosine: float             # of the two CLS rows after the final LayerNorm (what the head reads)
    output_diff: float              # max |final[0] of A - final[0] of B|
    other_high_norm: list[int]      # the second photo's high-norm patches (high_norm_patches)


def comparison_photo(image=None) -> Path:
    """The first of COMPARISON_PHOTOS whose bytes differ from the lesson's photo."""
    own = file_digest(resolve_image(image))
    for name in COMPARISON_PHOTOS:
        path = ASSETS / name
        if path.is_file() and file_digest(path) != own:
            return path
    raise FileNotFoundError("no second photo to compare with in vitmath/assets")


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a, b, dim=0))


def cls_comparison(trace, other) -> ClsComparison:
    rows_a = [trace.x0[0]] + [b.out[0] for b in trace.blocks]
    rows_b = [other.x0[0]] + [b.out[0] for b in other.blocks]
    return ClsComparison(
        other_image="",
        other_picture=other.picture,
        other_top5=list(other.top5),
        other_cls_in=other.x0[0].clone(),
        other_cls_out=other.final[0].clone(),
        input_diff=float((trace.x0[0] - other.x0[0]).abs().max()),
        cosine_by_block=[_cosine(a, b) for a, b in zip(rows_a, rows_b)],
        final_cosine=_cosine(trace.final[0], other.final[0]),
        output_diff=float((trace.final[0] - other.final[0]).abs().max()),
        other_high_norm=high_norm_patches(other),
    )


def high_norm_patches(trace) -> list[int]:
    """The high-norm patch tokens after the last block (vitmath.analyses), longest first."""
    return analyses.high_norm_patches(trace.blocks[-1].out[1:].norm(dim=-1))


@dataclass
class LongTokens:
    norms: np.ndarray               # (grid, grid) length of each patch token after the last block
    median: float                   # the median of those lengths
    longest_ratio: float            # the longest over the median
    patches: list[int]              # the high-norm patches (high_norm_patches), longest first; may be empty
    corners: bool                   # are they exactly the grid's four corner patches?
    from_block: int | None          # 1-based: the first block after which all of them stay high-norm to the end
    cls_share: np.ndarray           # (H,) the CLS row's weight on them, last block
    brightest: list[bool]           # per head: are they that head's len(patches) strongest patches?
    masked_maps: np.ndarray         # (H, grid, grid) CLS maps without them, their weight shared out in proportion
    pooled_cosine: float            # cosine(mean of the final-normed patch rows, the same mean without them)
    final_ratio: float              # after the final LayerNorm: their longest over the median patch length (0 if none)


def long_token_facts(trace, factor: float = HIGH_NORM_FACTOR) -> LongTokens:
    d = trace.dims
    stream = torch.stack([b.out[1:].norm(dim=-1) for b in trace.blocks])      # (depth, N)
    last = stream[-1]
    high = analyses.high_norm_patches(stream[-1], factor)
    # 1-based block: stream row k is the output of block k + 1.
    start = analyses.high_norm_from(stream, high, factor)
    from_block = None if start is None else start + 1
    maps = trace.blocks[-1].attn[:, 0, 1:].double()                            # (H, N)
    masked = maps.clone()
    masked[:, high] = 0.0
    # The same patch total as before, so the quarters' shares compare like with like.
    masked = masked * (maps.sum(1, keepdim=True) / masked.sum(1, keepdim=True))
    strongest = torch.argsort(maps, dim=1, descending=True)[:, :len(high)]
    final = trace.final[1:]
    keep = [i for i in range(d.N) if i not in set(high)]
    return LongTokens(
        norms=last.reshape(d.grid, d.grid).double().numpy(),
        median=float(last.median()),
        longest_ratio=float(last.max() / last.median()),
        patches=high,
        corners=set(high) == {0, d.grid - 1, d.N - d.grid, d.N - 1},
        from_block=from_block,
        cls_share=maps[:, high].sum(1).numpy(),
        brightest=[bool(high) and set(row.tolist()) == set(high) for row in strongest],
        masked_maps=masked.reshape(d.H, d.grid, d.grid).numpy(),
        pooled_cosine=_cosine(final.mean(0), final[keep].mean(0)),
        final_ratio=float(final.norm(dim=-1)[high].max() / final.norm(dim=-1).median()) if high else 0.0,
    )


def cached_pooling_facts(model_name=None, weights=None, image=None) -> PoolingFacts:
    from vitmath.cache import cached, cached_trace
    from vitmath.image import load_image
    from vitmath.model import load_model
    from vitmath.sources import input_key

    def compute():
        model = load_model(model_name, weights)
        loaded = load_image(resolve_image(image), model)
        return pooling_facts(model, cached_trace(model_name, weights, image), loaded.tensor)

    return cached("pooling_facts", [input_key(model_name, weights, image)], compute)


def cached_cls_comparison(model_name=None, weights=None, image=None) -> ClsComparison:
    from vitmath.cache import cached, cached_trace
    from vitmath.sources import input_key

    other = comparison_photo(image)

    def compute():
        result = cls_comparison(cached_trace(model_name, weights, image), cached_trace(model_name, weights, other))
        result.other_image = other.name
        return result

    return cached("cls_comparison", [input_key(model_name, weights, image), input_key(model_name, weights, other)],
                  compute)
