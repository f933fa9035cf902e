"""The kit gallery covers the kit: every public piece in scenes/common/ has a still drawn from the real trace,
each still shows something, and the committed page is what the entries draw now."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import numpy as np
import pytest
from manim import Mobject
from PIL import Image

import scenes.common
import vitmath
from scenes.common import gallery

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "scenes" / "common" / "kit-gallery"
# Pieces that are not drawn on their own, and why.
NOT_ALONE = {
    "PixelImage": "the image every piece draws with",
    "DecisionMap": "drawn from lesson 13's map data (scenes/p3_04_mental_map)",
    "DecisionRow": "a row of DecisionMap",
    "LeafCard": "a card of DecisionMap",
}


def kit_pieces() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(scenes.common.__path__):
        module = importlib.import_module(f"scenes.common.{info.name}")
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Mobject) and obj.__module__ == module.__name__
                    and not name.startswith("_") and name not in ("NarratedScene",)):
                found.add(name)
    return found


def test_every_public_piece_of_the_kit_has_an_entry():
    drawn = {e.name for e in gallery.ENTRIES}
    missing = kit_pieces() - drawn - {n for n, why in NOT_ALONE.items() if why}
    assert not missing, f"kit pieces without a gallery entry: {sorted(missing)}"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("gallery")
    return out, gallery.write_gallery(out, vitmath.cached_trace())


def test_each_still_shows_its_piece_and_the_page_shows_its_call(written):
    out, files = written
    page = (out / "README.md").read_text()
    for e in gallery.ENTRIES:
        png = np.asarray(Image.open(out / f"{e.slug}.png").convert("L"), dtype=float)
        assert png.shape == (480, 854)
        lit = (png > 40).mean()
        assert 0.001 < lit < 0.9, f"{e.name}: {lit:.1%} of the still is lit"
        assert f"## {e.name} " in page and e.call in page


def test_the_committed_page_is_what_the_entries_draw(written):
    out, _ = written
    assert (COMMITTED / "README.md").read_text() == (out / "README.md").read_text(), \
        "run `vitlessons gallery` and commit scenes/common/kit-gallery/"
    assert sorted(p.name for p in COMMITTED.glob("*.png")) == sorted(f"{e.slug}.png" for e in gallery.ENTRIES)
