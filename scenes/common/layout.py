"""Where things go on screen, by name: the safe area split into regions, so a lesson says "left panel", not
"x = -3.2".

    FULL          the whole title-safe area (5% in from each edge)
    TITLE         a strip across the top of it, for the slide heading
    BODY          everything under the heading
    LEFT, RIGHT   the body's two halves, with a gutter between them
    FOOTER        a strip along the bottom of the body, for notes, citations and "next lesson"
    MAIN          the body above the footer

Every region can `place` a mobject: scaled down (never up) to fit, then centred or aligned to a side.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import ORIGIN

from scenes.common.style import SAFE_BOTTOM, SAFE_LEFT, SAFE_RIGHT, SAFE_TOP

TITLE_HEIGHT = 0.85
FOOTER_HEIGHT = 0.6
GUTTER = 0.5


@dataclass(frozen=True)
class Region:
    left: float
    right: float
    bottom: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def center(self) -> np.ndarray:
        return np.array([(self.left + self.right) / 2, (self.bottom + self.top) / 2, 0.0])

    def point(self, direction) -> np.ndarray:
        """The region's centre moved to its edge or corner in `direction` (e.g. UP + LEFT)."""
        d = np.asarray(direction, dtype=float)
        return self.center + np.array([d[0] * self.width / 2, d[1] * self.height / 2, 0.0])

    def contain(self, mob):
        """Keep `mob` where it is, scaled down to fit if it must be, and shifted just enough to lie inside."""
        if mob.width > self.width:
            mob.scale_to_fit_width(self.width)
        if mob.height > self.height:
            mob.scale_to_fit_height(self.height)
        dx = max(0.0, self.left - mob.get_left()[0]) - max(0.0, mob.get_right()[0] - self.right)
        dy = max(0.0, self.bottom - mob.get_bottom()[1]) - max(0.0, mob.get_top()[1] - self.top)
        mob.shift(np.array([dx, dy, 0.0]))
        return mob

    def place(self, mob, aligned=ORIGIN, fill: float = 1.0):
        """Scale `mob` down to fit `fill` of this region, then put it at the centre or against a side."""
        if mob.width > self.width * fill:
            mob.scale_to_fit_width(self.width * fill)
        if mob.height > self.height * fill:
            mob.scale_to_fit_height(self.height * fill)
        aligned = np.asarray(aligned, dtype=float)
        mob.move_to(self.point(aligned), aligned_edge=aligned)
        return mob

    def fit(self, mob, fill: float = 1.0):
        """Scale `mob` to exactly fill this region in its tighter dimension (up or down), centred."""
        scale = min(self.width * fill / mob.width, self.height * fill / mob.height)
        mob.scale(scale)
        return mob.move_to(self.center)

    def columns(self, n: int, gutter: float = GUTTER) -> list["Region"]:
        step = (self.width - gutter * (n - 1)) / n
        return [Region(self.left + k * (step + gutter), self.left + k * (step + gutter) + step, self.bottom,
                       self.top) for k in range(n)]

    def rows(self, n: int, gutter: float = 0.25) -> list["Region"]:
        step = (self.height - gutter * (n - 1)) / n
        return [Region(self.left, self.right, self.top - k * (step + gutter) - step, self.top - k * (step + gutter))
                for k in range(n)]

    def split(self, share: float, gutter: float = GUTTER) -> tuple["Region", "Region"]:
        """Two side-by-side regions, the first taking `share` of the width."""
        cut = self.left + share * (self.width - gutter)
        return Region(self.left, cut, self.bottom, self.top), Region(cut + gutter, self.right, self.bottom, self.top)

    def contains(self, mob, tolerance: float = 1e-3) -> bool:
        return (mob.get_left()[0] >= self.left - tolerance and mob.get_right()[0] <= self.right + tolerance
                and mob.get_bottom()[1] >= self.bottom - tolerance and mob.get_top()[1] <= self.top + tolerance)


FULL = Region(SAFE_LEFT, SAFE_RIGHT, SAFE_BOTTOM, SAFE_TOP)
TITLE = Region(SAFE_LEFT, SAFE_RIGHT, SAFE_TOP - TITLE_HEIGHT, SAFE_TOP)
BODY = Region(SAFE_LEFT, SAFE_RIGHT, SAFE_BOTTOM, SAFE_TOP - TITLE_HEIGHT)
FOOTER = Region(SAFE_LEFT, SAFE_RIGHT, SAFE_BOTTOM, SAFE_BOTTOM + FOOTER_HEIGHT)
MAIN = Region(SAFE_LEFT, SAFE_RIGHT, SAFE_BOTTOM + FOOTER_HEIGHT, SAFE_TOP - TITLE_HEIGHT)
LEFT, RIGHT = MAIN.split(0.5)

__all__ = ["Region", "FULL", "TITLE", "BODY", "FOOTER", "MAIN", "LEFT", "RIGHT"]
