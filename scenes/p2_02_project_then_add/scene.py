"""Phase 2, lesson 2: Project, then add: patch embedding plus position embedding.

One real patch (the contact-sheet lesson's, the one whose pixels vary most) goes through the model's own
projection E: its 3 P^2 inputs, the (D, 3 P^2) matrix, one output worked by hand, all D outputs. Then what E
learned: one row drawn as a signed picture and its dot product with the patch built as a map of products;
the principal components of the filters (as in the ViT paper's Fig. 7, left), with what the photo holds along
them, and their variance shares against E's random start. Then the position embedding of the patch's slot
added element-wise (Eq. 1), CLS put in front, and the (T, D) input of block 1.
Every picture and number comes from the trace and scenes.p2_02_project_then_add.facts; each cue builds what it shows from
them, so any cue can be previewed on its own.

    manim -ql scenes/p2_02_project_then_add/scene.py ProjectThenAdd
"""
from __future__ import annotations

import numpy as np
import torch
from manim import (DOWN, LEFT, PI, RIGHT, UP, Arrow, Create, FadeIn, Group, Indicate, LaggedStart, Line,
                   Rectangle, RoundedRectangle, SurroundingRectangle, VGroup, Write)

from narration.script import Choice
from scenes.course import BY_ID
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.heatmaps import SmallMultiples
from scenes.common.matrices import MatrixImage, NumericPreview
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import PixelImage
from scenes.common.vectors import VectorBar, VectorSum
from scenes.p2_02_project_then_add.facts import cached_embedding_facts

VIT_L_WIDTH = 1024  # ViT-Large's hidden size D, ViT paper Table 1

# The keys this lesson may give each [choice.*] table of its script (`vitlessons list` checks they match).
CHOICES = {
    "filter_sign": ("same", "negative", "positive"),
    "first_components": ("unseen_fine", "unseen", "seen"),
    "faint_which": ("one", "many"),
    "pca_structure": ("shared_spread", "shared_first", "random"),
    "norm_compare": ("nudge", "dominates", "same_order"),
    "bigger_count": ("all", "some", "none"),
    "cls_position": ("own",),
    "cls_pos_cosine": ("alike", "different"),
    "x0_match": ("pre_norm", "exact"),
}


def sum_places(a: float, b: float, total: float) -> int:
    """The fewest decimals (2 to 4) at which the rounded a and b add up to the rounded total, so a sum written
    on screen is also right as written."""
    for places in (2, 3, 4):
        if round(round(a, places) + round(b, places), places) == round(total, places):
            return places
    return 4


def weight_clip(weight, q: float = 0.99) -> float:
    """The colour range for drawing E: the 99th percentile of |weight|, so the bulk of small weights shows
    colour instead of a few large ones setting the scale (the colour bar says the range is clipped)."""
    return float(np.quantile(np.abs(np.asarray(weight)), q))


def vector_preview(values, cols) -> NumericPreview:
    """A (D,) vector's real entries with their indices above; no row index, since there is one row."""
    preview = NumericPreview(values, cols=cols)
    preview.remove(preview.row_labels)
    return preview


FAINT = 0.1   # a component the photo "hardly contains": its patches vary along it < 1/10 of an average direction
FINE = 0.5    # a "fine pattern": over half its energy at fine detail (facts.FINE_FREQUENCY or above)


def channel_maps(row: np.ndarray, P: int) -> np.ndarray:
    """A (3 P^2,) vector flattened (channel, y, x), as timm's conv weight and the trace's patches are, as
    (3, 1, P, P) maps: one row of small multiples per colour channel."""
    return np.asarray(row, dtype=np.float64).reshape(3, 1, P, P)


def signed_tile(component: np.ndarray) -> np.ndarray:
    """A (3, P, P) signed vector as a (P, P, 3) uint8 RGB picture with zero at mid-grey: each channel is
    0.5 + v / (2 max|v|), so a channel brighter than grey is positive there, darker negative."""
    v = np.asarray(component, dtype=np.float64).transpose(1, 2, 0)
    m = np.abs(v).max()
    return np.round(255 * (0.5 + v / (2 * m if m > 0 else 1.0))).astype(np.uint8)


def filter_sign(k: int, plus: int, value: float) -> Choice:
    """Row k (worked by hand) against row k+ (drawn): the same row, or the sign of row k's dot product."""
    if k == plus:
        return Choice("same")
    return Choice("negative" if value < 0 else "positive")


