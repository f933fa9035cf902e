"""A scatter plot of two measured quantities, one dot per item, with both axes' ranges written on them:
ScatterPlot(pixel_similarity, attention, x_label="pixel similarity", y_label="attention weight").

No LaTeX: tick numbers are Text written with numbers.decimal, from the ranges actually drawn, so the plot can
be read back into numbers.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, Line, VGroup

from scenes.common import numbers
from scenes.common import style as S
from scenes.common.heatmaps import as_array

__all__ = ["ScatterPlot"]


class ScatterPlot(VGroup):
    """Dots at (x[i], y[i]) in a width x height box, with an L-shaped frame, tick values at both ends of each
    axis and the axis names. x/y ranges default to the data's min/max (padded 5%); pass them to fix a scale.

    Attributes: dots (VGroup, in the order of x), x_range, y_range, axes, labels. point(x, y) is a screen
    position.
    """

    def __init__(self, x: Any, y: Any, x_label: str, y_label: str, width: float = 5.0, height: float = 3.5,
                 x_range: tuple[float, float] | None = None, y_range: tuple[float, float] | None = None,
                 color: str = S.BLUE, radius: float = 0.04, places: int = 2, font_size: int = S.TINY):
        super().__init__()
        self.x, self.y = as_array(x).reshape(-1), as_array(y).reshape(-1)
        if self.x.shape != self.y.shape:
            raise ValueError(f"x and y differ in length: {self.x.size} and {self.y.size}")
        self.x_range = x_range or _padded(self.x)
        self.y_range = y_range or _padded(self.y)
        self.width_, self.height_ = width, height
        origin = np.array([0.0, 0.0, 0.0])
        self.origin = origin
        self.axes = VGroup(Line(origin, origin + width * RIGHT), Line(origin, origin + height * UP))
        self.axes.set_stroke(S.MUTED, 2)
        self.dots = VGroup(*[Dot(self.point(a, b), radius=radius, color=color).set_opacity(0.8)
                             for a, b in zip(self.x, self.y)])
        ticks = VGroup()
        for v, side in ((self.x_range[0], LEFT), (self.x_range[1], RIGHT)):
            t = S.text(numbers.decimal(v, places).screen, font_size, S.MUTED, mono=True)
            t.next_to(self.point(v, self.y_range[0]), DOWN, buff=0.1)
            ticks.add(t)
        for v in self.y_range:
            t = S.text(numbers.decimal(v, places).screen, font_size, S.MUTED, mono=True)
            t.next_to(self.point(self.x_range[0], v), LEFT, buff=0.1)
            ticks.add(t)
        self.ticks = ticks
        xl = S.text(x_label, font_size, S.INK).next_to(self.axes[0], DOWN, buff=0.35)
        yl = S.text(y_label, font_size, S.INK).rotate(np.pi / 2).next_to(ticks, LEFT, buff=0.15)
        yl.set_y(self.axes[1].get_y())
        self.labels = VGroup(xl, yl)
        self.add(self.axes, self.ticks, self.labels, self.dots)
        self.move_to([0, 0, 0])

    def point(self, x: float, y: float) -> np.ndarray:
        """Screen position of data (x, y), wherever the plot now is (read from its axes)."""
        o = self.axes[0].get_start()
        w = self.axes[0].get_length()
        h = self.axes[1].get_length()
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        fx = (x - x0) / (x1 - x0) if x1 != x0 else 0.5
        fy = (y - y0) / (y1 - y0) if y1 != y0 else 0.5
        return o + np.array([fx * w, fy * h, 0.0])


def _padded(v: np.ndarray, pad: float = 0.05) -> tuple[float, float]:
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo or 1.0
    return lo - pad * span, hi + pad * span
