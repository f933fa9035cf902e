"""Loading a pretrained timm Vision Transformer, with every failure turned into one clear UserError.

Where the weights come from, first match wins:
  1. the ``weights`` argument (a .safetensors, .pth/.pt/.bin or Google .npz file; the CLI fills it from
     --weights or the ``VITLESSONS_WEIGHTS`` environment variable, this library reads no environment),
  2. the weights embedded in this package, for the default model,
  3. timm's own pretrained download (needs internet the first time).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from timm.models.vision_transformer import VisionTransformer

from vitmath.errors import UserError
from vitmath import env
from vitmath.sources import ASSETS, DEFAULT_MODEL, DEFAULT_WEIGHTS, resolve_source  # noqa: F401

# How many offending names an error message shows; more would no longer fit on one line.
_SHOW = 4


def load_model(name: str | None = None, weights=None) -> VisionTransformer:
    """A timm Vision Transformer in eval mode, float32, on the CPU."""
    # Here, not at the top: timm takes seconds to import, and a scene reading a cached trace needs no model.
    import timm
    from timm.models.vision_transformer import VisionTransformer

    name, path = resolve_source(name, weights)
    arch, _tag = timm.models.split_model_name_tag(name)
    if not timm.is_model(arch):
        raise UserError(f"unknown timm model name: {name!r} (see timm.list_models('vit_*'))")

    # Build without weights first: it is cheap, and it lets us refuse a CNN before downloading anything.
    try:
        model = timm.create_model(name, pretrained=False)
    except Exception as err:  # e.g. an unknown pretrained tag after the dot
        raise UserError(f"cannot build timm model {name!r} ({_first_line(err)})") from err
    if not isinstance(model, VisionTransformer):
        raise UserError(f"{name!r} is a {type(model).__name__}, not a Vision Transformer; choose a vit_* model")

    if path is not None:
        _load_file(model, path, name)
    else:
        try:
            model = timm.create_model(name, pretrained=True)
        except Exception as err:  # network, hub and missing-tag errors all mean the same thing to the user
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise UserError(
                f"could not get pretrained weights for {name!r} ({reason}); "
                f"provide a weights file with --weights FILE or {env.WEIGHTS}=FILE"
            ) from err
    return model.float().eval()


def _load_file(model: VisionTransformer, path: Path, name: str) -> None:
    suffix = path.suffix.lower()
    if suffix == ".npz":
        _load_npz(model, path, name)
        return
    if suffix == ".safetensors":
        state = _read_safetensors(path)
    elif suffix in (".pth", ".pt", ".bin", ".ckpt"):
        state = _read_torch(path)
    else:
        raise UserError(f"unsupported weights format {suffix or '(none)'!r} for {path}: use .safetensors, .pth or .npz")
    _check_matches(model, state, path, name)
    # Half-precision files (like the embedded one) are widened here, so all the maths runs in float32.
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)


def _read_safetensors(path: Path) -> dict:
    import safetensors.torch

    try:
        return safetensors.torch.load_file(str(path), device="cpu")
    except Exception as err:
        raise UserError(f"weights file {path} is not a readable safetensors file ({_first_line(err)})") from err


def _read_torch(path: Path) -> dict:
    try:
        # weights_only: a weights file must never be able to run code on the user's machine.
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as err:
        raise UserError(f"weights file {path} is not a readable PyTorch checkpoint ({_first_line(err)})") from err
    # Training checkpoints often wrap the state dict.
    for wrapper in ("state_dict", "model", "state_dict_ema", "model_ema"):
        if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
            state = state[wrapper]
            break
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise UserError(f"weights file {path} does not hold a state dict of tensors")
    return state


def _check_matches(model, state: dict, path: Path, name: str) -> None:
    """Refuse any file that would not fill every parameter with a tensor of the right shape."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [
        f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    problems = []
    if wrong:
        problems.append(f"shape mismatch (file vs model): {_few(wrong)}")
    if missing:
        problems.append(f"missing keys: {_few(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {_few(unexpected)}")
    if problems:
        raise UserError(f"weights file {path} does not match model {name!r}: " + "; ".join(problems))


def _load_npz(model: VisionTransformer, path: Path, name: str) -> None:
    """Google big_vision / jax checkpoints, through timm's own converter."""
    before = {k: v.clone() for k, v in model.state_dict().items()}
    try:
        model.load_pretrained(str(path))
    except Exception as err:
        raise UserError(f"weights file {path} does not fit model {name!r} ({_first_line(err)})") from err
    # timm's converter quietly skips a head of the wrong size; an untouched tensor means it was not loaded.
    untouched = [k for k, v in model.state_dict().items() if v.is_floating_point() and torch.equal(v, before[k])]
    if untouched:
        raise UserError(f"weights file {path} does not match model {name!r}: not loaded: {_few(untouched)}")


def _few(names: list[str]) -> str:
    more = f" (+{len(names) - _SHOW} more)" if len(names) > _SHOW else ""
    return ", ".join(names[:_SHOW]) + more


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
