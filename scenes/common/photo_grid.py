"""The photo as the model sees it, cut into its patch grid, and the cell geometry every lesson needs:
where patch i is, a square or a sliding window on it, the patch images laid over the photo, an outline of a
set of cells, and the same patches spread into a contact sheet.

Patch i sits at row i // grid, column i % grid (raster order). All geometry is read from the photo's current
corners, so it stays right after the group is moved, scaled or stretched.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
from manim import DOWN, ORIGIN, RIGHT, UP, LEFT, Group, Line, Square, VGroup

from scenes.common import style as S
from scenes.common.pixel_image import PixelImage

__all__ = ["grid_cell_center", "cut_patches", "sheet_layout", "PhotoGrid", "PatchSheet"]


def _axes(image: PixelImage) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(upper-left corner, vector along a row, vector down a column) of an image, in scene units."""
    ul, ur, dl = np.asarray(image.points[:3], dtype=float)
    return ul, ur - ul, dl - ul


def grid_cell_center(image: PixelImage, grid: int, i: int) -> np.ndarray:
    """Screen centre of cell i of a grid x grid split of `image` (raster order)."""
    r, c = divmod(int(i), grid)
    ul, across, down = _axes(image)
    return ul + (c + 0.5) / grid * across + (r + 0.5) / grid * down


def cut_patches(picture: np.ndarray, grid: int) -> np.ndarray:
    """(N, P, P, 3) patches of an (S, S, 3) picture in raster order (as trace.patch_pixels holds them)."""
    pic = np.asarray(picture)
    P = pic.shape[0] // grid
    c = pic.shape[-1]
    return pic[: grid * P, : grid * P].reshape(grid, P, grid, P, c).swapaxes(1, 2).reshape(grid * grid, P, P, c)


def sheet_layout(grid: int, height: float, gap_ratio: float = 0.25, center=ORIGIN) -> tuple[float, list]:
    """(side, centres): a contact sheet of grid x grid patches, `height` tall, gaps = gap_ratio * side."""
    side = height / (grid + (grid - 1) * gap_ratio)
    step = side * (1 + gap_ratio)
    origin = np.asarray(center, dtype=float) + np.array([-(grid - 1) * step / 2, (grid - 1) * step / 2, 0])
    return side, [origin + np.array([c * step, -r * step, 0]) for r, c in (divmod(i, grid) for i in range(grid * grid))]


def index_labels(centers: Sequence[np.ndarray], side: float, font_size: int = 10) -> VGroup:
    """Each cell's raster index in its lower-right corner, on a dark chip so it reads over any pixels."""
    labels = VGroup()
    for i, p in enumerate(centers):
        n = S.text(str(i), font_size, S.INK, mono=True)
        n.move_to(np.asarray(p) + np.array([side / 2, -side / 2, 0]), aligned_edge=DOWN + RIGHT)
        n.shift(0.01 * (UP + LEFT))
        n.add_background_rectangle(color=S.BACKGROUND, opacity=0.75, buff=0.01)
        labels.add(n)
    return labels


