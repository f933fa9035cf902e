"""Phase 2, lesson 1: Slice the image like a contact sheet.

The model's view of the photo is cut into a grid of P x P patches, laid out as a contact sheet, numbered in
raster order; one patch's real pixel values become one row of the (N, 3 P^2) matrix; and the same cut is
shown as the model's own stride-P convolution. Every picture and number comes from the trace and from
vitmath's patch facts; each cue builds what it shows from them, so any cue can be previewed on its own.

    manim -ql scenes/p2_01_contact_sheet/scene.py ContactSheet
"""
from __future__ import annotations

import math

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Brace, Create, FadeIn, FadeOut, Group, LaggedStart,
                   ReplacementTransform, Square, SurroundingRectangle, VGroup, Write)
from PIL import Image

import vitmath
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter
from scenes.common.heatmaps import Heatmap
from scenes.common.matrices import MatrixImage
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PatchSheet, PhotoGrid
from scenes.common.pixel_image import PixelImage
from scenes.common.tokens import TokenStrip
from scenes.common.values import photo_description

VIT_PAPER = "Dosovitskiy et al. 2021, An Image is Worth 16x16 Words"
VIT_B_WIDTH = 768  # ViT-Base's hidden size D, ViT paper Table 1


def tinted(rgb: np.ndarray, channel: int) -> np.ndarray:
    """One colour channel of an image, shown in its own colour."""
    out = np.zeros_like(rgb)
    out[..., channel] = rgb[..., channel]
    return out


def channel_tinted(rows: np.ndarray) -> np.ndarray:
    """Flattened patches (N, 3 P^2), channel-major: each third of the columns drawn in its channel's colour."""
    per = rows.shape[1] // 3
    rgb = np.zeros(rows.shape + (3,), dtype=np.uint8)
    for k in range(3):
        rgb[:, k * per:(k + 1) * per, k] = rows[:, k * per:(k + 1) * per]
    return rgb