def first_components(along, fine) -> Choice:
    """What the photo's patches hold along E's first principal components: the leading ones it hardly
    contains (each < FAINT of an average direction), and whether those are all fine patterns."""
    along, fine = np.asarray(along), np.asarray(fine)
    faint = 0
    while faint < len(along) and along[faint] < FAINT:
        faint += 1
    if faint == 0:
        return Choice("seen", along=num.decimal(float(along[0]), 1))
    which = Choice("one") if faint == 1 else Choice("many", faint=faint)
    return Choice("unseen_fine" if (fine[:faint] > FINE).all() else "unseen", faint_which=which)


def pca_structure(share: float, random_share: float, first: float) -> Choice:
    """Structure beyond chance or not, from the measured shares (no claim about what the patterns look like)."""
    if share > 1.2 * random_share:
        return Choice("shared_spread" if first < 0.1 else "shared_first")
    return Choice("random")


def norm_compare(mean_token: float, mean_pos: float, bigger: int, n: int) -> Choice:
    """Which part of the sum is larger, from the measured lengths."""
    ratio = mean_token / mean_pos
    count = Choice("all" if bigger == n else "some" if bigger else "none", bigger=bigger)
    if ratio >= 10:
        return Choice("nudge", bigger_count=count, ratio=f"{ratio:.0f}")
    if ratio <= 0.1:
        return Choice("dominates", bigger_count=count, ratio=f"{1 / ratio:.0f}")
    return Choice("same_order", bigger_count=count)


def cls_position(pos_rows: int) -> Choice:
    """CLS has a position of its own: the trace refuses models with timm's `no_embed_class` (no position for
    CLS), so every model this lesson sees gives it one; the table's row count is read from the model."""
    return Choice("own", pos_rows=pos_rows)


def cls_pos_cosine(cosine: float) -> Choice:
    """CLS against its own position embedding. Only their sum reaches block 1, so every training step gives
    the two the same gradient; trained, they end up nearly the same vector (measured, not assumed)."""
    return Choice("alike" if cosine > 0.9 else "different", cosine=num.decimal(cosine, 3))


def x0_match(pre_norm: bool) -> Choice:
    """How this sum relates to what block 1 reads: through the model's LayerNorm (norm_pre) when it has one,
    else as it is. The trace builds block 1's input with the very same sum, so without a norm_pre the two are
    equal bit for bit (facts.sum_vs_x0 is 0; the lesson's test checks it)."""
    return Choice("pre_norm" if pre_norm else "exact")


