"""Phase 2, lesson 1: Slice the image like a contact sheet.

The model's view of the photo is cut into a grid of P x P patches, laid out as a contact sheet, numbered in
raster order; one patch's real pixel values become one row of the (N, 3 P^2) matrix; and the same cut is
shown as the model's own stride-P convolution. Every picture and number comes from the trace and from
vitmath's patch facts; each cue builds what it shows from them, so any cue can be previewed on its own.

This is the template lesson. Its three habits:
- every word on screen comes from script.toml (`self.words("name")`), so Python holds numbers only;
- each animation starts when the voice reaches the phrase it shows (`cue.until("mark")` for a `{@mark}` in
  the cue's text) and runs for the rest of that clause;
- things are placed by layout region (`L.LEFT.place(...)`), or next to each other, never at coordinates.

    manim -ql scenes/p2_01_contact_sheet/scene.py ContactSheet
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Brace, Create, FadeIn, FadeOut, Group, LaggedStart,
                   ReplacementTransform, Square, SurroundingRectangle, VGroup, Write)
from PIL import Image

import vitmath
from narration.script import Choice
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
from scenes.common.values import is_course_photo

VIT_B_WIDTH = 768  # ViT-Base's hidden size D, ViT paper Table 1

# The keys this lesson may give each [choice.*] table of its script (`vitlessons list` checks they match).
CHOICES = {
    "photo_description": ("course", "yours"),
    "norm_mean": ("same", "per_channel"),
    "norm_std": ("same", "per_channel"),
    "width_note": ("coincidence", "other"),
}


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


def _places(v: float, most: int = 3) -> int:
    """The fewest decimals (up to `most`) that write `v` as it is rounded to `most`: 0.5, not 0.500."""
    text = f"{v:.{most}f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def channel_stat(stat) -> Choice:
    """A per-channel statistic of the preprocessing: one value when all channels share it, else all three."""
    values = [num.decimal(v, _places(v)) for v in stat]
    if len(set(values)) == 1:
        return Choice("same", value=values[0])
    return Choice("per_channel", r=values[0], g=values[1], b=values[2])


class ContactSheet(NarratedScene):

    def extra_values(self):
        t, d = self.trace, self.trace.dims
        self.facts = f = vitmath.cached_patch_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        size = int(t.input.shape[-1])
        pixels = size * size
        pixel_pairs, patch_pairs = (pixels + 1) ** 2, d.T ** 2
        peak = int(np.asarray(f.feature_map).argmax())
        lo, hi = f.input_range
        image = self.inputs.image
        return {
            "example_index": f.example_patch,
            "example_row": f.example_patch // d.grid,
            "example_col": f.example_patch % d.grid,
            "last_row_first": d.N - d.grid,
            "photo_description": Choice("course") if is_course_photo(image) else
            Choice("yours", photo_name=Path(image).name),
            "resize_side": self.resize_side(),
            "crop_percent": num.percent(f.crop_pct),
            "pixel_tokens": num.integer(pixels),
            "pixel_pairs": num.count(pixel_pairs),
            "patch_pairs": num.integer(patch_pairs),
            "pair_ratio": num.integer(round(pixel_pairs / patch_pairs)),
            "norm_mean": channel_stat(f.mean),
            "norm_std": channel_stat(f.std),
            "range_low": num.decimal(lo, 1 if abs(lo - round(lo)) > 1e-6 else 0),
            "range_high": num.decimal(hi, 1 if abs(hi - round(hi)) > 1e-6 else 0),
            "wrong_order_diff": num.decimal(f.wrong_order_diff, 1),
            "num_tokens": d.T,
            "vit_b_width": VIT_B_WIDTH,
            "width_note": Choice("coincidence" if d.P * d.P * 3 == VIT_B_WIDTH else "other"),
            "filter0_peak": peak,
            "filter0_row": peak // d.grid,
            "filter0_col": peak % d.grid,
            "conv_max_diff": num.scientific(f.max_abs_diff),
        }

    def resize_side(self) -> int:
        """The short side after timm's resize: the crop size divided by the crop fraction, rounded down."""
        return math.floor(int(self.trace.input.shape[-1]) / self.facts.crop_pct)

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

    def channel_names(self, planes) -> VGroup:
        """"red", "green", "blue" above the three planes, each in its colour."""
        return VGroup(*[S.text(self.words(name), S.BODY, S.CHANNEL_COLORS[k]).next_to(planes[k], UP, buff=0.15)
                        for k, name in enumerate(("red", "green", "blue"))])

    def cues(self):
        return [self.hook, self.photo, self.channels, self.grid, self.why_patches, self.lift, self.raster,
                self.set_not_list, self.where, self.zoom, self.flatten, self.order, self.matrix, self.not_yet,
                self.conv, self.conv_equal, self.recap]

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.2)
            photo = L.LEFT.place(PixelImage(self.trace.picture, height=4.6), aligned=LEFT)
            grid_l = S.text(self.words("pixels"), S.BODY, S.MUTED).next_to(photo, DOWN, buff=0.3)
            self.play(FadeIn(photo), FadeIn(grid_l), run_time=cue.until("photo"))
            strip = L.RIGHT.place(TokenStrip(self.trace.patch_pixels, show=(4, 2), height=1.0, width=L.RIGHT.width))
            seq_l = S.text(self.words("tokens"), S.BODY, S.MUTED).next_to(strip, DOWN, buff=0.5)
            arrow = Arrow(photo.get_right(), strip.get_left(), buff=0.3, color=S.ACCENT)
            self.play(Create(arrow), LaggedStart(*[FadeIn(m, shift=0.2 * RIGHT) for m in strip], lag_ratio=0.1),
                      FadeIn(seq_l), run_time=cue.until("list"))

    def photo(self):
        with self.narrate("photo") as cue:
            self.add(Heading(self.words("heading")))
            original = np.asarray(Image.open(self.photo_path()).convert("RGB"))
            h, w = original.shape[:2]
            left, right = L.MAIN.split(0.5)
            shown = left.place(PixelImage(original, height=min(left.height - 0.8, left.width * h / w)))
            file_l = S.text(self.words("file", width=w, height=h), S.SMALL, S.MUTED).next_to(shown, DOWN, buff=0.2)
            self.play(FadeIn(shown), FadeIn(file_l), run_time=cue.until("file"))
            # timm resizes the short side to resize_side, then centre-crops size x size: in file pixels, a
            # centred square of side size / scale.
            scale = self.resize_side() / min(h, w)
            side = self.size / scale * shown.height / h
            crop = Square(side, color=S.ACCENT, stroke_width=5).move_to(shown)
            crop_l = S.text(self.words("crop", crop_percent=self.values["crop_percent"].screen),
                            S.SMALL, S.ACCENT).next_to(shown, UP, buff=0.2)
            self.play(Create(crop), FadeIn(crop_l), run_time=cue.until("crop"))
            view = right.place(PixelImage(self.trace.picture, height=shown.height))
            view_l = S.text(self.words("view"), S.SMALL).next_to(view, DOWN, buff=0.2)
            arrow = Arrow(shown.get_right(), view.get_left(), buff=0.2, color=S.ACCENT)
            self.play(Create(arrow), FadeIn(view), FadeIn(view_l), run_time=cue.until("view"))

    def photo_path(self):
        from vitmath.sources import resolve_image

        return resolve_image(self.inputs.image)

    def channels(self):
        with self.narrate("channels") as cue:
            self.add(Heading(self.words("heading")))
            photo = L.LEFT.place(PixelImage(self.trace.picture, height=4.2), aligned=DOWN + LEFT)  # room above for the brace
            top = Brace(photo, UP, color=S.MUTED)
            top_l = S.text(self.words("side"), S.SMALL).next_to(top, UP, buff=0.1)
            side = Brace(photo, RIGHT, color=S.MUTED)
            side_l = S.text(self.words("side"), S.SMALL).next_to(side, RIGHT, buff=0.1)
            self.play(FadeIn(photo), Create(top), Write(top_l), Create(side), Write(side_l),
                      run_time=cue.until("size"))
            planes = Group(*[PixelImage(tinted(self.trace.picture, k), height=1.9) for k in range(3)])
            planes.arrange(RIGHT, buff=0.3)
            names = self.channel_names(planes)
            count = tex(self.words("count_tex", total=num.integer(3 * self.size ** 2).tex), S.HEADING)
            L.RIGHT.place(Group(Group(names, planes), count).arrange(DOWN, buff=0.6))
            self.play(LaggedStart(*[FadeIn(p, shift=0.3 * RIGHT) for p in planes], lag_ratio=0.3),
                      FadeIn(names), run_time=cue.until("rgb"))
            self.play(Write(count), run_time=cue.until("count"))

    def grid(self):
        with self.narrate("grid") as cue:
            g = self.photo_grid()
            self.add(g.photo)
            self.play(LaggedStart(*[Create(line) for line in g.lines], lag_ratio=0.05), run_time=cue.until("lines"))
            math_ = VGroup(tex(self.words("divide_tex"), S.HEADING), tex(self.words("patches_tex"), S.HEADING))
            math_.arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            one_l = S.text(self.words("one_patch"), S.BODY, S.ACCENT)
            L.RIGHT.place(VGroup(math_, one_l).arrange(DOWN, aligned_edge=LEFT, buff=0.8))
            self.play(Write(math_[0]), run_time=cue.until("divide"))
            self.play(Write(math_[1]), run_time=cue.until("squares"))
            self.play(Create(g.cell_square(0)), FadeIn(one_l), run_time=cue.until("patch"))

    def why_patches(self):
        d = self.dims
        pixel_tokens = self.size ** 2 + 1
        with self.narrate("why-patches") as cue:
            self.add(Heading(self.words("heading")))
            pixels = VGroup(S.text(self.words("per_pixel"), S.BODY, S.MUTED),
                            tex(self.words("pixel_scores_tex", tokens=num.integer(pixel_tokens).tex,
                                           scores=num.scientific(pixel_tokens ** 2, 1).tex), S.HEADING, S.RED))
            patches = VGroup(S.text(self.words("per_patch"), S.BODY, S.MUTED),
                             tex(self.words("patch_scores_tex", tokens=d.T, scores=num.integer(d.T ** 2).tex),
                                 S.HEADING, S.GREEN))
            for pair in (pixels, patches):
                pair.arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            ratio = S.text(self.words("ratio", pair_ratio=self.values["pair_ratio"].screen), S.HEADING, S.ACCENT)
            rows = VGroup(pixels, patches).arrange(DOWN, aligned_edge=LEFT, buff=0.75)
            L.MAIN.place(VGroup(rows, ratio).arrange(DOWN, buff=0.9))
            self.play(FadeIn(pixels[0]), Write(pixels[1]), run_time=cue.until("pixels"))
            self.play(FadeIn(patches[0]), Write(patches[1]), run_time=cue.until("patches"))
            self.play(FadeIn(ratio, shift=0.2 * UP), run_time=cue.until("fewer"))

    def lift(self):
        g = self.photo_grid(lines=False)
        patches = g.patch_images()
        self.add(patches)
        sheet = self.sheet()
        with self.narrate("lift") as cue:
            self.play(LaggedStart(*[m.animate.scale_to_fit_height(t.height).move_to(t)
                                    for m, t in zip(patches, sheet.patches)], lag_ratio=0.01),
                      run_time=cue.until("lift"))
            note = L.RIGHT.place(S.text(self.words("note"), S.BODY, S.MUTED))
            self.play(FadeIn(note), run_time=cue.until("keeps"))

    def raster(self):
        d = self.dims
        sheet = self.sheet()
        self.add(sheet)
        with self.narrate("raster") as cue:
            labels = sheet.index_labels(font_size=12)
            walker = SurroundingRectangle(sheet.patches[0], color=S.ACCENT, buff=0.02, stroke_width=4)
            self.play(Create(walker), FadeIn(labels[0]), run_time=cue.until("start"))
            # The walker steps through the first row, then the second, as the voice describes them.
            for mark, cells in (("row", range(1, d.grid)), ("rest", range(d.grid, 2 * d.grid))):
                step = cue.until(mark) / len(cells)
                for i in cells:
                    self.play(walker.animate.move_to(sheet.patches[i]), FadeIn(labels[i]), run_time=step)
            self.play(LaggedStart(*[FadeIn(n) for n in labels[2 * d.grid:]], lag_ratio=0.02),
                      walker.animate.move_to(sheet.patches[d.N - 1]), run_time=cue.clause())
            legend = VGroup(S.text(self.words("name"), S.HEADING, S.ACCENT),
                            S.text(self.words("direction"), S.BODY),
                            tex(self.words("numbers_tex"), S.HEADING),
                            S.text(self.words("count"), S.BODY)).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            L.RIGHT.place(legend)
            self.play(FadeIn(legend, shift=0.2 * LEFT), run_time=cue.until("name"))

    def set_not_list(self):
        with self.narrate("set") as cue:
            self.add(Heading(self.words("heading")))
            strip = TokenStrip(self.trace.patch_pixels, cls=True, show=(5, 2), position_tags=True, height=1.0,
                               width=L.MAIN.width)
            note = CaveatNote(self.words("note"), width=9.5)
            L.MAIN.place(Group(strip, note).arrange(DOWN, buff=0.8))
            self.play(FadeIn(strip), run_time=cue.until("set"))
            self.play(FadeIn(note), run_time=cue.until("slots"))

    def where(self):
        d, i = self.dims, self.facts.example_patch
        sheet = self.sheet()
        labels = sheet.index_labels(font_size=12)
        self.add(sheet, labels)
        with self.narrate("where") as cue:
            box = SurroundingRectangle(sheet.patches[i], color=S.ACCENT, buff=0.03, stroke_width=5)
            self.play(Create(box), run_time=cue.until("take"))
            eqs = VGroup(tex(self.words("patch_tex"), S.HEADING, S.ACCENT), tex(self.words("row_tex"), S.HEADING),
                         tex(self.words("column_tex"), S.HEADING)).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
            bottom_l = S.text(self.words("bottom"), S.BODY, S.BLUE)
            L.RIGHT.place(VGroup(eqs, bottom_l).arrange(DOWN, aligned_edge=LEFT, buff=0.8))
            self.play(Write(eqs), run_time=cue.until("rule"))
            bottom = SurroundingRectangle(Group(*sheet.patches[d.N - d.grid:]), color=S.BLUE, buff=0.04)
            self.play(Create(bottom), FadeIn(bottom_l), run_time=cue.until("bottom"))

    def zoom(self):
        d, i = self.dims, self.facts.example_patch
        px = self.trace.patch_pixels[i]
        with self.narrate("zoom") as cue:
            big = L.LEFT.place(PixelImage(px, height=L.MAIN.height - 0.6), aligned=LEFT)
            title = S.text(self.words("title"), S.BODY).next_to(big, UP, buff=0.15)
            self.play(FadeIn(big), FadeIn(title), run_time=cue.until("why"))
            rule = S.text(self.words("rule"), S.SMALL, S.MUTED)
            rows = VGroup()
            for col in range(4):
                rgb = px[0, col]
                swatch = Square(0.45, fill_color="#%02x%02x%02x" % tuple(int(v) for v in rgb), fill_opacity=1,
                                stroke_width=1, stroke_color=S.MUTED)
                vals = S.text(f"({rgb[0]:3d}, {rgb[1]:3d}, {rgb[2]:3d})", S.BODY, mono=True)
                rows.add(VGroup(swatch, vals).arrange(RIGHT, buff=0.3))
            rows.arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            head = S.text(self.words("columns"), S.SMALL, S.MUTED)
            L.RIGHT.place(VGroup(rule, head, rows).arrange(DOWN, aligned_edge=LEFT, buff=0.4))
            # The first four pixels of the patch's top row, outlined where they sit in the blown-up patch.
            cell = big.height / d.P
            ul = big.get_corner(UP + LEFT)
            marks = VGroup(*[Square(cell, color=S.ACCENT, stroke_width=3).move_to(ul + [(k + 0.5) * cell,
                                                                                       -0.5 * cell, 0])
                             for k in range(4)])
            self.play(FadeIn(rule), run_time=cue.until("rule"))
            self.play(Create(marks), FadeIn(head), run_time=cue.until("zoom"))
            self.play(LaggedStart(*[FadeIn(r, shift=0.2 * LEFT) for r in rows], lag_ratio=0.3),
                      run_time=cue.until("pixels"))

    def flat_strip(self, flat: np.ndarray, width: float, height: float = 0.5) -> PixelImage:
        """A flattened patch (3 P^2,) as a strip, each value drawn in its channel's colour."""
        return PixelImage(channel_tinted(flat[None, :]), height=height, width=width)

    def flatten(self):
        d, i, f = self.dims, self.facts.example_patch, self.facts
        px = self.trace.patch_pixels[i]
        flat = f.pixel_rows[i]
        with self.narrate("flatten") as cue:
            planes = Group(*[PixelImage(tinted(px, k), height=2.0) for k in range(3)]).arrange(RIGHT, buff=0.6)
            top = L.MAIN.place(Group(planes, self.channel_names(planes)), aligned=UP)
            self.play(FadeIn(top), run_time=cue.until("planes"))
            # Each plane's rows slide into place: red rows 0..P-1, then green, then blue.
            per = d.P * d.P
            thirds = Group(*[PixelImage(channel_tinted(flat[None, :])[:, k * per:(k + 1) * per], height=0.5,
                                        width=L.MAIN.width / 3) for k in range(3)]).arrange(RIGHT, buff=0)
            brace = Brace(thirds, DOWN, color=S.MUTED)
            n_label = tex(self.words("count_tex")).next_to(brace, DOWN, 0.15)
            shown = ", ".join(str(v) for v in flat[:6].tolist()) + ", …, " + ", ".join(
                str(v) for v in flat[-3:].tolist())
            values = S.text(f"[ {shown} ]", S.SMALL, mono=True).next_to(n_label, DOWN, buff=0.2)
            below = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, top.get_bottom()[1])  # under the planes
            below.place(Group(thirds, brace, n_label, values))
            self.play(*[ReplacementTransform(planes[k].copy(), thirds[k]) for k in range(3)],
                      run_time=cue.until("read"))
            self.play(Create(brace), Write(n_label), FadeIn(values), run_time=cue.until("count"))
            mean, std = self.values["norm_mean"], self.values["norm_std"]
            lo, hi = self.values["range_low"].tex, self.values["range_high"].tex
            if mean.key == std.key == "same":
                norm = tex(self.words("norm_same_tex", mean=mean.extra["value"], std=std.extra["value"], low=lo,
                                      high=hi), S.BODY, S.INK)
            else:
                norm = tex(self.words("norm_per_channel_tex", low=lo, high=hi), S.BODY, S.INK)
            src = S.text(self.words("source"), S.SMALL, S.MUTED)
            normg = L.FOOTER.place(VGroup(norm, src).arrange(RIGHT, buff=0.4))
            self.play(FadeIn(normg), run_time=cue.until("norm"))

    def order(self):
        i, f = self.facts.example_patch, self.facts
        px = self.trace.patch_pixels[i]
        with self.narrate("order") as cue:
            self.add(Heading(self.words("heading")))
            chw = self.flat_strip(f.pixel_rows[i], L.MAIN.width - 3.2)
            # The same values read pixel by pixel: (y, x, channel), coloured by channel.
            hwc_vals = px.reshape(-1)
            colours = np.zeros((1, hwc_vals.size, 3), dtype=np.uint8)
            colours[0, np.arange(hwc_vals.size), np.arange(hwc_vals.size) % 3] = hwc_vals
            hwc = PixelImage(colours, height=0.5, width=chw.width)
            rows = Group(
                Group(S.text(self.words("channel_first"), S.SMALL, S.GREEN), chw,
                      S.text(self.words("channel_first_note"), S.TINY, S.MUTED)).arrange(DOWN, buff=0.15),
                Group(S.text(self.words("pixel_first"), S.SMALL, S.BLUE), hwc,
                      S.text(self.words("pixel_first_note"), S.TINY, S.MUTED)).arrange(DOWN, buff=0.15),
            ).arrange(DOWN, buff=0.7)
            check = tex(self.words("check_tex", diff=self.values["wrong_order_diff"].tex), S.BODY, S.RED)
            note = S.text(self.words("check_note"), S.SMALL, S.MUTED)
            checks = VGroup(check, note).arrange(DOWN, buff=0.2)
            L.MAIN.place(Group(rows, checks).arrange(DOWN, buff=0.5))
            self.play(FadeIn(rows[0]), run_time=cue.until("channel_first"))
            self.play(FadeIn(rows[1]), run_time=cue.until("pixel_first"))
            self.play(Write(check), FadeIn(note), run_time=cue.until("check"))
            self.add(CitationCard(self.words("vit_paper"), self.words("where")))

    def matrix(self):
        d, i = self.dims, self.facts.example_patch
        rows = self.facts.pixel_rows
        with self.narrate("matrix") as cue:
            # The kit writes each axis's count in front of its label ("196 patches").
            mat = MatrixImage(channel_tinted(rows), height=L.MAIN.height - 1.6, width=L.MAIN.width - 6.5,
                              row_label=self.words("rows"), col_label=self.words("columns", per=d.P * d.P))
            L.MAIN.place(mat)
            self.play(FadeIn(mat), run_time=cue.until("stack"))
            self.play(Create(mat.highlight_row(i)), FadeIn(mat.row_marker(i, self.words("marker"))),
                      run_time=cue.until("row"))
            arith = L.FOOTER.place(tex(self.words("total_tex", total=num.integer(rows.size).tex), S.BODY, S.GREEN))
            self.play(Write(arith), run_time=cue.until("total"))

    def not_yet(self):
        with self.narrate("not-yet") as cue:
            self.add(Heading(self.words("heading")))
            steps = L.MAIN.place(S.text(self.words("steps"), S.BODY, S.ACCENT), aligned=UP)
            below = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, steps.get_bottom()[1])
            left, right = below.split(0.5, gutter=1.2)
            raw = left.place(MatrixImage(channel_tinted(self.facts.pixel_rows), height=3.6, width=3.6,
                                         row_label=self.words("raw_rows"), col_label=self.words("raw_columns")))
            x0 = np.asarray(self.trace.x0)
            # A few large entries would wash the rest to grey: the scale stops at the 99th percentile of |x|,
            # and the colour bar says so.
            clip = float(np.percentile(np.abs(x0), 99))
            tokens = right.place(MatrixImage(x0, height=3.6, width=3.0, row_label=self.words("token_rows"),
                                             col_label=self.words("token_columns", n="{n}"),  # the kit writes n
                                             vmin=-clip, vmax=clip, colorbar=True, colorbar_label=self.words("scale")))
            arrow = Arrow(raw.image.get_right(), tokens.row_text.get_left(), buff=0.25, color=S.ACCENT)
            self.play(FadeIn(raw), run_time=cue.until("raw"))
            self.play(Create(arrow), FadeIn(steps), FadeIn(tokens), run_time=cue.until("steps"))
            if self.values["width_note"].key == "coincidence":
                self.add(CitationCard(self.words("vit_paper"), self.words("where"), self.words("vit_base")))

    def conv(self):
        d = self.dims
        f = self.facts
        with self.narrate("conv") as cue:
            g = self.photo_grid(height=5.0)
            layer = L.TITLE.place(S.text(f.layer, S.SMALL, S.ACCENT, mono=True), aligned=LEFT)
            self.play(FadeIn(g), FadeIn(layer), run_time=cue.until("layer"))
            # A filter's output has a sign (the patch like the filter's picture, or its negative): a diverging
            # scale with zero in the middle.
            m = float(np.abs(np.asarray(f.feature_map)).max())
            fmap = L.RIGHT.place(Heatmap(np.asarray(f.feature_map), "coolwarm", -m, m, label=self.words("filter"),
                                         height=4.4))
            # The map is covered and uncovered cell by cell as the window reaches each patch.
            cover = VGroup(*[Square(fmap.image.height / d.grid, stroke_width=0.5, stroke_color=S.MUTED,
                                    fill_color=S.BACKGROUND, fill_opacity=1).move_to(fmap.cell_center(k))
                             for k in range(d.N)])
            out_l = S.text(self.words("outputs"), S.SMALL).next_to(fmap.image, DOWN, buff=0.2)
            self.add(fmap, cover)
            window = g.window(0)
            stride_l = S.text(self.words("stride"), S.SMALL).next_to(g, DOWN, buff=0.15, aligned_edge=LEFT)
            self.play(Create(window), FadeIn(out_l), FadeIn(stride_l), run_time=cue.until("window"))
            step = cue.until("slide") / d.grid
            for c in range(d.grid):
                self.play(window.animate.move_to(g.cell_center(c)), FadeOut(cover[c]), run_time=step)
            self.play(LaggedStart(*[FadeOut(cover[k]) for k in range(d.grid, d.N)], lag_ratio=0.02),
                      window.animate.move_to(g.cell_center(d.N - 1)), run_time=cue.until("all"))
            peak = self.values["filter0_peak"]
            self.play(Create(SurroundingRectangle(Square(fmap.image.height / d.grid).move_to(
                fmap.cell_center(peak)), color=S.GREEN, buff=0)), Create(g.cell_square(peak, S.GREEN)),
                run_time=cue.until("peak"))

    def conv_equal(self):
        with self.narrate("conv-equal") as cue:
            self.add(Heading(self.words("heading")))
            w = tex(self.words("weights_tex"), S.HEADING)
            eq = tex(self.words("equation_tex"), S.HEADING)
            check = tex(self.words("check_tex", diff=self.values["conv_max_diff"].tex), S.HEADING, S.GREEN)
            note = S.text(self.words("note"), S.SMALL, S.MUTED)
            L.MAIN.place(VGroup(w, eq, check, note).arrange(DOWN, buff=0.55))
            self.play(Write(w), run_time=cue.until("weights"))
            self.play(Write(eq), run_time=cue.until("equation"))
            self.play(Write(check), FadeIn(note), run_time=cue.until("check"))

    def recap(self):
        d = self.dims
        with self.narrate("recap") as cue:
            photo = PixelImage(self.trace.picture, height=3.2)
            sheet = PatchSheet(self.trace.patch_pixels, d.grid, height=3.2)
            mat = PixelImage(channel_tinted(self.facts.pixel_rows), height=3.2, width=3.4)
            steps = Group(photo, sheet, mat).arrange(RIGHT, buff=1.4)
            arrows = VGroup(Arrow(photo.get_right(), sheet.get_left(), color=S.ACCENT),
                            Arrow(sheet.get_right(), mat.get_left(), color=S.ACCENT))
            caps = VGroup(S.text(self.words("photo"), S.BODY), S.text(self.words("sheet"), S.BODY),
                          S.text(num.shape(d.N, 3 * d.P * d.P).screen, S.BODY))
            for cap, m in zip(caps, steps):
                cap.next_to(m, DOWN, buff=0.3)
            words = S.text(self.words("words"), S.HEADING, S.ACCENT).next_to(caps, DOWN, buff=0.35)
            L.MAIN.place(Group(steps, arrows, caps, words))
            self.play(FadeIn(photo), FadeIn(caps[0]), run_time=cue.clause())
            self.play(Create(arrows[0]), FadeIn(sheet), FadeIn(caps[1]), run_time=cue.until("cut"))
            self.play(Create(arrows[1]), FadeIn(mat), FadeIn(caps[2]), run_time=cue.until("flatten"))
            self.play(FadeIn(words), run_time=cue.until("words"))
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("teaser"))), run_time=cue.until("next"))
