"""Phase 3, lesson 11: Choose your prior: built-in or learned.

A convolution's priors measured on the photo (locality, weight sharing, translation equivariance by a roll of
one stride, broken by half a stride), the same roll through the ViT (exact at the patch embedding, gone after the
position embeddings and the blocks), the ViT paper's own words on inductive bias (section 3.1), and what the ViT
learned instead: a 2-D grid in its position embeddings and heads that look locally. Every number comes from
scenes.p3_02_choose_your_prior.facts's cached facts; the sentences that describe them are chosen here from those numbers.

    manim -ql scenes/p3_02_choose_your_prior/scene.py ChooseYourPrior
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Axes, Create, DashedLine, Dot, FadeIn, Group, Line,
                   Rectangle, RoundedRectangle, VGroup, VMobject, Write)

from scenes.course import BY_ID
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.heatmaps import Heatmap
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import PixelImage
from scenes.p3_02_choose_your_prior.facts import LEARNED_CORRELATION, LOCAL_SHARE, cached_prior_facts

VIT_PAPER = "Dosovitskiy et al. 2021, An Image is Worth 16x16 Words"
DIFF_CMAP = "magma"
SIM_CMAP = "viridis"


def billions(n: int) -> num.Number:
    """A large count in billions, one decimal: 120846286848 -> "120.8"."""
    return num.decimal(n / 1e9, 1)


def prob(p: float) -> num.Number:
    """A probability as a percentage, with enough places that a small one does not read as zero."""
    return num.percent(p, 0 if p >= 0.095 else 1 if p >= 0.0095 else 2)


def dec(x: float, places: int = 2) -> num.Number:
    """num.decimal without a "minus" on a value that rounds to zero."""
    return num.decimal(round(x, places) + 0.0, places)


def exact_or_rounding(x: float) -> tuple[num.Number, str]:
    """A measured difference that should be zero: the number, and how to say it."""
    if x == 0.0:
        return num.decimal(0.0, 0), "exactly zero"
    return num.scientific(x), f"{num.scientific(x).spoken}: float rounding"


def error_sentence(final_error: float) -> str:
    """How far from a shift the final tokens are, in words, from the measured relative difference."""
    if final_error >= 0.1:
        return "Far from an exact shift."
    if final_error >= 0.01:
        return "Close to a shift, but not an exact one."
    return "Still almost exactly a shift."


def top1_sentence(label: str, p0: float, p1: float, shifted_top) -> str:
    """What the roll did to the prediction, from the two probabilities (whatever the labels are)."""
    _, name, p = shifted_top
    if name != label:
        return (f"the top guess was {label} at {prob(p0).spoken}; on the rolled photo it is {name}, "
                f"at {prob(p).spoken}.")
    return f"{label} goes from {prob(p0).spoken} to {prob(p1).spoken}."


def position_sentences(corr: float, by_distance) -> tuple[str, str]:
    """(what the similarity-by-distance curve shows, the verdict), chosen from the measured correlation."""
    near = by_distance[0][1]
    far_d, far = min(by_distance, key=lambda t: t[1])
    if corr <= LEARNED_CORRELATION:
        return (f"Nearby positions are alike, {dec(near).spoken} at one patch apart; far ones are not, "
                f"{dec(far).spoken} at {far_d}.",
                "Nobody told the model its positions form a grid: it learned that from data.")
    return (f"The similarity hardly depends on distance: {dec(near).spoken} at one patch apart, "
            f"{dec(far).spoken} at {far_d} patches.",
            "This model has not learned a grid, and nothing in its architecture gives it one.")


def attention_sentence(mad: np.ndarray, uniform: float, local_heads) -> str:
    """What the per-block summary of mean attention distance shows, in words, from the numbers."""
    total = mad.size
    if not local_heads:
        return "No head stays under half of that: this model has learned no locality, and none was built in."
    b, h = np.unravel_index(mad.argmin(), mad.shape)
    blocks = sorted({blk for blk, _ in local_heads})
    where = (f"all in block {blocks[0] + 1}" if len(blocks) == 1 else
             f"all in blocks {blocks[0] + 1} to {blocks[-1] + 1}")
    s = (f"The closest head, in block {b + 1}, reaches only {mad.min():.0f}. "
         f"{len(local_heads)} of the {total} heads stay under {LOCAL_SHARE * uniform:.0f} pixels, "
         f"half the even distance, {where}: some heads learned to look locally, like a convolution.")
    if mad[-1].mean() > mad[0].mean():
        s += " Later blocks look further."
    return s


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
        pos_sentence, pos_verdict = position_sentences(f.pos_correlation, f.sim_by_distance)
        label, p0 = f.top1[1], f.top1_prob
        return {
            "cnn_lesson": BY_ID["p1-01-cnn-locality"].number,
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
            "final_sentence": error_sentence(f.shift_error[2]),
            "top1_sentence": top1_sentence(label, p0, f.top1_prob_shifted, f.shifted_top1),
            "nopos_error": num.scientific(100 * f.nopos_shift_error),  # in percent, like the others
            "pos_sentence": pos_sentence,
            "pos_corr": dec(f.pos_correlation),
            "pos_verdict": pos_verdict,
            "uniform_px": num.decimal(f.uniform_distance, 0),
            "attn_sentence": attention_sentence(f.attention_distance, f.uniform_distance, f.local_heads),
        }

    def cues(self):
        return [self.hook, self.locality, self.sharing, self.equivariance, self.off_stride, self.vit_patch,
                self.vit_deep, self.vit_paper, self.learned_pos, self.learned_attn, self.trade, self.recap]

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
                                                ("the photo", f"rolled {check.shift_px} px right"))):
            img = PixelImage(pic, height=h)
            values = f.channel_norm if k == 0 else rolled_map
            hm = Heatmap(values, "viridis", 0.0, norm_max, label="channel norm", height=h)
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
        hm = Heatmap(diff, DIFF_CMAP, 0.0, vmax, label="max |Δ| over channels", height=h)
        box = cell_box(hm.image, rows, ncols, check.rows[0], check.rows[1], check.cols[0] - k, check.cols[1] - k)
        cap = wrapped(f"rolled map vs original moved {k} cell{'s' if k != 1 else ''}; interior cells boxed",
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
            cnn = self.card("CNN: built in", [("locality: each unit sees a small window", S.INK),
                                               ("weight sharing: one kernel everywhere", S.INK),
                                               ("translation equivariance: shift in, shift out", S.INK)],
                            right.width)
            vit = self.card("ViT: learned", [("built in: the patch cut and a per-token MLP", S.INK),
                                              ("the rest of the 2-D structure comes from data", S.INK)],
                            right.width, S.BLUE)
            panel = VGroup(cnn, vit).arrange(DOWN, buff=0.4)
            right.place(panel)
            self.play(FadeIn(photo), run_time=cue.share(0.1))
            self.play(FadeIn(cnn), run_time=cue.share(0.15))
            self.play(FadeIn(vit), run_time=cue.share(0.15))

    def locality(self):
        f = self.facts
        with self.narrate("locality") as cue:
            self.add(Heading("Prior 1: locality"))
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
                S.text(f"{f.cnn}, first two stages (random init)", S.BODY),
                S.text(f"{f.stage_convs} conv layers, total stride {f.stride} px", S.SMALL, S.MUTED),
                S.text(f"output map: {num.shape(*f.fmap_shape).screen}", S.SMALL, S.MUTED),
                S.text(f"one output cell (green): cells are {f.stride} px apart", S.SMALL, S.GREEN),
                S.text(f"sees {f.field} × {f.field} px (orange), nothing else", S.SMALL, S.ACCENT),
                S.text(f"receptive fields: lesson {self.values['cnn_lesson']}", S.TINY, S.MUTED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            right.place(lines, aligned=LEFT)
            self.play(FadeIn(photo), FadeIn(lines[0]), run_time=cue.share(0.15))
            self.play(FadeIn(lines[1]), FadeIn(lines[2]), run_time=cue.share(0.2))
            self.play(FadeIn(cell), FadeIn(lines[3]), run_time=cue.share(0.15))
            self.play(Create(field), FadeIn(lines[4]), FadeIn(lines[5]), run_time=cue.share(0.2))

    def sharing(self):
        f = self.facts
        v = self.values
        with self.narrate("sharing") as cue:
            self.add(Heading("Prior 2: weight sharing"))
            o, i, k, _ = f.stem_shape
            c, hh, ww = f.stem_out
            conv = VGroup(S.text(f"{f.cnn}.{f.stem_name}: one {k}×{k} kernel per output channel, slid everywhere",
                                 S.BODY),
                          tex(rf"\text{{weight }} {num.shape(o, i, k, k).tex}:\quad {o}\cdot{i}\cdot{k}\cdot{k}"
                              rf" = {v['stem_params'].tex}\ \text{{weights}}", S.BODY, S.GREEN)
                          ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            n_in = 3 * f.size * f.size
            dense = VGroup(S.text("a dense layer, every input value to every output value:", S.BODY),
                           tex(rf"({3}\cdot{f.size}\cdot{f.size}) \times ({c}\cdot{hh}\cdot{ww}) = "
                               rf"{num.integer(n_in).tex} \times {num.integer(c * hh * ww).tex}"
                               rf" \approx {v['stem_dense_billions'].tex}\ \text{{billion}}", S.BODY, S.RED)
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            ratio = S.text(f"{f.stem_dense / f.stem_params:,.0f} times more, for the same input and output shapes",
                           S.SMALL, S.MUTED)
            block = VGroup(conv, dense, ratio).arrange(DOWN, aligned_edge=LEFT, buff=0.6)
            L.MAIN.place(block, aligned=LEFT)
            self.play(FadeIn(conv[0]), run_time=cue.share(0.15))
            self.play(Write(conv[1]), run_time=cue.share(0.2))
            self.play(FadeIn(dense), run_time=cue.share(0.25))
            self.play(FadeIn(ratio), run_time=cue.share(0.1))

    def equivariance(self):
        f = self.facts
        check = f.on_stride
        with self.narrate("equivariance") as cue:
            self.add(Heading(f"Prior 3: roll the photo by one stride, {f.stride} px"))
            vmax = float(np.nanmax(np.concatenate([f.on_stride.diff_map[:, f.on_stride.cells:].ravel(),
                                                    f.off_stride.diff_map[:, f.off_stride.cells:].ravel()])))
            panels = self.shift_panels(check, self.rolled_picture(check.shift_px), vmax)
            result = tex(rf"\text{{interior cells: }}\max\,\lvert\Delta\rvert = {self.on_diff.tex}", S.BODY,
                         S.GREEN)
            note = S.text("roll: the columns that fall off the right come back on the left (red)", S.TINY, S.MUTED)
            foot = VGroup(result, note).arrange(RIGHT, buff=0.6)
            L.FOOTER.place(foot, aligned=LEFT)
            self.play(FadeIn(panels[0]), run_time=cue.share(0.12))
            self.play(FadeIn(panels[1]), FadeIn(note), run_time=cue.share(0.2))
            self.play(FadeIn(panels[2]), run_time=cue.share(0.25))
            self.play(Write(result), run_time=cue.share(0.12))

    def off_stride(self):
        f = self.facts
        check = f.off_stride
        v = self.values
        with self.narrate("off-stride") as cue:
            self.add(Heading(f"Roll by half a stride, {check.shift_px} px: the match breaks"))
            vmax = float(np.nanmax(np.concatenate([f.on_stride.diff_map[:, f.on_stride.cells:].ravel(),
                                                    f.off_stride.diff_map[:, f.off_stride.cells:].ravel()])))
            panels = self.shift_panels(check, self.rolled_picture(check.shift_px), vmax)
            result = tex(rf"\text{{interior cells: }}\max\,\lvert\Delta\rvert = {v['off_diff'].tex}"
                         rf"\quad(\max\,\lvert\text{{map}}\rvert = {v['off_scale'].tex})", S.BODY, S.RED)
            L.FOOTER.place(result, aligned=LEFT)
            self.play(FadeIn(panels[0]), FadeIn(panels[1]), run_time=cue.share(0.15))
            self.play(FadeIn(panels[2]), run_time=cue.share(0.25))
            self.play(Write(result), run_time=cue.share(0.15))

    def vit_patch(self):
        f, d = self.facts, self.dims
        v = self.values
        with self.narrate("vit-patch") as cue:
            self.add(Heading(f"The ViT, rolled by one patch: {d.P} px"))
            top = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.top - 1.2, L.MAIN.top)
            rest = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, L.MAIN.top - 1.35)
            eq = VGroup(
                S.text(f"patch embedding = a conv with a {d.P}×{d.P} kernel, stride {d.P}, shared by all patches",
                       S.SMALL),
                tex(rf"{num.shape(d.D, 3, d.P, d.P).tex} + {d.D} = {v['embed_params'].tex}\ \text{{weights}}"
                    rf"\qquad \text{{dense: }} \approx {v['embed_dense_billions'].tex}\ \text{{billion}}",
                    S.SMALL, S.GREEN)).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            top.place(eq, aligned=LEFT)
            cols = rest.columns(4, gutter=0.35)
            h = min(cols[0].width, rest.height - 0.6) * 0.92
            vmax = float(max(f.patch_norm.max(), f.rolled_patch_norm.max()))
            g0 = PhotoGrid(self.trace.picture, d.grid, height=h, line_width=0.8, line_opacity=0.5)
            g1 = PhotoGrid(self.rolled_picture(d.P), d.grid, height=h, line_width=0.8, line_opacity=0.5)
            m0 = Heatmap(f.patch_norm, "viridis", 0.0, vmax, label="embedding norm", height=h * 0.82)
            m1 = Heatmap(f.rolled_patch_norm, "viridis", 0.0, vmax, label="embedding norm", height=h * 0.82)
            wrapped_col = cell_box(m1.image, d.grid, d.grid, 0, d.grid - 1, 0, 0, S.RED)
            g1.add(self.wrapped_strip(g1.photo, d.P))
            items = [(g0, "the photo"), (m0, "its patch embeddings"), (g1, "rolled one patch"),
                     (Group(m1, wrapped_col), "rolled: one column right")]
            groups = Group()
            for col, (mob, cap) in zip(cols, items):
                grp = Group(S.text(cap, S.SMALL), mob).arrange(DOWN, buff=0.15)
                col.place(grp)
                groups.add(grp)
            result = tex(rf"\text{{patches that did not wrap: }}\max\,\lvert\Delta\rvert = {self.patch_diff.tex}",
                         S.BODY, S.GREEN)
            L.FOOTER.place(result, aligned=LEFT)
            self.play(FadeIn(eq), run_time=cue.share(0.25))
            self.play(FadeIn(groups[0]), FadeIn(groups[1]), run_time=cue.share(0.15))
            self.play(FadeIn(groups[2]), FadeIn(groups[3]), run_time=cue.share(0.2))
            self.play(Write(result), run_time=cue.share(0.12))

    def vit_deep(self):
        f, d = self.facts, self.dims
        v = self.values
        with self.narrate("vit-deep") as cue:
            self.add(Heading("After the position embeddings and the blocks: no longer a shift"))
            left, right = L.MAIN.split(0.42)
            err = f.final_token_error
            hm = Heatmap(err, "magma", 0.0, float(err.max()), label="relative difference", height=left.height - 0.9)
            cap = wrapped("final tokens: ‖rolled − original moved one column‖ / ‖original‖, per patch "
                          "(the wrapped column left out)", S.TINY, left.width)
            g = Group(cap, hm).arrange(DOWN, buff=0.2)
            left.place(g)
            rows = [("patch embedding", num.percent(f.shift_error[0]).screen, S.GREEN),
                    ("+ position embedding", num.percent(f.shift_error[1]).screen, S.ACCENT),
                    (f"final tokens, after {d.depth} blocks", num.percent(f.shift_error[2]).screen, S.ACCENT),
                    ("final tokens, positions left out", v["nopos_error"].screen + "%", S.GREEN)]
            table = VGroup(S.text("distance from a shifted copy (patches that did not wrap):", S.SMALL, S.MUTED))
            for name, val, color in rows:
                table.add(VGroup(S.text(name, S.SMALL), S.text(val, S.SMALL, color, mono=True)))
            w = max(r[0].width for r in table[1:]) + 0.4
            for r in table[1:]:
                r[1].next_to(r[0], RIGHT, buff=0.1).shift((w - r[0].width) * RIGHT)
            table.arrange(DOWN, aligned_edge=LEFT, buff=0.28)
            label, p0, p1 = f.top1[1], f.top1_prob, f.top1_prob_shifted
            pred = S.text(f"p({label}): {prob(p0).screen} → {prob(p1).screen}", S.BODY, S.ACCENT)
            if f.shifted_top1[1] != label:
                pred = S.text(f"top-1: {label} → {f.shifted_top1[1]}", S.BODY, S.ACCENT)
            panel = VGroup(table, pred).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(panel, aligned=LEFT)
            self.play(FadeIn(table[0]), FadeIn(table[1]), FadeIn(table[2]), run_time=cue.share(0.2))
            self.play(FadeIn(g), FadeIn(table[3]), run_time=cue.share(0.2))
            self.play(FadeIn(pred), run_time=cue.share(0.15))
            self.play(FadeIn(table[4]), run_time=cue.share(0.15))

    def vit_paper(self):
        with self.narrate("vit-paper") as cue:
            self.add(Heading("The ViT paper, on inductive bias"))
            w = L.MAIN.width - 1.0
            quotes = VGroup(
                wrapped("“Vision Transformer has much less image-specific inductive bias than CNNs.”", S.BODY, w),
                wrapped("“In ViT, only MLP layers are local and translationally equivariant, while the "
                        "self-attention layers are global.”", S.BODY, w),
                wrapped("“The two-dimensional neighborhood structure is used very sparingly”: cutting the image "
                        "into patches, and adjusting the position embeddings for a new resolution.", S.BODY, w,
                        S.ACCENT),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            L.MAIN.place(quotes)
            self.add(CitationCard(VIT_PAPER, "Section 3.1, Inductive bias"))
            for k, q in enumerate(quotes):
                self.play(FadeIn(q), run_time=cue.share(0.12 if k < 2 else 0.2))
                self.wait(cue.share(0.12))

    def learned_pos(self):
        f, d = self.facts, self.dims
        v = self.values
        centre = (d.grid // 2) * d.grid + d.grid // 2
        r, c = divmod(centre, d.grid)
        with self.narrate("learned-pos") as cue:
            learned = f.pos_correlation <= LEARNED_CORRELATION
            self.add(Heading("Learned, not built in: a grid in the position embeddings" if learned
                             else "The position embeddings: no grid here"))
            left, right = L.MAIN.split(0.4)
            tile = f.pos_similarity[centre].reshape(d.grid, d.grid)
            hm = Heatmap(tile, SIM_CMAP, -1.0, 1.0, label="cosine similarity", height=left.height - 1.0)
            mark = cell_box(hm.image, d.grid, d.grid, r, r, c, c, S.ACCENT)
            cap = S.text(f"position of patch (row {r}, col {c}) vs all {d.N}", S.SMALL)
            g = Group(cap, Group(hm, mark)).arrange(DOWN, buff=0.2)
            left.place(g)
            xs = [k for k, _ in f.sim_by_distance]
            ys = [s for _, s in f.sim_by_distance]
            ax, drawn = line_chart(xs, [(ys, S.ACCENT, False)], [0, xs[-1] + 1, 1], [-1, 1, 0.5],
                                   right.width - 1.4, right.height - 2.0, "grid distance (patches)",
                                   "mean similarity", list(range(0, xs[-1] + 1, 4)), [-1, -0.5, 0, 0.5, 1],
                                   "{:.1f}")
            corr = tex(rf"\text{{correlation(similarity, distance)}} = {v['pos_corr'].tex}", S.SMALL,
                       S.GREEN if learned else S.MUTED)
            chart = VGroup(ax, drawn)
            panel = VGroup(chart, corr).arrange(DOWN, buff=0.35)
            right.place(panel)
            self.play(FadeIn(g), run_time=cue.share(0.2))
            self.play(Create(ax), FadeIn(drawn[0]), run_time=cue.share(0.15))
            self.play(Create(drawn[1]), run_time=cue.share(0.2))
            self.play(Write(corr), run_time=cue.share(0.15))

    def learned_attn(self):
        f, d = self.facts, self.dims
        v = self.values
        mad = f.attention_distance  # (depth, H) pixels
        with self.narrate("learned-attn") as cue:
            self.add(Heading("Learned, not built in: heads that look locally" if f.local_heads
                             else "Mean attention distance by block"))
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
                                   "block", "mean attention distance (px)", x_ticks, y_ticks)
            chart = VGroup(ax, drawn)
            L.MAIN.place(chart, aligned=LEFT)
            key = VGroup(S.text("closest head of the block", S.SMALL, S.ACCENT),
                         S.text(f"average of its {d.H} heads", S.SMALL, S.BLUE),
                         S.text(f"even attention: {v['uniform_px'].screen} px", S.SMALL, S.MUTED),
                         S.text(f"half of that: {LOCAL_SHARE * f.uniform_distance:.0f} px", S.SMALL, S.GREEN),
                         S.text(f"heads under it: {len(f.local_heads)} of {mad.size}", S.BODY,
                                S.GREEN if f.local_heads else S.MUTED),
                         S.text(f"per head: lesson {v['heads_lesson']}", S.TINY, S.MUTED),
                         ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            key.next_to(chart, RIGHT, buff=0.5)
            L.MAIN.place(Group(chart, key))
            self.play(Create(ax), FadeIn(drawn[0]), run_time=cue.share(0.15))
            self.play(FadeIn(drawn[1][2]), FadeIn(key[2]), run_time=cue.share(0.15))
            self.play(Create(drawn[1][0]), Create(drawn[1][1]), FadeIn(key[0]), FadeIn(key[1]),
                      run_time=cue.share(0.2))
            self.play(FadeIn(drawn[1][3]), FadeIn(key[3]), FadeIn(key[4]), FadeIn(key[5]), run_time=cue.share(0.15))

    def trade(self):
        with self.narrate("trade") as cue:
            self.add(Heading("The trade"))
            below = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, L.MAIN.top - 0.2)  # clear of the heading
            cols = below.columns(2, gutter=0.7)
            built = self.card("built-in prior (CNN)", [("locality, weight sharing, equivariance: free", S.INK),
                                                       ("saves data: less to learn from examples", S.GREEN),
                                                       ("but fixed: a unit sees only its window", S.MUTED)],
                              cols[0].width)
            learned = self.card("learned structure (ViT)", [("2-D structure learned from examples", S.INK),
                                                            ("costs data", S.RED),
                                                            ("not locked in: near or far, as the data pays", S.GREEN)],
                                cols[1].width, S.BLUE)
            height = max(built[0].height, learned[0].height)
            for p_, col in zip((built, learned), cols):
                p_[0].stretch_to_fit_height(height)
                p_[1].align_to(p_[0], UP + LEFT).shift(0.3 * DOWN + 0.25 * RIGHT)
                col.place(p_, aligned=UP)
            rule = VGroup(S.text("little data: the built-in prior tends to win (tested in the previous lesson's experiment)",
                                 S.SMALL),
                          S.text("plenty of data: learned structure can fit more", S.SMALL, S.ACCENT)
                          ).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            rule.next_to(Group(built, learned), DOWN, buff=0.5).align_to(built, LEFT)
            self.play(FadeIn(built), run_time=cue.share(0.2))
            self.play(FadeIn(learned), run_time=cue.share(0.2))
            self.play(FadeIn(rule[0]), run_time=cue.share(0.15))
            self.play(FadeIn(rule[1]), FadeIn(CitationCard(VIT_PAPER, "Section 4.3, Figures 3 and 4")),
                      run_time=cue.share(0.15))

    def recap(self):
        with self.narrate("recap") as cue:
            take = wrapped("A CNN has its priors built in, which saves data; a ViT has almost none, and learns "
                           "its own (a grid of positions, heads that look locally) when it has the data.",
                           S.BODY, L.MAIN.width - 1.5)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            L.MAIN.place(VGroup(box, take))
            self.play(FadeIn(box), FadeIn(take), run_time=cue.share(0.25))
            self.play(FadeIn(NextLessonFooter(self.lesson, "local windows and hierarchy, brought back on purpose")),
                      run_time=cue.share(0.1))