class ProjectThenAdd(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        self.facts = f = cached_embedding_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        i, k = f.example_patch, f.out_index
        places = sum_places(f.dot, float(f.bias[k]), f.out_value)
        add_places = sum_places(f.out_value, f.pos_value, f.sum_value)
        shown = len(f.pca_ratio)
        return {
            "example_index": i,
            "example_row": i // d.grid,
            "example_col": i % d.grid,
            "num_tokens": d.T,
            "slot": i + 1,
            "param_count": num.integer(f.weight.numel() + f.bias.numel()),
            "out_index": k,
            "dot": num.decimal(f.dot, places),
            "bias_k": num.decimal(float(f.bias[k]), places),
            "out_value": num.decimal(f.out_value, places),
            "add_out_value": num.decimal(f.out_value, add_places),
            "pos_k": num.decimal(f.pos_value, add_places),
            "sum_k": num.decimal(f.sum_value, add_places),
            "plus_index": f.plus_index,
            "plus_dot": num.decimal(f.plus_dot, 2),
            "filter_sign": filter_sign(k, f.plus_index, f.dot),
            "first_components": first_components(f.photo_along, f.fine_share),
            "pca_shown": shown,
            "pca_first": num.percent(float(f.pca_ratio[0]), 1),
            "pca_share": num.percent(float(f.pca_ratio.sum())),
            "random_share": num.percent(f.random_pca_share),
            "pca_structure": pca_structure(float(f.pca_ratio.sum()), f.random_pca_share, float(f.pca_ratio[0])),
            "token_norm": num.decimal(f.token_norm, 1),
            "pos_norm": num.decimal(f.pos_norm, 1),
            "mean_token_norm": num.decimal(f.mean_token_norm, 1),
            "mean_pos_norm": num.decimal(f.mean_pos_norm, 1),
            "norm_compare": norm_compare(f.mean_token_norm, f.mean_pos_norm, f.patches_bigger, d.N),
            "cls_position": cls_position(f.pos_rows),
            "x0_match": x0_match(f.pre_norm),
            "cls_pos_cosine": cls_pos_cosine(f.cls_pos0_cosine),
            "vit_l_width": num.integer(VIT_L_WIDTH),
            "position_lesson": BY_ID["p1-03-position-embeddings"].number,
            "cls_lesson": BY_ID["p1-04-cls-token"].number,
        }

    # ------------------------------------------------------------------ what the cues share
    @property
    def i(self) -> int:
        return self.facts.example_patch

    @property
    def k(self) -> int:
        return self.facts.out_index

    def patch_vector(self) -> np.ndarray:
        """p: the example patch, normalised and flattened (channel, y, x), as the projection reads it."""
        return self.trace.patches[self.i].numpy()

    def patch_token(self) -> np.ndarray:
        return self.trace.patch_tokens[self.i].numpy()

    def sequence(self) -> torch.Tensor:
        """(T, D): CLS in front of the patch tokens, plus the position table; ViT paper Eq. 1."""
        return torch.cat([self.trace.cls[None], self.trace.patch_tokens]) + self.trace.pos

    def patch_picture(self, height: float) -> PixelImage:
        return PixelImage(self.trace.patch_pixels[self.i], height=height)

    def cues(self):
        return [self.hook, self.patch, self.matrix, self.product, self.outputs, self.filter, self.pca,
                self.pca_measured, self.position, self.add_numbers, self.norms, self.cls, self.sequence_cue,
                self.recap]

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.15)
            patch = self.patch_picture(2.2)
            token = VectorBar(self.patch_token(), width=3.2, length_name=None)
            total = VectorBar(self.sequence()[self.i + 1].numpy(), width=3.2, length_name=None)
            for bar in (token, total):  # each strip's colour scale under it, clear of the arrows
                bar.key.next_to(bar.strip, DOWN, buff=0.15)
            steps = Group(patch, token, total).arrange(RIGHT, buff=1.6)
            L.MAIN.place(steps)
            d = self.dims
            caps = VGroup(*[S.text(self.words("numbers", n=n), S.SMALL, S.MUTED).next_to(m, DOWN, buff=0.25)
                            for n, m in ((d.P * d.P * 3, patch), (d.D, token), (d.D, total))])
            y = token.strip.get_y()  # arrows run level with the strips
            arrows = VGroup(Arrow([patch.get_right()[0], y, 0], token.strip.get_left(), buff=0.2, color=S.ACCENT),
                            Arrow(token.strip.get_right(), total.strip.get_left(), buff=0.2, color=S.ACCENT))
            words = VGroup(S.text(self.words("project"), S.BODY, S.ACCENT).next_to(arrows[0], UP, buff=0.2),
                           S.text(self.words("add"), S.BODY, S.ACCENT).next_to(arrows[1], UP, buff=0.2))
            self.play(FadeIn(patch), FadeIn(caps[0]), run_time=cue.clause())
            self.play(Create(arrows[0]), FadeIn(words[0]), FadeIn(token), FadeIn(caps[1]), run_time=cue.until("project"))
            self.play(Create(arrows[1]), FadeIn(words[1]), FadeIn(total), FadeIn(caps[2]), run_time=cue.until("add"))

    def patch(self):
        d = self.dims
        with self.narrate("patch") as cue:
            self.add(Heading(self.words("heading")))
            top, bottom = L.MAIN.rows(2, gutter=0.3)
            top = L.Region(top.left, top.right, top.bottom - 0.8, top.top)
            bottom = L.Region(bottom.left, bottom.right, bottom.bottom, bottom.top - 0.8)
            g = PhotoGrid(self.trace.picture, d.grid, height=top.height, patch_pixels=self.trace.patch_pixels)
            big = self.patch_picture(top.height)
            where = S.text(self.words("where"), S.SMALL, S.ACCENT)
            pair = Group(g, big).arrange(RIGHT, buff=1.5)
            where.next_to(big, RIGHT, buff=0.3)
            top.place(Group(pair, where))
            box = g.cell_square(self.i)
            arrow = Arrow(box.get_right(), big.get_left(), buff=0.1, color=S.ACCENT)
            self.play(FadeIn(g), run_time=cue.clause())
            self.play(Create(box), Create(arrow), FadeIn(big), FadeIn(where), run_time=cue.until("patch"))
            p = self.patch_vector()
            bar = VectorBar(p, width=bottom.width - 3.0, label="p", length_name=self.words("length"))
            preview = vector_preview(p, cols=(0, 1, 2, -1))
            block = Group(bar, preview).arrange(DOWN, buff=0.3)
            bottom.place(block)
            note = S.text(self.words("note"), S.TINY, S.MUTED)
            note.next_to(bar.strip, UP, buff=0.1, aligned_edge=LEFT)
            self.play(FadeIn(bar), FadeIn(note), run_time=cue.until("flat"))
            self.play(FadeIn(preview), run_time=cue.until("p"))

    def matrix(self):
        f = self.facts
        d = self.dims
        with self.narrate("matrix") as cue:
            self.add(Heading(self.words("heading")))
            main, side = L.MAIN.split(0.78)
            clip = weight_clip(f.weight)
            # The kit writes each axis's count in front of its label ("192 outputs").
            E = MatrixImage(f.weight, height=3.2, row_label=self.words("rows"), col_label=self.words("columns"),
                            colorbar=True, colorbar_label=self.words("scale"), vmin=-clip, vmax=clip)
            main.place(E, aligned=LEFT)
            name = tex("E", S.HEADING, S.ACCENT).next_to(E.shape_label, LEFT, buff=0.4)
            bias = MatrixImage(f.bias[:, None], height=E.image.height, width=0.25, shape_text=False, colorbar=True,
                               colorbar_label=None)
            bias.match_y(E.image)
            b_name = tex("b", S.HEADING, S.ACCENT)
            b_shape = S.text(num.shape(d.D).screen, S.SMALL, S.ACCENT, mono=True)
            b_col = Group(b_name, bias, b_shape).arrange(DOWN, buff=0.2)
            b_col.shift((E.image.get_y() - bias.get_y()) * UP)
            b_col.set_x(side.center[0])
            self.play(FadeIn(E.image), run_time=cue.clause())
            self.play(FadeIn(Group(*[m for m in E if m is not E.image])), FadeIn(name), run_time=cue.until("rows"))
            self.play(FadeIn(b_col), run_time=cue.until("bias"))
            count = L.FOOTER.place(tex(self.words("count_tex", count=self.values["param_count"].tex), S.BODY))
            # Faded in, not written: Write draws a long formula's glyphs over one another mid-way.
            self.play(FadeIn(count), run_time=cue.until("count"))

    def product(self):
        f, k = self.facts, self.k
        v = self.values
        with self.narrate("product") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.36)
            clip = weight_clip(f.weight)
            E = MatrixImage(f.weight, height=3.0, row_label="{n}", col_label="{n}", vmin=-clip, vmax=clip)
            mark = E.highlight_row(k)
            row_l = E.row_marker(k, self.words("row"), side=LEFT)
            left.place(Group(E, mark, row_l))
            (w0, p0), (w1, p1) = f.first_terms
            s = num.signed
            lines = VGroup(
                tex(self.words("formula_tex"), S.HEADING),
                tex(self.words("shapes_tex"), S.SMALL, S.MUTED),
                tex(self.words("output_tex"), S.HEADING, S.ACCENT),
                tex(self.words("dot_tex", w0=s(w0).tex, p0=s(p0).tex, w1=s(w1).tex, p1=s(p1).tex,
                               dot=v["dot"].tex), S.BODY),
                tex(self.words("sum_tex", dot=v["dot"].tex, bias=v["bias_k"].tex, out=v["out_value"].tex),
                    S.HEADING, S.GREEN),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(lines, aligned=LEFT)
            self.play(FadeIn(E), Write(lines[0]), FadeIn(lines[1]), run_time=cue.clause())
            self.play(Create(mark), FadeIn(row_l), Write(lines[2]), run_time=cue.until("take"))
            self.play(Write(lines[3]), run_time=cue.until("dot"))
            self.play(Write(lines[4]), run_time=cue.until("bias"))
            note = S.text(self.words("note"), S.TINY, S.MUTED)
            note.next_to(lines, DOWN, buff=0.35, aligned_edge=LEFT)
            self.add(note)

    def outputs(self):
        k = self.k
        with self.narrate("outputs") as cue:
            self.add(Heading(self.words("heading")))
            y = self.patch_token()
            bar = VectorBar(y, width=L.MAIN.width - 4.0, label="E p + b")
            preview = vector_preview(y, cols=(0, 1, 2, k, -1))
            block = Group(bar, preview).arrange(DOWN, buff=0.4)
            L.MAIN.place(block, aligned=UP)
            block.shift(0.4 * DOWN)
            mark = bar.entry_marker(k)
            self.play(FadeIn(bar), run_time=cue.clause())
            self.play(FadeIn(preview), Create(mark), Create(SurroundingRectangle(preview.entry(0, k),
                                                                                 color=S.ACCENT, buff=0.06)),
                      run_time=cue.until("token"))
            every = tex(self.words("every_tex"), S.BODY)
            every.next_to(block, DOWN, buff=0.7)
            self.play(Write(every), run_time=cue.until("every"))

    def filter(self):
        f, d = self.facts, self.dims
        v = self.values
        kp = f.plus_index
        with self.narrate("filter") as cue:
            self.add(Heading(self.words("heading")))
            p = self.patch_vector()
            w = f.weight[kp].numpy()
            columns = []
            # Each factor on its own signed scale, zero in the middle: sign is the point of this picture.
            for values, title, label in ((p, self.words("patch"), self.words("pixel")),
                                         (w, self.words("row", row=kp), self.words("weight")),
                                         (p * w, self.words("products"), self.words("product"))):
                m = float(np.abs(values).max())
                grid = SmallMultiples(channel_maps(values, d.P),
                                      [self.words(c) for c in ("red", "green", "blue")], [title],
                                      cmap="coolwarm", vmin=-m, vmax=m, label=label,
                                      height=L.MAIN.height - 1.0, width=6.0)
                columns.append(grid)
            for grid in columns[1:]:  # the channel names once, on the left
                grid.remove(grid.row_labels)
            photo = self.patch_picture(1.3)
            photo_cap = S.text(self.words("photo"), S.TINY, S.MUTED).next_to(photo, DOWN, buff=0.12)
            ops = [tex(r"\times", S.HEADING), tex("=", S.HEADING)]
            row = Group(Group(photo, photo_cap), columns[0], ops[0], columns[1], ops[1], columns[2])
            row.arrange(RIGHT, buff=0.3)
            for op, grid in zip(ops, columns[1:]):
                op.match_y(Group(*[c for r in grid.cells for c in r]))
            area = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 0.7, L.MAIN.top)
            area.place(row)
            total = tex(self.words("sum_tex", row=kp, dot=v["plus_dot"].tex), S.BODY, S.ACCENT)
            total.next_to(columns[2], DOWN, buff=0.25)
            if total.get_right()[0] > L.MAIN.right:
                total.align_to(columns[2], RIGHT)
            hand = tex(self.words("hand_tex", row=self.k, dot=v["dot"].tex), S.SMALL, S.MUTED)
            L.FOOTER.place(hand, aligned=LEFT)
            self.play(FadeIn(columns[1]), run_time=cue.until("drawn"))
            self.play(Indicate(columns[1].col_labels, color=S.ACCENT), run_time=cue.until("row"))
            self.play(FadeIn(photo), FadeIn(photo_cap), FadeIn(columns[0]), FadeIn(ops[0]),
                      run_time=cue.until("patch"))
            self.play(FadeIn(ops[1]), FadeIn(columns[2]), run_time=cue.until("products"))
            self.play(Write(total), run_time=cue.until("sum"))
            if self.k != kp:
                self.play(FadeIn(hand), run_time=cue.until("hand"))

    def pca(self):
        f = self.facts
        v = self.values
        with self.narrate("pca") as cue:
            self.add(Heading(self.words("heading")))
            cols = 7
            tiles = Group(*[PixelImage(signed_tile(c), height=1.0) for c in np.asarray(f.pca_components)])
            tiles.arrange_in_grid(cols=cols, buff=0.18)
            area = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 0.9, L.MAIN.top - 0.4)
            area.place(tiles)
            labels = VGroup(S.text("1", S.TINY, S.MUTED).next_to(tiles[0], LEFT, buff=0.12),
                            S.text(str(len(tiles)), S.TINY, S.MUTED).next_to(tiles[-1], RIGHT, buff=0.12))
            self.play(LaggedStart(*[FadeIn(t) for t in tiles], lag_ratio=0.05), FadeIn(labels),
                      run_time=cue.until("components"))
            card = CitationCard(self.words("vit_paper"), self.words("where"),
                                self.words("there", vit_l_width=v["vit_l_width"].screen))
            self.play(FadeIn(card), run_time=cue.until("figure"))
            note = S.text(self.words("note"), S.TINY, S.MUTED)
            note.next_to(tiles, DOWN, buff=0.25)
            if note.width > L.MAIN.width:
                note.scale_to_fit_width(L.MAIN.width)
            self.play(FadeIn(note), run_time=cue.until("ours"))
            # The leading components the photo hardly holds, each with its measured share under it.
            choice = v["first_components"]
            faint = choice.extra["faint_which"].extra.get("faint", 1) if choice.key != "seen" else 1
            marks = VGroup()
            for j in range(faint):
                marks.add(SurroundingRectangle(tiles[j], color=S.ACCENT, buff=0.05))
            caption = S.text(self.words("along", share=", ".join(num.percent(float(f.photo_along[j])).screen
                                                                   for j in range(faint))), S.TINY, S.ACCENT)
            caption.next_to(tiles[0], UP, buff=0.1, aligned_edge=LEFT)
            self.play(Create(marks), FadeIn(caption), run_time=cue.until("first"))

    def pca_measured(self):
        f = self.facts
        v = self.values
        with self.narrate("pca-measured") as cue:
            self.add(Heading(self.words("heading")))
            ratios, random = np.asarray(f.pca_ratio), np.asarray(f.random_ratio)
            # Bars on one linear axis for both matrices, its top the largest share drawn; the random
            # matrix's bars are outlines drawn over the trained ones, so each trained bar reads against it.
            chart_h, chart_w = 3.0, L.MAIN.width - 3.5
            top = float(max(ratios.max(), random.max()))
            bw = chart_w / len(ratios)

            def bars(values, fill):
                out = VGroup()
                for j, r in enumerate(values):
                    bar = Rectangle(width=0.8 * bw, height=max(chart_h * r / top, 0.01))
                    bar.set_fill(S.BLUE, 1 if fill else 0).set_stroke(S.BLUE if fill else S.INK, 0 if fill else 2)
                    out.add(bar.move_to([j * bw, 0, 0], aligned_edge=DOWN))
                return out

            trained, untrained = bars(ratios, True), bars(random, False)
            axis = Line([-0.5 * bw, 0, 0], [chart_w, 0, 0], color=S.MUTED, stroke_width=2)
            y_axis = Line([-0.5 * bw, 0, 0], [-0.5 * bw, chart_h, 0], color=S.MUTED, stroke_width=2)
            ticks = VGroup()
            for value in (0.0, top):
                y = chart_h * value / top
                ticks.add(Line([-0.5 * bw - 0.08, y, 0], [-0.5 * bw, y, 0], color=S.MUTED, stroke_width=2))
                ticks.add(S.text(num.percent(value, 1).screen, S.TINY, S.INK, mono=True)
                          .next_to(ticks[-1], LEFT, buff=0.06))
            y_l = S.text(self.words("share"), S.TINY, S.MUTED).rotate(PI / 2)
            y_l.next_to(ticks, LEFT, buff=0.12).set_y(chart_h / 2)
            x_l = S.text(self.words("axis"), S.TINY, S.MUTED).next_to(axis, DOWN, buff=0.12)
            first_l = S.text(self.words("first", share=v["pca_first"].screen), S.TINY, S.INK)
            first_l.next_to(trained[0], RIGHT, buff=0.15).align_to(trained[0], UP)
            key = VGroup(
                VGroup(Rectangle(width=0.3, height=0.2).set_fill(S.BLUE, 1).set_stroke(width=0),
                       S.text(self.words("trained"), S.TINY, S.INK)).arrange(RIGHT, buff=0.12),
                VGroup(Rectangle(width=0.3, height=0.2).set_fill(S.BLUE, 0).set_stroke(S.INK, 2),
                       S.text(self.words("untrained"), S.TINY, S.INK)).arrange(RIGHT, buff=0.12),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            key.move_to([chart_w, chart_h, 0], aligned_edge=UP + RIGHT)
            chart = VGroup(trained, untrained, axis, y_axis, ticks, y_l, x_l, first_l, key)
            totals = VGroup(
                S.text(self.words("together", share=v["pca_share"].screen), S.BODY, S.BLUE),
                S.text(self.words("random", share=v["random_share"].screen), S.SMALL, S.MUTED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            panel = VGroup(chart, totals).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
            L.MAIN.place(panel)
            self.play(Create(axis), Create(y_axis), FadeIn(ticks), FadeIn(y_l), FadeIn(x_l), run_time=cue.clause())
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * UP) for b in trained], lag_ratio=0.05),
                      FadeIn(first_l), FadeIn(key[0]), run_time=cue.until("bars"))
            self.play(FadeIn(totals[0]), run_time=cue.until("together"))
            self.play(LaggedStart(*[Create(b) for b in untrained], lag_ratio=0.03), FadeIn(key[1]),
                      FadeIn(totals[1]), run_time=cue.until("random"))

    def position(self):
        slot = self.i + 1
        with self.narrate("position") as cue:
            self.add(Heading(self.words("heading")))
            vs = VectorSum(self.patch_token(), self.trace.pos[slot].numpy(),
                           labels=(self.words("patch"), self.words("position"), self.words("token")),
                           width=L.MAIN.width - 4.5)
            L.MAIN.place(vs, aligned=UP)
            vs.shift(0.2 * DOWN)
            eq = tex(self.words("equation_tex"), S.BODY)
            eq_l = S.text(self.words("equation"), S.SMALL, S.MUTED)
            block = VGroup(eq, eq_l).arrange(DOWN, buff=0.2)
            block.next_to(vs, DOWN, buff=0.6)
            self.play(FadeIn(vs.bars[0]), FadeIn(vs.labels[0]), run_time=cue.clause())
            self.play(FadeIn(vs.bars[1]), FadeIn(vs.labels[1]), FadeIn(vs.ops[0]), run_time=cue.until("position"))
            self.play(FadeIn(vs.bars[2]), FadeIn(vs.labels[2]), FadeIn(vs.ops[1]), FadeIn(vs.key),
                      FadeIn(vs.length_text), run_time=cue.until("added"))
            self.play(Write(eq), FadeIn(eq_l), FadeIn(CitationCard(self.words("vit_paper"), self.words("where"))),
                      run_time=cue.until("equation"))

    def add_numbers(self):
        k, slot = self.k, self.i + 1
        v = self.values
        with self.narrate("add-numbers") as cue:
            self.add(Heading(self.words("heading")))
            vs = VectorSum(self.patch_token(), self.trace.pos[slot].numpy(),
                           labels=(self.words("patch"), self.words("position"), self.words("token")),
                           width=L.MAIN.width - 4.5)
            L.MAIN.place(vs, aligned=UP)
            vs.shift(0.2 * DOWN)
            self.add(vs)
            col = vs.column(k)
            line = tex(self.words("sum_tex", out=v["add_out_value"].tex, pos=v["pos_k"].tex, sum=v["sum_k"].tex),
                       S.HEADING, S.ACCENT)
            line.next_to(vs, DOWN, buff=0.7)
            self.play(Create(col), run_time=cue.clause())
            self.play(Write(line), run_time=cue.until("sum"))

    def norms(self):
        f = self.facts
        v = self.values
        with self.narrate("norms") as cue:
            self.add(Heading(self.words("heading")))
            rows = [(self.words("patch"), f.token_norm, v["token_norm"], S.BLUE),
                    (self.words("position"), f.pos_norm, v["pos_norm"], S.GREEN),
                    (self.words("mean_patch"), f.mean_token_norm, v["mean_token_norm"], S.BLUE),
                    (self.words("mean_position"), f.mean_pos_norm, v["mean_pos_norm"], S.GREEN)]
            top = max(r[1] for r in rows)
            bar_w = 6.0
            lines = Group()
            for name, value, number, color in rows:
                label = S.text(name, S.SMALL)
                bar = Rectangle(width=max(bar_w * value / top, 0.01), height=0.4).set_fill(color, 1).set_stroke(width=0)
                val = S.text(number.screen, S.SMALL, color, mono=True)
                lines.add(VGroup(label, bar, val))
            for j, line in enumerate(lines):
                y = -j * 0.75 - (0.5 if j >= 2 else 0)
                line[0].move_to([0, y, 0], aligned_edge=RIGHT)
                line[1].move_to([0.3, y, 0], aligned_edge=LEFT)
                line[2].next_to(line[1], RIGHT, buff=0.15)
            L.MAIN.place(lines, aligned=UP)
            lines.shift(0.3 * DOWN)
            self.play(FadeIn(lines[0]), FadeIn(lines[1]), run_time=cue.until("here"))
            self.play(FadeIn(lines[2]), FadeIn(lines[3]), run_time=cue.until("mean"))
            count = S.text(self.words("count", bigger=f.patches_bigger), S.BODY, S.ACCENT)
            count.next_to(lines, DOWN, buff=0.6)
            self.play(FadeIn(count), run_time=cue.until("count"))

    def cls(self):
        f = self.facts
        with self.narrate("cls") as cue:
            self.add(Heading(self.words("heading")))
            vs = VectorSum(self.trace.cls.numpy(), self.trace.pos[0].numpy(),
                           labels=(self.words("learned"), self.words("position"), self.words("token")),
                           width=L.MAIN.width - 4.5)
            L.MAIN.place(vs, aligned=UP)
            vs.shift(0.2 * DOWN)
            self.play(FadeIn(vs), run_time=min(cue.clause(), 0.6))  # quick: no near-empty frame while it fades
            flag = S.text(self.words("flag", flag=f.no_embed_class, rows=f.pos_rows), S.SMALL, S.ACCENT, mono=True)
            flag.next_to(vs, DOWN, buff=0.7)
            self.play(FadeIn(flag), run_time=cue.until("flag"))
            cosine = S.text(self.words("cosine", cosine=num.decimal(f.cls_pos0_cosine, 3).screen), S.SMALL,
                            S.INK, mono=True).next_to(flag, DOWN, buff=0.4)
            self.play(FadeIn(cosine), run_time=cue.until("cosine"))

    def sequence_cue(self):
        slot = self.i + 1
        with self.narrate("sequence") as cue:
            self.add(Heading(self.words("heading")))
            x = self.sequence()
            m = MatrixImage(x, height=L.MAIN.height - 1.6, row_label=self.words("rows"),
                            col_label=self.words("columns"), colorbar=True, colorbar_label=self.words("scale"))
            L.MAIN.place(m)
            self.play(FadeIn(m.image), run_time=cue.clause())
            self.play(FadeIn(Group(*[p for p in m if p is not m.image])), run_time=cue.until("matrix"))
            total = tex(self.words("total_tex"), S.BODY, S.ACCENT)
            L.FOOTER.place(total, aligned=RIGHT)
            self.play(Write(total), run_time=cue.until("plus"))
            marks = VGroup(m.row_marker(0, self.words("cls")), m.row_marker(slot, self.words("patch")))
            self.play(FadeIn(marks), Create(m.highlight_row(0)), Create(m.highlight_row(slot)),
                      run_time=cue.until("row"))

    def recap(self):
        with self.narrate("recap") as cue:
            steps = VGroup(*[tex(self.words(name), S.BODY)
                             for name in ("patch_tex", "token_tex", "position_tex", "sequence_tex")])
            steps.arrange(RIGHT, buff=1.5)
            arrows = VGroup(*[Arrow(a.get_right(), b.get_left(), buff=0.12, color=S.ACCENT)
                              for a, b in zip(steps[:-1], steps[1:])])
            names = VGroup(*[S.text(self.words(name), S.SMALL, S.MUTED).next_to(arrow, UP, buff=0.3)
                             for name, arrow in zip(("project", "add", "cls"), arrows)])
            names.set_y(max(n.get_y() for n in names))
            flow = VGroup(steps, arrows, names)
            take = wrapped(self.words("take"), S.BODY, L.MAIN.width - 2.0)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            block = VGroup(flow, VGroup(box, take)).arrange(DOWN, buff=0.8)
            L.MAIN.place(block)
            self.add(steps[0])
            for j, mark in enumerate(("project", "add", "cls")):
                self.play(Create(arrows[j]), FadeIn(names[j]), FadeIn(steps[j + 1]), run_time=cue.until(mark))
            self.play(FadeIn(box), FadeIn(take), run_time=cue.until("token"))
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("teaser"))), run_time=cue.until("next"))
