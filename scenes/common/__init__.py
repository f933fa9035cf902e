"""Shared building blocks for the lesson scenes."""

from .pixel_image import (
    COLORMAPS,
    FastCamera,
    FastImageScene,
    FastMovingCamera,
    FastMovingCameraScene,
    PixelImage,
    heatmap_image,
    heatmap_rgba,
    to_rgba_uint8,
)

__all__ = [
    "COLORMAPS",
    "FastCamera",
    "FastImageScene",
    "FastMovingCamera",
    "FastMovingCameraScene",
    "PixelImage",
    "heatmap_image",
    "heatmap_rgba",
    "to_rgba_uint8",
]
