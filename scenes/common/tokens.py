"""The sequence the transformer reads: a row of token cells in slot order, an optional CLS slot in front,
each cell's index under it, "…" where the middle is elided, and optional position tags ("pos 0", ...).

A cell is a patch thumbnail (items of shape (N, P, P, 3)) or the token's vector as a small vertical colour
strip (items of shape (N, D), all on one shared scale, so cells compare).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from manim import DOWN, UP, Group, Rectangle, VGroup

from scenes.common import style as S
from scenes.common.heatmaps import as_array, heatmap_image, value_range
from scenes.common.pixel_image import PixelImage

__all__ = ["TokenStrip"]


class TokenStrip(Group):
    """TokenStrip(trace.patch_pixels, cls=trace.cls, show=(5, 2), position_tags=True).

    items: (N, P, P, 3) uint8 thumbnails or (N, D) vectors. indices: the label of each item (default
    0..N-1, e.g. a permutation's patch indices). cls: None, True (a labelled "CLS" cell) or a (D,) vector
    drawn like the others. show: (first k, last k) items to draw with "…" between (default: all when
    N <= 12, else (5, 2)). Position tags number the slots: CLS is position 0, so item j is position j + 1.
    Laid out in a row `height` tall per cell, scaled down to fit `width`.

    Attributes: cells (Group, drawn item cells in order), shown (item positions j drawn), cls_cell,
    dots (Text or None), index_labels, position_tags (VGroup or None), vmin/vmax (vector cells).
    cell_for(j) gives the cell of item j.
    """

    def __init__(self, items: Any, indices: Sequence[int] | None = None, cls: Any = None,
                 show: tuple[int, int] | None = None, position_tags: bool = False, height: float = 0.7,
                 gap: float = 0.15, width: float | None = None, font_size: int = S.TINY,
                 cmap: Any = "coolwarm", **kwargs: Any) -> None:
        from scenes.common import layout
        super().__init__(**kwargs)
        raw = items.detach().cpu().numpy() if hasattr(items, "detach") else np.asarray(items)
        n = len(raw)
        self.indices = list(range(n)) if indices is None else [int(k) for k in indices]
        if len(self.indices) != n:
            raise ValueError(f"{n} items but {len(self.indices)} indices")
        if show is None:
            show = (n, 0) if n <= 12 else (5, 2)
        first, last = show
        self.shown = list(range(min(first, n))) + [j for j in range(max(n - last, first), n)]
        self.is_vector = raw.ndim == 2
        cls_vec = None if cls is None or cls is True else as_array(cls).reshape(-1)
        if self.is_vector:
            vals = as_array(raw)
            pool = vals if cls_vec is None else np.vstack([vals, cls_vec[None]])
            self.vmin, self.vmax = value_range(pool, symmetric=True)
        else:
            self.vmin = self.vmax = None

        def cell(data) -> Any:
            if self.is_vector:  # a (D,) vector as a column: entry 0 at the top
                return heatmap_image(np.asarray(data)[:, None], cmap, self.vmin, self.vmax, height=height,
                                     width=0.32 * height)
            return PixelImage(data, height=height)

        row = []  # the drawn sequence, in order: CLS, cells, "…", cells
        self.cls_cell = None
        if cls is not None:
            if cls_vec is not None and self.is_vector:
                self.cls_cell = Group(cell(cls_vec))
            else:
                box = Rectangle(width=height if not self.is_vector else 0.32 * height, height=height,
                                stroke_color=S.ACCENT, stroke_width=3, fill_color=S.ACCENT, fill_opacity=0.15)
                self.cls_cell = Group(box)
            row.append(self.cls_cell)
        self.cells = Group()
        self.dots = None
        for k, j in enumerate(self.shown):
            if k > 0 and j - self.shown[k - 1] > 1:
                self.dots = S.text("…", S.HEADING, S.MUTED)
                row.append(self.dots)
            c = cell(raw[j])
            self.cells.add(c)
            row.append(c)
        # Labels first: each slot is as wide as its cell or its widest label ("pos 196" is wider than a
        # thin vector cell), so neighbouring labels never run into each other.
        offset = 1 if cls is not None else 0
        index_text = {id(c): str(self.indices[j]) for c, j in zip(self.cells, self.shown)}
        tag_text = {id(c): f"pos {j + offset}" for c, j in zip(self.cells, self.shown)}
        if self.cls_cell is not None:
            index_text[id(self.cls_cell)] = "CLS"
            tag_text[id(self.cls_cell)] = "pos 0"
        self.index_labels = VGroup()
        self.position_tags = VGroup() if position_tags else None
        x = 0.0
        for m in row:
            lab = tag = None
            if id(m) in index_text:
                is_cls = m is self.cls_cell
                lab = S.text(index_text[id(m)], font_size, S.ACCENT if is_cls else S.MUTED, mono=not is_cls)
                self.index_labels.add(lab)
                if position_tags:
                    tag = S.text(tag_text[id(m)], font_size, S.BLUE)
                    self.position_tags.add(tag)
            slot = max([m.width] + [t.width for t in (lab, tag) if t is not None])
            m.move_to([x + slot / 2, 0, 0])
            if lab is not None:
                lab.next_to(m, DOWN, buff=0.1)
            if tag is not None:
                tag.next_to(m, UP, buff=0.1)
            x += slot + gap
        if self.cls_cell is not None:
            self.cls_cell.add(Rectangle(width=self.cls_cell.width, height=self.cls_cell.height,
                                        stroke_color=S.ACCENT, stroke_width=3).move_to(self.cls_cell))
        self.add(*row)
        _align_tops(self.index_labels)
        self.add(self.index_labels)
        if position_tags:
            _align_tops(self.position_tags, bottoms=True)
            self.add(self.position_tags)
        width = layout.FULL.width if width is None else width
        if self.width > width:
            self.scale_to_fit_width(width)

    def cell_for(self, j: int):
        """The drawn cell of item j (KeyError if it is elided)."""
        try:
            return self.cells[self.shown.index(j)]
        except ValueError:
            raise KeyError(f"item {j} is not shown (shown: {self.shown})") from None


def _align_tops(labels: VGroup, bottoms: bool = False) -> None:
    """Put a row of labels on one line (text heights differ: "1" vs "CLS")."""
    if len(labels) == 0:
        return
    if bottoms:
        y = min(m.get_bottom()[1] for m in labels)
        for m in labels:
            m.shift((y - m.get_bottom()[1]) * UP)
    else:
        y = max(m.get_top()[1] for m in labels)
        for m in labels:
            m.shift((y - m.get_top()[1]) * UP)