class PhotoGrid(Group):
    """The photo (PixelImage) and its grid lines: PhotoGrid(trace.picture, trace.dims.grid, height=5.6).

    Attributes: photo, lines, grid, N, P (pixels per patch side), picture, patches ((N, P, P, 3) pixels).
    """

    def __init__(self, picture: Any, grid: int, height: float = 5.0, patch_pixels: Any = None,
                 line_color: str = S.INK, line_width: float = 1.5, line_opacity: float = 0.85,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.picture = np.asarray(picture)
        self.grid = int(grid)
        self.N = self.grid * self.grid
        self.P = self.picture.shape[0] // self.grid
        self.patches = np.asarray(patch_pixels) if patch_pixels is not None else cut_patches(self.picture, self.grid)
        self.photo = PixelImage(self.picture, height=height)
        ul, across, down = _axes(self.photo)
        self.lines = VGroup()
        for k in range(1, self.grid):
            t = k / self.grid
            self.lines.add(Line(ul + t * across, ul + t * across + down))
            self.lines.add(Line(ul + t * down, ul + t * down + across))
        self.lines.set_stroke(line_color, width=line_width, opacity=line_opacity)
        self.add(self.photo, self.lines)

    # -- geometry (read from the photo's current corners) ---------------------
    @property
    def cell_side(self) -> float:
        return float(np.linalg.norm(_axes(self.photo)[2])) / self.grid

    def row_col(self, i: int) -> tuple[int, int]:
        return divmod(int(i), self.grid)

    def cell_center(self, i: int) -> np.ndarray:
        return grid_cell_center(self.photo, self.grid, i)

    def cell_square(self, i: int, color: str = S.ACCENT, stroke_width: float = 5) -> Square:
        """A square outlining patch i."""
        return Square(self.cell_side, color=color, stroke_width=stroke_width).move_to(self.cell_center(i))

    def window(self, i: int, color: str = S.ACCENT, stroke_width: float = 6, fill_opacity: float = 0.18) -> Square:
        """A highlighted square on patch i; slide it with window.animate.move_to(grid.cell_center(j))."""
        sq = self.cell_square(i, color, stroke_width)
        return sq.set_fill(color, opacity=fill_opacity)

    def outline(self, indices: Iterable[int], color: str = S.ACCENT, stroke_width: float = 4) -> VGroup:
        """The boundary of a set of cells: one line per straight run of edge between inside and outside."""
        inside = np.zeros((self.grid + 2, self.grid + 2), dtype=bool)  # padded: row/col k+1 is cell k
        for i in indices:
            r, c = self.row_col(i)
            inside[r + 1, c + 1] = True
        ul, across, down = _axes(self.photo)
        g = self.grid
        at = lambda r, c: ul + c / g * across + r / g * down  # noqa: E731  grid vertex (row line r, col line c)
        runs = VGroup()
        for r in range(g + 1):  # horizontal grid line r: between cell rows r-1 and r
            edge = inside[r, 1:-1] != inside[r + 1, 1:-1]
            for start, stop in _runs(edge):
                runs.add(Line(at(r, start), at(r, stop)))
        for c in range(g + 1):  # vertical grid line c: between cell columns c-1 and c
            edge = inside[1:-1, c] != inside[1:-1, c + 1]
            for start, stop in _runs(edge):
                runs.add(Line(at(start, c), at(stop, c)))
        return runs.set_stroke(color, width=stroke_width)

    # -- the patches as mobjects ----------------------------------------------
    def patch_images(self) -> Group:
        """The N patch images laid exactly over the photo, in raster order (add them, remove the photo,
        and they can fly apart)."""
        side = self.cell_side
        return Group(*[PixelImage(self.patches[i], height=side).move_to(self.cell_center(i))
                       for i in range(self.N)])

    def index_labels(self, font_size: int = 10) -> VGroup:
        """Each patch's raster index in its corner."""
        return index_labels([self.cell_center(i) for i in range(self.N)], self.cell_side, font_size)

    def sheet_positions(self, height: float, gap_ratio: float = 0.25, center=ORIGIN) -> tuple[float, list]:
        """(side, centres) of a contact sheet of this grid, e.g. to animate patch_images() apart:
        m.animate.scale_to_fit_height(side).move_to(p) for m, p in zip(patches, centres)."""
        return sheet_layout(self.grid, height, gap_ratio, center)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True in a 1-D boolean array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


class PatchSheet(Group):
    """The N patches as a contact sheet (grid x grid, with gaps), raster order: PatchSheet(trace.patch_pixels,
    grid, height=5). Attributes: patches (Group of PixelImage), side, grid. cell_center(i), index_labels()."""

    def __init__(self, patch_pixels: Any, grid: int, height: float = 5.0, gap_ratio: float = 0.25,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.grid = int(grid)
        pixels = np.asarray(patch_pixels)
        self.side, centres = sheet_layout(self.grid, height, gap_ratio)
        self.patches = Group(*[PixelImage(p, height=self.side).move_to(c) for p, c in zip(pixels, centres)])
        self.add(self.patches)

    def cell_center(self, i: int) -> np.ndarray:
        return self.patches[i].get_center()

    def index_labels(self, font_size: int = 10) -> VGroup:
        side = self.patches[0].height
        return index_labels([m.get_center() for m in self.patches], side, font_size)
