"""The ViT encoder block as a diagram, with the widths of the model being shown.

    block = TransformerBlockDiagram(trace.dims)          # one pre-norm block, bottom to top
    self.play(Create(block.highlight("attn")))           # a box around one part
    stack = BlockStack(trace.dims)                       # dims.depth blocks stacked, "x depth"

Drawn bottom to top like Figure 1 of the ViT paper, so a viewer who has seen the paper recognises it. Every
width is read from `dims` (D, H, head size, depth, tokens) or passed in (the MLP's hidden width), never typed.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Brace, Circle, DashedVMobject, Dot, Line, RoundedRectangle,
                   SurroundingRectangle, VGroup, VMobject)

from scenes.common import style as S
from scenes.common.numbers import integer, shape

PARTS = ("ln1", "attn", "residual1", "ln2", "mlp", "residual2")

BOX_W = 3.6
GAP = 0.26          # vertical space between parts, room for an arrow and its head
SKIP_X = BOX_W / 2 + 0.45  # where the residual paths run, left of the boxes


def mlp_width(dims, mlp_hidden: int | None = None) -> int:
    """The MLP's hidden width: given, or read from dims if it carries it, else ViT's 4 x D (mlp_ratio 4,
    which every timm ViT the course loads uses; pass `trace.blocks[0].mlp_hidden.shape[-1]` to be exact)."""
    if mlp_hidden is not None:
        return int(mlp_hidden)
    return int(getattr(dims, "mlp_hidden", None) or 4 * dims.D)


def _box(lines: list[tuple[str, int, str]], height: float, color: str) -> VGroup:
    box = RoundedRectangle(corner_radius=0.1, width=BOX_W, height=height)
    box.set_stroke(color, 2).set_fill(color, 0.15)
    texts = VGroup(*[S.text(s, size, c) for s, size, c in lines]).arrange(DOWN, buff=0.08)
    if texts.width > BOX_W - 0.2:
        texts.scale_to_fit_width(BOX_W - 0.2)
    texts.move_to(box)
    group = VGroup(box, texts)
    group.box, group.texts = box, texts
    return group


def _plus(radius: float = 0.16) -> VGroup:
    circle = Circle(radius=radius).set_stroke(S.INK, 2).set_fill(S.BACKGROUND, 1)
    bar = Line(LEFT * radius * 0.6, RIGHT * radius * 0.6).set_stroke(S.INK, 2)
    return VGroup(circle, bar, bar.copy().rotate(np.pi / 2))


def _arrow(a, b) -> Arrow:
    return Arrow(a, b, buff=0.03, stroke_width=3, color=S.MUTED, max_tip_length_to_length_ratio=0.5,
                 max_stroke_width_to_length_ratio=20, tip_length=0.16)


class TransformerBlockDiagram(VGroup):
    """One pre-norm ViT encoder block, bottom to top:

        x -> LayerNorm -> Multi-head attention (H heads) -> (+ x) -> LayerNorm -> MLP (D -> 4D -> D, GELU)
          -> (+) -> out

    with the residual paths drawn on the left, the token shape (T, D) at the input and output, and a dashed
    frame saying it is one of `depth` identical blocks.

    `height`: scale the whole diagram to it (None: natural size, about 5.6 units, which fits layout.MAIN
    with its type at full size).
    `highlight`: a part name to box from the start. Parts: "ln1", "attn", "residual1", "ln2", "mlp",
    "residual2" (`self.parts[name]`); `highlight(name)` returns a new box around one, ready to Create.
    """

    def __init__(self, dims, height: float | None = None, highlight: str | None = None,
                 mlp_hidden: int | None = None):
        super().__init__()
        self.dims = dims
        D, H, d, T = dims.D, dims.H, dims.head_dim, dims.N + 1
        self.hidden = mlp_width(dims, mlp_hidden)
        tokens = shape(T, D).screen

        # Inputs and outputs name the tensor flowing through: T tokens of width D.
        self.input = S.text(f"x {tokens}", S.SMALL, S.BLUE, mono=True)
        self.output = S.text(f"out {tokens}", S.SMALL, S.BLUE, mono=True)
        self.ln1 = _box([("LayerNorm", S.SMALL, S.INK)], 0.42, S.MUTED)
        self.attn = _box([("Multi-head attention", S.SMALL, S.INK),
                          (f"{H} heads × {d} = {integer(D).screen}", S.TINY, S.MUTED)], 0.7, S.ACCENT)
        self.plus1 = _plus()
        self.ln2 = _box([("LayerNorm", S.SMALL, S.INK)], 0.42, S.MUTED)
        self.mlp = _box([("MLP", S.SMALL, S.INK),
                         (f"{integer(D).screen} → {integer(self.hidden).screen} → {integer(D).screen}, GELU",
                          S.TINY, S.MUTED)], 0.7, S.GREEN)
        self.plus2 = _plus()
        column = [self.input, self.ln1, self.attn, self.plus1, self.ln2, self.mlp, self.plus2, self.output]
        # Stack bottom to top, GAP between neighbours; the ends get more, so that the frame passes between
        # the block and its input and output.
        gaps = [1.6 * GAP] + [GAP] * (len(column) - 3) + [1.6 * GAP]
        y = 0.0
        for mob, gap in zip(column, gaps + [0]):
            mob.move_to([0, y + mob.height / 2, 0])
            y += mob.height + gap
        self.flow = VGroup(*[_arrow(a.get_top(), b.get_bottom()) for a, b in zip(column, column[1:])])
        self.sizes = S.text(f"T = {integer(T).screen} tokens, D = {integer(D).screen}", S.TINY, S.MUTED)
        self.sizes.next_to(self.input, RIGHT, buff=0.3)

        # Residuals: a branch taken before each LayerNorm, added back at the next (+).
        self.skip1 = self._skip(self.flow[0], self.plus1)
        self.skip2 = self._skip(self.flow[3], self.plus2)

        inner = VGroup(self.ln1, self.attn, self.plus1, self.ln2, self.mlp, self.plus2, self.skip1, self.skip2)
        frame = RoundedRectangle(corner_radius=0.15, width=inner.width + 0.4, height=inner.height + 0.2)
        frame.move_to(inner).set_stroke(S.MUTED, 1.5)
        self.frame = DashedVMobject(frame, num_dashes=60)
        self.frame_label = S.text(f"encoder block, one of {dims.depth}", S.TINY, S.MUTED)
        self.frame_label.rotate(-np.pi / 2).next_to(frame, RIGHT, buff=0.12)

        self.parts = {
            "ln1": self.ln1, "attn": self.attn, "residual1": VGroup(self.skip1, self.plus1),
            "ln2": self.ln2, "mlp": self.mlp, "residual2": VGroup(self.skip2, self.plus2),
        }
        self.add(self.frame, self.frame_label, self.flow, self.skip1, self.skip2, *column, self.sizes)
        _centre_size_and_highlight(self, height, highlight)

    def _skip(self, branch_arrow: Arrow, plus: VGroup) -> VGroup:
        start = branch_arrow.get_center()
        dot = Dot(start, radius=0.05, color=S.MUTED)
        path = VMobject().set_points_as_corners([start, [-SKIP_X, start[1], 0], [-SKIP_X, plus.get_y(), 0]])
        path.set_stroke(S.MUTED, 3)
        into = _arrow([-SKIP_X, plus.get_y(), 0], plus.get_left())
        return VGroup(dot, path, into)

    def highlight(self, part: str, color: str = S.ACCENT) -> VMobject:
        """A mark on one part, not added: `self.play(Create(block.highlight("mlp")))`. A box around a box; a
        residual (an L-shaped path, whose bounding box would cover the attention or MLP beside it) is traced
        over in `color` instead, with a ring around its (+)."""
        if part not in self.parts:
            raise ValueError(f"unknown part {part!r}; parts are {', '.join(PARTS)}")
        if part.startswith("residual"):
            skip, plus = self.parts[part]
            trace = VGroup(*[m.copy() for m in skip[1:]]).set_color(color).set_stroke(width=6)
            ring = Circle(radius=plus.width / 2 + 0.07).move_to(plus).set_stroke(color, 4)
            return VGroup(trace, ring)
        return SurroundingRectangle(self.parts[part], color=color, buff=0.08, corner_radius=0.08,
                                    stroke_width=4)

    def stack(self, height: float | None = None) -> "BlockStack":
        """This model's `depth` blocks stacked small, with "x depth"."""
        return BlockStack(self.dims, height=height)


