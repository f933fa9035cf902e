"""The multi-head lesson's facts: how the heads share one width, what each head's CLS token looks at, how far
each head looks, and how alike the heads of one block are; and, since late blocks attend so much to a few
high-norm tokens (lesson 9 measures them), the same readings with those tokens masked out.

    facts = cached_head_facts(model_name, weights, image)

Everything is read from the model and its trace on the photo: head count, widths, parameter counts, maps and
distances. Blocks are 0-based here (the screen says "block 1" for index 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from vitmath.analyses import HIGH_NORM_FACTOR, high_norm_patches
from vitmath.errors import UserError

# Head counts the parameter check rebuilds the attention layer with: 1 and the ViT family's counts (DeiT Ti 3,
# S 6; ViT-B 12, ViT-L/H 16), each used only if it divides the model's width.
TRY_HEADS = (1, 3, 6, 12, 16)
# A head is called "local" when its mean attention distance is under this share of what uniform attention
# over all patches would give (the distance a head that ignores position would have).
LOCAL_SHARE = 0.5
# A head whose CLS token keeps more than this share of its attention on itself leaves a map that is only the
# renormalised remainder: drawn, but left out of the counts read from the maps.
REMNANT_SELF = 0.999


@dataclass
class HeadFacts:
    D: int
    H: int
    head_dim: int
    depth: int
    qkv_shape: tuple[int, int]            # (3D, D): one matrix makes q, k, v for every head
    proj_shape: tuple[int, int]           # (D, D): the output projection after the heads are concatenated
    attn_params: int                      # parameters of one block's attention, counted on the model
    params_by_heads: dict[int, int]       # head count -> parameters of a fresh attention layer of width D
    blocks: tuple[int, int]               # the early and the late block shown (0-based): first and last
    cls_maps: torch.Tensor                # (2, H, grid, grid) CLS -> patch attention, renormalised over patches
    cls_self: torch.Tensor                # (2, H) attention the CLS token keeps on itself in those blocks
    distance: torch.Tensor                # (depth, H) mean attention distance in pixels (ViT Fig. 7 right)
    uniform_distance: float               # what uniform attention over the patches would give, in pixels
    effective_patches: torch.Tensor       # (2, H) exp(entropy) of each shown map: how many patches it spreads over
    quadrant_share: torch.Tensor          # (2, H) share of each shown map on the bottom-right quadrant's patches
    quadrant_patches: int                 # how many patches lie wholly in that quadrant
    head_corr: torch.Tensor               # (2, H, H) Pearson correlation of the heads' CLS maps, per shown block
    mean_corr: torch.Tensor               # (depth,) mean correlation over pairs of different heads, every block
    self_share: torch.Tensor              # (depth, H) mean over query patches of the weight a patch keeps on
                                          # itself (renormalised over patches, as the distance is)
    high_norm: list[int]                  # raster indices of the high-norm patches after the last block
    high_norm_cls: torch.Tensor           # (2, H) share of each shown map on those patches
    quadrant_share_masked: torch.Tensor   # (2, H) quadrant share with the high-norm patches masked out and the
                                          # map renormalised over the rest
    quadrant_area_masked: float           # the quadrant's share of the patches left after masking
    distance_masked: torch.Tensor         # (depth, H) mean attention distance without the high-norm patches, as
                                          # queries or keys, each row renormalised over the rest
    uniform_masked: float                 # what uniform attention over the patches left would give, in pixels

    @property
    def local_cutoff(self) -> float:
        return LOCAL_SHARE * self.uniform_distance

    def thirds(self) -> tuple[list[int], list[int]]:
        """The early and the late blocks compared in the lesson: the first and the last third of the depth
        (at least one block each)."""
        k = max(1, self.depth // 3)
        return list(range(k)), list(range(self.depth - k, self.depth))

    def spread(self, blocks: list[int]) -> float:
        """Mean over `blocks` of the range (max - min) of the heads' distances within a block, in pixels."""
        d = self.distance[blocks]
        return float((d.amax(-1) - d.amin(-1)).mean())

    def local_heads(self, blocks: list[int]) -> list[tuple[int, int]]:
        """(block, head) pairs among `blocks` whose distance is under the local cutoff."""
        return [(b, h) for b in blocks for h in range(self.H) if float(self.distance[b, h]) < self.local_cutoff]

    def remnants(self, k: int) -> list[int]:
        """Heads (0-based) of shown block k whose map is only the remainder of the CLS token's attention."""
        return [h for h in range(self.H) if float(self.cls_self[k, h]) > REMNANT_SELF]

    def counted(self, k: int) -> list[int]:
        """Heads (0-based) of shown block k that the counts read from the maps use: all but the remnants,
        unless fewer than two would be left to compare."""
        rest = [h for h in range(self.H) if h not in self.remnants(k)]
        return rest if len(rest) >= 2 else list(range(self.H))

    @property
    def high_norm_area(self) -> float:
        """The high-norm patches' share of all patches."""
        return len(self.high_norm) / self.cls_maps[0, 0].numel()


