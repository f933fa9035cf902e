"""Phase 3, lesson 12: Why Swin and ConvNeXt look like a synthesis, not a regression.

Swin-T's windows are drawn over the course photo at the sizes timm's swin_tiny_patch4_window7_224 holds
(patch, window, shift, tokens per side at each stage); ConvNeXt-T's block is set beside ResNet-50's with the
kernels, widths and layers timm's models hold; the parameters, multiply-adds and CPU latency of ViT-S/16,
Swin-T, ConvNeXt-T and ResNet-50 come from vitmath.backbones (random init: the architecture is all that is
needed). Accuracies and the ConvNeXt roadmap are cited from the papers, on screen. Each cue builds what it
shows, so any cue can be previewed on its own.

    manim -ql scenes/p3_03_swin_and_convnext/scene.py SwinAndConvNeXt
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, FadeOut, Group, Indicate, LaggedStart, Line,
                   Rectangle, RoundedRectangle, Square, SurroundingRectangle, Transform, VGroup, Write)
from PIL import Image

from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.backbone_table import macs_text, params_text
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import PixelImage
from scenes.common.table import Table
from narration.script import Choice
from scenes.p3_03_swin_and_convnext.facts import check_claims, latency_facts, window_facts
from vitmath.backbones import (ORIGINAL_EPOCHS, ROADMAP, ROADMAP_STEPS, cached_architecture_facts,
                               cached_backbone_table, lesson_model_cost)

# Two more colours for the four windows of the shift picture (the style's own are taken by other meanings there).
PURPLE = "#C792EA"
TEAL = "#4FD1C5"
# How the narrator names a table row: "ViT-S/16" would be read out letter by letter and slash.
SPOKEN_NAME = {"ViT-S/16": "ViT-S"}
# Whose accuracy a row carries: the ViT-S/16 row's cited top-1 is DeiT-S's (same architecture, DeiT training).
ACCURACY_NAME = {"ViT-S/16": "DeiT-S"}


def spoken_list(items: list[str], last_join: str = "and") -> str:
    return ", ".join(items[:-1]) + f", {last_join} " + items[-1] if len(items) > 1 else items[0]


def lines_over(photo: PixelImage, fractions, color: str, width: float, opacity: float = 1.0) -> VGroup:
    """Horizontal and vertical lines across `photo` at these fractions of its side (0 = top / left edge)."""
    ul, ur, dl = (np.asarray(p, dtype=float) for p in photo.points[:3])
    across, down = ur - ul, dl - ul
    out = VGroup()
    for t in fractions:
        out.add(Line(ul + t * across, ul + t * across + down))
        out.add(Line(ul + t * down, ul + t * down + across))
    return out.set_stroke(color, width=width, opacity=opacity)


def rect_over(photo: PixelImage, top: float, left: float, height: float, width: float, color: str,
              stroke: float = 5, fill: float = 0.0) -> Rectangle:
    """A rectangle on `photo` with its top-left corner at (top, left), all sizes fractions of the photo's side."""
    ul, ur, dl = (np.asarray(p, dtype=float) for p in photo.points[:3])
    across, down = ur - ul, dl - ul
    r = Rectangle(width=width * np.linalg.norm(across), height=height * np.linalg.norm(down))
    r.set_stroke(color, stroke, opacity=1.0 if stroke else 0.0).set_fill(color, fill)
    return r.move_to(ul + (left + width / 2) * across + (top + height / 2) * down)


def square_over(photo: PixelImage, top: float, left: float, side: float, color: str, width: float = 5,
                fill: float = 0.0) -> Rectangle:
    """A square on `photo` with its top-left corner at (top, left) and side `side`, all fractions of the photo."""
    return rect_over(photo, top, left, side, side, color, width, fill)


def score_matrix(side: float, blocks: int, shown: int | None = None) -> tuple[Square, VGroup]:
    """The scores of one head as a square (rows: tokens asking, columns: tokens answering), tokens in order
    window by window, so windowed attention keeps `blocks` squares on the diagonal. `shown` of them are drawn
    (the first ones: an enlarged corner shows fewer blocks, each bigger)."""
    shown = blocks if shown is None else shown
    frame = Square(side).set_stroke(S.MUTED, 2)
    cell = side / shown
    top_left = frame.get_corner(UP + LEFT)
    diagonal = VGroup(*[Square(cell).set_stroke(width=0).set_fill(S.ACCENT, 1)
                        .move_to(top_left + (k + 0.5) * cell * (RIGHT + DOWN)) for k in range(shown)])
    return frame, diagonal


def box(lines: list[str], width: float, color: str = S.BLUE, size: int = S.SMALL) -> VGroup:
    content = VGroup(*[S.text(t, size) for t in lines]).arrange(DOWN, buff=0.08)
    r = RoundedRectangle(corner_radius=0.08, width=width, height=content.height + 0.3)
    r.set_stroke(color, 2).set_fill(color, 0.12)
    return VGroup(r, content.move_to(r))


