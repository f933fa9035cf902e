"""One number per block as a bar chart: how a quantity changes with depth (token norms, update sizes,
similarities), with a value axis that states its scale.

    chart = BlockBars(values, [str(i + 1) for i in range(depth)], "median token norm", width=5, height=3)
    chart.bar(3)                      # one bar, e.g. to highlight it
    chart.value_y(1.0)                # screen y of a value, e.g. for a reference line

Bars grow from zero (a bar's length is its value; with a negative `vmin`, below-zero values hang down from
a zero line); the axis ticks are written from the scale actually used, like a colour bar's.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, DashedLine, Line, Rectangle, VGroup

from scenes.common import style as S
from scenes.common.heatmaps import tick_numbers

__all__ = ["BlockBars", "nice_ceiling"]


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) that is >= x, so the axis
    ends, and its ticks fall, on round numbers: 1.08 -> 1.2, 547 -> 600."""
    if x <= 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * scale >= x * (1 - 1e-9):
            return float(m * scale)
    return float(10 * scale)


class BlockBars(VGroup):
    """Bars for `values` over x labels (one per bar), a left value axis with `ticks` ticks from vmin to vmax
    (default 0 to the largest value rounded up by nice_ceiling), an x title under the labels and a title above.

    `reference`: (value, text) draws a dashed line across the chart at that value, labelled at its right end.
    `colors`: one colour per bar (default all `color`). Attributes: bars, x_labels, tick_labels, title,
    x_title, reference_line, vmin, vmax.
    """

    def __init__(self, values: Sequence[float], labels: Sequence[str], title: str, x_title: str | None = None,
                 width: float = 5.0, height: float = 3.0, color: str = S.BLUE, colors: Sequence[str] | None = None,
                 vmin: float = 0.0, vmax: float | None = None, ticks: int = 3,
                 reference: tuple[float, str] | None = None, font_size: int = S.TINY):
        super().__init__()
        values = [float(v) for v in values]
        if len(labels) != len(values):
            raise ValueError(f"{len(values)} values need {len(values)} labels, got {len(labels)}")
        self.values = values
        self.vmin = float(vmin)
        top = max(values + ([reference[0]] if reference else []))
        self.vmax = float(vmax) if vmax is not None else nice_ceiling(top if top > self.vmin else self.vmin + 1.0)
        self.plot_h = height
        n = len(values)
        slot = width / n
        self.bars, self.x_labels = VGroup(), VGroup()
        colors = list(colors) if colors is not None else [color] * n
        # Bars grow from zero (or from vmin when zero is below the axis), up or down.
        zero = self._h(0.0) if self.vmin < 0 else 0.0
        for i, v in enumerate(values):
            y = self._h(v)
            bar = Rectangle(width=0.7 * slot, height=max(abs(y - zero), 1e-3)).set_stroke(width=0)
            bar.set_fill(colors[i], 1).move_to([(i + 0.5) * slot, (y + zero) / 2, 0])
            self.bars.add(bar)
            lab = S.text(labels[i], font_size, S.MUTED)
            if lab.width > 0.95 * slot:
                lab.scale_to_fit_width(0.95 * slot)
            self.x_labels.add(lab.next_to([(i + 0.5) * slot, 0, 0], DOWN, buff=0.1))  # under the axis' foot
        baseline = Line([0, zero, 0], [width, zero, 0], stroke_color=S.MUTED, stroke_width=2)
        axis = Line([0, 0, 0], [0, height, 0], stroke_color=S.MUTED, stroke_width=2)
        tick_values = [float(v) for v in np.linspace(self.vmin, self.vmax, max(ticks, 2))]
        marks, self.tick_labels = VGroup(), VGroup()
        for v, num in zip(tick_values, tick_numbers(tick_values)):
            y = self._h(v)
            marks.add(Line([-0.08, y, 0], [0, y, 0], stroke_color=S.MUTED, stroke_width=2))
            self.tick_labels.add(S.text(num.screen, font_size, S.INK, mono=True).next_to([-0.08, y, 0], LEFT,
                                                                                         buff=0.06))
        self.title = S.text(title, S.SMALL, S.INK).next_to(VGroup(axis, self.bars), UP, buff=0.2)
        self.title.align_to(self.tick_labels, LEFT)
        self.axis = axis
        self.add(baseline, axis, marks, self.tick_labels, self.bars, self.x_labels, self.title)
        self.x_title = None
        if x_title:
            self.x_title = S.text(x_title, font_size, S.MUTED).next_to(self.x_labels, DOWN, buff=0.1)
            self.x_title.set_x(width / 2)
            self.add(self.x_title)
        self.reference_line = None
        if reference is not None:
            y = self._h(reference[0])
            line = DashedLine([0, y, 0], [width, y, 0], stroke_color=S.ACCENT, stroke_width=2)
            text = S.text(reference[1], font_size, S.ACCENT).next_to(line, UP, buff=0.05).align_to(line, RIGHT)
            self.reference_line = VGroup(line, text)
            self.add(self.reference_line)

    def _h(self, v: float) -> float:
        span = self.vmax - self.vmin
        return self.plot_h * (min(max(v, self.vmin), self.vmax) - self.vmin) / span

    def bar(self, i: int) -> Rectangle:
        return self.bars[i]

    def value_y(self, value: float) -> float:
        """Screen y of `value` on the chart's axis (wherever the chart now is)."""
        return self.axis.get_bottom()[1] + self.axis.height * (value - self.vmin) / (self.vmax - self.vmin)
