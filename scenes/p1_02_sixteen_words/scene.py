"""Phase 1, lesson 2: An image is worth 16x16 words, literally.

Not how the photo is sliced (the contact-sheet lesson owns that) but the analogy itself: a sentence is a
sequence of word tokens from a vocabulary, an image becomes a sequence of patch tokens. Where it holds (a
sequence of vectors into the same kind of transformer) and where it breaks (no vocabulary: one linear
projection of continuous pixels, measured on two real patches; no natural order). Then the sequence length
from the model's own sizes, the pairs attention compares for each case, and the title read literally.

Every number is the model's (dims, trace, scenes.p1_02_sixteen_words.facts) or a paper's, cited on screen while
shown; every word is in script.toml.

    manim -ql scenes/p1_02_sixteen_words/scene.py SixteenWords
"""
from __future__ import annotations

import math

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Brace, Create, Cross, FadeIn, FadeTransform, Group, GrowFromEdge,
                   LaggedStart, Line, Rectangle, RoundedRectangle, Square, SurroundingRectangle, TransformFromCopy,
                   VGroup, Write)

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.attention import AttentionMatrix
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, TitleCard, center_on_baseline, wrapped
from scenes.common.heatmaps import ColorBar, heatmap_image
from scenes.common.diagrams import BlockStack
from scenes.common.matrices import MatrixImage
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import PixelImage
from scenes.common.tokens import TokenStrip
from scenes.common.vectors import VectorBar
from scenes.p1_02_sixteen_words.facts import FINE_TUNE_SIZE, cached_token_facts, other_patch

TEXT_VOCAB = 37000   # "a shared source-target vocabulary of about 37000 tokens" (BPE, En-De), Vaswani et al. Sec. 5.1
TEXT_WIDTH = 512     # d_model = 512 for the embeddings and every sub-layer, Vaswani et al. Sec. 3.1
TITLE_SIDE = 16      # the "16x16" of the paper's title

# The keys this lesson may give each [choice.*] table of its script (`vitlessons list` checks they match).
# "coincidence" needs a model whose grid is 16 x 16 and "lower" one that already reads 384 pixels: real
# branches for `--model`, not reached by the embedded ViT-Ti or a ViT-S/16 at 224.
CHOICES = {
    "distinct_sentence": ("all", "repeats"),
    "alt_note": ("fine_tune", "lower"),
    "title_reading": ("coincidence", "not_grid"),
}


def title_reading(grid: int) -> Choice:
    """How the title's "16x16" reads for this model: a grid of 16 by 16 patches is a coincidence of its sizes
    (e.g. 14 px patches at 224 px, or 24 px at 384); any other grid shows the title does not count the words."""
    return Choice("coincidence" if grid == TITLE_SIDE else "not_grid")


def ratio(x: float) -> str:
    """A ratio as spoken and shown: whole when it is whole, else one decimal."""
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"


