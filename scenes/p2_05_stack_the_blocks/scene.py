"""Phase 2, lesson 9: Stack twelve identical blocks and call it a day.

One encoder block as a diagram and as the real tensors of block 1; "identical" shown to mean the same design
with different weights; the block's parameters counted from the model (about 12 D^2, two thirds in the MLP)
and the whole model's total; then the tokens followed up through the stack (CLS attention per block, token
norms, update sizes, CLS direction), attention rollout (Abnar & Zuidema 2020), and the final LayerNorm and
head giving the real top-5. Every number comes from the trace and scenes.p2_05_stack_the_blocks.facts; each sentence that
describes a map or a chart is chosen here from the measured numbers. Each cue builds what it shows, so any
cue can be previewed on its own.

    manim -ql scenes/p2_05_stack_the_blocks/scene.py StackTheBlocks
"""
from __future__ import annotations

import numpy as np
import torch
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, Group, Indicate, LaggedStart,
                   RoundedRectangle, SurroundingRectangle, VGroup, Write)

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

VIT_PAPER = "Dosovitskiy et al. 2021, An Image is Worth 16x16 Words"
ROLLOUT_PAPER = "Abnar & Zuidema 2020, Quantifying Attention Flow in Transformers"
# The family's published sizes: (name, layers, width D, heads, parameters), ViT paper Table 1 (Base, Large,
# Huge) and DeiT Table 1 (Tiny, Small: the same 12 layers, narrower). Cited on screen where drawn.
FAMILY = [("ViT-Ti", 12, 192, 3, "5M"), ("ViT-S", 12, 384, 6, "22M"), ("ViT-B", 12, 768, 12, "86M"),
          ("ViT-L", 24, 1024, 16, "307M"), ("ViT-H", 32, 1280, 16, "632M")]
BASE_DEPTH = 12  # ViT-Base's layers, ViT paper Table 1
MAP_CMAP = "inferno"
WEIGHT_CMAP = "coolwarm"


def pct(p: float, places: int | None = None) -> num.Number:
    """A share as a percentage; below 9.5 percent with one decimal, so that a small share never reads 0."""
    if places is None:
        places = 1 if abs(p) < 0.095 else 0
    return num.percent(p, places)


def place_name(patch: int, grid: int) -> str:
    """A patch (raster index) in words: a corner by name, else its row and column counted from 1."""
    r, c = divmod(int(patch), grid)
    corners = {(0, 0): "top-left", (0, grid - 1): "top-right", (grid - 1, 0): "bottom-left",
               (grid - 1, grid - 1): "bottom-right"}
    if (r, c) in corners:
        return f"the {corners[(r, c)]} corner patch"
    return f"the patch in row {r + 1}, column {c + 1}"


def block_list(blocks: list[int]) -> str:
    """[3] -> "block 3"; [3, 9] -> "blocks 3 and 9"; [1, 2, 3] -> "blocks 1, 2 and 3" (numbers as given)."""
    if len(blocks) == 1:
        return f"block {blocks[0]}"
    return "blocks " + ", ".join(str(b) for b in blocks[:-1]) + f" and {blocks[-1]}"


