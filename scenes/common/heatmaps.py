"""Colour maps and heatmaps: values -> colours, a colour bar that states the scale, a map over the photo,
and small multiples (e.g. heads x blocks) sharing one scale.

Every colour drawn here is `cmap((v - vmin) / (vmax - vmin))` of a value passed in, and every colour bar
writes the vmin/vmax that were actually used, so a picture can always be read back into numbers.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from manim import DOWN, LEFT, PI, RIGHT, UP, Group, Line, Rectangle, VGroup
from manim.utils.color import ManimColor

from scenes.common import numbers
from scenes.common import style as S
from scenes.common.pixel_image import PixelImage

__all__ = ["COLORMAPS", "heatmap_rgba", "heatmap_image", "value_range", "cmap_rgb", "tick_numbers",
           "upsample_cells", "blend_on_photo", "ColorBar", "Heatmap", "HeatmapOnPhoto", "SmallMultiples"]

Cmap = str | Callable | Sequence

# Samples of matplotlib's perceptual colormaps at 0, 0.1, ..., 1 (linearly
# interpolated between samples: a close approximation, no matplotlib needed).
COLORMAPS: dict[str, np.ndarray] = {
    "viridis": np.array(
        [
            (0.267004, 0.004874, 0.329415),
            (0.282623, 0.140926, 0.457517),
            (0.253935, 0.265254, 0.529983),
            (0.206756, 0.371758, 0.553117),
            (0.163625, 0.471133, 0.558148),
            (0.127568, 0.566949, 0.550556),
            (0.134692, 0.658636, 0.517649),
            (0.266941, 0.748751, 0.440573),
            (0.477504, 0.821444, 0.318195),
            (0.741388, 0.873449, 0.149561),
            (0.993248, 0.906157, 0.143936),
        ]
    ),
    "magma": np.array(
        [
            (0.001462, 0.000466, 0.013866),
            (0.078815, 0.054184, 0.211667),
            (0.232077, 0.059889, 0.437695),
            (0.390384, 0.100379, 0.501864),
            (0.550287, 0.161158, 0.505719),
            (0.716387, 0.214982, 0.475290),
            (0.868793, 0.287728, 0.409303),
            (0.967671, 0.439703, 0.359810),
            (0.994738, 0.624350, 0.427397),
            (0.995131, 0.812104, 0.572266),
            (0.987053, 0.991438, 0.749504),
        ]
    ),
    "inferno": np.array(
        [
            (0.001462, 0.000466, 0.013866),
            (0.087411, 0.044556, 0.224813),
            (0.258234, 0.038571, 0.406485),
            (0.416331, 0.090203, 0.432943),
            (0.578304, 0.148039, 0.404411),
            (0.735683, 0.215906, 0.330245),
            (0.865006, 0.316822, 0.226055),
            (0.954506, 0.468744, 0.099874),
            (0.987622, 0.645320, 0.039886),
            (0.964394, 0.843848, 0.273391),
            (0.988362, 0.998364, 0.644924),
        ]
    ),
    "gray": np.array([(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)]),
    "hot": np.array(
        [(0.04, 0, 0), (0.5, 0, 0), (1, 0.1, 0), (1, 0.6, 0), (1, 1, 0.3), (1, 1, 1)]
    ),
    "coolwarm": np.array(
        [
            (0.230, 0.299, 0.754),
            (0.552, 0.690, 0.996),
            (0.866, 0.865, 0.865),
            (0.956, 0.604, 0.486),
            (0.706, 0.016, 0.150),
        ]
    ),
}


# --------------------------------------------------------------------------
# values -> colours
# --------------------------------------------------------------------------


def as_array(values: Any) -> np.ndarray:
    """A float64 numpy copy of an array or a torch tensor (detached, on the CPU)."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def _apply_cmap(x: np.ndarray, cmap: Cmap) -> np.ndarray:
    if callable(cmap):
        rgb = np.asarray(cmap(x), dtype=np.float64)
        return rgb[..., :3] if rgb.shape[-1] >= 3 else np.repeat(rgb, 3, axis=-1)
    if isinstance(cmap, str):
        if cmap not in COLORMAPS:
            raise ValueError(f"unknown cmap {cmap!r}; known: {sorted(COLORMAPS)}")
        stops = COLORMAPS[cmap]
    else:  # a sequence of colours
        stops = np.array([ManimColor(c).to_rgb() for c in cmap], dtype=np.float64)
    pos = np.linspace(0.0, 1.0, len(stops))
    return np.stack([np.interp(x, pos, stops[:, k]) for k in range(3)], axis=-1)


