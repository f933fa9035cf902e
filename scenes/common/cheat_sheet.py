"""A decision map as a printable one-page cheat sheet: a 1920x1080 PNG and a PDF of the same page.

The map is any object with `title`, `branches` (each with `question` and `leaves`, each leaf with `when`,
`pick`, `why` and an optional `source`), `footnote` and `sources` -- e.g. scenes.p3_04_mental_map.facts.BackboneMap,
the same object the lesson's scene draws, so the sheet and the video say the same thing.

Drawn with cairo (Manim's own renderer, so no extra dependency), dark ink on white for printing:

    write_sheet(the_map, "cheat-sheet.png")     # 1920 x 1080 pixels
    write_sheet(the_map, "cheat-sheet.pdf")     # one page, 16:9, vector text

`write_sheet` returns the strings it drew, in order (a test compares them with the map's own).
"""
from __future__ import annotations

from pathlib import Path

import cairo

from vitmath.errors import UserError

WIDTH, HEIGHT = 1920, 1080          # the page, in pixels (PNG) or 1/2 points (PDF)
PDF_SCALE = 0.5                     # 960 x 540 pt: a 13.3 x 7.5 inch slide page, prints scaled to fit
MARGIN = 48
FONT = "DejaVu Sans"

INK = (0.10, 0.12, 0.15)
MUTED = (0.40, 0.44, 0.50)
ACCENT = (0.80, 0.45, 0.05)         # the picked family
BOX = (0.93, 0.95, 0.98)
RULE = (0.78, 0.81, 0.86)


def write_sheet(the_map, path) -> list[str]:
    """Write the sheet as PNG or PDF (by the file's suffix); the strings drawn, in order."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        surface = cairo.ImageSurface(cairo.FORMAT_RGB24, WIDTH, HEIGHT)
        drawn = _draw(cairo.Context(surface), the_map)
        surface.write_to_png(str(path))
    elif suffix == ".pdf":
        surface = cairo.PDFSurface(str(path), WIDTH * PDF_SCALE, HEIGHT * PDF_SCALE)
        ctx = cairo.Context(surface)
        ctx.scale(PDF_SCALE, PDF_SCALE)
        drawn = _draw(ctx, the_map)
        surface.finish()
    else:
        raise UserError(f"a cheat sheet is written as .png or .pdf, not {path.name!r}")
    return drawn


# ---------------------------------------------------------------------------------------------- drawing
class _Pen:
    """Text on a cairo context, with wrapping; remembers every string it drew."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.drawn: list[str] = []

    def font(self, size: float, bold: bool = False, italic: bool = False):
        self.ctx.select_font_face(FONT, cairo.FONT_SLANT_ITALIC if italic else cairo.FONT_SLANT_NORMAL,
                                  cairo.FONT_WEIGHT_BOLD if bold else cairo.FONT_WEIGHT_NORMAL)
        self.ctx.set_font_size(size)

    def lines(self, s: str, width: float) -> list[str]:
        """`s` broken between words into lines no wider than `width` (in the current font)."""
        out, line = [], ""
        for word in s.split():
            trial = f"{line} {word}".strip()
            if line and self.ctx.text_extents(trial).x_advance > width:
                out.append(line)
                line = word
            else:
                line = trial
        return out + [line] if line else out

    def text(self, s: str, x: float, y: float, width: float, size: float, color, bold=False, italic=False,
             leading: float = 1.25) -> float:
        """Draw `s` wrapped to `width` with its first baseline at y; the y under its last line."""
        self.font(size, bold, italic)
        self.ctx.set_source_rgb(*color)
        for k, line in enumerate(self.lines(s, width)):
            self.ctx.move_to(x, y + k * size * leading)
            self.ctx.show_text(line)
        self.drawn.append(s)
        return y + len(self.lines(s, width)) * size * leading

    def height(self, s: str, width: float, size: float, bold=False, italic=False, leading: float = 1.25) -> float:
        self.font(size, bold, italic)
        return len(self.lines(s, width)) * size * leading


def _box(ctx, x, y, w, h, fill, stroke=None, r=10):
    ctx.new_sub_path()
    ctx.arc(x + w - r, y + r, r, -1.5708, 0)
    ctx.arc(x + w - r, y + h - r, r, 0, 1.5708)
    ctx.arc(x + r, y + h - r, r, 1.5708, 3.1416)
    ctx.arc(x + r, y + r, r, 3.1416, 4.7124)
    ctx.close_path()
    ctx.set_source_rgb(*fill)
    if stroke:
        ctx.fill_preserve()
        ctx.set_source_rgb(*stroke)
        ctx.set_line_width(2)
        ctx.stroke()
    else:
        ctx.fill()


def _arrow(ctx, x0, y, x1, color=MUTED):
    ctx.set_source_rgb(*color)
    ctx.set_line_width(2.5)
    ctx.move_to(x0, y)
    ctx.line_to(x1 - 10, y)
    ctx.stroke()
    ctx.move_to(x1, y)
    ctx.line_to(x1 - 12, y - 7)
    ctx.line_to(x1 - 12, y + 7)
    ctx.close_path()
    ctx.fill()


def _draw(ctx, m) -> list[str]:
    pen = _Pen(ctx)
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    left, right = MARGIN, WIDTH - MARGIN
    pen.text(m.title, left, MARGIN + 34, right - left, 40, INK, bold=True)

    # Sources and footnote along the bottom, measured first so the rows can share what is left.
    notes_w = right - left
    sources = "Sources: " + "; ".join(m.sources) if m.sources else ""
    notes_h = pen.height(m.footnote, notes_w, 17) + (pen.height(sources, notes_w, 17) if sources else 0)
    rows_top, rows_bottom = MARGIN + 70, HEIGHT - MARGIN - notes_h - 10
    gap = 14
    row_h = (rows_bottom - rows_top - gap * (len(m.branches) - 1)) / len(m.branches)

    q_w = 440                                         # the question column
    leaf_x0 = left + q_w + 60                         # the leaves start after the arrow
    n_cols = max(len(b.leaves) for b in m.branches)
    col_gap = 36
    col_w = (right - leaf_x0 - col_gap * (n_cols - 1)) / n_cols
    for k, b in enumerate(m.branches):
        y = rows_top + k * (row_h + gap)
        _box(ctx, left, y, right - left, row_h, BOX)
        label = f"{k + 1}. {b.question}"
        q_h = pen.height(label, q_w - 40, 25, bold=True)
        pen.text(label, left + 20, y + (row_h - q_h) / 2 + 22, q_w - 40, 25, INK, bold=True)
        _arrow(ctx, left + q_w - 8, y + row_h / 2, leaf_x0 - 12)
        for j, leaf in enumerate(b.leaves):
            x = leaf_x0 + j * (col_w + col_gap)
            ty = y + 30
            ty = pen.text(leaf.when, x, ty, col_w, 19, MUTED, italic=True)
            ty = pen.text(leaf.pick, x, ty + 3, col_w, 23, ACCENT, bold=True)
            pen.text(leaf.why, x, ty + 3, col_w, 18, INK)
            if j:  # a rule between leaves of one branch
                ctx.set_source_rgb(*RULE)
                ctx.set_line_width(1.5)
                ctx.move_to(x - col_gap / 2, y + 14)
                ctx.line_to(x - col_gap / 2, y + row_h - 14)
                ctx.stroke()
    ny = rows_bottom + 10 + 17
    ny = pen.text(m.footnote, left, ny, notes_w, 17, MUTED)
    if sources:
        pen.text(sources, left, ny, notes_w, 17, MUTED)
    return pen.drawn
