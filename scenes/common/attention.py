"""Attention, drawn from one head's real weights: the whole (T, T) matrix as an image with its axes, and lines
from one query patch to the patches it attends to most, as thick as their weights.

    m = AttentionMatrix(trace.blocks[b].attn[h], height=4.5, label=f"block {b}, head {h}")
    lines = AttentionLines(photo_grid, grid, q, trace.blocks[b].attn[h, 1 + q, 1:], k=8)

Row i of an attention matrix is where token i looks (softmax over keys j, so each row sums to 1); token 0
is CLS and tokens 1..N are the patches in raster order, which is why patch q is row/column 1 + q.
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, Group, Line, Rectangle, Triangle, VGroup

from scenes.common import style as S
from scenes.common.heatmaps import ColorBar, as_array, heatmap_rgba
from scenes.common.numbers import decimal, shape
from scenes.common.photo_grid import grid_cell_center
from scenes.common.pixel_image import PixelImage

# Log scale: weights below 10**-LOG_DECADES all get the darkest colour, so a handful of near-zero entries
# (1e-9) do not squeeze the range the eye can read.
LOG_DECADES = 4


class AttentionMatrix(Group):
    """One head's (T, T) attention matrix as a pixel image (one texel per weight), with

    - `label` above it ("block b, head h"), "query token i" down the left side, "key token j" along the top;
    - the CLS row and column pointed at and named, and the last index at the other end of each axis;
    - its shape `(T, T)` written underneath (from the array), and a colour bar stating the scale.

    `height` is the matrix's own height; the labels and colour bar sit around it.
    Attributes a lesson uses: `image`, `values` (the weights), `vmin`/`vmax` and `shown` (the values the
    colours encode: the weights, or their log10), `colorbar`, `shape_label`, `title`, `cls_marks`.
    """

    def __init__(self, attn, height: float = 4.5, label: str | None = None, cmap: str = "magma",
                 log_scale: bool = False, colorbar: bool = True):
        values = as_array(attn)
        if values.ndim != 2 or values.shape[0] != values.shape[1]:
            raise ValueError(f"AttentionMatrix needs one head's (T, T) weights, got shape {values.shape}")
        self.values = values
        self.T = values.shape[0]
        self.cmap, self.log_scale = cmap, log_scale
        if log_scale:
            # Whole decades from 10^-LOG_DECADES to 10^0 = 1, a softmax's ceiling: the ticks read as powers
            # of ten, and two heads drawn on log scales share one scale.
            self.shown = np.log10(np.maximum(values, 10.0 ** -LOG_DECADES))
            self.vmin, self.vmax = float(-LOG_DECADES), 0.0
            scale_name = "log10 attention weight"
        else:
            # 0 is the true floor of a softmax; the top is the largest weight in this head, stated on the bar.
            self.shown = values
            self.vmin, self.vmax = 0.0, float(values.max())
            scale_name = "attention weight"
        self.image = PixelImage(heatmap_rgba(self.shown, cmap, self.vmin, self.vmax), height=height)
        super().__init__(self.image)

        small = S.SMALL if height >= 3 else S.TINY
        self.col_label = S.text("key token j", small, S.MUTED).next_to(self.image, UP, buff=0.45)
        self.row_label = S.text("query token i", small, S.MUTED).rotate(np.pi / 2)
        self.row_label.next_to(self.image, LEFT, buff=0.6)
        self.cls_marks = self._cls_marks()
        self.ends = self._end_ticks()
        self.shape_label = S.text(shape(self.T, self.T).screen, small, S.INK, mono=True)
        self.shape_label.next_to(self.image, DOWN, buff=0.2)
        self.add(self.col_label, self.row_label, self.cls_marks, self.ends, self.shape_label)
        if label:
            self.title = S.text(label, S.SMALL if height >= 3 else S.TINY, S.INK)
            self.title.next_to(self.col_label, UP, buff=0.2)
            self.add(self.title)
        else:
            self.title = None
        if colorbar:
            # A log bar gets one tick per decade, so its numbers read as "10 to the ...".
            ticks = LOG_DECADES + 1 if log_scale else 3
            self.colorbar = ColorBar(cmap, self.vmin, self.vmax, label=scale_name, height=0.8 * height,
                                     ticks=ticks)
            self.colorbar.next_to(self.image, RIGHT, buff=0.35)
            self.add(self.colorbar)
        else:
            self.colorbar = None
        self.move_to([0, 0, 0])  # centred, like every kit piece, until a layout region places it

    # -- geometry ---------------------------------------------------------------------------------------------
    def cell_center(self, i: int, j: int) -> np.ndarray:
        """The centre of weight (i, j) on screen: row i counted down from the top, column j from the left."""
        ul = self.image.get_corner(UP + LEFT)
        cell_w = self.image.width / self.T
        cell_h = self.image.height / self.T
        return ul + np.array([(j + 0.5) * cell_w, -(i + 0.5) * cell_h, 0.0])

    def row_marker(self, i: int, color: str = S.ACCENT) -> Rectangle:
        """An outline around row i (query token i: everything it attends to), spanning the matrix."""
        h = self.image.height / self.T
        box = Rectangle(width=self.image.width + 0.08, height=max(h, 0.02) + 0.04)
        return box.set_stroke(color, 2).move_to([self.image.get_center()[0], self.cell_center(i, 0)[1], 0])

    def col_marker(self, j: int, color: str = S.ACCENT) -> Rectangle:
        """An outline around column j (key token j: how much every query reads it)."""
        w = self.image.width / self.T
        box = Rectangle(width=max(w, 0.02) + 0.04, height=self.image.height + 0.08)
        return box.set_stroke(color, 2).move_to([self.cell_center(0, j)[0], self.image.get_center()[1], 0])

    def _cls_marks(self) -> VGroup:
        """Small pointers at row 0 and column 0 named "CLS": one row of 197 is too thin to outline."""
        size, half = S.TINY, 0.5 * self.image.height / self.T
        row_tip = Triangle().scale(0.07).rotate(-np.pi / 2).set_fill(S.ACCENT, 1).set_stroke(width=0)
        row_tip.next_to(self.cell_center(0, 0), LEFT, buff=half + 0.04)
        row_name = S.text("CLS", size, S.ACCENT).next_to(row_tip, LEFT, buff=0.06)
        col_tip = Triangle().scale(0.07).rotate(np.pi).set_fill(S.ACCENT, 1).set_stroke(width=0)
        col_tip.next_to(self.cell_center(0, 0), UP, buff=half + 0.04)
        col_name = S.text("CLS", size, S.ACCENT).next_to(col_tip, UP, buff=0.06)
        return VGroup(row_tip, row_name, col_tip, col_name)

    def _end_ticks(self) -> VGroup:
        last, half = self.T - 1, 0.5 * self.image.height / self.T
        row_end = S.text(str(last), S.TINY, S.MUTED, mono=True)
        row_end.next_to(self.cell_center(last, 0), LEFT, buff=half + 0.06)
        col_end = S.text(str(last), S.TINY, S.MUTED, mono=True)
        col_end.next_to(self.cell_center(0, last), UP, buff=half + 0.06)
        return VGroup(row_end, col_end)


def _cell_center(where, grid: int, i: int) -> np.ndarray:
    """Screen centre of patch i: from a PhotoGrid, or computed from a plain photo's corners."""
    if hasattr(where, "cell_center"):
        return np.asarray(where.cell_center(i), dtype=float)
    return grid_cell_center(where, grid, i)


