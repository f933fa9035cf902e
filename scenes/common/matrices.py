"""A real matrix on screen: drawn as a pixel image with its shape written beside it and braces that say
what its rows and columns are (MatrixImage), and an elided table of its actual numbers (NumericPreview).

Counts, shapes and entries are all read from the array passed in, never typed by the lesson.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Arrow, Brace, Group, Rectangle, VGroup, VMobject

from scenes.common import numbers
from scenes.common import style as S
from scenes.common.heatmaps import ColorBar, as_array, heatmap_rgba, value_range
from scenes.common.pixel_image import PixelImage

__all__ = ["MatrixImage", "NumericPreview"]


def _count_label(template: str | None, n: int, font_size: int, color: str = S.INK):
    """'{n} patches' with n written from the array ("196 patches"); a template without {n} gets it prefixed."""
    if not template:
        return None
    s = template if "{n}" in template else "{n} " + template
    return S.text(s.format(n=numbers.integer(n).screen), font_size, color)


class MatrixImage(Group):
    """A (R, C) matrix as an image, one pixel per entry, with `(R, C)` under it and row/column braces:
    MatrixImage(tokens, row_label="tokens", col_label="{n} features").

    values: (R, C) numbers (coloured by cmap; symmetric: the scale is +-max|v| so white/grey is zero) or an
    (R, C, 3) uint8 RGB array drawn as is. width defaults to the matrix's aspect ratio clamped to [0.3, 2.2]
    times height, so very wide or tall matrices stay readable. Attributes: image, values, shape (Number),
    shape_label, row_brace, row_text, col_brace, col_text, colorbar (when colorbar=True), vmin, vmax.
    """

    def __init__(self, values: Any, cmap: Any = "coolwarm", height: float = 4.0, width: float | None = None,
                 row_label: str | None = None, col_label: str | None = None, shape_text: bool = True,
                 symmetric: bool = True, vmin: float | None = None, vmax: float | None = None,
                 colorbar: bool = False, colorbar_label: str | None = "value", font_size: int = S.SMALL,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        raw = values.detach().cpu().numpy() if hasattr(values, "detach") else np.asarray(values)
        if raw.ndim == 3 and raw.shape[2] in (3, 4):
            rgb = raw
            self.values = raw
            self.vmin = self.vmax = None
        elif raw.ndim == 2:
            self.values = as_array(raw)
            self.vmin, self.vmax = value_range(self.values, vmin, vmax, symmetric=symmetric)
            rgb = heatmap_rgba(self.values, cmap, self.vmin, self.vmax)
        else:
            raise ValueError(f"MatrixImage needs an (R, C) array or (R, C, 3) RGB, got shape {raw.shape}")
        self.R, self.C = int(raw.shape[0]), int(raw.shape[1])
        if width is None:
            width = height * float(np.clip(self.C / self.R, 0.3, 2.2))
        self.image = PixelImage(rgb, height=height, width=width)
        self.add(self.image)
        self.shape = numbers.shape(self.R, self.C)
        self.shape_label = self.row_brace = self.row_text = self.col_brace = self.col_text = self.colorbar = None
        self.row_text = _count_label(row_label, self.R, font_size)
        if self.row_text is not None:
            self.row_brace = Brace(self.image, LEFT, buff=0.1, color=S.MUTED)
            self.row_text.next_to(self.row_brace, LEFT, buff=0.1)
            self.add(self.row_brace, self.row_text)
        self.col_text = _count_label(col_label, self.C, font_size)
        if self.col_text is not None:
            self.col_brace = Brace(self.image, UP, buff=0.1, color=S.MUTED)
            self.col_text.next_to(self.col_brace, UP, buff=0.1)
            self.add(self.col_brace, self.col_text)
        if colorbar and self.vmin is not None:
            self.colorbar = ColorBar(cmap, self.vmin, self.vmax, colorbar_label, height=self.image.height)
            self.colorbar.next_to(self.image, RIGHT, buff=0.3)
            self.add(self.colorbar)
        if shape_text:
            # Under the image, right-aligned: row markers use the right side, column markers the bottom.
            self.shape_label = S.text(self.shape.screen, font_size, S.ACCENT, mono=True)
            self.shape_label.next_to(self.image, DOWN, buff=0.2, aligned_edge=RIGHT)
            self.add(self.shape_label)

    # -- geometry from the image's current position ---------------------------
    @property
    def row_height(self) -> float:
        return self.image.height / self.R

    @property
    def col_width(self) -> float:
        return self.image.width / self.C

    def row_y(self, i: int) -> float:
        """Screen y of the centre of row i (negative i counts from the end)."""
        i = range(self.R)[i]
        return self.image.get_top()[1] - (i + 0.5) * self.row_height

    def col_x(self, j: int) -> float:
        j = range(self.C)[j]
        return self.image.get_left()[0] + (j + 0.5) * self.col_width

    def highlight_row(self, i: int, color: str = S.ACCENT, stroke_width: float = 3) -> Rectangle:
        """A rectangle around row i (at least 0.05 tall, so one row of 197 still shows)."""
        r = Rectangle(width=self.image.width + 0.1, height=max(self.row_height, 0.05), color=color,
                      stroke_width=stroke_width)
        return r.move_to([self.image.get_x(), self.row_y(i), 0])

    def highlight_col(self, j: int, color: str = S.ACCENT, stroke_width: float = 3) -> Rectangle:
        r = Rectangle(width=max(self.col_width, 0.05), height=self.image.height + 0.1, color=color,
                      stroke_width=stroke_width)
        return r.move_to([self.col_x(j), self.image.get_y(), 0])

    def row_marker(self, i: int, text: str | None = None, color: str = S.ACCENT, font_size: int = S.SMALL,
                   side=None) -> VGroup:
        """An arrow pointing at row i, labelled "row i" (or `text`): from the right, or from the left of
        the row brace when a colour bar takes the right side (or side=LEFT/RIGHT)."""
        if side is None:
            side = LEFT if self.colorbar is not None else RIGHT
        y = self.row_y(i)
        label = S.text(text if text is not None else f"row {range(self.R)[i]}", font_size, color)
        if side[0] > 0:
            x = self.image.get_right()[0]
            arrow = Arrow([x + 0.7, y, 0], [x + 0.05, y, 0], buff=0, color=color, stroke_width=4,
                          max_tip_length_to_length_ratio=0.35)
            label.next_to(arrow, RIGHT, buff=0.1)
        else:
            x = (self.row_brace if self.row_brace is not None else self.image).get_left()[0]
            arrow = Arrow([x - 0.7, y, 0], [x - 0.05, y, 0], buff=0, color=color, stroke_width=4,
                          max_tip_length_to_length_ratio=0.35)
            label.next_to(arrow, LEFT, buff=0.1)
        return VGroup(arrow, label)

    def col_marker(self, j: int, text: str | None = None, color: str = S.ACCENT,
                   font_size: int = S.SMALL) -> VGroup:
        """An arrow pointing up at column j from below, labelled "column j" (or `text`)."""
        x = self.col_x(j)
        y = self.image.get_bottom()[1]
        arrow = Arrow([x, y - 0.7, 0], [x, y - 0.05, 0], buff=0, color=color, stroke_width=4,
                      max_tip_length_to_length_ratio=0.35)
        label = S.text(text if text is not None else f"column {range(self.C)[j]}", font_size, color)
        label.next_to(arrow, DOWN, buff=0.1)
        return VGroup(arrow, label)


def _pick(indices: Sequence[int], n: int) -> list[int]:
    """Shown indices: negatives count from the end, out-of-range dropped, sorted, no repeats."""
    return sorted({range(n)[k] for k in indices if -n <= k < n})


def _with_gaps(shown: list[int]) -> list[int | None]:
    """Insert None wherever consecutive shown indices skip some (drawn as an ellipsis)."""
    out: list[int | None] = []
    for k in shown:
        if out and k - out[-1] > 1:
            out.append(None)
        out.append(k)
    return out


def _bracket(height: float, side: int, color: str = S.INK) -> VMobject:
    """A square bracket `[` (side=-1) or `]` (side=+1), `height` tall, its spine at x=0."""
    lip = 0.12 * -side
    pts = [[lip, height / 2, 0], [0, height / 2, 0], [0, -height / 2, 0], [lip, -height / 2, 0]]
    return VMobject(stroke_color=color, stroke_width=3).set_points_as_corners(pts)


class NumericPreview(VGroup):
    """An elided table of a tensor's real entries, e.g. rows 0, 1, 2, ..., last and the same for columns,
    with ⋮ / ⋯ / ⋱ where rows or columns are skipped, square brackets, and optional index labels.

    values: (R, C) (or (D,), shown as one row). Entries are written with numbers.signed(v, places).
    Attributes: row_indices, col_indices (the shown indices), numbers {(r, c): Number}, entries {(r, c): Text},
    shown_values (array of the rounded values as written), values (the full array).
    """

    def __init__(self, values: Any, rows: Sequence[int] = (0, 1, 2, -1), cols: Sequence[int] = (0, 1, 2, -1),
                 places: int = 2, index_labels: bool = True, font_size: int = S.SMALL,
                 h_buff: float = 0.3, v_buff: float = 0.16, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        v = as_array(values)
        if v.ndim == 1:
            v = v[None, :]
            rows = (0,)
        if v.ndim != 2:
            raise ValueError(f"NumericPreview needs a (R, C) or (D,) array, got shape {v.shape}")
        self.values = v
        R, C = v.shape
        self.row_indices = _pick(rows, R)
        self.col_indices = _pick(cols, C)
        self.numbers = {(r, c): numbers.signed(v[r, c], places) for r in self.row_indices for c in self.col_indices}
        self.shown_values = np.array([[round(float(v[r, c]), places) for c in self.col_indices]
                                      for r in self.row_indices])  # the values as written, in any language
        row_slots, col_slots = _with_gaps(self.row_indices), _with_gaps(self.col_indices)
        self.entries = {}
        grid = []  # grid[a][b]: the mobject in display row a, display column b
        for r in row_slots:
            line = []
            for c in col_slots:
                if r is not None and c is not None:
                    m = S.text(self.numbers[r, c].screen, font_size, S.INK, mono=True)
                    self.entries[r, c] = m
                else:
                    dots = "⋱" if r is None and c is None else ("⋮" if r is None else "⋯")
                    m = S.text(dots, font_size, S.MUTED)
                line.append(m)
            grid.append(line)
        col_w = [max(grid[a][b].width for a in range(len(row_slots))) for b in range(len(col_slots))]
        row_h = max(m.height for line in grid for m in line) + v_buff
        xs = np.cumsum([0.0] + [w + h_buff for w in col_w[:-1]]) + np.array(col_w) / 2  # column centres
        body = VGroup()
        for a, line in enumerate(grid):
            for b, m in enumerate(line):
                # numbers right-aligned in their column (signs line up); ellipses centred
                if isinstance(row_slots[a], int) and isinstance(col_slots[b], int):
                    m.move_to([xs[b] + col_w[b] / 2, -a * row_h, 0], aligned_edge=RIGHT)
                else:
                    m.move_to([xs[b], -a * row_h, 0])
                body.add(m)
        self.body = body
        h = body.height + 0.2
        self.brackets = VGroup(_bracket(h, -1).move_to(body.get_left() + 0.18 * LEFT + 0.06 * LEFT),
                               _bracket(h, +1).move_to(body.get_right() + 0.18 * RIGHT + 0.06 * RIGHT))
        self.brackets[0].set_y(body.get_y())
        self.brackets[1].set_y(body.get_y())
        self.add(body, self.brackets)
        self.row_labels = self.col_labels = None
        if index_labels:
            small = max(font_size - 6, S.TINY)
            self.row_labels = VGroup()
            for a, r in enumerate(row_slots):
                if r is not None:
                    lab = S.text(str(r), small, S.MUTED, mono=True)
                    lab.move_to([self.brackets[0].get_left()[0] - 0.15, grid[a][0].get_y(), 0], aligned_edge=RIGHT)
                    self.row_labels.add(lab)
            self.col_labels = VGroup()
            for b, c in enumerate(col_slots):
                if c is not None and v.shape[0] > 0:
                    lab = S.text(str(c), small, S.MUTED, mono=True)
                    lab.move_to([xs[b], self.brackets.get_top()[1] + 0.08, 0], aligned_edge=DOWN)
                    self.col_labels.add(lab)
            self.add(self.row_labels, self.col_labels)

    def entry(self, r: int, c: int):
        """The Text showing values[r, c] (negative indices count from the end)."""
        R, C = self.values.shape
        return self.entries[range(R)[r], range(C)[c]]
