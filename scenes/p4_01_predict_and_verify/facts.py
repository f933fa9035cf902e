"""The maps the predict-and-verify lesson reveals, and the measured facts its narration is chosen from.

    maps = cached_verify_maps(model_name, weights, image)

Every map is (grid, grid) in image (raster) layout, from the trace of the photo through the model:
  - CLS attention per head in every block (vitmath.analyses), the last block's per head;
  - one query patch's attention in block 1, per head (the query chosen by a stated rule, see choose_query);
  - attention rollout (Abnar & Zuidema 2020), the CLS row over the patches;
  - DINO-style masks: per head, the fewest patches holding 60% of the last block's CLS attention (Caron 2021);
  - class-specific relevance for the top-5 classes (vitmath.class_maps, Chefer et al. 2021);
  - the norm of every patch token after every block (Darcet et al. 2023 look for high-norm outliers), on this
    photo and on a second one (are the outliers the same patches whatever the photo shows?).
Regions (vitmath.regions) come only from a regions file shipped with the photo; other photos have none.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from vitmath.analyses import all_cls_attention_maps, attention_mask, attention_rollout
from vitmath.cache import cached
from vitmath.sources import ASSETS, input_key, resolve_image

OTHER_PHOTOS = ("chelsea.png", "astronaut.png")  # in vitmath/assets, see PROVENANCE.md
MASK_KEEP = 0.6      # DINO keeps the patches holding 60% of the attention mass (Caron et al. 2021)
QUERY_BLOCK = 0      # "an early head": block 1, the first block


@dataclass
class VerifyMaps:
    grid: int
    depth: int
    heads: int
    cls_all: np.ndarray           # (depth, H, g, g) CLS -> patch attention weights, every block and head
    query: int                    # raster index of the query patch of round 2
    query_rule: str               # "face" (the photo's face region) or "centre" (no regions file)
    query_maps: np.ndarray        # (H, g, g) that query's attention weights to the patches in block 1
    query_self_cls: np.ndarray    # (H,) the weight the query gives to CLS in block 1 (not on the map)
    rollout: np.ndarray           # (g, g) rollout row of CLS over the patches (raw weights)
    rollout_cls: float            # the rollout weight CLS keeps on itself
    masks: np.ndarray             # (H, g, g) bool, DINO-style masks of the last block's CLS maps
    top5: list                    # the trace's top-5: (class index, label, probability)
    class_maps: np.ndarray        # (5, g, g) class relevance of each top-5 class
    second: int                   # rank (0-based) of the class shown beside the top-1, see choose_second
    class_cosines: np.ndarray     # (5,) cosine similarity of each class map to the top-1's map
    norms: np.ndarray             # (depth, g, g) norm of each patch token after each block
    cls_norms: np.ndarray         # (depth,) norm of the CLS token after each block
    other_image: str = ""         # a second photo (an asset file name), run through the same model ...
    other_norms: np.ndarray | None = None  # (depth, g, g) ... its patch-token norms: do outliers sit elsewhere?
    regions: dict = field(default_factory=dict)  # name -> vitmath.regions.Region (empty without a regions file)

    @property
    def cls_last(self) -> np.ndarray:
        """(H, g, g) the last block's CLS maps."""
        return self.cls_all[-1]


def choose_query(regions: dict, grid: int) -> tuple[int, str]:
    """The query patch: with a face region, the first patch in reading order that the face covers most
    (its largest coverage); otherwise the patch at the image centre (row grid // 2, column grid // 2)."""
    face = regions.get("face")
    if face is not None and face.patches.any():
        cov = face.coverage.ravel()
        return int(np.flatnonzero(cov == cov.max())[0]), "face"
    return (grid // 2) * grid + grid // 2, "centre"


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    den = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / den) if den > 0 else 0.0


def choose_second(top5: list, class_maps: np.ndarray) -> tuple[int, np.ndarray]:
    """The class shown beside the top-1: the most probable of ranks 2..5 whose name shares no word with the
    top-1's name (so not "Egyptian cat" beside "tiger cat"); rank 2 if every name shares one. Also returns
    each class map's cosine similarity to the top-1's map."""
    cos = np.array([cosine(class_maps[0], m) for m in class_maps])
    first = set(top5[0][1].lower().replace(",", " ").split())
    for rank in range(1, len(top5)):
        if not first & set(top5[rank][1].lower().replace(",", " ").split()):
            return rank, cos
    return 1, cos


def token_norms(tr) -> np.ndarray:
    """(depth, g, g) the norm of every patch token after every block."""
    d = tr.dims
    return torch.stack([b.out[1:].norm(dim=-1) for b in tr.blocks]).reshape(d.depth, d.grid, d.grid).numpy()


def other_photo(image_path) -> Path:
    """The second photo: chelsea.png, or astronaut.png when the lesson's photo is chelsea.png itself."""
    for name in OTHER_PHOTOS:
        if Path(image_path).resolve() != (ASSETS / name).resolve():
            return ASSETS / name
    raise AssertionError("unreachable")


def verify_maps(model, tr, image_path) -> VerifyMaps:
    from vitmath.class_maps import class_relevance
    from vitmath.regions import photo_regions

    d = tr.dims
    g = d.grid
    regions = photo_regions(image_path, model, g)
    cls_all = all_cls_attention_maps(tr).numpy().astype(np.float64)          # (depth, H, g, g)
    query, rule = choose_query(regions, g)
    attn0 = tr.blocks[QUERY_BLOCK].attn                                       # (H, T, T)
    query_maps = attn0[:, 1 + query, 1:].reshape(d.H, g, g).numpy().astype(np.float64)
    roll = attention_rollout(tr)                                              # (T, T)
    masks = np.stack([attention_mask(torch.as_tensor(m), MASK_KEEP).numpy() for m in cls_all[-1]])
    class_maps = np.stack([class_relevance(model, tr.x0, idx).reshape(g, g).numpy() for idx, _, _ in tr.top5])
    second, cos = choose_second(list(tr.top5), class_maps)
    from vitmath.image import load_image
    from vitmath.tracing import trace as run_trace

    other = other_photo(image_path)
    other_tr = run_trace(model, load_image(other, model))
    return VerifyMaps(
        grid=g, depth=d.depth, heads=d.H, cls_all=cls_all, query=query, query_rule=rule,
        query_maps=query_maps, query_self_cls=attn0[:, 1 + query, 0].numpy().astype(np.float64),
        rollout=roll[0, 1:].reshape(g, g).numpy().astype(np.float64), rollout_cls=float(roll[0, 0]),
        masks=masks, top5=list(tr.top5), class_maps=class_maps.astype(np.float64), second=second,
        class_cosines=cos, norms=token_norms(tr).astype(np.float64),
        cls_norms=torch.stack([b.out[0].norm() for b in tr.blocks]).numpy().astype(np.float64),
        other_image=other.name, other_norms=token_norms(other_tr).astype(np.float64), regions=regions)


def cached_verify_maps(model_name=None, weights=None, image=None) -> VerifyMaps:
    def compute():
        from vitmath.cache import cached_trace
        from vitmath.model import load_model

        model = load_model(model_name, weights)
        return verify_maps(model, cached_trace(model_name, weights, image), resolve_image(image))

    # The code is in the key (`cached` digests this module and everything it imports); the regions file is
    # data, so its bytes are: editing a box recomputes the maps.
    from vitmath.regions import regions_file
    from vitmath.sources import file_digest

    rf = regions_file(resolve_image(image))
    parts = [file_digest(rf) if rf.is_file() else "no regions"]
    return cached("verify_maps", [input_key(model_name, weights, image), parts], compute)
