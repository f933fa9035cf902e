"""Facts for the project-then-add lesson: one patch through the projection E, what E's filters learned, and
the position embedding added to the result. Computed from the model and the trace, cached.

The token for patch i is built in two steps (ViT paper, Eq. 1):

    patch_tokens[i] = E p_i + b                 # (D,) = (D, 3 P^2) @ (3 P^2,) + (D,)
    x0[i + 1]       = patch_tokens[i] + pos[i + 1]   # added element-wise; slot 0 is CLS + pos[0]

The example patch is the contact-sheet lesson's (vitmath.patchify: the patch whose pixels vary most), so the
course follows one patch from the photo to the first block.

    facts = cached_embedding_facts(model_name, weights, image)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

PCA_SHOWN = 28          # components drawn, as many as the ViT paper's Fig. 7 (left) shows
RANDOM_SEED = 0         # the random-filter baseline's seed


@dataclass
class EmbeddingFacts:
    example_patch: int            # raster index i of the patch the lesson follows (token slot i + 1)
    weight: torch.Tensor          # (D, 3 P^2) E: the patch-embedding conv's weight, one row per output
    bias: torch.Tensor            # (D,)
    out_index: int                # k: the output of the example patch with the largest magnitude
    dot: float                    # E[k] . p_i
    first_terms: list             # [(E[k, j], p_i[j]) for j in 0, 1]: the dot product's first two terms
    out_value: float              # patch_tokens[i, k] = dot + bias[k]
    pos_value: float              # pos[i + 1, k]: what the position embedding adds to that entry
    sum_value: float              # x0[i + 1, k] = out_value + pos_value (before any norm_pre)
    pca_ratio: torch.Tensor       # (PCA_SHOWN,) share of the filters' variance along each principal component
    pca_components: torch.Tensor  # (PCA_SHOWN, P, P, 3) the components, each scaled to [0, 1] for display
    random_pca_share: float       # the share the first PCA_SHOWN components would explain for random filters
    centre_share: float           # share of E's squared weights in the central (P/2 x P/2) of the patch
    centre_area: float            # that region's share of the patch's area (what evenly spread weights give)
    energy_map: torch.Tensor      # (P, P) share of E's squared weights at each pixel place (sums to 1)
    token_norm: float             # |E p_i + b|
    pos_norm: float               # |pos[i + 1]|
    mean_token_norm: float        # mean |E p + b| over all N patches
    mean_pos_norm: float          # mean |pos[j]| over the N patch slots
    patches_bigger: int           # patches whose |E p + b| exceeds their slot's |pos|
    no_embed_class: bool          # timm's flag: True = CLS gets no position embedding
    pos_rows: int                 # rows of the position table (T when CLS has one, N when not)
    cls_norm: float               # |CLS|
    pos0_norm: float              # |pos[0]|, CLS's position embedding
    cls_pos0_cosine: float        # cosine similarity of CLS and pos[0]: only their sum reaches block 1
    pre_norm: bool                # a LayerNorm (norm_pre) between the sum and block 1
    sum_vs_x0: float              # max |cat(CLS, tokens) + pos - trace.x0|: 0 when nothing else happens


def principal_share(weight: torch.Tensor, k: int) -> float:
    """Share of the variance of the rows of `weight` (D, F) along its first k principal components."""
    centered = weight.double() - weight.double().mean(0)
    variance = torch.linalg.svdvals(centered) ** 2
    return float(variance[:k].sum() / variance.sum())


def random_baseline_share(rows: int, cols: int, k: int, seed: int = RANDOM_SEED) -> float:
    """The same share for a (rows, cols) matrix of independent Gaussian numbers: what 'no structure' gives."""
    w = torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return principal_share(w, k)


def centre_energy(weight: torch.Tensor, P: int) -> tuple[float, float]:
    """Share of the squared weights that fall in the patch's central P/2 x P/2 square, and that square's area
    share. Rows are flattened (channel, y, x), as timm's conv weight is."""
    w2 = weight.double().reshape(-1, 3, P, P) ** 2
    lo, hi = P // 4, P // 4 + P // 2
    centre = w2[..., lo:hi, lo:hi].sum()
    return float(centre / w2.sum()), (P // 2) ** 2 / P ** 2


def energy_map(weight: torch.Tensor, P: int) -> torch.Tensor:
    """(P, P): the share of all squared weights (every filter, every channel) at each pixel place."""
    w2 = (weight.double().reshape(-1, 3, P, P) ** 2).sum(dim=(0, 1))
    return (w2 / w2.sum()).float()


@torch.no_grad()
def embedding_facts(model, trace, example_patch: int) -> EmbeddingFacts:
    from vitmath.analyses import filter_pca

    d = trace.dims
    i = example_patch
    weight = model.patch_embed.proj.weight.detach().reshape(d.D, -1).clone()   # (D, 3 P^2)
    bias = model.patch_embed.proj.bias.detach().clone()                        # (D,)
    p = trace.patches[i]                                                       # (3 P^2,)
    y = trace.patch_tokens[i]                                                  # (D,)
    k = int(y.abs().argmax())
    pca = filter_pca(model, k=PCA_SHOWN)
    shown = len(pca.explained_ratio)
    centre, area = centre_energy(weight, d.P)
    token_norms = trace.patch_tokens.norm(dim=-1)                              # (N,)
    pos_norms = trace.pos[1:].norm(dim=-1)                                     # (N,) slots 1..N
    summed = torch.cat([trace.cls[None], trace.patch_tokens]) + trace.pos      # (T, D)
    return EmbeddingFacts(
        example_patch=i,
        weight=weight,
        bias=bias,
        out_index=k,
        dot=float(weight[k] @ p),
        first_terms=[(float(weight[k, j]), float(p[j])) for j in (0, 1)],
        out_value=float(y[k]),
        pos_value=float(trace.pos[i + 1, k]),
        sum_value=float(summed[i + 1, k]),
        pca_ratio=pca.explained_ratio.clone(),
        pca_components=pca.components.clone(),
        random_pca_share=random_baseline_share(d.D, weight.shape[1], shown),
        centre_share=centre,
        centre_area=area,
        energy_map=energy_map(weight, d.P),
        token_norm=float(token_norms[i]),
        pos_norm=float(pos_norms[i]),
        mean_token_norm=float(token_norms.mean()),
        mean_pos_norm=float(pos_norms.mean()),
        patches_bigger=int((token_norms > pos_norms).sum()),
        no_embed_class=bool(getattr(model, "no_embed_class", False)),
        pos_rows=int(model.pos_embed.shape[1]),
        cls_norm=float(trace.cls.norm()),
        pos0_norm=float(trace.pos[0].norm()),
        cls_pos0_cosine=float(torch.nn.functional.cosine_similarity(trace.cls, trace.pos[0], dim=0)),
        pre_norm=not isinstance(model.norm_pre, torch.nn.Identity),
        sum_vs_x0=float((summed - trace.x0).abs().max()),
    )


def cached_embedding_facts(model_name=None, weights=None, image=None) -> EmbeddingFacts:
    from vitmath.cache import cached, cached_trace
    from vitmath.model import load_model
    from vitmath.patchify import cached_patch_facts
    from vitmath.sources import input_key

    def compute():
        example = cached_patch_facts(model_name, weights, image).example_patch
        return embedding_facts(load_model(model_name, weights), cached_trace(model_name, weights, image), example)

    return cached("embedding_facts", [input_key(model_name, weights, image), PCA_SHOWN, RANDOM_SEED], compute)
