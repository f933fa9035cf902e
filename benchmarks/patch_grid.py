"""Benchmark: 196 image patches flying from the photo grid to a contact sheet.

Renders the same animation three ways, each into a temporary media dir with
caching disabled and no preview:

* naive -- Manim's ImageMobject (nearest resampling) with the stock camera
* ours  -- PixelImage with FastCamera (scenes.common.pixel_image)
* empty -- an empty scene of the same length (every frame rendered + encoded)

Prints the three wall times, and as its LAST line ``ratio: X`` (naive / ours).

    python benchmarks/patch_grid.py [--seconds 10] [--quality high]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PHOTO = ROOT / "vitmath" / "assets" / "cat_person_composite_224.png"

from render.build import QUALITIES  # noqa: E402  (after the sys.path line above)


def patches_from_photo() -> np.ndarray:
    from PIL import Image

    picture = np.asarray(Image.open(PHOTO).convert("RGB"), dtype=np.uint8)
    assert picture.shape == (224, 224, 3), picture.shape
    return np.ascontiguousarray(
        picture.reshape(14, 16, 14, 16, 3).transpose(0, 2, 1, 3, 4).reshape(196, 16, 16, 3)
    )


def load_patches(source: str) -> tuple[np.ndarray, str]:
    """(196,16,16,3) uint8 patches and a description of where they came from."""
    if source in ("auto", "vitmath"):
        try:
            import vitmath

            pix = np.asarray(vitmath.cached_trace().patch_pixels)
            if pix.shape != (196, 16, 16, 3) or pix.dtype != np.uint8:
                raise ValueError(f"unexpected patch_pixels {pix.shape} {pix.dtype}")
            return pix, "vitmath.cached_trace().patch_pixels"
        except Exception as exc:  # noqa: BLE001 - fall back to slicing the photo
            if source == "vitmath":
                raise
            why = f"{type(exc).__name__}: {exc}"[:120]
            return patches_from_photo(), f"PIL slice of {PHOTO.name} (vitmath unavailable: {why})"
    return patches_from_photo(), f"PIL slice of {PHOTO.name}"


def layouts(n: int = 14):
    """Start (photo grid) and end (spread contact sheet) centers, patch side."""
    side = 0.3
    starts = []
    for r in range(n):
        for c in range(n):
            starts.append(np.array([(c - (n - 1) / 2) * side, ((n - 1) / 2 - r) * side, 0.0]))
    cols, rows = 28, 7
    gap = 0.14
    step = side + gap
    ends = []
    for i in range(n * n):
        r, c = divmod(i, cols)
        ends.append(np.array([(c - (cols - 1) / 2) * step, ((rows - 1) / 2 - r) * step, 0.0]))
    return starts, ends, side


def make_scenes(patches: np.ndarray, seconds: float):
    from manim import RESAMPLING_ALGORITHMS, ImageMobject, LaggedStart, Scene

    from scenes.common.pixel_image import FastImageScene, PixelImage

    starts, ends, side = layouts()

    def build(make):
        mobs = []
        for patch, start in zip(patches, starts):
            m = make(patch)
            m.move_to(start)
            mobs.append(m)
        return mobs

    def animate(scene, mobs):
        scene.add(*mobs)
        scene.play(
            LaggedStart(
                *[m.animate.move_to(end).scale(1.2) for m, end in zip(mobs, ends)],
                lag_ratio=0.01,
            ),
            run_time=seconds,
        )

    class NaivePatchGrid(Scene):
        def construct(self):
            def make(p):
                m = ImageMobject(p)
                m.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
                m.height = side
                return m

            animate(self, build(make))

    class FastPatchGrid(FastImageScene):
        def construct(self):
            animate(self, build(lambda p: PixelImage(p, height=side)))

    class EmptyScene(Scene):
        def construct(self):
            self.wait(seconds, frozen_frame=False)

    return NaivePatchGrid, FastPatchGrid, EmptyScene


def time_render(scene_cls, quality: str, media_dir: str) -> float:
    from manim import tempconfig

    options = {
        "quality": QUALITIES[quality][0],
        "media_dir": media_dir,
        "disable_caching": True,
        "preview": False,
        "write_to_movie": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
    }
    with tempconfig(options):
        scene = scene_cls()
        t0 = time.perf_counter()
        scene.render()
        elapsed = time.perf_counter() - t0
    return elapsed


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--quality", choices=sorted(QUALITIES), default="high")
    ap.add_argument(
        "--patches",
        choices=("auto", "vitmath", "pil"),
        default="auto",
        help="where the 196 patches come from (auto: vitmath.cached_trace() if it works)",
    )
    args = ap.parse_args(argv)

    patches, origin = load_patches(args.patches)
    print(f"patches: {patches.shape} from {origin}")
    print(f"quality: {args.quality} ({QUALITIES[args.quality]}), seconds: {args.seconds:g}")
    naive_cls, fast_cls, empty_cls = make_scenes(patches, args.seconds)

    times = {}
    with tempfile.TemporaryDirectory(prefix="patch_grid_") as tmp:
        for name, cls in (("empty", empty_cls), ("ours", fast_cls), ("naive", naive_cls)):
            with contextlib.redirect_stdout(io.StringIO()):
                times[name] = time_render(cls, args.quality, str(Path(tmp) / name))
            print(f"{name:>5}: {times[name]:8.2f} s", flush=True)
    print(f"ours / empty: {times['ours'] / times['empty']:.2f}")
    print(f"ratio: {times['naive'] / times['ours']:.2f}")


if __name__ == "__main__":
    main()