class ContactSheet(NarratedScene):

    def extra_values(self):
        t, d = self.trace, self.trace.dims
        self.facts = f = vitmath.cached_patch_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        size = int(t.input.shape[-1])
        pixels = size * size
        pixel_pairs, patch_pairs = (pixels + 1) ** 2, d.T ** 2
        peak = int(np.asarray(f.feature_map).argmax())
        lo, hi = f.input_range
        width_note = (f"And {d.P * d.P * 3} equals ViT-Base's width of {VIT_B_WIDTH} only by coincidence: "
                      f"{d.P} times {d.P} times 3 happens to be the same number."
                      if d.P * d.P * 3 == VIT_B_WIDTH else "")
        return {
            "example_index": f.example_patch,
            "example_row": f.example_patch // d.grid,
            "example_col": f.example_patch % d.grid,
            "last_row_first": d.N - d.grid,
            "photo_description": photo_description(self.inputs.image),
            "resize_side": self.resize_side(),
            "crop_percent": num.percent(f.crop_pct),
            "pixel_tokens": num.integer(pixels),
            "pixel_pairs": f"{pixel_pairs / 1e9:.1f} billion" if pixel_pairs >= 1e9 else num.integer(pixel_pairs),
            "patch_pairs": num.integer(patch_pairs),
            "pair_ratio": num.integer(round(pixel_pairs / patch_pairs)),
            "norm_mean": self.stat_words(f.mean),
            "norm_std": self.stat_words(f.std),
            "range_low": num.decimal(lo, 1 if abs(lo - round(lo)) > 1e-6 else 0),
            "range_high": num.decimal(hi, 1 if abs(hi - round(hi)) > 1e-6 else 0),
            "wrong_order_diff": num.decimal(f.wrong_order_diff, 1),
            "num_tokens": d.T,
            "width_note": width_note,
            "filter0_peak": f"{peak}, in row {peak // d.grid} and column {peak % d.grid}",
            "conv_max_diff": num.scientific(f.max_abs_diff),
        }

    def resize_side(self) -> int:
        """The short side after timm's resize: the crop size divided by the crop fraction, rounded down."""
        return math.floor(int(self.trace.input.shape[-1]) / self.facts.crop_pct)

    @staticmethod
    def stat_words(stat) -> str:
        """A per-channel statistic, spoken once when all channels share it."""
        values = [f"{v:.3f}".rstrip("0").rstrip(".") for v in stat]
        return values[0] if len(set(values)) == 1 else "about " + ", ".join(values[:2]) + " and " + values[2]

    # ------------------------------------------------------------------ what the cues share
    def photo_grid(self, height: float = 5.8, lines: bool = True) -> PhotoGrid:
        """The model's view with its patch grid, always at the same place: the left of the frame."""
        g = PhotoGrid(self.trace.picture, self.dims.grid, height=height, patch_pixels=self.trace.patch_pixels)
        L.LEFT.place(g, aligned=LEFT)
        if not lines:
            g.remove(g.lines)
        return g

    def sheet(self) -> PatchSheet:
        s = PatchSheet(self.trace.patch_pixels, self.dims.grid, height=L.MAIN.height)
        return L.LEFT.place(s, aligned=LEFT)

    def cues(self):
        return [self.hook, self.photo, self.channels, self.grid, self.why_patches, self.lift, self.raster,
                    self.set_not_list, self.where, self.zoom, self.flatten, self.order, self.matrix, self.not_yet,
                    self.conv, self.conv_equal, self.recap]

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.2)
            photo = PixelImage(self.trace.picture, height=4.6)
            L.LEFT.place(photo)
            photo.shift(1.2 * LEFT)
            grid_l = S.text("a grid of pixels", S.BODY, S.MUTED).next_to(photo, DOWN, buff=0.3)
            self.play(FadeIn(photo), FadeIn(grid_l), run_time=cue.share(0.1))
            strip = TokenStrip(self.trace.patch_pixels, show=(4, 2), height=1.0, width=L.RIGHT.width)
            L.RIGHT.place(strip)
            seq_l = S.text("a sequence of tokens", S.BODY, S.MUTED).next_to(strip, DOWN, buff=0.5)
            arrow = Arrow(photo.get_right(), strip.get_left(), buff=0.3, color=S.ACCENT)
            self.play(Create(arrow), LaggedStart(*[FadeIn(m, shift=0.2 * RIGHT) for m in strip], lag_ratio=0.1),
                      FadeIn(seq_l), run_time=cue.share(0.3))

    def photo(self):
        with self.narrate("photo") as cue:
            self.add(Heading("What the model sees"))
            original = np.asarray(Image.open(self.photo_path()).convert("RGB"))
            h, w = original.shape[:2]
            left, right = L.MAIN.split(0.5)
            shown = PixelImage(original, height=min(left.height - 0.8, left.width * h / w))
            left.place(shown)
            file_l = S.text(f"the file: {w} × {h} px", S.SMALL, S.MUTED).next_to(shown, DOWN, buff=0.2)
            self.play(FadeIn(shown), FadeIn(file_l), run_time=cue.share(0.12))
            # timm resizes the short side to resize_side, then centre-crops size x size: in file pixels, a
            # centred square of side size / scale.
            scale = self.resize_side() / min(h, w)
            side = self.size / scale * shown.height / h
            crop = Square(side, color=S.ACCENT, stroke_width=5).move_to(shown)
            crop_l = S.text(f"centre crop: {self.values['crop_percent'].screen} of the resized side",
                            S.SMALL, S.ACCENT).next_to(shown, UP, buff=0.2)
            self.play(Create(crop), FadeIn(crop_l), run_time=cue.share(0.2))
            view = PixelImage(self.trace.picture, height=shown.height)
            right.place(view)
            view_l = S.text(f"the model's view: {self.size} × {self.size} px", S.SMALL).next_to(view, DOWN, buff=0.2)
            arrow = Arrow(shown.get_right(), view.get_left(), buff=0.2, color=S.ACCENT)
            self.play(Create(arrow), FadeIn(view), FadeIn(view_l), run_time=cue.share(0.2))

    def photo_path(self):
        from vitmath.sources import resolve_image

        return resolve_image(self.inputs.image)

    def channels(self):
        with self.narrate("channels") as cue:
            self.add(Heading("Three numbers per pixel"))
            photo = PixelImage(self.trace.picture, height=4.2)
            L.LEFT.place(photo, aligned=LEFT)
            photo.shift(0.5 * DOWN)
            top = Brace(photo, UP, color=S.MUTED)
            top_l = S.text(f"{self.size} px", S.SMALL).next_to(top, UP, buff=0.1)
            side = Brace(photo, RIGHT, color=S.MUTED)
            side_l = S.text(f"{self.size} px", S.SMALL).next_to(side, RIGHT, buff=0.1)
            self.play(FadeIn(photo), Create(top), Write(top_l), Create(side), Write(side_l),
                      run_time=cue.share(0.2))
            planes = Group(*[PixelImage(tinted(self.trace.picture, k), height=1.9) for k in range(3)])
            planes.arrange(RIGHT, buff=0.3)
            names = VGroup(*[S.text(n, S.BODY, S.CHANNEL_COLORS[k]).next_to(planes[k], UP, buff=0.15)
                             for k, n in enumerate(("red", "green", "blue"))])
            total = num.integer(3 * self.size ** 2)
            count = tex(rf"{self.size} \times {self.size} \times 3 = {total.tex}", S.HEADING)
            panel = Group(Group(names, planes), count).arrange(DOWN, buff=0.6)
            L.RIGHT.place(panel)
            self.play(LaggedStart(*[FadeIn(p, shift=0.3 * RIGHT) for p in planes], lag_ratio=0.3),
                      FadeIn(names), run_time=cue.share(0.3))
            self.play(Write(count), run_time=cue.share(0.2))

    def grid(self):
        with self.narrate("grid") as cue:
            g = self.photo_grid()
            self.add(g.photo)
            self.play(LaggedStart(*[Create(line) for line in g.lines], lag_ratio=0.05), run_time=cue.share(0.3))
            d = self.dims
            math_ = VGroup(tex(rf"{self.size} \div {d.P} = {d.grid}", S.HEADING),
                           tex(rf"{d.grid} \times {d.grid} = {d.N}\ \text{{patches}}", S.HEADING))
            math_.arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            one_l = S.text(f"one patch: {d.P} × {d.P} px", S.BODY, S.ACCENT)
            panel = VGroup(math_, one_l).arrange(DOWN, aligned_edge=LEFT, buff=0.8)
            L.RIGHT.place(panel)
            self.play(Write(math_[0]), run_time=cue.share(0.15))
            self.play(Write(math_[1]), run_time=cue.share(0.15))
            self.play(Create(g.cell_square(0)), FadeIn(one_l), run_time=cue.share(0.1))

    def why_patches(self):
        d = self.dims
        with self.narrate("why-patches") as cue:
            self.add(Heading("Why patches, not pixels"))
            pixels = self.size ** 2
            rows = VGroup(
                S.text("one token per pixel", S.BODY, S.MUTED),
                tex(rf"{num.integer(pixels + 1).tex}^2 \approx {num.scientific((pixels + 1) ** 2, 1).tex}"
                    r"\ \text{scores per head}", S.HEADING, S.RED),
                S.text("one token per patch (+1)", S.BODY, S.MUTED),
                tex(rf"{d.T}^2 = {num.integer(d.T ** 2).tex}\ \text{{scores per head}}", S.HEADING, S.GREEN),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            rows[2].shift(0.4 * DOWN)
            rows[3].shift(0.4 * DOWN)
            L.MAIN.place(rows)
            rows.shift(0.3 * UP)
            self.play(FadeIn(rows[0]), Write(rows[1]), run_time=cue.share(0.35))
            self.play(FadeIn(rows[2]), Write(rows[3]), run_time=cue.share(0.3))
            ratio = S.text(f"{self.values['pair_ratio'].screen} × fewer scores", S.HEADING, S.ACCENT)
            L.FOOTER.place(ratio)
            ratio.shift(0.4 * UP)
            self.play(FadeIn(ratio, shift=0.2 * UP), run_time=cue.share(0.1))

    def lift(self):
        g = self.photo_grid(lines=False)
        patches = g.patch_images()
        self.add(patches)
        sheet = self.sheet()
        with self.narrate("lift") as cue:
            self.play(LaggedStart(*[m.animate.scale_to_fit_height(t.height).move_to(t)
                                    for m, t in zip(patches, sheet.patches)], lag_ratio=0.01),
                      run_time=cue.share(0.6))
            note = S.text("each patch keeps its own pixels", S.BODY, S.MUTED)
            L.RIGHT.place(note)
            self.play(FadeIn(note), run_time=cue.share(0.1))

    def raster(self):
        d = self.dims
        sheet = self.sheet()
        self.add(sheet)
        with self.narrate("raster") as cue:
            labels = sheet.index_labels(font_size=12)
            walker = SurroundingRectangle(sheet.patches[0], color=S.ACCENT, buff=0.02, stroke_width=4)
            self.play(Create(walker), FadeIn(labels[0]), run_time=cue.share(0.05))
            steps = 2 * d.grid
            for i in range(1, steps):
                self.play(walker.animate.move_to(sheet.patches[i]), FadeIn(labels[i]),
                          run_time=cue.share(0.3) / steps)
            self.play(LaggedStart(*[FadeIn(n) for n in labels[steps:]], lag_ratio=0.02),
                      walker.animate.move_to(sheet.patches[d.N - 1]), run_time=cue.share(0.2))
            legend = VGroup(S.text("raster order", S.HEADING, S.ACCENT),
                            S.text("left → right, top → bottom", S.BODY),
                            tex(rf"0,\ 1,\ 2,\ \dots,\ {d.N - 1}", S.HEADING),
                            S.text(f"{d.N} patches", S.BODY)).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            L.RIGHT.place(legend)
            self.play(FadeIn(legend, shift=0.2 * LEFT), run_time=cue.share(0.15))

    def set_not_list(self):
        with self.narrate("set") as cue:
            self.add(Heading("A set with numbered slots"))
            strip = TokenStrip(self.trace.patch_pixels, cls=True, show=(5, 2), position_tags=True, height=1.0,
                               width=L.MAIN.width)
            L.MAIN.place(strip)
            strip.shift(0.8 * UP)
            self.play(FadeIn(strip), run_time=cue.share(0.2))
            note = CaveatNote("attention gives the same result for any order of the tokens (it is "
                              "permutation-equivariant); the order only matters because slot i always gets "
                              "position embedding i (slot 0 is the CLS token's)", width=9.5)
            note.next_to(strip, DOWN, buff=0.8)
            self.play(FadeIn(note), run_time=cue.share(0.2))

    def where(self):
        d, i = self.dims, self.facts.example_patch
        r, c = divmod(i, d.grid)
        sheet = self.sheet()
        labels = sheet.index_labels(font_size=12)
        self.add(sheet, labels)
        with self.narrate("where") as cue:
            box = SurroundingRectangle(sheet.patches[i], color=S.ACCENT, buff=0.03, stroke_width=5)
            self.play(Create(box), run_time=cue.share(0.1))
            eqs = VGroup(tex(rf"\text{{patch}}\ {i}", S.HEADING, S.ACCENT),
                         tex(rf"\text{{row}} = \lfloor {i} / {d.grid} \rfloor = {r}", S.HEADING),
                         tex(rf"\text{{column}} = {i} \bmod {d.grid} = {c}", S.HEADING),
                         ).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            bottom_l = S.text(f"bottom row: {d.N - d.grid} … {d.N - 1}", S.BODY, S.BLUE)
            panel = VGroup(eqs, bottom_l).arrange(DOWN, aligned_edge=LEFT, buff=0.8)
            L.RIGHT.place(panel)
            self.play(Write(eqs), run_time=cue.share(0.35))
            bottom = SurroundingRectangle(Group(*sheet.patches[d.N - d.grid:]), color=S.BLUE, buff=0.04)
            self.play(Create(bottom), FadeIn(bottom_l), run_time=cue.share(0.2))

    def zoom(self):
        d, i = self.dims, self.facts.example_patch
        px = self.trace.patch_pixels[i]
        with self.narrate("zoom") as cue:
            big = PixelImage(px, height=L.MAIN.height - 0.6)
            L.LEFT.place(big, aligned=LEFT)
            title = S.text(f"patch {i}: {d.P} × {d.P} pixels", S.BODY).next_to(big, UP, buff=0.15)
            self.play(FadeIn(big), FadeIn(title), run_time=cue.share(0.2))
            cell = big.height / d.P
            ul = big.get_corner(UP + LEFT)
            rule = S.text("chosen by a rule: the patch whose pixels vary most", S.SMALL, S.MUTED)
            rows = VGroup()
            for col in range(4):
                rgb = px[0, col]
                swatch = Square(0.45, fill_color="#%02x%02x%02x" % tuple(int(v) for v in rgb), fill_opacity=1,
                                stroke_width=1, stroke_color=S.MUTED)
                vals = S.text(f"({rgb[0]:3d}, {rgb[1]:3d}, {rgb[2]:3d})", S.BODY, mono=True)
                rows.add(VGroup(swatch, vals).arrange(RIGHT, buff=0.3))
            rows.arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            head = S.text("row 0, columns 0 … 3: (R, G, B)", S.SMALL, S.MUTED)
            panel = VGroup(rule, head, rows).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            L.RIGHT.place(panel)
            marks = VGroup(*[Square(cell, color=S.ACCENT, stroke_width=3).move_to(ul + [(k + 0.5) * cell,
                                                                                       -0.5 * cell, 0])
                             for k in range(4)])
            self.play(FadeIn(rule), run_time=cue.share(0.15))
            self.play(Create(marks), FadeIn(head),
                      LaggedStart(*[FadeIn(r, shift=0.2 * LEFT) for r in rows], lag_ratio=0.3),
                      run_time=cue.share(0.35))

    def flat_strip(self, flat: np.ndarray, width: float, height: float = 0.5) -> PixelImage:
        """A flattened patch (3 P^2,) as a strip, each value drawn in its channel's colour."""
        return PixelImage(channel_tinted(flat[None, :]), height=height, width=width)

    def flatten(self):
        d, i, f = self.dims, self.facts.example_patch, self.facts
        px = self.trace.patch_pixels[i]
        flat = f.pixel_rows[i]
        with self.narrate("flatten") as cue:
            planes = Group(*[PixelImage(tinted(px, k), height=2.0) for k in range(3)]).arrange(RIGHT, buff=0.6)
            names = VGroup(*[S.text(n, S.BODY, S.CHANNEL_COLORS[k]).next_to(planes[k], UP, buff=0.15)
                             for k, n in enumerate(("red", "green", "blue"))])
            top = Group(planes, names)
            L.MAIN.place(top, aligned=UP)
            self.play(FadeIn(top), run_time=cue.share(0.12))
            strip = self.flat_strip(flat, L.MAIN.width)
            strip.move_to([L.MAIN.center[0], 0.1, 0])
            # Each plane's rows slide into place: red rows 0..P-1, then green, then blue.
            per = d.P * d.P
            thirds = Group(*[PixelImage(channel_tinted(flat[None, :])[:, k * per:(k + 1) * per], height=0.5,
                                        width=strip.width / 3) for k in range(3)]).arrange(RIGHT, buff=0)
            thirds.move_to(strip)
            self.play(*[ReplacementTransform(planes[k].copy(), thirds[k]) for k in range(3)],
                      run_time=cue.share(0.3))
            brace = Brace(thirds, DOWN, color=S.MUTED)
            n_label = tex(rf"{d.P} \times {d.P} \times 3 = {flat.size}\ \text{{numbers}}").next_to(brace, DOWN, 0.15)
            shown = ", ".join(str(v) for v in flat[:6].tolist()) + ", …, " + ", ".join(
                str(v) for v in flat[-3:].tolist())
            values = S.text(f"[ {shown} ]", S.SMALL, mono=True).next_to(n_label, DOWN, buff=0.2)
            self.play(Create(brace), Write(n_label), FadeIn(values), run_time=cue.share(0.18))
            lo, hi = self.values["range_low"], self.values["range_high"]
            mean, std = self.values["norm_mean"], self.values["norm_std"]
            norm = tex(rf"x \mapsto \frac{{x/255 - {mean}}}{{{std}}} \in [{lo.tex},\ {hi.tex}]"
                       if "about" not in mean else rf"x \mapsto \frac{{x/255 - \mu_c}}{{\sigma_c}} \in "
                       rf"[{lo.tex},\ {hi.tex}]", S.BODY, S.INK)
            src = S.text("the model's own preprocessing (timm data config)", S.SMALL, S.MUTED)
            normg = VGroup(norm, src).arrange(RIGHT, buff=0.4)
            L.FOOTER.place(normg)
            self.play(FadeIn(normg), run_time=cue.share(0.12))

    def order(self):
        i, f = self.facts.example_patch, self.facts
        px = self.trace.patch_pixels[i]
        with self.narrate("order") as cue:
            self.add(Heading("Which order? The one the weights expect"))
            chw = self.flat_strip(f.pixel_rows[i], L.MAIN.width - 3.2)
            # The same values read pixel by pixel: (y, x, channel), coloured by channel.
            hwc_vals = px.reshape(-1)
            colours = np.zeros((1, hwc_vals.size, 3), dtype=np.uint8)
            colours[0, np.arange(hwc_vals.size), np.arange(hwc_vals.size) % 3] = hwc_vals
            hwc = PixelImage(colours, height=0.5, width=chw.width)
            a_l = S.text("channel first (C, P, P)", S.SMALL, S.GREEN)
            b_l = S.text("pixel first (P, P, C)", S.SMALL, S.BLUE)
            a_n = S.text("timm's Conv2d weights (D, 3, P, P)", S.TINY, S.MUTED)
            b_n = S.text("the paper's H × W × C layout, Google's JAX code", S.TINY, S.MUTED)
            rows = Group(Group(a_l, chw, a_n).arrange(DOWN, buff=0.15),
                         Group(b_l, hwc, b_n).arrange(DOWN, buff=0.15)).arrange(DOWN, buff=0.7)
            L.MAIN.place(rows, aligned=UP)
            rows.shift(0.2 * DOWN)
            self.play(FadeIn(rows[0]), run_time=cue.share(0.2))
            self.play(FadeIn(rows[1]), run_time=cue.share(0.2))
            check = tex(rf"\max\,\lvert E\,p_{{(P,P,C)}} - E\,p_{{(C,P,P)}} \rvert = "
                        rf"{self.values['wrong_order_diff'].tex}", S.BODY, S.RED)
            note = S.text("with this model's weights: the wrong order gives different tokens", S.SMALL, S.MUTED)
            VGroup(check, note).arrange(DOWN, buff=0.2).next_to(rows, DOWN, buff=0.5)
            self.play(Write(check), FadeIn(note), run_time=cue.share(0.3))
            self.add(CitationCard(VIT_PAPER, "Sec. 3.1, Eq. 1"))

    def matrix(self):
        d, i = self.dims, self.facts.example_patch
        rows = self.facts.pixel_rows
        per = d.P * d.P
        with self.narrate("matrix") as cue:
            mat = MatrixImage(channel_tinted(rows), height=L.MAIN.height - 1.6, width=L.MAIN.width - 6.5,
                              row_label="{n} patches", col_label=f"{{n}} values: {per} red, {per} green, {per} blue")
            L.MAIN.place(mat)
            self.play(FadeIn(mat), run_time=cue.share(0.25))
            self.play(Create(mat.highlight_row(i)), FadeIn(mat.row_marker(i, f"patch {i}")),
                      run_time=cue.share(0.2))
            total = num.integer(rows.size)
            arith = tex(rf"{d.N} \times {rows.shape[1]} = {total.tex} = {self.size} \times {self.size} \times 3",
                        S.BODY, S.GREEN)
            L.FOOTER.place(arith)
            self.play(Write(arith), run_time=cue.share(0.3))

    def not_yet(self):
        d = self.dims
        with self.narrate("not-yet") as cue:
            self.add(Heading("Not yet what the blocks read"))
            left, right = L.MAIN.split(0.5, gutter=1.2)
            raw = MatrixImage(channel_tinted(self.facts.pixel_rows), height=3.6, width=3.6,
                              row_label="{n} patches", col_label="{n} pixel values")
            left.place(raw)
            x0 = np.asarray(self.trace.x0)
            # A few large entries would wash the rest to grey: the scale stops at the 99th percentile of |x|,
            # and the colour bar says so.
            clip = float(np.percentile(np.abs(x0), 99))
            tokens = MatrixImage(x0, height=3.6, width=3.0, row_label="{n} tokens", col_label="width {n}",
                                 vmin=-clip, vmax=clip, colorbar=True, colorbar_label="value (99% within)")
            right.place(tokens)
            arrow = Arrow(raw.image.get_right(), tokens.row_text.get_left(), buff=0.25, color=S.ACCENT)
            steps = S.text(f"project each row to width {d.D}  ·  put CLS in front  ·  add positions", S.BODY,
                           S.ACCENT)
            L.MAIN.place(steps, aligned=UP)
            Group(raw, tokens, arrow).shift(0.35 * DOWN)
            self.play(FadeIn(raw), run_time=cue.share(0.15))
            self.play(Create(arrow), FadeIn(steps), FadeIn(tokens), run_time=cue.share(0.35))
            if d.P * d.P * 3 == VIT_B_WIDTH:
                self.add(CitationCard(VIT_PAPER, "Table 1", f"ViT-Base: D = {VIT_B_WIDTH}"))

    def conv(self):
        d = self.dims
        f = self.facts
        with self.narrate("conv") as cue:
            g = self.photo_grid(height=5.0)
            layer = S.text(f.layer, S.SMALL, S.ACCENT, mono=True)
            L.TITLE.place(layer, aligned=LEFT)
            self.play(FadeIn(g), FadeIn(layer), run_time=cue.share(0.08))
            fmap = Heatmap(np.asarray(f.feature_map), "magma", label="filter 0 output", height=4.4)
            L.RIGHT.place(fmap)
            cover = VGroup(*[Square(fmap.image.height / d.grid, stroke_width=0.5, stroke_color=S.MUTED,
                                    fill_color=S.BACKGROUND, fill_opacity=1).move_to(fmap.cell_center(k))
                             for k in range(d.N)])
            out_l = S.text(f"{d.grid} × {d.grid} outputs of filter 0", S.SMALL).next_to(fmap.image, DOWN, buff=0.2)
            self.add(fmap, cover)
            window = g.window(0)
            stride_l = S.text(f"kernel {d.P} × {d.P}, stride {d.P}: no overlap, no gaps", S.SMALL)
            stride_l.next_to(g, DOWN, buff=0.15, aligned_edge=LEFT)
            self.play(Create(window), FadeIn(out_l), FadeIn(stride_l), run_time=cue.share(0.08))
            for c in range(d.grid):
                self.play(window.animate.move_to(g.cell_center(c)), FadeOut(cover[c]),
                          run_time=cue.share(0.25) / d.grid)
            self.play(LaggedStart(*[FadeOut(cover[k]) for k in range(d.grid, d.N)], lag_ratio=0.02),
                      window.animate.move_to(g.cell_center(d.N - 1)), run_time=cue.share(0.25))
            peak = int(np.asarray(f.feature_map).argmax())
            self.play(Create(SurroundingRectangle(Square(fmap.image.height / d.grid).move_to(
                fmap.cell_center(peak)), color=S.GREEN, buff=0)), Create(g.cell_square(peak, S.GREEN)),
                run_time=cue.share(0.1))

    def conv_equal(self):
        d = self.dims
        with self.narrate("conv-equal") as cue:
            self.add(Heading("One convolution = cut + one matrix product"))
            w = tex(rf"W:\ ({d.D},\ 3,\ {d.P},\ {d.P}) \;\longrightarrow\; ({d.D},\ {3 * d.P * d.P})", S.HEADING)
            eq = tex(rf"\mathrm{{conv}}(x)[:,\, r,\, c] = W_{{\text{{flat}}}}\, p_{{{d.grid} r + c}} + b", S.HEADING)
            check = tex(rf"\max\,\lvert \mathrm{{conv}} - \mathrm{{matmul}} \rvert = "
                        rf"{self.values['conv_max_diff'].tex}", S.HEADING, S.GREEN)
            note = S.text(f"measured on this photo: all {d.N} patches × {d.D} filters", S.SMALL, S.MUTED)
            block = VGroup(w, eq, check, note).arrange(DOWN, buff=0.55)
            L.MAIN.place(block)
            self.play(Write(w), run_time=cue.share(0.25))
            self.play(Write(eq), run_time=cue.share(0.25))
            self.play(Write(check), FadeIn(note), run_time=cue.share(0.25))

    def recap(self):
        d = self.dims
        with self.narrate("recap") as cue:
            photo = PixelImage(self.trace.picture, height=3.2)
            sheet = PatchSheet(self.trace.patch_pixels, d.grid, height=3.2)
            mat = PixelImage(channel_tinted(self.facts.pixel_rows), height=3.2, width=3.4)
            steps = Group(photo, sheet, mat).arrange(RIGHT, buff=1.4)
            L.MAIN.place(steps)
            steps.shift(0.7 * UP)
            arrows = VGroup(Arrow(photo.get_right(), sheet.get_left(), color=S.ACCENT),
                            Arrow(sheet.get_right(), mat.get_left(), color=S.ACCENT))
            caps = VGroup(S.text(f"{self.size} × {self.size} × 3", S.BODY),
                          S.text(f"{d.N} patches of {d.P} × {d.P}", S.BODY),
                          S.text(num.shape(d.N, 3 * d.P * d.P).screen, S.BODY))
            for cap, m in zip(caps, steps):
                cap.next_to(m, DOWN, buff=0.3)
            self.play(FadeIn(photo), FadeIn(caps[0]), run_time=cue.share(0.1))
            self.play(Create(arrows[0]), FadeIn(sheet), FadeIn(caps[1]), run_time=cue.share(0.15))
            self.play(Create(arrows[1]), FadeIn(mat), FadeIn(caps[2]), run_time=cue.share(0.15))
            words = S.text(f"{d.N} words, each {d.P} × {d.P} pixels", S.HEADING, S.ACCENT)
            words.next_to(caps, DOWN, buff=0.35)
            self.play(FadeIn(words), run_time=cue.share(0.15))
            self.play(FadeIn(NextLessonFooter(self.lesson, "project each row, add positions, put CLS in front")),
                      run_time=cue.share(0.1))