def patch_cls_maps(tr, block: int) -> torch.Tensor:
    """(H, grid, grid): the CLS token's attention to the patches in one block, each head's map renormalised to
    sum to 1 over the patches (so maps compare even when a head keeps most of its attention on CLS itself)."""
    from vitmath.analyses import cls_attention_maps

    maps = cls_attention_maps(tr, block).double()
    return (maps / maps.sum(dim=(-2, -1), keepdim=True)).float()


def head_correlation(maps: torch.Tensor) -> torch.Tensor:
    """(H, H) Pearson correlation between the heads' maps (H, g, g): 1 = the same pattern, 0 = unrelated."""
    flat = maps.reshape(maps.shape[0], -1).double()
    flat = flat - flat.mean(-1, keepdim=True)
    unit = flat / flat.norm(dim=-1, keepdim=True).clamp_min(1e-30)
    corr = unit @ unit.T
    return ((corr + corr.T) / 2).float()


def effective_patches(maps: torch.Tensor) -> torch.Tensor:
    """(...,) exp(entropy) of maps (..., g, g) that sum to 1: N for uniform attention, 1 for a single patch."""
    p = maps.flatten(-2).double()
    return torch.exp(-(p * p.clamp_min(1e-300).log()).sum(-1)).float()


def off_diagonal_mean(corr: torch.Tensor) -> float:
    H = corr.shape[0]
    if H < 2:
        return float("nan")
    mask = ~torch.eye(H, dtype=torch.bool)
    return float(corr[mask].mean())


def attention_params(D: int, heads: int) -> int:
    """Parameters of a freshly built timm attention layer of width D with `heads` heads (qkv and projection,
    with biases as in ViT)."""
    from timm.models.vision_transformer import Attention

    return sum(p.numel() for p in Attention(D, num_heads=heads, qkv_bias=True).parameters())


def high_norm_slots(tr) -> list[int]:
    """The high-norm patch tokens after the last block (vitmath.analyses), in raster order."""
    return sorted(high_norm_patches(tr.blocks[-1].out[1:].norm(dim=-1)))


def masked_distance(tr, drop: list[int]) -> tuple[torch.Tensor, float]:
    """(depth, H) mean attention distance over the patches not in `drop` (token slots), as queries and as keys,
    each query's weights renormalised over the keys left; and the distance of uniform attention over them."""
    from vitmath.analyses import patch_distances

    keep = torch.ones(tr.dims.N, dtype=torch.bool)
    keep[drop] = False
    dist = patch_distances(tr)[keep][:, keep]
    rows = []
    for bt in tr.blocks:
        a = bt.attn[:, 1:, 1:].double()[:, keep][:, :, keep]
        a = a / a.sum(-1, keepdim=True)
        rows.append((a * dist).sum(-1).mean(-1))
    return torch.stack(rows).float(), float(dist.mean())


