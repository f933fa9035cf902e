"""What the kit's image pieces draw: heatmaps, colour bars, the photo grid, matrices, vectors, tokens.

Each test checks a drawn colour, text or position against numbers computed here from the input arrays,
so a piece that drew the wrong thing (a shifted cell, a stale scale, a rounded-away value) fails.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from manim import LEFT, UP, tempconfig  # noqa: E402

from scenes.common import layout  # noqa: E402
from scenes.common.heatmaps import (COLORMAPS, ColorBar, HeatmapOnPhoto, SmallMultiples,  # noqa: E402
                                    heatmap_rgba)
from scenes.common.matrices import MatrixImage, NumericPreview  # noqa: E402
from scenes.common.photo_grid import PatchSheet, PhotoGrid  # noqa: E402
from scenes.common.pixel_image import FastCamera  # noqa: E402
from scenes.common.tokens import TokenStrip  # noqa: E402
from scenes.common.vectors import VectorBar, VectorSum  # noqa: E402

LOW = {"quality": "low_quality", "disable_caching": True, "verbosity": "WARNING",
       "progress_bar": "none", "preview": False}
PX, W, H = 60.0, 854, 480  # 480p: 60 pixels per scene unit


def to_pixel(point) -> tuple[int, int]:
    """(row, col) of the frame pixel under a scene point at 480p."""
    return int(H / 2 - point[1] * PX), int(point[0] * PX + W / 2)


def render(*mobjects) -> np.ndarray:
    with tempconfig(LOW):
        cam = FastCamera()
        cam.capture_mobjects(list(mobjects))
        return np.array(cam.pixel_array)


def block_picture(grid: int = 4, P: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A picture whose patches are solid, distinct colours; returns (picture, colour of each patch)."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(20, 236, size=(grid * grid, 3), dtype=np.uint8)
    pic = np.zeros((grid * P, grid * P, 3), np.uint8)
    for i, col in enumerate(colours):
        r, c = divmod(i, grid)
        pic[r * P:(r + 1) * P, c * P:(c + 1) * P] = col
    return pic, colours


def texts(group) -> list[str]:
    return [m.original_text for m in group]


# ---------------------------------------------------------------- heatmaps


def test_heatmap_pixels_are_the_colormap_of_the_values():
    # values whose normalised positions are exactly the stored viridis samples 0, 0.1, 0.5, 1
    values = np.array([[2.0, 3.0], [7.0, 12.0]])  # vmin 2, vmax 12
    rgba = heatmap_rgba(values, "viridis")
    stops = COLORMAPS["viridis"]
    for (r, c), k in {(0, 0): 0, (0, 1): 1, (1, 0): 5, (1, 1): 10}.items():
        np.testing.assert_array_equal(rgba[r, c, :3], np.rint(stops[k] * 255).astype(np.uint8))
    # explicit bounds clip: everything at or above vmax is the top colour
    clipped = heatmap_rgba(values, "viridis", vmin=0, vmax=3)
    np.testing.assert_array_equal(clipped[1, 1, :3], np.rint(stops[-1] * 255).astype(np.uint8))


def test_heatmap_on_photo_blends_alpha_cmap_over_the_photo_by_exact_cells():
    pic, _ = block_picture(grid=4, P=8)
    pic = pic.copy()
    pic[::3, ::2] = 255 - pic[::3, ::2]  # texture inside cells, so a misaligned block would show
    values = np.arange(16, dtype=float).reshape(4, 4) / 15.0  # vmin 0, vmax 1
    alpha = 0.65
    hop = HeatmapOnPhoto(pic, values, cmap=["#000000", "#FFFFFF"], alpha=alpha, label="weight")
    out = hop.pixels
    assert out.shape == pic.shape
    for r, c in [(0, 0), (1, 2), (3, 3), (2, 1)]:
        grey = values[r, c] * 255.0  # the black-to-white map, written out by hand
        block = (slice(r * 8, (r + 1) * 8), slice(c * 8, (c + 1) * 8))
        expected = np.rint(alpha * grey + (1 - alpha) * pic[block].astype(float))
        np.testing.assert_allclose(out[block].astype(float), expected, atol=1)
    # the colour bar states the scale actually used: the map's min and max
    assert (hop.vmin, hop.vmax) == (0.0, 1.0)
    assert hop.colorbar.tick_numbers[0].value == 0.0 and hop.colorbar.tick_numbers[-1].value == 1.0
    assert hop.colorbar.label.original_text == "weight"


def test_heatmap_on_photo_renders_cell_i_where_cell_center_says():
    pic, _ = block_picture(grid=4, P=8, seed=3)
    values = np.random.default_rng(1).random((4, 4))
    hop = HeatmapOnPhoto(pic, values, height=3.0).shift(1.2 * LEFT + 0.3 * UP)
    frame = render(hop)
    for i in (0, 5, 10, 15):
        r, c = divmod(i, 4)
        y, x = to_pixel(hop.cell_center(i))
        np.testing.assert_array_equal(frame[y, x, :3], hop.pixels[r * 8 + 4, c * 8 + 4])


def test_colorbar_ticks_are_vmin_to_vmax():
    bar = ColorBar("inferno", -0.25, 0.75, "attention weight", height=3.0, ticks=5)
    assert texts(bar.tick_labels) == ["-0.25", "0.00", "0.25", "0.50", "0.75"]
    assert bar.tick_numbers[0].value == -0.25 and bar.tick_numbers[-1].value == 0.75
    # ticks sit where their values are on the ramp; the ramp's top colour is the map's top colour
    assert bar.value_y(-0.25) == pytest.approx(bar.bar.get_bottom()[1])
    assert bar.tick_labels[-1].get_y() == pytest.approx(bar.bar.get_top()[1], abs=1e-6)
    top = bar.bar.pixel_array[0, 0, :3].astype(int)
    assert np.abs(top - np.rint(COLORMAPS["inferno"][-1] * 255)).max() <= 3
    # tiny spans still get distinct labels
    small = ColorBar("viridis", 0.0, 0.031, ticks=3)
    assert len(set(texts(small.tick_labels))) == 3


def test_small_multiples_share_one_scale():
    rng = np.random.default_rng(2)
    maps = rng.random((2, 3, 4, 4)) * np.array([1, 2, 5])[None, :, None, None]
    sm = SmallMultiples(maps, ["head 0", "head 1"], ["0", "1", "2"], label="CLS attention", col_title="block")
    assert (sm.vmin, sm.vmax) == (maps.min(), maps.max())
    np.testing.assert_array_equal(sm.cell(1, 2).pixel_array[..., :3],
                                  heatmap_rgba(maps[1, 2], "inferno", maps.min(), maps.max())[..., :3])
    assert sm.colorbar.tick_numbers[-1].value == pytest.approx(maps.max())
    assert texts(sm.row_labels) == ["head 0", "head 1"] and texts(sm.col_labels) == ["0", "1", "2"]
    # row r's cells are level with row label r; column labels sit above their column
    assert sm.row_labels[1].get_y() == pytest.approx(sm.cell(1, 0).get_y())
    assert sm.col_labels[2].get_x() == pytest.approx(sm.cell(0, 2).get_x())


# ---------------------------------------------------------------- photo grid


def test_photo_grid_cell_center_lands_on_patch_i_after_moving():
    pic, colours = block_picture(grid=4, P=8)
    g = PhotoGrid(pic, 4, height=4.0)
    for move in (lambda m: m, lambda m: m.scale(0.6).shift(2 * LEFT + 0.5 * UP)):
        move(g)
        frame = render(g.photo)  # the photo alone: grid lines do not cross cell centres anyway
        for i in (0, 3, 6, 12, 15):
            y, x = to_pixel(g.cell_center(i))
            np.testing.assert_array_equal(frame[y, x, :3], colours[i])
        sq = g.cell_square(6)
        assert sq.width == pytest.approx(g.photo.width / 4)
        np.testing.assert_allclose(sq.get_center(), g.cell_center(6))
    patches = g.patch_images()
    assert len(patches) == 16
    for i in (0, 7, 15):
        np.testing.assert_allclose(patches[i].get_center(), g.cell_center(i))
        np.testing.assert_array_equal(patches[i].pixel_array[..., :3], np.broadcast_to(colours[i], (8, 8, 3)))


def test_photo_grid_outline_merges_runs():
    pic, _ = block_picture(grid=4)
    g = PhotoGrid(pic, 4, height=4.0)
    side = g.cell_side
    one = g.outline([5])
    assert len(one) == 4 and sum(ln.get_length() for ln in one) == pytest.approx(4 * side)
    pair = g.outline([5, 6])  # a 2x1 domino: 4 straight runs, perimeter 6 sides
    assert len(pair) == 4 and sum(ln.get_length() for ln in pair) == pytest.approx(6 * side)
    ell = g.outline([0, 1, 4])  # an L: 6 runs, perimeter 8 sides
    assert len(ell) == 6 and sum(ln.get_length() for ln in ell) == pytest.approx(8 * side)


def test_patch_sheet_keeps_raster_order_and_gaps():
    pic, colours = block_picture(grid=4)
    from scenes.common.photo_grid import cut_patches
    sheet = PatchSheet(cut_patches(pic, 4), 4, height=4.0, gap_ratio=0.25)
    assert sheet.height == pytest.approx(4.0)
    assert sheet.cell_center(1)[0] - sheet.cell_center(0)[0] == pytest.approx(1.25 * sheet.side)
    assert sheet.cell_center(4)[1] < sheet.cell_center(0)[1]  # next row is lower
    np.testing.assert_array_equal(sheet.patches[9].pixel_array[0, 0, :3], colours[9])


# ---------------------------------------------------------------- matrices


def test_numeric_preview_shows_the_tensors_values_rounded():
    v = np.random.default_rng(4).normal(size=(10, 8))
    pv = NumericPreview(v, rows=(0, 1, 2, -1), cols=(0, 1, 2, -1), places=2)
    assert pv.row_indices == [0, 1, 2, 9] and pv.col_indices == [0, 1, 2, 7]
    for r in pv.row_indices:
        for c in pv.col_indices:
            assert pv.entries[r, c].original_text == f"{v[r, c]:+.2f}"
    np.testing.assert_allclose(pv.shown_values, v[np.ix_([0, 1, 2, 9], [0, 1, 2, 7])], atol=0.005 + 1e-12)
    assert pv.entry(-1, -1).original_text == f"{v[9, 7]:+.2f}"
    body = texts(pv.body)
    assert body.count("⋮") == 4 and body.count("⋯") == 4 and body.count("⋱") == 1
    assert texts(pv.row_labels) == ["0", "1", "2", "9"]
    # small enough to show whole: no ellipses
    full = NumericPreview(v[:3, :4], rows=range(3), cols=range(4))
    assert not {"⋮", "⋯", "⋱"} & set(texts(full.body))


def test_matrix_image_shape_braces_and_rows():
    v = np.random.default_rng(5).normal(size=(197, 192))
    m = MatrixImage(v, row_label="tokens", col_label="{n} features", height=4.0)
    assert m.shape_label.original_text == str((197, 192))
    assert m.row_text.original_text == "197 tokens" and m.col_text.original_text == "192 features"
    # symmetric scale: +-max|v|, the image holds one pixel per entry through that scale
    assert m.vmax == pytest.approx(np.abs(v).max()) and m.vmin == -m.vmax
    np.testing.assert_array_equal(m.image.pixel_array, heatmap_rgba(v, "coolwarm", m.vmin, m.vmax))
    assert m.row_y(0) == pytest.approx(m.image.get_top()[1] - m.image.height / 394)
    m.shift(UP)
    np.testing.assert_allclose(m.highlight_row(100).get_center()[1], m.row_y(100))
    np.testing.assert_allclose(m.highlight_col(-1).get_center()[0], m.image.get_right()[0] - m.image.width / 384)
    rgb = MatrixImage(np.zeros((4, 6, 3), np.uint8))
    assert rgb.shape_label.original_text == "(4, 6)"


# ---------------------------------------------------------------- vectors and tokens


def test_vector_sum_draws_a_plus_b_on_one_scale():
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=192), 3 * rng.normal(size=192)
    vs = VectorSum(a, b)
    np.testing.assert_array_equal(vs.c, a + b)
    m = max(np.abs(a).max(), np.abs(b).max(), np.abs(a + b).max())
    assert (vs.vmin, vs.vmax) == (-m, m)
    for bar, vec in zip(vs.bars, (a, b, a + b)):
        assert (bar.vmin, bar.vmax) == (-m, m)
        np.testing.assert_array_equal(bar.strip.pixel_array, heatmap_rgba(vec[None], "coolwarm", -m, m))
    assert vs.length_text.original_text == "D = 192"
    assert texts(vs.labels) == ["patch", "position", "sum"]


def test_vector_bar_scale_and_length():
    v = np.linspace(-0.5, 0.25, 192)
    vb = VectorBar(v, label="CLS")
    assert (vb.vmin, vb.vmax) == (-0.5, 0.5)
    assert texts(vb.key.labels) == ["-0.50", "+0.50"]
    assert vb.length_text.original_text == "D = 192"
    assert vb.entry_center(0)[0] == pytest.approx(vb.strip.get_left()[0] + vb.strip.width / 384)


def test_token_strip_elides_and_labels_slots():
    pic, _ = block_picture(grid=4)
    from scenes.common.photo_grid import cut_patches
    patches = np.concatenate([cut_patches(pic, 4)] * 2)  # 32 patches
    ts = TokenStrip(patches, cls=True, show=(3, 2), position_tags=True)
    assert ts.shown == [0, 1, 2, 30, 31] and ts.dots is not None
    assert texts(ts.index_labels) == ["CLS", "0", "1", "2", "30", "31"]
    assert texts(ts.position_tags) == ["pos 0", "pos 1", "pos 2", "pos 3", "pos 31", "pos 32"]
    xs = [m.get_x() for m in [ts.cls_cell, *ts.cells]]
    assert xs == sorted(xs)  # CLS first, then raster order
    assert ts.dots.get_x() > ts.cell_for(2).get_x() and ts.dots.get_x() < ts.cell_for(30).get_x()
    # labels never overlap their neighbours
    tags = list(ts.position_tags)
    assert all(p.get_right()[0] < q.get_left()[0] for p, q in zip(tags, tags[1:]))
    vec = TokenStrip(np.random.default_rng(7).normal(size=(6, 16)), indices=[5, 4, 3, 2, 1, 0])
    assert vec.dots is None and texts(vec.index_labels) == ["5", "4", "3", "2", "1", "0"]
    assert vec.cells[0].pixel_array.shape[:2] == (16, 1)


# ---------------------------------------------------------------- sizes


def test_every_piece_at_its_default_size_fits_the_safe_area():
    rng = np.random.default_rng(8)
    picture = rng.integers(0, 256, size=(224, 224, 3), dtype=np.uint8)
    attn = rng.random((14, 14))
    pieces = {
        "ColorBar": ColorBar("inferno", 0, 0.3, "attention weight"),
        "HeatmapOnPhoto": HeatmapOnPhoto(picture, attn, label="attention weight"),
        "SmallMultiples": SmallMultiples(rng.random((3, 12, 14, 14)), [f"head {h}" for h in range(3)],
                                         [f"block {b}" for b in range(12)], picture=picture),
        "PhotoGrid": PhotoGrid(picture, 14),
        "MatrixImage": MatrixImage(rng.normal(size=(197, 192)), row_label="tokens", col_label="features",
                                   colorbar=True),
        "NumericPreview": NumericPreview(rng.normal(size=(197, 192))),
        "VectorBar": VectorBar(rng.normal(size=192), label="position 1"),
        "VectorSum": VectorSum(rng.normal(size=192), rng.normal(size=192)),
        "TokenStrip": TokenStrip(rng.integers(0, 256, size=(196, 16, 16, 3), dtype=np.uint8), cls=True,
                                 position_tags=True),
    }
    for name, piece in pieces.items():
        piece.move_to(layout.FULL.center)
        assert layout.FULL.contains(piece), f"{name} ({piece.width:.2f} x {piece.height:.2f}) overflows"
