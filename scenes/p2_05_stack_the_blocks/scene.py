"""Phase 2, lesson 9: Stack twelve identical blocks and call it a day.

One encoder block as a diagram and as the real tensors of block 1; "identical" shown to mean the same design
with different weights; the block's parameters counted from the model (about 12 D^2, two thirds in the MLP)
and the whole model's total; then the tokens followed up through the stack (CLS attention per block, token
norms, update sizes, CLS direction), attention rollout (Abnar & Zuidema 2020), and the final LayerNorm and
head giving the real top-5. Every number comes from the trace and facts.py; where the numbers decide what a
sentence says, the scene picks a key of one of the script's [choice.*] tables; every word, spoken or drawn,
is in script.toml. Each cue builds what it shows, so any cue can be previewed on its own.

    manim -ql scenes/p2_05_stack_the_blocks/scene.py StackTheBlocks
"""
from __future__ import annotations

import numpy as np
import torch
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, Group, Indicate, LaggedStart,
                   RoundedRectangle, SurroundingRectangle, VGroup, Write)

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.block_chart import BlockBars
from scenes.common.cards import (CaveatNote, CitationCard, Heading, NextLessonFooter, TopKBars, center_on_baseline,
                                 wrapped)
from scenes.common.diagrams import TransformerBlockDiagram
from scenes.common.heatmaps import ColorBar, HeatmapOnPhoto, blend_on_photo
from scenes.common.matrices import MatrixImage
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import grid_cell_center
from scenes.common.pixel_image import PixelImage
from scenes.common.values import is_course_photo
from scenes.p2_05_stack_the_blocks.facts import cached_stack_facts, high_norm_start
from vitmath.errors import UserError

# The family's published sizes: (name, layers, width D, heads, parameters), ViT paper Table 1 (Base, Large,
# Huge) and DeiT Table 1 (Tiny, Small: the same 12 layers, narrower). Cited on screen where drawn.
FAMILY = [("ViT-Ti", 12, 192, 3, "5M"), ("ViT-S", 12, 384, 6, "22M"), ("ViT-B", 12, 768, 12, "86M"),
          ("ViT-L", 24, 1024, 16, "307M"), ("ViT-H", 32, 1280, 16, "632M")]
BASE_DEPTH = 12  # ViT-Base's layers, ViT paper Table 1
MAP_CMAP = "inferno"
WEIGHT_CMAP = "coolwarm"
QUARTERS = ("top_left", "top_right", "bottom_left", "bottom_right")  # the order of facts.rollout_quarters
# The keys this lesson may choose among (a literal, read by `vitlessons list`); the words are the script's
# [choice.*] tables.
CHOICES = {
    "depth_note": ("base", "other"),
    "fc1_note": ("unrelated", "related"),
    "same_shapes": ("yes", "no"),
    "rule": ("close", "differs"),
    "mlp_fraction": ("two_thirds", "more_than_half", "less_than_half"),
    "cls_self_last": ("only", "as_much_as", "about_the_same"),
    "cls_peak": ("first", "later"),
    "cls_settled": ("settled", "moving"),
    "place": ("top_left", "top_right", "bottom_left", "bottom_right", "cell"),
    "median_change": ("grows", "goes"),
    "high_norm": ("none", "one", "many"),
    "high_when": ("already", "from"),
    "high_which": ("corners", "count"),
    "high_looked": ("it", "they", "elsewhere"),
    "update_big": ("some", "none"),
    "big_blocks": ("one", "several"),
    "cos_late": ("late", "early"),
    "rollout": ("spread", "uneven", "cat"),
    "quarter_share": ("about", "between"),
    "quarter": ("top_left", "top_right", "bottom_left", "bottom_right"),
    "mlp_majority": ("most", "share"),
}


def pct(p: float, places: int | None = None) -> num.Number:
    """A share as a percentage; below 9.5 percent with one decimal, so that a small share never reads 0."""
    if places is None:
        places = 1 if abs(p) < 0.095 else 0
    return num.percent(p, places)


