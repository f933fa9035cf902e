"""Named regions of a photo (e.g. "cat", "person"), mapped onto the model's patch grid.

A region is known only where a file says so: `<photo stem>.regions.json` beside the photo, holding boxes in
the photo file's own pixels (see assets/cat_person_composite_224.regions.json and PROVENANCE.md). Any other
photo has no regions, and a lesson then speaks of patches and attention mass, never of objects.

The boxes are drawn into a mask image and sent through the model's own PIL preprocessing (timm's data config:
resize, centre crop), exactly as the photo is, so a region lands on the patches the model really sees it in.
Coverage rule: a patch belongs to a region when at least half of its pixels come from the region.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vitmath.errors import UserError

COVERAGE = 0.5  # the share of a patch's pixels that must come from a region for the patch to belong to it


@dataclass
class Region:
    name: str
    words: str             # how the narration names it, e.g. "the cat square"
    how: str               # where the region comes from (exact by construction, or drawn by eye)
    coverage: np.ndarray   # (grid, grid) share of each patch's pixels that come from the region
    patches: np.ndarray    # (grid, grid) bool: coverage >= COVERAGE

    @property
    def indices(self) -> list[int]:
        """Raster indices of the region's patches."""
        return [int(i) for i in np.flatnonzero(self.patches.ravel())]


def regions_file(image_path) -> Path:
    p = Path(image_path)
    return p.with_name(p.stem + ".regions.json")


def load_region_boxes(image_path) -> dict | None:
    """The parsed regions file of a photo, or None when the photo has none."""
    path = regions_file(image_path)
    if not path.is_file():
        return None
    try:
        spec = json.loads(path.read_text())
        size = tuple(spec["image_size"])
        regions = spec["regions"]
    except (ValueError, KeyError, TypeError) as err:
        raise UserError(f"regions file {path} is not valid ({err})") from err
    with Image.open(image_path) as im:
        if tuple(im.size) != size:
            raise UserError(f"regions file {path} is for a {size[0]}x{size[1]} image, the photo is "
                            f"{im.width}x{im.height}")
    return {"size": size, "regions": regions}


def _box_mask(size: tuple[int, int], box) -> np.ndarray:
    """(h, w) float mask, 1 inside the box [x0, x1) x [y0, y1)."""
    w, h = size
    x0, y0, x1, y1 = (int(v) for v in box)
    m = np.zeros((h, w), np.float64)
    m[max(y0, 0):min(y1, h), max(x0, 0):min(x1, w)] = 1.0
    return m


def _through_preprocessing(mask: np.ndarray, pil_steps) -> np.ndarray:
    """The mask as the model sees it: the same resize and crop as the photo, values in [0, 1]."""
    im = Image.fromarray(np.rint(mask * 255).astype(np.uint8))  # 2-D uint8: mode "L"
    for step in pil_steps:
        im = step(im)
    return np.asarray(im, dtype=np.float64) / 255.0


def patch_coverage(seen: np.ndarray, grid: int) -> np.ndarray:
    """(grid, grid) mean of an (S, S) mask over each patch."""
    P = seen.shape[0] // grid
    return seen[: grid * P, : grid * P].reshape(grid, P, grid, P).mean(axis=(1, 3))


def model_pil_steps(model) -> list:
    """The resize/crop steps of timm's transform for this model (the same split as vitmath.image)."""
    from timm.data import create_transform, resolve_data_config

    from vitmath.image import is_tensor_step

    transform = create_transform(**resolve_data_config({}, model=model))
    return [t for t in transform.transforms if not is_tensor_step(t)]


def photo_regions(image_path, model, grid: int) -> dict[str, Region]:
    """Every region the photo's regions file names, mapped to patches; {} for a photo without one."""
    spec = load_region_boxes(image_path)
    if spec is None:
        return {}
    steps = model_pil_steps(model)
    masks: dict[str, np.ndarray] = {}
    for name, r in spec["regions"].items():
        if "box" in r:
            masks[name] = _box_mask(spec["size"], r["box"])
    for name, r in spec["regions"].items():
        if "complement_of" in r:
            masks[name] = 1.0 - masks[r["complement_of"]]
    out = {}
    for name, r in spec["regions"].items():
        cov = patch_coverage(_through_preprocessing(masks[name], steps), grid)
        out[name] = Region(name, r.get("words", name), r.get("how", ""), cov, cov >= COVERAGE)
    return out
