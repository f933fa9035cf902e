"""Patch-level facts the lessons show, computed from the trace and the photo."""
from __future__ import annotations

from pathlib import Path

import numpy as np

import vitmath

# On the course photo the cat (pasted at x, y = 112..224, see vitmath/assets/PROVENANCE.md) has its left eye
# around this pixel; it makes the most telling single patch to open up.
COURSE_PHOTO_EYE = (150, 150)  # (x, y) in the 224 x 224 picture


def is_course_photo(image: str | None) -> bool:
    return image is None or Path(image).resolve() == Path(vitmath.DEFAULT_IMAGE).resolve()


def photo_description(image: str | None) -> str:
    if is_course_photo(image):
        return "an astronaut, with a cat pasted into the corner"
    return f"your photo, {Path(image).name}"


def example_patch(trace, image: str | None) -> tuple[int, str]:
    """The patch a lesson opens up, and how the narration names it."""
    P, grid = trace.dims.P, trace.dims.grid
    if is_course_photo(image):
        x, y = COURSE_PHOTO_EYE
        return (y // P) * grid + (x // P), "which holds part of the cat's eye"
    # Elsewhere: the patch with the most going on in it (largest pixel spread).
    spread = np.asarray(trace.patch_pixels).reshape(trace.dims.N, -1).std(axis=1)
    return int(spread.argmax()), "the most detailed patch of the photo"


def flatten_patch(pixels: np.ndarray) -> np.ndarray:
    """A (P, P, 3) patch read channel by channel, row by row: the order the projection's weights expect."""
    return np.ascontiguousarray(np.asarray(pixels).transpose(2, 0, 1)).reshape(-1)


def conv_check(inputs, trace):
    from vitmath.patchify import conv_patchify

    return conv_patchify(vitmath.load_model(inputs.model, inputs.weights), trace)
