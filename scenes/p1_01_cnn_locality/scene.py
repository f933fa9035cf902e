"""Phase 1, lesson 1: CNNs see locally on purpose: is that the bug at scale?.

A 3x3 kernel slides over the photo; locality and weight sharing make a convolution cheap (its parameters are
counted on a real timm ResNet-18, seeded random init) and a good prior for little data; the receptive field of
that ResNet grows block by block, in theory (kernel, stride, padding of the real modules) and in effect (the
input gradient of one output unit, Luo et al. 2016), drawn on the photo; a pixel on the cat reaches a unit over
the astronaut only in the last block, while one attention layer of the ViT links the two patches directly
(a real block-0 weight from the trace, chosen by the rule in vitmath.locality). Fair to CNNs: they do reach
global context; the point is the prior and its cost at scale (ViT paper Sec. 4.4, Fig. 5).

    manim -ql scenes/p1_01_cnn_locality/scene.py CnnLocality
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, ORIGIN, RIGHT, UP, Create, DashedLine, FadeIn, Group, LaggedStart, Line,
                   Rectangle, Square, Transform, VGroup, Write)

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.heatmaps import Heatmap, HeatmapOnPhoto, SmallMultiples
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import PixelImage
from scenes.common.values import is_course_photo
from vitmath.locality import ZOOM, cached_locality_facts

# The keys this lesson may give each [choice.*] table of its script (`vitlessons list` checks they match).
# The regions are the cat and the astronaut on the course photo, a fixed rule on any other photo.
CHOICES = {
    "cnn": ("resnet18",),
    "global_pool": ("avg",),
    "region_a": ("course", "yours"),
    "region_b": ("course", "yours"),
    "region_rule": ("course", "yours"),
    "region_a_label": ("course", "yours"),
    "region_b_label": ("course", "yours"),
    "region_a_quarter": ("course", "yours"),
    "locality": ("mostly", "partly"),
    # Does some block's theoretical field touch the key patch? ResNet-18's last field (435 px) reaches every
    # pixel of a 224 px image from any unit, but on a 384 px image a unit near one edge cannot see a patch
    # near the other: no block reaches, and only the global pooling after the last one mixes the two.
    "reach": ("block", "none"),
    "reach_where": ("block", "none"),
}

# The placeholders that name the two regions: all say the course photo's cat and astronaut, or the fixed rule.
REGION_PLACEHOLDERS = ("region_a", "region_b", "region_rule", "region_a_label", "region_b_label",
                       "region_a_quarter")


def region_choices(course_photo: bool) -> dict[str, Choice]:
    """The regions' words: the pasted cat and the astronaut photo on the course photo; on any other photo we
    cannot know where anything is, so the quadrant rule's own names. The two labels and the quarter are only
    drawn, never spoken."""
    region = Choice("course" if course_photo else "yours")
    return {name: region for name in REGION_PLACEHOLDERS}


def reach_choices(first_reach: int | None) -> dict[str, Choice]:
    """Whether some block's theoretical field reaches the key patch (facts.first_reach, None when none does):
    the spoken sentence and the label of the gradient drawn beside the rows."""
    key = "none" if first_reach is None else "block"
    return {"reach": Choice(key), "reach_where": Choice(key)}


def pixel_rect(image: PixelImage, size: int, top: float, bottom: float, left: float, right: float,
               color: str = S.ACCENT, stroke_width: float = 4) -> Rectangle:
    """The outline of pixel rows top..bottom, columns left..right (inclusive) of an image `size` pixels wide,
    clipped to the image."""
    y0, y1 = max(top, 0.0), min(bottom + 1.0, float(size))
    x0, x1 = max(left, 0.0), min(right + 1.0, float(size))
    ul = image.get_corner(UP + LEFT)
    unit = image.height / size
    rect = Rectangle(width=(x1 - x0) * unit, height=(y1 - y0) * unit, color=color, stroke_width=stroke_width)
    return rect.move_to(ul + np.array([(x0 + x1) / 2 * unit, -(y0 + y1) / 2 * unit, 0.0]))


def field_rect(image: PixelImage, size: int, field, color: str = S.ACCENT, stroke_width: float = 4) -> Rectangle:
    return pixel_rect(image, size, *field.box(), color=color, stroke_width=stroke_width)


def erf_rect(image: PixelImage, size: int, field, color: str = S.GREEN, stroke_width: float = 3) -> Rectangle:
    half = (field.erf_size - 1) / 2
    y, x = field.centre
    return pixel_rect(image, size, y - half, y + half, x - half, x + half, color, stroke_width)


class CnnLocality(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        self.facts = f = cached_locality_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        link = f.link
        self.course = is_course_photo(self.inputs.image)
        self.shown = self.stage_ends()
        last = f.fields[-1]
        # The block whose numbers the reach cue gives: the first that reaches the key patch; when none does
        # (a large image), the last, whose gradient on that patch is then zero.
        reach = f.first_reach if f.first_reach is not None else len(f.fields) - 1
        first = f.fields[reach]
        cf = f.centre_fields
        mid = cf[self.shown[-2]]
        return {
            "cnn": Choice(f.cnn),
            **region_choices(self.course),
            **reach_choices(f.first_reach),
            "kernel_side": f.kernel.shape[0],
            "kernel_weights": f.kernel.size,
            "out_side": f.response.shape[0],
            "conv_name": f.conv_name,
            "c_in": f.c_in,
            "c_out": f.c_out,
            "fmap_side": f.fmap[0],
            "conv_params": num.integer(f.conv_params),
            "dense_params": num.scientific(f.dense_params, 1),
            "dense_billions": num.integer(round(f.dense_params / 1e9)),
            "param_ratio": f"{f.dense_params / f.conv_params / 1e6:.1f}",  # millions
            "cnn_params": f"{f.cnn_params / 1e6:.1f}",                      # millions
            "num_convs": last.convs,
            "num_blocks": len(f.fields),
            "naive_size": f.naive_size,
            "final_field": last.theoretical,
            "final_jump": last.jump,
            "stem_field": cf[0].theoretical,
            "mid_name": mid.name,
            "mid_field": mid.theoretical,
            "mid_erf": mid.erf_size,
            "mid_area": num.percent((mid.erf_size / mid.theoretical) ** 2),
            "query_patch": link.query,
            "key_patch": link.key,
            "link_head": link.head + 1,  # heads and blocks count from 1 everywhere
            "link_block": link.block + 1,
            "link_weight": num.decimal(link.weight, 3),
            "link_ratio": f"{link.weight / link.uniform:.0f}",
            "uniform_weight": num.decimal(link.uniform, 4),
            "link_distance_px": f"{link.distance_px:.0f}",
            "link_far": link.distance_patches,
            "self_weight": num.decimal(float(link.row.reshape(-1)[link.query]), 3),
            **self.query_shares(link),
            "min_half": d.grid // 2,
            "attn_pairs": num.integer(link.pairs),
            "attn_min": num.scientific(link.min_weight, 1),
            "reach_block": first.name,
            "reach_convs": first.convs,
            # Outside every theoretical field the gradient is exactly 0: said and shown as 0, not 0.0.
            "reach_share": num.scientific(f.reach[reach], 1) if f.reach[reach] else num.integer(0),
            "reach_block_index": reach + 1,
            "global_pool": Choice(f.global_pool),
        }

    def neighbourhood(self, link) -> tuple[list[int], np.ndarray]:
        """The query's 3x3 neighbourhood (itself included) as token indices, and its row of weights (T,)."""
        g = self.dims.grid
        r, c = divmod(link.query, g)
        near = [1 + rr * g + cc for rr in range(max(r - 1, 0), min(r + 2, g))
                for cc in range(max(c - 1, 0), min(c + 2, g))]
        return near, self.trace.blocks[link.block].attn[link.head, 1 + link.query].numpy()

    def map_clip(self, link) -> float:
        """The top of the map's colour scale: the largest weight beyond the neighbourhood. On the full range the
        query's own cell is the only bright one and every far weight, the key's included, reads as black."""
        near, row = self.neighbourhood(link)
        return float(np.delete(row[1:], [i - 1 for i in near]).max())

    def query_shares(self, link) -> dict:
        """Where the query patch's weight goes in the shown head: its 3x3 neighbourhood and the CLS token,
        which the map over the patches does not draw."""
        near, row = self.neighbourhood(link)
        neighbourhood = float(row[near].sum())
        return {"neighbour_share": num.percent(neighbourhood), "cls_share": num.percent(float(row[0])),
                "locality": Choice("mostly" if neighbourhood > 0.5 else "partly")}

    # ------------------------------------------------------------------ shared pieces
    def stage_ends(self) -> list[int]:
        """Indices (into facts.fields) of the last block of each stage after the stem: the blocks we draw."""
        names = [f.name for f in self.facts.fields]
        stages = [n.rsplit(".", 1)[0] for n in names]
        ends = [i for i in range(len(names)) if i + 1 == len(names) or stages[i + 1] != stages[i]]
        return [i for i in ends if i > 0][-4:]

    def photo_grid(self, height: float = 5.4) -> PhotoGrid:
        g = PhotoGrid(self.trace.picture, self.trace.dims.grid, height=height,
                      patch_pixels=self.trace.patch_pixels, line_opacity=0.25, line_width=1)
        return L.LEFT.place(g, aligned=LEFT)

    def block_label(self, name: str) -> str:
        """A module name as a row label: the stem's last module (e.g. act1) is just "stem"."""
        return name if "." in name else self.words("stem")

    def conv_count(self, convs: int) -> dict:
        """"1 conv " / "12 convs", padded so that rows of a monospaced table line up."""
        unit = self.words("conv_one" if convs == 1 else "conv_many")
        return {"convs": f"{convs:2d}", "unit": unit.ljust(len(self.words("conv_many")))}

    def cues(self):
        return [self.hook, self.kernel, self.prior, self.data, self.rf_theory, self.rf_photo, self.erf,
                self.reach, self.attention, self.fair, self.takeaway]

    # ------------------------------------------------------------------ cues
    def hook(self):
        f = self.facts
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.25)
            g = self.photo_grid()
            self.play(FadeIn(g), run_time=cue.share(0.08))  # pacing: the photo comes up after the title
            q, k = f.link.query, f.link.key
            local = g.window(q, S.BLUE)
            local_l = S.text(self.words("local"), S.BODY, S.BLUE)
            far = Line(g.cell_center(q), g.cell_center(k), color=S.ACCENT, stroke_width=5)
            far_l = S.text(self.words("far"), S.BODY, S.ACCENT)
            panel = VGroup(local_l, far_l).arrange(DOWN, aligned_edge=LEFT, buff=0.8)
            L.RIGHT.place(panel, aligned=LEFT)
            self.play(Create(local), FadeIn(local_l), run_time=cue.until("local"))
            self.play(Create(far), FadeIn(far_l), run_time=cue.until("far"))

    def kernel(self):
        f = self.facts
        with self.narrate("kernel") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.45)
            zy, zx = f.zoom_origin
            crop = (np.clip(f.gray[zy:zy + ZOOM, zx:zx + ZOOM], 0, 1) * 255).astype(np.uint8)
            side = crop.shape[0]
            zoom = PixelImage(crop, height=3.4)
            cell = zoom.height / side
            kern = VGroup(*[S.text(f"{v:g}".replace("-", "−").rjust(2), S.SMALL, S.INK, mono=True)
                           for v in f.kernel.reshape(-1)])
            kern.arrange_in_grid(rows=3, cols=3, buff=(0.35, 0.15))
            kern_l = S.text(self.words("same_weights"), S.SMALL, S.MUTED)
            kern_src = S.text(self.words("sobel"), S.TINY, S.MUTED)
            zoom_l = S.text(self.words("zoomed", side=side), S.SMALL, S.MUTED)
            col = Group(zoom_l, zoom, VGroup(kern, kern_l, kern_src).arrange(DOWN, buff=0.15)).arrange(DOWN, buff=0.25)
            left.place(col)
            cell = zoom.height / side
            ul = zoom.get_corner(UP + LEFT)
            window = Square(3 * cell, color=S.ACCENT, stroke_width=5).set_fill(S.ACCENT, 0.15)
            at = lambda r, c: ul + np.array([(c + 1.5) * cell, -(r + 1.5) * cell, 0])  # noqa: E731
            window.move_to(at(0, 0))
            resp = Heatmap(f.response, "coolwarm", vmin=-np.abs(f.response).max(), vmax=np.abs(f.response).max(),
                           label=self.words("response"), height=4.3)
            resp_l = S.text(self.words("output"), S.SMALL)
            rg = Group(resp, resp_l).arrange(DOWN, buff=0.2)
            right.place(rg)
            s = f.response.shape[0]
            u = resp.image.height / s
            mark = Square(side * u, color=S.ACCENT, stroke_width=3).move_to(
                resp.image.get_corner(UP + LEFT) + np.array([(zx + side / 2) * u, -(zy + side / 2) * u, 0]))
            self.play(FadeIn(col), run_time=cue.until("kernel"))
            self.play(Create(window), run_time=cue.until("place"))
            # One pixel at a time along the top row while the voice says so, then the rest of the way at once.
            steps = side - 2
            run = cue.until("slide")
            for c in range(1, steps):
                self.play(window.animate.move_to(at(0, c)), run_time=0.7 * run / steps)
            self.play(window.animate.move_to(at(steps - 1, steps - 1)), run_time=cue.clause())
            self.play(FadeIn(rg), Create(mark), run_time=cue.until("edges"))

    def prior(self):
        f = self.facts
        with self.narrate("prior") as cue:
            self.add(Heading(self.words("heading")))
            layer = S.text(self.words("layer"), S.BODY, S.MUTED)
            conv = tex(self.words("conv_tex", conv_params_tex=num.integer(f.conv_params).tex), S.HEADING, S.GREEN)
            n = f.c_in * f.fmap[0] * f.fmap[1]
            dense = tex(self.words("dense_tex", inputs_tex=num.integer(n).tex,
                                   dense_params_tex=num.scientific(f.dense_params, 1).tex), S.HEADING, S.RED)
            ratio = S.text(self.words("ratio"), S.BODY, S.ACCENT)
            total = S.text(self.words("total"), S.SMALL, S.MUTED)
            block = VGroup(layer, conv, dense, ratio, total).arrange(DOWN, buff=0.45)
            L.MAIN.place(block)
            self.play(FadeIn(layer), run_time=cue.until("layer"))
            self.play(Write(conv), run_time=cue.until("conv"))
            self.play(Write(dense), run_time=cue.until("dense"))
            self.play(FadeIn(ratio), run_time=cue.until("ratio"))
            self.play(FadeIn(total), run_time=cue.until("total"))
            self.play(FadeIn(CitationCard(self.words("vit_paper"), self.words("source"))), run_time=cue.until("bias"))

    def data(self):
        with self.narrate("data") as cue:
            self.add(Heading(self.words("heading")))
            rows = VGroup(*[S.text(self.words(name), S.BODY, colour) for name, colour in
                            [("imagenet", S.INK), ("imagenet_result", S.GREEN), ("jft", S.INK), ("jft_result", S.BLUE)]],
                          S.text(self.words("subsets"), S.SMALL, S.MUTED),
                          ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            rows[2].shift(0.3 * DOWN)
            rows[3].shift(0.3 * DOWN)
            rows[4].shift(0.6 * DOWN)
            L.MAIN.place(rows)
            self.play(FadeIn(CitationCard(self.words("vit_paper"), self.words("source"))), run_time=cue.until("paper"))
            self.play(FadeIn(rows[0]), FadeIn(rows[1]), run_time=cue.until("imagenet"))
            self.play(FadeIn(rows[2]), FadeIn(rows[3]), run_time=cue.until("jft"))
            self.play(FadeIn(rows[4]), run_time=cue.until("subsets"))

    def rf_theory(self):
        f = self.facts
        with self.narrate("rf-theory") as cue:
            self.add(Heading(self.words("heading")))
            rule = tex(self.words("rule_tex"), S.HEADING)
            legend = S.text(self.words("legend"), S.TINY, S.MUTED)
            head = VGroup(rule, legend).arrange(DOWN, buff=0.15)
            L.MAIN.place(head, aligned=UP)
            head.shift(0.1 * DOWN)
            fields = f.centre_fields
            biggest = max(x.theoretical for x in fields)
            bar_h, gap = 0.36, 0.1
            width = L.MAIN.width - 6.2
            rows = VGroup()
            for x in fields:
                name = S.text(self.block_label(x.name), S.SMALL, S.INK, mono=True)
                info = S.text(self.words("info", jump=f"{x.jump:2d}", **self.conv_count(x.convs)), S.TINY, S.MUTED,
                              mono=True)
                bar = Rectangle(width=max(width * x.theoretical / biggest, 0.02), height=bar_h, stroke_width=0)
                bar.set_fill(S.ACCENT, 0.85)
                val = S.text(self.words("field", px=x.theoretical), S.SMALL, S.ACCENT)
                val.add_background_rectangle(color=S.BACKGROUND, opacity=0.85, buff=0.03)
                rows.add(VGroup(name, info, bar, val))
            for r, row in enumerate(rows):
                y = -r * (bar_h + gap)
                row[0].move_to([0, y, 0], aligned_edge=LEFT)
                row[1].move_to([1.6, y, 0], aligned_edge=LEFT)
                row[2].move_to([3.9, y, 0], aligned_edge=LEFT)
                row[3].next_to(row[2], RIGHT, buff=0.15)
            naive = S.text(self.words("naive"), S.SMALL, S.RED)
            table = VGroup(rows, naive)
            rows.move_to(ORIGIN)
            naive.next_to(rows, DOWN, buff=0.35).align_to(rows, LEFT)
            room = L.Region(L.MAIN.left, L.MAIN.right, L.BODY.bottom, head.get_bottom()[1] - 0.3)
            room.place(table, aligned=DOWN)
            x_img = rows[0][2].get_left()[0] + rows[-1][2].width * self.size / biggest
            img_line = DashedLine([x_img, rows.get_top()[1] + 0.15, 0], [x_img, rows.get_bottom()[1] - 0.05, 0],
                                  color=S.RED, stroke_width=2)
            img = S.text(self.words("image"), S.TINY, S.RED).next_to(img_line, UP, buff=0.05)
            self.play(Write(head), run_time=cue.until("rule"))
            self.play(LaggedStart(*[FadeIn(r, shift=0.2 * RIGHT) for r in rows], lag_ratio=0.25),
                      run_time=cue.until("rows"))
            self.play(Create(img_line), FadeIn(img), run_time=cue.until("wider"))
            self.bring_to_front(rows)
            self.play(FadeIn(naive), run_time=cue.until("naive"))

    def drawn_fields(self):
        """The unit nearest the image centre, at the last block of each stage: what rf-photo and erf draw."""
        return [self.facts.centre_fields[i] for i in self.shown]

    def rf_photo(self):
        fields = self.drawn_fields()
        with self.narrate("rf-photo") as cue:
            self.add(Heading(self.words("heading")))
            photos = Group(*[PixelImage(self.trace.picture, height=2.7) for _ in fields]).arrange(RIGHT, buff=0.35)
            L.MAIN.place(photos)
            photos.shift(0.3 * UP)
            labels = VGroup(*[S.text(self.words("label", block=x.name, px=x.theoretical), S.SMALL)
                              .next_to(p, DOWN, buff=0.2) for x, p in zip(fields, photos)])
            rects = VGroup(*[field_rect(p, self.size, x) for x, p in zip(fields, photos)])
            dots = VGroup(*[pixel_rect(p, self.size, x.centre[0], x.centre[0], x.centre[1], x.centre[1], S.INK, 6)
                            for x, p in zip(fields, photos)])
            self.play(FadeIn(photos), FadeIn(dots), run_time=cue.clause())
            # One stage after another, from "the theoretical field" until the voice says it covers the image.
            cue.until("fields")
            step = (cue.at("covers") - cue.at("fields")) / len(fields)
            for k in range(len(fields)):
                self.play(Create(rects[k]), FadeIn(labels[k]), run_time=step)
            note = S.text(self.words("note"), S.TINY, S.MUTED)
            note.next_to(labels, DOWN, buff=0.35)
            self.play(FadeIn(note), run_time=cue.until("covers"))

    def erf(self):
        fields = self.drawn_fields()
        with self.narrate("erf") as cue:
            self.add(Heading(self.words("heading")))
            maps = np.stack([x.grad.numpy() for x in fields])[None]
            sm = SmallMultiples(maps, [""], [x.name for x in fields], picture=self.trace.picture, cmap="inferno",
                                vmin=0.0, vmax=1.0, alpha=0.75, label=self.words("scale"),
                                height=L.MAIN.height - 1.6, width=L.MAIN.width)
            L.MAIN.place(sm)
            sm.shift(0.5 * UP)
            cells = [sm.cell(0, c) for c in range(len(fields))]
            theo = VGroup(*[field_rect(p, self.size, x, S.ACCENT, 3) for x, p in zip(fields, cells)])
            eff = VGroup(*[erf_rect(p, self.size, x) for x, p in zip(fields, cells)])
            nums = VGroup(*[VGroup(S.text(self.words("theory", px=x.theoretical), S.TINY, S.ACCENT),
                                   S.text(self.words("inside", px=x.erf_size), S.TINY, S.GREEN)).arrange(DOWN, buff=0.08)
                            .next_to(p, DOWN, buff=0.15) for x, p in zip(fields, cells)])
            self.play(FadeIn(sm), run_time=cue.until("ours"))
            self.play(Create(theo), run_time=cue.until("blob"))
            self.play(Create(eff), FadeIn(nums), run_time=cue.until("green"))
            how = S.text(self.words("how"), S.TINY, S.MUTED)
            L.MAIN.contain(how.next_to(nums, DOWN, buff=0.2))
            self.play(FadeIn(how), FadeIn(CitationCard(self.words("luo"), self.words("source"))),
                      run_time=cue.until("mid"))

    def reach(self):
        f = self.facts
        link = f.link
        with self.narrate("reach") as cue:
            self.add(Heading(self.words("heading")))
            g = self.photo_grid(height=5.2)
            area = g.outline(f.region_a, S.GREEN, 4)
            q_sq = g.cell_square(link.query, S.BLUE)
            k_sq = g.cell_square(link.key, S.GREEN)
            legend = VGroup(S.text(self.words("unit"), S.SMALL, S.BLUE), S.text(self.words("pixels"), S.SMALL, S.GREEN))
            legend.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            self.play(FadeIn(g), Create(area), run_time=cue.clause())
            rows = VGroup()
            for x in f.fields:
                hit = x.covers(*f.key_box)
                rows.add(S.text(self.words("row", block=f"{self.block_label(x.name):<9}", px=f"{x.theoretical:3d}",
                                           mark=self.words("reaches" if hit else "misses"), **self.conv_count(x.convs)),
                                S.SMALL, S.GREEN if hit else S.INK, mono=True))
            rows.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
            panel = VGroup(legend, rows).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            L.RIGHT.place(panel, aligned=UP + LEFT)
            self.play(Create(q_sq), Create(k_sq), FadeIn(legend), run_time=cue.until("question"))
            # The field grows block by block from "watch" until the voice names the first block that reaches.
            cue.until("grow")
            step = (cue.at("first") - cue.at("grow")) / len(f.fields)
            rect = field_rect(g.photo, self.size, f.fields[0], S.BLUE, 4)
            self.play(Create(rect), FadeIn(rows[0]), run_time=step)
            for i in range(1, len(f.fields)):
                colour = S.GREEN if f.fields[i].covers(*f.key_box) else S.BLUE
                self.play(Transform(rect, field_rect(g.photo, self.size, f.fields[i], colour, 4)),
                          FadeIn(rows[i]), run_time=step)
            share = VGroup(S.text(self.words("share_label"), S.SMALL, S.ACCENT),
                           S.text(self.words("share", reach_share=self.values["reach_share"].screen), S.BODY, S.ACCENT))
            share.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
            share.next_to(rows, DOWN, buff=0.3, aligned_edge=LEFT)
            if share.width > L.RIGHT.width:
                share.scale_to_fit_width(L.RIGHT.width)
            self.play(FadeIn(share), run_time=cue.until("share"))

    def attention(self):
        f, d = self.facts, self.trace.dims
        link = f.link
        with self.narrate("attention") as cue:
            self.add(Heading(self.words("heading")))
            clip = self.map_clip(link)
            hm = HeatmapOnPhoto(self.trace.picture, np.minimum(link.row, clip), "inferno", vmin=0.0,
                                vmax=clip, alpha=0.7, label=self.words("map"), height=5.2)
            L.LEFT.place(hm, aligned=LEFT)
            # The note names the bar's own top tick, so the two can never read differently.
            clipped = wrapped(self.words("clipped", map_clip=hm.colorbar.tick_numbers[-1].screen), S.TINY, hm.width,
                              S.MUTED).next_to(hm, DOWN, buff=0.2)
            clipped.align_to(hm, LEFT)
            a = hm.cell_center(link.query)
            b = hm.cell_center(link.key)
            side = hm.image.height / d.grid
            q_sq = Square(side, color=S.BLUE, stroke_width=5).move_to(a)
            k_sq = Square(side, color=S.GREEN, stroke_width=5).move_to(b)
            line = Line(a, b, color=S.ACCENT, stroke_width=6)
            self.play(FadeIn(hm), FadeIn(clipped), run_time=cue.until("map"))
            self.play(Create(q_sq), Create(line), Create(k_sq), run_time=cue.until("key"))
            rows = VGroup(
                S.text(self.words("pair"), S.BODY),
                tex(self.words("weight_tex", weight_tex=num.decimal(link.weight, 3).tex), S.HEADING, S.ACCENT),
                tex(self.words("ratio_tex", tokens=d.T), S.BODY),
                S.text(self.words("apart"), S.BODY, S.GREEN),
                S.text(self.words("positive", pairs=num.integer(link.pairs).screen), S.SMALL, S.MUTED),
                S.text(self.words("smallest", smallest=num.scientific(link.min_weight, 1).screen), S.SMALL, S.MUTED),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            rule = wrapped(self.words("rule"), S.TINY, L.RIGHT.width - 0.2, S.MUTED)
            L.RIGHT.place(rows, aligned=LEFT)
            rows.shift(0.3 * UP)
            rule.next_to(rows, DOWN, buff=0.4, aligned_edge=LEFT)
            self.play(FadeIn(rows[0]), Write(rows[1]), run_time=cue.until("weight"))
            self.play(Write(rows[2]), FadeIn(rows[3]), run_time=cue.until("uniform"))
            self.play(FadeIn(rows[4]), FadeIn(rows[5]), FadeIn(rule), run_time=cue.until("rule"))

    def fair(self):
        with self.narrate("fair") as cue:
            self.add(Heading(self.words("heading")))
            rows = VGroup(
                S.text(self.words("last"), S.BODY, S.GREEN),
                S.text(self.words("pool"), S.BODY, S.GREEN),
                S.text(self.words("price"), S.BODY, S.ACCENT),
                S.text(self.words("matched"), S.BODY),
                S.text(self.words("compute"), S.HEADING, S.BLUE),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            rows[3].shift(0.3 * DOWN)
            rows[4].shift(0.3 * DOWN)
            L.MAIN.place(rows)
            self.play(FadeIn(rows[0]), run_time=cue.until("last"))
            self.play(FadeIn(rows[1]), run_time=cue.until("pool"))
            self.play(FadeIn(rows[2]), run_time=cue.until("cost"))
            self.play(FadeIn(rows[3]), FadeIn(rows[4]),
                      FadeIn(CitationCard(self.words("vit_paper"), self.words("source"))),
                      run_time=cue.until("scaling"))

    def takeaway(self):
        with self.narrate("takeaway") as cue:
            self.add(Heading(self.words("heading")))
            line = S.text(self.words("line"), S.BODY, S.INK, line_spacing=1.2)
            L.MAIN.place(line)
            self.play(Write(line), run_time=cue.until("line"))
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("next"))), run_time=cue.until("next"))
