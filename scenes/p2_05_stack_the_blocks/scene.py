"""Phase 2, lesson 9: Stack twelve identical blocks and call it a day.

One encoder block as a diagram and as the real tensors of block 1; "identical" shown to mean the same design
with different weights (even with the MLP's hidden units paired up in their best order); the block's
parameters counted from the model (about 12 D^2, two thirds in the MLP) and the whole model's total. Then what
the stack does to the tokens, which is the lesson's own question: every patch token's length drawn block by
block (the residual stream as a running sum), the block and the branch that make the high-norm tokens long
and the few channels that hold that length, how much each block adds to a typical token, where CLS's
attention goes block by block (itself, the patches, the high-norm tokens), and how late CLS takes its final
direction. Every number comes from the trace and facts.py; where the numbers decide what a sentence says, the
scene picks a key of one of the script's [choice.*] tables; every word, spoken or drawn, is in script.toml.
Each cue builds what it shows, so any cue can be previewed on its own.

    manim -ql scenes/p2_05_stack_the_blocks/scene.py StackTheBlocks
"""
from __future__ import annotations

import math

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, DashedLine, FadeIn, Group, Indicate, LaggedStart, Line,
                   Rectangle, RoundedRectangle, SurroundingRectangle, VGroup, Write)

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.block_chart import BlockBars
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, center_on_baseline, wrapped
from scenes.common.diagrams import TransformerBlockDiagram
from scenes.common.heatmaps import ColorBar, tick_numbers
from scenes.common.matrices import MatrixImage
from scenes.common.narrated import NarratedScene
from scenes.p2_05_stack_the_blocks.facts import cached_stack_facts, high_norm_start
from vitmath.errors import UserError

BASE_DEPTH = 12  # ViT-Base's layers, ViT paper Table 1 (cited on screen)
WEIGHT_CMAP = "coolwarm"  # signed, zero at grey
# The keys this lesson may choose among (a literal, read by `vitlessons list`); the words are the script's
# [choice.*] tables.
CHOICES = {
    "depth_note": ("base", "other"),
    "fc1_note": ("unrelated", "related"),
    "matched_note": ("near_random", "related"),
    "rule": ("close", "differs"),
    "block_size": ("thousands", "millions"),
    "twelve_d2_size": ("thousands", "millions"),
    "rollout_note": ("with", "without"),
    "mlp_fraction": ("two_thirds", "more_than_half", "less_than_half"),
    "jump": ("made", "made_one", "already", "none"),
    "jump_heading": ("made", "already", "none"),
    "hn_name": ("corners", "one", "count"),
    "hn_name_short": ("corners", "one", "count"),
    "hn_name_cap": ("corners", "one", "count"),
    "place": ("top_left", "top_right", "bottom_left", "bottom_right", "cell"),
    "maker": ("mlp", "attn", "already", "none"),
    "channels_note": ("one", "few", "spread"),
    "update_big": ("some", "none"),
    "big_blocks": ("one", "several"),
    "high_part": ("with", "without"),
    "cls_self": ("only", "as_much_as", "about_the_same"),
    "cls_high": ("drawn", "little", "none"),
    "cos_late": ("late", "early"),
    "mlp_majority": ("most", "share"),
}
# Few enough channels to name "a few numbers" of a long token's length (facts.CHANNEL_SHARE of it).
FEW_CHANNELS = 8


def pct(p: float, places: int | None = None) -> num.Number:
    """A share as a percentage; below 9.5 percent with one decimal, so that a small share never reads 0."""
    if places is None:
        places = 1 if abs(p) < 0.095 else 0
    return num.percent(p, places)


def rounded(x: float) -> num.Number:
    """A length said for its size: two significant figures (538.1 -> 540, 17.2 -> 17), one decimal below 10."""
    if x < 10:
        return num.decimal(x, 1)
    digits = int(math.floor(math.log10(x))) - 1
    return num.integer(int(round(x, -digits)))


def place(patch: int, grid: int) -> Choice:
    """A patch (raster index): a corner by name, else its row and column counted from 1."""
    r, c = divmod(int(patch), grid)
    corners = {(0, 0): "top_left", (0, grid - 1): "top_right", (grid - 1, 0): "bottom_left",
               (grid - 1, grid - 1): "bottom_right"}
    return Choice(corners[(r, c)]) if (r, c) in corners else Choice("cell", row=r + 1, col=c + 1)


# ---------------------------------------------------------------------- what the numbers say (choice keys)
# Each decision is a plain function of numbers, so the lesson's test can drive it over models and photos the
# course does not ship (another depth, another MLP width, tokens long from the start, ...).

def depth_note(depth: int) -> Choice:
    return Choice("base" if depth == BASE_DEPTH else "other", base_depth=BASE_DEPTH)


def fc1_note(cosine: float) -> Choice:
    """Two blocks' fc1 weights "share nothing" as lists of numbers while their cosine is near 0."""
    return Choice("unrelated" if abs(cosine) < 0.1 else "related")


def matched_note(matched: float, matched_random: float) -> Choice:
    """"Nearly unrelated" while pairing the hidden units lifts the cosine little more (under 0.15) than it
    lifts two random matrices' of the same shape."""
    near = matched - matched_random < 0.15
    return Choice("near_random" if near else "related", matched=num.decimal(matched, 2),
                  matched_random=num.decimal(matched_random, 2))


def rule(total: int, twelve_d2: int) -> Choice:
    """"Under 1 percent more, the biases and LayerNorms" holds when the rule counts the weights and the rest
    is small; an MLP of another width, or a small D, makes the block differ from 12 D^2."""
    extra = total - twelve_d2
    share = extra / twelve_d2
    return Choice("close") if extra >= 0 and share < 0.01 else Choice("differs", rule_share=pct(abs(share)))


def mlp_fraction(mlp: int, total: int) -> Choice:
    """The MLP's share of one block: "two thirds" at the usual MLP width (4 D), else more or less than half."""
    share = mlp / total
    if abs(share - 2 / 3) < 0.02:
        return Choice("two_thirds")
    return Choice("more_than_half" if share > 0.5 else "less_than_half", mlp_share=pct(share))