def depth_sentence(depth: int) -> str:
    if depth == BASE_DEPTH:
        return (f"This model stacks {depth}, the depth of ViT-Base in the original paper; ViT-Small and ViT-Tiny "
                f"keep the same {depth} blocks and are narrower.")
    return f"This model stacks {depth}; ViT-Base, in the original paper, stacks {BASE_DEPTH}."


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
        if abs(share) < 0.01:
            rule_words = (f"the real count is only {num.integer(abs(extra)).spoken} "
                          f"{'more' if extra >= 0 else 'less'}, the biases and LayerNorms.")
        else:
            rule_words = f"the real count differs from it by {pct(abs(share)).spoken}."
        mlp_share = p.mlp / p.total
        if abs(mlp_share - 2 / 3) < 0.02:
            mlp_fraction_words = "two thirds of it"
        else:
            mlp_fraction_words = "more than half of it" if mlp_share > 0.5 else "less than half of it"
        if abs(f.fc1_cosine) < 0.1:
            fc1_words = "Unrelated directions: each block has weights of its own."
        else:
            fc1_words = "The two matrices are related, but far from equal."
        return {
            "depth_sentence": depth_sentence(d.depth),
            "tokens_shape": num.shape(T, d.D),
            "num_tokens": T,
            "mlp_hidden": num.integer(f.mlp_hidden),
            "mlp_ratio": int(ratio) if ratio == int(ratio) else num.decimal(ratio, 1),
            "hidden_shape": num.shape(T, f.mlp_hidden),
            "fc1_shape": num.shape(*f.fc1_first.shape),
            "fc1_rel_diff": num.decimal(f.fc1_rel_diff, 2),
            "fc1_cosine": num.decimal(f.fc1_cosine, 2),
            "fc1_words": fc1_words,
            "min_pair_rel_diff": num.decimal(f.min_pair_rel_diff, 2),
            "block_params": num.integer(p.total),
            "twelve_d2": num.integer(p.twelve_d2),
            "rule_words": rule_words,
            "mlp_share": pct(mlp_share),
            "mlp_fraction_words": mlp_fraction_words,
            "blocks_total": num.integer(f.blocks_total),
            "model_total": num.integer(f.model_total),
            "blocks_share": pct(f.blocks_total / f.model_total),
            "cls_self_sentence": self.cls_self_sentence(),
            "cls_peak_sentence": self.cls_peak_sentence(),
            "median_sentence": self.median_sentence(),
            "high_norm_sentence": self.high_norm_sentence(),
            "update_sentence": self.update_sentence(),
            "cosine_sentence": self.cosine_sentence(),
            "rollout_sentence": self.rollout_sentence(),
            "head_shape": num.shape(d.num_classes, d.D),
            "mlp_majority": self.mlp_majority(),
        }

    # ------------------------------------------------------------------ sentences from the numbers
    def mlp_majority(self) -> str:
        f = self.facts
        share = f.params.mlp * f.depth / f.model_total
        if share > 0.5:
            return "most of its parameters sit in those MLPs"
        return f"those MLPs hold {pct(share).spoken} of its parameters"

    def cls_self_sentence(self) -> str:
        f, d = self.facts, self.dims
        first, last = f.cls_self[0], f.cls_self[-1]
        if first > 2 * last:
            verb = "only"
        elif last > 2 * first:
            verb = "as much as"
        else:
            verb = "about the same:"
        return (f"In block 1, CLS keeps {pct(first).spoken} of its attention on itself; in block {d.depth}, "
                f"{verb} {pct(last).spoken}.")

    def cls_peak_sentence(self) -> str:
        f, d = self.facts, self.dims
        even = 1.0 / (d.N + 1)
        peak = int(np.argmax(f.cls_peak))
        if peak == 0:
            s = (f"Its strongest patch gets at most {pct(f.cls_peak[0], 1).spoken}, in block 1, against "
                 f"{pct(even, 1).spoken} for an even spread.")
        else:
            s = (f"Its strongest patch gets {pct(f.cls_peak[0], 1).spoken} in block 1 and up to "
                 f"{pct(f.cls_peak[peak], 1).spoken} in block {peak + 1}, against {pct(even, 1).spoken} for an "
                 f"even spread.")
        argmax = [int(m.flatten().argmax()) for m in f.cls_maps]
        start = late_argmax_start(argmax)
        if d.depth - start >= 3:
            s += f" From block {start + 1} on, that patch is always {place_name(argmax[-1], d.grid)}."
        return s

    def median_sentence(self) -> str:
        f, d = self.facts, self.dims
        m0, m1 = f.patch_norm_median[0], f.patch_norm_median[-1]
        return (f"The median patch token grows from {num.decimal(m0, 1).spoken} going into block 1 to "
                f"{num.decimal(m1, 1).spoken} after block {d.depth}." if m1 > m0 else
                f"The median patch token goes from {num.decimal(m0, 1).spoken} going into block 1 to "
                f"{num.decimal(m1, 1).spoken} after block {d.depth}.")

    def high_norm_sentence(self) -> str:
        f, d = self.facts, self.dims
        start = high_norm_start(f)
        if start is None:
            ratio = f.patch_norm_max[-1] / f.patch_norm_median[-1]
            return (f"No patch token stands out: after block {d.depth}, the longest is "
                    f"{num.decimal(ratio, 1).spoken} times the median.")
        when = "already going into block 1" if start == 0 else f"from block {start} on"
        high, values = f.high_norm_patches, f.high_norm_values
        times = num.integer(round(values[0] / f.patch_norm_median[-1])).spoken
        if len(high) == 1:
            s = (f"But {when}, {place_name(high[0], d.grid)} has a length of about "
                 f"{num.integer(round(values[0])).spoken}, {times} times the median")
        else:
            corners = {0, d.grid - 1, d.N - d.grid, d.N - 1}
            which = ("the four corner patches" if set(high) == corners else
                     f"{len(high)} patches")
            s = (f"But {when}, {which} break away, with lengths from {num.integer(round(values[-1])).spoken} to "
                 f"{num.integer(round(values[0])).spoken}, up to {times} times the median")
        # The patches CLS attends to most in the last block, as many as there are long patches.
        looked = set(torch.topk(f.cls_maps[-1].flatten(), len(high)).indices.tolist())
        if looked == set(high):
            s += (", and they are the patches CLS looks at most." if len(high) > 1 else
                  ", and it is the patch CLS looks at most.")
        else:
            s += "."
        return s + " We only note it here; a later lesson returns to such tokens."

    def update_sentence(self) -> str:
        f = self.facts
        u = f.update_ratio
        lo, hi = int(np.argmin(u)), int(np.argmax(u))
        s = (f"For the median token, it ranges from {num.decimal(u[lo], 2).spoken}, in block {lo + 1}, to "
             f"{num.decimal(u[hi], 2).spoken}, in block {hi + 1}.")
        big = [i + 1 for i, v in enumerate(u) if v >= 1.0]
        if big:
            s += f" Only in {block_list(big)} is the update as large as the input."
        else:
            s += " In no block is the update as large as the input."
        return s + " And the residual keeps the input in the sum: each block adds its part."

    def cosine_sentence(self) -> str:
        f, d = self.facts, self.dims
        c = f.cls_cosine_to_last
        s = (f"After block 1, the cosine similarity is {num.decimal(c[0], 2).spoken}; after block {d.depth - 1}, "
             f"still only {num.decimal(c[-2], 2).spoken}." if c[-2] < 0.5 else
             f"After block 1, the cosine similarity is {num.decimal(c[0], 2).spoken}; after block {d.depth - 1}, "
             f"{num.decimal(c[-2], 2).spoken}.")
        if c[-2] < 0.5:
            s += " CLS takes its final direction late, much of it in the very last block."
        else:
            s += " CLS settles into its final direction before the last block."
        return s

    def rollout_sentence(self) -> str:
        f, d = self.facts, self.dims
        q = f.rollout_quarters
        names = ["top-left", "top-right", "bottom-left", "bottom-right"]
        peak = int(f.rollout.flatten().argmax())
        where = f" Its brightest patch is {place_name(peak, d.grid)}."
        if max(q) - min(q) < 0.1:
            lo, hi = pct(min(q)).spoken, pct(max(q)).spoken
            share = f"about {lo}" if lo == hi else f"between {lo} and {hi}"
            return f"Here it is spread out: each quarter of the photo holds {share} of it." + where
        top = int(np.argmax(q))
        cat = ", where the cat is," if top == 3 and is_course_photo(self.inputs.image) else ""
        return (f"It is uneven: the {names[top]} quarter of the photo{cat} holds {pct(q[top]).spoken} of it, "
                f"against 25 percent for an even spread." + where)

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
            name = S.text(f"block {i + 1}", S.TINY)
            if name.height > 0.75 * box.height:
                name.scale_to_fit_height(0.75 * box.height)
            boxes.add(VGroup(box, name.move_to(box)))
        count = S.text(f"× {depth}", S.HEADING, S.ACCENT).next_to(boxes, RIGHT, buff=0.3)
        return VGroup(boxes, count)

    def family_table(self) -> VGroup:
        """The paper sizes, with the row matching this model (depth, width and heads) highlighted."""
        d = self.dims
        head = ["model", "blocks", "width D", "heads", "params"]
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
        shown = [("input x", self.trace.x0), ("attention out", b.attn_out), ("x + attention", b.x_mid),
                 ("MLP hidden (GELU)", b.mlp_hidden), ("output", b.out)]
        every = np.concatenate([np.abs(t.numpy()).ravel() for _, t in shown])
        self.tensor_clip = clip = float(np.percentile(every, 99))
        h, w = 3.2, 1.45
        mats = Group()
        for name, tensor in shown:
            wide = tensor.shape[1] > self.dims.D
            m = MatrixImage(tensor, WEIGHT_CMAP, height=h, width=2 * w if wide else w, vmin=-clip, vmax=clip,
                            font_size=S.TINY)
            title = S.text(name, S.TINY, S.ACCENT if wide else S.INK).next_to(m.image, UP, buff=0.15)
            mats.add(Group(m, title))
        mats.arrange(RIGHT, buff=0.45, aligned_edge=DOWN)
        bar = ColorBar(WEIGHT_CMAP, -clip, clip, "value (clipped)", height=h)
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
            self.add(Heading("One block design, stacked"))
            left, right = L.MAIN.split(0.38)
            stack = self.numbered_stack(L.MAIN.height - 0.4)
            left.place(stack)
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * UP) for b in stack[0]], lag_ratio=0.25),
                      run_time=cue.share(0.3))
            self.play(FadeIn(stack[1]), run_time=cue.share(0.05))
            table = self.family_table()
            mine = S.text(f"this model: {d.depth} blocks, D = {d.D:,}, {d.H} heads", S.SMALL, S.ACCENT)
            panel = VGroup(table, mine).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
            right.place(panel, fill=0.95)
            self.play(FadeIn(table), run_time=cue.share(0.1))
            self.add(CitationCard(VIT_PAPER, "Table 1 (B, L, H)", "DeiT, Touvron et al. 2021, Table 1 (Ti, S)"))
            self.play(FadeIn(mine), *[Create(SurroundingRectangle(r, color=S.ACCENT, buff=0.08))
                                      for r in self.family_mine], run_time=cue.share(0.1))

    def anatomy(self):
        f = self.facts
        with self.narrate("anatomy") as cue:
            self.add(Heading("One encoder block"))
            left, right = L.MAIN.split(0.54, gutter=0.3)  # the diagram at its natural size, type at full size
            block = TransformerBlockDiagram(self.dims, mlp_hidden=f.mlp_hidden)
            left.place(block)
            self.play(FadeIn(block), run_time=cue.share(0.08))
            D, hidden = self.dims.D, f.mlp_hidden
            steps = [("ln1", "LayerNorm: normalise each token", 0.1),
                     ("attn", "attention: tokens mix information", 0.12),
                     ("residual1", "+  residual: add it to the input", 0.13),
                     ("ln2", "LayerNorm again", 0.08),
                     ("mlp", f"MLP per token: {D:,} → {hidden:,} → {D:,}", 0.17),
                     ("residual2", "+  residual: add again", 0.08)]
            # Each note sits level with its part of the diagram, so the eye reads across.
            notes = VGroup()
            for part, text, _ in steps:
                target = block.parts[part][1] if part.startswith("residual") else block.parts[part]
                note = S.text(text, S.SMALL)
                if note.width > right.width:
                    note.scale_to_fit_width(right.width)
                notes.add(note.move_to([right.left, target.get_y(), 0], aligned_edge=LEFT))
            mark = None
            for (part, _, share), note in zip(steps, notes):
                new = block.highlight(part)
                if mark is None:
                    self.play(Create(new), FadeIn(note), run_time=cue.share(0.04))
                else:
                    self.play(mark.animate.become(new), FadeIn(note), run_time=cue.share(0.04))
                    self.remove(mark)
                    self.add(new)
                mark = new
                self.wait(cue.share(share - 0.04))
            shape = S.text("out has the shape of in", S.SMALL, S.GREEN)
            shape.move_to([right.left, block.output.get_y(), 0], aligned_edge=LEFT)
            self.play(FadeIn(shape), run_time=cue.share(0.05))

    def tensors(self):
        with self.narrate("tensors") as cue:
            self.add(Heading("Block 1, as real tensors"))
            panel = self.tensor_panel()
            L.MAIN.place(panel)
            mats, bar = panel
            self.play(FadeIn(mats[0]), FadeIn(bar), run_time=cue.share(0.15))
            for k, share in zip(range(1, 5), (0.15, 0.15, 0.2, 0.2)):
                self.play(FadeIn(mats[k], shift=0.2 * RIGHT), run_time=cue.share(share))
            note = S.text("one pixel per number; rows are the tokens, CLS on top", S.SMALL, S.MUTED)
            L.FOOTER.place(note, aligned=LEFT)
            self.add(note)

    def identical(self):
        f = self.facts
        v = self.values
        with self.narrate("identical") as cue:
            self.add(Heading("Identical design, different weights"))
            left, right = L.MAIN.split(0.55)
            w0, w1 = f.fc1_first, f.fc1_second
            m = float(np.percentile(np.abs(np.concatenate([w0.ravel(), w1.ravel()])), 99))
            h = left.height - 1.2
            mats = Group()
            for name, w in (("block 1: MLP fc1", w0), ("block 2: MLP fc1", w1), ("block 2 − block 1", w1 - w0)):
                mi = MatrixImage(w, WEIGHT_CMAP, height=h, vmin=-m, vmax=m, font_size=S.TINY)
                mats.add(Group(mi, S.text(name, S.TINY).next_to(mi.image, UP, buff=0.15)))
            mats.arrange(RIGHT, buff=0.5, aligned_edge=DOWN)
            bar = ColorBar(WEIGHT_CMAP, -m, m, "weight (clipped)", height=h).next_to(mats, RIGHT, buff=0.3)
            bar.align_to(mats[0][0].image, DOWN)
            group = Group(mats, bar)
            left.place(group)
            self.play(FadeIn(mats[0]), FadeIn(bar), run_time=cue.share(0.15))
            self.play(FadeIn(mats[1]), run_time=cue.share(0.15))
            self.play(FadeIn(mats[2]), run_time=cue.share(0.1))
            stats = VGroup(
                tex(r"\frac{\lVert W_2 - W_1 \rVert}{\lVert W_1 \rVert} = " + v["fc1_rel_diff"].tex, S.BODY),
                tex(r"\cos(W_1, W_2) = " + v["fc1_cosine"].tex, S.BODY),
                wrapped(f"smallest of this ratio over all pairs of the {self.dims.depth} blocks' fc1: "
                        f"{v['min_pair_rel_diff'].screen}", S.SMALL,
                        right.width, S.MUTED),
                wrapped("same shapes in every block: " + ("yes" if f.params.same_in_every_block else "no"),
                        S.SMALL, right.width, S.GREEN)).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(stats, aligned=LEFT)
            self.play(FadeIn(stats[0]), run_time=cue.share(0.15))
            self.play(FadeIn(stats[1]), run_time=cue.share(0.15))
            self.play(FadeIn(stats[2]), FadeIn(stats[3]), run_time=cue.share(0.1))

    def params(self):
        f, d = self.facts, self.dims
        p = f.params
        v = self.values
        with self.narrate("params") as cue:
            self.add(Heading("Parameters in one block"))
            left, right = L.MAIN.split(0.54)
            colors = {"LayerNorm": S.MUTED, "attention": S.ACCENT, "MLP": S.GREEN}
            biggest = max(n for _, n in p.parts)
            rows = VGroup()
            for name, n in p.parts:
                color = colors[name.split(":")[0].split(" ")[0]]
                label = S.text(name, S.SMALL, color)
                count = S.text(num.integer(n).screen, S.SMALL, mono=True)
                bar = RoundedRectangle(corner_radius=0.03, width=max(2.6 * n / biggest, 0.02), height=0.26)
                bar.set_stroke(width=0).set_fill(color, 0.9)
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
            total = S.text(f"one block: {num.integer(p.total).screen}", S.BODY, S.INK)
            total.next_to(rows, DOWN, buff=0.45, aligned_edge=LEFT)
            table = VGroup(rows, total)
            left.place(table, aligned=LEFT)
            self.play(LaggedStart(*[FadeIn(r) for r in rows], lag_ratio=0.6), run_time=cue.share(0.2))
            self.play(FadeIn(total), run_time=cue.share(0.08))
            rule = VGroup(tex(r"12\,D^2 = 12 \times " + num.integer(d.D).tex + "^2 = " + v["twelve_d2"].tex,
                              S.BODY),
                          S.text(f"4 D² attention + {2 * f.mlp_hidden / d.D:g} D² MLP, weights only", S.TINY, S.MUTED),
                          wrapped(f"one block − 12 D² = {num.integer(p.total - p.twelve_d2).screen}: the biases and "
                                  f"the LayerNorms", S.SMALL, right.width * 0.95))
            rule.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            # The block as one bar split by part: the MLP's share is visible as a length.
            width = right.width * 0.95
            split = VGroup()
            for key, n, color in (("attention", p.attention, S.ACCENT), ("MLP", p.mlp, S.GREEN)):
                seg = RoundedRectangle(corner_radius=0.03, width=width * n / p.total, height=0.45)
                seg.set_stroke(S.BACKGROUND, 2).set_fill(color, 0.9)
                split.add(seg)
            split.arrange(RIGHT, buff=0)
            labels = VGroup(S.text(f"attention {pct(p.attention / p.total).screen}", S.SMALL, S.ACCENT),
                            S.text(f"MLP {v['mlp_share'].screen}", S.SMALL, S.GREEN))
            labels[0].next_to(split[0], DOWN, buff=0.15, aligned_edge=LEFT)
            labels[1].next_to(split[1], DOWN, buff=0.15, aligned_edge=RIGHT)
            norms = S.text(f"LayerNorms: {num.integer(p.norms).screen}", S.TINY, S.MUTED)
            norms.next_to(labels, DOWN, buff=0.2).align_to(split, LEFT)
            shares = VGroup(split, labels, norms)
            panel = VGroup(rule, shares).arrange(DOWN, aligned_edge=LEFT, buff=0.8)
            right.place(panel, aligned=LEFT)
            self.play(Write(rule[0]), FadeIn(rule[1]), run_time=cue.share(0.15))
            self.play(FadeIn(rule[2]), run_time=cue.share(0.1))
            self.play(FadeIn(shares), run_time=cue.share(0.15))

    def totals(self):
        f, d = self.facts, self.dims
        v = self.values
        with self.narrate("totals") as cue:
            self.add(Heading("Parameters in the whole model"))
            left, right = L.MAIN.split(0.35)
            stack = self.numbered_stack(left.height - 0.4)
            left.place(stack)
            self.play(FadeIn(stack), run_time=cue.share(0.1))
            names = {"cls_token": "CLS token", "pos_embed": "position embeddings", "patch_embed": "patch embedding",
                     "norm": "final LayerNorm", "head": "classifier head", "fc_norm": "pooled-feature norm",
                     "norm_pre": "pre-norm", "reg_token": "register tokens"}
            rest = VGroup(S.text("the rest:", S.SMALL, S.MUTED),
                          *[S.text(f"{names.get(k, k)}: {num.integer(n).screen}", S.SMALL, S.MUTED)
                            for k, n in f.outside_blocks]).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
            lines = VGroup(
                tex(num.integer(f.params.total).tex + r"\times " + str(d.depth) + " = " + v["blocks_total"].tex,
                    S.HEADING, S.INK),
                S.text(f"whole model, sum of every tensor: {v['model_total'].screen}", S.BODY, S.GREEN),
                S.text(f"the {d.depth} blocks: {v['blocks_share'].screen} of the model", S.BODY, S.ACCENT),
                rest,
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(lines, aligned=LEFT)
            self.play(Write(lines[0]), run_time=cue.share(0.25))
            self.play(FadeIn(lines[1]), run_time=cue.share(0.2))
            self.play(FadeIn(lines[2]), run_time=cue.share(0.15))
            self.play(FadeIn(lines[3]), run_time=cue.share(0.2))

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
            title = S.text(f"block {i + 1}", S.TINY).next_to(img, UP, buff=0.08)
            own = S.text(f"self {pct(f.cls_self[i]).screen}", S.TINY, S.ACCENT).next_to(img, DOWN, buff=0.08)
            self.cls_cells.append(img)
            self.cls_self_labels.add(own)
            tiles.add(Group(title, img, own))
        tiles.arrange_in_grid(rows=rows, cols=cols, buff=(0.15, 0.3))
        bar = ColorBar(MAP_CMAP, 0.0, vmax, "CLS → patch weight", height=min(tiles.height, 3.2))
        bar.next_to(tiles, RIGHT, buff=0.3)
        return Group(tiles, bar)

    def cls_depth(self):
        f, d = self.facts, self.dims
        with self.narrate("cls-depth") as cue:
            self.add(Heading("Where CLS looks, block by block"))
            region = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 0.7, L.MAIN.top)
            grid = self.cls_map_grid(region)
            region.place(grid)
            tiles, bar = grid
            self.play(FadeIn(bar), LaggedStart(*[FadeIn(t) for t in tiles], lag_ratio=0.15),
                      run_time=cue.share(0.3))
            self.play(Indicate(self.cls_self_labels, color=S.INK, scale_factor=1.1), run_time=cue.share(0.15))
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
            facts = S.text(f"strongest patch: {pct(f.cls_peak[0], 1).screen} in block 1, "
                           f"{pct(f.cls_peak[peak], 1).screen} in block {peak + 1};  even spread: "
                           f"{pct(even, 1).screen}", S.SMALL)
            L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, L.MAIN.bottom + 0.6).place(facts)
            self.play(FadeIn(facts), run_time=cue.share(0.15))
            if len(marks):
                self.play(Create(marks), run_time=cue.share(0.1))

    def norms(self):
        f, d = self.facts, self.dims
        with self.narrate("norms") as cue:
            self.add(Heading("How long the tokens are, block by block"))
            left, right = L.MAIN.split(0.4)
            last = self.trace.blocks[-1].out[1:].norm(dim=-1).reshape(d.grid, d.grid)  # (g, g)
            hm = HeatmapOnPhoto(self.trace.picture, last, MAP_CMAP, vmin=0.0, label="token norm", height=3.6)
            cap = S.text(f"patch norms after block {d.depth}", S.SMALL).next_to(hm.image, UP, buff=0.15)
            left.place(Group(hm, cap))
            labels = ["in"] + [str(i + 1) for i in range(d.depth)]
            start = high_norm_start(f)
            hot = [S.ACCENT if start is not None and i >= start else S.BLUE for i in range(d.depth + 1)]
            top, bottom = right.rows(2, gutter=0.5)
            med = BlockBars(f.patch_norm_median, labels, "median patch norm", width=top.width - 1.0,
                            height=top.height - 1.0)
            mx = BlockBars(f.patch_norm_max, labels, "largest patch norm", "after block", width=bottom.width - 1.0,
                           height=bottom.height - 1.2, colors=hot)
            top.place(med)
            bottom.place(mx)
            self.play(FadeIn(med), run_time=cue.share(0.3))
            self.play(FadeIn(mx), run_time=cue.share(0.25))
            self.play(FadeIn(hm), FadeIn(cap), run_time=cue.share(0.2))

    def residual(self):
        f, d = self.facts, self.dims
        with self.narrate("residual") as cue:
            self.add(Heading("What each block adds"))
            formula = tex(r"\text{update ratio} = \operatorname{median}_{\text{tokens}} "
                          r"\frac{\lVert \text{out} - \text{in} \rVert}{\lVert \text{in} \rVert}", S.BODY)
            chart = BlockBars(f.update_ratio, [str(i + 1) for i in range(d.depth)], "update ratio", "block",
                              width=L.MAIN.width - 2.5, height=L.MAIN.height - 2.6,
                              reference=(1.0, "as large as the input"))
            group = VGroup(formula, chart).arrange(DOWN, buff=0.4)
            L.MAIN.place(group)
            self.play(Write(formula), run_time=cue.share(0.25))
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * UP) for b in chart.bars], lag_ratio=0.15),
                      FadeIn(VGroup(*[m for m in chart if m is not chart.bars])), run_time=cue.share(0.4))
            self.bring_to_front(chart.reference_line)  # the dashed line crosses the bars, not hides behind them
            u = f.update_ratio
            spoken = VGroup(*[S.text(num.decimal(u[i], 2).screen, S.SMALL, S.ACCENT)
                              .next_to(chart.bar(i), UP, buff=0.1) for i in {int(np.argmin(u)), int(np.argmax(u))}])
            self.play(FadeIn(spoken), run_time=cue.share(0.1))

    def cls_cosine(self):
        f, d = self.facts, self.dims
        with self.narrate("cls-cosine") as cue:
            self.add(Heading(f"CLS after each block vs CLS after block {d.depth}"))
            c = f.cls_cosine_to_last
            chart = BlockBars(c, [str(i + 1) for i in range(d.depth)], "cosine similarity", "after block",
                              width=L.MAIN.width - 2.5, height=L.MAIN.height - 1.6, vmin=min(0.0, min(c)),
                              vmax=1.0, colors=[S.BLUE] * (d.depth - 1) + [S.MUTED])
            L.MAIN.place(chart)
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * UP) for b in chart.bars], lag_ratio=0.15),
                      FadeIn(VGroup(*[m for m in chart if m is not chart.bars])), run_time=cue.share(0.5))
            spoken = VGroup(*[S.text(num.decimal(c[i], 2).screen, S.SMALL, S.ACCENT)
                              .next_to(chart.bar(i), UP, buff=0.1) for i in (0, d.depth - 2)])
            self.play(FadeIn(spoken[0]), run_time=cue.share(0.1))
            gap = SurroundingRectangle(VGroup(chart.bar(d.depth - 2), chart.bar(d.depth - 1)), color=S.ACCENT,
                                       buff=0.08)
            self.play(FadeIn(spoken[1]), Create(gap), run_time=cue.share(0.15))

    def rollout(self):
        f, d = self.facts, self.dims
        with self.narrate("rollout") as cue:
            self.add(Heading("Attention rollout: all blocks at once"))
            left, right = L.MAIN.split(0.48)
            hm = HeatmapOnPhoto(self.trace.picture, f.rollout, MAP_CMAP, vmin=0.0, vmax=1.0,
                                label="rollout, CLS row (max = 1)", height=left.height - 0.2)
            left.place(hm)
            formula = VGroup(
                tex(r"R = \tilde A_{" + str(d.depth) + r"}\,\tilde A_{" + str(d.depth - 1) + r"} \cdots \tilde A_{1}",
                    S.BODY),
                tex(r"\tilde A_b = \operatorname{rownorm}\!\left(\tfrac{1}{2}\bar A_b + \tfrac{1}{2} I\right)",
                    S.BODY)).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            how = wrapped("Ā_b: block b's attention averaged over heads; I: the residual path; rows renormalised",
                          S.TINY, right.width, S.MUTED)
            q = f.rollout_quarters
            quarters = S.text(f"share per quarter of the photo: {pct(min(q)).screen} to {pct(max(q)).screen}",
                              S.SMALL)
            caveat = CaveatNote("a heuristic: it ignores the values and the MLPs", width=right.width, size=S.SMALL)
            panel = VGroup(formula, how, quarters, caveat).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(panel, aligned=UP + LEFT)
            self.play(Write(formula), FadeIn(how), run_time=cue.share(0.25))
            self.add(CitationCard(ROLLOUT_PAPER, "ACL 2020, Section 3", None, max_width=right.width))
            self.play(FadeIn(hm), run_time=cue.share(0.2))
            self.play(FadeIn(caveat), run_time=cue.share(0.1))
            self.play(FadeIn(quarters), run_time=cue.share(0.1))

    def head(self):
        d = self.dims
        v = self.values
        with self.narrate("head") as cue:
            self.add(Heading("From the last block to the answer"))
            left, right = L.MAIN.split(0.42)
            steps = [f"block {d.depth} output {num.shape(d.N + 1, d.D).screen}", "final LayerNorm",
                     f"CLS row {num.shape(d.D).screen}", f"head {v['head_shape'].screen} + bias",
                     f"softmax over {d.num_classes:,} classes"]
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
                      run_time=cue.share(0.45))
            bars = TopKBars(self.trace.top5, height=3.4, width=right.width)
            title = S.text("the model's top 5", S.SMALL, S.MUTED)
            panel = VGroup(title, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            right.place(panel)
            self.play(FadeIn(panel), run_time=cue.share(0.25))

    def recap(self):
        with self.narrate("recap") as cue:
            stack = self.numbered_stack(L.MAIN.height - 0.6)
            left, right = L.MAIN.split(0.3)
            left.place(stack)
            take = wrapped("A ViT is one block design (LayerNorm, attention, residual, LayerNorm, MLP, residual) "
                           f"stacked {self.dims.depth} times with different weights; {self.mlp_majority()}.",
                           S.BODY, right.width - 0.6)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            card = VGroup(box, take)
            right.place(card)
            self.play(FadeIn(stack), run_time=cue.share(0.15))
            self.play(FadeIn(card), run_time=cue.share(0.25))
            self.play(FadeIn(NextLessonFooter(self.lesson)),
                      run_time=cue.share(0.1))