def value_range(values: Any, vmin: float | None = None, vmax: float | None = None,
                symmetric: bool = False) -> tuple[float, float]:
    """The (vmin, vmax) a picture of `values` uses: the given bounds, else the data's min/max
    (symmetric: +-max|v|, so that zero sits in the middle of a diverging map)."""
    v = as_array(values)
    if symmetric and vmin is None and vmax is None:
        m = float(np.nanmax(np.abs(v))) if v.size else 0.0
        return -m, m
    lo = float(np.nanmin(v)) if vmin is None else float(vmin)
    hi = float(np.nanmax(v)) if vmax is None else float(vmax)
    return lo, hi


def cmap_rgb(values: Any, cmap: Cmap = "viridis", vmin: float | None = None,
             vmax: float | None = None) -> np.ndarray:
    """Float RGB in [0, 1], shape values.shape + (3,): the colour each value is drawn in."""
    v = as_array(values)
    lo, hi = value_range(v, vmin, vmax)
    x = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    return _apply_cmap(np.clip(np.nan_to_num(x, nan=0.0), 0.0, 1.0), cmap)


def heatmap_rgba(
    values: Any,
    cmap: Cmap = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    alpha: float | np.ndarray = 1.0,
) -> np.ndarray:
    """Map a 2-D array of values to an HxWx4 uint8 RGBA array."""
    v = as_array(values)
    if v.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D array, got shape {v.shape}")
    rgb = cmap_rgb(v, cmap, vmin, vmax)
    a = np.broadcast_to(np.asarray(alpha, dtype=np.float64), v.shape)
    rgba = np.concatenate([rgb, np.clip(a, 0, 1)[..., None]], axis=-1)
    return np.rint(rgba * 255).astype(np.uint8)


def heatmap_image(
    values: Any,
    cmap: Cmap = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    alpha: float | np.ndarray = 1.0,
    height: float | None = None,
    width: float | None = None,
    **kwargs: Any,
) -> PixelImage:
    """A :class:`PixelImage` of ``values`` (2-D) coloured by ``cmap``.

    ``cmap``: a name in :data:`COLORMAPS`, a list of colours (evenly spaced
    stops) or a callable mapping [0,1] arrays to (...,3) floats.  ``alpha``
    may be a scalar or a per-cell array (e.g. to overlay on the photo).
    """
    return PixelImage(
        heatmap_rgba(values, cmap=cmap, vmin=vmin, vmax=vmax, alpha=alpha),
        height=height,
        width=width,
        **kwargs,
    )


def tick_numbers(values: Sequence[float]) -> list[numbers.Number]:
    """Tick values written with the fewest decimals that put every label within 1% of the bar's span of
    its true value and keep the labels distinct (0..0.31 -> "0.00", "0.16", "0.31"; -0.25..0.75 in
    quarters -> "-0.25", ...); scientific when the values are tiny or huge."""
    values = [float(v) for v in values]
    span = (max(values) - min(values)) or max(abs(v) for v in values) or 1.0
    biggest = max(abs(v) for v in values)
    if biggest >= 1e5 or 0 < biggest < 1e-3:
        return [numbers.scientific(v, 2) for v in values]
    for places in range(0, 7):
        out = [numbers.decimal(v, places) for v in values]
        close = all(abs(round(v, places) - v) <= 0.01 * span for v in values)
        if close and len({n.screen for n in out}) == len(out):
            return out
    return out


# --------------------------------------------------------------------------
# maps over the photo
# --------------------------------------------------------------------------


def upsample_cells(values: np.ndarray, height: int, width: int) -> np.ndarray:
    """A (g, g, ...) map blown up to (height, width, ...) by exact cell blocks (nearest, grid-aligned):
    output pixel (y, x) takes cell (y * g // height, x * g // width), so cell r covers exactly the
    pixels of patch row r when height = g * P."""
    rows = (np.arange(height) * values.shape[0]) // height
    cols = (np.arange(width) * values.shape[1]) // width
    return values[rows][:, cols]


def blend_on_photo(picture: Any, values: Any, cmap: Cmap = "inferno", vmin: float | None = None,
                   vmax: float | None = None, alpha: float = 0.65) -> np.ndarray:
    """(S, S, 3) uint8: alpha * cmap(map cell) + (1 - alpha) * photo, computed once in float and rounded."""
    photo = np.asarray(picture)[..., :3].astype(np.float64)
    colours = cmap_rgb(values, cmap, vmin, vmax) * 255.0
    up = upsample_cells(colours, photo.shape[0], photo.shape[1])
    return np.rint(alpha * up + (1.0 - alpha) * photo).clip(0, 255).astype(np.uint8)


# --------------------------------------------------------------------------
# mobjects
# --------------------------------------------------------------------------