def mlp_majority(block_mlp: int, depth: int, model_total: int) -> Choice:
    """Whether the blocks' MLPs hold most of the whole model (a large classifier head can outweigh them)."""
    share = block_mlp * depth / model_total
    return Choice("most") if share > 0.5 else Choice("share", model_mlp_share=pct(share))


def high_norm_name(high: list[int], grid: int, N: int) -> Choice:
    """The high-norm patches by name: the four corners, the one patch by its place, or their count. The same
    key serves hn_name, hn_name_short and hn_name_cap (the script words it three ways)."""
    if set(high) == {0, grid - 1, N - grid, N - 1}:
        return Choice("corners")
    if len(high) == 1:
        return Choice("one", place=place(high[0], grid))
    return Choice("count", hn_count=len(high))


def channels_note(channels: int, share: float) -> Choice:
    """How many of a long token's channels hold facts.CHANNEL_SHARE of its squared length: one, a few, many."""
    if channels == 1:
        return Choice("one", channel_share=pct(share))
    if channels <= FEW_CHANNELS:
        return Choice("few", channels=channels, channel_share=pct(share))
    return Choice("spread")


def jump_key(start: int | None, n_high: int) -> str:
    """The stream cue's last sentence: no high-norm patch (start None), long from the start (stream point 0),
    or a block that makes one or several of them long."""
    if start is None:
        return "none"
    if start == 0:
        return "already"
    return "made_one" if n_high == 1 else "made"


def jump_heading_key(start: int | None) -> str:
    return "none" if start is None else "already" if start == 0 else "made"


def maker_key(start: int | None, attn_add: list[float], mlp_add: list[float]) -> str:
    """Which branch of the block that makes them long adds their length (by the median over the high-norm
    patches of what each branch adds in that block); "already" and "none" as for jump_key."""
    if start is None:
        return "none"
    if start == 0:
        return "already"
    return "mlp" if np.median(mlp_add) >= np.median(attn_add) else "attn"


def cls_self(first: float, last: float) -> Choice:
    """CLS's attention to itself in the first block against the last: less than half, more than twice, or
    about the same."""
    key = "only" if first > 2 * last else "as_much_as" if last > 2 * first else "about_the_same"
    return Choice(key, self_first=pct(first), self_last=pct(last))


def cls_high_key(cls_to_high: list[float], n_high: int, N: int, start: int | None) -> str:
    """The high-norm patches "draw" CLS's attention when, from the first block that reads them long (its
    input is stream point `start`), they take at least twice their share of the patches in every block."""
    if not n_high or start is None:
        return "none"
    shares = cls_to_high[start:]
    return "drawn" if shares and min(shares) >= 2 * n_high / N else "little"


class LengthLines(VGroup):
    """Every patch token's length at every stream point as one thin line per patch on a log axis, the median
    as a thick blue line and the high-norm patches in the accent colour; each stretch from one stream point
    to the next is its own group (`steps[k]`: point k to k + 1), so the lines can be drawn block by block."""

    def __init__(self, norms: np.ndarray, high: list[int], labels: list[str], y_title: str, x_title: str,
                 width: float, height: float):
        super().__init__()
        points, n = norms.shape
        lo = 10 ** math.floor(math.log10(norms.min()))
        hi = 10 ** math.ceil(math.log10(norms.max()))
        self.lo, self.hi, self.plot_w, self.plot_h, self.n_points = lo, hi, width, height, points

        axis = VGroup(Line([0, 0, 0], [width, 0, 0]), Line([0, 0, 0], [0, height, 0])).set_stroke(S.MUTED, 2)
        ticks = VGroup()
        decades = [10 ** e for e in range(int(round(math.log10(lo))), int(round(math.log10(hi))) + 1)]
        for v, t in zip(decades, tick_numbers([float(v) for v in decades])):
            y = self.py(v)
            ticks.add(Line([-0.08, y, 0], [0, y, 0]).set_stroke(S.MUTED, 2),
                      S.text(t.screen, S.TINY, mono=True).next_to([-0.08, y, 0], LEFT, buff=0.08))
        xs = VGroup(*[S.text(lab, S.TINY, S.MUTED).next_to([self.px(k), 0, 0], DOWN, buff=0.1)
                      for k, lab in enumerate(labels)])
        yt = S.text(y_title, S.TINY).rotate(math.pi / 2).next_to(ticks, LEFT, buff=0.12).set_y(height / 2)
        xt = S.text(x_title, S.TINY).next_to(xs, DOWN, buff=0.12).set_x(width / 2)
        self.frame = VGroup(axis, ticks, xs, yt, xt)

        median = np.median(norms, axis=1)
        others = [i for i in range(n) if i not in high]
        self.steps = VGroup()
        for k in range(points - 1):
            step = VGroup()
            for i in others:
                step.add(self.segment(norms[k, i], norms[k + 1, i], k).set_stroke(S.MUTED, 1, opacity=0.35))
            step.add(self.segment(median[k], median[k + 1], k).set_stroke(S.BLUE, 5))
            for i in high:
                step.add(self.segment(norms[k, i], norms[k + 1, i], k).set_stroke(S.ACCENT, 3))
            self.steps.add(step)
        self.median_end = np.array([self.px(points - 1), self.py(median[-1]), 0])
        self.add(self.frame, self.steps)

    def px(self, k: float) -> float:
        return self.plot_w * k / (self.n_points - 1)

    def py(self, v: float) -> float:
        return self.plot_h * (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))

    def segment(self, a: float, b: float, k: int) -> Line:
        return Line([self.px(k), self.py(a), 0], [self.px(k + 1), self.py(b), 0])

    def point_at(self, k: int, v: float) -> np.ndarray:
        """Screen position of stream point k at length v, wherever the chart now is."""
        origin = self.frame[0][0].get_start()
        return origin + np.array([self.px(k), self.py(v), 0.0])


