"""Phase 3, lesson 11: Choose your prior: built-in or learned.

A convolution's priors measured on the photo (locality, weight sharing, translation equivariance by a roll of
one stride, broken by half a stride), the same roll through the ViT (exact at the patch embedding, gone after the
position embeddings and the blocks, against the baseline of not moving at all, with the high-norm corner tokens
keeping their slots), the ViT paper's own words on inductive bias (section 3.1), what the ViT learned instead (a 2-D
grid in its position embeddings and heads that look locally), the trade, and the designs between built in and
learned (the ViT hybrid, CoAtNet, ConViT) with the rule for choosing. Every number comes from
facts.py's cached facts; where the numbers decide what a sentence says, the scene picks a key of one of the
script's [choice.*] tables, and every word, spoken or drawn, is in script.toml.

    manim -ql scenes/p3_02_choose_your_prior/scene.py ChooseYourPrior
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Axes, Create, DashedLine, Dot, FadeIn, GrowFromEdge, Group,
                   Line, Rectangle, RoundedRectangle, VGroup, VMobject, Write)

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.heatmaps import Heatmap
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import PixelImage
from scenes.common.values import paper_values
from scenes.course import BY_ID
from scenes.p3_02_choose_your_prior.facts import LEARNED_CORRELATION, LOCAL_SHARE, cached_prior_facts, slot_cells
from vitmath.sources import pretraining, resolve_source

DIFF_CMAP = "magma"
SIM_CMAP = "viridis"
# The keys this lesson may choose among (a literal, read by `vitlessons list`); the words are the script's
# [choice.*] tables.
CHOICES = {
    "on_stride_diff": ("exact", "rounding"),
    "patch_diff": ("exact", "rounding"),
    "final_note": ("far_follows", "far", "close", "exact"),
    "corner_note": ("corners", "slots", "none"),
    "top1_change": ("steady", "same", "changed"),
    "pos_sentence": ("grid", "flat"),
    "pos_verdict": ("grid", "flat"),
    "attn_note": ("none", "local"),
    "local_where": ("one_block", "blocks"),
    "later_further": ("further", "not_further"),
    "data_note": ("augreg", "in21k", "unknown"),
    "recap_data": ("in21k", "unknown"),
}
FOLLOWS = 0.5  # the final tokens "mostly moved with the content" when they are at most this share as far from a
#                shifted copy as from the unmoved original
STEADY = 0.05  # the top guess's probability moved by less than this (absolute): the prediction "hardly notices"


def billions(n: int) -> num.Number:
    """A large count in billions, one decimal: 120846286848 -> "120.8"."""
    return num.decimal(n / 1e9, 1)


def prob(p: float) -> num.Number:
    """A probability as a percentage, with enough places that a small one does not read as zero."""
    return num.percent(p, 0 if p >= 0.095 else 1 if p >= 0.0095 else 2)


def dec(x: float, places: int = 2) -> num.Number:
    """num.decimal without a "minus" on a value that rounds to zero."""
    return num.decimal(round(x, places) + 0.0, places)


def exact_or_rounding(x: float) -> tuple[num.Number, Choice]:
    """A measured difference that should be zero: the number, and whether it is exactly zero."""
    if x == 0.0:
        return num.decimal(0.0, 0), Choice("exact")
    return num.scientific(x), Choice("rounding", diff=num.scientific(x))


def final_note(final_error: float, stay_error: float) -> Choice:
    """How far from a shift the final tokens are, against the baseline of not moving at all."""
    if final_error >= 0.1:
        return Choice("far_follows" if final_error <= FOLLOWS * stay_error else "far")
    return Choice("close" if final_error >= 0.01 else "exact")


def top1_change(label: str, p0: float, p1: float, shifted_top) -> Choice:
    """What the roll did to the prediction, from the two probabilities (whatever the labels are)."""
    _, name, p = shifted_top
    if name != label:
        return Choice("changed", top1_was=label, top1_before=prob(p0), top1_now=name, top1_now_p=prob(p))
    return Choice("steady" if abs(p1 - p0) < STEADY else "same", top1_was=label, top1_before=prob(p0),
                  top1_after=prob(p1))


def high_norm_cells(f, grid: int) -> tuple[list[tuple[int, int]], Choice]:
    """The cells of the per-token map to box, and what to say of them: the cells touching the high-norm
    tokens' slots, when those cells are the map's largest and the tokens keep their slots on the rolled photo
    (every high-norm slot of the rolled photo is one of the photo's, and at least half of the photo's stay)."""
    cells = slot_cells(f.high_norm, grid)
    err = f.final_token_error
    inside = np.zeros(err.shape, dtype=bool)
    for r, c in cells:
        inside[r, c] = True
    kept = set(f.rolled_high_norm) & set(f.high_norm)
    if (not cells or inside.all() or err[inside].min() <= err[~inside].max()
            or not set(f.rolled_high_norm) <= set(f.high_norm) or 2 * len(kept) < len(f.high_norm)):
        return [], Choice("none")
    corners = {0, grid - 1, grid * (grid - 1), grid * grid - 1}
    return cells, Choice("corners" if set(f.high_norm) == corners else "slots")


def position_choices(corr: float, by_distance) -> dict:
    """What the similarity-by-distance curve shows and the verdict, chosen from the measured correlation."""
    near = by_distance[0][1]
    far_d, far = min(by_distance, key=lambda t: t[1])
    key = "grid" if corr <= LEARNED_CORRELATION else "flat"
    return {"pos_sentence": Choice(key, near=dec(near), far=dec(far), far_distance=far_d),
            "pos_verdict": Choice(key)}


def attention_note(mad: np.ndarray, uniform: float, local_heads) -> Choice:
    """What the per-block summary of mean attention distance shows, from the numbers."""
    if not local_heads:
        return Choice("none")
    b, h = np.unravel_index(mad.argmin(), mad.shape)
    blocks = sorted({blk for blk, _ in local_heads})
    where = (Choice("one_block", first_block=blocks[0] + 1) if len(blocks) == 1 else
             Choice("blocks", first_block=blocks[0] + 1, last_block=blocks[-1] + 1))
    return Choice("local", closest_block=b + 1, closest_px=f"{mad.min():.0f}", local_count=len(local_heads),
                  total_heads=mad.size, half_px=f"{LOCAL_SHARE * uniform:.0f}", local_where=where,
                  later_further=Choice("further" if mad[-1].mean() > mad[0].mean() else "not_further"))


def data_choices(data: str) -> dict:
    """What the model's name says of its pre-training (vitmath.sources.pretraining: "augreg", "in21k" or
    "unknown"), for the heads cue and for the takeaway, which says only how many images."""
    return {"data_note": Choice(data), "recap_data": Choice("unknown" if data == "unknown" else "in21k")}


def cell_box(image, rows: int, cols: int, r0: int, r1: int, c0: int, c1: int, color: str = S.GREEN) -> Rectangle:
    """A rectangle around cells r0..r1, c0..c1 (inclusive) of a (rows, cols) map drawn as `image`."""
    ul = image.get_corner(UP + LEFT)
    cw, ch = image.width / cols, image.height / rows
    box = Rectangle(width=(c1 - c0 + 1) * cw, height=(r1 - r0 + 1) * ch, color=color, stroke_width=3)
    return box.move_to(ul + np.array([(c0 + c1 + 1) / 2 * cw, -(r0 + r1 + 1) / 2 * ch, 0.0]))


def line_chart(xs, series, x_range, y_range, width: float, height: float, x_label: str, y_label: str,
               x_ticks, y_ticks, y_fmt: str = "{:.0f}") -> tuple[Axes, VGroup]:
    """Axes with plain-text ticks and labels, and one polyline with dots per (values, colour, dashed) series."""
    ax = Axes(x_range=x_range, y_range=y_range, x_length=width, y_length=height, tips=False,
              axis_config={"color": S.MUTED, "stroke_width": 2, "include_ticks": False})
    labels = VGroup()
    for x in x_ticks:
        labels.add(S.text(str(x), S.TINY, S.MUTED).next_to(ax.c2p(x, y_range[0]), DOWN, buff=0.12))
    for y in y_ticks:
        labels.add(S.text(y_fmt.format(y), S.TINY, S.MUTED).next_to(ax.c2p(x_range[0], y), LEFT, buff=0.12))
        labels.add(Line(ax.c2p(x_range[0], y), ax.c2p(x_range[1], y), stroke_color=S.MUTED, stroke_width=0.6,
                        stroke_opacity=0.35))
    # Below the tick labels, wherever the x axis crosses (at y = 0, mid-chart, when y goes negative).
    labels.add(S.text(x_label, S.SMALL, S.MUTED).next_to(ax.c2p((x_range[0] + x_range[1]) / 2, y_range[0]),
                                                       DOWN, buff=0.5))
    labels.add(S.text(y_label, S.SMALL, S.MUTED).rotate(np.pi / 2).next_to(ax.y_axis, LEFT, buff=0.75))
    lines = VGroup()
    for values, color, dashed in series:
        pts = [ax.c2p(x, y) for x, y in zip(xs, values)]
        if dashed:  # a constant reference level
            lines.add(DashedLine(pts[0], pts[-1], color=color, stroke_width=2.5, dash_length=0.12))
        else:
            path = VMobject(stroke_color=color, stroke_width=3).set_points_as_corners(pts)
            lines.add(VGroup(path, *[Dot(p, radius=0.05, color=color) for p in pts]))
    return ax, VGroup(labels, lines)


class ChooseYourPrior(NarratedScene):

    def extra_values(self):
        self.facts = f = cached_prior_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        on_n, on_words = exact_or_rounding(f.on_stride.max_diff)
        patch_n, patch_words = exact_or_rounding(f.patch_max_diff)
        self.on_diff, self.patch_diff = on_n, patch_n
        label, p0 = f.top1[1], f.top1_prob
        data = pretraining(resolve_source(self.inputs.model, self.inputs.weights)[0])
        return {
            "cnn_lesson": BY_ID["p1-01-cnn-locality"].number,
            "cls_lesson": BY_ID["p1-04-cls-token"].number,
            "pos_lesson": BY_ID["p1-03-position-embeddings"].number,
            "heads_lesson": BY_ID["p2-04-twelve-heads"].number,
            "cnn": f.cnn,
            "stage_convs": f.stage_convs,
            "stride": f.stride,
            "half_stride": f.off_stride.shift_px,
            "fmap_side": f.fmap_shape[1],
            "channels": f.fmap_shape[0],
            "field": f.field,
            "stem_out_c": f.stem_shape[0],
            "stem_in": f.stem_shape[1],
            "stem_k": f.stem_shape[2],
            "stem_side": f.stem_out[1],
            "stem_params": num.integer(f.stem_params),
            "stem_dense_billions": billions(f.stem_dense),
            "on_stride_diff": on_words,
            "off_diff": num.decimal(f.off_stride.max_diff, 2),
            "off_scale": num.decimal(f.off_stride.scale, 2),
            "embed_params": num.integer(f.vit_embed_params),
            "embed_dense_billions": billions(f.vit_embed_dense),
            "patch_diff": patch_words,
            "pos_error": num.percent(f.shift_error[1]),
            "final_error": num.percent(f.shift_error[2]),
            "pos_stay": num.percent(f.stay_error[1]),
            "final_stay": num.percent(f.stay_error[2]),
            "final_note": final_note(f.shift_error[2], f.stay_error[2]),
            "corner_note": high_norm_cells(f, f.final_token_error.shape[0])[1],
            "top1_change": top1_change(label, p0, f.top1_prob_shifted, f.shifted_top1),
            "nopos_error": num.scientific(100 * f.nopos_shift_error),  # in percent, like the others
            **position_choices(f.pos_correlation, f.sim_by_distance),
            "pos_corr": dec(f.pos_correlation),
            "uniform_px": num.decimal(f.uniform_distance, 0),
            "attn_note": attention_note(f.attention_distance, f.uniform_distance, f.local_heads),
            **data_choices(data),
            **paper_values(),
        }

    def cues(self):
        return [self.hook, self.locality, self.sharing, self.equivariance, self.off_stride, self.vit_patch,
                self.vit_deep, self.vit_paper, self.learned_pos, self.learned_attn, self.trade, self.between,
                self.recap]

    # ------------------------------------------------------------------ what the cues share
    def rolled_picture(self, pixels: int) -> np.ndarray:
        """The picture rolled right like the input tensor (scenes.p3_02_choose_your_prior.facts.roll_right): for display."""
        return np.roll(self.trace.picture, pixels, axis=1)

    def card(self, title: str, lines, width: float, color: str = S.ACCENT) -> VGroup:
        body = VGroup(S.text(title, S.BODY, color), *[wrapped(t, S.SMALL, width - 0.5, c) for t, c in lines])
        body.arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        box = RoundedRectangle(corner_radius=0.12, width=width, height=body.height + 0.6)
        box.set_stroke(color, 1.5).move_to(body)
        body.align_to(box, LEFT).shift(0.25 * RIGHT)
        return VGroup(box, body)

    def wrapped_strip(self, img, pixels: int) -> Rectangle:
        """A red outline on the left `pixels` columns of a rolled picture: what came round from the right."""
        w = img.width * pixels / self.size
        return Rectangle(width=w, height=img.height, color=S.RED, stroke_width=3).move_to(
            img.get_corner(UP + LEFT) + np.array([w / 2, -img.height / 2, 0.0]))

    def shift_panels(self, check, picture_rolled, vmax: float) -> Group:
        """Three columns: the photo over its map, the rolled photo over its map, and the difference map with
        the interior cells boxed. Maps are the per-cell L2 norm over channels, one shared scale."""
        f = self.facts
        cols = L.MAIN.columns(3, gutter=0.45)
        h = 2.35
        norm_max = float(max(f.channel_norm.max(), f.shifted_norm.max(), f.half_norm.max()))
        out = Group()
        rolled_map = f.shifted_norm if check.shift_px == f.stride else f.half_norm
        for k, (col, pic, cap) in enumerate(zip(cols[:2], (self.trace.picture, picture_rolled),
                                                (self.words("photo"), self.words("rolled", px=check.shift_px)))):
            img = PixelImage(pic, height=h)
            values = f.channel_norm if k == 0 else rolled_map
            hm = Heatmap(values, "viridis", 0.0, norm_max, label=self.words("channel_norm"), height=h)
            parts = [S.text(cap, S.SMALL), img, hm]
            g = Group(*parts).arrange(DOWN, buff=0.2)
            img.match_x(hm.image)
            if k == 1:
                g.add(self.wrapped_strip(img, check.shift_px))
            col.place(g, aligned=UP)
            out.add(g)
        k = check.cells
        diff = check.diff_map[:, k:]  # cells with a counterpart in the moved original map
        rows, ncols = diff.shape
        hm = Heatmap(diff, DIFF_CMAP, 0.0, vmax, label=self.words("diff"), height=h)
        box = cell_box(hm.image, rows, ncols, check.rows[0], check.rows[1], check.cols[0] - k, check.cols[1] - k)
        cap = wrapped(self.words("diff_caption", cells=k, cell_word=self.words("cell" if k == 1 else "cells")),
                      S.SMALL, cols[2].width)
        g = Group(hm, box)
        cols[2].place(g)
        g.match_y(out[1][2].image)  # level with the two maps it compares
        g.align_to(out[1][2].image, DOWN)
        cap.next_to(g, UP, buff=0.25).align_to(g, LEFT)
        out.add(Group(cap, g))
        return out

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.15)
            left, right = L.MAIN.split(0.4)
            photo = PixelImage(self.trace.picture, height=min(left.height, 4.8))
            left.place(photo)
            cnn = self.card(self.words("cnn"), [(self.words(k), S.INK) for k in
                                                ("cnn_locality", "cnn_sharing", "cnn_equivariance")], right.width)
            vit = self.card(self.words("vit"), [(self.words(k), S.INK) for k in ("vit_built_in", "vit_learned")],
                            right.width, S.BLUE)
            panel = VGroup(cnn, vit).arrange(DOWN, buff=0.4)
            right.place(panel)
            self.play(FadeIn(photo), FadeIn(cnn), run_time=cue.until("cnn"))
            self.play(FadeIn(vit), run_time=cue.until("vit"))

    def locality(self):
        f = self.facts
        with self.narrate("locality") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.45)
            photo = PixelImage(self.trace.picture, height=min(left.height, 4.9))
            left.place(photo)
            # One output cell near the centre and the square of photo it sees (its theoretical field).
            px = photo.height / f.size
            centre = photo.get_center()
            field = Rectangle(width=f.field * px, height=f.field * px, color=S.ACCENT, stroke_width=4).move_to(centre)
            cell = Rectangle(width=f.stride * px, height=f.stride * px, color=S.GREEN, stroke_width=3,
                             fill_color=S.GREEN, fill_opacity=0.6).move_to(centre)
            lines = VGroup(
                S.text(self.words("network"), S.BODY),
                S.text(self.words("convs", convs=f.stage_convs), S.SMALL, S.MUTED),
                S.text(self.words("map", shape=num.shape(*f.fmap_shape).screen), S.SMALL, S.MUTED),
                S.text(self.words("cell"), S.SMALL, S.GREEN),
                S.text(self.words("field"), S.SMALL, S.ACCENT),
                S.text(self.words("lesson"), S.TINY, S.MUTED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            right.place(lines, aligned=LEFT)
            self.play(FadeIn(photo), FadeIn(lines[0]), run_time=cue.until("network"))
            self.play(FadeIn(lines[1]), FadeIn(lines[2]), run_time=cue.until("convs"))
            self.play(FadeIn(cell), FadeIn(lines[3]), run_time=min(cue.until("cell"), 1.0))
            self.play(Create(field), FadeIn(lines[4]), FadeIn(lines[5]), run_time=cue.until("field"))

    def sharing(self):
        f = self.facts
        v = self.values
        with self.narrate("sharing") as cue:
            self.add(Heading(self.words("heading")))
            o, i, k, _ = f.stem_shape
            c, hh, ww = f.stem_out
            conv = VGroup(S.text(self.words("conv", stem=f.stem_name, k=k), S.BODY),
                          tex(r"\text{" + self.words("weight") + "} " + rf"{num.shape(o, i, k, k).tex}:\quad "
                              rf"{o}\cdot{i}\cdot{k}\cdot{k} = {v['stem_params'].tex}\ "
                              + r"\text{" + self.words("weights") + "}", S.BODY, S.GREEN)
                          ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            n_in = 3 * f.size * f.size
            dense = VGroup(S.text(self.words("dense"), S.BODY),
                           tex(rf"({3}\cdot{f.size}\cdot{f.size}) \times ({c}\cdot{hh}\cdot{ww}) = "
                               rf"{num.integer(n_in).tex} \times {num.integer(c * hh * ww).tex}"
                               rf" \approx {v['stem_dense_billions'].tex}\ " + r"\text{" + self.words("billion") + "}",
                               S.BODY, S.RED)
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            ratio = S.text(self.words("ratio", ratio=f"{f.stem_dense / f.stem_params:,.0f}"), S.SMALL, S.MUTED)
            block = VGroup(conv, dense, ratio).arrange(DOWN, aligned_edge=LEFT, buff=0.6)
            L.MAIN.place(block, aligned=LEFT)
            self.play(FadeIn(conv[0]), run_time=cue.until("conv"))
            # "9,408 weights." is too short a clause to stand alone, so it shares the next sentence's clause:
            # the formula must be written before the words reach the dense layer.
            self.play(Write(conv[1]), run_time=min(cue.until("weights"), max(cue.at("dense") - cue.at("weights"), 0.5)))
            self.play(FadeIn(dense), run_time=min(cue.until("dense"), max(cue.at("ratio") - cue.at("dense"), 0.5)))
            self.play(FadeIn(ratio), run_time=cue.until("ratio"))

    def equivariance(self):
        f = self.facts
        check = f.on_stride
        with self.narrate("equivariance") as cue:
            self.add(Heading(self.words("heading")))
            vmax = float(np.nanmax(np.concatenate([f.on_stride.diff_map[:, f.on_stride.cells:].ravel(),
                                                    f.off_stride.diff_map[:, f.off_stride.cells:].ravel()])))
            panels = self.shift_panels(check, self.rolled_picture(check.shift_px), vmax)
            result = tex(r"\text{" + self.words("interior") + "}" + rf"\max\,\lvert\Delta\rvert = {self.on_diff.tex}",
                         S.BODY, S.GREEN)
            note = S.text(self.words("note"), S.TINY, S.MUTED)
            foot = VGroup(result, note).arrange(RIGHT, buff=0.6)
            L.FOOTER.place(foot, aligned=LEFT)
            self.play(FadeIn(panels[0]), run_time=cue.clause())
            self.play(FadeIn(panels[1]), FadeIn(note), run_time=cue.until("rolled"))
            self.play(FadeIn(panels[2]), run_time=cue.until("diff"))
            self.play(Write(result), run_time=cue.until("result"))

    def off_stride(self):
        f = self.facts
        check = f.off_stride
        v = self.values
        with self.narrate("off-stride") as cue:
            self.add(Heading(self.words("heading")))
            vmax = float(np.nanmax(np.concatenate([f.on_stride.diff_map[:, f.on_stride.cells:].ravel(),
                                                    f.off_stride.diff_map[:, f.off_stride.cells:].ravel()])))
            panels = self.shift_panels(check, self.rolled_picture(check.shift_px), vmax)
            result = tex(r"\text{" + self.words("interior") + "}" + rf"\max\,\lvert\Delta\rvert = {v['off_diff'].tex}"
                         + r"\quad(\max\,\lvert\text{" + self.words("map") + "}" + rf"\rvert = {v['off_scale'].tex})",
                         S.BODY, S.RED)
            L.FOOTER.place(result, aligned=LEFT)
            self.play(FadeIn(panels[0]), FadeIn(panels[1]), run_time=cue.clause())
            self.play(FadeIn(panels[2]), run_time=cue.until("diff"))
            self.play(Write(result), run_time=cue.until("result"))

    def vit_patch(self):
        f, d = self.facts, self.dims
        v = self.values
        with self.narrate("vit-patch") as cue:
            self.add(Heading(self.words("heading", P=d.P)))
            top = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.top - 1.2, L.MAIN.top)
            rest = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, L.MAIN.top - 1.35)
            eq = VGroup(
                S.text(self.words("embed", P=d.P), S.SMALL),
                tex(rf"{num.shape(d.D, 3, d.P, d.P).tex} + {d.D} = {v['embed_params'].tex}\ "
                    + r"\text{" + self.words("weights") + r"}\qquad \text{" + self.words("dense") + "}"
                    + rf" \approx {v['embed_dense_billions'].tex}\ " + r"\text{" + self.words("billion") + "}",
                    S.SMALL, S.GREEN)).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            top.place(eq, aligned=LEFT)
            cols = rest.columns(4, gutter=0.35)
            h = min(cols[0].width, rest.height - 0.6) * 0.92
            vmax = float(max(f.patch_norm.max(), f.rolled_patch_norm.max()))
            g0 = PhotoGrid(self.trace.picture, d.grid, height=h, line_width=0.8, line_opacity=0.5)
            g1 = PhotoGrid(self.rolled_picture(d.P), d.grid, height=h, line_width=0.8, line_opacity=0.5)
            m0 = Heatmap(f.patch_norm, "viridis", 0.0, vmax, label=self.words("norm"), height=h * 0.82)
            m1 = Heatmap(f.rolled_patch_norm, "viridis", 0.0, vmax, label=self.words("norm"), height=h * 0.82)
            wrapped_col = cell_box(m1.image, d.grid, d.grid, 0, d.grid - 1, 0, 0, S.RED)
            g1.add(self.wrapped_strip(g1.photo, d.P))
            items = [(g0, self.words("photo")), (m0, self.words("embeddings")), (g1, self.words("rolled_patch")),
                     (Group(m1, wrapped_col), self.words("rolled_column"))]
            groups = Group()
            for col, (mob, cap) in zip(cols, items):
                grp = Group(S.text(cap, S.SMALL), mob).arrange(DOWN, buff=0.15)
                col.place(grp)
                groups.add(grp)
            result = tex(r"\text{" + self.words("unwrapped") + "}" + rf"\max\,\lvert\Delta\rvert = {self.patch_diff.tex}",
                         S.BODY, S.GREEN)
            L.FOOTER.place(result, aligned=LEFT)
            self.play(FadeIn(eq), run_time=cue.until("embed"))
            self.play(FadeIn(groups[0]), FadeIn(groups[1]), run_time=cue.until("photo"))
            self.play(FadeIn(groups[2]), FadeIn(groups[3]), run_time=cue.until("rolled"))
            self.play(Write(result), run_time=cue.until("result"))

    def distance_rows(self, rows, width: float) -> VGroup:
        """One row per stage: its name, then two bars to one scale, the distance from a shifted copy (orange)
        and from the unmoved original (grey), each with its value. `rows`: (name, shifted, unmoved, shifted
        Number, unmoved Number). Each row is VGroup(name, VGroup(shifted bar, its value), VGroup(unmoved...))."""
        top = max(max(r[1], r[2]) for r in rows)
        names = [S.text(r[0], S.SMALL) for r in rows]
        name_w = max(n.width for n in names) + 0.3
        bar_w = width - name_w - 1.2  # room for the value after the longest bar
        out = VGroup()
        for name, (_, a, b, na, nb) in zip(names, rows):
            bars = VGroup()
            for value, shown, color in ((a, na, S.ACCENT), (b, nb, S.MUTED)):
                bar = Rectangle(width=max(bar_w * value / top, 0.02), height=0.26, stroke_width=0,
                                fill_color=color, fill_opacity=0.9)
                bars.add(VGroup(bar, S.text(shown, S.SMALL, color, mono=True).next_to(bar, RIGHT, buff=0.1)))
            bars.arrange(DOWN, aligned_edge=LEFT, buff=0.08)  # both bars start at one left edge
            row = VGroup(name, bars)
            bars.next_to(name, RIGHT, buff=0.2).shift((name_w - name.width - 0.2) * RIGHT)
            out.add(row)
        out.arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        return out

    def vit_deep(self):
        f, d = self.facts, self.dims
        v = self.values
        with self.narrate("vit-deep") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.4)
            err = f.final_token_error
            boxed, _ = high_norm_cells(f, d.grid)
            # Two cells at a high-norm slot would set the whole scale and leave the rest black: the scale stops
            # at the largest other cell, the boxed ones saturate, and the caption says how high they go.
            inside = np.zeros(err.shape, dtype=bool)
            for r, c in boxed:
                inside[r, c] = True
            vmax = float(err[~inside].max()) if boxed else float(err.max())
            hm = Heatmap(err, "magma", 0.0, vmax, label=self.words("map"), height=left.height - 1.6)
            cap = wrapped(self.words("caption"), S.TINY, left.width)
            g = Group(cap, hm).arrange(DOWN, buff=0.2)
            clipped = wrapped(self.words("clipped", vmax=num.decimal(vmax, 2).screen,
                                         top=num.decimal(float(err.max()), 2).screen), S.TINY, left.width, S.GREEN)
            left.place(g, aligned=UP)
            clipped.next_to(g, DOWN, buff=0.15).align_to(g, LEFT)
            boxes = VGroup(*[cell_box(hm.image, *err.shape, r, r, c, c, S.GREEN) for r, c in boxed])
            pct = lambda x: num.percent(x).screen  # noqa: E731
            nopos = v["nopos_error"].screen + "%"
            stages = [(self.words("embedding"), f.shift_error[0], f.stay_error[0], pct(f.shift_error[0]),
                       pct(f.stay_error[0])),
                      (self.words("position"), f.shift_error[1], f.stay_error[1], pct(f.shift_error[1]),
                       pct(f.stay_error[1])),
                      (self.words("final"), f.shift_error[2], f.stay_error[2], pct(f.shift_error[2]),
                       pct(f.stay_error[2])),
                      (self.words("nopos"), f.nopos_shift_error, f.nopos_stay_error, nopos, pct(f.nopos_stay_error))]
            rows = self.distance_rows(stages, right.width)
            key = VGroup(*[VGroup(Rectangle(width=0.3, height=0.18, stroke_width=0, fill_color=c, fill_opacity=0.9),
                                  S.text(self.words(w), S.TINY, c)).arrange(RIGHT, buff=0.12)
                           for w, c in (("shifted", S.ACCENT), ("unmoved", S.MUTED))]
                         ).arrange(RIGHT, buff=0.4)
            table = VGroup(wrapped(self.words("table"), S.SMALL, right.width, S.MUTED), key, rows
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            label, p0, p1 = f.top1[1], f.top1_prob, f.top1_prob_shifted
            pred = S.text(self.words("same_top", label=label, before=prob(p0).screen, after=prob(p1).screen), S.BODY,
                          S.ACCENT)
            if f.shifted_top1[1] != label:
                pred = S.text(self.words("new_top", label=label, now=f.shifted_top1[1]), S.BODY, S.ACCENT)
            panel = VGroup(table, pred).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            right.place(panel, aligned=LEFT)

            def bar(row, k):
                return GrowFromEdge(rows[row][1][k][0], LEFT), FadeIn(rows[row][1][k][1])

            self.play(FadeIn(table[0]), FadeIn(key[0]), FadeIn(rows[0][0]), *bar(0, 0), run_time=cue.clause())
            self.play(FadeIn(key[1]), *bar(0, 1), run_time=cue.until("stay"))
            self.play(FadeIn(rows[1][0]), *bar(1, 0), *bar(1, 1), run_time=cue.until("pos"))
            self.play(FadeIn(g), FadeIn(rows[2][0]), *bar(2, 0), *bar(2, 1), run_time=cue.until("final"))
            if boxed:
                self.play(Create(boxes), FadeIn(clipped), run_time=cue.until("corners"))
            self.play(FadeIn(pred), run_time=cue.until("prediction"))
            self.play(FadeIn(rows[3][0]), *bar(3, 0), *bar(3, 1), run_time=cue.until("nopos"))

    def vit_paper(self):
        with self.narrate("vit-paper") as cue:
            self.add(Heading(self.words("heading")))
            w = L.MAIN.width - 1.0
            marks = ("bias", "local", "sparingly")
            quotes = VGroup(*[wrapped(self.words(m), S.BODY, w, S.ACCENT if m == "sparingly" else S.INK)
                              for m in marks]).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            L.MAIN.place(quotes)
            self.add(CitationCard(self.words("vit_paper"), self.words("where")))
            for mark, q in zip(marks, quotes):
                self.play(FadeIn(q), run_time=cue.until(mark))

    def learned_pos(self):
        f, d = self.facts, self.dims
        v = self.values
        centre = (d.grid // 2) * d.grid + d.grid // 2
        r, c = divmod(centre, d.grid)
        with self.narrate("learned-pos") as cue:
            learned = f.pos_correlation <= LEARNED_CORRELATION
            self.add(Heading(self.words("grid_heading" if learned else "flat_heading")))
            left, right = L.MAIN.split(0.4)
            tile = f.pos_similarity[centre].reshape(d.grid, d.grid)
            hm = Heatmap(tile, SIM_CMAP, -1.0, 1.0, label=self.words("map"), height=left.height - 1.0)
            mark = cell_box(hm.image, d.grid, d.grid, r, r, c, c, S.ACCENT)
            cap = S.text(self.words("caption", row=r + 1, col=c + 1, N=d.N), S.SMALL)  # counted from 1, as everywhere
            g = Group(cap, Group(hm, mark)).arrange(DOWN, buff=0.2)
            left.place(g)
            xs = [k for k, _ in f.sim_by_distance]
            ys = [s for _, s in f.sim_by_distance]
            ax, drawn = line_chart(xs, [(ys, S.ACCENT, False)], [0, xs[-1] + 1, 1], [-1, 1, 0.5],
                                   right.width - 1.4, right.height - 2.0, self.words("x_label"),
                                   self.words("y_label"), list(range(0, xs[-1] + 1, 4)), [-1, -0.5, 0, 0.5, 1],
                                   "{:.1f}")
            corr = tex(r"\text{" + self.words("corr") + "}" + rf" = {v['pos_corr'].tex}", S.SMALL,
                       S.GREEN if learned else S.MUTED)
            chart = VGroup(ax, drawn)
            panel = VGroup(chart, corr).arrange(DOWN, buff=0.35)
            right.place(panel)
            self.play(FadeIn(g), run_time=cue.until("map"))
            self.play(Create(ax), FadeIn(drawn[0]), run_time=cue.until("axes"))
            self.play(Create(drawn[1]), run_time=cue.until("curve"))
            self.play(Write(corr), run_time=cue.until("corr"))

    def learned_attn(self):
        f, d = self.facts, self.dims
        v = self.values
        mad = f.attention_distance  # (depth, H) pixels
        with self.narrate("learned-attn") as cue:
            self.add(Heading(self.words("local_heading" if f.local_heads else "plain_heading")))
            blocks = list(range(1, d.depth + 1))
            top = float(max(mad.max(), f.uniform_distance)) * 1.1
            step = 50 if top > 120 else 25
            y_ticks = list(range(0, int(top) + 1, step))
            chart_w, chart_h = L.MAIN.width * 0.6, L.MAIN.height - 1.4
            series = [(mad.min(1), S.ACCENT, False), (mad.mean(1), S.BLUE, False),
                      ([f.uniform_distance] * d.depth, S.MUTED, True),
                      ([LOCAL_SHARE * f.uniform_distance] * d.depth, S.GREEN, True)]
            x_ticks = [b for b in blocks if b == 1 or b == d.depth or b % 3 == 0]
            ax, drawn = line_chart(blocks, series, [0.5, d.depth + 0.5, 1], [0, top, step], chart_w, chart_h,
                                   self.words("x_label"), self.words("y_label"), x_ticks, y_ticks)
            chart = VGroup(ax, drawn)
            L.MAIN.place(chart, aligned=LEFT)
            key = VGroup(S.text(self.words("closest"), S.SMALL, S.ACCENT),
                         S.text(self.words("average", H=d.H), S.SMALL, S.BLUE),
                         S.text(self.words("even", px=v["uniform_px"].screen), S.SMALL, S.MUTED),
                         S.text(self.words("half", px=f"{LOCAL_SHARE * f.uniform_distance:.0f}"), S.SMALL, S.GREEN),
                         S.text(self.words("under", count=len(f.local_heads), total=mad.size), S.BODY,
                                S.GREEN if f.local_heads else S.MUTED),
                         S.text(self.words("lesson"), S.TINY, S.MUTED),
                         ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            data = pretraining(resolve_source(self.inputs.model, self.inputs.weights)[0])
            said = VGroup()
            if data != "unknown":
                said.add(wrapped(self.words("data", recipe=self.words("augreg") if data == "augreg" else ""),
                                 S.SMALL, 4.6, S.INK))
            said.add(wrapped(self.words("raghu"), S.SMALL, 4.6, S.BLUE))
            said.arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            key.add(said)
            key.arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            key.next_to(chart, RIGHT, buff=0.5)
            L.MAIN.place(Group(chart, key))
            raghu = CitationCard(self.words("raghu_paper"), self.words("raghu_where"))
            self.play(Create(ax), FadeIn(drawn[0]), run_time=cue.until("heads"))
            self.play(Create(drawn[1][0]), Create(drawn[1][1]), FadeIn(key[0]), FadeIn(key[1]),
                      run_time=cue.clause())
            self.play(FadeIn(drawn[1][2]), FadeIn(key[2]), run_time=cue.until("even"))
            self.play(FadeIn(drawn[1][3]), FadeIn(key[3]), FadeIn(key[4]), FadeIn(key[5]), run_time=cue.until("half"))
            if data != "unknown":
                self.play(FadeIn(said[0]), run_time=cue.until("data"))
            self.play(FadeIn(said[-1]), FadeIn(raghu), run_time=cue.until("raghu"))

    def trade(self):
        with self.narrate("trade") as cue:
            self.add(Heading(self.words("heading")))
            below = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, L.MAIN.top - 0.2)  # clear of the heading
            cols = below.columns(2, gutter=0.7)
            built = self.card(self.words("built"), [(self.words("built_free"), S.INK),
                                                    (self.words("built_saves"), S.GREEN),
                                                    (self.words("built_fixed"), S.MUTED)], cols[0].width)
            learned = self.card(self.words("learned"), [(self.words("learned_from"), S.INK),
                                                        (self.words("learned_costs"), S.RED),
                                                        (self.words("learned_free"), S.GREEN)], cols[1].width, S.BLUE)
            height = max(built[0].height, learned[0].height)
            for p_, col in zip((built, learned), cols):
                p_[0].stretch_to_fit_height(height)
                p_[1].align_to(p_[0], UP + LEFT).shift(0.3 * DOWN + 0.25 * RIGHT)
                col.place(p_, aligned=UP)
            rule = VGroup(S.text(self.words("little"), S.SMALL), S.text(self.words("plenty"), S.SMALL, S.ACCENT),
                          S.text(self.words("recipe"), S.SMALL, S.BLUE)).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            # Between the cards and the footer, where the citation goes: scaled down if the lines need it.
            L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, Group(built, learned).get_bottom()[1] - 0.4).place(
                rule, aligned=UP + LEFT)
            self.play(FadeIn(built), run_time=cue.until("built"))
            self.play(FadeIn(learned), run_time=cue.until("learned"))
            self.play(FadeIn(rule[0]), run_time=cue.until("little"))
            self.play(FadeIn(rule[1]), FadeIn(CitationCard(self.words("vit_paper"), self.words("where"))),
                      run_time=cue.until("plenty"))
            self.play(FadeIn(rule[2]), run_time=cue.until("recipe"))

    def between(self):
        """A line from built in to learned, the designs placed along it as the words name them."""
        with self.narrate("between") as cue:
            self.add(Heading(self.words("heading")))
            m = L.MAIN
            y = m.top - 1.3
            line = Arrow([m.left + 0.3, y, 0], [m.right - 0.3, y, 0], color=S.MUTED, stroke_width=3, buff=0,
                         max_tip_length_to_length_ratio=0.02)
            ends = VGroup(S.text(self.words("hard"), S.SMALL, S.ACCENT).next_to(line.get_start(), UP, buff=0.2,
                                                                                aligned_edge=LEFT),
                          S.text(self.words("none"), S.SMALL, S.BLUE).next_to(line.get_end(), UP, buff=0.2,
                                                                              aligned_edge=RIGHT))
            # Where each design sits on the line, left (all built in) to right (all learned): an order, not a measure.
            designs = [("cnn", 0.0, S.ACCENT, None), ("hybrid", 0.25, S.INK, "hybrid_where"),
                       ("coatnet", 0.5, S.INK, "coatnet_where"), ("convit", 0.75, S.INK, "convit_where"),
                       ("vit", 1.0, S.BLUE, None)]
            x0, x1 = m.left + 1.2, m.right - 1.2
            marks, cards = VGroup(), VGroup()
            width = (x1 - x0) / 4 - 0.15
            for k, (name, t, color, where) in enumerate(designs):
                x = x0 + t * (x1 - x0)
                dot = Dot([x, y, 0], radius=0.09, color=color)
                body = VGroup(S.text(self.words(name), S.BODY, color), wrapped(self.words(name + "_how"), S.TINY, width))
                if where:
                    body.add(wrapped(self.words(where), S.TINY, width, S.MUTED))
                body.arrange(DOWN, buff=0.15)
                # alternate heights so neighbours' words never meet
                body.next_to(dot, DOWN, buff=0.35 + (1.5 if k % 2 else 0.0))
                body.set_x(min(max(x, m.left + body.width / 2), m.right - body.width / 2))
                tick = Line([x, y, 0], [x, body.get_top()[1] + 0.05, 0], stroke_color=S.MUTED, stroke_width=1)
                marks.add(dot)
                cards.add(VGroup(tick, body))
            rule = wrapped(self.words("rule"), S.SMALL, m.width - 0.5, S.GREEN)
            L.FOOTER.place(rule, aligned=LEFT)
            nxt = wrapped(self.words("next"), S.SMALL, width, S.BLUE).next_to(cards[4], DOWN, buff=0.4)
            L.MAIN.contain(nxt.align_to(cards[4], LEFT))
            self.play(Create(line), FadeIn(ends), FadeIn(marks[0]), FadeIn(marks[4]), FadeIn(cards[0]),
                      FadeIn(cards[4]), run_time=cue.until("line"))
            for k, mark in ((1, "hybrid"), (2, "coatnet"), (3, "convit")):
                self.play(FadeIn(marks[k]), FadeIn(cards[k]), run_time=cue.until(mark))
            self.play(FadeIn(rule), FadeIn(nxt), run_time=cue.until("rule"))

    def recap(self):
        with self.narrate("recap") as cue:
            take = VGroup(wrapped(self.words("take"), S.BODY, L.MAIN.width - 1.5),
                          wrapped(self.words("rule"), S.BODY, L.MAIN.width - 1.5, S.GREEN)
                          ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            L.MAIN.place(VGroup(box, take))
            self.play(FadeIn(box), FadeIn(take[0]), run_time=cue.until("take"))
            self.play(FadeIn(take[1]), run_time=cue.until("rule"))
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("next"))), run_time=min(cue.until("next"), 1.0))
