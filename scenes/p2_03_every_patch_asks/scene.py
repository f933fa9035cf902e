"""Phase 2, lesson 7: Every patch asks every patch: 'how much should I read from you?'

One head of self-attention, by hand, for one query patch: LayerNorm first (pre-norm), Q = LN(X) Wq + bq (and
K, V alike), the scores q . k / sqrt(d_head) swept over all T keys, the softmax row (on the photo, CLS apart),
the whole T x T matrix of the head (not symmetric: a row is a softmax of its own), and the weighted sum of the
values drawn as arrows added tip to tail. The patch, block and head are picked
by the rules in facts.py; every number comes from those facts or from the trace. The words, spoken and drawn,
are in script.toml: where they depend on a measured number, the scene picks a key of a [choice.*] table.

    manim -ql scenes/p2_03_every_patch_asks/scene.py EveryPatchAsks
"""
from __future__ import annotations

import math

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Circle, Create, Dot, FadeIn, Group, GrowArrow, GrowFromCenter,
                   Indicate, LaggedStart, Line, Square, UpdateFromAlphaFunc, VGroup, Write, rgb_to_hex)

from narration.script import Choice

from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.attention import LOG_DECADES, AttentionMatrix
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.heatmaps import ColorBar, Heatmap, HeatmapOnPhoto, cmap_rgb, heatmap_image
from scenes.common.matrices import MatrixImage, NumericPreview
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.scatter import ScatterPlot
from scenes.common.values import is_course_photo, spoken_list
from scenes.common.vectors import ScaleKey, VectorBar
from vitmath.locality import region_a
from scenes.p2_03_every_patch_asks.facts import NEAR, cached_one_head_facts, similar_patches, sum_plane

WEIGHT_CMAP = "inferno"
STANDS_OUT = 3.0  # a mean weight this many times the even share 1/T "stands out"

# The keys this lesson picks from the numbers; the words of each are in script.toml's [choice.*] tables.
CHOICES = {
    "query_place": ("on_cat", "elsewhere"),
    "map": ("even", "leans", "away", "about"),
    "cls_column": ("bright", "dim"),
    "diagonal": ("bright", "dim"),
    "pixel": ("strong", "partial", "none", "negative"),
    "similar": ("wide", "narrow"),
    "contrib": ("same", "differ"),
    "part_token": ("cls", "itself", "patch"),
    "weight_token": ("cls", "itself", "patch"),
    "cls_value": ("only", "plain"),
    "cls_length": ("shorter", "longer"),
    "last": ("gone", "kept"),
    "cls_rank": ("top", "second", "rank"),
    "self_rank": ("top", "second", "rank"),
    "mirror": ("differ", "close"),
    "cls_arrow": ("fixed",),
    "along": ("split", "beyond"),
}
LINK_GONE = 0.3  # |r| under this in every head of the last block: "the link is gone"
MIRROR = 1.5  # a(i, j) and a(j, i) "differ" when one is over 1.5 times the other


def root(n: int) -> num.Number:
    """sqrt(n), written as an integer when it is one (sqrt(64) = 8)."""
    r = math.sqrt(n)
    return num.integer(int(r)) if r == int(r) else num.decimal(r, 2)


def six_places(x: float) -> num.Number:
    """A sum shown to six decimals; spoken as "1, to six decimal places" when that is what it reads."""
    s = f"{x:.6f}"
    return num.Number(float(x), s, s, "1, to six decimal places" if s == "1.000000" else s)


def weight_number(w: float) -> num.Number:
    """A weight with enough decimals to show it: 0.41, but 0.003 rather than 0.00."""
    return num.decimal(w, 2 if w >= 0.05 else 3)


def share(p: float) -> num.Number:
    """A share as a percentage, with a decimal when it is under 10 percent (0.3 percent, not 0)."""
    return num.percent(p, 0 if p >= 0.1 else 1)


def ratio_text(r: float) -> str:
    """A ratio of weights: whole when large (22), one decimal when small (1.4)."""
    return f"{r:.0f}" if r >= 10 else f"{r:.1f}"


def token_key(token: int, query: int) -> str:
    """Which name a token goes by: CLS, the query patch itself, or another patch."""
    return "cls" if token == 0 else "itself" if token == 1 + query else "patch"


def token_choice(token: int, query: int) -> Choice:
    return Choice(token_key(token, query), patch=token - 1)


def map_key(f, T: int) -> str:
    """Where the query's weights on the photo go, from measured numbers."""
    if f.patch_weights.max() < 2.0 / T:
        return "even"
    if f.neighbourhood_share > 1.5 * f.neighbourhood_area:
        return "leans"
    if f.neighbourhood_share < f.neighbourhood_area / 1.5:
        return "away"
    return "about"


def rank_choice(rank: int) -> Choice:
    return Choice("top" if rank == 1 else "second" if rank == 2 else "rank", rank=rank)


def sum_or_count(x: float) -> str:
    """A column sum as said: whole when large (46), one decimal when small (0.8)."""
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}"


def along_z(f) -> tuple[float, float]:
    """The shares of z's length, measured along z, that CLS's part and the patches' parts give (they add up
    to 1): the projection of each part onto z over |z|^2."""
    z = f.new_vector
    cls = float((f.weights[0] * f.v[0]) @ z / (z @ z))
    return cls, 1.0 - cls


def pixel_key(r: float) -> str:
    return "strong" if r >= 0.7 else "partial" if r >= 0.3 else "none" if r > -0.3 else "negative"


