"""What the classifier head reads, and what it would read instead: the CLS lesson's numbers.

A classic ViT ("token" pooling) classifies from one row of the final, LayerNorm'd tokens: row 0, the CLS
token's output. The alternative is global average pooling, timm's `global_pool='avg'`: in timm's
`forward_head` the pool averages the patch rows of the final tokens (everything after the prefix tokens,
i.e. after the final LayerNorm `model.norm`), then applies `model.fc_norm` (an Identity unless the model was
built for averaging), then `model.head`. `pooling_facts` computes exactly that by hand with the model's own
layers, and checks it against timm's own forward with `global_pool` switched to 'avg'.

`cls_comparison` runs a second photo through the same model: the CLS token's input row is the same for
every photo (the learned vector plus position embedding 0), its output is not.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from vitmath.sources import ASSETS, file_digest, resolve_image

# Photos a comparison may use, in order of preference: the first one that is not the lesson's own photo.
COMPARISON_PHOTOS = ("chelsea.png", "astronaut.png", "cat_person_composite_224.png")


@dataclass
class PoolingFacts:
    final_norm: str                 # the final norm's class name, e.g. "LayerNorm" (model.norm)
    fc_norm: str                    # the norm after pooling, e.g. "Identity" (model.fc_norm)
    global_pool: str                # how the model was built to pool, e.g. "token"
    head_shape: tuple[int, int]     # (num_classes, D) of model.head.weight
    cls_logits_diff: float          # max |head(fc_norm(final[0])) - trace.logits|: the head reads row 0 only
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
        cls_logits_diff=float((cls_logits - trace.logits).abs().max()),
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
