"""Receptive fields of a real CNN, for contrast with the ViT whose every token sees the whole image from block 0.

Theoretical receptive field: from the kernel, stride and dilation of the actual conv and pooling modules.
Effective receptive field (Luo et al. 2016): the input gradient of the centre output unit, which shows that
the pixels that really matter form a small blob well inside the theoretical square.

A freshly built timm ResNet zero-initialises the last norm of every residual branch (`zero_init_last`), so at
initialisation each block is the identity and no gradient passes through its 3x3 convs: the "effective field"
would then be the stem's alone, whatever the depth. `build_cnn` gives those norms unit scale (as a trained
network's are nonzero), so the gradient measures the whole main path.
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
    start: float = 0.0  # input pixel (row or column) at the centre of output unit 0: unit u is at start + u * jump


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
    model = build_cnn(model_name, pretrained, seed)
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


def build_cnn(model_name: str = "resnet18", pretrained: bool = False, seed: int = 0) -> nn.Module:
    """A timm CNN in eval mode: seeded random init (no download) unless pretrained; see the module note on
    zero-initialised residual branches."""
    torch.manual_seed(seed)
    try:
        model = timm.create_model(model_name, pretrained=pretrained)
    except Exception as err:
        raise UserError(
            f"cannot build CNN {model_name!r} (pretrained={pretrained}): {str(err).splitlines()[0]}"
        ) from err
    if not pretrained:
        for m in model.modules():
            weight = getattr(m, "weight", None)
            if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)) and weight is not None and not weight.any():
                nn.init.ones_(weight)
    return model.eval()


def theoretical_receptive_fields(model: nn.Module) -> list[LayerRF]:
    """Walk the main path's conv and pooling layers in order:
    size += (k - 1) * dilation * jump;  start += ((k - 1) * dilation / 2 - padding) * jump;  jump *= stride."""
    size, jump, start, out = 1, 1, 0.0, []
    for name, module in model.named_modules():
        if not isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            continue
        if any(part in _SIDE_BRANCHES for part in name.split(".")):
            continue
        k, s, d = (_first(getattr(module, a, 1)) for a in ("kernel_size", "stride", "dilation"))
        pad = getattr(module, "padding", 0)
        p = (k - 1) * d / 2 if isinstance(pad, str) else _first(pad)  # "same" padding centres the window
        size += (k - 1) * d * jump
        start += ((k - 1) * d / 2 - p) * jump
        jump *= s
        out.append(LayerRF(name, k, s, d, jump, size, start))
    return out


@dataclass
class UnitField:
    """One output unit of one block, the input pixels it can see (theory) and how much each one counts (gradient)."""

    name: str  # module whose output holds the unit, e.g. "layer2.1"
    convs: int  # conv layers on the main path up to and including this module
    jump: int  # input pixels between neighbouring units of this output
    theoretical: int  # receptive field side in input pixels (may exceed the image)
    unit: tuple[int, int]  # (row, column) of the unit in this module's output
    centre: tuple[float, float]  # (y, x) of its receptive field's centre, in input pixels
    grad: torch.Tensor  # (S, S) |d unit / d input|, summed over input channels, scaled to max 1
    erf_size: int  # side of the smallest square centred on `centre` holding 90% of that gradient

    def box(self) -> tuple[float, float, float, float]:
        """(top, bottom, left, right) input pixel rows/columns of the theoretical field, inclusive, unclipped."""
        half = (self.theoretical - 1) / 2
        (y, x) = self.centre
        return y - half, y + half, x - half, x + half

    def covers(self, top: int, bottom: int, left: int, right: int) -> bool:
        """Does the theoretical field reach any pixel of the box rows top..bottom, columns left..right?"""
        t, b, l, r = self.box()
        return t <= bottom and b >= top and l <= right and r >= left


def block_points(model: nn.Module) -> list[str]:
    """The modules whose outputs we follow, in forward order: each feature stage, split into its blocks where
    the stage is a sequence of blocks (ResNet's layer1 -> layer1.0, layer1.1, ...)."""
    modules = dict(model.named_modules())
    points = []
    for info in model.feature_info:
        stage = modules[info["module"]]
        if isinstance(stage, nn.Sequential) and len(stage) > 1:
            points += [f"{info['module']}.{child}" for child, _ in stage.named_children()]
        else:
            points.append(info["module"])
    return points


def unit_fields(model: nn.Module, x: torch.Tensor, target: tuple[float, float],
                points: list[str] | None = None, share: float = 0.9) -> list[UnitField]:
    """For each block output: the unit whose field is centred nearest `target` (y, x in input pixels), its
    theoretical field, and its effective field: the gradient of that unit (all channels at that position,
    summed) with respect to the input x (1, 3, S, S), as in Luo et al. 2016."""
    points = points or block_points(model)
    layers = theoretical_receptive_fields(model)
    names = [n for n, _ in model.named_modules()]
    modules = dict(model.named_modules())
    outputs = {}
    handles = [modules[p].register_forward_hook(lambda _m, _i, o, key=p: outputs.__setitem__(key, o)) for p in points]
    x = x.detach().clone().requires_grad_(True)
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    fields = []
    for p in points:
        out = outputs[p]
        last = _last_layer_of(p, names, layers)
        jump, start, size = (last.jump, last.start, last.size) if last else (1, 0.0, 1)
        convs = sum(isinstance(modules[layer.name], nn.Conv2d) for layer in layers[: layers.index(last) + 1]) if last else 0
        unit = tuple(int(min(max(round((t - start) / jump), 0), n - 1)) for t, n in zip(target, out.shape[2:]))
        centre = tuple(float(start + u * jump) for u in unit)
        (grad,) = torch.autograd.grad(out[0, :, unit[0], unit[1]].sum(), x, retain_graph=True)
        g = grad[0].abs().sum(0)
        g = (g / g.max()).detach()
        fields.append(UnitField(p, convs, jump, size, unit, centre, g, _square_around(g, centre, share)))
    return fields


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
    return _square_around(erf, (h // 2, w // 2), share)


def _square_around(erf: torch.Tensor, centre: tuple[float, float], share: float) -> int:
    """Side of the smallest square centred on pixel `centre` (y, x) that holds `share` of the map's mass."""
    h, w = erf.shape
    cy, cx, total = int(round(centre[0])), int(round(centre[1])), erf.sum()
    for r in range(2 * max(h, w)):
        if erf[max(cy - r, 0) : cy + r + 1, max(cx - r, 0) : cx + r + 1].sum() >= share * total:
            return 2 * r + 1
    return 2 * max(h, w) + 1


def _first(value) -> int:
    return int(value[0] if isinstance(value, (tuple, list)) else value)