class StackTheBlocks(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        if d.depth < 2:
            raise UserError("this lesson compares blocks: it needs a model with at least 2 blocks")
        self.facts = f = cached_stack_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        p = f.params
        T = d.N + 1
        if not p.same_in_every_block:
            # The screen says "same shapes in every block: yes"; timm's VisionTransformer builds every block
            # from the same arguments, so only a model built some other way could land here.
            raise UserError("this model's blocks differ in their parameter shapes; the lesson needs one block design")
        ratio = f.mlp_hidden / d.D
        return {
            "depth_note": depth_note(d.depth),
            "base_depth": BASE_DEPTH,
            "D": num.integer(d.D),
            "tokens_shape": num.shape(T, d.D),
            "num_tokens": T,
            "mlp_hidden": num.integer(f.mlp_hidden),
            "mlp_ratio": int(ratio) if ratio == int(ratio) else num.decimal(ratio, 1),
            "hidden_shape": num.shape(T, f.mlp_hidden),
            "fc1_shape": num.shape(*f.fc1_first.shape),
            "fc1_rel_diff": num.decimal(f.fc1_rel_diff, 2),
            "fc1_cosine": num.decimal(f.fc1_cosine, 2),
            "fc1_note": fc1_note(f.fc1_cosine),
            "matched_note": self.matched_note(),
            "block_params": num.integer(p.total),
            "block_size": self.size_words(p.total),
            "twelve_d2": num.integer(p.twelve_d2),
            "twelve_d2_size": self.size_words(p.twelve_d2),
            "rule": rule(p.total, p.twelve_d2),
            "mlp_share": pct(p.mlp / p.total),
            "mlp_fraction": mlp_fraction(p.mlp, p.total),
            "blocks_total": num.integer(f.blocks_total),
            "model_total": num.integer(f.model_total),
            "blocks_millions": num.decimal(f.blocks_total / 1e6, 1),
            "model_millions": num.decimal(f.model_total / 1e6, 1),
            "blocks_share": pct(f.blocks_total / f.model_total),
            **self.high_norm_values(),
            **self.update_values(),
            **self.cls_values(),
            **self.cosine_values(),
            "mlp_majority": self.mlp_majority(),
        }

    # ------------------------------------------------------------------ what the numbers say (choice keys)
    def mlp_majority(self) -> Choice:
        f = self.facts
        return mlp_majority(f.params.mlp, f.depth, f.model_total)

    @staticmethod
    def size_words(n: int) -> Choice:
        return (Choice("thousands", n=num.integer(round(n / 1000))) if n < 999_500 else
                Choice("millions", n=num.decimal(n / 1e6, 1)))

    def matched_note(self) -> Choice:
        f = self.facts
        return matched_note(f.fc1_matched_cosine, f.fc1_matched_random)

    def high_norm_values(self) -> dict:
        """The stream and jump cues' words: the high-norm patches (vitmath's one measure), the block whose
        output first holds them long, what its attention and MLP add to them, and how few channels hold it."""
        f, d = self.facts, self.dims
        norms = f.patch_norms.numpy()                     # (depth + 1, N)
        median = np.median(norms, axis=1)
        high = f.high_norm_patches
        start = high_norm_start(f)                        # stream point: 0 = before block 1, k = after block k
        self.jump_start = start
        values = {"median_low": rounded(float(median.min())), "median_high": rounded(float(median.max()))}
        name = high_norm_name(high, d.grid, d.N)
        names = {k: name for k in ("hn_name", "hn_name_short", "hn_name_cap")}
        jump, heading = jump_key(start, len(high)), jump_heading_key(start)
        if start is None:
            b = int(np.argmax(f.mlp_add_median))
            values.update(jump=Choice(jump, longest_ratio=num.decimal(f.patch_norm_max[-1] / median[-1], 1)),
                          jump_heading=Choice(heading), maker=Choice(maker_key(start, [], []), mlp_high=rounded(max(
                              float(np.max(f.mlp_add_median)), 1e-9))), **names)
            self.jump_block = b
            return values
        after = norms[max(start, 0):, high]
        # how much any later block changes their length, relative to it
        later = np.abs(np.diff(after, axis=0)) / after[:-1] if len(after) > 1 else np.zeros((1, len(high)))
        later_change = pct(float(later.max()) if later.size else 0.0)
        channels = channels_note(f.high_norm_channels, f.high_norm_channel_share)
        if start == 0:
            # The words name the patches ("But {hn_name} are long from the start"), so they need the names too,
            # and say how long they are going into block 1: stream point 0.
            ratio = num.integer(round(float(norms[0, high].max() / median[0])))
            values.update(jump=Choice(jump, jump_times=ratio), jump_heading=Choice(heading),
                          maker=Choice(maker_key(start, [], []), channels_note=channels, later_change=later_change),
                          **names)
            self.jump_block = None
            return values
        b = start - 1                                     # the block (0-based) whose output holds them first
        self.jump_block = b
        made = dict(jump_block=b + 1, before_high=rounded(float(norms[start - 1, high].max())),
                    after_low=rounded(float(norms[start, high].min())),
                    after_high=rounded(float(norms[start, high].max())),
                    jump_times=num.integer(round(float((norms[start, high] / median[start]).max()))))
        attn, mlp = f.attn_add_high[b], f.mlp_add_high[b]
        values.update(jump=Choice(jump, **made),
                      jump_block=b + 1, jump_heading=Choice(heading, jump_block=b + 1),
                      maker=Choice(maker_key(start, attn, mlp), jump_block=b + 1, attn_low=rounded(min(attn)),
                                   attn_high=rounded(max(attn)), mlp_low=rounded(min(mlp)), mlp_high=rounded(max(mlp)),
                                   channels_note=channels, later_change=later_change),
                      **names)
        return values

    def update_values(self) -> dict:
        u = self.facts.update_ratio
        lo, hi = int(np.argmin(u)), int(np.argmax(u))
        big = [i + 1 for i, v in enumerate(u) if v >= 1.0]
        if not big:
            update_big = Choice("none")
        else:
            blocks = (Choice("one", big_last=big[0]) if len(big) == 1 else
                      Choice("several", big_first=", ".join(str(b) for b in big[:-1]), big_last=big[-1]))
            update_big = Choice("some", big_blocks=blocks)
        return {"update_low": num.decimal(u[lo], 2), "update_low_block": lo + 1,
                "update_high": num.decimal(u[hi], 2), "update_high_block": hi + 1, "update_big": update_big}

    def cls_values(self) -> dict:
        """Where CLS's attention goes: itself, the high-norm patches, the rest; the high-norm patches "draw"
        it when, from the first block that reads them long, they take at least twice their share of the
        patches in every block."""
        f, d = self.facts, self.dims
        values = {"cls_self": cls_self(f.cls_self[0], f.cls_self[-1])}
        high = f.high_norm_patches
        start = self.jump_start if hasattr(self, "jump_start") else high_norm_start(f)
        key = cls_high_key(f.cls_to_high, len(high), d.N, start)
        if key == "none":
            return values | {"high_part": Choice("without"), "cls_high": Choice(key), "hn_area": pct(0.0),
                             "rollout_note": Choice("without")}
        area = len(high) / d.N
        reads = list(range(start, d.depth))               # blocks (0-based) whose input holds them long
        shares = [f.cls_to_high[b] for b in reads]
        values |= {"high_part": Choice("with"), "hn_area": pct(area), "rollout_note": Choice("with")}
        if key == "drawn":
            values["cls_high"] = Choice(key, draw_start=reads[0] + 1, draw_low=pct(min(shares)),
                                        draw_high=pct(max(shares)))
        else:
            values["cls_high"] = Choice(key)
        return values

    def cosine_values(self) -> dict:
        c = self.facts.cls_cosine_to_last
        before = num.decimal(c[-2], 2)
        return {"cos_first": num.decimal(c[0], 2), "depth_before_last": self.dims.depth - 1,
                "cos_late": Choice("late" if c[-2] < 0.5 else "early", cos_before=before)}

    # ------------------------------------------------------------------ what the cues share
    def numbered_stack(self, height: float, highlight: int | None = None) -> VGroup:
        """The model's blocks as a column of boxes numbered 1..depth, bottom to top, with "x depth"."""
        depth = self.dims.depth
        slot = height / depth
        boxes = VGroup()
        for i in range(depth):
            box = RoundedRectangle(corner_radius=0.05, width=2.4, height=0.78 * slot)
            color = S.ACCENT if i == highlight else S.BLUE
            box.set_stroke(color, 1.5).set_fill(color, 0.15).move_to([0, i * slot, 0])
            name = S.text(self.words("block", n=i + 1), S.TINY)
            if name.height > 0.75 * box.height:
                name.scale_to_fit_height(0.75 * box.height)
            boxes.add(VGroup(box, name.move_to(box)))
        count = S.text(self.words("stack_times"), S.HEADING, S.ACCENT).next_to(boxes, RIGHT, buff=0.3)
        return VGroup(boxes, count)

    def tensor_panel(self) -> Group:
        """Block 1's tensors left to right, on one shared colour scale (clipped at the 99th percentile of |x|,
        so that a few large entries do not wash the rest out)."""
        b = self.trace.blocks[0]
        shown = [("input", self.trace.x0), ("attn", b.attn_out), ("sum", b.x_mid), ("hidden", b.mlp_hidden),
                 ("output", b.out)]
        every = np.concatenate([np.abs(t.numpy()).ravel() for _, t in shown])
        self.tensor_clip = clip = float(np.percentile(every, 99))
        h, w = 3.2, 1.45
        mats = Group()
        for name, tensor in shown:
            wide = tensor.shape[1] > self.dims.D
            m = MatrixImage(tensor, WEIGHT_CMAP, height=h, width=2 * w if wide else w, vmin=-clip, vmax=clip,
                            font_size=S.TINY)
            title = S.text(self.words(name), S.TINY, S.ACCENT if wide else S.INK).next_to(m.image, UP, buff=0.15)
            mats.add(Group(m, title))
        mats.arrange(RIGHT, buff=0.6, aligned_edge=DOWN)
        # The last gap holds the "+ MLP" label above its arrow: as wide as the label, so neither matrix covers it.
        plus_mlp = S.text(self.words("plus_mlp"), S.TINY, S.ACCENT)
        mats[-1].shift(max(0.0, plus_mlp.width + 0.3 - 0.6) * RIGHT)
        # What joins them: x + attention = sum -> hidden -> output (the sum plus the MLP's output).
        self.tensor_signs = VGroup()
        for k, sign in enumerate(("+", "=", r"\to", r"\to")):
            a, b = mats[k][0].image, mats[k + 1][0].image
            t = tex(sign, S.BODY, S.ACCENT).move_to([(a.get_right()[0] + b.get_left()[0]) / 2, a.get_y(), 0])
            if k == 3:  # the output is the sum plus the MLP's output, not the hidden layer alone
                t = VGroup(t, plus_mlp.next_to(t, UP, buff=0.08))
            self.tensor_signs.add(t)
        bar = ColorBar(WEIGHT_CMAP, -clip, clip, self.words("bar"), height=h)
        bar.next_to(mats, RIGHT, buff=0.3).align_to(mats[0][0].image, DOWN)
        return Group(mats, bar, self.tensor_signs)


    def cues(self):
        return [self.hook, self.anatomy, self.tensors, self.identical, self.params, self.totals, self.stream,
                self.jump, self.residual, self.cls, self.cls_cosine, self.recap]

    # ------------------------------------------------------------------ cues
    def hook(self):
        d = self.dims
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.12)
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.38)
            stack = self.numbered_stack(L.MAIN.height - 0.4)
            left.place(stack)
            run = cue.until("stack")
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * UP) for b in stack[0]], lag_ratio=0.25),
                      run_time=0.85 * run)
            self.play(FadeIn(stack[1]), run_time=0.15 * run)
            mine = S.text(self.words("mine", D=f"{d.D:,}"), S.BODY, S.ACCENT)
            question = S.text(self.words("question"), S.BODY, S.INK)
            panel = VGroup(mine, question).arrange(DOWN, aligned_edge=LEFT, buff=0.8)
            if panel.width > right.width:
                panel.scale_to_fit_width(right.width)
            right.place(panel, aligned=LEFT)
            self.play(FadeIn(mine), run_time=cue.until("mine"))
            self.add(CitationCard(self.words("paper"), self.words("where"), None))
            self.play(FadeIn(question), run_time=cue.until("question"))

    def anatomy(self):
        f = self.facts
        with self.narrate("anatomy") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.54, gutter=0.3)  # the diagram at its natural size, type at full size
            block = TransformerBlockDiagram(self.dims, mlp_hidden=f.mlp_hidden)
            left.place(block)
            self.play(FadeIn(block), run_time=cue.clause())
            D, hidden = f"{self.dims.D:,}", f"{f.mlp_hidden:,}"
            # Each part is named in the words in turn; its mark is the note's name in the script.
            steps = ["ln1", "attn", "residual1", "ln2", "mlp", "residual2"]
            # Each note sits level with its part of the diagram, so the eye reads across.
            notes = VGroup()
            for part in steps:
                target = block.parts[part][1] if part.startswith("residual") else block.parts[part]
                note = S.text(self.words(part, D=D, hidden=hidden), S.SMALL)
                if note.width > right.width:
                    note.scale_to_fit_width(right.width)
                notes.add(note.move_to([right.left, target.get_y(), 0], aligned_edge=LEFT))
            mark = None
            for part, note in zip(steps, notes):
                run = min(cue.until(part), 0.6)
                new = block.highlight(part)
                if mark is None:
                    self.play(Create(new), FadeIn(note), run_time=run)
                else:
                    self.play(mark.animate.become(new), FadeIn(note), run_time=run)
                    self.remove(mark)
                    self.add(new)
                mark = new
            shape = S.text(self.words("shape"), S.SMALL, S.GREEN)
            shape.move_to([right.left, block.output.get_y(), 0], aligned_edge=LEFT)
            self.play(FadeIn(shape), run_time=min(cue.until("shape"), 0.6))

    def tensors(self):
        with self.narrate("tensors") as cue:
            self.add(Heading(self.words("heading")))
            panel = self.tensor_panel()
            L.MAIN.place(panel)
            mats, bar, signs = panel
            self.play(FadeIn(mats[0]), FadeIn(bar), run_time=cue.until("input"))
            for k, mark in zip(range(1, 5), ("attn", "sum", "hidden", "output")):
                self.play(FadeIn(signs[k - 1]), FadeIn(mats[k], shift=0.2 * RIGHT), run_time=cue.until(mark))
            note = S.text(self.words("note"), S.SMALL, S.MUTED)
            L.FOOTER.place(note, aligned=LEFT)
            self.add(note)

    def identical(self):
        f = self.facts
        v = self.values
        with self.narrate("identical") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.55)
            w0, w1 = f.fc1_first, f.fc1_second
            m = float(np.percentile(np.abs(np.concatenate([w0.ravel(), w1.ravel()])), 99))
            h = left.height - 1.2
            mats = Group()
            for name, w in (("first", w0), ("second", w1), ("diff", w1 - w0)):
                mi = MatrixImage(w, WEIGHT_CMAP, height=h, vmin=-m, vmax=m, font_size=S.TINY)
                mats.add(Group(mi, S.text(self.words(name), S.TINY).next_to(mi.image, UP, buff=0.15)))
            mats.arrange(RIGHT, buff=0.5, aligned_edge=DOWN)
            bar = ColorBar(WEIGHT_CMAP, -m, m, self.words("bar"), height=h).next_to(mats, RIGHT, buff=0.3)
            bar.align_to(mats[0][0].image, DOWN)
            group = Group(mats, bar)
            left.place(group)
            self.play(FadeIn(mats[0]), FadeIn(bar), run_time=cue.until("first"))
            self.play(FadeIn(mats[1]), run_time=cue.until("second"))
            matched = v["matched_note"].extra
            stats = VGroup(
                tex(r"\frac{\lVert W_2 - W_1 \rVert}{\lVert W_1 \rVert} = " + v["fc1_rel_diff"].tex, S.BODY),
                tex(r"\cos(W_1, W_2) = " + v["fc1_cosine"].tex, S.BODY),
                VGroup(wrapped(self.words("matched"), S.SMALL, right.width, S.MUTED),
                       tex(r"\cos(W_1, P\,W_2) = " + matched["matched"].tex, S.BODY, S.ACCENT)
                       ).arrange(DOWN, aligned_edge=LEFT, buff=0.12),
                VGroup(wrapped(self.words("random"), S.SMALL, right.width, S.MUTED),
                       tex(r"\cos(R_1, P\,R_2) = " + matched["matched_random"].tex, S.BODY)
                       ).arrange(DOWN, aligned_edge=LEFT, buff=0.12),
                wrapped(self.words("same"), S.SMALL, right.width, S.GREEN)).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            right.place(stats, aligned=LEFT)
            run = cue.until("diff")
            self.play(FadeIn(mats[2]), run_time=0.4 * run)
            self.play(FadeIn(stats[0]), run_time=0.6 * run)
            self.play(FadeIn(stats[1]), run_time=cue.until("cosine"))
            self.play(FadeIn(stats[4]), run_time=cue.until("shuffle"))
            self.play(FadeIn(stats[2]), run_time=cue.until("matched"))
            self.play(FadeIn(stats[3]), run_time=cue.clause())

    def params(self):
        f, d = self.facts, self.dims
        p = f.params
        v = self.values
        with self.narrate("params") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.54)
            colors = {"norm1": S.MUTED, "norm2": S.MUTED, "qkv": S.ACCENT, "proj": S.ACCENT, "fc1": S.GREEN,
                      "fc2": S.GREEN}
            biggest = max(n for _, n in p.parts)
            rows = VGroup()
            for part, n in p.parts:
                label = S.text(self.words(part), S.SMALL, colors[part])
                count = S.text(num.integer(n).screen, S.SMALL, mono=True)
                bar = RoundedRectangle(corner_radius=0.03, width=max(2.6 * n / biggest, 0.02), height=0.26)
                bar.set_stroke(width=0).set_fill(colors[part], 0.9)
                rows.add(VGroup(label, count, bar))
            lw = max(r[0].width for r in rows)
            cw = max(r[1].width for r in rows)
            x_height = S.text("x", S.SMALL).height
            for k, (label, count, bar) in enumerate(rows):
                y = -0.55 * k
                label.move_to([0, y, 0], aligned_edge=LEFT)
                count.move_to([lw + 0.3 + cw, y, 0], aligned_edge=RIGHT)
                center_on_baseline(label, y, x_height)
                center_on_baseline(count, y, x_height)
                bar.move_to([lw + cw + 0.6, y, 0], aligned_edge=LEFT)
            total = S.text(self.words("total", count=num.integer(p.total).screen), S.BODY, S.INK)
            total.next_to(rows, DOWN, buff=0.45, aligned_edge=LEFT)
            table = VGroup(rows, total)
            left.place(table, aligned=LEFT)
            self.play(LaggedStart(*[FadeIn(r) for r in rows], lag_ratio=0.6), run_time=cue.until("parts"))
            self.play(FadeIn(total), run_time=cue.until("total"))
            rule = VGroup(tex(r"12\,D^2 = 12 \times " + num.integer(d.D).tex + "^2 = " + v["twelve_d2"].tex,
                              S.BODY),
                          S.text(self.words("rule_parts", mlp_d2=f"{2 * f.mlp_hidden / d.D:g}"), S.TINY, S.MUTED),
                          wrapped(self.words("rule_rest", rest=num.integer(p.total - p.twelve_d2).screen), S.SMALL,
                                  right.width * 0.95))
            rule.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            # The block as one bar split by part: the MLP's share is visible as a length.
            width = right.width * 0.95
            split = VGroup()
            for n, color in ((p.attention, S.ACCENT), (p.mlp, S.GREEN)):
                seg = RoundedRectangle(corner_radius=0.03, width=width * n / p.total, height=0.45)
                seg.set_stroke(S.BACKGROUND, 2).set_fill(color, 0.9)
                split.add(seg)
            split.arrange(RIGHT, buff=0)
            labels = VGroup(S.text(self.words("attention_share", share=pct(p.attention / p.total).screen), S.SMALL,
                                   S.ACCENT),
                            S.text(self.words("mlp_share", share=v["mlp_share"].screen), S.SMALL, S.GREEN))
            labels[0].next_to(split[0], DOWN, buff=0.15, aligned_edge=LEFT)
            labels[1].next_to(split[1], DOWN, buff=0.15, aligned_edge=RIGHT)
            norms = S.text(self.words("norms", count=num.integer(p.norms).screen), S.TINY, S.MUTED)
            norms.next_to(labels, DOWN, buff=0.2).align_to(split, LEFT)
            shares = VGroup(split, labels, norms)
            panel = VGroup(rule, shares).arrange(DOWN, aligned_edge=LEFT, buff=0.8)
            right.place(panel, aligned=LEFT)
            run = cue.until("rule")
            self.play(Write(rule[0]), FadeIn(rule[1]), run_time=0.6 * run)
            self.play(FadeIn(rule[2]), run_time=0.4 * run)
            self.play(FadeIn(shares), run_time=cue.until("split"))

    def totals(self):
        f, d = self.facts, self.dims
        v = self.values
        with self.narrate("totals") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.35)
            stack = self.numbered_stack(left.height - 0.4)
            left.place(stack)
            self.play(FadeIn(stack), run_time=cue.share(0.1))
            cue_screen = self.script.cue("totals").screen  # a part the script does not name is shown by its name
            rest = VGroup(S.text(self.words("rest"), S.SMALL, S.MUTED),
                          *[S.text(self.words("part", part=self.words(k) if k in cue_screen else k,
                                              count=num.integer(n).screen), S.SMALL, S.MUTED)
                            for k, n in f.outside_blocks]).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
            lines = VGroup(
                tex(num.integer(f.params.total).tex + r"\times " + str(d.depth) + " = " + v["blocks_total"].tex,
                    S.HEADING, S.INK),
                S.text(self.words("model", count=v["model_total"].screen), S.BODY, S.GREEN),
                S.text(self.words("share", share=v["blocks_share"].screen), S.BODY, S.ACCENT),
                rest,
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(lines, aligned=LEFT)
            self.play(Write(lines[0]), run_time=cue.until("times"))
            self.play(FadeIn(lines[1]), run_time=cue.until("model"))
            self.play(FadeIn(lines[2]), run_time=cue.until("share"))
            self.play(FadeIn(lines[3]), run_time=cue.until("rest"))

    def length_chart(self, region) -> LengthLines:
        f, d = self.facts, self.dims
        labels = [self.words("stream_in")] + [str(i + 1) for i in range(d.depth)]
        chart = LengthLines(f.patch_norms.numpy(), f.high_norm_patches, labels, self.words("y_title"),
                            self.words("after_block"), width=region.width - 1.2, height=region.height - 0.9)
        region.place(chart)
        return chart

    def stream(self):
        f, d = self.facts, self.dims
        with self.narrate("stream") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.72)
            chart = self.length_chart(left)
            key = VGroup(
                VGroup(Line([0, 0, 0], [0.6, 0, 0]).set_stroke(S.MUTED, 1, opacity=0.6),
                       S.text(self.words("patch"), S.SMALL, S.MUTED)),
                VGroup(Line([0, 0, 0], [0.6, 0, 0]).set_stroke(S.BLUE, 5), S.text(self.words("median"), S.SMALL, S.BLUE)))
            if f.high_norm_patches:
                key.add(VGroup(Line([0, 0, 0], [0.6, 0, 0]).set_stroke(S.ACCENT, 3),
                               wrapped(self.words("high"), S.SMALL, right.width - 0.8, S.ACCENT)))
            for row in key:
                row.arrange(RIGHT, buff=0.2)
            key.arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            right.place(key, aligned=LEFT)
            self.play(FadeIn(chart.frame), FadeIn(key[0]), run_time=cue.until("lines"))
            # Block by block: each stretch is what one block did to every token.
            jump = self.jump_start if self.jump_start else d.depth + 1
            run = cue.until("median") if "jump" not in cue.marks else cue.time_to("jump")
            before = max(min(jump - 1, d.depth), 1)
            self.play(FadeIn(key[1]), LaggedStart(*[Create(chart.steps[k]) for k in range(before)], lag_ratio=1.0),
                      run_time=max(run, 0.1))
            rest = [chart.steps[k] for k in range(before, d.depth)]
            if rest:
                self.play(*[FadeIn(k) for k in key[2:]], LaggedStart(*[Create(s) for s in rest], lag_ratio=1.0),
                          run_time=cue.until("jump"))
            if self.jump_start:
                # The block that makes them long: where their lines leave the pack (with no long tokens, or
                # tokens long from the start, no line leaves it, so none is marked).
                k = self.jump_block + 1
                line = DashedLine(chart.point_at(k, chart.lo), chart.point_at(k, chart.hi), dash_length=0.08)
                line.set_stroke(S.ACCENT, 2, opacity=0.8)
                label = S.text(self.words("block", n=k), S.TINY, S.ACCENT).next_to(line, UP, buff=0.08)
                self.play(Create(line), FadeIn(label), run_time=cue.clause())

    def jump(self):
        f, d = self.facts, self.dims
        v = self.values
        with self.narrate("jump") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.5)
            b = self.jump_block
            high = f.high_norm_patches
            norms = f.patch_norms.numpy()
            if b is not None and high:
                # The block that makes them long, as lengths on one scale: what came in, what attention adds,
                # what the MLP adds, what goes out (median over the high-norm patches).
                # One token, the longest: lengths of vectors do not add, so the bars are not summed.
                i = high[0]
                parts = [("came_in", float(norms[b, i]), S.MUTED), ("attention_adds", f.attn_add_high[b][0], S.ACCENT),
                         ("mlp_adds", f.mlp_add_high[b][0], S.GREEN), ("went_out", float(norms[b + 1, i]), S.BLUE)]
                top = max(x for _, x, _ in parts)
                width = left.width - 2.6
                rows = VGroup()
                for name, x, color in parts:
                    label = S.text(self.words(name), S.SMALL, color)
                    bar = Rectangle(width=max(width * x / top, 0.02), height=0.32).set_stroke(width=0)
                    bar.set_fill(color, 0.9)
                    value = S.text(rounded(x).screen, S.SMALL, mono=True)
                    rows.add(VGroup(label, bar, value))
                lw = max(r[0].width for r in rows)
                for k, (label, bar, value) in enumerate(rows):
                    label.move_to([0, -0.6 * k, 0], aligned_edge=RIGHT)
                    bar.move_to([0.25, -0.6 * k, 0], aligned_edge=LEFT)
                    value.next_to(bar, RIGHT, buff=0.15)
                title = wrapped(self.words("bars_title"), S.SMALL, left.width, S.INK)
                typical = wrapped(self.words("all_patches", attn_typical=rounded(f.attn_add_median[b]).screen,
                                             mlp_typical=rounded(f.mlp_add_median[b]).screen), S.TINY,
                                  left.width, S.MUTED)
                lpanel = VGroup(title, rows, typical).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
                left.place(lpanel, aligned=LEFT)
                self.play(FadeIn(title), FadeIn(rows[0]), run_time=cue.until("attn"))
                self.play(FadeIn(rows[1]), FadeIn(typical), run_time=cue.until("mlp"))
                self.play(FadeIn(rows[2]), FadeIn(rows[3]), run_time=cue.clause())
            elif "attn" in cue.marks:
                cue.until("attn")
            if high:
                # The longest token's channels as signed bars: a few stand far out of the rest.
                x = f.high_norm_vector
                chart = BlockBars(x.tolist(), [""] * len(x), self.words("channel_title"), self.words("channel"),
                                  width=right.width - 1.2, height=right.height - 2.2, color=S.BLUE,
                                  vmin=-float(np.abs(x).max()) if x.min() < 0 else 0.0,
                                  vmax=float(np.abs(x).max()) if x.max() > 0 or x.min() >= 0 else 0.0)
                note = wrapped(self.words("channel_note", channels=max(f.high_norm_channels, 1),
                                          channel_share=pct(f.high_norm_channel_share).screen),
                               S.SMALL, right.width, S.ACCENT)
                rpanel = VGroup(chart, note).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
                right.place(rpanel)
                run = cue.until("channels")
                self.play(FadeIn(VGroup(*[m for m in chart if m is not chart.bars])),
                          LaggedStart(*[FadeIn(bb) for bb in chart.bars], lag_ratio=0.01), run_time=run)
                if "channel" in cue.marks:
                    self.play(FadeIn(note), run_time=cue.until("channel"))
                self.add(CitationCard(self.words("paper"), self.words("where"), self.words("paper_darcet"),
                                      max_width=L.MAIN.width))
                cue.until("paper")

    def residual(self):
        f, d = self.facts, self.dims
        with self.narrate("residual") as cue:
            self.add(Heading(self.words("heading")))
            w = {k: r"\text{" + self.words(k) + "}" for k in ("title", "tokens", "out", "in")}
            formula = tex(w["title"] + r" = \operatorname{median}_{" + w["tokens"] + r"} \frac{\lVert " + w["out"]
                          + " - " + w["in"] + r" \rVert}{\lVert " + w["in"] + r" \rVert}", S.BODY)
            chart = BlockBars(f.update_ratio, [str(i + 1) for i in range(d.depth)], self.words("title"),
                              self.words("x_title"), width=L.MAIN.width - 2.5, height=L.MAIN.height - 3.1,
                              reference=(1.0, self.words("reference")))
            group = VGroup(formula, chart).arrange(DOWN, buff=0.4)
            L.MAIN.place(group)
            self.play(Write(formula), run_time=cue.until("ratio"))
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * UP) for b in chart.bars], lag_ratio=0.15),
                      FadeIn(VGroup(*[m for m in chart if m is not chart.bars])), run_time=cue.until("bars"))
            self.bring_to_front(chart.reference_line)  # the dashed line crosses the bars, not hides behind them
            u = f.update_ratio
            spoken = VGroup(*[S.text(num.decimal(u[i], 2).screen, S.SMALL, S.ACCENT)
                              .next_to(chart.bar(i), UP, buff=0.1) for i in {int(np.argmin(u)), int(np.argmax(u))}])
            self.play(FadeIn(spoken), run_time=cue.clause())
            cue.until("paper")
            self.add(CitationCard(self.words("paper"), self.words("where"), None, max_width=L.MAIN.width))

    def cls(self):
        f, d = self.facts, self.dims
        with self.narrate("cls") as cue:
            self.add(Heading(self.words("heading")))
            high = bool(f.high_norm_patches)
            chart_region, key_region = L.MAIN.split(0.72)
            # One stacked bar per block, the three parts adding to 1: CLS itself, the other patches, and the
            # high-norm patches on top, drawn apart.
            parts = [(f.cls_self, S.MUTED, "self"), (f.cls_to_rest, S.BLUE, "rest")]
            if high:
                parts.append((f.cls_to_high, S.ACCENT, "high"))
            frame = BlockBars([1.0] * d.depth, [str(i + 1) for i in range(d.depth)], self.words("title"),
                              self.words("x_title"), width=chart_region.width - 1.4,
                              height=chart_region.height - 1.4, vmax=1.0, ticks=5)
            chart_region.place(frame)
            stacks = [VGroup() for _ in parts]
            for i, bar in enumerate(frame.bars):
                y = bar.get_bottom()[1]
                for k, (share, color, _) in enumerate(parts):
                    seg = Rectangle(width=bar.width, height=max(bar.height * share[i], 1e-3)).set_stroke(width=0)
                    seg.set_fill(color, 1).move_to([bar.get_x(), y + seg.height / 2, 0])
                    y += bar.height * share[i]
                    stacks[k].add(seg)
            rules = VGroup(*[m for m in frame if m is not frame.bars])
            key = VGroup()
            for (_, color, name) in parts:
                sw = Rectangle(width=0.3, height=0.3).set_stroke(width=0).set_fill(color, 1)
                words = wrapped(self.words(name), S.SMALL, key_region.width - 0.6, color)
                key.add(VGroup(sw, words).arrange(RIGHT, buff=0.2))
            if high:
                key.add(wrapped(self.words("area"), S.TINY, key_region.width, S.MUTED))
            key.arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            key_region.place(key, aligned=LEFT)
            self.play(FadeIn(rules), run_time=cue.until("bars"))
            self.play(FadeIn(key[0]), LaggedStart(*[FadeIn(s, shift=0.1 * UP) for s in stacks[0]], lag_ratio=0.1),
                      run_time=cue.until("self"))
            self.play(FadeIn(key[1]), LaggedStart(*[FadeIn(s, shift=0.1 * UP) for s in stacks[1]], lag_ratio=0.1),
                      run_time=cue.until("patches"))
            if high:
                self.play(FadeIn(key[2:]), LaggedStart(*[FadeIn(s) for s in stacks[2]], lag_ratio=0.1),
                          run_time=cue.until("high"))
            cue.until("rollout")

    def cls_cosine(self):
        f, d = self.facts, self.dims
        with self.narrate("cls-cosine") as cue:
            self.add(Heading(self.words("heading")))
            c = f.cls_cosine_to_last
            chart = BlockBars(c, [str(i + 1) for i in range(d.depth)], self.words("title"), self.words("after_block"),
                              width=L.MAIN.width - 2.5, height=L.MAIN.height - 1.6, vmin=min(0.0, min(c)),
                              vmax=1.0, colors=[S.BLUE] * (d.depth - 1) + [S.MUTED])
            L.MAIN.place(chart)
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * UP) for b in chart.bars], lag_ratio=0.15),
                      FadeIn(VGroup(*[m for m in chart if m is not chart.bars])), run_time=cue.until("bars"))
            spoken = VGroup(*[S.text(num.decimal(c[i], 2).screen, S.SMALL, S.ACCENT)
                              .next_to(chart.bar(i), UP, buff=0.1) for i in (0, d.depth - 2)])
            self.play(FadeIn(spoken[0]), run_time=cue.until("first"))
            gap = SurroundingRectangle(VGroup(chart.bar(d.depth - 2), chart.bar(d.depth - 1)), color=S.ACCENT,
                                       buff=0.08)
            self.play(FadeIn(spoken[1]), Create(gap), run_time=cue.until("before"))
            answer = S.text(self.words("answer"), S.SMALL, S.GREEN)
            L.FOOTER.place(answer, aligned=RIGHT)
            self.play(FadeIn(answer), run_time=cue.until("head"))

    def recap(self):
        with self.narrate("recap") as cue:
            stack = self.numbered_stack(L.MAIN.height - 0.6)
            left, right = L.MAIN.split(0.3)
            left.place(stack)
            take = wrapped(self.words("take"), S.BODY, right.width - 0.6)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            card = VGroup(box, take)
            right.place(card)
            self.play(FadeIn(stack), run_time=cue.until("stack"))
            self.play(FadeIn(card), run_time=cue.until("card"))
            self.play(FadeIn(NextLessonFooter(self.lesson)), run_time=min(cue.until("next"), 1.0))