class SixteenWords(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        self.facts = f = cached_token_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        S_ = self.size
        levels = int(np.iinfo(np.asarray(self.trace.picture).dtype).max) + 1
        patch_dim = 3 * d.P * d.P
        digits = math.floor(patch_dim * math.log10(levels)) + 1      # digits of levels ** patch_dim
        params = d.D * patch_dim + (d.D if f.proj_bias else 0)
        big_p = other_patch(d.P)
        big_grid = S_ // big_p
        pixel_tokens = S_ * S_
        n, alt_n, big_n = d.N, f.alt_tokens, big_grid * big_grid
        # (image side in px, patch side in px or None for one token per pixel, tokens), in the order shown
        self.cases = [(S_, d.P, n), (f.alt_size, d.P, alt_n), (S_, big_p, big_n), (S_, None, pixel_tokens)]
        gigabytes = d.H * pixel_tokens ** 2 * f.bytes_per_weight / 1e9
        centre = (d.grid // 2) * d.grid + d.grid // 2 - (1 if d.grid % 2 == 0 else 0)
        return {
            "text_vocab": num.integer(TEXT_VOCAB),
            "text_width": TEXT_WIDTH,
            "num_tokens": d.T,
            "levels": levels,
            "possible_digits": num.integer(digits),
            "proj_params": num.integer(params),
            "patch_a": f.detail_patch,
            "patch_b": f.flat_patch,
            "blend_diff": num.scientific(f.blend_max_diff),
            "proj_row": f.proj_row,
            "proj_value": num.decimal(f.proj_value, 2),
            "distinct_sentence": Choice("all") if f.distinct_patches == d.N else
            Choice("repeats", distinct=f.distinct_patches),
            "centre": centre,
            "alt_size": f.alt_size,
            "alt_note": Choice("fine_tune" if f.alt_size == FINE_TUNE_SIZE else "lower"),
            "fine_tune_size": FINE_TUNE_SIZE,
            "alt_grid": f.alt_grid[0],
            "alt_tokens": num.integer(alt_n),
            "big_patch": big_p,
            "big_tokens": num.integer(big_n),
            "pixel_tokens": num.integer(pixel_tokens),
            "patch_pairs": num.integer(n * n),
            "alt_pairs": num.integer(alt_n * alt_n),
            "alt_token_ratio": ratio(alt_n / n),
            "alt_pair_ratio": ratio(alt_n ** 2 / n ** 2),
            "big_pairs": num.integer(big_n * big_n),
            "big_ratio": ratio(n ** 2 / big_n ** 2),
            "pixel_pairs": num.count(pixel_tokens ** 2),  # "2.5 billion": ten digits read aloud mean nothing
            "pixel_ratio": num.integer(round(pixel_tokens ** 2 / n ** 2)),
            "big_side": ratio(n / big_n),
            "pixel_side": ratio(pixel_tokens / n),
            "pixel_count": num.count(pixel_tokens ** 2),
            "pixel_gigabytes": f"{gigabytes:.0f}" if gigabytes >= 10 else f"{gigabytes:.1f}",
            "title_side": TITLE_SIDE,
            "title_words": TITLE_SIDE * TITLE_SIDE,
            "title_reading": title_reading(d.grid),
            "pixels_per_word": d.P * d.P,
        }

    # ------------------------------------------------------------------ what the cues share
    @property
    def sentence_list(self) -> list[str]:
        return self.words("sentence").split()

    @property
    def repeated(self) -> str:
        """The sentence's word that occurs twice: one vocabulary row, looked up twice."""
        words = self.sentence_list
        return next(w for w in words if words.count(w) > 1)

    def word_box(self, word: str, color: str = S.BLUE) -> VGroup:
        t = S.text(word, S.BODY, S.INK)
        box = RoundedRectangle(corner_radius=0.08, width=max(t.width + 0.35, 0.9), height=0.7)
        box.set_stroke(color, 2).set_fill(color, 0.15)
        # On one baseline, not centred by bounding box: "on" (no tall letters) would float above "the".
        t.move_to(box)
        center_on_baseline(t, box.get_y(), S.text("x", S.BODY).height)
        return VGroup(box, t)

    def sentence(self) -> VGroup:
        return VGroup(*[self.word_box(w) for w in self.sentence_list]).arrange(RIGHT, buff=0.18)

    def vocabulary(self, row_h: float = 0.42, width: float = 4.2) -> VGroup:
        """A schematic vocabulary: the sentence's distinct words as rows (alphabetical, gaps between), each row
        an outline standing for a learned vector. No values are drawn: none are the model's."""
        words = sorted(set(self.sentence_list))
        rows, labels = VGroup(), {}
        for w in words:
            dots = S.text("⋮", S.SMALL, S.MUTED)
            rows.add(VGroup(dots))
            name = S.text(w, S.SMALL, S.INK, mono=True)
            cell = Rectangle(width=width, height=row_h).set_stroke(S.BLUE, 1.5).set_fill(S.BLUE, 0.1)
            name.next_to(cell, LEFT, buff=0.2)
            row = VGroup(name, cell)
            rows.add(row)
            labels[w] = row
        rows.add(VGroup(S.text("⋮", S.SMALL, S.MUTED)))
        rows.arrange(DOWN, buff=0.08)
        for r in rows:
            if len(r) == 2:
                r[1].set_x(0)
                r[0].next_to(r[1], LEFT, buff=0.2)
            else:
                r.set_x(0)
        table = VGroup(rows)
        table.rows_by_word = labels
        cells = VGroup(*[labels[w][1] for w in words])
        table.side = Brace(rows, RIGHT, color=S.MUTED)
        table.side_l = S.text(self.words("rows", vocab=num.integer(TEXT_VOCAB).screen), S.SMALL, S.MUTED)
        table.side_l.next_to(table.side, RIGHT, buff=0.1)
        table.top = Brace(VGroup(cells, rows[0]), UP, color=S.MUTED)
        table.top_l = S.text(self.words("row_width"), S.SMALL, S.MUTED).next_to(table.top, UP, buff=0.1)
        table.add(table.side, table.side_l, table.top, table.top_l)
        return table

    def photo_grid(self, height: float, grid: int | None = None, color: str = S.INK) -> PhotoGrid:
        return PhotoGrid(self.trace.picture, grid or self.dims.grid, height=height,
                         patch_pixels=self.trace.patch_pixels if grid is None else None, line_color=color)

    def vit_citation(self, where: str = "source", detail: str | None = None) -> CitationCard:
        """The ViT paper, at the place the current cue's screen words `where` (and `detail`) name."""
        return CitationCard(self.words("vit_paper"), self.words(where), self.words(detail) if detail else None)

    def case_labels(self, size: int, patch: int | None) -> tuple[str, str]:
        """A sequence-length case as two short lines: the image side, then the patch side."""
        return (self.words("case_size", px=size),
                self.words("case_patch", p=patch) if patch else self.words("case_pixel"))

    def cues(self):
        return [self.hook, self.sentence_cue, self.image, self.holds, self.no_vocabulary, self.project,
                self.continuous, self.order, self.lengths, self.pairs, self.title, self.takeaway]

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            card = TitleCard(self.lesson)
            self.play(FadeIn(card, shift=0.2 * UP), run_time=cue.share(0.08))  # pacing: the title comes first
            words = self.sentence()
            strip = TokenStrip(self.trace.patch_pixels, show=(6, 2), height=0.9, width=L.MAIN.width - 3.5)
            words_l = S.text(self.words("sentence_label"), S.BODY, S.MUTED)
            image_l = S.text(self.words("image_label"), S.BODY, S.MUTED)
            rows = Group(Group(words_l, words).arrange(RIGHT, buff=0.5),
                         Group(image_l, strip).arrange(RIGHT, buff=0.5)).arrange(DOWN, buff=1.2, aligned_edge=LEFT)
            L.MAIN.place(rows)
            question = S.text(self.words("question"), S.HEADING, S.ACCENT).next_to(rows, DOWN, buff=0.7)
            cite = self.vit_citation()
            saying = S.text(self.words("saying"), S.BODY, S.MUTED).next_to(card, DOWN, buff=0.5)
            self.play(FadeIn(saying), run_time=cue.until("saying"))
            run = cue.until("sentences")
            self.remove(card, saying)
            self.play(LaggedStart(*[FadeIn(w, shift=0.2 * RIGHT) for w in words], lag_ratio=0.15), FadeIn(words_l),
                      FadeIn(cite), run_time=run)
            self.play(FadeIn(image_l), LaggedStart(*[FadeIn(m, shift=0.2 * RIGHT) for m in strip], lag_ratio=0.05),
                      run_time=cue.until("picture"))
            self.play(FadeIn(question), run_time=cue.until("compare"))

    def sentence_cue(self):
        sentence = self.sentence_list
        with self.narrate("sentence") as cue:
            self.add(Heading(self.words("heading")))
            words = VGroup(*[self.word_box(w) for w in sentence]).arrange(DOWN, buff=0.12)
            idx = VGroup(*[S.text(str(k), S.TINY, S.MUTED, mono=True).next_to(b, LEFT, buff=0.15)
                           for k, b in enumerate(words)])
            left = VGroup(idx, words)
            table = self.vocabulary()
            panel = VGroup(left, table).arrange(RIGHT, buff=2.6)
            L.MAIN.place(panel, fill=0.86)  # room under the table for its "same row" note
            self.play(LaggedStart(*[FadeIn(b, shift=0.2 * DOWN) for b in words], lag_ratio=0.15), FadeIn(idx),
                      run_time=cue.clause())
            self.play(FadeIn(table), FadeIn(CitationCard(self.words("transformer_paper"), self.words("source"),
                                                         self.words("detail"))),
                      run_time=cue.until("vocab"))
            arrows = VGroup()
            for b, w in zip(words, sentence):
                row = table.rows_by_word[w]
                color = S.ACCENT if w == self.repeated else S.MUTED
                arrows.add(Arrow(b.get_right(), row[0].get_left(), buff=0.1, color=color, stroke_width=3,
                                 max_tip_length_to_length_ratio=0.08))
            self.play(LaggedStart(*[Create(a) for a in arrows], lag_ratio=0.2), run_time=cue.until("lookup"))
            same = SurroundingRectangle(table.rows_by_word[self.repeated], color=S.ACCENT, buff=0.06)
            same_l = S.text(self.words("same"), S.SMALL, S.ACCENT).next_to(table[0], DOWN, buff=0.12)
            self.play(Create(same), FadeIn(same_l), run_time=cue.until("twice"))

    def image(self):
        with self.narrate("image") as cue:
            self.add(Heading(self.words("heading")))
            g = self.photo_grid(height=L.MAIN.height - 1.0)
            L.LEFT.place(g, aligned=LEFT)
            self.play(FadeIn(g.photo), run_time=cue.clause())
            self.play(LaggedStart(*[Create(line) for line in g.lines], lag_ratio=0.04), run_time=cue.until("cut"))
            right = L.MAIN.split(0.42)[1]
            strip = TokenStrip(self.trace.patch_pixels, show=(4, 2), height=0.8, width=right.width - 0.8)
            strip_l = S.text(self.words("tokens"), S.SMALL, S.MUTED).next_to(strip, DOWN, buff=0.4)
            quote = wrapped(self.words("quote"), S.SMALL, right.width - 0.6, S.INK)
            block = Group(strip, strip_l, quote).arrange(DOWN, buff=0.7)
            right.place(block)
            arrow = Arrow(g.get_right(), strip.get_left(), buff=0.2, color=S.ACCENT)
            self.play(Create(arrow), LaggedStart(*[FadeIn(m, shift=0.2 * RIGHT) for m in strip], lag_ratio=0.08),
                      FadeIn(strip_l), run_time=cue.until("reads"))
            self.play(FadeIn(quote), FadeIn(self.vit_citation()), run_time=cue.until("paper"))

    def holds(self):
        d = self.dims
        i = self.facts.detail_patch  # the patch the next cues work by hand, met here as one row
        with self.narrate("holds") as cue:
            self.add(Heading(self.words("heading")))
            # Three columns, left to right as the data flows: the patches, their token matrix, the stack.
            M = L.MAIN
            photo_r = L.Region(M.left, M.left + 3.6, M.bottom, M.top)
            mat_r = L.Region(M.left + 4.0, M.left + 8.7, M.bottom, M.top)
            stack_r = L.Region(M.left + 9.1, M.right, M.bottom, M.top)
            g = self.photo_grid(height=min(photo_r.width, photo_r.height - 1.2))
            photo_r.place(g)
            tokens = np.asarray(self.trace.patch_tokens)
            clip = float(np.percentile(np.abs(tokens), 99.5))  # a few large entries would wash the rest out
            mat = MatrixImage(tokens, height=mat_r.height - 2.0, width=2.0, vmin=-clip, vmax=clip,
                              row_label=self.words("rows", n="{n}"), col_label=self.words("columns", n="{n}"),
                              colorbar=True, colorbar_label=self.words("scale"))
            text_l = S.text(self.words("text_rows"), S.SMALL, S.MUTED)
            img_l = S.text(self.words("image_rows"), S.SMALL, S.ACCENT)
            notes = VGroup(img_l, text_l).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            notes.next_to(mat, DOWN, buff=0.2)
            mat_r.place(Group(mat, notes))
            stack = BlockStack(d, height=stack_r.height - 0.3)
            stack_r.place(stack)
            self.play(FadeIn(g), FadeIn(mat), FadeIn(stack.blocks, stack.brace, stack.count, lag_ratio=0.0),
                      run_time=cue.until("matrix"))
            # One patch, one row: the window on the photo and its row of the matrix, in reading order.
            me = g.window(i, S.ACCENT)
            row = mat.highlight_row(i)
            link = Arrow(g.cell_center(i), row.get_left(), buff=0.1, color=S.ACCENT, stroke_width=3,
                         max_tip_length_to_length_ratio=0.06)
            patch_l = S.text(self.words("patch", patch=i), S.TINY, S.ACCENT).next_to(g, DOWN, buff=0.15)
            self.play(Create(me), Create(row), Create(link), FadeIn(patch_l), FadeIn(notes),
                      run_time=cue.until("row"))
            # The extra token goes in front, then all T rows enter the stack at its input, at the bottom.
            y_in = stack.input.get_y()
            arrow = Arrow([mat_r.right - 1.6, y_in, 0], stack.input.get_left(), buff=0.1, color=S.ACCENT,
                          stroke_width=4, max_tip_length_to_length_ratio=0.15)
            extra = S.text(self.words("extra"), S.TINY, S.ACCENT).next_to(arrow, DOWN, buff=0.06)
            self.play(Create(arrow), FadeIn(extra), FadeIn(stack.input), FadeIn(stack.output),
                      run_time=cue.until("stack"))
            self.play(Create(stack.highlight(0)), FadeIn(self.vit_citation("source", "detail")),
                      run_time=cue.until("closely"))

    def no_vocabulary(self):
        v = self.values
        with self.narrate("no-vocabulary") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.42, gutter=0.6)
            vocab = v["text_vocab"].screen
            rows = VGroup(
                S.text(self.words("word"), S.BODY, S.BLUE),
                S.text(self.words("list", vocab=vocab), S.SMALL, S.MUTED),
                S.text(self.words("patch"), S.BODY, S.ACCENT),
                S.text(self.words("levels"), S.SMALL, S.MUTED),
                tex(self.words("possible_tex"), S.BODY),
                S.text(self.words("digits", digits=v["possible_digits"].screen), S.SMALL, S.RED),
                S.text(self.words("instead"), S.BODY, S.GREEN),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)
            for k in (2, 4, 6):
                rows[k].shift(0.3 * DOWN)
                for later in rows[k + 1:]:
                    later.shift(0.3 * DOWN)
            left.place(rows, aligned=LEFT)
            # The number of possible patches, every digit of it: exact integer arithmetic, wrapped in lines.
            digits = str(v["levels"] ** v["patch_dim"])
            per_line = max(1, math.ceil(math.sqrt(len(digits) * 2.6)))  # a block a bit wider than tall
            lines = [digits[k:k + per_line] for k in range(0, len(digits), per_line)]
            wall = S.text("\n".join(lines), 10, S.RED, mono=True, line_spacing=0.6)
            right.place(wall)
            self.play(FadeIn(rows[0]), FadeIn(rows[1]), run_time=cue.clause())
            self.play(FadeIn(rows[2]), FadeIn(rows[3]), run_time=cue.until("patch"))
            self.play(Write(rows[4]), run_time=cue.until("table"))
            self.play(FadeIn(rows[5]), LaggedStart(*[FadeIn(line) for line in wall.submobjects], lag_ratio=0.002),
                      run_time=cue.until("digits"))
            self.play(FadeIn(rows[6]), FadeIn(CitationCard(self.words("transformer_paper"), self.words("source"),
                                                           self.words("detail", vocab=vocab))),
                      run_time=cue.until("instead"))

    def project(self):
        """One token built from one patch: its pixels in a line, one row of W multiplied in pair by pair and
        summed with the bias (checked against the model's own token), then every row of W at once."""
        f, d = self.facts, self.dims
        a, k = f.detail_patch, f.proj_row
        W = f.proj_weight
        p = np.asarray(self.trace.patches[a], dtype=np.float64)
        token = np.asarray(self.trace.patch_tokens[a], dtype=np.float64)
        with self.narrate("project") as cue:
            self.add(Heading(self.words("heading")))
            # Columns line up: entry j of p sits above column j of W, row k of W above its products.
            strip_w, left_x = 6.0, L.MAIN.left + 2.7
            patch = PixelImage(self.trace.patch_pixels[a], height=1.0)
            patch.move_to([L.MAIN.left + 0.6, L.MAIN.top - 0.6, 0])
            patch_l = S.text(self.words("patch", patch=a), S.TINY, S.ACCENT).next_to(patch, DOWN, buff=0.08)
            pbar = VectorBar(p, width=strip_w, height=0.32, length_name=None)
            pbar.shift((left_x - pbar.strip.get_left()[0]) * RIGHT + (L.MAIN.top - 0.45 - pbar.strip.get_y()) * UP)
            p_l = S.text(self.words("flat", n=num.integer(p.size).screen), S.TINY, S.INK)
            p_l.next_to(pbar.strip, UP, buff=0.08, aligned_edge=LEFT)
            pbar.key.next_to(p_l, RIGHT, buff=0.4)  # above the strip: the right side is the token's
            clip = float(np.percentile(np.abs(W), 99))  # most weights are tiny; a few large ones would grey the rest
            w_img = heatmap_image(W, "coolwarm", -clip, clip, height=1.9, width=strip_w)
            w_img.next_to(pbar.strip, DOWN, buff=0.35).align_to(pbar.strip, LEFT)
            w_frame = Rectangle(width=w_img.width, height=w_img.height).set_stroke(S.MUTED, 1).move_to(w_img)
            w_bar = ColorBar("coolwarm", -clip, clip, self.words("weight_scale"), height=w_img.height)
            label_w = w_img.get_left()[0] - L.MAIN.left - 0.25  # the column left of the strips, for their names
            w_name = wrapped(self.words("matrix"), S.TINY, label_w, S.INK).next_to(w_img, LEFT, buff=0.2)
            w_shape = S.text(num.shape(*W.shape).screen, S.TINY, S.ACCENT, mono=True)
            w_shape.next_to(w_name, DOWN, buff=0.1)
            w_group = Group(w_img, w_frame, w_name, w_shape)
            row_h = w_img.height / W.shape[0]
            row_y = w_img.get_top()[1] - (k + 0.5) * row_h
            row_box = Rectangle(width=w_img.width + 0.1, height=max(row_h, 0.05)).set_stroke(S.ACCENT, 3)
            row_box.move_to([w_img.get_x(), row_y, 0])
            # Row k, on the weights' own clipped scale, and the products on a symmetric scale of their own.
            wk = VectorBar(W[k], vmin=-clip, vmax=clip, width=strip_w, height=0.32, length_name=None, scale=False)
            wk.next_to(w_img, DOWN, buff=0.3).align_to(pbar.strip, LEFT)
            wk_l = wrapped(self.words("row_why", row=k), S.TINY, label_w, S.ACCENT).next_to(wk.strip, LEFT, buff=0.2)
            prod = W[k].astype(np.float64) * p
            pr = VectorBar(prod, width=strip_w, height=0.32, length_name=None)
            pr.next_to(wk, DOWN, buff=0.3).align_to(pbar.strip, LEFT)
            pr_l = wrapped(self.words("product"), S.TINY, label_w, S.INK).next_to(pr.strip, LEFT, buff=0.2)
            pr.key.next_to(pr.strip, DOWN, buff=0.1, aligned_edge=RIGHT)
            s_tex = tex(self.words("sum_tex", row=k, dot=num.decimal(f.proj_dot, 2).tex,
                                  op="+" if f.proj_bias_k >= 0 else "-", bias=num.decimal(abs(f.proj_bias_k), 2).tex,
                                  value=num.decimal(f.proj_dot + f.proj_bias_k, 2).tex), S.SMALL, S.INK)
            s_tex.next_to(pr, DOWN, buff=0.3).align_to(pbar.strip, LEFT)
            # The token: one column beside W, its entry r level with W's row r.
            # Clipped: one entry (the one worked above) is many times the others and would grey them all out.
            tok_vmax = float(np.percentile(np.abs(token), 98))
            tok_img = heatmap_image(token[:, None], "coolwarm", -tok_vmax, tok_vmax, height=w_img.height, width=0.3)
            w_bar.next_to(w_img, RIGHT, buff=0.2)
            tok_img.next_to(w_bar, RIGHT, buff=0.45)
            tok_frame = Rectangle(width=0.3, height=w_img.height).set_stroke(S.MUTED, 1).move_to(tok_img)
            tok_l = S.text(self.words("token"), S.TINY, S.INK).next_to(tok_img, UP, buff=0.1)
            tok_bar = ColorBar("coolwarm", -tok_vmax, tok_vmax, self.words("token_scale"), height=w_img.height)
            tok_bar.next_to(tok_img, RIGHT, buff=0.15)
            w_group.add(w_bar)
            entry = Rectangle(width=0.42, height=max(row_h, 0.06)).set_stroke(S.ACCENT, 3)
            entry.move_to([tok_img.get_x(), row_y, 0])
            tok_dim = S.text(num.shape(token.size).screen, S.TINY, S.ACCENT, mono=True)
            tok_dim.next_to(tok_img, DOWN, buff=0.1)
            check = S.text(self.words("check", patch=a, row=k, value=num.decimal(f.proj_value, 2).screen), S.TINY,
                           S.GREEN)
            check.next_to(s_tex, DOWN, buff=0.15, aligned_edge=LEFT)
            formula = tex(self.words("token_tex"), S.BODY, S.GREEN)
            F_ = W.shape[1]
            learned = wrapped(self.words("learned", D=num.integer(d.D).screen, F=num.integer(F_).screen,
                                         params=self.values["proj_params"].screen), S.SMALL,
                              L.MAIN.right - pr.strip.get_right()[0] - 0.4, S.GREEN)
            out = VGroup(formula, learned).arrange(DOWN, buff=0.15)
            out.next_to(w_img, DOWN, buff=0.35).align_to(w_bar, LEFT)
            self.play(FadeIn(patch), FadeIn(patch_l), run_time=cue.until("take"))
            self.play(FadeTransform(patch.copy(), pbar.strip), FadeIn(pbar[1:]), FadeIn(p_l),
                      run_time=cue.until("flatten"))
            self.play(FadeIn(w_group), run_time=cue.until("row"))
            row_img = heatmap_image(W[k:k + 1], "coolwarm", -clip, clip, height=max(row_h, 0.05), width=strip_w)
            row_img.move_to([w_img.get_x(), row_y, 0])
            self.play(Create(row_box), FadeTransform(row_img, wk), FadeIn(wk_l), run_time=cue.clause())
            self.play(FadeIn(pr, shift=0.15 * DOWN), FadeIn(pr_l), run_time=cue.until("times"))
            self.play(Write(s_tex), run_time=cue.until("sum"))
            self.play(FadeIn(tok_frame), Create(entry), FadeIn(check), run_time=cue.clause())
            # Every row at once: the row box sweeps down W while the token's entries appear beside it.
            sweep = row_box.copy().set_stroke(S.ACCENT, 2)
            sweep.move_to([w_img.get_x(), w_img.get_top()[1] - row_h / 2, 0])
            self.play(sweep.animate.move_to([w_img.get_x(), w_img.get_bottom()[1] + row_h / 2, 0]),
                      GrowFromEdge(tok_img, UP), FadeIn(tok_l), FadeIn(tok_bar), FadeIn(tok_dim),
                      run_time=cue.until("all"))
            self.play(Write(formula), FadeIn(learned), run_time=cue.until("replace"))

    def continuous(self):
        f = self.facts
        with self.narrate("continuous") as cue:
            self.add(Heading(self.words("heading")))
            side = 1.5
            pa = PixelImage(self.trace.patch_pixels[f.detail_patch], height=side)
            pb = PixelImage(self.trace.patch_pixels[f.flat_patch], height=side)
            pm = PixelImage(f.blend_pixels, height=side)
            plus, eq = S.text("+", S.HEADING, S.MUTED), S.text("→", S.HEADING, S.MUTED)
            top = Group(pa, plus, pb, eq, pm).arrange(RIGHT, buff=0.9)
            caps = VGroup(S.text(self.words("detail_patch"), S.SMALL),
                          S.text(self.words("flat_patch"), S.SMALL),
                          S.text(self.words("half"), S.SMALL, S.ACCENT))
            for c, m in zip(caps, (pa, pb, pm)):
                c.next_to(m, DOWN, buff=0.12)
            head = Group(top, caps)
            # One shared scale, clipped at the 99th percentile of |value| so that a few large entries do not wash
            # out the rest (the key says so).
            m = float(np.percentile(np.abs(np.concatenate([f.token_a, f.token_b, f.token_blend])), 99))
            vecs = [(f.token_a, "token_a"), (f.token_b, "token_b"), (f.token_blend, "token_mix"),
                    ((f.token_a + f.token_b) / 2, "token_average")]
            bars = Group(*[VectorBar(vec, vmin=-m, vmax=m, width=6.4, height=0.4, label=self.words(name),
                                     scale=k == 3, length_name="D" if k == 3 else None, font_size=S.SMALL)
                           for k, (vec, name) in enumerate(vecs)]).arrange(DOWN, buff=0.22, aligned_edge=RIGHT)
            for bar in bars:  # strips share one left edge whatever their labels' widths
                bar.shift((bars[0].strip.get_left()[0] - bar.strip.get_left()[0]) * RIGHT)
            clipped = S.text(self.words("clipped"), S.TINY, S.MUTED).next_to(bars[3].key, DOWN, buff=0.08)
            bars.add(clipped)
            check = tex(self.words("check_tex", diff=self.values["blend_diff"].tex), S.BODY, S.GREEN)
            note = S.text(self.words("linear_note"), S.TINY, S.MUTED)
            body = Group(head, bars, VGroup(check, note).arrange(DOWN, buff=0.12)).arrange(DOWN, buff=0.4)
            L.MAIN.place(body)
            self.play(FadeIn(pa), FadeIn(pb), FadeIn(caps[:2]), run_time=cue.until("take"))
            self.play(FadeIn(plus), FadeIn(eq), FadeIn(pm), FadeIn(caps[2]), run_time=cue.until("mix"))
            self.play(FadeIn(bars[:2]), run_time=cue.until("product"))
            self.play(FadeIn(bars[2:]), run_time=cue.until("lands"))
            self.play(Write(check), FadeIn(note), run_time=cue.until("largest"))

    def order(self):
        d = self.dims
        i = self.values["centre"]
        with self.narrate("order") as cue:
            self.add(Heading(self.words("heading")))
            words = VGroup(*[self.word_box(w) for w in self.sentence_list]).arrange(RIGHT, buff=0.45).scale(0.8)
            links = VGroup(*[Arrow(a.get_right(), b.get_left(), buff=0.04, stroke_width=3, color=S.MUTED,
                                   max_tip_length_to_length_ratio=0.35) for a, b in zip(words, words[1:])])
            words_l = S.text(self.words("one_order"), S.SMALL, S.MUTED)
            top = VGroup(VGroup(words, links), words_l).arrange(DOWN, buff=0.15)
            L.MAIN.place(top, aligned=UP)
            top.shift(0.15 * DOWN)
            cite = self.vit_citation("source", "detail")
            cite2 = CitationCard(self.words("transformer_paper"), self.words("transformer_source"),
                                 self.words("transformer_detail"))
            cite2.next_to(cite, UP, buff=0.08, aligned_edge=RIGHT)
            below = L.Region(L.MAIN.left, L.MAIN.right, cite2.get_top()[1] + 0.15, top.get_bottom()[1] - 0.3)
            left, right = below.split(0.4, gutter=0.8)
            g = self.photo_grid(height=left.height)
            left.place(g)
            right_n, below_n = i + 1, i + d.grid
            me = g.window(i, S.ACCENT)
            nb_r = g.cell_square(right_n, S.GREEN)
            nb_d = g.cell_square(below_n, S.RED)
            idx = list(range(i, i + d.grid + 1))
            strip = TokenStrip(self.trace.patch_pixels[i:i + d.grid + 1], indices=idx, show=(3, 2), height=0.8,
                               width=right.width)
            notes = VGroup(S.text(self.words("right"), S.SMALL, S.GREEN),
                           S.text(self.words("below"), S.SMALL, S.RED),
                           S.text(self.words("ignores"), S.SMALL, S.MUTED),
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            right.place(Group(strip, notes).arrange(DOWN, buff=0.5))
            hl = [SurroundingRectangle(strip.cell_for(k), color=c, buff=0.05)
                  for k, c in ((0, S.ACCENT), (1, S.GREEN), (d.grid, S.RED))]
            self.play(FadeIn(words), Create(links), FadeIn(words_l), run_time=cue.clause())
            self.play(FadeIn(g), run_time=cue.until("grid"))
            self.play(Create(me), FadeIn(strip), Create(hl[0]), run_time=cue.until("convention"))
            self.play(Create(nb_r), Create(hl[1]), FadeIn(notes[0]), run_time=cue.until("right"))
            self.play(Create(nb_d), Create(hl[2]), FadeIn(notes[1]), run_time=cue.until("below"))
            self.play(FadeIn(notes[2]), FadeIn(cite), FadeIn(cite2), run_time=cue.until("ignores"))

    def lengths(self):
        d, f = self.dims, self.facts
        v = self.values
        with self.narrate("lengths") as cue:
            self.add(Heading(self.words("heading")))
            unit = 2.3 / self.size  # scene units per pixel: every photo drawn to the same scale
            big_p = v["big_patch"]
            panels = [
                self.photo_grid(self.size * unit),
                PhotoGrid(f.alt_picture, f.alt_grid[0], height=f.alt_size * unit, line_width=0.8),
                self.photo_grid(self.size * unit, grid=self.size // big_p),
                PixelImage(self.trace.picture, height=self.size * unit),
            ]
            row = Group(*panels).arrange(RIGHT, buff=0.55, aligned_edge=DOWN)
            caps = []
            for (size, patch, n), p in zip(self.cases, panels):
                size_l, patch_l = self.case_labels(size, patch)
                cap = VGroup(S.text(size_l, S.TINY, S.MUTED), S.text(patch_l, S.TINY, S.MUTED),
                             S.text(self.words("tokens", n=num.integer(n).screen), S.SMALL, S.ACCENT)
                             ).arrange(DOWN, buff=0.08)
                cap.next_to(p, DOWN, buff=0.15)
                caps.append(cap)
            maths = [tex(self.words("grid_tex", p=d.P, g=d.grid), S.SMALL),
                     S.text(self.words("measured"), S.TINY, S.INK),
                     tex(self.words("grid_tex", p=big_p, g=self.size // big_p), S.SMALL),
                     tex(self.words("pixels_tex"), S.SMALL)]
            for m, cap in zip(maths, caps):
                m.next_to(cap, DOWN, buff=0.1)
            everything = Group(row, *caps, *maths)
            L.MAIN.place(everything)
            key = v["alt_note"].key
            cite = self.vit_citation(f"source_{key}", f"detail_{key}")
            self.play(FadeIn(panels[0]), FadeIn(caps[0]), FadeIn(maths[0]), FadeIn(cite), run_time=cue.until("divided"))
            for k, mark in enumerate(("alt", "big", "pixel"), 1):
                self.play(FadeIn(panels[k]), FadeIn(caps[k]), FadeIn(maths[k]), run_time=cue.until(mark))

    def pairs(self):
        v, f = self.values, self.facts
        with self.narrate("pairs") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.38, gutter=0.6)
            attn = AttentionMatrix(self.trace.blocks[0].attn[0], height=left.height - 1.6, label=self.words("map"),
                                   log_scale=True)
            left.place(attn)
            note = S.text(self.words("note"), S.TINY, S.MUTED).next_to(attn, DOWN, buff=0.1)
            # The map is on screen from the first sentence: it is the square of pairs the sentence describes.
            self.play(FadeIn(attn), run_time=cue.clause())
            self.play(FadeIn(note), run_time=cue.until("map"))
            # The pairs as squares to one scale, side = tokens: the area is what attention pays for. The
            # largest drawable case sets the scale; one token per pixel cannot be drawn and is stated instead.
            drawn = self.cases[:3]
            biggest = max(n for _, _, n in drawn)
            unit = min(right.height - 2.6, 0.5 * right.width) / biggest  # scene units per token
            squares, caps = [], []
            colors = (S.ACCENT, S.BLUE, S.GREEN)
            for (size, patch, n), color in zip(drawn, colors):
                sq = Square(side_length=unit * n).set_stroke(color, 2).set_fill(color, 0.18)
                squares.append(sq)
                size_l, patch_l = self.case_labels(size, patch)
                cap = VGroup(S.text(size_l, S.TINY, S.MUTED), S.text(patch_l, S.TINY, S.MUTED),
                             S.text(self.words("pairs", pairs=num.integer(n * n).screen), S.TINY, color))
                caps.append(cap.arrange(DOWN, buff=0.06))
            row = VGroup(*squares).arrange(RIGHT, buff=1.1, aligned_edge=DOWN)
            for sq, cap in zip(squares, caps):
                cap.next_to(sq, DOWN, buff=0.12)
            # The same ratios the voice says: the second case grows, the third shrinks.
            growth = [S.text(self.words("growth", side=v["alt_token_ratio"], pairs=v["alt_pair_ratio"]), S.TINY,
                             colors[1]),
                      S.text(self.words("shrink", side=v["big_side"], pairs=v["big_ratio"]), S.TINY, colors[2])]
            for g_, sq in zip(growth, squares[1:]):
                g_.next_to(sq, UP, buff=0.12)
            px_tokens = self.cases[3][2]
            screens = unit * px_tokens / S.FRAME_W
            pixel = VGroup(
                S.text(self.words("pixel", side=v["pixel_side"], screens=num.integer(round(screens)).screen),
                       S.SMALL, S.RED),
                S.text(self.words("pixel_pairs", tokens=num.integer(px_tokens).screen,
                                  pairs=num.integer(px_tokens ** 2).screen), S.SMALL, S.RED),
                S.text(self.words("memory", bytes=f.bytes_per_weight, pairs=num.integer(px_tokens ** 2).screen),
                       S.SMALL, S.RED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            scale_l = S.text(self.words("to_scale"), S.TINY, S.MUTED)
            panel = Group(Group(row, *caps, *growth), scale_l, pixel).arrange(DOWN, buff=0.3, aligned_edge=LEFT)
            right.place(panel)
            flash = CitationCard(self.words("flash_paper"), self.words("flash_where"), self.words("flash_detail"))
            # The first square is the map's own: a copy of the map shrinks into it.
            self.play(FadeTransform(attn.image.copy(), squares[0]), FadeIn(caps[0]), FadeIn(scale_l),
                      run_time=cue.until("patches"))
            self.play(TransformFromCopy(squares[0], squares[1]), FadeIn(caps[1]), FadeIn(growth[0]),
                      run_time=cue.until("alt"))
            self.play(TransformFromCopy(squares[0], squares[2]), FadeIn(caps[2]), FadeIn(growth[1]),
                      run_time=cue.until("big"))
            self.play(FadeIn(pixel[0]), FadeIn(pixel[1]), run_time=cue.until("pixel"))
            self.play(FadeIn(pixel[2]), run_time=cue.until("heads"))
            self.play(FadeIn(flash), run_time=cue.until("flash"))

    def title(self):
        d = self.dims
        with self.narrate("title") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.5, gutter=1.0)
            h = left.height - 1.5
            wrong = self.photo_grid(h, grid=TITLE_SIDE, color=S.RED)
            right_g = self.photo_grid(h)
            left.place(wrong)
            right.place(right_g)
            wrong.shift(0.3 * UP)
            right_g.shift(0.3 * UP)
            wrong_l = S.text(self.words("title_grid"), S.BODY, S.RED)
            wrong_l.next_to(wrong, DOWN, buff=0.2)
            right_l = S.text(self.words("model_grid"), S.BODY, S.GREEN).next_to(right_g, DOWN, buff=0.2)
            self.play(FadeIn(wrong), FadeIn(wrong_l), run_time=cue.until("reading"))
            if d.grid != TITLE_SIDE:
                self.play(Create(Cross(wrong.photo, stroke_color=S.RED, stroke_width=6)), run_time=cue.clause())
            self.play(FadeIn(right_g), FadeIn(right_l), run_time=cue.until("means"))
            word = right_g.window(0, S.ACCENT)
            word_l = S.text(self.words("word"), S.SMALL, S.ACCENT).next_to(right_l, DOWN, buff=0.15)
            if word_l.width > right.width:
                word_l.scale_to_fit_width(right.width)
            self.play(Create(word), FadeIn(word_l), run_time=cue.until("each"))
            self.play(FadeIn(self.vit_citation("source", "detail")), run_time=cue.until("size"))

    def takeaway(self):
        with self.narrate("takeaway") as cue:
            self.add(Heading(self.words("heading")))
            main = wrapped(self.words("main"), S.HEADING, L.MAIN.width - 1.0, S.INK)
            holds_word, breaks_word = self.words("holds_word"), self.words("breaks_word")
            holds = S.text(self.words("holds", holds_word=holds_word), S.BODY, t2c={holds_word: S.GREEN})
            breaks = S.text(self.words("breaks", breaks_word=breaks_word), S.BODY, t2c={breaks_word: S.RED})
            pair = VGroup(holds, breaks).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            block = VGroup(main, pair)
            block.arrange(DOWN, aligned_edge=LEFT, buff=0.8)
            L.MAIN.place(block)
            self.play(FadeIn(main), run_time=cue.clause())
            self.play(FadeIn(holds), run_time=cue.until("holds"))
            self.play(FadeIn(breaks), run_time=cue.until("breaks"))
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("next"))), run_time=cue.until("next"))