def place(patch: int, grid: int) -> Choice:
    """A patch (raster index): a corner by name, else its row and column counted from 1."""
    r, c = divmod(int(patch), grid)
    corners = {(0, 0): "top_left", (0, grid - 1): "top_right", (grid - 1, 0): "bottom_left",
               (grid - 1, grid - 1): "bottom_right"}
    return Choice(corners[(r, c)]) if (r, c) in corners else Choice("cell", row=r + 1, col=c + 1)


def late_argmax_start(argmax: list[int]) -> int:
    """The first block (0-based) from which the strongest CLS patch is the same patch in every later block."""
    k = len(argmax) - 1
    while k > 0 and argmax[k - 1] == argmax[-1]:
        k -= 1
    return k


class StackTheBlocks(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        if d.depth < 2:
            raise UserError("this lesson compares blocks: it needs a model with at least 2 blocks")
        self.facts = f = cached_stack_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        p = f.params
        T = d.N + 1
        ratio = f.mlp_hidden / d.D
        extra = p.total - p.twelve_d2
        share = extra / p.twelve_d2
        # "only N more, the biases and LayerNorms" holds when the rule counts the weights and the rest is small
        rule = (Choice("close", rule_extra=num.integer(extra)) if extra >= 0 and share < 0.01 else
                Choice("differs", rule_share=pct(abs(share))))
        mlp_share = p.mlp / p.total
        if abs(mlp_share - 2 / 3) < 0.02:
            mlp_fraction = "two_thirds"
        else:
            mlp_fraction = "more_than_half" if mlp_share > 0.5 else "less_than_half"
        return {
            "depth_note": Choice("base" if d.depth == BASE_DEPTH else "other", base_depth=BASE_DEPTH),
            "tokens_shape": num.shape(T, d.D),
            "num_tokens": T,
            "mlp_hidden": num.integer(f.mlp_hidden),
            "mlp_ratio": int(ratio) if ratio == int(ratio) else num.decimal(ratio, 1),
            "hidden_shape": num.shape(T, f.mlp_hidden),
            "fc1_shape": num.shape(*f.fc1_first.shape),
            "fc1_rel_diff": num.decimal(f.fc1_rel_diff, 2),
            "fc1_cosine": num.decimal(f.fc1_cosine, 2),
            "fc1_note": Choice("unrelated" if abs(f.fc1_cosine) < 0.1 else "related"),
            "same_shapes": Choice("yes" if p.same_in_every_block else "no"),
            "min_pair_rel_diff": num.decimal(f.min_pair_rel_diff, 2),
            "block_params": num.integer(p.total),
            "twelve_d2": num.integer(p.twelve_d2),
            "rule": rule,
            "mlp_share": pct(mlp_share),
            "mlp_fraction": Choice(mlp_fraction),
            "blocks_total": num.integer(f.blocks_total),
            "model_total": num.integer(f.model_total),
            "blocks_share": pct(f.blocks_total / f.model_total),
            **self.cls_self_values(),
            **self.cls_peak_values(),
            "median_change": Choice("grows" if f.patch_norm_median[-1] > f.patch_norm_median[0] else "goes",
                                    median_first=num.decimal(f.patch_norm_median[0], 1),
                                    median_last=num.decimal(f.patch_norm_median[-1], 1)),
            "high_norm": self.high_norm(),
            **self.update_values(),
            **self.cosine_values(),
            "rollout": self.rollout_choice(),
            "head_shape": num.shape(d.num_classes, d.D),
            "mlp_majority": self.mlp_majority(),
        }

    # ------------------------------------------------------------------ what the numbers say (choice keys)
    def mlp_majority(self) -> Choice:
        f = self.facts
        share = f.params.mlp * f.depth / f.model_total
        return Choice("most") if share > 0.5 else Choice("share", model_mlp_share=pct(share))

    def cls_self_values(self) -> dict:
        f = self.facts
        first, last = f.cls_self[0], f.cls_self[-1]
        key = "only" if first > 2 * last else "as_much_as" if last > 2 * first else "about_the_same"
        return {"cls_self_first": pct(first), "cls_self_last": Choice(key, self_last=pct(last))}

    def cls_peak_values(self) -> dict:
        f, d = self.facts, self.dims
        even = pct(1.0 / (d.N + 1), 1)
        peak = int(np.argmax(f.cls_peak))
        first = pct(f.cls_peak[0], 1)
        cls_peak = (Choice("first", peak_first=first, even=even) if peak == 0 else
                    Choice("later", peak_first=first, peak_most=pct(f.cls_peak[peak], 1), peak_block=peak + 1,
                           even=even))
        argmax = [int(m.flatten().argmax()) for m in f.cls_maps]
        start = late_argmax_start(argmax)
        settled = (Choice("settled", settle_block=start + 1, place=place(argmax[-1], d.grid))
                   if d.depth - start >= 3 else Choice("moving"))
        return {"cls_peak": cls_peak, "cls_settled": settled}

    def high_norm(self) -> Choice:
        f, d = self.facts, self.dims
        start = high_norm_start(f)
        median = f.patch_norm_median[-1]
        if start is None:
            return Choice("none", longest_ratio=num.decimal(f.patch_norm_max[-1] / median, 1))
        high, values = f.high_norm_patches, f.high_norm_values
        # The patches CLS attends to most in the last block, as many as there are long patches.
        looked = set(torch.topk(f.cls_maps[-1].flatten(), len(high)).indices.tolist()) == set(high)
        common = dict(
            high_when=Choice("already") if start == 0 else Choice("from", high_start=start),
            high_top=num.integer(round(values[0])), high_times=num.integer(round(values[0] / median)),
            high_looked=Choice(("it" if len(high) == 1 else "they") if looked else "elsewhere"))
        if len(high) == 1:
            return Choice("one", place=place(high[0], d.grid), **common)
        corners = {0, d.grid - 1, d.N - d.grid, d.N - 1}
        which = Choice("corners") if set(high) == corners else Choice("count", high_count=len(high))
        return Choice("many", high_which=which, high_low=num.integer(round(values[-1])), **common)

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

    def cosine_values(self) -> dict:
        c = self.facts.cls_cosine_to_last
        before = num.decimal(c[-2], 2)
        return {"cos_first": num.decimal(c[0], 2), "depth_before_last": self.dims.depth - 1,
                "cos_late": Choice("late" if c[-2] < 0.5 else "early", cos_before=before)}

    def rollout_choice(self) -> Choice:
        f, d = self.facts, self.dims
        q = f.rollout_quarters
        brightest = place(int(f.rollout.flatten().argmax()), d.grid)
        if max(q) - min(q) < 0.1:
            lo, hi = pct(min(q)), pct(max(q))
            share = Choice("about", q_low=lo) if lo.spoken == hi.spoken else Choice("between", q_low=lo, q_high=hi)
            return Choice("spread", quarter_share=share, place=brightest)
        top = int(np.argmax(q))
        cat = QUARTERS[top] == "bottom_right" and is_course_photo(self.inputs.image)
        return Choice("cat" if cat else "uneven", quarter=Choice(QUARTERS[top]), top_share=pct(q[top]),
                      place=brightest)

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

    def family_table(self) -> VGroup:
        """The paper sizes, with the row matching this model (depth, width and heads) highlighted."""
        d = self.dims
        head = [self.words(k) for k in ("col_model", "col_blocks", "col_width", "col_heads", "col_params")]
        rows = [head] + [[n, str(l), f"{w:,}", str(h), p] for n, l, w, h, p in FAMILY]
        cols = list(zip(*rows))
        texts = [[S.text(c, S.SMALL, S.MUTED if r == 0 else S.INK) for r, c in enumerate(col)] for col in cols]
        widths = [max(t.width for t in col) for col in texts]
        x_height = S.text("x", S.SMALL).height
        table = VGroup()
        for r in range(len(rows)):
            x = 0.0
            line = VGroup()
            for c, col in enumerate(texts):
                t = col[r]
                t.set_x(x + widths[c] / 2)
                center_on_baseline(t, -0.55 * r, x_height)  # one baseline per row, descenders or not
                x += widths[c] + 0.45
                line.add(t)
            table.add(line)
        mine = [i + 1 for i, (_, l, w, h, _) in enumerate(FAMILY) if (l, w, h) == (d.depth, d.D, d.H)]
        for r in mine:
            table[r].set_color(S.ACCENT)
        self.family_mine = [table[r] for r in mine]
        return table

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
        mats.arrange(RIGHT, buff=0.45, aligned_edge=DOWN)
        bar = ColorBar(WEIGHT_CMAP, -clip, clip, self.words("bar"), height=h)
        bar.next_to(mats, RIGHT, buff=0.3).align_to(mats[0][0].image, DOWN)
        return Group(mats, bar)

    def cues(self):
        return [self.hook, self.anatomy, self.tensors, self.identical, self.params, self.totals, self.cls_depth,
                self.norms, self.residual, self.cls_cosine, self.rollout, self.head, self.recap]

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
            table = self.family_table()
            mine = S.text(self.words("mine", D=f"{d.D:,}"), S.SMALL, S.ACCENT)
            panel = VGroup(table, mine).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
            right.place(panel, fill=0.95)
            run = cue.until("family")
            self.play(FadeIn(table), run_time=0.5 * run)
            self.add(CitationCard(self.words("paper"), self.words("where"), self.words("detail")))
            self.play(FadeIn(mine), *[Create(SurroundingRectangle(r, color=S.ACCENT, buff=0.08))
                                      for r in self.family_mine], run_time=0.5 * run)

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
            mats, bar = panel
            self.play(FadeIn(mats[0]), FadeIn(bar), run_time=cue.until("input"))
            for k, mark in zip(range(1, 5), ("attn", "sum", "hidden", "output")):
                self.play(FadeIn(mats[k], shift=0.2 * RIGHT), run_time=cue.until(mark))
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
            stats = VGroup(
                tex(r"\frac{\lVert W_2 - W_1 \rVert}{\lVert W_1 \rVert} = " + v["fc1_rel_diff"].tex, S.BODY),
                tex(r"\cos(W_1, W_2) = " + v["fc1_cosine"].tex, S.BODY),
                wrapped(self.words("closest", ratio=v["min_pair_rel_diff"].screen), S.SMALL, right.width, S.MUTED),
                wrapped(self.words("same"), S.SMALL, right.width, S.GREEN)).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(stats, aligned=LEFT)
            run = cue.until("diff")
            self.play(FadeIn(mats[2]), run_time=0.4 * run)
            self.play(FadeIn(stats[0]), run_time=0.6 * run)
            self.play(FadeIn(stats[1]), run_time=cue.until("cosine"))
            self.play(FadeIn(stats[2]), FadeIn(stats[3]), run_time=cue.until("closest"))

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

    def cls_map_grid(self, region) -> Group:
        """Every block's CLS map on the photo (heads averaged), in one or two rows read left to right, each
        titled with its block and the weight CLS keeps for itself under it, and ONE colour bar: a shared scale
        from 0 to the largest weight of any block."""
        f, d = self.facts, self.dims
        maps = f.cls_maps.numpy()                                        # (depth, g, g)
        vmax = float(maps.max())
        rows = 2 if d.depth > 6 else 1
        cols = -(-d.depth // rows)
        label_h = S.text("Ag", S.TINY).height + 0.12
        bar_w = 1.4
        cell = min((region.width - bar_w - (cols - 1) * 0.15) / cols,
                   (region.height - rows * 2 * label_h - (rows - 1) * 0.3) / rows)
        tiles = Group()
        self.cls_cells, self.cls_self_labels = [], VGroup()
        for i in range(d.depth):
            img = PixelImage(blend_on_photo(self.trace.picture, maps[i], MAP_CMAP, 0.0, vmax), height=cell)
            title = S.text(self.words("block", n=i + 1), S.TINY).next_to(img, UP, buff=0.08)
            own = S.text(self.words("map_self", share=pct(f.cls_self[i]).screen), S.TINY, S.ACCENT)
            own.next_to(img, DOWN, buff=0.08)
            self.cls_cells.append(img)
            self.cls_self_labels.add(own)
            tiles.add(Group(title, img, own))
        tiles.arrange_in_grid(rows=rows, cols=cols, buff=(0.15, 0.3))
        bar = ColorBar(MAP_CMAP, 0.0, vmax, self.words("cls_weight"), height=min(tiles.height, 3.2))
        bar.next_to(tiles, RIGHT, buff=0.3)
        return Group(tiles, bar)

    def cls_depth(self):
        f, d = self.facts, self.dims
        with self.narrate("cls-depth") as cue:
            self.add(Heading(self.words("heading")))
            region = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 0.7, L.MAIN.top)
            grid = self.cls_map_grid(region)
            region.place(grid)
            tiles, bar = grid
            self.play(FadeIn(bar), LaggedStart(*[FadeIn(t) for t in tiles], lag_ratio=0.15),
                      run_time=cue.until("self"))
            self.play(Indicate(self.cls_self_labels, color=S.INK, scale_factor=1.1), run_time=cue.clause())
            argmax = [int(m.flatten().argmax()) for m in f.cls_maps]
            start = late_argmax_start(argmax)
            marks = VGroup()
            if d.depth - start >= 3:
                for i in range(start, d.depth):
                    cell = self.cls_cells[i]
                    side = cell.height / d.grid
                    marks.add(RoundedRectangle(corner_radius=0.01, width=side * 1.4, height=side * 1.4)
                              .set_stroke(S.GREEN, 3).move_to(grid_cell_center(cell, d.grid, argmax[-1])))
            even = 1.0 / (d.N + 1)
            peak = int(np.argmax(f.cls_peak))
            facts = S.text(self.words("peak", first=pct(f.cls_peak[0], 1).screen, most=pct(f.cls_peak[peak], 1).screen,
                                      block=peak + 1, even=pct(even, 1).screen), S.SMALL)
            L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, L.MAIN.bottom + 0.6).place(facts)
            run = cue.until("peak")
            self.play(FadeIn(facts), run_time=0.6 * run if len(marks) else run)
            if len(marks):
                self.play(Create(marks), run_time=0.4 * run)

    def norms(self):
        f, d = self.facts, self.dims
        with self.narrate("norms") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.4)
            last = self.trace.blocks[-1].out[1:].norm(dim=-1).reshape(d.grid, d.grid)  # (g, g)
            hm = HeatmapOnPhoto(self.trace.picture, last, MAP_CMAP, vmin=0.0, label=self.words("map"), height=3.6)
            cap = S.text(self.words("map_title"), S.SMALL).next_to(hm.image, UP, buff=0.15)
            left.place(Group(hm, cap))
            labels = [self.words("stream_in")] + [str(i + 1) for i in range(d.depth)]
            start = high_norm_start(f)
            hot = [S.ACCENT if start is not None and i >= start else S.BLUE for i in range(d.depth + 1)]
            top, bottom = right.rows(2, gutter=0.5)
            med = BlockBars(f.patch_norm_median, labels, self.words("median"), width=top.width - 1.0,
                            height=top.height - 1.0)
            mx = BlockBars(f.patch_norm_max, labels, self.words("largest"), self.words("after_block"),
                           width=bottom.width - 1.0, height=bottom.height - 1.2, colors=hot)
            top.place(med)
            bottom.place(mx)
            self.play(FadeIn(med), run_time=cue.until("median"))
            run = cue.until("largest")
            self.play(FadeIn(mx), run_time=0.55 * run)
            self.play(FadeIn(hm), FadeIn(cap), run_time=0.45 * run)

    def residual(self):
        f, d = self.facts, self.dims
        with self.narrate("residual") as cue:
            self.add(Heading(self.words("heading")))
            w = {k: r"\text{" + self.words(k) + "}" for k in ("title", "tokens", "out", "in")}
            formula = tex(w["title"] + r" = \operatorname{median}_{" + w["tokens"] + r"} \frac{\lVert " + w["out"]
                          + " - " + w["in"] + r" \rVert}{\lVert " + w["in"] + r" \rVert}", S.BODY)
            chart = BlockBars(f.update_ratio, [str(i + 1) for i in range(d.depth)], self.words("title"),
                              self.words("x_title"), width=L.MAIN.width - 2.5, height=L.MAIN.height - 2.6,
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

    def rollout(self):
        f, d = self.facts, self.dims
        with self.narrate("rollout") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.48)
            hm = HeatmapOnPhoto(self.trace.picture, f.rollout, MAP_CMAP, vmin=0.0, vmax=1.0,
                                label=self.words("map"), height=left.height - 0.2)
            left.place(hm)
            formula = VGroup(
                tex(r"R = \tilde A_{" + str(d.depth) + r"}\,\tilde A_{" + str(d.depth - 1) + r"} \cdots \tilde A_{1}",
                    S.BODY),
                tex(r"\tilde A_b = \operatorname{rownorm}\!\left(\tfrac{1}{2}\bar A_b + \tfrac{1}{2} I\right)",
                    S.BODY)).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            how = wrapped(self.words("how"), S.TINY, right.width, S.MUTED)
            q = f.rollout_quarters
            quarters = S.text(self.words("quarters", low=pct(min(q)).screen, high=pct(max(q)).screen), S.SMALL)
            caveat = CaveatNote(self.words("caveat"), width=right.width, size=S.SMALL)
            panel = VGroup(formula, how, quarters, caveat).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(panel, aligned=UP + LEFT)
            self.play(Write(formula), FadeIn(how), run_time=cue.until("formula"))
            self.add(CitationCard(self.words("paper"), self.words("where"), None, max_width=right.width))
            self.play(FadeIn(hm), run_time=cue.until("map"))
            self.play(FadeIn(caveat), run_time=cue.until("caveat"))
            self.play(FadeIn(quarters), run_time=cue.until("quarters"))

    def head(self):
        d = self.dims
        v = self.values
        with self.narrate("head") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.42)
            steps = [self.words("output", shape=num.shape(d.N + 1, d.D).screen), self.words("norm"),
                     self.words("cls", shape=num.shape(d.D).screen), self.words("head", shape=v["head_shape"].screen),
                     self.words("softmax", classes=f"{d.num_classes:,}")]
            boxes = VGroup()
            for k, s in enumerate(steps):
                t = S.text(s, S.SMALL, S.INK)
                box = RoundedRectangle(corner_radius=0.08, width=t.width + 0.4, height=t.height + 0.3)
                box.set_stroke(S.ACCENT if k == 2 else S.MUTED, 1.5).move_to(t)
                boxes.add(VGroup(box, t))
            boxes.arrange(DOWN, buff=0.35)
            arrows = VGroup(*[Arrow(a.get_bottom(), b.get_top(), buff=0.04, stroke_width=3, color=S.MUTED,
                                    max_tip_length_to_length_ratio=0.4) for a, b in zip(boxes, boxes[1:])])
            chain = VGroup(boxes, arrows)
            left.place(chain)
            self.play(LaggedStart(*[FadeIn(b) for b in boxes], lag_ratio=0.4), FadeIn(arrows),
                      run_time=cue.until("chain"))
            bars = TopKBars(self.trace.top5, height=3.4, width=right.width)
            title = S.text(self.words("top5"), S.SMALL, S.MUTED)
            panel = VGroup(title, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            right.place(panel)
            self.play(FadeIn(panel), run_time=cue.until("top5"))

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
