"""Facts for the project-then-add lesson: one patch through the projection E, what E's filters learned, and
the position embedding added to the result. Computed from the model and the trace, cached.

The token for patch i is built in two steps (ViT paper, Eq. 1):

    patch_tokens[i] = E p_i + b                 # (D,) = (D, 3 P^2) @ (3 P^2,) + (D,)
    x0[i + 1]       = patch_tokens[i] + pos[i + 1]   # added element-wise; slot 0 is CLS + pos[0]

The example patch is the contact-sheet lesson's (vitmath.patchify: the patch whose pixels vary most), so the
course follows one patch from the photo to the first block. Two rows of E are followed: k, the output of the
largest size (worked by hand), and k+, the row whose dot product with the patch is largest (drawn as a picture,
so the "looks like" rule is shown on a positive example).

    facts = cached_embedding_facts(model_name, weights, image)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

PCA_SHOWN = 28          # components drawn, as many as the ViT paper's Fig. 7 (left) shows
RANDOM_SEED = 0         # the random-filter baseline's seed
FINE_FREQUENCY = 0.25   # cycles per pixel: at or above it, light and dark alternate every one or two pixels


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
    plus_index: int               # k+: the row of E with the largest dot product with the example patch
    plus_dot: float               # E[k+] . p_i
    pca_ratio: torch.Tensor       # (PCA_SHOWN,) share of the filters' variance along each principal component
    pca_components: torch.Tensor  # (PCA_SHOWN, 3, P, P) the components, unit vectors, signed (their sign arbitrary)
    random_pca_share: float       # the share the first PCA_SHOWN components would explain for random filters
    random_ratio: torch.Tensor    # (PCA_SHOWN,) those random filters' share along each of their components
    photo_along: torch.Tensor     # (PCA_SHOWN,) photo's patch variance along each component / mean per direction
    fine_share: torch.Tensor      # (PCA_SHOWN,) share of each component's energy at FINE_FREQUENCY or above
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


def random_ratios(rows: int, cols: int, k: int, seed: int = RANDOM_SEED) -> torch.Tensor:
    """The variance share along each of the first k principal components of a (rows, cols) matrix of independent
    Gaussian numbers. That is what E was before training: ViTs start the patch projection from independent
    random entries (timm: PyTorch's uniform default, or lecun-normal in init_weights_vit_jax, which follows the
    JAX original); for i.i.d. entries the shares hardly depend on the distribution (the test checks uniform)."""
    w = torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    centered = w - w.mean(0)
    variance = torch.linalg.svdvals(centered) ** 2
    return (variance[:k] / variance.sum()).float()


def random_baseline_share(rows: int, cols: int, k: int, seed: int = RANDOM_SEED) -> float:
    """The share of the first k components together, for the random matrix of `random_ratios`."""
    return float(random_ratios(rows, cols, k, seed).double().sum())


def photo_along(patches: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """(k,) how much the photo's patches (N, F) vary along each unit direction (k, F), relative to their mean
    variance per direction (total variance / F): 1 is an average direction, near 0 one the photo hardly holds."""
    x = patches.double() - patches.double().mean(0)
    along = (x @ directions.double().T).var(0)
    return (along / (x.var(0).sum() / x.shape[1])).float()


def fine_share(components: torch.Tensor, P: int) -> torch.Tensor:
    """(k,) the share of each (3 P^2) component's energy at spatial frequencies of FINE_FREQUENCY cycles per
    pixel or more along either axis (the 2-D Fourier transform of each channel): checkerboard-like detail."""
    c = components.double().reshape(-1, 3, P, P)
    power = torch.fft.fft2(c).abs() ** 2
    f = torch.fft.fftfreq(P, dtype=torch.float64).abs()
    fine = (torch.maximum(f[:, None], f[None, :]) >= FINE_FREQUENCY).double()
    return ((power * fine).sum(dim=(1, 2, 3)) / power.sum(dim=(1, 2, 3))).float()


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
    dots = weight.double() @ p.double()                                        # (D,) every row's dot product
    plus = int(dots.argmax())
    pca = filter_pca(model, k=PCA_SHOWN)
    shown = len(pca.explained_ratio)
    components = pca.components.double()                                       # (k, 3 P^2), signed
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
        plus_index=plus,
        plus_dot=float(dots[plus]),
        pca_ratio=pca.explained_ratio.clone(),
        pca_components=components.reshape(shown, 3, d.P, d.P).float(),
        random_pca_share=random_baseline_share(d.D, weight.shape[1], shown),
        random_ratio=random_ratios(d.D, weight.shape[1], shown),
        photo_along=photo_along(trace.patches, components),
        fine_share=fine_share(components, d.P),
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

    return cached("embedding_facts", [input_key(model_name, weights, image), PCA_SHOWN, RANDOM_SEED,
                                       FINE_FREQUENCY], compute)
