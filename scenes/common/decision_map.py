"""A decision map on screen: rows of "question -> leaves", each leaf a condition, the pick and its reason.

Reads the same kind of object as scenes/common/cheat_sheet.py (a map with `branches`, each with `question`
and `leaves` of `when` / `pick` / `why`), so a lesson can build its map branch by branch and the printable
sheet shows exactly the same words.

    row = DecisionRow("1. What were your weights trained on?", branch.leaves, width=L.MAIN.width)
    whole = DecisionMap(the_map, width=L.MAIN.width)      # every row, stacked; whole.rows[k] is row k
    self.play(big_row.animate.scale(0.3).move_to(whole.rows[k]).set_opacity(0))   # the big row shrinks away,
    self.play(FadeIn(whole.rows[k]))                                                # then its slot appears

Every row is built at the same type sizes and then scaled; a big row and its slot in the map may wrap their
words differently, so one must go before the other comes: a FadeTransform between them shows both texts
half-faded over each other (ghost letters), a Transform morphs letter into letter.
"""
from __future__ import annotations

from manim import DOWN, LEFT, UP, Arrow, Line, RoundedRectangle, VGroup

from scenes.common import style as S
from scenes.common.cards import wrapped

QUESTION_SHARE = 0.22      # of the row's width
LEAF_GAP = 0.45


class LeafCard(VGroup):
    """when (muted) / pick (accent) / why (ink), left-aligned, wrapped to `width`."""

    def __init__(self, leaf, width: float):
        self.when = wrapped(leaf.when, S.SMALL, width, S.MUTED)
        self.pick = wrapped(leaf.pick, S.BODY, width, S.ACCENT)
        self.why = wrapped(leaf.why, S.SMALL, width, S.INK)
        super().__init__(self.when, self.pick, self.why)
        self.arrange(DOWN, aligned_edge=LEFT, buff=0.14)


class DecisionRow(VGroup):
    """One branch: the question in a box, an arrow, its leaves side by side (a thin rule between them)."""

    def __init__(self, label: str, leaves, width: float, columns: int | None = None):
        columns = columns or len(leaves)
        q_w = QUESTION_SHARE * width
        leaf_w = (width - q_w - 1.0 - LEAF_GAP * (columns - 1)) / columns
        self.question = wrapped(label, S.BODY, q_w - 0.4, S.INK)
        self.leaves = VGroup(*[LeafCard(leaf, leaf_w) for leaf in leaves])
        height = max([c.height for c in self.leaves] + [self.question.height]) + 0.5
        self.box = RoundedRectangle(corner_radius=0.1, width=width, height=height)
        self.box.set_stroke(S.MUTED, 1.5).set_fill(S.BACKGROUND, 0.9)
        left = self.box.get_left()[0]
        self.question.move_to(self.box).set_x(left + 0.25, LEFT)
        x0 = left + q_w + 0.8
        for j, card in enumerate(self.leaves):
            card.move_to(self.box).set_x(x0 + j * (leaf_w + LEAF_GAP), LEFT)
            card.align_to(self.box.get_top() + 0.25 * DOWN, UP)
        self.arrow = Arrow([left + q_w - 0.1, 0, 0], [x0 - 0.15, 0, 0], buff=0, stroke_width=3,
                           max_tip_length_to_length_ratio=0.3, color=S.MUTED).set_y(self.box.get_y())
        self.rules = VGroup(*[
            Line(UP, DOWN).set_stroke(S.MUTED, 1, opacity=0.6).scale_to_fit_height(height - 0.4)
            .move_to(self.box).set_x(x0 + j * (leaf_w + LEAF_GAP) - LEAF_GAP / 2)
            for j in range(1, len(self.leaves))])
        super().__init__(self.box, self.question, self.arrow, self.leaves, self.rules)


class DecisionMap(VGroup):
    """Every branch of `the_map` as a DecisionRow, stacked top to bottom, all rows one width."""

    def __init__(self, the_map, width: float, gap: float = 0.15):
        columns = max(len(b.leaves) for b in the_map.branches)
        self.rows = VGroup(*[DecisionRow(f"{k + 1}. {b.question}", b.leaves, width, columns)
                             for k, b in enumerate(the_map.branches)])
        self.rows.arrange(DOWN, buff=gap)
        super().__init__(self.rows)

    def strings(self) -> list[str]:
        """The words drawn, per row: question, then when / pick / why of each leaf (for tests)."""
        out = []
        for row in self.rows:
            out.append(_text(row.question))
            for card in row.leaves:
                out += [_text(card.when), _text(card.pick), _text(card.why)]
        return out


def _text(lines: VGroup) -> str:
    return " ".join(line.text for line in lines)
