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
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, Group, LaggedStart, Line, Rectangle,
                   RoundedRectangle, Square, VGroup, Write)
from PIL import Image

from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.backbone_table import BackboneTableMobject, latency_text, macs_text
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import PixelImage
from vitmath.backbones import (ROADMAP, cached_architecture_facts, cached_backbone_table,
                               lesson_model_cost)

SWIN_PAPER = "Liu et al. 2021, Swin Transformer"
CONVNEXT_PAPER = "Liu et al. 2022, A ConvNet for the 2020s"
# How the narrator names a table row: "ViT-S/16" would be read out letter by letter and slash.
SPOKEN_NAME = {"ViT-S/16": "ViT-S"}
# Whose accuracy a row carries: the ViT-S/16 row's cited top-1 is DeiT-S's (same architecture, DeiT training).
ACCURACY_NAME = {"ViT-S/16": "DeiT-S"}
ACCURACY_SOURCES = ("Touvron et al. 2021 (DeiT), Table 5 · Liu et al. 2021 (Swin), Table 1 · "
                    "Liu et al. 2022 (ConvNeXt), Table 1 and Fig. 2")


def count_phrase(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def ratios(depths: list[int]) -> list[float]:
    """Stage depths relative to the shortest stage: [2, 2, 6, 2] -> [1, 1, 3, 1]."""
    return [d / min(depths) for d in depths]


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


def square_over(photo: PixelImage, top: float, left: float, side: float, color: str, width: float = 5,
                fill: float = 0.0) -> Rectangle:
    """A square on `photo` with its top-left corner at (top, left) and side `side`, all fractions of the photo."""
    ul, ur, dl = (np.asarray(p, dtype=float) for p in photo.points[:3])
    across, down = ur - ul, dl - ul
    s = side * np.linalg.norm(across)
    sq = Square(s).set_stroke(color, width).set_fill(color, fill)
    return sq.move_to(ul + (left + side / 2) * across + (top + side / 2) * down)


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
        self.own = own = lesson_model_cost(self.inputs.model, self.inputs.weights)
        sw, cn, rn = a.swin, a.convnext, a.resnet
        s1, last = sw.stages[0], sw.stages[-1]
        self.swin_picture = self._swin_picture(sw.image_size)

        if last.windows_per_side == 1 and last.window_pixels >= sw.image_size:
            last_stage = (f"At stage {len(sw.stages)}, one window covers the whole {sw.image_size}-pixel image: "
                          "attention is global again, once the map is small.")
        else:
            last_stage = (f"Even at stage {len(sw.stages)}, there are {last.windows_per_side} by "
                          f"{last.windows_per_side} windows.")
        same_patchify = cn.stem_kernel == cn.stem_stride == sw.patch
        stem = (f"ConvNeXt-T's stem cuts {cn.stem_kernel} by {cn.stem_kernel} patches"
                + (", exactly like Swin," if same_patchify else ",")
                + f" where ResNet-50 starts with a {rn.stem_kernel} by {rn.stem_kernel} convolution and a max-pool.")
        swin_depths = [s.depth for s in sw.stages]
        same_ratio = ratios(swin_depths) == ratios(cn.depths)
        same_widths = cn.widths == [s.width for s in sw.stages]
        # Drawn under ConvNeXt's block: its stage depths follow Swin-T's ratio (and widths), where they do.
        self.swin_note = (f"(Swin-T: {', '.join(map(str, swin_depths))}: the same ratio"
                          + (", the same widths)" if same_widths else ")")) if same_ratio else None
        fewer = cn.norms_per_block < rn.norms_per_block and cn.acts_per_block < rn.acts_per_block
        if fewer:
            norm_act = "and there are fewer of them."
        else:
            norm_act = (f"with {count_phrase(cn.norms_per_block, 'norm')} and "
                        f"{count_phrase(cn.acts_per_block, 'activation')} per block.")

        rows = t.rows
        p = [r.params / 1e6 for r in rows]
        m = [r.macs / 1e9 for r in rows]
        size = (f"All four have between {min(p):.0f} and {max(p):.0f} million parameters, and between "
                f"{min(m):.1f} and {max(m):.1f} billion MACs")
        size += ": one weight class." if max(m) / min(m) < 1.25 and max(p) / min(p) < 1.5 else "."
        by_acc = sorted(rows, key=lambda r: -r.top1)
        accuracy = (f"The accuracies, cited from the papers, run from {ACCURACY_NAME.get(by_acc[-1].short, by_acc[-1].short)}'s "
                    f"{by_acc[-1].top1:.1f} to {ACCURACY_NAME.get(by_acc[0].short, by_acc[0].short)}'s "
                    f"{by_acc[0].top1:.1f} percent.")
        vit_s = t.row("ViT-S/16")
        same_as_vit_s = own.params == vit_s.params and own.macs == vit_s.macs
        lesson_model = (f"The ViT of our other lessons has {own.params / 1e6:.1f} million parameters and "
                        f"{own.macs / 1e9:.2f} billion MACs" + (": it is the ViT-S row." if same_as_vit_s else "."))

        fewest, most = min(rows, key=lambda r: r.macs), max(rows, key=lambda r: r.macs)
        fastest, slowest = min(rows, key=lambda r: r.latency_ms), max(rows, key=lambda r: r.latency_ms)
        ms = lambda r: f"{r.latency_ms:.0f} milliseconds"  # noqa: E731
        say = lambda r: SPOKEN_NAME.get(r.short, r.short)  # noqa: E731
        first = (f"{say(fastest)}, with the fewest MACs, is also the fastest here, at {ms(fastest)}."
                 if fastest is fewest else
                 f"{say(fastest)} is the fastest here, at {ms(fastest)}, although {say(fewest)} has the fewest MACs.")
        second = (f"{say(slowest)}, with the most MACs, is also the slowest, at {ms(slowest)}."
                  if slowest is most else
                  f"The slowest is {say(slowest)}, at {ms(slowest)}, although {say(most)} has more MACs.")
        macs_spread = 100 * (most.macs / fewest.macs - 1)
        time_spread = 100 * (slowest.latency_ms / fastest.latency_ms - 1)
        self.latency_facts = (fewest, most, fastest, slowest, macs_spread, time_spread)

        swin_row, cn_row = t.row("Swin-T"), t.row("ConvNeXt-T")
        close = (abs(swin_row.params / cn_row.params - 1) < 0.1 and abs(swin_row.macs / cn_row.macs - 1) < 0.1)
        gap = f"{abs(cn_row.top1 - swin_row.top1):.1f} points apart in cited accuracy."
        meet = (f"The two met in the middle: Swin-T and ConvNeXt-T have about the same size and compute, and are {gap}"
                if close else f"Swin-T and ConvNeXt-T are {gap}")
        (_, resnet_top1), (_, recipe_top1), (_, end_top1) = ROADMAP
        return {
            "swin_patch": sw.patch,
            "swin_tokens": s1.tokens,
            "swin_num_tokens": num.integer(s1.tokens ** 2),
            "swin_pairs": num.integer(s1.tokens ** 4),
            "swin_pairs_millions": num.decimal(s1.tokens ** 4 / 1e6, 1),
            "window": s1.window,
            "window_tokens": s1.window ** 2,
            "window_px": s1.window_pixels,
            "windows_per_side": s1.windows_per_side,
            "shift": s1.shift,
            "shift_px": s1.shift * s1.pixels_per_token,
            "stage_sides": spoken_list([str(s.tokens) for s in sw.stages], "then"),
            "swin_first_width": s1.width,
            "swin_last_width": last.width,
            "window_px_list": spoken_list([str(s.window_pixels) for s in sw.stages], "then"),
            "last_stage_sentence": last_stage,
            "swin_depths": spoken_list([str(d) for d in swin_depths]),
            "resnet_top1": f"{resnet_top1:.1f}",
            "recipe_top1": f"{recipe_top1:.1f}",
            "roadmap_end_top1": f"{end_top1:.1f}",
            "stem_sentence": stem,
            "resnet_kernel": rn.spatial_kernel,
            "cn_kernel": cn.spatial_kernel,
            "resnet_block_in": rn.block_in,
            "resnet_block_inner": rn.block_inner,
            "cn_block_in": cn.block_in,
            "cn_block_inner": cn.block_inner,
            "cn_expansion": cn.block_inner // cn.block_in,
            "norm_act_sentence": norm_act,
            "table_size": t.image_size,
            "vit_s_patch": 16 if "patch16" in vit_s.timm_name else vit_s.timm_name,
            "size_sentence": size,
            "accuracy_sentence": accuracy,
            "lesson_model_sentence": lesson_model,
            "threads": count_phrase(t.machine.threads, "thread"),
            "latency_sentence": f"{first} {second}",
            "recipe_gain": f"{recipe_top1 - resnet_top1:.1f}",
            "meet_sentence": meet,
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
    def swin_photo(self, height: float) -> PixelImage:
        return PixelImage(self.swin_picture, height=height)

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
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.1)
            self.add(Heading("Windows and convolutions, back in 2021 and 2022"))
            left, right = L.MAIN.split(0.45)
            g = PhotoGrid(self.trace.picture, d.grid, height=4.6, patch_pixels=self.trace.patch_pixels)
            left.place(g)
            g.shift(0.25 * UP)
            i = (d.grid // 2) * d.grid + d.grid // 2
            cell = g.cell_square(i, S.ACCENT)
            everyone = Square(g.photo.height).set_stroke(S.BLUE, 4).move_to(g.photo)
            cap = S.text(f"ViT: each of {d.N} patches attends to all", S.SMALL, S.MUTED).next_to(g, DOWN, buff=0.2)
            items = VGroup(
                S.text("2020 · ViT: global attention, one scale", S.BODY),
                S.text("2021 · Swin: attention in local windows", S.BODY, S.ACCENT),
                S.text("2022 · ConvNeXt: convolutions, modernised", S.BODY, S.ACCENT),
                S.text("a step backwards?", S.HEADING, S.RED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(items, aligned=LEFT)
            self.play(FadeIn(g), run_time=cue.share(0.06))
            self.play(Create(cell), Create(everyone), FadeIn(cap), run_time=cue.share(0.08))
            self.play(FadeIn(items[0]), run_time=cue.share(0.06))
            self.play(FadeIn(items[1]), run_time=cue.share(0.12))
            self.play(FadeIn(items[2]), run_time=cue.share(0.12))
            self.play(FadeIn(items[3]), run_time=cue.share(0.1))

    def swin_patches(self):
        d, v = self.dims, self.values
        s1 = self.arch.swin.stages[0]
        with self.narrate("swin-patches") as cue:
            self.add(Heading(f"Swin-T cuts the photo into {v['swin_patch']} × {v['swin_patch']}-pixel patches"))
            left, right = L.MAIN.split(0.55)
            photo = self.swin_photo(5.2)
            left.place(photo)
            tokens = lines_over(photo, [k / s1.tokens for k in range(1, s1.tokens)], S.INK, 0.8, 0.6)
            cap = S.text(f"Swin-T: {s1.tokens} × {s1.tokens} = {v['swin_num_tokens'].screen} tokens",
                         S.SMALL, S.ACCENT).next_to(photo, DOWN, buff=0.15)
            vit = PhotoGrid(self.trace.picture, d.grid, height=2.6, patch_pixels=self.trace.patch_pixels)
            vit_cap = S.text(f"our ViT: {d.P} × {d.P} pixels, {d.grid} × {d.grid} = {d.N} tokens", S.SMALL, S.MUTED)
            pairs = VGroup(S.text("global attention would score", S.SMALL),
                           S.text(f"{s1.tokens ** 2:,}² = {v['swin_pairs'].screen} scores", S.BODY, S.RED),
                           S.text("per head, in every block", S.SMALL)).arrange(DOWN, buff=0.12)
            col = Group(vit, vit_cap, pairs).arrange(DOWN, buff=0.3)
            right.place(col)
            self.play(FadeIn(photo), run_time=cue.share(0.08))
            self.play(Create(tokens), FadeIn(cap), run_time=cue.share(0.25))
            self.play(FadeIn(vit), FadeIn(vit_cap), run_time=cue.share(0.15))
            self.play(FadeIn(pairs), run_time=cue.share(0.15))

    def swin_windows(self):
        v = self.values
        s1 = self.arch.swin.stages[0]
        with self.narrate("swin-windows") as cue:
            self.add(Heading(f"Attention only inside windows of {s1.window} × {s1.window} tokens"))
            left, right = L.MAIN.split(0.5)
            photo = self.swin_photo(5.2)
            left.place(photo)
            grid = self.stage_overlay(photo, s1)
            # One window, and one token inside it, to point at: a fixed place (window row 2, column 3).
            wr, wc = min(2, s1.windows_per_side - 1), min(3, s1.windows_per_side - 1)
            step = s1.window / s1.tokens
            win = square_over(photo, wr * step, wc * step, step, S.BLUE, 7, 0.3)
            mid = s1.window // 2  # the token at the window's centre
            tok = square_over(photo, (wr * s1.window + mid) / s1.tokens, (wc * s1.window + mid) / s1.tokens,
                              1 / s1.tokens, S.INK, 2, 1.0)
            facts = VGroup(
                S.text(f"window: {s1.window} × {s1.window} tokens", S.BODY, S.ACCENT),
                S.text(f"= {s1.window_pixels} × {s1.window_pixels} pixels of the photo", S.BODY, S.ACCENT),
                S.text(f"({s1.pixels_per_token} pixels per token)", S.SMALL, S.MUTED),
                S.text(f"{s1.windows_per_side} × {s1.windows_per_side} windows; each token attends to "
                       f"{s1.window ** 2}, not {v['swin_num_tokens'].screen}", S.SMALL),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            cost = VGroup(
                tex(r"\Omega(\mathrm{MSA}) = 4hwC^2 + 2(hw)^2C"),
                tex(r"\Omega(\text{W-MSA}) = 4hwC^2 + 2M^2hwC", color=S.ACCENT),
                S.text("h × w tokens, C channels, windows of M × M tokens", S.TINY, S.MUTED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            panel = VGroup(facts, cost).arrange(DOWN, aligned_edge=LEFT, buff=0.6)
            right.place(panel, aligned=LEFT)
            self.play(FadeIn(photo), FadeIn(grid[0]), run_time=cue.share(0.06))
            self.play(Create(grid[1]), run_time=cue.share(0.12))
            self.play(FadeIn(win), FadeIn(tok), FadeIn(facts[0]), run_time=cue.share(0.1))
            self.play(LaggedStart(*[FadeIn(m) for m in facts[1:]], lag_ratio=0.5), run_time=cue.share(0.25))
            self.play(Write(cost), FadeIn(CitationCard(SWIN_PAPER, "Eq. 1 and 2")), run_time=cue.share(0.15))

    def swin_shift(self):
        s1 = self.arch.swin.stages[0]
        v = self.values
        with self.narrate("swin-shift") as cue:
            self.add(Heading("The next block shifts the windows by half a window"))
            panels = L.MAIN.columns(2, gutter=0.8)
            step = s1.window / s1.tokens
            shift = s1.shift / s1.tokens
            out = []
            for region, shifted, name in ((panels[0], False, "block 1 of a pair: regular windows"),
                                          (panels[1], True, f"block 2: shifted by {s1.shift} tokens = "
                                                            f"{v['shift_px']} pixels")):
                photo = self.swin_photo(4.6)
                overlay = self.stage_overlay(photo, s1, shifted=shifted)
                cap = S.text(name, S.SMALL, S.ACCENT if shifted else S.INK)
                g = Group(photo, overlay)
                region.place(g, aligned=UP)
                g.shift(0.15 * DOWN)
                cap.next_to(photo, DOWN, buff=0.2)
                out.append((photo, overlay, cap))
            (p0, o0, c0), (p1, o1, c1) = out
            # The shifted window that straddles the corner of four regular windows (window row 1, column 1).
            r0 = step + shift
            straddle = square_over(p1, r0, r0, step, S.GREEN, 6, 0.3)
            regular = lines_over(p1, [k * step for k in range(1, s1.windows_per_side)], S.BLUE, 2, 0.8)
            same_on_left = square_over(p0, r0, r0, step, S.GREEN, 5, 0.3)
            note = S.text("green: one shifted window, which gathers tokens from four of the regular windows",
                          S.SMALL, S.GREEN)
            L.FOOTER.place(note)
            self.play(FadeIn(p0), FadeIn(o0), FadeIn(c0), run_time=cue.share(0.1))
            self.play(FadeIn(p1), FadeIn(o1[0]), run_time=cue.share(0.08))
            self.play(Create(o1[1]), FadeIn(c1), run_time=cue.share(0.12))
            self.play(FadeIn(straddle), Create(regular), run_time=cue.share(0.12))
            self.play(Create(same_on_left), FadeIn(note), run_time=cue.share(0.1))

    def swin_merge(self):
        sw = self.arch.swin
        with self.narrate("swin-merge") as cue:
            self.add(Heading("Patch merging: a hierarchy of token grids"))
            panels = L.MAIN.columns(len(sw.stages), gutter=0.35)
            groups = []
            for k, (region, stage) in enumerate(zip(panels, sw.stages)):
                photo = self.swin_photo(region.width)
                overlay = self.stage_overlay(photo, stage, token_width=0.4 if stage.tokens > 30 else 0.8)
                labels = VGroup(
                    S.text(f"stage {k + 1}", S.SMALL, S.ACCENT),
                    S.text(f"{stage.tokens} × {stage.tokens} tokens", S.SMALL),
                    S.text(f"{stage.width} channels", S.SMALL),
                    S.text(f"window = {stage.window_pixels} px", S.SMALL, S.ACCENT),
                    S.text(f"{stage.depth} blocks, {stage.heads} heads", S.TINY, S.MUTED),
                ).arrange(DOWN, buff=0.1)
                g = Group(Group(photo, overlay), labels).arrange(DOWN, buff=0.25)
                region.place(g, aligned=UP)
                groups.append(g)
                if stage.windows_per_side == 1:
                    g.add(Square(photo.height).set_stroke(S.ACCENT, 6).move_to(photo))
            m0 = sw.stages[1]
            note = S.text(f"patch merging: each 2 × 2 group of tokens → 1 token, {sw.stages[0].width} → {m0.width} "
                          "channels, and so on", S.SMALL, S.MUTED)
            note.next_to(Group(*groups), DOWN, buff=0.4)
            everything = Group(*groups, note)
            everything.shift((L.MAIN.center[1] - everything.get_center()[1]) * UP)  # centred in the body
            arrows = VGroup(*[Arrow(a[0].get_right(), b[0].get_left(), buff=0.03, stroke_width=3, color=S.MUTED,
                                    max_tip_length_to_length_ratio=0.4) for a, b in zip(groups, groups[1:])])
            self.play(FadeIn(groups[0]), FadeIn(note), run_time=cue.share(0.12))
            for g, a in zip(groups[1:], arrows):
                self.play(FadeIn(a), FadeIn(g), run_time=cue.share(0.12))

    def convnext_roadmap(self):
        with self.narrate("convnext-roadmap") as cue:
            self.add(Heading("ConvNeXt: modernising ResNet-50, step by step"))
            lo, hi = 70.0, 85.0
            track = L.MAIN.width * 0.5
            rows = VGroup()
            for name, acc in ROADMAP:
                label = S.text(name, S.BODY)
                bar = Rectangle(width=track * (acc - lo) / (hi - lo), height=0.55).set_stroke(width=0)
                bar.set_fill(S.ACCENT if acc == ROADMAP[-1][1] else S.BLUE, 1)
                val = S.text(f"{acc:.1f}%", S.BODY, mono=True)
                rows.add(VGroup(label, bar, val))
            for k, (label, bar, val) in enumerate(rows):
                y = -k * 1.5
                label.move_to([0, y, 0], aligned_edge=RIGHT)
                bar.move_to([0.3, y, 0], aligned_edge=LEFT)
                val.next_to(bar, RIGHT, buff=0.2)
            axis = VGroup(Line([0.3, 0.6, 0], [0.3, -3.6, 0]).set_stroke(S.MUTED, 1),
                          S.text(f"ImageNet-1k top-1 (axis starts at {lo:.0f}%)", S.TINY, S.MUTED))
            axis[1].next_to(axis[0], DOWN, buff=0.1, aligned_edge=LEFT)
            steps = S.text("stage sizes · patchify stem · depthwise conv · inverted bottleneck · "
                           "large kernels · micro design", S.TINY, S.MUTED)
            steps.move_to(rows[2][1].get_top() + 0.42 * UP, aligned_edge=DOWN + LEFT)
            steps.align_to(rows[2][1], LEFT)
            chart = VGroup(rows, axis, steps)
            L.MAIN.place(chart)
            self.play(FadeIn(rows[0]), FadeIn(axis), run_time=cue.share(0.12))
            self.wait(cue.share(0.12))
            self.play(FadeIn(rows[1]), run_time=cue.share(0.15))
            self.wait(cue.share(0.2))
            self.play(FadeIn(steps), run_time=cue.share(0.15))
            self.play(FadeIn(rows[2]), FadeIn(CitationCard(CONVNEXT_PAPER, "Fig. 2")), run_time=cue.share(0.1))

    def convnext_block(self):
        cn, rn = self.arch.convnext, self.arch.resnet
        with self.narrate("convnext-block") as cue:
            self.add(Heading("One block each, read from timm"))
            left, right = L.MAIN.split(0.5, gutter=0.8)
            w = 4.4
            resnet = column_of([
                box([f"1×1 conv  {rn.block_in} → {rn.block_inner}", f"{rn.norm} · {rn.act}"], w),
                box([f"{rn.spatial_kernel}×{rn.spatial_kernel} conv  {rn.block_inner} → {rn.block_inner}  ({rn.spatial_groups})",
                     f"{rn.norm} · {rn.act}"], w),
                box([f"1×1 conv  {rn.block_inner} → {rn.block_in}", f"{rn.norm}"], w),
                box([f"+ input · {rn.act}"], w, S.MUTED),
            ])
            convnext = column_of([
                box([f"{cn.spatial_kernel}×{cn.spatial_kernel} conv  {cn.block_in} → {cn.block_in}  ({cn.spatial_groups})",
                     f"{cn.norm}"], w, S.ACCENT),
                box([f"1×1 conv  {cn.block_in} → {cn.block_inner}  (×{cn.block_inner // cn.block_in})", f"{cn.act}"],
                    w, S.ACCENT),
                box([f"1×1 conv  {cn.block_inner} → {cn.block_in}"], w, S.ACCENT),
                box(["+ input"], w, S.MUTED),
            ])
            cols = []
            for region, name, design, diagram in ((left, "ResNet-50", rn, resnet), (right, "ConvNeXt-T", cn, convnext)):
                title = S.text(name, S.BODY, S.ACCENT if design is cn else S.INK)
                stem = S.text(f"stem: {design.stem}", S.TINY, S.MUTED)
                stem2 = S.text(f"→ {design.stem_out_side} × {design.stem_out_side} map", S.TINY, S.MUTED)
                depths = S.text(f"stages: {', '.join(map(str, design.depths))} blocks; widths "
                                f"{', '.join(map(str, design.widths))}", S.TINY, S.MUTED)
                if design is cn and self.swin_note:
                    depths = VGroup(depths, S.text(self.swin_note, S.TINY, S.MUTED)).arrange(DOWN, buff=0.08)
                col = VGroup(title, VGroup(stem, stem2).arrange(DOWN, buff=0.05), diagram, depths)
                col.arrange(DOWN, buff=0.25)
                region.place(col, aligned=UP)
                col.shift(0.25 * DOWN)
                cols.append(col)
            self.play(FadeIn(cols[0][0]), FadeIn(cols[1][0]), FadeIn(cols[0][1]), FadeIn(cols[1][1]),
                      run_time=cue.share(0.1))
            self.play(FadeIn(cols[0][2]), run_time=cue.share(0.12))
            self.play(FadeIn(cols[1][2]), run_time=cue.share(0.3))
            self.play(FadeIn(cols[0][3]), FadeIn(cols[1][3]), run_time=cue.share(0.1))

    def table_cue(self):
        t = self.table
        with self.narrate("table") as cue:
            self.add(Heading("Four backbones of one size class"))
            table = BackboneTableMobject(t)
            m = t.machine
            how = VGroup(
                S.text(f"parameters: sum of p.numel();  MACs: multiply-adds for one {t.image_size} × {t.image_size} "
                       "image, counted with FlopCounterMode (FLOPs ÷ 2)", S.TINY, S.MUTED),
                S.text("counted: convolutions, linear layers, attention matmuls · not counted: norms, activations, "
                       "softmax, adds", S.TINY, S.MUTED),
                S.text(f"timm models at random init · ViT-S/16 = DeiT-S architecture (top-1: DeiT-S's) · our lessons' ViT: "
                       f"{self.own.params / 1e6:.1f} M parameters, {macs_text(self.own.macs)} MACs", S.TINY, S.MUTED),
                S.text(f"CPU latency: measured on this machine ({m.cpu}, {count_phrase(m.threads, 'thread')}, batch 1, "
                       f"median of {t.runs}); shared with other work, so noisy", S.TINY, S.MUTED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            block = VGroup(table, how).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            L.MAIN.place(block)
            cite = CitationCard(ACCURACY_SOURCES, "ImageNet-1k top-1 at 224")
            self.play(FadeIn(table.rows[0]), FadeIn(table.rule), run_time=cue.share(0.06))
            self.play(LaggedStart(*[FadeIn(r) for r in table.rows[1:]], lag_ratio=0.3), run_time=cue.share(0.15))
            self.play(FadeIn(how[0]), FadeIn(how[1]), run_time=cue.share(0.15))
            self.play(FadeIn(how[2]), run_time=cue.share(0.1))
            self.play(FadeIn(cite), run_time=cue.share(0.1))
            self.play(FadeIn(how[3]), run_time=cue.share(0.1))

    def bar_chart(self, title: str, values: list[float], labels: list[str], texts: list[str], width: float,
                  color: str) -> VGroup:
        """Horizontal bars from zero, longest = `width` minus room for names and values."""
        names = VGroup(*[S.text(n, S.SMALL) for n in labels])
        vals = VGroup(*[S.text(s, S.SMALL, mono=True) for s in texts])
        track = width - names.width - max(v.width for v in vals) - 0.6
        rows = VGroup()
        for k, (n, v, x) in enumerate(zip(names, vals, values)):
            y = -k * 0.75
            bar = Rectangle(width=max(track * x / max(values), 1e-3), height=0.45).set_stroke(width=0)
            bar.set_fill(color, 1).move_to([0, y, 0], aligned_edge=LEFT)
            n.move_to([-0.2, y, 0], aligned_edge=RIGHT)
            v.next_to(bar, RIGHT, buff=0.15)
            rows.add(VGroup(n, bar, v))
        head = S.text(title, S.BODY, color).next_to(rows, UP, buff=0.35).align_to(rows, LEFT)
        return VGroup(head, rows)

    def latency(self):
        t = self.table
        fewest, most, fastest, slowest, macs_spread, time_spread = self.latency_facts
        with self.narrate("latency") as cue:
            self.add(Heading("MACs are not milliseconds"))
            left, right = L.MAIN.split(0.5, gutter=0.8)
            names = [r.short for r in t.rows]
            macs = self.bar_chart("MACs (counted)", [r.macs for r in t.rows], names,
                                  [macs_text(r.macs) for r in t.rows], left.width, S.BLUE)
            lat = self.bar_chart(f"CPU latency (measured, {count_phrase(t.machine.threads, 'thread')})",
                                 [r.latency_ms for r in t.rows], names, [latency_text(r.latency_ms) for r in t.rows],
                                 right.width, S.ACCENT)
            charts = VGroup(macs, lat).arrange(RIGHT, buff=1.0, aligned_edge=UP)
            L.MAIN.place(charts, aligned=UP)  # one scale for both charts
            charts.shift(0.3 * DOWN)
            spread = S.text(f"spread: MACs {macs_spread:.0f}%, time {time_spread:.0f}%", S.BODY)
            note = CaveatNote(f"one shared CPU ({t.machine.cpu}), batch 1, median of {t.runs} runs: noisy; "
                              "a GPU or another CPU can change the order", width=L.MAIN.width * 0.8, size=S.TINY)
            under = VGroup(spread, note).arrange(DOWN, buff=0.3)
            under.next_to(charts, DOWN, buff=0.5)
            under.set_x(L.MAIN.center[0])
            self.play(FadeIn(macs), run_time=cue.share(0.1))
            self.play(FadeIn(lat), run_time=cue.share(0.15))
            self.play(FadeIn(spread), run_time=cue.share(0.15))
            self.wait(cue.share(0.3))
            self.play(FadeIn(note), run_time=cue.share(0.1))

    def synthesis(self):
        v = self.values
        with self.narrate("synthesis") as cue:
            self.add(Heading("A synthesis: each family took the other's best ideas"))
            to_tf = VGroup(S.text("convnets → transformers (Swin)", S.BODY, S.BLUE),
                           *[S.text("• " + s, S.SMALL) for s in
                             ("locality: attention inside windows", "shifted windows link neighbours",
                              "hierarchy: patch merging, 4 stages", "channels grow as the grid shrinks")]
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
            to_cn = VGroup(S.text("transformers → convnets (ConvNeXt)", S.BODY, S.ACCENT),
                           *[S.text("• " + s, S.SMALL) for s in
                             ("patchify stem", "large depthwise kernels", "inverted bottleneck (like the MLP)",
                              "LayerNorm, GELU, fewer of them",
                              f"training recipe: +{v['recipe_gain']} points alone")]
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
            lists = VGroup(to_tf, to_cn).arrange(RIGHT, buff=1.0, aligned_edge=UP)
            L.MAIN.place(lists, aligned=UP)  # one scale for both lists
            lists.shift(0.2 * DOWN)
            sw, cn = self.table.row("Swin-T"), self.table.row("ConvNeXt-T")
            meet = S.text(f"they meet:   Swin-T: {sw.params / 1e6:.1f} M, {macs_text(sw.macs)}, {sw.top1:.1f}%   ·   "
                          f"ConvNeXt-T: {cn.params / 1e6:.1f} M, {macs_text(cn.macs)}, {cn.top1:.1f}%", S.SMALL,
                          S.GREEN)
            meet.next_to(VGroup(to_tf, to_cn), DOWN, buff=0.9).set_x(L.MAIN.center[0])
            self.play(FadeIn(to_tf[0]), run_time=cue.share(0.05))
            self.play(LaggedStart(*[FadeIn(m) for m in to_tf[1:]], lag_ratio=0.5), run_time=cue.share(0.2))
            self.play(FadeIn(to_cn[0]), run_time=cue.share(0.05))
            self.play(LaggedStart(*[FadeIn(m) for m in to_cn[1:]], lag_ratio=0.5), run_time=cue.share(0.35))
            cite = CitationCard("Liu et al. 2021 (Swin), Table 1 · Liu et al. 2022 (ConvNeXt), Table 1 and Fig. 2",
                                "ImageNet-1k top-1 at 224")
            self.play(FadeIn(meet), FadeIn(cite), run_time=cue.share(0.1))

    def recap(self):
        with self.narrate("recap") as cue:
            self.add(Heading("Takeaway"))
            # One paragraph per sentence: `wrapped` mis-measures one very long string (its last line shrinks).
            w = L.MAIN.width - 1.5
            take = VGroup(
                wrapped("Swin and ConvNeXt are a synthesis, not a regression.", S.BODY, w, S.ACCENT),
                wrapped("Transformers took back locality and hierarchy; convnets took the transformer's design and "
                        "training; both land at about the same accuracy for the same compute.", S.BODY, w),
                wrapped("Real speed depends on your hardware, not on the MAC count.", S.BODY, w),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            frame = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            frame.set_stroke(S.ACCENT, 1.5).move_to(take)
            g = VGroup(frame, take)
            L.MAIN.place(g)
            self.play(FadeIn(g), run_time=cue.share(0.2))
            self.wait(cue.share(0.55))
            self.play(FadeIn(NextLessonFooter(self.lesson, "this lesson's table, turned into choices")),
                      run_time=cue.share(0.1))