def contrib_choice(weights: np.ndarray, contribution_norms: np.ndarray, query: int) -> Choice:
    """Whether the token with the largest weight (weights, (T,)) also adds the longest weighted value
    (contribution_norms, (T,): |a_j v_j|, the largest part of the new vector), naming both."""
    top_c, top_w = int(np.argmax(contribution_norms)), int(np.argmax(weights))
    return Choice("same" if top_c == top_w else "differ", top_weight=weight_number(weights[top_w]).spoken,
                  part_token=token_choice(top_c, query), weight_token=token_choice(top_w, query))


def cls_value_choice(f) -> Choice:
    """A weight is half the story: CLS's share of the weight against its share of the weighted values' length."""
    share_w = share(f.weights[0])
    share_c = share(f.contribution_norms[0] / f.contribution_norms.sum())
    lengths = np.linalg.norm(f.v, axis=1)
    return Choice("only" if share_c.value < share_w.value else "plain",
                  cls_weight_share=share_w.spoken, cls_length_share=share_c.spoken,
                  cls_length=Choice("shorter" if lengths[0] < np.median(lengths) else "longer"))


class EveryPatchAsks(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        self.facts = f = cached_one_head_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        T = d.T
        size = int(self.trace.input.shape[-1])
        on_cat = is_course_photo(self.inputs.image) and f.query in region_a(d.grid, d.P, size)
        places = 2 if f.cls_weight_per_head.min() >= 0.05 else 3
        cls_parts = [num.decimal(w, places).spoken for w in f.cls_weight_per_head]
        top_other = f.strongest_other_patch()
        r, rank_r, last_rs = f.pixel_correlation, f.pixel_rank_correlation, f.last_block_pixel_correlations
        mirror_places = lambda w: weight_number(w).spoken  # noqa: E731
        cls_along, patches_along = along_z(f)
        return {
            "num_tokens": T,
            "head_dim": d.head_dim,
            "query": f.query,
            "query_row": f.query // d.grid,
            "query_col": f.query % d.grid,
            "query_place": Choice("on_cat" if on_cat else "elsewhere"),
            "cls_weights_spoken": spoken_list(cls_parts),
            "head_no": f.head + 1,
            "x_shape": num.shape(T, d.D),
            "w_shape": num.shape(d.D, d.head_dim),
            "q_shape": num.shape(T, d.head_dim),
            "x_mean": num.decimal(f.x_mean, 3),
            "x_std": num.decimal(f.x_std, 2),
            "sqrt_head_dim": root(d.head_dim),
            # spoken rounded, with the row's rank and mean as the baseline; the table shows them exact
            "score_cls": num.decimal(f.scores[0], 1),
            "score_self": num.decimal(f.scores[f.token], 1),
            "cls_rank": rank_choice(f.score_rank(0)),
            "self_rank": rank_choice(f.score_rank(f.token)),
            "mean_score": num.decimal(f.scores.mean(), 1),
            "raw_spread": num.decimal(f.raw_score_std, 0 if f.raw_score_std >= 10 else 1),
            "scaled_spread": num.decimal(f.scaled_score_std, 1),
            "unscaled_max": num.decimal(f.unscaled_max_weight, 3),
            "scaled_max": num.decimal(f.weights.max(), 3),
            "weight_sum": six_places(f.weight_sum),
            "cls_weight": num.decimal(f.weights[0], 3),
            "self_weight": num.decimal(f.weights[f.token], 3),
            "top_other": top_other,
            "top_other_weight": num.decimal(f.weights[1 + top_other], 3),
            "map": Choice(map_key(f, T), near=NEAR, near_area=num.percent(f.neighbourhood_area).spoken,
                          near_share=num.percent(f.neighbourhood_share).spoken),
            "cls_column": Choice("bright" if f.mean_cls_column * T > STANDS_OUT else "dim",
                                 mean_cls=num.decimal(f.mean_cls_column, 3).spoken,
                                 cls_ratio=f"{f.mean_cls_column * T:.0f}"),
            "diagonal": Choice("bright" if f.mean_diagonal * T > STANDS_OUT else "dim",
                               mean_diag=num.decimal(f.mean_diagonal, 3).spoken),
            "mirror": Choice("differ" if max(f.gives_cls, f.cls_gives) > MIRROR * min(f.gives_cls, f.cls_gives)
                             else "close", gives_cls=mirror_places(f.gives_cls), cls_gives=mirror_places(f.cls_gives)),
            "cls_column_sum": sum_or_count(f.column_sums[0]),
            "pixel_r": num.decimal(r, 2),
            "pixel_rank_r": num.decimal(rank_r, 2),
            # the verdict reads the ranks: the weights rise steeply with likeness, not on a line
            "pixel": Choice(pixel_key(rank_r)),
            "similar": Choice("wide" if f.similar_weight_ratio >= 3 else "narrow"),
            "last": Choice("gone" if np.abs(last_rs).max() < LINK_GONE else "kept", mixes=d.depth - 1,
                           last_rs=spoken_list([num.decimal(x, 2).spoken for x in last_rs])),
            # Block 1's CLS input is the learned CLS plus its position for every model the trace accepts
            # (facts.cls_input_fixed measures it; the lesson's test checks it), so its value is fixed too.
            "cls_arrow": Choice("fixed", cls_weight_share=share(f.weights[0]).spoken),
            "along": Choice("split" if 0.0 <= cls_along <= 1.0 else "beyond", cls_along=share(cls_along).spoken,
                            patches_along=share(patches_along).spoken),
            "contrib": contrib_choice(f.weights, f.contribution_norms, f.query),
            "blocks_after": d.depth - 1 - f.block,
            "cls_value": cls_value_choice(f),
            # screen-only values
            "last_token": T - 1,
            "query_token": f.token,
            "weight_sum_screen": num.decimal(f.weight_sum, 3).screen,
            "x_shape_screen": num.shape(T, d.D).screen,
            "qkv_width": 3 * d.D,
            "sqrt_head_dim_screen": root(d.head_dim).screen,
            "block": f.block + 1,
            "similar_count": f.similar_count,
            "similar_ratio": ratio_text(f.similar_weight_ratio),
            "other_patches": d.N - 1,
            "proj_shape": num.shape(d.D, d.D).screen,
        }

    # ------------------------------------------------------------------ what the cues share
    def weight_map(self, height: float) -> HeatmapOnPhoto:
        """The query's weights on the N patches, over the photo (CLS is not on it)."""
        f, g = self.facts, self.dims.grid
        return HeatmapOnPhoto(self.trace.picture, f.patch_weights.reshape(g, g), WEIGHT_CMAP, vmin=0.0,
                              label=self.words("attention_weight"), height=height)

    def token_name(self, token: int) -> str:
        return self.words("token_" + token_key(token, self.facts.query), patch=token - 1)

    def query_square(self, where, color: str = S.INK):
        """An outline on the query patch of a PhotoGrid or a HeatmapOnPhoto."""
        side = (where.cell_side if hasattr(where, "cell_side") else where.image.height / self.dims.grid)
        from manim import Square
        return Square(side, color=color, stroke_width=4).move_to(where.cell_center(self.facts.query))

    def lines(self, items, size: int = S.SMALL, buff: float = 0.3) -> VGroup:
        """Left-aligned lines of text; an item is a string or (string, colour)."""
        out = VGroup()
        for it in items:
            s, c = (it, S.INK) if isinstance(it, str) else it
            out.add(S.text(s, size, c))
        return out.arrange(DOWN, aligned_edge=LEFT, buff=buff)

    def cues(self):
        return [self.hook, self.pick, self.layernorm, self.qkv, self.scores, self.scaling, self.softmax,
                self.matrix, self.not_pixels, self.weighted_sum, self.not_explanation, self.recap]

    # ------------------------------------------------------------------ cues
    def hook(self):
        d, f = self.dims, self.facts
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.15)
            g = PhotoGrid(self.trace.picture, d.grid, height=5.0, patch_pixels=self.trace.patch_pixels)
            L.LEFT.place(g)
            sq = self.query_square(g)
            right = L.RIGHT
            ask = S.text(self.words("ask"), S.BODY)
            q = S.text(self.words("question"), S.HEADING, S.ACCENT)
            # log10 of the weights: the CLS weight would leave every patch black on a linear scale.
            logw = np.log10(np.maximum(f.weights, 10.0 ** -LOG_DECADES))
            strip = heatmap_image(logw[None, :], WEIGHT_CMAP, -LOG_DECADES, 0.0, height=0.45,
                                  width=right.width * 0.9)
            key = ScaleKey(WEIGHT_CMAP, -LOG_DECADES, 0.0, width=1.2, places=0)
            key_l = S.text(self.words("log_weight"), S.TINY, S.MUTED)
            ends = Group(S.text(self.words("first"), S.TINY, S.ACCENT).next_to(strip, DOWN, buff=0.1, aligned_edge=LEFT),
                         S.text(self.words("last"), S.TINY, S.MUTED).next_to(strip, DOWN, buff=0.1,
                                                                            aligned_edge=RIGHT),
                         Group(key_l, key).arrange(RIGHT, buff=0.15).next_to(strip, DOWN, buff=0.45))
            cap = S.text(self.words("caption"), S.SMALL, S.MUTED)
            panel = Group(ask, q, Group(strip, ends), cap).arrange(DOWN, buff=0.45)
            right.place(panel)
            self.play(FadeIn(g), run_time=cue.clause())
            self.play(Create(sq), FadeIn(ask), run_time=cue.until("asks"))
            self.play(Write(q), run_time=cue.until("question"))
            self.play(FadeIn(strip), FadeIn(ends), FadeIn(cap), run_time=cue.until("row"))

    def pick(self):
        d, f = self.dims, self.facts
        with self.narrate("pick") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.48)
            m = HeatmapOnPhoto(self.trace.picture, f.patch_scores.reshape(d.grid, d.grid), "viridis",
                               label=self.words("map_label"), height=4.6)
            left.place(m)
            sq = self.query_square(m)
            rule = wrapped(self.words("rule"), S.SMALL, right.width)
            blk = wrapped(self.words("block"), S.SMALL, right.width)
            # Which head, and only the promise of why: the rule reads attention weights, not yet explained.
            head = wrapped(self.words("head"), S.SMALL, right.width, S.ACCENT)
            panel = VGroup(rule, blk, head).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(panel, aligned=LEFT)
            self.play(FadeIn(m), run_time=cue.clause())
            self.play(Create(sq), FadeIn(rule), run_time=cue.until("take"))
            self.play(FadeIn(blk), run_time=cue.until("block"))
            self.play(FadeIn(head), run_time=cue.until("heads"))

    def layernorm(self):
        f = self.facts
        with self.narrate("layernorm") as cue:
            self.add(Heading(self.words("heading")))
            flow = tex(r"X_{\text{mid}} = X + \mathrm{Attention}\big(\mathrm{LN}(X)\big)", S.BODY)
            shape = S.text(self.words("shape"), S.SMALL, S.MUTED)
            ln = tex(r"\mathrm{LN}(x) = \gamma \odot \frac{x - \mu}{\sigma} + \beta", S.BODY, S.ACCENT)
            top = VGroup(VGroup(flow, shape).arrange(DOWN, buff=0.15), ln).arrange(RIGHT, buff=1.0)
            L.MAIN.place(top, aligned=UP)
            w = 7.0
            normed = (f.x_row - f.x_mean) / f.x_std
            bars = Group(
                VectorBar(f.x_row, width=w, label=None, length_name="D"),
                VectorBar(normed, width=w, label=None, length_name=None),
                VectorBar(f.ln_row, width=w, label=None, length_name=None),
            ).arrange(DOWN, buff=0.55)
            names = [self.words("x_name"), "(x − μ) / σ", "LN(x)"]
            stats = [self.words("x_stats", mean=num.decimal(f.x_mean, 3).screen, spread=num.decimal(f.x_std, 2).screen),
                     self.words("normed_stats", mean=num.decimal(f.normed_mean, 2).screen,
                                spread=num.decimal(f.normed_std, 2).screen),
                     self.words("ln_stats")]
            labels = VGroup()
            for b, n, s in zip(bars, names, stats):
                lab = VGroup(S.text(n, S.SMALL, S.INK), S.text(s, S.TINY, S.MUTED)).arrange(DOWN, aligned_edge=LEFT,
                                                                                          buff=0.08)
                lab.next_to(b.strip, LEFT, buff=0.3)
                labels.add(lab)
            body = Group(bars, labels)
            L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, top.get_bottom()[1] - 0.3).place(body)
            self.play(Write(flow), FadeIn(shape), run_time=cue.until("prenorm"))
            self.play(FadeIn(bars[0]), FadeIn(labels[0]), run_time=cue.until("ours"))
            self.play(Write(ln), run_time=cue.until("minus"))
            self.play(FadeIn(bars[1]), FadeIn(labels[1]), run_time=cue.clause())
            self.play(FadeIn(bars[2]), FadeIn(labels[2]), run_time=cue.until("learned"))

    def qkv(self):
        d, f = self.dims, self.facts
        with self.narrate("qkv") as cue:
            self.add(Heading(self.words("heading")))
            # X here is already LN(X), as in the matrix drawn; each projection has its own bias.
            eqs = tex(r"Q = \mathrm{LN}(X)\, W_q + b_q \qquad K = \mathrm{LN}(X)\, W_k + b_k"
                      r"\qquad V = \mathrm{LN}(X)\, W_v + b_v", S.SMALL)
            dh = tex(rf"d_{{\text{{head}}}} = D / H = {d.D} / {d.H} = {d.head_dim}", S.SMALL, S.ACCENT)
            top = VGroup(eqs, dh).arrange(RIGHT, buff=0.8)
            L.MAIN.place(top, aligned=UP)
            X = self.trace.blocks[f.block].ln1
            Q = self.trace.blocks[f.block].q[f.head]
            h = 3.0
            # {n}: the kit writes each matrix's size there
            value = self.words("value")
            mx = MatrixImage(X, height=h, row_label=self.words("tokens", n="{n}"), col_label=self.words("width", n="{n}"),
                             colorbar=True, colorbar_label=value)
            mw = MatrixImage(f.wq, height=h * d.D / d.T, col_label="{n}", colorbar=True, colorbar_label=value)
            mq = MatrixImage(Q, height=h, col_label="{n}", colorbar=True, colorbar_label=value)
            names = [S.text(s, S.SMALL, S.INK) for s in ("LN(X)", "W_q", "Q")]
            times, eq = S.text("×", S.HEADING, S.MUTED), S.text("+ b_q =", S.BODY, S.MUTED)
            row = Group(mx, times, mw, eq, mq).arrange(RIGHT, buff=0.3)
            for n, m in zip(names, (mx, mw, mq)):
                n.next_to(m.image, DOWN, buff=0.6)
            mats = Group(row, *names)
            # The three matrices across the width (with their colour bars they are wide), q and the note below.
            body_top = top.get_bottom()[1] - 0.3
            split_y = L.MAIN.bottom + 0.3 * (body_top - L.MAIN.bottom)
            L.Region(L.MAIN.left, L.MAIN.right, split_y + 0.2, body_top).place(mats)
            below = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, split_y)
            left, right = below.split(0.4)
            qrow = mq.highlight_row(f.token)
            prev = NumericPreview(f.q[None, :], rows=(0,), cols=(0, 1, 2, -1), places=2, index_labels=True)
            cap = S.text(self.words("q_caption"), S.SMALL, S.ACCENT)
            left.place(VGroup(cap, prev).arrange(DOWN, aligned_edge=LEFT, buff=0.25), aligned=LEFT)
            note = wrapped(self.words("note"), S.TINY, right.width, S.MUTED)
            right.place(note, aligned=LEFT)
            self.play(Write(eqs), run_time=cue.clause())
            self.play(FadeIn(mats), run_time=cue.until("query"))
            self.play(FadeIn(dh), run_time=cue.until("dims"))
            self.play(Create(qrow), FadeIn(cap), FadeIn(prev), run_time=cue.until("times"))
            self.play(FadeIn(note), run_time=cue.clause())

    def scores(self):
        d, f = self.dims, self.facts
        with self.narrate("scores") as cue:
            self.add(Heading(self.words("heading")))
            formula = tex(rf"s_j = \frac{{q \cdot k_j}}{{\sqrt{{d_\text{{head}}}}}}"
                          rf"= \frac{{q \cdot k_j}}{{{root(d.head_dim).tex}}}\qquad j = 0, \dots, {d.T - 1}",
                          S.BODY)
            L.MAIN.place(formula, aligned=UP)
            body_region = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, formula.get_bottom()[1] - 0.3)
            maps_region, table_region = body_region.split(0.62)
            # The sweep: the photo with our patch and a key cursor on the left, the scores filling in, key by
            # key, on the right (on one scale with CLS's, which has no place on the photo).
            photo = PhotoGrid(self.trace.picture, d.grid, height=4.0, patch_pixels=self.trace.patch_pixels)
            m = float(np.abs(f.scores).max())
            smap = Heatmap(f.scores[1:].reshape(d.grid, d.grid), "coolwarm", -m, m, label=self.words("score"),
                           height=4.0)
            smap_l = S.text(self.words("map_label"), S.TINY, S.MUTED)
            cls_cell = Square(smap.image.height / d.grid * 1.6).set_stroke(S.ACCENT, 2)
            cls_cell.set_fill(rgb_to_hex(cmap_rgb(np.array([f.scores[0]]), "coolwarm", -m, m)[0]), 1)
            cls_l = S.text(self.words("cls_cell", score=num.decimal(f.scores[0], 2).screen), S.TINY, S.ACCENT)
            cls_row = Group(cls_cell, cls_l).arrange(RIGHT, buff=0.15)
            right_col = Group(cls_row, smap_l, smap).arrange(DOWN, buff=0.15, aligned_edge=LEFT)
            maps = Group(photo, right_col).arrange(RIGHT, buff=0.5, aligned_edge=DOWN)
            maps_region.place(maps)
            qsq = VGroup(self.query_square(photo), self.query_square(smap))
            side = smap.image.height / d.grid
            # Covers over the score map: the sweep lifts them one key at a time.
            covers = VGroup(*[Square(side * 1.02).set_fill(S.BACKGROUND, 1).set_stroke(width=0)
                              .move_to(smap.cell_center(i)) for i in range(d.N)])
            key = Square(photo.cell_side, color=S.BLUE, stroke_width=5).set_fill(S.BLUE, 0.35)
            key_on_map = Square(side, color=S.BLUE, stroke_width=4)
            reach = Line(photo.cell_center(f.query), photo.cell_center(0), color=S.BLUE, stroke_width=4)
            picks = [0, f.token, 1 + f.strongest_other_patch(), 1 + f.weakest_patch()]
            header = [self.words("col_token"), self.words("col_dot"), self.words("col_score")]
            cells = [header] + [[self.token_name(t), num.decimal(f.raw_scores[t], 2).screen,
                                 num.decimal(f.scores[t], 2).screen] for t in picks]
            table = VGroup()
            for r, row in enumerate(cells):
                color = S.MUTED if r == 0 else S.INK
                table.add(VGroup(*[S.text(c, S.SMALL, color, mono=r > 0 and k > 0) for k, c in enumerate(row)]))
            widths = [max(table[r][k].width for r in range(len(cells))) for k in range(3)]
            for r, line in enumerate(table):
                x = 0.0
                for k, mob in enumerate(line):
                    mob.move_to([x + (widths[k] if k else 0), -0.5 * r, 0], aligned_edge=RIGHT if k else LEFT)
                    x += widths[k] + 0.5
            mean = S.text(self.words("mean_line", mean=num.decimal(f.scores.mean(), 2).screen), S.SMALL, S.MUTED)
            tbl = VGroup(table, mean).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            table_region.place(tbl, aligned=LEFT)

            def sweep(_, alpha):
                n = min(int(alpha * d.N), d.N - 1)  # the key being scored now
                for i, c in enumerate(covers):
                    c.set_fill(opacity=0.0 if i <= n else 1.0)
                key.move_to(photo.cell_center(n))
                key_on_map.move_to(smap.cell_center(n))
                reach.put_start_and_end_on(photo.cell_center(f.query), photo.cell_center(n))

            self.play(Write(formula), FadeIn(photo), FadeIn(qsq), run_time=cue.clause())
            self.add(smap, smap_l, covers)
            self.bring_to_front(qsq)
            self.play(FadeIn(table[0]), FadeIn(cls_row), run_time=cue.until("dot"))
            cue.until("sweep")
            self.add(reach, key, key_on_map)
            self.play(UpdateFromAlphaFunc(VGroup(covers, key, key_on_map, reach), sweep),
                      run_time=cue.time_to("cls"))
            self.remove(key, key_on_map, reach)
            self.play(FadeIn(table[1]), Indicate(cls_row), run_time=cue.until("cls"))
            self.play(FadeIn(table[2]), run_time=cue.until("self"))
            self.play(FadeIn(table[3]), FadeIn(table[4]), FadeIn(mean), run_time=cue.clause())

    def scaling(self):
        d, f = self.dims, self.facts
        with self.narrate("scaling") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.46)
            dot = tex(rf"q \cdot k = \sum_{{m=1}}^{{{d.head_dim}}} q_m\, k_m", S.BODY)
            # The variance grows with d_head, the spread with its square root: that root is what is divided out.
            var = VGroup(tex(self.words("assumption"), S.SMALL),
                         tex(r"\Rightarrow\ \mathrm{Var}(q\cdot k) = d_\text{head}", S.BODY),
                         tex(self.words("std"), S.BODY, S.ACCENT)).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            why = wrapped(self.words("why"), S.SMALL, left.width, S.ACCENT)
            lp = VGroup(dot, var, why).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
            left.place(lp, aligned=LEFT)
            spread = self.lines([
                (self.words("pairs"), S.MUTED),
                self.words("raw_spread", spread=num.decimal(f.raw_score_std, 2).screen),
                self.words("scaled_spread", spread=num.decimal(f.scaled_score_std, 2).screen),
            ], S.SMALL, 0.2)
            w = right.width
            unscaled = np.exp(f.raw_scores - f.raw_scores.max())
            unscaled /= unscaled.sum()
            strips = Group()
            for name, row in ((self.words("unscaled_strip", largest=num.decimal(f.unscaled_max_weight, 3).screen),
                               unscaled),
                              (self.words("scaled_strip", largest=num.decimal(f.weights.max(), 3).screen), f.weights)):
                logw = np.log10(np.maximum(np.asarray(row), 10.0 ** -LOG_DECADES))
                img = heatmap_image(logw[None, :], WEIGHT_CMAP, -LOG_DECADES, 0.0, height=0.4, width=0.85 * w)
                strips.add(Group(S.text(name, S.SMALL), img).arrange(DOWN, aligned_edge=LEFT, buff=0.12))
            strips.arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            bar = ColorBar(WEIGHT_CMAP, -LOG_DECADES, 0.0, self.words("log_weight"), height=1.8, ticks=LOG_DECADES + 1)
            bar.next_to(strips, RIGHT, buff=0.2)
            rp = Group(spread, Group(strips, bar)).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(rp, aligned=LEFT)
            cite = CitationCard(self.words("paper"), self.words("where"), self.words("detail"))
            self.play(Write(dot), FadeIn(cite), run_time=cue.clause())
            self.play(FadeIn(var), run_time=cue.until("sum"))
            self.play(FadeIn(why), run_time=cue.until("size"))
            self.play(FadeIn(spread), run_time=cue.until("measured"))
            self.play(FadeIn(strips), FadeIn(bar), run_time=cue.until("without"))

    def softmax(self):
        d, f = self.dims, self.facts
        with self.narrate("softmax") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.5)
            m = self.weight_map(height=4.8)
            left.place(m)
            sq = self.query_square(m)
            other = f.strongest_other_patch()
            from manim import Square
            osq = Square(m.image.height / d.grid, color=S.BLUE, stroke_width=4).move_to(m.cell_center(other))
            formula = tex(r"a_j = \frac{e^{s_j}}{\sum_{i=0}^{" + str(d.T - 1) + r"} e^{s_i}}", S.HEADING)
            items = self.lines([
                self.words("sum", sum=six_places(f.weight_sum).screen),
                (self.words("cls", weight=num.decimal(f.weights[0], 3).screen), S.ACCENT),
                self.words("patches", weight=num.decimal(f.patch_weights.sum(), 3).screen),
                (self.words("itself", weight=num.decimal(f.weights[f.token], 3).screen), S.ACCENT),
                (self.words("other", weight=num.decimal(f.weights[1 + other], 3).screen), S.BLUE),
                (self.words("near", near=NEAR, share=num.percent(f.neighbourhood_share).screen,
                            area=num.percent(f.neighbourhood_area).screen), S.MUTED),
            ], S.SMALL, 0.22)
            # The head rule, now that a weight means something: the query's weight on CLS in each head.
            places = 2 if f.cls_weight_per_head.min() >= 0.05 else 3
            heads = self.lines([(self.words("heads_title"), S.MUTED)] + [
                (self.words("our_head_row" if h == f.head else "head_row", head=h + 1,
                            weight=num.decimal(w, places).screen), S.ACCENT if h == f.head else S.INK)
                for h, w in enumerate(f.cls_weight_per_head)], S.SMALL, 0.12)
            panel = VGroup(formula, items, heads).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(panel, aligned=LEFT)
            self.play(Write(formula), run_time=cue.clause())
            self.play(FadeIn(items[0]), run_time=cue.clause())
            self.play(FadeIn(m), FadeIn(items[1]), FadeIn(items[2]), run_time=cue.until("cls"))
            self.play(Create(sq), FadeIn(items[3]), run_time=cue.until("self"))
            self.play(Create(osq), FadeIn(items[4]), run_time=cue.until("other"))
            self.play(FadeIn(items[5]), run_time=cue.until("map"))
            self.play(LaggedStart(*[FadeIn(r) for r in heads], lag_ratio=0.3), run_time=cue.until("why"))

    def matrix(self):
        d, f = self.dims, self.facts
        with self.narrate("matrix") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.55)
            am = AttentionMatrix(f.attn, height=4.6, label=self.words("label"),
                                 log_scale=True)
            left.place(am)
            row = am.row_marker(f.token)
            T = d.T
            items = self.lines([
                (self.words("outlined"), S.ACCENT),
                self.words("row"),
                self.words("column"),
                self.words("sums", error=num.scientific(f.max_row_sum_error).screen),
                (self.words("on_cls", weight=num.decimal(f.mean_cls_column, 3).screen,
                            ratio=f"{f.mean_cls_column * T:.0f}"), S.ACCENT),
                (self.words("on_self", weight=num.decimal(f.mean_diagonal, 3).screen,
                            ratio=f"{f.mean_diagonal * T:.0f}"), S.ACCENT),
                # the mirror pair: a(i, 0) and a(0, i) are two different rows' softmaxes
                (self.words("pair_ij", weight=num.decimal(f.gives_cls, 4).screen), S.GREEN),
                (self.words("pair_ji", weight=num.decimal(f.cls_gives, 4).screen), S.BLUE),
                self.words("col_sums", low=num.decimal(f.column_sums.min(), 2).screen,
                           high=num.decimal(f.column_sums.max(), 1).screen,
                           cls=num.decimal(f.column_sums[0], 1).screen),
            ], S.SMALL, 0.22)
            right.place(items, aligned=LEFT)
            # Cells are a few pixels wide: rings around the two mirror entries, in the colours of their lines.
            ring = max(0.07, am.image.height / T)
            ij = Circle(ring, color=S.GREEN, stroke_width=3).move_to(am.cell_center(f.token, 0))
            ji = Circle(ring, color=S.BLUE, stroke_width=3).move_to(am.cell_center(0, f.token))
            col = am.col_marker(0, S.BLUE)
            self.play(FadeIn(am), run_time=cue.clause())
            self.play(FadeIn(items[1]), FadeIn(items[2]), run_time=cue.until("matrix"))
            self.play(Create(row), FadeIn(items[0]), run_time=cue.clause())
            self.play(FadeIn(items[3]), run_time=cue.clause())
            self.play(FadeIn(items[4]), FadeIn(items[5]), run_time=cue.until("column"))
            self.play(Create(ij), FadeIn(items[6]), run_time=cue.until("mirror"))
            self.play(Create(ji), FadeIn(items[7]), run_time=cue.clause())
            self.play(Create(col), FadeIn(items[8]), run_time=cue.until("rows"))

    def not_pixels(self):
        d, f = self.dims, self.facts
        with self.narrate("not-pixels") as cue:
            self.add(Heading(self.words("heading")))
            keep = np.arange(d.N) != f.query
            left, right = L.MAIN.split(0.5)
            plot = ScatterPlot(f.pixel_similarity[keep], f.patch_weights[keep],
                               x_label=self.words("x_label"),
                               y_label=self.words("attention_weight"), width=5.2, height=3.6,
                               y_range=(0.0, 1.05 * float(f.patch_weights[keep].max())), places=3)
            left.place(plot)
            # The most alike quarter in the accent colour: alike pixels, yet weights far apart.
            others = np.flatnonzero(keep)
            for i in similar_patches(f.pixel_similarity, f.query):
                plot.dots[int(np.searchsorted(others, i))].set_color(S.ACCENT)
            sim = HeatmapOnPhoto(self.trace.picture, f.pixel_similarity.reshape(d.grid, d.grid), "viridis",
                                 vmin=-1.0, vmax=1.0, label=self.words("similarity"), height=2.6)
            r = f.pixel_correlation
            last_rs = ", ".join(num.decimal(x, 2).screen for x in f.last_block_pixel_correlations)
            lines = [(self.words("pearson", r=num.decimal(r, 2).screen, r2=num.percent(r * r).screen), S.ACCENT),
                     (self.words("spearman", r=num.decimal(f.pixel_rank_correlation, 2).screen), S.ACCENT),
                     (self.words("alike"), S.ACCENT),
                     (self.words("last", r=last_rs), S.INK),
                     (self.words("last_note"), S.MUTED),
                     (self.words("others"), S.MUTED)]
            stats = VGroup(*[wrapped(t, S.SMALL, right.width, c) for t, c in lines]).arrange(
                DOWN, aligned_edge=LEFT, buff=0.15)
            rp = Group(sim, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            right.place(rp, aligned=LEFT)
            self.play(FadeIn(plot.axes), FadeIn(plot.ticks), FadeIn(plot.labels), FadeIn(sim),
                      run_time=cue.until("corr"))
            self.play(LaggedStart(*[GrowFromCenter(p) for p in plot.dots], lag_ratio=0.01),
                      run_time=cue.time_to("verdict"))
            self.play(FadeIn(stats[0]), FadeIn(stats[1]), FadeIn(stats[5]), run_time=cue.until("verdict"))
            self.play(FadeIn(stats[2]), run_time=cue.until("similar"))
            self.play(FadeIn(stats[3]), FadeIn(stats[4]), run_time=cue.until("last"))

    def sum_arrows(self, region: L.Region) -> tuple[Group, dict]:
        """The new vector z built on screen: every weighted value a_j v_j as an arrow, added tip to tail (CLS
        first, then the patches from the longest part down), and z from the start to the last tip. Drawn in the
        plane of z and CLS's part (`sum_plane`): the arrows are the parts' shadows on it, and because the
        shadow of a sum is the sum of the shadows, the chain ends exactly on z."""
        f = self.facts
        parts = f.weights[:, None] * f.v  # (T, d)
        basis = sum_plane(parts, f.new_vector)
        flat = parts @ basis.T  # (T, 2)
        order = [0] + [int(t) for t in np.argsort(-f.contribution_norms, kind="stable") if t != 0]
        tips = np.vstack([[0.0, 0.0], np.cumsum(flat[order], axis=0)])  # (T + 1, 2)
        lo, hi = tips.min(0), tips.max(0)
        scale = min(region.width * 0.9 / max(hi[0] - lo[0], 1e-9), region.height * 0.8 / max(hi[1] - lo[1], 1e-9))
        pts = [np.array([x, y, 0.0]) * scale for x, y in tips - (lo + hi) / 2]
        named = 4  # CLS and the three longest parts of patches get their own arrow and colour
        arrows = VGroup()
        for k in range(named):
            color = S.ACCENT if k == 0 else S.GREEN
            arrows.add(Arrow(pts[k], pts[k + 1], buff=0, color=color, stroke_width=4 if k == 0 else 6,
                             max_tip_length_to_length_ratio=0.25, max_stroke_width_to_length_ratio=20))
        rest = VGroup(*[Line(pts[k], pts[k + 1], color=S.BLUE, stroke_width=2) for k in range(named, len(order))])
        z = Arrow(pts[0], pts[-1], buff=0, color=S.INK, stroke_width=5, max_tip_length_to_length_ratio=0.08)
        start = Dot(pts[0], radius=0.05, color=S.INK)
        labels = VGroup(
            S.text(self.token_name(0), S.SMALL, S.ACCENT).next_to(arrows[0], LEFT, buff=0.1),
            S.text(self.words("rest", n=len(order) - named), S.TINY, S.BLUE).next_to(rest, RIGHT, buff=0.1),
            S.text(self.words("z_name"), S.BODY, S.INK).next_to(z.get_center(), DOWN, buff=0.15),
        )
        pic = Group(start, arrows, rest, z, labels)
        region.place(pic)
        return pic, {"arrows": arrows, "rest": rest, "z": z, "start": start, "labels": labels,
                     "named": order[:named]}

    def weighted_sum(self):
        d, f = self.dims, self.facts
        with self.narrate("weighted-sum") as cue:
            self.add(Heading(self.words("heading")))
            formula = tex(rf"z = \sum_{{j=0}}^{{{d.T - 1}}} a_j\, v_j", S.BODY)
            prev = NumericPreview(f.new_vector[None, :], rows=(0,), cols=(0, 1, 2, 3, -1), places=3)
            cap = S.text(self.words("z_caption"), S.SMALL, S.ACCENT)
            top = VGroup(formula, VGroup(cap, prev).arrange(DOWN, aligned_edge=LEFT, buff=0.2)).arrange(
                RIGHT, buff=0.8)
            L.MAIN.place(top, aligned=UP)
            below = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, top.get_bottom()[1] - 0.3)
            left, right = below.split(0.5)
            pic_region = L.Region(left.left, left.right, left.bottom + 0.6, left.top)
            pic, parts = self.sum_arrows(pic_region)
            plane = wrapped(self.words("plane"), S.TINY, left.width, S.MUTED)
            plane.next_to(pic, DOWN, buff=0.2)
            order = parts["named"]  # the table's tokens are the arrows with a colour of their own
            head = [self.words("col_token"), self.words("col_weight"), self.words("col_value"),
                    self.words("col_length")]
            lengths = np.linalg.norm(f.v, axis=1)
            cells = [head] + [[self.token_name(int(t)), num.decimal(f.weights[t], 3).screen,
                               num.decimal(lengths[t], 2).screen, num.decimal(f.contribution_norms[t], 3).screen]
                              for t in order]
            colours = [S.MUTED, S.ACCENT] + [S.GREEN] * (len(order) - 1)
            rows = [[S.text(c, S.SMALL, colours[r] if k == 0 or r == 0 else S.INK, mono=r > 0 and k > 0)
                     for k, c in enumerate(row)] for r, row in enumerate(cells)]
            widths = [max(rows[r][k].width for r in range(len(rows))) for k in range(len(head))]
            table = VGroup()
            for r, line in enumerate(rows):
                x = 0.0
                for k, mob in enumerate(line):
                    mob.move_to([x + (widths[k] if k else 0), -0.45 * r, 0], aligned_edge=RIGHT if k else LEFT)
                    x += widths[k] + 0.4
                table.add(VGroup(*line))
            proj = tex(r"x + \big[\, z^{(1)} \,\|\, \cdots \,\|\, z^{(" + str(d.H) + r")} \,\big]\, W_o",
                       S.BODY)
            proj_l = self.lines([self.words("side_by_side"), self.words("projection"), self.words("residual"),
                                 (self.words("next"), S.MUTED)], S.SMALL, 0.15)
            side = VGroup(table, VGroup(proj, proj_l).arrange(DOWN, aligned_edge=LEFT, buff=0.25)).arrange(
                DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(side, aligned=LEFT)
            self.play(Write(formula), run_time=cue.clause())
            self.play(FadeIn(cap), FadeIn(prev), FadeIn(table[0]), run_time=cue.until("arrows"))
            self.add(parts["start"])
            self.play(GrowArrow(parts["arrows"][0]), FadeIn(parts["labels"][0]), FadeIn(table[1:]),
                      run_time=cue.share(0.06))
            self.play(LaggedStart(*[GrowArrow(a) for a in parts["arrows"][1:]],
                                  *[Create(line) for line in parts["rest"]], lag_ratio=0.02),
                      FadeIn(parts["labels"][1]), FadeIn(plane), run_time=cue.time_to("cls"))
            self.play(Indicate(parts["arrows"][0]), run_time=cue.until("cls"))
            self.play(GrowArrow(parts["z"]), FadeIn(parts["labels"][2]), run_time=cue.until("contrib"))
            self.play(Write(proj), FadeIn(proj_l), run_time=cue.until("heads"))

    def not_explanation(self):
        f = self.facts
        with self.narrate("not-explanation") as cue:
            self.add(Heading(self.words("heading")))
            note = CaveatNote(self.words("caveat"), width=L.MAIN.width * 0.8)
            chain = S.text(self.words("chain"), S.SMALL, S.INK)
            share_c = f.contribution_norms[0] / f.contribution_norms.sum()
            cls = self.lines([
                (self.words("cls_weight", share=share(f.weights[0]).screen), S.ACCENT),
                (self.words("cls_length", share=share(share_c).screen), S.ACCENT),
            ], S.SMALL, 0.15)
            body = VGroup(note, chain, cls).arrange(DOWN, buff=0.55)
            L.MAIN.place(body, aligned=UP)
            c1 = CitationCard(self.words("kobayashi"), self.words("kobayashi_where"))
            c2 = CitationCard(self.words("jain"), self.words("jain_where")).next_to(c1, UP, buff=0.1, aligned_edge=RIGHT)
            c3 = CitationCard(self.words("wiegreffe"), self.words("wiegreffe_where")).next_to(
                c2, UP, buff=0.1, aligned_edge=RIGHT)
            self.play(FadeIn(note), run_time=cue.clause())
            self.play(FadeIn(chain), run_time=cue.until("chain"))
            self.play(FadeIn(cls), FadeIn(c1), run_time=cue.until("half"))
            self.play(FadeIn(c2), run_time=cue.until("jain"))
            self.play(FadeIn(c3), run_time=cue.until("reply"))

    def recap(self):
        with self.narrate("recap") as cue:
            self.add(Heading(self.words("heading")))
            steps = tex(r"\mathrm{LN}\ \to\ Q, K, V\ \to\ \frac{q\cdot k}{\sqrt{d_\text{head}}}"
                        r"\ \to\ \mathrm{softmax}\ \to\ \sum_j a_j v_j", S.BODY, S.ACCENT)
            take = wrapped(self.words("takeaway"), S.BODY, L.MAIN.width * 0.85)
            body = VGroup(steps, take).arrange(DOWN, buff=0.6)
            L.MAIN.place(body)
            foot = NextLessonFooter(self.lesson, self.words("teaser"))
            self.play(Write(steps), run_time=cue.clause())
            self.play(FadeIn(take), run_time=cue.clause())
            self.play(FadeIn(foot), run_time=cue.until("next"))
