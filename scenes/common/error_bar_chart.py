"""A measured curve with its spread: points at the mean, bars from the lowest to the highest run, one series per
model, on hand-drawn axes (Text tick labels, no LaTeX), with axis labels and a legend.

    chart = ErrorBarChart(
        xs=[50, 100, 200],
        series=[Series("CNN", S.BLUE, means, lows, highs), Series("ViT", S.ACCENT, ...)],
        x_label="training images", y_label="test accuracy", log_x=True)
    chart.series_group("ViT")   # its dots, bars and line, to animate one model at a time

Values are plotted as given; `y_format` writes the tick labels (accuracies in [0, 1] as "80%" by default).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from manim import DOWN, LEFT, RIGHT, Dot, Line, VGroup, VMobject

from scenes.common import style as S


@dataclass
class Series:
    name: str
    color: str
    means: list
    lows: list
    highs: list


def _percent(v: float) -> str:
    return f"{100 * v:.0f}%"


class ErrorBarChart(VGroup):
    """Axes `width` x `height` (the plotting box; labels sit outside it), built at the origin."""

    def __init__(self, xs, series: list[Series], x_label: str, y_label: str, width: float = 8.0,
                 height: float = 4.5, log_x: bool = True, y_range: tuple[float, float] | None = None,
                 y_step: float = 0.1, y_format=_percent, dodge: float = 0.08):
        self.xs = [float(x) for x in xs]
        self.log_x, self.width_, self.height_ = log_x, width, height
        lo = min(min(s.lows) for s in series)
        hi = max(max(s.highs) for s in series)
        # The y range: whole steps that hold every run (or as given).
        self.y0, self.y1 = y_range or (math.floor(lo / y_step) * y_step, math.ceil(hi / y_step) * y_step)
        if self.y1 <= self.y0:
            self.y1 = self.y0 + y_step
        fx = [self._fx(x) for x in self.xs]
        self.fx0, self.fx1 = fx[0], fx[-1]
        self.pad = 0.06 * width  # the first and last x sit this far in from the box's sides

        self.axes = VGroup(Line([0, 0, 0], [width, 0, 0]), Line([0, 0, 0], [0, height, 0]))
        self.axes.set_stroke(S.MUTED, 2)
        self.x_ticks, self.y_ticks = VGroup(), VGroup()
        for x in self.xs:
            px = self.to_point(x, self.y0)
            tick = Line(px, px + 0.1 * DOWN).set_stroke(S.MUTED, 2)
            label = S.text(f"{int(x):,}" if float(x).is_integer() else f"{x:g}", S.TINY, S.INK)
            label.next_to(tick, DOWN, buff=0.08)
            self.x_ticks.add(VGroup(tick, label))
        n_steps = int(round((self.y1 - self.y0) / y_step))
        self.grid = VGroup()
        for k in range(n_steps + 1):
            y = self.y0 + k * y_step
            p = self.to_point(self.xs[0], y) * np.array([0, 1, 0])
            tick = Line(p, p + 0.1 * LEFT).set_stroke(S.MUTED, 2)
            label = S.text(y_format(y), S.TINY, S.INK).next_to(tick, LEFT, buff=0.08)
            self.y_ticks.add(VGroup(tick, label))
            if k > 0:
                self.grid.add(Line(p, p + width * RIGHT).set_stroke(S.MUTED, 1, opacity=0.25))
        self.x_label = S.text(x_label, S.SMALL, S.INK).next_to(self.x_ticks, DOWN, buff=0.15)
        self.x_label.set_x(width / 2)
        self.y_label = S.text(y_label, S.SMALL, S.INK).rotate(math.pi / 2)
        self.y_label.next_to(self.y_ticks, LEFT, buff=0.15).set_y(height / 2)

        self.series = {}
        offsets = np.linspace(-dodge, dodge, len(series)) if len(series) > 1 else [0.0]
        for s, off in zip(series, offsets):
            self.series[s.name] = self._series(s, off)
        self.legend = self._legend(series)
        super().__init__(self.grid, self.axes, self.x_ticks, self.y_ticks, self.x_label, self.y_label,
                         *self.series.values(), self.legend)

    # ------------------------------------------------------------------ coordinates
    def _fx(self, x: float) -> float:
        return math.log10(x) if self.log_x else x

    def to_point(self, x: float, y: float) -> np.ndarray:
        """Where data (x, y) is drawn while the chart is built at the origin (later, ask `point`)."""
        span = (self.fx1 - self.fx0) or 1.0
        u = self.pad + (self._fx(x) - self.fx0) / span * (self.width_ - 2 * self.pad)
        v = (y - self.y0) / (self.y1 - self.y0) * self.height_
        return np.array([u, v, 0.0])

    # ------------------------------------------------------------------ pieces
    def _series(self, s: Series, offset: float) -> VGroup:
        dots, bars = VGroup(), VGroup()
        points = []
        for x, m, lo, hi in zip(self.xs, s.means, s.lows, s.highs):
            shift = offset * RIGHT
            p = self.to_point(x, m) + shift
            a, b = self.to_point(x, lo) + shift, self.to_point(x, hi) + shift
            bar = VGroup(Line(a, b), Line(a + 0.07 * LEFT, a + 0.07 * RIGHT), Line(b + 0.07 * LEFT, b + 0.07 * RIGHT))
            bars.add(bar.set_stroke(s.color, 2.5))
            dots.add(Dot(p, radius=0.075, color=s.color))
            points.append(p)
        line = VMobject().set_points_as_corners(points).set_stroke(s.color, 2, opacity=0.6)
        group = VGroup(line, bars, dots)
        group.line, group.bars, group.dots = line, bars, dots
        return group

    def _legend(self, series: list[Series]) -> VGroup:
        rows = VGroup()
        for s in series:
            rows.add(VGroup(Dot(radius=0.075, color=s.color), S.text(s.name, S.TINY, s.color)).arrange(RIGHT, buff=0.12))
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        # Inside the box, lower right: learning curves rise to the right, so that corner is usually empty;
        # a caller whose data is there moves it.
        rows.move_to([self.width_ - 0.15, 0.15, 0], aligned_edge=DOWN + RIGHT)
        return rows

    def series_group(self, name: str) -> VGroup:
        return self.series[name]

    def point(self, name: str, k: int) -> np.ndarray:
        """Centre of series `name`'s k-th dot, wherever the chart now is."""
        return self.series[name].dots[k].get_center()

    def bar(self, name: str, k: int) -> VGroup:
        return self.series[name].bars[k]


__all__ = ["ErrorBarChart", "Series"]
