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
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Brace, Create, Cross, FadeIn, Group, LaggedStart, Line,
                   Rectangle, RoundedRectangle, SurroundingRectangle, VGroup, Write)

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.attention import AttentionMatrix
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, TitleCard, wrapped
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
            "pixel_pairs": num.integer(pixel_tokens ** 2),
            "pixel_ratio": num.integer(round(pixel_tokens ** 2 / n ** 2)),
            "pixel_gigabytes": f"{gigabytes:.0f}" if gigabytes >= 10 else f"{gigabytes:.1f}",
            "title_side": TITLE_SIDE,
            "title_words": TITLE_SIDE * TITLE_SIDE,
            "title_reading": Choice("coincidence" if d.grid == TITLE_SIDE else "not_grid"),
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
        return VGroup(box, t.move_to(box))

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
        return [self.hook, self.sentence_cue, self.image, self.holds, self.no_vocabulary, self.continuous,
                self.order, self.lengths, self.pairs, self.title, self.takeaway]

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
            run = cue.until("sentences")
            self.remove(card)
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
        with self.narrate("holds") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.6, gutter=1.0)
            tokens = np.asarray(self.trace.patch_tokens)
            clip = float(np.percentile(np.abs(tokens), 99.5))  # a few large entries would wash the rest out
            mat = MatrixImage(tokens, height=left.height - 2.6, width=2.2, vmin=-clip, vmax=clip,
                              row_label=self.words("rows", n="{n}"), col_label=self.words("columns", n="{n}"),
                              colorbar=True, colorbar_label=self.words("scale"))
            text_l = S.text(self.words("text_rows"), S.SMALL, S.MUTED)
            img_l = S.text(self.words("image_rows"), S.SMALL, S.ACCENT)
            notes = VGroup(img_l, text_l).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            notes.next_to(mat, DOWN, buff=0.25)
            left.place(Group(mat, notes), aligned=UP)
            stack = BlockStack(d, height=right.height - 0.2)
            right.place(stack)
            self.play(FadeIn(mat), run_time=cue.until("matrix"))
            self.play(FadeIn(notes), run_time=cue.until("row"))
            arrow = Arrow(mat.get_right() + 0.1 * RIGHT, stack.get_left(), buff=0.1, color=S.ACCENT)
            extra = S.text(self.words("extra"), S.TINY, S.ACCENT).next_to(arrow, UP, buff=0.1)
            self.play(Create(arrow), FadeIn(extra), FadeIn(stack), run_time=cue.until("stack"))
            self.play(Create(stack.highlight(0)), FadeIn(self.vit_citation("source", "detail")),
                      run_time=cue.until("closely"))

    def no_vocabulary(self):
        f = self.facts
        v = self.values
        with self.narrate("no-vocabulary") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.5, gutter=0.8)
            vocab = v["text_vocab"].screen
            rows = VGroup(
                S.text(self.words("word"), S.BODY, S.BLUE),
                S.text(self.words("list", vocab=vocab), S.SMALL, S.MUTED),
                S.text(self.words("patch"), S.BODY, S.ACCENT),
                S.text(self.words("levels"), S.SMALL, S.MUTED),
                tex(self.words("possible_tex"), S.BODY),
                S.text(self.words("digits", digits=v["possible_digits"].screen), S.SMALL, S.RED),
                tex(self.words("token_tex"), S.HEADING, S.GREEN),
                S.text(self.words("learned", params=v["proj_params"].screen), S.SMALL, S.GREEN),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)
            for k in (2, 4, 6):
                rows[k].shift(0.25 * DOWN)
                for later in rows[k + 1:]:
                    later.shift(0.25 * DOWN)
            left.place(rows, aligned=LEFT)
            mat = MatrixImage(f.proj_weight, height=right.height - 1.9, width=right.width - 2.6,
                              row_label=self.words("rows", n="{n}"), col_label=self.words("columns", n="{n}"),
                              colorbar=True, colorbar_label=self.words("scale"))
            w_l = S.text(self.words("matrix"), S.SMALL, S.INK).next_to(mat, DOWN, buff=0.2)
            right.place(Group(mat, w_l))
            self.play(FadeIn(rows[0]), FadeIn(rows[1]), run_time=cue.clause())
            self.play(FadeIn(rows[2]), FadeIn(rows[3]), run_time=cue.until("patch"))
            self.play(Write(rows[4]), FadeIn(rows[5]), run_time=cue.until("table"))
            self.play(FadeIn(mat), FadeIn(w_l), Write(rows[6]), run_time=cue.until("multiply"))
            self.play(FadeIn(rows[7]), FadeIn(CitationCard(self.words("transformer_paper"), self.words("source"),
                                                           self.words("detail", vocab=vocab))),
                      run_time=cue.until("replace"))

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
            body = Group(head, bars, check).arrange(DOWN, buff=0.4)
            L.MAIN.place(body)
            self.play(FadeIn(pa), FadeIn(pb), FadeIn(caps[:2]), run_time=cue.until("take"))
            self.play(FadeIn(plus), FadeIn(eq), FadeIn(pm), FadeIn(caps[2]), run_time=cue.until("mix"))
            self.play(FadeIn(bars[:2]), run_time=cue.until("product"))
            self.play(FadeIn(bars[2:]), run_time=cue.until("lands"))
            self.play(Write(check), run_time=cue.until("largest"))

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
        v = self.values
        with self.narrate("pairs") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.42, gutter=0.6)
            attn = AttentionMatrix(self.trace.blocks[0].attn[0], height=left.height - 1.6, label=self.words("map"),
                                   log_scale=True)
            left.place(attn)
            note = S.text(self.words("note"), S.TINY, S.MUTED).next_to(attn, DOWN, buff=0.1)
            self.play(FadeIn(attn), FadeIn(note), run_time=cue.until("map"))
            header = [self.words("case_header"), self.words("tokens_header"), self.words("pairs_header")]
            cells = [header] + [[self.words("case", **dict(zip(("size", "patch"), self.case_labels(size, patch)))),
                                 num.integer(n).screen, num.integer(n * n).screen] for size, patch, n in self.cases]
            texts = [[S.text(c, S.SMALL if r else S.TINY, S.MUTED if r == 0 else (S.RED if r == 4 else S.INK),
                             mono=r > 0 and k > 0) for k, c in enumerate(line)] for r, line in enumerate(cells)]
            widths = [max(texts[r][k].width for r in range(len(texts))) for k in range(3)]
            row_h, gap = 0.55, 0.4
            table = VGroup()
            for r, line in enumerate(texts):
                x = 0.0
                for k, t in enumerate(line):
                    if k == 0:
                        t.move_to([x, -r * row_h, 0], aligned_edge=LEFT)
                    else:
                        t.move_to([x + widths[k], -r * row_h, 0], aligned_edge=RIGHT)
                    x += widths[k] + gap
                    table.add(t)
            rule = Line([0, -0.5 * row_h, 0], [sum(widths) + 2 * gap, -0.5 * row_h, 0]).set_stroke(S.MUTED, 1)
            table.add(rule)
            growth = VGroup(
                S.text(self.words("alt_growth"), S.SMALL, S.ACCENT),
                S.text(self.words("pixel_growth", ratio=v["pixel_ratio"].screen, bytes=self.facts.bytes_per_weight),
                       S.SMALL, S.RED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            panel = VGroup(table, growth).arrange(DOWN, aligned_edge=LEFT, buff=0.6)
            right.place(panel)
            lines = [VGroup(*table[3 * r:3 * r + 3]) for r in range(5)]
            self.play(FadeIn(lines[0]), Create(rule), FadeIn(lines[1]), run_time=cue.until("patches"))
            self.play(FadeIn(lines[2]), FadeIn(growth[0]), run_time=cue.until("alt"))
            self.play(FadeIn(lines[3]), run_time=cue.until("big"))
            self.play(FadeIn(lines[4]), run_time=cue.until("pixel"))
            self.play(FadeIn(growth[1]), run_time=cue.until("heads"))

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
