"""The backbone table (vitmath.backbones) as a slide: one row per model, measured columns and cited accuracy.

    table = cached_backbone_table()
    L.MAIN.place(BackboneTableMobject(table))

Used by the Swin/ConvNeXt lesson and meant for any later lesson that compares backbones. Parameters and MACs
are counted from the timm models, latency measured on this machine's CPU; the accuracy column is cited, so
its header says so and a lesson showing it must also show a CitationCard.
"""
from __future__ import annotations

from manim import LEFT, RIGHT, Line, VGroup

from scenes.common import style as S


def params_text(n: int) -> str:
    return f"{n / 1e6:.1f} M"


def macs_text(n: int) -> str:
    return f"{n / 1e9:.2f} G"


def latency_text(ms: float) -> str:
    return f"{ms:.0f} ms"


COLUMNS = ("model", "family", "parameters", "MACs", "CPU latency", "top-1 (cited)")


class BackboneTableMobject(VGroup):
    """Header row, a rule, then one row per backbone. `cells[i][j]` is row i's column j (row 0 the header);
    `row(short)` finds a model's row to highlight it."""

    def __init__(self, table, size: int = S.SMALL, col_gap: float = 0.55, row_gap: float = 0.32,
                 highlight: str | None = None):
        body = [[r.short, r.family, params_text(r.params), macs_text(r.macs), latency_text(r.latency_ms),
                 f"{r.top1:.1f}%"] for r in table.rows]
        self.shorts = [r.short for r in table.rows]
        self.cells = [[S.text(c, size, S.MUTED) for c in COLUMNS]]
        for values in body:
            color = S.ACCENT if values[0] == highlight else S.INK
            self.cells.append([S.text(v, size, color, mono=j >= 2) for j, v in enumerate(values)])
        widths = [max(row[j].width for row in self.cells) for j in range(len(COLUMNS))]
        height = max(m.height for row in self.cells for m in row)
        x = 0.0
        for j, w in enumerate(widths):
            for i, row in enumerate(self.cells):
                m = row[j]
                # Text columns left-aligned, numbers right-aligned, so digits line up.
                y = -i * (height + row_gap) - (0.15 if i else 0)
                if j < 2:
                    m.move_to([x, y, 0], aligned_edge=LEFT)
                else:
                    m.move_to([x + w, y, 0], aligned_edge=RIGHT)
            x += w + col_gap
        self.rule = Line([0, -(height + row_gap) / 2 - 0.07, 0], [x - col_gap, -(height + row_gap) / 2 - 0.07, 0])
        self.rule.set_stroke(S.MUTED, 1)
        self.rows = VGroup(*[VGroup(*row) for row in self.cells])
        super().__init__(self.rows, self.rule)

    def row(self, short: str) -> VGroup:
        return self.rows[1 + self.shorts.index(short)]

    def column(self, j: int) -> VGroup:
        return VGroup(*[row[j] for row in self.cells])


__all__ = ["BackboneTableMobject", "params_text", "macs_text", "latency_text"]
