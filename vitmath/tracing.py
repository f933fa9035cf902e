"""A Vision Transformer forward pass written out by hand, keeping every intermediate tensor.

Same maths as timm's ``VisionTransformer.forward``, one matrix product at a time, using the model's own
parameters. The lessons show these tensors, so each step is a named field rather than hidden in a hook.
Shapes: T tokens (1 CLS + N patches), D width, H heads of size d = D / H.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from typing import TYPE_CHECKING

from vitmath.errors import UserError
from vitmath.image import LoadedImage
from vitmath.labels import class_names

if TYPE_CHECKING:  # timm takes seconds to import, and a scene reading a cached trace never needs it
    from timm.models.vision_transformer import Block, VisionTransformer


@dataclass
class Dims:
    D: int  # token width
    H: int  # attention heads
    head_dim: int
    P: int  # patch side in pixels
    grid: int  # patches per image side
    N: int  # patch tokens, grid * grid
    depth: int  # transformer blocks
    num_classes: int
    model_name: str

    @property
    def T(self) -> int:
        return self.N + 1  # the CLS token comes first


@dataclass
class BlockTrace:
    ln1: torch.Tensor  # (T, D) input of attention, after LayerNorm 1
    q: torch.Tensor  # (H, T, d)
    k: torch.Tensor  # (H, T, d)
    v: torch.Tensor  # (H, T, d)
    scores: torch.Tensor  # (H, T, T) q k^T / sqrt(d), before softmax
    attn: torch.Tensor  # (H, T, T) softmax over keys: row i says where token i looks
    attn_out: torch.Tensor  # (T, D) heads concatenated, after the output projection
    x_mid: torch.Tensor  # (T, D) after the first residual
    ln2: torch.Tensor  # (T, D)
    mlp_hidden: torch.Tensor  # (T, 4D) after GELU
    out: torch.Tensor  # (T, D) block output, after the second residual


@dataclass
class Trace:
    dims: Dims
    input: torch.Tensor  # (3, S, S) normalised pixels
    picture: np.ndarray | None  # (S, S, 3) uint8, what the viewer sees
    patches: torch.Tensor  # (N, 3*P*P) normalised patches, raster order, flattened (channel, y, x)
    patch_pixels: np.ndarray | None  # (N, P, P, 3) uint8 crops of the picture
    patch_tokens: torch.Tensor  # (N, D) = patches @ W.T + b, raster order
    cls: torch.Tensor  # (D,) learned CLS token
    pos: torch.Tensor  # (T, D) learned position embeddings
    x0: torch.Tensor  # (T, D) input of block 0
    blocks: list[BlockTrace]
    final: torch.Tensor  # (T, D) after the final LayerNorm
    cls_feature: torch.Tensor  # (D,) what the classifier reads
    logits: torch.Tensor  # (num_classes,)
    probs: torch.Tensor  # (num_classes,)
    top5: list[tuple[int, str, float]]
    drop_position: bool = False
    # permutation[j] = raster index of the image patch sitting in token slot j+1 (None: raster order)
    permutation: torch.Tensor | None = None
    labels: list[str] = field(default_factory=list, repr=False)


def dims_of(model: VisionTransformer) -> Dims:
    """The sizes of this model, read from the model itself."""
    _check_supported(model)
    embed = model.patch_embed
    D = model.embed_dim
    heads = model.blocks[0].attn.num_heads
    return Dims(
        D=D,
        H=heads,
        head_dim=D // heads,
        P=embed.patch_size[0],
        grid=embed.grid_size[0],
        N=embed.num_patches,
        depth=len(model.blocks),
        num_classes=model.num_classes,
        model_name=_model_name(model),
    )


@torch.no_grad()
def trace(model: VisionTransformer, image, *, drop_position: bool = False, permutation=None) -> Trace:
    dims = dims_of(model)
    x, picture = _input_of(image, model)
    P, g = dims.P, dims.grid

    # Patch embedding. The conv with stride = kernel = P is the same as cutting the image into P x P tiles
    # and multiplying each flattened tile by one matrix; we do the latter because that is what we explain.
    patches = x.reshape(3, g, P, g, P).permute(1, 3, 0, 2, 4).reshape(dims.N, 3 * P * P)
    proj = model.patch_embed.proj
    patch_tokens = patches @ proj.weight.reshape(dims.D, -1).T + proj.bias

    cls = model.cls_token[0, 0]
    pos = model.pos_embed[0]
    tokens = patch_tokens
    if permutation is not None:
        permutation = _check_permutation(permutation, dims.N)
        tokens = tokens[permutation]
    x0 = torch.cat([cls[None], tokens])
    if not drop_position:
        x0 = x0 + pos
    x0 = norm_forward(model.norm_pre, x0)

    blocks, h = [], x0
    for blk in model.blocks:
        bt = block_forward(blk, h)
        blocks.append(bt)
        h = bt.out

    final = norm_forward(model.norm, h)
    # 'token' pooling reads the CLS token; 'avg' (some variants) averages the patch tokens instead.
    pooled = final[0] if model.global_pool == "token" else final[1:].mean(0)
    cls_feature = norm_forward(model.fc_norm, pooled)
    logits = linear_forward(cls_feature, model.head)
    probs = logits.softmax(-1)

    labels = class_names(model)
    top = probs.topk(min(5, dims.num_classes))
    top5 = [(int(i), labels[int(i)], float(p)) for p, i in zip(top.values, top.indices)]
    return Trace(
        dims=dims,
        input=x,
        picture=picture,
        patches=patches,
        patch_pixels=_cut_patches(picture, P, g),
        patch_tokens=patch_tokens,
        cls=cls.clone(),
        pos=pos.clone(),
        x0=x0,
        blocks=blocks,
        final=final,
        cls_feature=cls_feature,
        logits=logits,
        probs=probs,
        top5=top5,
        drop_position=drop_position,
        permutation=permutation,
        labels=labels,
    )


def block_forward(blk: Block, x: torch.Tensor) -> BlockTrace:
    attn = blk.attn
    T, D = x.shape
    H = attn.num_heads

    ln1 = norm_forward(blk.norm1, x)
    # One matrix makes q, k and v for all heads at once; split it into (3, H, T, d).
    qkv = linear_forward(ln1, attn.qkv).reshape(T, 3, H, D // H).permute(1, 2, 0, 3)
    q, k, v = qkv[0], qkv[1], qkv[2]
    scores = (q * attn.scale) @ k.transpose(-2, -1)
    weights = scores.softmax(dim=-1)
    heads = (weights @ v).transpose(0, 1).reshape(T, D)  # concatenate the heads side by side
    attn_out = linear_forward(heads, attn.proj)
    x_mid = x + _scale(blk.ls1, attn_out)

    ln2 = norm_forward(blk.norm2, x_mid)
    mlp_hidden = blk.mlp.act(linear_forward(ln2, blk.mlp.fc1))
    out = x_mid + _scale(blk.ls2, linear_forward(mlp_hidden, blk.mlp.fc2))
    return BlockTrace(ln1, q, k, v, scores, weights, attn_out, x_mid, ln2, mlp_hidden, out)


def linear_forward(x: torch.Tensor, layer: torch.nn.Linear) -> torch.Tensor:
    y = x @ layer.weight.T
    return y if layer.bias is None else y + layer.bias


def norm_forward(norm: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """LayerNorm over the last axis, written out; an Identity (no norm at that place) passes x through."""
    if isinstance(norm, torch.nn.Identity):
        return x
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)  # LayerNorm uses the biased variance
    y = (x - mean) / torch.sqrt(var + norm.eps)
    if norm.weight is not None:
        y = y * norm.weight
    if norm.bias is not None:
        y = y + norm.bias
    return y


def _scale(ls: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """LayerScale (CaiT / DeiT-III): a learned per-channel gain on each residual branch."""
    from timm.layers import LayerScale

    return x * ls.gamma if isinstance(ls, LayerScale) else x


def _input_of(image, model) -> tuple[torch.Tensor, np.ndarray | None]:
    if isinstance(image, LoadedImage):
        x, picture = image.tensor, image.picture
    elif torch.is_tensor(image):
        x, picture = image, None
    else:
        raise TypeError(f"trace() wants a LoadedImage or a (1, 3, H, W) tensor, not {type(image).__name__}")
    size = tuple(model.patch_embed.img_size)
    if x.dim() == 4 and x.shape[0] == 1:
        x = x[0]
    if tuple(x.shape) != (3, *size):
        raise UserError(f"image tensor has shape {tuple(x.shape)}; this model needs (1, 3, {size[0]}, {size[1]})")
    return x.detach().float().cpu(), picture


def _cut_patches(picture: np.ndarray | None, P: int, g: int) -> np.ndarray | None:
    if picture is None:
        return None
    return picture.reshape(g, P, g, P, 3).transpose(0, 2, 1, 3, 4).reshape(g * g, P, P, 3).copy()


def _check_permutation(permutation, n: int) -> torch.Tensor:
    perm = torch.as_tensor(permutation, dtype=torch.long)
    if perm.shape != (n,) or not torch.equal(perm.sort().values, torch.arange(n)):
        raise ValueError(f"permutation must be an ordering of the {n} patch indices 0..{n - 1}")
    return perm


def _model_name(model) -> str:
    cfg = getattr(model, "pretrained_cfg", {}) or {}
    arch, tag = cfg.get("architecture"), cfg.get("tag")
    if arch:
        return f"{arch}.{tag}" if tag else arch
    return type(model).__name__


def _check_supported(model) -> None:
    """Our hand-written forward covers the classic ViT; refuse variants whose maths it does not do."""
    from timm.layers import Mlp
    from timm.models.vision_transformer import Attention, Block, VisionTransformer

    if not isinstance(model, VisionTransformer):
        raise UserError(f"{type(model).__name__} is not a timm VisionTransformer")
    problems = []
    if model.cls_token is None or model.num_prefix_tokens != 1:
        problems.append("needs exactly one CLS token and no register tokens")
    if model.pos_embed is None or model.no_embed_class:
        problems.append("needs a learned position embedding that includes the CLS slot")
    if model.global_pool not in ("token", "avg"):
        problems.append(f"global_pool {model.global_pool!r}")
    if not isinstance(model.patch_embed.norm, torch.nn.Identity):
        problems.append("norm after patch embedding")
    if model.patch_embed.patch_size[0] != model.patch_embed.patch_size[1]:
        problems.append("non-square patches")
    if not isinstance(model.head, torch.nn.Linear):
        problems.append("classifier head is not one linear layer")
    for norm in (model.norm_pre, model.norm, model.fc_norm):
        if not isinstance(norm, (torch.nn.Identity, torch.nn.LayerNorm)):
            problems.append(f"{type(norm).__name__} instead of LayerNorm")
    for blk in model.blocks:
        if type(blk) is not Block or type(blk.attn) is not Attention or type(blk.mlp) is not Mlp:
            problems.append(f"block type {type(blk).__name__}")
            break
        odd = [n for n in ("q_norm", "k_norm", "norm") if not isinstance(getattr(blk.attn, n), torch.nn.Identity)]
        if odd or getattr(blk.attn, "gate", None) is not None:
            problems.append("attention with q/k norm or gating")
            break
        if not isinstance(blk.mlp.norm, torch.nn.Identity) or not isinstance(blk.mlp.act, torch.nn.GELU):
            problems.append("MLP that is not Linear-GELU-Linear")
            break
        if not all(isinstance(n, torch.nn.LayerNorm) for n in (blk.norm1, blk.norm2)):
            problems.append("blocks without LayerNorm")
            break
    if problems:
        raise UserError(f"unsupported ViT variant for the explicit trace: {'; '.join(problems)}")
