"""A token's D numbers as one colour strip (VectorBar), and a + b = c element-wise on one shared scale
(VectorSum), e.g. a patch embedding plus its position embedding.

A strip has one cell per entry, coloured by a diverging map centred on zero (default +-max|v|), and says
its scale and its length ("D = 192"), both read from the vector.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, Group, Rectangle, VGroup

from scenes.common import numbers
from scenes.common import style as S
from scenes.common.heatmaps import as_array, heatmap_image, value_range

__all__ = ["ScaleKey", "VectorBar", "VectorSum"]


class ScaleKey(Group):
    """A small horizontal colour ramp with its two end values: "-0.53 [ramp] +0.53"."""

    def __init__(self, cmap: Any, vmin: float, vmax: float, width: float = 0.9, height: float = 0.16,
                 places: int = 2, font_size: int = S.TINY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vmin, self.vmax = float(vmin), float(vmax)
        cols = 128
        ramp = self.vmin + (np.arange(cols) + 0.5) / cols * (self.vmax - self.vmin)
        self.ramp = heatmap_image(ramp[None, :], cmap, self.vmin, self.vmax, height=height, width=width)
        self.low = numbers.signed(self.vmin, places)
        self.high = numbers.signed(self.vmax, places)
        lo = S.text(self.low.screen, font_size, S.MUTED, mono=True).next_to(self.ramp, LEFT, buff=0.08)
        hi = S.text(self.high.screen, font_size, S.MUTED, mono=True).next_to(self.ramp, RIGHT, buff=0.08)
        self.labels = VGroup(lo, hi)
        self.add(self.ramp, self.labels)


class VectorBar(Group):
    """A (D,) vector as a one-row colour strip: VectorBar(trace.cls, label="CLS").

    vmin/vmax default to +-max|v| (zero in the middle of the diverging map). Shows a label on the left, a
    ScaleKey on the right (scale=False hides it) and "D = 192" under the strip (length_name=None hides it).
    Attributes: strip (PixelImage, one texel per entry), values, vmin, vmax, label, key, length_text.
    entry_center(k) / entry_marker(k) locate entry k.
    """

    def __init__(self, vec: Any, cmap: Any = "coolwarm", vmin: float | None = None, vmax: float | None = None,
                 width: float = 6.0, height: float = 0.35, label: str | None = None, scale: bool = True,
                 length_name: str | None = "D", font_size: int = S.SMALL, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.values = as_array(vec).reshape(-1)
        self.cmap = cmap
        self.vmin, self.vmax = value_range(self.values, vmin, vmax, symmetric=True)
        self.strip = heatmap_image(self.values[None, :], cmap, self.vmin, self.vmax, height=height, width=width)
        frame = Rectangle(width=width, height=height, stroke_color=S.MUTED, stroke_width=1).move_to(self.strip)
        self.add(self.strip, frame)
        self.label = self.key = self.length_text = None
        if label:
            self.label = S.text(label, font_size, S.INK).next_to(self.strip, LEFT, buff=0.2)
            self.add(self.label)
        if scale:
            self.key = ScaleKey(cmap, self.vmin, self.vmax).next_to(self.strip, RIGHT, buff=0.25)
            self.add(self.key)
        if length_name:
            self.length = numbers.integer(self.values.size)
            self.length_text = S.text(f"{length_name} = {self.length.screen}", S.TINY, S.MUTED)
            self.length_text.next_to(self.strip, DOWN, buff=0.08, aligned_edge=RIGHT)
            self.add(self.length_text)

    @property
    def D(self) -> int:
        return int(self.values.size)

    def entry_center(self, k: int) -> np.ndarray:
        k = range(self.D)[k]
        return self.strip.get_left() + (k + 0.5) / self.D * self.strip.width * RIGHT

    def entry_marker(self, k: int, color: str = S.ACCENT) -> Rectangle:
        """A rectangle around entry k (at least 0.06 wide so one of 768 still shows)."""
        w = max(self.strip.width / self.D, 0.06)
        return Rectangle(width=w, height=self.strip.height + 0.1, color=color, stroke_width=3).move_to(
            self.entry_center(k))


class VectorSum(Group):
    """a + b = c element-wise, c computed here as a + b, all three strips on ONE colour scale (+-max over
    a, b and c), stacked with "+" and "=" between them: VectorSum(trace.patch_tokens[i], trace.pos[i + 1]).

    Attributes: a, b, c (arrays), bars (three VectorBars), key (the shared ScaleKey), vmin, vmax.
    column(k) returns a rectangle through entry k of all three strips (the sum is per entry).
    """

    def __init__(self, a: Any, b: Any, labels: Sequence[str] = ("patch", "position", "sum"),
                 cmap: Any = "coolwarm", width: float = 7.0, height: float = 0.35, gap: float = 0.55,
                 font_size: int = S.SMALL, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.a = as_array(a).reshape(-1)
        self.b = as_array(b).reshape(-1)
        if self.a.shape != self.b.shape:
            raise ValueError(f"a and b must have the same length, got {self.a.size} and {self.b.size}")
        self.c = self.a + self.b
        m = float(max(np.abs(self.a).max(), np.abs(self.b).max(), np.abs(self.c).max()))
        self.vmin, self.vmax = -m, m
        self.bars = Group(*[
            VectorBar(v, cmap, self.vmin, self.vmax, width=width, height=height, label=None, scale=False,
                      length_name=None)
            for v in (self.a, self.b, self.c)
        ])
        self.bars.arrange(DOWN, buff=gap)
        self.labels = VGroup(*[S.text(s, font_size, S.INK) for s in labels])
        for lab, bar in zip(self.labels, self.bars):
            lab.next_to(bar.strip, LEFT, buff=0.25)
        self.ops = VGroup(*[S.text(op, S.BODY, S.MUTED) for op in ("+", "=")])
        for op, (upper, lower) in zip(self.ops, [(0, 1), (1, 2)]):
            op.move_to([self.bars.get_x(), (self.bars[upper].get_y() + self.bars[lower].get_y()) / 2, 0])
        self.key = ScaleKey(cmap, self.vmin, self.vmax).next_to(self.bars[2], DOWN, buff=0.18, aligned_edge=RIGHT)
        self.length = numbers.integer(self.a.size)
        self.length_text = S.text(f"D = {self.length.screen}", S.TINY, S.MUTED)
        self.length_text.next_to(self.bars[2], DOWN, buff=0.18, aligned_edge=LEFT)
        self.add(self.bars, self.labels, self.ops, self.key, self.length_text)

    def column(self, k: int, color: str = S.ACCENT) -> Rectangle:
        """One rectangle through entry k of a, b and c."""
        top, bottom = self.bars[0].strip.get_top()[1], self.bars[2].strip.get_bottom()[1]
        x = self.bars[0].entry_center(k)[0]
        w = max(self.bars[0].strip.width / self.a.size, 0.06)
        return Rectangle(width=w, height=top - bottom + 0.12, color=color, stroke_width=3).move_to(
            [x, (top + bottom) / 2, 0])
