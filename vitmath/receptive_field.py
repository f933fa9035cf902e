"""Receptive fields of a real CNN, for contrast with the ViT whose every token sees the whole image from block 0.

Theoretical receptive field: from the kernel, stride and dilation of the actual conv and pooling modules.
Effective receptive field (Luo et al. 2016): the input gradient of the centre output unit, which shows that
the pixels that really matter form a small blob well inside the theoretical square.
"""

from __future__ import annotations

from dataclasses import dataclass

import timm
import torch
from torch import nn

from vitmath.errors import UserError

# Parallel shortcut branches do not widen the main path's receptive field.
_SIDE_BRANCHES = ("downsample", "shortcut")


@dataclass
class LayerRF:
    name: str
    kernel: int
    stride: int
    dilation: int
    jump: int  # input pixels between neighbouring output units
    size: int  # theoretical receptive field side, in input pixels


@dataclass
class StageRF:
    name: str  # module whose output this is, e.g. "layer2"
    reduction: int  # output stride of the stage
    theoretical: int  # receptive field side in pixels
    erf: torch.Tensor  # (S, S) |d centre unit / d input|, scaled to max 1
    erf_size: int  # side of the smallest centred square holding 90% of that gradient


@dataclass
class CNNReceptiveFields:
    model_name: str
    input_size: int
    layers: list[LayerRF]
    stages: list[StageRF]


def cnn_receptive_fields(
    model_name: str = "resnet18", pretrained: bool = False, input_size: int = 224, samples: int = 4, seed: int = 0
) -> CNNReceptiveFields:
    """Theoretical and effective receptive field of each stage of a timm CNN (random init unless pretrained)."""
    try:
        model = timm.create_model(model_name, pretrained=pretrained).eval()
    except Exception as err:
        raise UserError(
            f"cannot build CNN {model_name!r} (pretrained={pretrained}): {str(err).splitlines()[0]}"
        ) from err
    layers = theoretical_receptive_fields(model)
    stages = []
    names = [n for n, _ in model.named_modules()]
    for info, erf in zip(model.feature_info, _effective_fields(model, input_size, samples, seed)):
        last = _last_layer_of(info["module"], names, layers)
        stages.append(
            StageRF(
                name=info["module"],
                reduction=info["reduction"],
                theoretical=last.size if last else 1,
                erf=erf,
                erf_size=_central_square(erf, 0.9),
            )
        )
    return CNNReceptiveFields(model_name, input_size, layers, stages)


def theoretical_receptive_fields(model: nn.Module) -> list[LayerRF]:
    """Walk the main path's conv and pooling layers in order: size += (k - 1) * dilation * jump; jump *= stride."""
    size, jump, out = 1, 1, []
    for name, module in model.named_modules():
        if not isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            continue
        if any(part in _SIDE_BRANCHES for part in name.split(".")):
            continue
        k, s, d = (_first(getattr(module, a, 1)) for a in ("kernel_size", "stride", "dilation"))
        size += (k - 1) * d * jump
        jump *= s
        out.append(LayerRF(name, k, s, d, jump, size))
    return out


def _effective_fields(model: nn.Module, input_size: int, samples: int, seed: int) -> list[torch.Tensor]:
    """Back-propagate from the centre unit of each stage output to random input images (Luo et al. 2016)."""
    outputs = {}
    modules = dict(model.named_modules())
    handles = [
        modules[info["module"]].register_forward_hook(lambda _m, _i, o, key=info["module"]: outputs.__setitem__(key, o))
        for info in model.feature_info
    ]
    try:
        x = torch.randn(samples, 3, input_size, input_size, generator=torch.Generator().manual_seed(seed))
        x.requires_grad_(True)
        model(x)
    finally:
        for h in handles:
            h.remove()
    fields = []
    for info in model.feature_info:
        out = outputs[info["module"]]
        centre = out[:, :, out.shape[2] // 2, out.shape[3] // 2].sum()
        (grad,) = torch.autograd.grad(centre, x, retain_graph=True)
        erf = grad.abs().sum(1).mean(0)
        fields.append((erf / erf.max()).detach())
    return fields


def _last_layer_of(stage: str, names: list[str], layers: list[LayerRF]) -> LayerRF | None:
    """The last main-path layer registered before the stage module's subtree ends (registration = forward order)."""
    inside = [i for i, n in enumerate(names) if n == stage or n.startswith(stage + ".")]
    end = max(inside)
    position = {n: i for i, n in enumerate(names)}
    before = [layer for layer in layers if position[layer.name] <= end]
    return before[-1] if before else None


def _central_square(erf: torch.Tensor, share: float) -> int:
    """Side of the smallest square centred on the image centre that holds `share` of the map's mass."""
    h, w = erf.shape
    cy, cx, total = h // 2, w // 2, erf.sum()
    for r in range(max(h, w)):
        if erf[max(cy - r, 0) : cy + r + 1, max(cx - r, 0) : cx + r + 1].sum() >= share * total:
            return 2 * r + 1
    return max(h, w)


def _first(value) -> int:
    return int(value[0] if isinstance(value, (tuple, list)) else value)
