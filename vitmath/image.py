"""Turning a photo file into exactly what the model sees, and what the viewer is shown.

The preprocessing is timm's own data config for the model (resize, centre crop, normalise), so our numbers
match what anyone running that model through timm gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from vitmath.errors import UserError

# A photo smaller than one ViT patch holds too little to say anything about; reject it instead of upscaling noise.
MIN_SIDE = 16


@dataclass
class LoadedImage:
    tensor: torch.Tensor  # (1, 3, H, W) float32, normalised for the model
    picture: np.ndarray  # (H, W, 3) uint8: the same crop, before normalisation
    path: Path


def load_image(path, model) -> LoadedImage:
    path = Path(path).expanduser()
    from timm.data import create_transform, resolve_data_config  # here: timm takes seconds to import

    rgb = open_rgb(path)
    transform = create_transform(**resolve_data_config({}, model=model))
    # timm's transform is PIL steps (resize, crop) then ToTensor + Normalize; we split it there so the
    # picture shown on screen is precisely the crop whose pixels the model receives.
    pil_steps = [t for t in transform.transforms if not is_tensor_step(t)]
    tensor_steps = [t for t in transform.transforms if is_tensor_step(t)]
    cropped = rgb
    for step in pil_steps:
        cropped = step(cropped)
    tensor = cropped
    for step in tensor_steps:
        tensor = step(tensor)
    picture = np.asarray(cropped, dtype=np.uint8).copy()
    refuse_uniform(picture, model.patch_embed.patch_size[0], path)
    return LoadedImage(tensor=tensor.unsqueeze(0).float(), picture=picture, path=path)


def refuse_uniform(picture: np.ndarray, patch: int, path: Path) -> None:
    """Lessons compare the patches (their likeness, their spread, what attention makes of their differences);
    where every patch the model sees is the same, those comparisons are 0 / 0, so such a photo is refused."""
    g = min(picture.shape[:2]) // patch
    tiles = picture[: g * patch, : g * patch].reshape(g, patch, g, patch, -1).swapaxes(1, 2).reshape(g * g, -1)
    if (tiles == tiles[0]).all():
        raise UserError(f"every {patch}x{patch} patch of the photo the model sees is the same (a flat or tiled "
                        f"picture), so there is nothing to compare: {path}")


def is_tensor_step(step) -> bool:
    return type(step).__name__ in ("ToTensor", "MaybeToTensor", "Normalize", "ToNumpy", "MaybePILToTensor")


def open_rgb(path: Path) -> Image.Image:
    if not path.exists():
        raise UserError(f"image not found: {path}")
    if not path.is_file():
        raise UserError(f"not a file: {path}")
    # A half-written download must fail loudly, not turn silently into a grey bottom half.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        img = Image.open(path)
        img.load()
    except UnidentifiedImageError as err:
        raise UserError(f"not an image Pillow can read: {path}") from err
    except Image.DecompressionBombError as err:
        raise UserError(f"image is too large to load safely: {path}") from err
    except (OSError, SyntaxError, ValueError) as err:
        raise UserError(f"image file is damaged or truncated: {path} ({err})") from err

    img = ImageOps.exif_transpose(img)  # phone photos store "rotate me" in EXIF instead of rotating pixels
    if min(img.size) < MIN_SIDE:
        raise UserError(f"image is {img.width}x{img.height}; it must be at least {MIN_SIDE}x{MIN_SIDE} pixels: {path}")
    return _to_rgb(img)


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        img = _wide_gray_to_8bit(img)
    if img.mode == "P":
        img = img.convert("RGBA")  # palette images may carry transparency
    if img.mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        # Fully transparent pixels often hold arbitrary (usually black) colour; compositing on white shows the
        # model what a person sees in a viewer, instead of the hidden colour under the alpha.
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("RGB")  # also grayscale, CMYK, YCbCr and LAB


def _wide_gray_to_8bit(img: Image.Image) -> Image.Image:
    values = np.asarray(img, dtype=np.float64)
    if img.mode == "F":
        lo, hi = float(values.min()), float(values.max())
        scaled = (values - lo) / (hi - lo or 1.0) * 255.0
    else:
        # 16-bit PNGs arrive as I;16 or I holding 0..65535; 65535 / 257 = 255 maps the full range exactly.
        scaled = np.clip(values, 0, 65535) / 257.0
    return Image.fromarray(np.round(scaled).astype(np.uint8))  # 2-D uint8 -> mode "L"