class BlockStack(VGroup):
    """`dims.depth` identical encoder blocks stacked bottom to top, labelled 1..depth on screen (the course's
    convention) while `block(i)` and `highlight(i)` take `trace.blocks`' index (0 first),
    with a brace and "× depth", and the token shape (T, D) going in and coming out.

    `block(i)` is block i's box; `highlight(i)` returns a box around it."""

    def __init__(self, dims, height: float | None = None, highlight: int | None = None):
        super().__init__()
        self.dims = dims
        depth, T = dims.depth, dims.N + 1
        tokens = shape(T, dims.D).screen
        slot = min(0.45, 4.6 / depth)
        self.blocks = VGroup()
        for i in range(depth):
            box = RoundedRectangle(corner_radius=0.06, width=2.6, height=0.75 * slot)
            box.set_stroke(S.ACCENT, 1.5).set_fill(S.ACCENT, 0.12).move_to([0, i * slot, 0])
            name = S.text(f"block {i + 1}", S.TINY, S.INK)  # numbered 1..depth on screen, as narrated
            if name.height > 0.8 * box.height:
                name.scale_to_fit_height(0.8 * box.height)
            self.blocks.add(VGroup(box, name.move_to(box)))
        self.input = S.text(f"{tokens} in", S.SMALL, S.BLUE, mono=True).next_to(self.blocks, DOWN, buff=0.2)
        self.output = S.text(f"{tokens} out", S.SMALL, S.BLUE, mono=True).next_to(self.blocks, UP, buff=0.2)
        self.brace = Brace(self.blocks, RIGHT, color=S.MUTED)
        self.count = S.text(f"× {dims.depth}", S.HEADING, S.ACCENT).next_to(self.brace, RIGHT, buff=0.15)
        self.add(self.blocks, self.input, self.output, self.brace, self.count)
        _centre_size_and_highlight(self, height, highlight)

    def block(self, i: int) -> VGroup:
        return self.blocks[i]

    def highlight(self, i: int, color: str = S.ACCENT) -> SurroundingRectangle:
        return SurroundingRectangle(self.blocks[i], color=color, buff=0.05, stroke_width=4)


__all__ = ["TransformerBlockDiagram", "BlockStack", "PARTS", "mlp_width"]


def _centre_size_and_highlight(diagram, height, highlight) -> None:
    """Shared finish of both diagrams: centred, scaled to `height`, one part boxed from the start."""
    diagram.center()
    if height is not None:
        diagram.scale_to_fit_height(height)
    diagram.highlighted = None
    if highlight is not None:
        diagram.highlighted = diagram.highlight(highlight)
        diagram.add(diagram.highlighted)