def column_of(boxes: list[VGroup], buff: float = 0.22) -> VGroup:
    """Boxes stacked top to bottom with arrows between them (a block diagram read downwards)."""
    # One width for the whole column: the widest content decides.
    width = max(max(b[1].width for b in boxes) + 0.4, max(b[0].width for b in boxes))
    for b in boxes:
        b[0].stretch_to_fit_width(width)
        b[1].move_to(b[0])
    stack = VGroup(*boxes).arrange(DOWN, buff=buff)
    arrows = VGroup(*[Arrow(a.get_bottom(), b.get_top(), buff=0.02, stroke_width=2, color=S.MUTED,
                            max_tip_length_to_length_ratio=0.5) for a, b in zip(boxes, boxes[1:])])
    return VGroup(stack, arrows)


class SwinAndConvNeXt(NarratedScene):

    def extra_values(self):
        self.arch = a = cached_architecture_facts()
        self.table = t = cached_backbone_table()
        self.own = lesson_model_cost(self.inputs.model, self.inputs.weights)
        check_claims(a, t)
        sw, cn, rn = a.swin, a.convnext, a.resnet
        s1 = sw.stages[0]
        self.swin_picture = self._swin_picture(sw.image_size)
        rows = t.rows
        by_acc = sorted(rows, key=lambda r: r.top1)
        self.latency_facts = lat = latency_facts(rows, t.machine.cpu_share)
        self.window_facts = wf = window_facts(s1)
        say = lambda r: SPOKEN_NAME.get(r.short, r.short)  # noqa: E731
        ratio = f"{lat.time_ratio[rows.index(lat.slowest)]:.1f}"
        share = f"{100 * t.machine.cpu_share:.0f}"
        shift = f"{lat.ratio_shift:.2f}"
        swin_row, cn_row = t.row("Swin-T"), t.row("ConvNeXt-T")
        (_, resnet_top1), (_, recipe_top1), (_, end_top1) = ROADMAP
        return {
            "swin_patch": sw.patch,
            "swin_image_size": sw.image_size,
            "swin_stages": len(sw.stages),
            "swin_tokens": s1.tokens,
            "swin_num_tokens": num.integer(s1.tokens ** 2),
            "swin_pairs": num.integer(s1.tokens ** 4),
            "swin_pairs_millions": num.decimal(s1.tokens ** 4 / 1e6, 1),
            "window": s1.window,
            "window_tokens": s1.window ** 2,
            "window_px": s1.window_pixels,
            "windows": wf.windows,
            "fewer": wf.fewer,
            "windows_per_side": s1.windows_per_side,
            "pixels_per_token": s1.pixels_per_token,
            "shift": s1.shift,
            "shift_px": s1.shift * s1.pixels_per_token,
            "stage_sides": spoken_list([str(s.tokens) for s in sw.stages], "then"),
            "window_px_list": spoken_list([str(s.window_pixels) for s in sw.stages], "then"),
            "swin_depths": ", ".join(str(s.depth) for s in sw.stages),
            "resnet_top1": f"{resnet_top1:.1f}",
            "recipe_top1": f"{recipe_top1:.1f}",
            "roadmap_end_top1": f"{end_top1:.1f}",
            "arch_gain": f"{end_top1 - recipe_top1:.1f}",
            "original_epochs": ORIGINAL_EPOCHS,
            "modern_epochs": rows[0].epochs,
            "cn_top1": f"{cn_row.top1:.1f}",
            "cn_stem": cn.stem_kernel,
            "rn_stem": rn.stem_kernel,
            "resnet_kernel": rn.spatial_kernel,
            "cn_kernel": cn.spatial_kernel,
            "resnet_block_in": rn.block_in,
            "resnet_block_inner": rn.block_inner,
            "cn_block_in": cn.block_in,
            "cn_block_inner": cn.block_inner,
            "table_size": t.image_size,
            "params_low": f"{min(r.params for r in rows) / 1e6:.0f}",
            "params_high": f"{max(r.params for r in rows) / 1e6:.0f}",
            "macs_low": f"{min(r.macs for r in rows) / 1e9:.1f}",
            "macs_high": f"{max(r.macs for r in rows) / 1e9:.1f}",
            "acc_low_name": ACCURACY_NAME.get(by_acc[0].short, by_acc[0].short),
            "acc_low": f"{by_acc[0].top1:.1f}",
            "acc_high_name": ACCURACY_NAME.get(by_acc[-1].short, by_acc[-1].short),
            "acc_high": f"{by_acc[-1].top1:.1f}",
            "threads": t.machine.threads,
            "cpu": t.machine.cpu,
            "runs": t.runs,
            "cpu_share": share,
            "ratio_shift": shift,
            "latency_fastest": Choice(lat.fastest_key, fastest=say(lat.fastest), fewest=say(lat.fewest)),
            "latency_slowest": Choice(lat.slowest_key, slowest=say(lat.slowest), slowest_ratio=ratio,
                                      fastest=say(lat.fastest), most=say(lat.most),
                                      slowest_macs_more=f"{100 * (lat.slowest.macs / lat.fastest.macs - 1):.0f}"),
            "load": Choice(lat.load_key, cpu_share=share, ratio_shift=shift),
            "recipe_gain": f"{recipe_top1 - resnet_top1:.1f}",
            "meet_gap": f"{abs(cn_row.top1 - swin_row.top1):.1f}",
        }

    def _swin_picture(self, size: int) -> np.ndarray:
        """The photo as the lessons' ViT sees it, resized to Swin's input side when the two differ."""
        pic = np.asarray(self.trace.picture)
        if pic.shape[0] != size:
            pic = np.asarray(Image.fromarray(pic).resize((size, size), Image.BICUBIC))
        return pic

    def cues(self):
        return [self.hook, self.swin_patches, self.swin_windows, self.swin_shift, self.swin_merge,
                self.convnext_roadmap, self.convnext_block, self.table_cue, self.latency, self.synthesis,
                self.recap]

    # ------------------------------------------------------------------ drawing helpers
    def swin_photo(self, height: float, brightness: float = 1.0) -> PixelImage:
        """The photo; dimmed (brightness < 1) where the lines and colours drawn over it are the subject."""
        pic = self.swin_picture if brightness == 1.0 else (self.swin_picture * brightness).astype(np.uint8)
        return PixelImage(pic, height=height)

    def stage_overlay(self, photo: PixelImage, stage, token_width: float = 0.6, shifted: bool = False) -> VGroup:
        """Token grid (thin) and window grid (accent) of one Swin stage over the photo."""
        tokens = lines_over(photo, [k / stage.tokens for k in range(1, stage.tokens)], S.INK, token_width, 0.45)
        offset = stage.shift / stage.tokens if shifted else 0.0
        step = stage.window / stage.tokens
        fr = [offset + k * step for k in range(0, stage.windows_per_side + 1)]
        windows = lines_over(photo, [f for f in fr if 0 < f < 1], S.ACCENT, 3.5)
        return VGroup(tokens, windows)

    # ------------------------------------------------------------------ cues
    def hook(self):
        d = self.dims
        w = self.words
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.1)
            self.add(Heading(w("heading")))
            left, right = L.MAIN.split(0.45)
            g = PhotoGrid(self.trace.picture, d.grid, height=4.6, patch_pixels=self.trace.patch_pixels)
            left.place(g)
            g.shift(0.25 * UP)
            i = (d.grid // 2) * d.grid + d.grid // 2
            cell = g.cell_square(i, S.ACCENT)
            everyone = Square(g.photo.height).set_stroke(S.BLUE, 4).move_to(g.photo)
            cap = L.MAIN.contain(S.text(w("everyone"), S.SMALL, S.MUTED).next_to(g, DOWN, buff=0.2))
            items = VGroup(
                S.text(w("vit"), S.BODY),
                S.text(w("swin"), S.BODY, S.ACCENT),
                S.text(w("convnext"), S.BODY, S.ACCENT),
                S.text(w("backwards"), S.HEADING, S.RED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(items, aligned=LEFT)
            self.play(FadeIn(g), run_time=cue.until("vit"))
            self.play(Create(cell), Create(everyone), FadeIn(cap), FadeIn(items[0]), run_time=cue.until("all"))
            self.play(FadeIn(items[1]), run_time=cue.until("swin"))
            self.play(FadeIn(items[2]), run_time=cue.until("convnext"))
            self.play(FadeIn(items[3]), run_time=cue.until("backwards"))

    def swin_patches(self):
        d, v, w = self.dims, self.values, self.words
        s1 = self.arch.swin.stages[0]
        with self.narrate("swin-patches") as cue:
            self.add(Heading(w("heading")))
            left, right = L.MAIN.split(0.55)
            photo = self.swin_photo(5.2)
            left.place(photo)
            tokens = lines_over(photo, [k / s1.tokens for k in range(1, s1.tokens)], S.INK, 0.8, 0.6)
            count = v["swin_num_tokens"].screen
            cap = S.text(w("tokens", tokens=count), S.SMALL, S.ACCENT).next_to(photo, DOWN, buff=0.15)
            vit = PhotoGrid(self.trace.picture, d.grid, height=2.6, patch_pixels=self.trace.patch_pixels)
            vit_cap = S.text(w("ours"), S.SMALL, S.MUTED)
            pairs = VGroup(S.text(w("pairs_lead"), S.SMALL),
                           S.text(w("pairs", tokens=count, pairs=v["swin_pairs"].screen), S.BODY, S.RED),
                           S.text(w("pairs_tail"), S.SMALL)).arrange(DOWN, buff=0.12)
            col = Group(vit, vit_cap, pairs).arrange(DOWN, buff=0.3)
            right.place(col)
            self.play(FadeIn(photo), run_time=cue.clause())
            self.play(Create(tokens), FadeIn(cap), run_time=cue.until("cut"))
            self.play(FadeIn(vit), FadeIn(vit_cap), run_time=cue.until("ours"))
            self.play(FadeIn(pairs), run_time=cue.until("global"))

    def swin_windows(self):
        v, w, wf = self.values, self.words, self.window_facts
        s1 = self.arch.swin.stages[0]
        with self.narrate("swin-windows") as cue:
            self.add(Heading(w("heading")))
            left, right = L.MAIN.split(0.42)
            photo = self.swin_photo(5.0)
            left.place(photo)
            grid = self.stage_overlay(photo, s1)
            # One window, and one token inside it, to point at: a fixed place (window row 2, column 3).
            wr, wc = min(2, s1.windows_per_side - 1), min(3, s1.windows_per_side - 1)
            step = s1.window / s1.tokens
            win = square_over(photo, wr * step, wc * step, step, S.BLUE, 7, 0.3)
            mid = s1.window // 2  # the token at the window's centre
            tok = square_over(photo, (wr * s1.window + mid) / s1.tokens, (wc * s1.window + mid) / s1.tokens,
                              1 / s1.tokens, S.INK, 2, 1.0)
            count = v["swin_num_tokens"].screen
            facts = VGroup(
                S.text(w("window"), S.BODY, S.ACCENT),
                S.text(w("pixels"), S.BODY, S.ACCENT),
                S.text(w("per_token"), S.SMALL, S.MUTED),
                S.text(w("attends", tokens=count), S.SMALL),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            right.place(facts, aligned=UP + LEFT)

            # The score matrix: all of it for global attention, then only the windows' diagonal blocks; the
            # blocks are too small to see one by one, so the top-left corner is enlarged beside it.
            zoom_windows = min(3, wf.windows)
            frame, diagonal = score_matrix(2.7, wf.windows)
            full = frame.copy().set_stroke(width=0).set_fill(S.RED, 0.55)
            z_frame, z_diagonal = score_matrix(1.9, zoom_windows)
            z_full = z_frame.copy().set_stroke(width=0).set_fill(S.RED, 0.55)
            big = VGroup(full, diagonal, frame)
            small = VGroup(z_full, z_diagonal, z_frame)
            pair = VGroup(big, small).arrange(RIGHT, buff=0.7, aligned_edge=UP)
            m_title = S.text(w("matrix", tokens=count), S.SMALL).next_to(big, UP, buff=0.15).align_to(big, LEFT)
            m_order = S.text(w("matrix_order"), S.TINY, S.MUTED).next_to(big, DOWN, buff=0.12).align_to(big, LEFT)
            z_cap = S.text(w("zoom", zoom_windows=zoom_windows), S.TINY, S.MUTED)
            z_cap.next_to(small, DOWN, buff=0.12).align_to(small, LEFT)
            counts = VGroup(
                S.text(w("global_count", tokens=count, pairs=v["swin_pairs"].screen), S.SMALL, S.RED),
                S.text(w("window_count", windows=wf.windows, window_tokens=wf.window_tokens,
                         kept=num.integer(wf.window_scores).screen), S.SMALL, S.ACCENT),
                S.text(w("fewer", fewer=wf.fewer), S.BODY, S.ACCENT),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            counts.next_to(m_order, DOWN, buff=0.3).align_to(big, LEFT)
            # Swin paper, Eq. 1 and 2: the cost of global and of windowed attention (notation, not words).
            cost = VGroup(
                tex(r"\Omega(\mathrm{MSA}) = 4hwC^2 + 2(hw)^2C", color=S.RED),
                tex(r"\Omega(\text{W-MSA}) = 4hwC^2 + 2M^2hwC", color=S.ACCENT),
                S.text(w("cost_legend"), S.TINY, S.MUTED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            cost.next_to(counts, DOWN, buff=0.35).align_to(big, LEFT)
            panel = VGroup(m_title, pair, m_order, z_cap, counts, cost)
            right.place(panel, aligned=UP + LEFT)
            corner = Square(frame.width * zoom_windows / wf.windows).set_stroke(S.INK, 2)
            corner.move_to(frame.get_corner(UP + LEFT), aligned_edge=UP + LEFT)
            link = Line(corner.get_right(), z_frame.get_left(), stroke_width=1.5, color=S.INK)
            cite = CitationCard(w("swin_paper"), w("citation_where"))

            self.play(FadeIn(photo), FadeIn(grid[0]), run_time=cue.clause())
            self.play(Create(grid[1]), run_time=cue.until("windows"))
            self.play(FadeIn(win), FadeIn(tok), FadeIn(facts[0]), run_time=cue.until("own"))
            self.play(LaggedStart(*[FadeIn(m) for m in facts[1:]], lag_ratio=0.5), run_time=cue.until("pixels"))
            self.play(FadeOut(facts), run_time=0.3 * cue.until("matrix"))
            self.play(FadeIn(m_title), FadeIn(frame), FadeIn(full), FadeIn(m_order), FadeIn(counts[0]),
                      FadeIn(corner), Create(link), FadeIn(z_frame), FadeIn(z_full), FadeIn(z_cap),
                      run_time=cue.clause())
            # Global -> windowed: the red of every pair fades, the windows' blocks stay.
            self.play(full.animate.set_fill(opacity=0.06), z_full.animate.set_fill(opacity=0.06),
                      FadeIn(diagonal), FadeIn(z_diagonal), FadeIn(counts[1]), run_time=cue.until("keep"))
            self.play(FadeIn(counts[2]), run_time=cue.clause())
            self.play(Write(cost), FadeIn(cite), run_time=cue.until("cost"))

    def swin_shift(self):
        s1 = self.arch.swin.stages[0]
        w = self.words
        # The four regular windows the green shifted window takes its tokens from, one colour each.
        colors = (S.BLUE, S.RED, PURPLE, TEAL)
        with self.narrate("swin-shift") as cue:
            self.add(Heading(w("heading")))
            panels = L.MAIN.columns(2, gutter=0.8)
            step = s1.window / s1.tokens
            shift = s1.shift / s1.tokens
            out = []
            for region, name, color in ((panels[0], w("regular"), S.INK), (panels[1], w("shifted"), S.ACCENT)):
                photo = self.swin_photo(4.6, brightness=0.5)
                tokens = lines_over(photo, [k / s1.tokens for k in range(1, s1.tokens)], S.INK, 0.5, 0.3)
                cap = S.text(name, S.SMALL, color)
                g = Group(photo, tokens)
                region.place(g, aligned=UP)
                g.shift(0.15 * DOWN)
                cap.next_to(photo, DOWN, buff=0.2)
                out.append((photo, tokens, cap))
            (p0, t0, c0), (p1, t1, c1) = out
            inner = [k * step for k in range(1, s1.windows_per_side)]
            regular0 = lines_over(p0, inner, S.ACCENT, 3.5)
            regular1 = lines_over(p1, inner, S.BLUE, 2.5, 0.8)
            moving = regular1.copy().set_stroke(S.ACCENT, 3.5, opacity=1.0)
            fr = [shift + k * step for k in range(0, s1.windows_per_side + 1)]
            shifted = lines_over(p1, [f for f in fr if 0 < f < 1], S.ACCENT, 3.5)
            # Window rows/columns q and q + 1 of the regular grid, near the middle; the shifted window starts
            # inside window (q, q) and takes tokens from those four.
            q = max(0, s1.windows_per_side // 2 - 1)
            a, b, c = q * step + shift, (q + 1) * step, (q + 1) * step + shift
            spans = ((a, b - a), (b, c - b))
            old = VGroup(*[rect_over(p0, step * (q + i), step * (q + j), step, step, colors[2 * i + j], 0, 0.7)
                           for i in range(2) for j in range(2)])
            parts = VGroup(*[rect_over(p1, spans[i][0], spans[j][0], spans[i][1], spans[j][1], colors[2 * i + j],
                                       0, 0.8) for i in range(2) for j in range(2)])
            straddle = square_over(p1, a, a, step, S.GREEN, 6)
            same_on_left = square_over(p0, a, a, step, S.GREEN, 4)
            note = S.text(w("note"), S.SMALL, S.GREEN)
            L.FOOTER.place(note)
            self.play(FadeIn(p0), FadeIn(t0), Create(regular0), FadeIn(c0), run_time=cue.clause())
            self.play(FadeIn(p1), FadeIn(t1), FadeIn(regular1), run_time=cue.until("shift"))
            # The window grid slides by the shift, down and to the right.
            self.add(moving)
            self.play(Transform(moving, shifted), FadeIn(c1), run_time=cue.clause())
            self.play(FadeIn(old), FadeIn(parts), Create(straddle), Create(same_on_left), FadeIn(note),
                      run_time=cue.until("four"))
            self.play(straddle.animate.set_fill(S.GREEN, 0.25), run_time=cue.until("share"))
            self.wait(cue.until("alternate"))

    def swin_merge(self):
        sw = self.arch.swin
        w = self.words
        with self.narrate("swin-merge") as cue:
            self.add(Heading(w("heading")))
            panels = L.MAIN.columns(len(sw.stages), gutter=0.35)
            groups = []
            for k, (region, stage) in enumerate(zip(panels, sw.stages)):
                photo = self.swin_photo(region.width)
                overlay = self.stage_overlay(photo, stage, token_width=0.4 if stage.tokens > 30 else 0.8)
                labels = VGroup(
                    S.text(w("stage", stage=k + 1), S.SMALL, S.ACCENT),
                    S.text(w("tokens", tokens=stage.tokens), S.SMALL),
                    S.text(w("channels", width=stage.width), S.SMALL),
                    S.text(w("window", window_px=stage.window_pixels), S.SMALL, S.ACCENT),
                    S.text(w("blocks", depth=stage.depth, heads=stage.heads), S.TINY, S.MUTED),
                ).arrange(DOWN, buff=0.1)
                g = Group(Group(photo, overlay), labels).arrange(DOWN, buff=0.25)
                region.place(g, aligned=UP)
                groups.append(g)
                if stage.windows_per_side == 1:
                    g.add(Square(photo.height).set_stroke(S.ACCENT, 6).move_to(photo))
            note = S.text(w("note", width_1=sw.stages[0].width, width_2=sw.stages[1].width), S.SMALL, S.MUTED)
            L.MAIN.contain(note.next_to(Group(*groups), DOWN, buff=0.4))
            everything = Group(*groups, note)
            everything.shift((L.MAIN.center[1] - everything.get_center()[1]) * UP)  # centred in the body
            arrows = VGroup(*[Arrow(a[0].get_right(), b[0].get_left(), buff=0.03, stroke_width=3, color=S.MUTED,
                                    max_tip_length_to_length_ratio=0.4) for a, b in zip(groups, groups[1:])])
            self.play(FadeIn(groups[0]), FadeIn(note), run_time=cue.until("merge"))
            # The later stages while the voice says how the grid shrinks; the last one when it says it is global.
            self.play(LaggedStart(*[FadeIn(Group(a, g)) for g, a in zip(groups[1:-1], arrows)], lag_ratio=1.0),
                      run_time=cue.until("shrinks"))
            self.play(FadeIn(arrows[-1]), FadeIn(groups[-1]), run_time=cue.until("last"))

    def convnext_roadmap(self):
        w = self.words
        origin_color = {"start": S.MUTED, "recipe": S.GREEN, "transformer": S.ACCENT, "convnet": S.BLUE}
        with self.narrate("convnext-roadmap") as cue:
            self.add(Heading(w("heading")))
            # Fig. 2 redrawn from the paper's numbers: one bar per kept step, on an axis that starts at `lo`.
            lo, hi = 75.0, 83.0
            track = 6.0
            rows = VGroup()
            for k, st in enumerate(ROADMAP_STEPS):
                y = -k * 0.68
                label = S.text(w(st.key), S.SMALL).move_to([-0.25, y, 0], aligned_edge=RIGHT)
                bar = Rectangle(width=track * (st.top1 - lo) / (hi - lo), height=0.5).set_stroke(width=0)
                # The architecture steps arrive grey and take their colour when the voice says where they came from.
                first = origin_color[st.origin] if st.origin in ("start", "recipe") else S.MUTED
                bar.set_fill(first, 1).move_to([0, y, 0], aligned_edge=LEFT)
                val = S.text(f"{st.top1:.1f}%", S.SMALL, mono=True).next_to(bar, RIGHT, buff=0.15)
                rows.add(VGroup(label, bar, val))
            bottom = rows[-1].get_bottom()[1] - 0.2
            axis = VGroup(Line([0, 0.4, 0], [0, bottom, 0]).set_stroke(S.MUTED, 1),
                          S.text(w("axis", axis_from=f"{lo:.0f}"), S.TINY, S.MUTED))
            axis[1].next_to(axis[0], DOWN, buff=0.1, aligned_edge=LEFT)
            legend = VGroup(*[VGroup(Square(0.25).set_stroke(width=0).set_fill(c, 1), S.text(w(key), S.SMALL))
                              .arrange(RIGHT, buff=0.12)
                              for key, c in (("legend_recipe", S.GREEN), ("legend_tf", S.ACCENT),
                                             ("legend_cn", S.BLUE))]).arrange(RIGHT, buff=0.5)
            legend.next_to(axis[1], DOWN, buff=0.3).align_to(rows, LEFT)
            seeds = S.text(w("seeds"), S.SMALL, S.MUTED).next_to(legend, DOWN, buff=0.2).align_to(rows, LEFT)
            chart = VGroup(rows, axis, legend, seeds)
            L.MAIN.place(chart)
            steps = rows[2:]
            tf = [r[1] for r, st in zip(rows, ROADMAP_STEPS) if st.origin == "transformer"]
            cn = [r[1] for r, st in zip(rows, ROADMAP_STEPS) if st.origin == "convnet"]
            self.play(FadeIn(rows[0]), FadeIn(axis), run_time=cue.until("resnet"))
            self.play(FadeIn(rows[1]), FadeIn(legend[0]), run_time=cue.until("recipe"))
            self.play(LaggedStart(*[FadeIn(r) for r in steps], lag_ratio=0.4), run_time=cue.until("steps"))
            self.play(*[b.animate.set_fill(S.ACCENT) for b in tf], FadeIn(legend[1]), run_time=cue.until("tf"))
            self.play(*[b.animate.set_fill(S.BLUE) for b in cn], FadeIn(legend[2]), run_time=cue.until("cn"))
            end = SurroundingRectangle(rows[-1][2], color=S.ACCENT, buff=0.06)
            self.play(Create(end), FadeIn(seeds), FadeIn(CitationCard(w("convnext_paper"), w("citation_where"))),
                      run_time=cue.until("end"))

    def convnext_block(self):
        cn, rn = self.arch.convnext, self.arch.resnet
        w = self.words
        with self.narrate("convnext-block") as cue:
            self.add(Heading(w("heading")))
            left, right = L.MAIN.split(0.5, gutter=0.8)
            width = 4.4
            r = dict(rn_in=rn.block_in, rn_inner=rn.block_inner, rn_kernel=rn.spatial_kernel,
                     rn_groups=rn.spatial_groups, rn_act=rn.act)
            c = dict(cn_in=cn.block_in, cn_inner=cn.block_inner, cn_kernel=cn.spatial_kernel,
                     cn_groups=cn.spatial_groups, cn_expansion=cn.block_inner // cn.block_in)
            rn_norm_act = w("norm_act", norm=rn.norm, act=rn.act)
            resnet = column_of([
                box([w("rn_reduce", **r), rn_norm_act], width),
                box([w("rn_spatial", **r), rn_norm_act], width),
                box([w("rn_expand", **r), rn.norm], width),
                box([w("rn_add", **r)], width, S.MUTED),
            ])
            convnext = column_of([
                box([w("cn_spatial", **c), cn.norm], width, S.ACCENT),
                box([w("cn_expand", **c), cn.act], width, S.ACCENT),
                box([w("cn_reduce", **c)], width, S.ACCENT),
                box([w("cn_add")], width, S.MUTED),
            ])
            cols = []
            for region, name, design, diagram in ((left, "resnet", rn, resnet), (right, "convnext", cn, convnext)):
                title = S.text(w(name), S.BODY, S.ACCENT if design is cn else S.INK)
                stem = S.text(w("stem", stem=design.stem), S.TINY, S.MUTED)
                stem2 = S.text(w("stem_map", side=design.stem_out_side), S.TINY, S.MUTED)
                depths = S.text(w("stages", depths=", ".join(map(str, design.depths)),
                                  widths=", ".join(map(str, design.widths))), S.TINY, S.MUTED)
                if design is cn:  # its stage depths follow Swin-T's ratio, and its widths (facts.check_claims)
                    depths = VGroup(depths, S.text(w("swin_ratio"), S.TINY, S.MUTED)).arrange(DOWN, buff=0.08)
                col = VGroup(title, VGroup(stem, stem2).arrange(DOWN, buff=0.05), diagram, depths)
                col.arrange(DOWN, buff=0.25)
                region.place(col, aligned=UP)
                col.shift(0.25 * DOWN)
                cols.append(col)
            self.play(FadeIn(cols[0][0]), FadeIn(cols[1][0]), FadeIn(cols[0][1]), FadeIn(cols[1][1]),
                      run_time=cue.until("stem"))
            self.play(FadeIn(cols[0][2]), run_time=cue.until("resnet"))
            self.play(FadeIn(cols[1][2]), run_time=cue.until("convnext"))
            self.play(FadeIn(cols[0][3]), FadeIn(cols[1][3]), run_time=cue.until("norms"))

    def table_cue(self):
        t, w = self.table, self.words
        with self.narrate("table") as cue:
            self.add(Heading(w("heading")))
            head = [S.text(x, S.SMALL, S.MUTED) for x in (w("model"), w("family"), w("params"), w("macs"),
                                                           w("top1"), w("recipe"))]
            body = [[S.text(r.short, S.SMALL), S.text(w(r.family), S.SMALL), S.text(params_text(r.params), S.SMALL,
                     mono=True), S.text(macs_text(r.macs), S.SMALL, mono=True),
                     S.text(f"{r.top1:.1f}%", S.SMALL, S.ACCENT, mono=True),
                     S.text(w("recipe_cell", epochs=r.epochs, recipe=w(f"recipe_{r.timm_name}")), S.SMALL, S.MUTED)]
                    for r in t.rows]
            # Names and recipes read left to right; the numbers right-aligned so their digits line up.
            table = Table([head] + body, align="llrrrl", col_gap=0.45, row_gap=0.3)
            rows, rule = [table.header, *table.rows], table.rule
            original = S.text(w("original"), S.SMALL, S.RED)
            how = VGroup(
                S.text(w("counted"), S.SMALL, S.MUTED),
                S.text(w("what"), S.SMALL, S.MUTED),
                S.text(w("models"), S.SMALL, S.MUTED),
                S.text(w("own", own_params=f"{self.own.params / 1e6:.1f}", own_macs=macs_text(self.own.macs)),
                       S.SMALL, S.MUTED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            block = VGroup(table, original, how).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            L.MAIN.place(block)
            # The recipe note sits under the top-1 column, where the ResNet-50 number it qualifies is.
            original.align_to(rows[0][4], LEFT)
            if original.get_right()[0] > L.MAIN.right:
                original.align_to(table, RIGHT)
            cite = CitationCard(w("citation"), w("accuracy_where"))
            acc = VGroup(*[r[4] for r in rows], *[r[5] for r in rows])
            self.play(FadeIn(VGroup(*[VGroup(*r[:2]) for r in rows])), FadeIn(rule), run_time=cue.until("table"))
            self.play(FadeIn(VGroup(*[VGroup(*r[2:4]) for r in rows])), FadeIn(how[:2]),
                      run_time=cue.until("compute"))
            self.play(FadeIn(how[2:]), run_time=cue.until("vits"))
            self.play(FadeIn(acc), FadeIn(cite), run_time=cue.until("accuracy"))
            resnet = rows[1 + [r.short for r in t.rows].index("ResNet-50")]
            self.play(FadeIn(original), Indicate(resnet[4], color=S.ACCENT), run_time=cue.until("recipe"))

    def bar_chart(self, title: str, values: list[float], labels: list[str], texts: list[str], width: float,
                  color: str, top: float | None = None) -> VGroup:
        """Horizontal bars from zero; a bar of length `top` (the largest value, unless given: one scale for two
        charts) fills `width` minus room for names and values."""
        names = VGroup(*[S.text(n, S.SMALL) for n in labels])
        vals = VGroup(*[S.text(s, S.SMALL, mono=True) for s in texts])
        track = width - names.width - max(v.width for v in vals) - 0.6
        top = top or max(values)
        rows = VGroup()
        for k, (n, v, x) in enumerate(zip(names, vals, values)):
            y = -k * 0.75
            bar = Rectangle(width=max(track * x / top, 1e-3), height=0.45).set_stroke(width=0)
            bar.set_fill(color, 1).move_to([0, y, 0], aligned_edge=LEFT)
            n.move_to([-0.2, y, 0], aligned_edge=RIGHT)
            v.next_to(bar, RIGHT, buff=0.15)
            rows.add(VGroup(n, bar, v))
        head = S.text(title, S.BODY, color).next_to(rows, UP, buff=0.35).align_to(rows, LEFT)
        return VGroup(head, rows)

    def latency(self):
        t, w, f = self.table, self.words, self.latency_facts
        with self.narrate("latency") as cue:
            self.add(Heading(w("heading")))
            left, right = L.MAIN.split(0.5, gutter=0.8)
            names = [r.short for r in t.rows]
            # Both as ratios, on one scale: MACs over the fewest, time over the fastest (within a round).
            macs = [r.macs / f.fewest.macs for r in t.rows]
            top = max(max(macs), max(f.time_ratio))
            mac_chart = self.bar_chart(w("macs"), macs, names, [f"× {x:.2f}" for x in macs], left.width, S.BLUE, top)
            lat = self.bar_chart(w("latency"), list(f.time_ratio), names, [f"× {x:.2f}" for x in f.time_ratio],
                                 right.width, S.ACCENT, top)
            how = S.text(w("latency_how"), S.TINY, S.MUTED).next_to(lat, DOWN, buff=0.2).align_to(lat, LEFT)
            charts = VGroup(mac_chart, VGroup(lat, how)).arrange(RIGHT, buff=1.0, aligned_edge=UP)
            L.MAIN.place(charts, aligned=UP)
            charts.shift(0.3 * DOWN)
            spread = S.text(w("spread", macs_spread=f"{f.macs_spread:.0f}", time_spread=f"{f.time_spread:.0f}"),
                            S.BODY)
            note = CaveatNote(w("note"), width=L.MAIN.width * 0.9, size=S.SMALL)
            under = VGroup(spread, note).arrange(DOWN, buff=0.3)
            under.next_to(charts, DOWN, buff=0.4)
            under.set_x(L.MAIN.center[0])
            self.play(FadeIn(mac_chart), run_time=cue.until("macs"))
            self.play(FadeIn(lat), FadeIn(how), run_time=cue.until("timed"))
            self.play(FadeIn(spread), run_time=cue.until("spread"))
            self.play(FadeIn(note), run_time=cue.until("load"))

    def synthesis(self):
        w = self.words
        with self.narrate("synthesis") as cue:
            self.add(Heading(w("heading")))
            to_tf = VGroup(S.text(w("to_tf"), S.BODY, S.BLUE),
                           *[S.text(s, S.SMALL) for s in w("to_tf_items").splitlines()]
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
            to_cn = VGroup(S.text(w("to_cn"), S.BODY, S.ACCENT),
                           *[S.text(s, S.SMALL) for s in w("to_cn_items").splitlines()]
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
            lists = VGroup(to_tf, to_cn).arrange(RIGHT, buff=1.0, aligned_edge=UP)
            L.MAIN.place(lists, aligned=UP)  # one scale for both lists
            lists.shift(0.2 * DOWN)
            sw, cn = self.table.row("Swin-T"), self.table.row("ConvNeXt-T")
            meet = S.text(w("meet", swin_params=f"{sw.params / 1e6:.1f}", swin_macs=macs_text(sw.macs),
                            swin_top1=f"{sw.top1:.1f}", cn_params=f"{cn.params / 1e6:.1f}",
                            cn_macs=macs_text(cn.macs), cn_top1=f"{cn.top1:.1f}"), S.SMALL, S.GREEN)
            older = wrapped(w("older"), S.SMALL, to_cn.width + 0.5, S.BLUE)
            older.next_to(to_cn, DOWN, buff=0.3).align_to(to_cn, LEFT)
            meet.next_to(VGroup(to_tf, to_cn, older), DOWN, buff=0.5).set_x(L.MAIN.center[0])
            self.play(FadeIn(to_tf[0]), run_time=cue.until("to_tf"))
            self.play(LaggedStart(*[FadeIn(m) for m in to_tf[1:]], lag_ratio=0.5), run_time=cue.clause())
            self.play(FadeIn(to_cn[0]), run_time=cue.until("to_cn"))
            self.play(LaggedStart(*[FadeIn(m) for m in to_cn[1:]], lag_ratio=0.5), run_time=cue.clause())
            self.play(FadeIn(older), run_time=cue.until("older"))
            cite = CitationCard(w("citation"), w("accuracy_where"))
            self.play(FadeIn(meet), FadeIn(cite), run_time=cue.until("meet"))

    def recap(self):
        w = self.words
        with self.narrate("recap") as cue:
            self.add(Heading(w("heading")))
            # One paragraph per sentence: `wrapped` mis-measures one very long string (its last line shrinks).
            width = L.MAIN.width - 1.5
            take = VGroup(
                wrapped(w("takeaway"), S.BODY, width, S.ACCENT),
                wrapped(w("took"), S.BODY, width),
                wrapped(w("speed"), S.BODY, width),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            frame = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            frame.set_stroke(S.ACCENT, 1.5).move_to(take)
            g = VGroup(frame, take)
            L.MAIN.place(g)
            self.play(FadeIn(g), run_time=cue.clause())
            self.play(FadeIn(NextLessonFooter(self.lesson, w("next"))), run_time=cue.until("next"))