def self_share(tr) -> torch.Tensor:
    """(depth, H): how much of its attention over the patches a patch keeps on itself, averaged over patches."""
    rows = []
    for bt in tr.blocks:
        a = bt.attn[:, 1:, 1:].double()
        a = a / a.sum(-1, keepdim=True)
        rows.append(torch.diagonal(a, dim1=-2, dim2=-1).mean(-1))
    return torch.stack(rows).float()


def mask_maps(maps: torch.Tensor, drop: list[int]) -> torch.Tensor:
    """(..., g, g) maps with the raster patches `drop` set to 0 and the rest renormalised to sum to 1."""
    flat = maps.flatten(-2).double().clone()
    flat[..., drop] = 0
    return (flat / flat.sum(-1, keepdim=True)).reshape(maps.shape).float()


@torch.no_grad()
def head_facts(model, tr) -> HeadFacts:
    from vitmath.analyses import mean_attention_distance, patch_distances

    from vitmath.locality import region_a

    d = tr.dims
    if d.H < 2:
        raise UserError(f"this lesson compares attention heads, and {d.model_name} has only {d.H}")
    attn = model.blocks[0].attn
    blocks = (0, d.depth - 1)
    maps = torch.stack([patch_cls_maps(tr, b) for b in blocks])
    tried = sorted({h for h in TRY_HEADS if d.D % h == 0} | {d.H})
    quadrant = region_a(d.grid, d.P, int(tr.input.shape[-1]))
    all_corr = [head_correlation(patch_cls_maps(tr, b)) for b in range(d.depth)]
    slots = high_norm_slots(tr)
    raster = tr.permutation[slots].tolist() if tr.permutation is not None else slots
    high = sorted(int(i) for i in raster)
    masked = mask_maps(maps, high)
    left = [i for i in quadrant if i not in high]
    dist_masked, uniform_masked = masked_distance(tr, slots)
    return HeadFacts(
        D=d.D, H=d.H, head_dim=d.head_dim, depth=d.depth,
        qkv_shape=tuple(attn.qkv.weight.shape),
        proj_shape=tuple(attn.proj.weight.shape),
        attn_params=sum(p.numel() for p in attn.parameters()),
        params_by_heads={h: attention_params(d.D, h) for h in tried},
        blocks=blocks,
        cls_maps=maps,
        cls_self=torch.stack([tr.blocks[b].attn[:, 0, 0] for b in blocks]),
        distance=mean_attention_distance(tr),
        # Uniform attention: every query patch weighs every patch alike, so its distance is the mean distance.
        uniform_distance=float(patch_distances(tr).mean()),
        effective_patches=effective_patches(maps),
        # The course photo's cat is pasted into this quadrant (assets/PROVENANCE.md); the same rule as p1-01.
        quadrant_share=maps.flatten(-2)[..., quadrant].sum(-1),
        quadrant_patches=len(quadrant),
        head_corr=torch.stack([all_corr[b] for b in blocks]),
        mean_corr=torch.tensor([off_diagonal_mean(c) for c in all_corr]),
        self_share=self_share(tr),
        high_norm=high,
        high_norm_cls=maps.flatten(-2)[..., high].sum(-1),
        quadrant_share_masked=masked.flatten(-2)[..., left].sum(-1),
        quadrant_area_masked=len(left) / (d.N - len(high)),
        distance_masked=dist_masked,
        uniform_masked=uniform_masked,
    )


def cached_head_facts(model_name=None, weights=None, image=None) -> HeadFacts:
    from vitmath.cache import cached, cached_trace
    from vitmath.model import load_model
    from vitmath.sources import input_key

    def compute():
        return head_facts(load_model(model_name, weights), cached_trace(model_name, weights, image))

    return cached("head_facts", [input_key(model_name, weights, image)], compute)