class AttentionLines(VGroup):
    """Lines from one query patch's cell centre to the `k` patches it attends to most.

    `where` is a PhotoGrid (its `cell_center(i)` is used) or a plain photo PixelImage with `grid` patches per
    side (centres computed from its corners). `weights` is the query's attention over the N patches, e.g.
    `attn[h, 1 + q, 1:]`. Stroke width and opacity are proportional to each weight (relative to the strongest
    of the k, so the widest line is `max_width`); the query's weight on itself is left out (a line needs two
    ends) and kept in `self_weight`.

    Attributes: `keys` (patch indices, strongest first), `weights` (their weights), `lines`, `ends` (dots on
    the keys), `query_dot`; `weight_labels()` makes the numbers to write beside the ends.
    """

    def __init__(self, where, grid: int | None, query_patch: int, weights, k: int = 8, color: str = S.ACCENT,
                 max_width: float = 10.0, include_self: bool = False):
        w = as_array(weights).reshape(-1)
        # `where` is only read here, not kept: a copy of these lines (every Transform makes one) must not
        # copy the photo with them. Afterwards the lines' own ends say where the patches are.
        self.grid = grid if grid is not None else int(getattr(where, "grid"))
        if w.shape[0] != self.grid * self.grid:
            raise ValueError(f"weights cover {w.shape[0]} patches, the grid has {self.grid * self.grid}")
        self.query = int(query_patch)
        self.self_weight = float(w[self.query])
        order = [int(j) for j in np.argsort(-w, kind="stable") if include_self or j != self.query]
        self.keys = order[:k]
        self.weights = [float(w[j]) for j in self.keys]
        strongest = max(self.weights) if self.weights and max(self.weights) > 0 else 1.0
        start = _cell_center(where, self.grid, self.query)
        self.lines, self.ends = VGroup(), VGroup()
        for j, wj in zip(self.keys, self.weights):
            rel = wj / strongest
            end = _cell_center(where, self.grid, j)
            line = Line(start, end, stroke_width=max_width * rel, color=color)
            # Opacity follows the weight too, with a floor so the weakest of the k still shows.
            line.set_stroke(opacity=max(rel, 0.25))
            self.lines.add(line)
            self.ends.add(Dot(end, radius=0.025 + 0.04 * rel, color=color))
        self.query_dot = Dot(start, radius=0.08, color=S.INK).set_stroke(S.BACKGROUND, 2)
        super().__init__(self.lines, self.ends, self.query_dot)

    def weight_labels(self, places: int = 2, size: int = S.TINY, count: int | None = None) -> VGroup:
        """Each key's weight (the `count` strongest; all k by default), written just past its end of the line
        (away from the query), on a backing. Keys next to the query crowd it: label fewer then."""
        labels = VGroup()
        start = self.query_dot.get_center()
        for dot, wj in list(zip(self.ends, self.weights))[:count]:
            end = dot.get_center()
            d = end - start
            d = d / np.linalg.norm(d) if np.linalg.norm(d) > 1e-6 else RIGHT
            t = S.text(decimal(wj, places).screen, size, S.INK, mono=True)
            t.move_to(end + d * (0.12 + 0.5 * max(t.width, t.height)))
            t.add_background_rectangle(color=S.BACKGROUND, opacity=0.7, buff=0.03)
            labels.add(t)
        return labels


__all__ = ["AttentionMatrix", "AttentionLines"]