class ColorBar(Group):
    """A vertical colour ramp (vmax at the top) with `ticks` evenly spaced values written beside it and a
    label saying what the values are, e.g. ColorBar("inferno", 0, 0.31, "attention weight").

    Attributes: bar (PixelImage), tick_values (floats), tick_numbers (numbers.Number, what is written),
    tick_labels (Texts), label (Text or None), vmin, vmax, cmap.
    """

    def __init__(self, cmap: Cmap = "inferno", vmin: float = 0.0, vmax: float = 1.0, label: str | None = None,
                 height: float = 3.0, ticks: int = 3, bar_width: float = 0.22, font_size: int = S.TINY,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cmap, self.vmin, self.vmax = cmap, float(vmin), float(vmax)
        # Each ramp row holds the value at its own centre, so height along the bar is linear in value.
        rows = 256
        ramp = self.vmax - (np.arange(rows) + 0.5) / rows * (self.vmax - self.vmin)
        self.bar = heatmap_image(ramp[:, None], cmap, self.vmin, self.vmax, height=height, width=bar_width)
        frame = Rectangle(width=bar_width, height=height, stroke_color=S.MUTED, stroke_width=1)
        frame.move_to(self.bar)
        self.tick_values = [float(v) for v in np.linspace(self.vmin, self.vmax, max(ticks, 2))]
        self.tick_numbers = tick_numbers(self.tick_values)
        marks, self.tick_labels = VGroup(), VGroup()
        for v, n in zip(self.tick_values, self.tick_numbers):
            y = self.value_y(v)
            x = self.bar.get_right()[0]
            marks.add(Line([x, y, 0], [x + 0.08, y, 0], stroke_color=S.MUTED, stroke_width=2))
            lab = S.text(n.screen, font_size, S.INK, mono=True)
            lab.next_to(marks[-1], RIGHT, buff=0.06)
            self.tick_labels.add(lab)
        self.add(self.bar, frame, marks, self.tick_labels)
        self.label = None
        if label:
            # Rotated, reading upwards, beside the numbers: the bar's footprint stays as tall as the map.
            self.label = S.text(label, font_size, S.MUTED).rotate(PI / 2)
            if self.label.height > height:
                self.label.scale_to_fit_height(height)
            self.label.next_to(self.tick_labels, RIGHT, buff=0.12).set_y(self.bar.get_y())
            self.add(self.label)

    def value_y(self, value: float) -> float:
        """Screen y of `value` on the bar (wherever the bar now is)."""
        span = self.vmax - self.vmin
        t = (value - self.vmin) / span if span else 0.5
        return self.bar.get_bottom()[1] + t * self.bar.height


class HeatmapOnPhoto(Group):
    """A (g, g) map over the photo, one exact block per patch, alpha-blended, with its colour bar beside it.

    picture None draws the bare map (see Heatmap). vmin/vmax default to the map's min/max; the colour bar
    states whatever was used. Attributes: image (PixelImage), colorbar (or None), vmin, vmax, values, alpha,
    pixels (the drawn RGB array). cell_center(i) is the screen centre of patch i.
    """

    def __init__(self, picture: Any, values: Any, cmap: Cmap = "inferno", vmin: float | None = None,
                 vmax: float | None = None, alpha: float = 0.65, label: str | None = "value",
                 height: float = 5.0, colorbar: bool = True, ticks: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.values = as_array(values)
        if self.values.ndim != 2:
            raise ValueError(f"a heatmap needs a (g, g) map, got shape {self.values.shape}")
        self.vmin, self.vmax = value_range(self.values, vmin, vmax)
        self.alpha = float(alpha)
        if picture is None:
            self.pixels = heatmap_rgba(self.values, cmap, self.vmin, self.vmax)[..., :3]
        else:
            self.pixels = blend_on_photo(picture, self.values, cmap, self.vmin, self.vmax, self.alpha)
        self.image = PixelImage(self.pixels, height=height)
        self.add(self.image)
        self.colorbar = None
        if colorbar:
            self.colorbar = ColorBar(cmap, self.vmin, self.vmax, label, height=height, ticks=ticks)
            self.colorbar.next_to(self.image, RIGHT, buff=0.3)
            self.add(self.colorbar)

    def cell_center(self, i: int) -> np.ndarray:
        from scenes.common.photo_grid import grid_cell_center
        return grid_cell_center(self.image, self.values.shape[0], i)


class Heatmap(HeatmapOnPhoto):
    """A (rows, cols) map on its own (no photo), exact cells, with its colour bar: Heatmap(fmap, "magma")."""

    def __init__(self, values: Any, cmap: Cmap = "inferno", vmin: float | None = None, vmax: float | None = None,
                 label: str | None = "value", height: float = 4.0, **kwargs: Any) -> None:
        super().__init__(None, values, cmap, vmin, vmax, 1.0, label, height, **kwargs)


class SmallMultiples(Group):
    """A grid of small maps, maps[r, c] of shape (g, g), with row and column labels and ONE colour bar:
    the scale is shared (default: min/max over all maps) so colours compare across the whole grid.

    Lays itself out inside width x height (default: the body of the frame under a heading): the labels
    keep their font size and the cells take the room left. Attributes: cells (list of rows of PixelImage),
    row_labels, col_labels (VGroups of Text), colorbar, vmin, vmax, maps. cell(r, c) returns one image.
    """

    def __init__(self, maps: Any, row_labels: Sequence[str], col_labels: Sequence[str], picture: Any = None,
                 cmap: Cmap = "inferno", vmin: float | None = None, vmax: float | None = None,
                 alpha: float = 0.65, label: str | None = "value", height: float | None = None,
                 width: float | None = None, gap: float = 0.06, font_size: int = S.TINY,
                 row_title: str | None = None, col_title: str | None = None, **kwargs: Any) -> None:
        from scenes.common import layout
        super().__init__(**kwargs)
        self.maps = as_array(maps)
        if self.maps.ndim != 4:
            raise ValueError(f"small multiples need maps of shape (R, C, g, g), got {self.maps.shape}")
        R, C = self.maps.shape[:2]
        if len(row_labels) != R or len(col_labels) != C:
            raise ValueError(f"{R} row labels and {C} column labels needed, got {len(row_labels)}, "
                             f"{len(col_labels)}")
        self.vmin, self.vmax = value_range(self.maps, vmin, vmax)
        height = layout.MAIN.height if height is None else height
        width = layout.FULL.width if width is None else width
        self.row_labels = VGroup(*[S.text(s, font_size, S.MUTED) for s in row_labels])
        self.col_labels = VGroup(*[S.text(s, font_size, S.MUTED) for s in col_labels])
        probe = ColorBar(cmap, self.vmin, self.vmax, label, height=height)  # for its width (~ independent of height)
        # Optional axis titles ("head", "block") let the per-row/column labels be short ("0", "11").
        self.row_title = S.text(row_title, font_size, S.INK) if row_title else None
        self.col_title = S.text(col_title, font_size, S.INK) if col_title else None
        label_w = max(m.width for m in self.row_labels) + 0.15
        label_h = max(m.height for m in self.col_labels) + 0.12
        if self.row_title is not None:
            label_w = max(label_w, self.row_title.width + 0.15)
        if self.col_title is not None:
            label_h += self.col_title.height + 0.1
        bar_w = probe.width + 0.3
        cell = min((height - label_h - (R - 1) * gap) / R, (width - label_w - bar_w - (C - 1) * gap) / C)
        step = cell + gap
        self.cells = []
        for r in range(R):
            row = []
            for c in range(C):
                pixels = (heatmap_rgba(self.maps[r, c], cmap, self.vmin, self.vmax)[..., :3] if picture is None
                          else blend_on_photo(picture, self.maps[r, c], cmap, self.vmin, self.vmax, alpha))
                img = PixelImage(pixels, height=cell).move_to([c * step, -r * step, 0])
                row.append(img)
            self.cells.append(row)
        block = Group(*[m for row in self.cells for m in row])
        for r, lab in enumerate(self.row_labels):
            lab.next_to(self.cells[r][0], LEFT, buff=0.12)
        # Column labels wider than a cell would run together: shrink them all alike to fit.
        widest = max(m.width for m in self.col_labels)
        if widest > 0.95 * cell:
            for lab in self.col_labels:
                lab.scale(0.95 * cell / widest)
        for c, lab in enumerate(self.col_labels):
            lab.next_to(self.cells[0][c], UP, buff=0.08)
        _align_bottoms(self.col_labels)
        if self.col_title is not None:
            self.col_title.next_to(self.col_labels, UP, buff=0.1)
            self.add(self.col_title)
        if self.row_title is not None:
            self.row_title.next_to(self.row_labels, UP, buff=0.1, aligned_edge=RIGHT)
            self.row_title.align_to(self.col_labels, DOWN)
            self.add(self.row_title)
        self.colorbar = ColorBar(cmap, self.vmin, self.vmax, label, height=block.height)
        self.colorbar.next_to(block, RIGHT, buff=0.3)
        self.add(block, self.row_labels, self.col_labels, self.colorbar)
        if self.width > width or self.height > height:  # the bar is shorter than the probe: rarely needed
            self.scale(min(width / self.width, height / self.height))

    def cell(self, r: int, c: int) -> PixelImage:
        return self.cells[r][c]


def _align_bottoms(labels: VGroup) -> None:
    """One baseline for a row of labels of different heights."""
    y = min(m.get_bottom()[1] for m in labels)
    for m in labels:
        m.shift((y - m.get_bottom()[1]) * UP)
