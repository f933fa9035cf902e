"""A table of mobjects: a header over a rule, then rows, each column aligned left or right.

    table = Table([[S.text(h, S.SMALL, S.MUTED) for h in header], *[[S.text(c, S.SMALL) for c in r] for r in rows]],
                  align="lrrl")
    L.MAIN.place(table)
    self.play(FadeIn(table.head), run_time=cue.clause())            # header and rule
    self.play(LaggedStart(*[FadeIn(r) for r in table.rows]), ...)    # then the rows, one by one

Numbers are right-aligned so their digits line up; words left-aligned. The cells are the caller's mobjects
(their words come from the script), so a lesson colours or indicates any of them afterwards: table.rows[i][j].
"""
from __future__ import annotations

from manim import LEFT, RIGHT, Line, Text, VGroup

from scenes.common import style as S
from scenes.common.cards import center_on_baseline


class Table(VGroup):
    """cells[0] is the header row; `align` has one "l" or "r" per column (default: all left).

    Attributes: header (VGroup of the header's cells), rule (the line under it), head (header and rule),
    rows (VGroup of the body's rows, each a VGroup of its cells), column(j) (the body's cells of column j).
    """

    def __init__(self, cells: list[list], align: str | None = None, col_gap: float = 0.5, row_gap: float = 0.25,
                 rule_color: str = S.MUTED):
        super().__init__()
        n = len(cells[0])
        if any(len(row) != n for row in cells):
            raise ValueError(f"every row needs {n} cells, as the header has")
        align = align or "l" * n
        if len(align) != n or set(align) - {"l", "r"}:
            raise ValueError(f"align needs one 'l' or 'r' per column ({n}), not {align!r}")
        widths = [max(row[j].width for row in cells) for j in range(n)]
        pitch = max(m.height for row in cells for m in row) + row_gap

        def row_y(i: int) -> float:
            return -i * pitch - (0.15 if i else 0.0)  # the body leaves the rule room under the header

        x = 0.0
        for j, w in enumerate(widths):
            for i, row in enumerate(cells):
                y = row_y(i)
                if align[j] == "r":
                    row[j].move_to([x + w, y, 0], aligned_edge=RIGHT)
                else:
                    row[j].move_to([x, y, 0], aligned_edge=LEFT)
            x += w + col_gap
        # The words of a row share one baseline: centring their boxes would lift "median patch norm" (a
        # descender) above "block" and drop "norm" (no ascender) below it.
        for i, row in enumerate(cells):
            texts = [c for c in row if isinstance(c, Text)]
            if texts:
                x_height = max(S.text("x", round(c.font_size)).height for c in texts)
                for c in texts:
                    center_on_baseline(c, row_y(i), x_height)
        self.header = VGroup(*cells[0])
        y_rule = self.header.get_bottom()[1] - 0.12
        self.rule = Line([0, y_rule, 0], [x - col_gap, y_rule, 0]).set_stroke(rule_color, 1)
        self.head = VGroup(self.header, self.rule)
        self.rows = VGroup(*[VGroup(*row) for row in cells[1:]])
        self.add(self.head, self.rows)

    def column(self, j: int) -> VGroup:
        return VGroup(*[row[j] for row in self.rows])
