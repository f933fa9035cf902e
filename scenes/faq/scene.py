"""The course FAQ: five questions, a minute each, each answer pointing to the lesson that goes deeper.

1. What "an image is worth 16x16 words" means: the model's own patch size, grid and token count.
2. Why ViTs need more data: the priors a convolution builds in; the ViT paper's Figure 3 redrawn point by
   point from its Table 5 (ViT-B/16 and ViT-L/16 against the pre-training set's size), with who leads the BiT
   ResNets at each end, and DeiT's stronger recipe as one more point (both papers cited on screen).
3. How a photo becomes tokens: the model's data config and every tensor shape, read from the trace.
4. What the CLS token does: the real last-block CLS attention map and the real top-5, read by quarters drawn
   on the map, by its brightest patches, and by the model's long (high-norm) tokens; the words are chosen
   from measured facts (scenes.faq.facts), so they stay true on any photo or model.
5. Why Swin borrowed from convnets and ConvNeXt from transformers: Swin's pyramid built step by step
   (patches, windows, the shift, the merges), ConvNeXt's roadmap as its three cited accuracies.

Lesson numbers and titles come from the registry (render/course.py), never typed here.

    manim -ql scenes/faq/scene.py Faq
"""
from __future__ import annotations

from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Circle, Create, DashedLine, Dot, FadeIn, FadeOut, Group, LaggedStart,
                   Line, Rectangle, RoundedRectangle, Square, VGroup)

from scenes.course import BY_ID, LESSONS
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, TopKBars, center_on_baseline, wrapped
from scenes.common.error_bar_chart import ErrorBarChart, Series
from scenes.common.heatmaps import HeatmapOnPhoto
from narration.script import Choice
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.tokens import TokenStrip
from scenes.common.values import is_course_photo, paper_values
from scenes.faq.facts import QUARTERS, cached_faq_facts, corner_patches
from vitmath import papers

# The lesson each answer points to, by registry id.
DEEPER = {
    "q1-words": ["p1-02-sixteen-words"],
    "q2-recipe": ["p3-01-small-vit-loses", "p3-02-choose-your-prior"],
    "q3-tokens": ["p2-01-contact-sheet", "p2-02-project-then-add"],
    "q4-cls": ["p1-04-cls-token"],
    "q5-convnext": ["p3-03-swin-and-convnext", "p3-04-mental-map"],
}

# Every number a cue takes from a paper, as spoken and drawn, with the paper (its [screen] key) it needs on screen.
PAPER_NUMBERS = {
    "q1-words": [("16x16", "paper_vit")],
    "q2-recipe": [("1.3 million", "paper_vit"), ("14 million", "paper_vit"), ("77.9", "paper_vit"),
                  ("84.0", "paper_vit"), ("76.5", "paper_vit"), ("303 million", "paper_vit"), ("87.1", "paper_vit"),
                  ("81.8", "paper_deit")],
    "q5-swin": [("4 by 4", "paper_swin"), ("7 by 7", "paper_swin")],
    "q5-convnext": [("76.1", "paper_convnext"), ("78.8", "paper_convnext"), ("82.0", "paper_convnext"),
                    ("7 by 7", "paper_convnext")],
}

EVEN_QUARTER = 0.25
CLEAR_QUARTER = 0.35     # a quarter "stands out" above this share (an even spread gives 0.25)
CMAP = "inferno"
QUARTER_KEYS = ("top_left", "top_right", "bottom_left", "bottom_right")  # facts.QUARTERS order


# Swin-T as the Swin paper describes it (Liu et al. 2021, Sec. 3.1 and 3.3, Fig. 3), for the schematic.
SWIN_INPUT, SWIN_PATCH, SWIN_WINDOW, SWIN_STAGES = 224, 4, 7, 4

# The keys the script's [choice.*] tables hold (checked by `vitlessons list`).
CHOICES = {
    "patch_sentence": ("sixteen", "other"),
    "resize_sentence": ("resize_crop", "resize_square"),
    "head_sentence": ("token", "average"),
    "head_reads": ("token", "average"),
    "map_sentence": ("cat", "alone"),
    "map": ("clear", "even", "flat"),
    "quarter": ("top_left", "top_right", "bottom_left", "bottom_right"),
    "top_sentence": ("piled", "even"),
    "long_sentence": ("corners_brightest", "corners", "other", "none"),
}

# The lessons the Q4 answer names for the long tokens and for checking a map: registry ids.
CLS_LESSON, BLOCKS_LESSON, VERIFY_LESSON = "p1-04-cls-token", "p2-05-stack-the-blocks", "p4-01-predict-and-verify"


def lesson_values(cue: str) -> dict:
    """The number and title of each lesson an answer points to, from the registry: q2_lesson1, q2_title1, ..."""
    q = cue.split("-")[0]
    out = {}
    for k, i in enumerate(DEEPER[cue], start=1):
        out[f"{q}_lesson{k}"], out[f"{q}_title{k}"] = BY_ID[i].number, BY_ID[i].title
    return out


def map_choice(shares, course_photo: bool) -> Choice:
    """Where CLS's attention goes, by quarter of the image, from the measured shares."""
    best = int(shares.argmax())
    if shares[best] >= CLEAR_QUARTER:
        where = Choice("clear", quarter=Choice(QUARTER_KEYS[best]), best_share=num.percent(shares[best]))
    elif num.percent(shares.min()).spoken == num.percent(shares.max()).spoken:   # "between 25 and 25": say it once
        where = Choice("flat", share=num.percent(shares.min()))
    else:
        where = Choice("even", low_share=num.percent(shares.min()), high_share=num.percent(shares.max()))
    if course_photo:  # the cat was pasted into the bottom-right quarter (vitmath/assets/PROVENANCE.md)
        return Choice("cat", map=where, cat_share=num.percent(shares[3]))
    return Choice("alone", map=where)


def long_choice(high: list[int], top_patches: list[int], grid: int) -> str:
    """Which sentence names the model's high-norm tokens: none; the four corners, and are they the brightest
    squares of the map; or somewhere else."""
    if not high:
        return "none"
    if set(high) == set(corner_patches(grid)):
        return "corners_brightest" if set(top_patches[:len(high)]) == set(high) else "corners"
    return "other"


def resize_choice(resize: int, crop: int) -> str:
    """What the data config does to the photo, from the transform's own steps: timm's eval transform always
    resizes before its centre crop (facts._preprocessing refuses one that does not), to the crop's side or
    beyond it."""
    return "resize_square" if resize == crop else "resize_crop"


def pool_key(global_pool: str) -> str:
    """How the head reads the final tokens: the CLS row ("token"), or the average of the patch rows (the
    only other pooling vitmath's forward pass accepts)."""
    return "token" if global_pool == "token" else "average"


def bullet_list(head: str, head_color: str, items: list[str], size: int = S.SMALL, head_size: int = S.SMALL) -> VGroup:
    """A coloured heading over its lines (bulleted by the caller), each on its own baseline a fixed step apart (stacking boxes
    would space a line with descenders further from the next)."""
    x_height, step = S.text("x", size).height, 1.55 * S.text("Ag", size).height
    lines = VGroup(S.text(head, head_size, head_color), *[S.text(p, size) for p in items])
    for k, line in enumerate(lines):
        line.move_to([0, 0, 0], aligned_edge=LEFT)
        center_on_baseline(line, -step * k - (0.2 if k else 0), x_height)
    return lines


class Faq(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        self.facts = f = cached_faq_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        self.cited: dict[str, list[str]] = {}      # cue id -> papers ([screen] keys) whose CitationCard it drew
        self.pointed: dict[str, list[str]] = {}    # cue id -> lesson ids its "deeper" note names
        even_top = f.top_k / d.N
        v = {
            "num_tokens": d.T,
            "patch_sentence": Choice("sixteen" if d.P == 16 else "other"),
            "resize_sentence": Choice(resize_choice(f.resize, f.crop)),
            "resize": f.resize, "crop": f.crop, "interpolation": f.interpolation,
            "patches_shape": num.shape(*f.patches_shape),
            "tokens_shape": num.shape(*f.tokens_shape),
            "x0_shape": num.shape(*f.x0_shape),
            "head_sentence": Choice(pool_key(f.global_pool)),
            "head_reads": Choice(pool_key(f.global_pool)),
            "map_sentence": map_choice(f.quarter_shares, is_course_photo(self.inputs.image)),
            "top_sentence": Choice("piled" if f.top_share > 2 * even_top else "even"),
            "top_k": f.top_k, "top_share": num.percent(f.top_share),
            "long_sentence": Choice(long_choice(f.high_norm, f.top_patches, d.grid)),
            "long_from": f.high_norm_from, "long_count": len(f.high_norm),
            "long_share": num.percent(f.high_norm_share), "long_even": num.percent(len(f.high_norm) / d.N),
            "cls_lesson": BY_ID[CLS_LESSON].number, "blocks_lesson": BY_ID[BLOCKS_LESSON].number,
            "verify_lesson": BY_ID[VERIFY_LESSON].number,
            "first_number": LESSONS[0].number,
        }
        for cue in DEEPER:
            v |= lesson_values(cue)
        return v | paper_values()

    def cues(self):
        return [self.intro, self.q1_sixteen, self.q2_priors, self.q2_recipe, self.q3_tokens, self.q4_cls,
                self.q5_swin, self.q5_convnext, self.closing]

    # ------------------------------------------------------------------ what the answers share
    def cite(self, cue: str, paper: str, where: str, detail: str | None = None,
             width: float = 0.47 * L.FOOTER.width) -> CitationCard:
        """A citation card, bottom-right, recorded so the lesson can check every paper number has its source.
        `paper`, `where` and `detail` name screen words."""
        self.cited.setdefault(cue, []).append(paper)
        return CitationCard(self.words(paper), self.words(where), self.words(detail) if detail else None,
                            max_width=width)

    def deeper(self, cue: str) -> VGroup:
        """'Deeper: Lesson n · title' for each lesson the answer points to, bottom-left, from the registry."""
        ids = DEEPER[cue]
        self.pointed[cue] = list(ids)
        tag = S.text(self.words("deeper"), S.SMALL, S.ACCENT)
        share = 0.48 if self.cited.get(cue) else 0.95      # the right half of the footer holds any citations
        room = share * L.FOOTER.width - tag.width - 0.2
        lines = VGroup(*[wrapped(self.words("lesson", number=BY_ID[i].number, title=BY_ID[i].title), S.TINY, room,
                                 S.ACCENT) for i in ids]).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        note = VGroup(tag, lines).arrange(RIGHT, aligned_edge=UP, buff=0.2)
        note.move_to(L.FOOTER.point(DOWN + LEFT), aligned_edge=DOWN + LEFT)
        return note

    def bullets(self, head: str, head_color: str, items: list[str], **kwargs) -> VGroup:
        """bullet_list of screen words: the heading `head` and the lines `items`."""
        return bullet_list(self.words(head), head_color, [self.words("bullet", item=self.words(i)) for i in items],
                           **kwargs)

    def check_drawn(self):
        """Called by the smoke test: every paper number spoken in a cue has its citation on screen in that
        cue, and every answer's pointer names lessons of the registry."""
        spoken = {c.id: c.text for c in self.script.cues}
        for cue, items in PAPER_NUMBERS.items():
            for value, paper in items:
                assert value in spoken[cue], f"{cue}: the paper number {value!r} is not spoken"
                assert paper in self.cited.get(cue, []), f"{cue}: {value} is shown without {paper}"
        for cue, ids in DEEPER.items():
            assert self.pointed.get(cue) == ids and all(i in BY_ID for i in ids), f"{cue}: no deeper pointer"

    # ------------------------------------------------------------------ cues
    def intro(self):
        with self.narrate("intro") as cue:
            self.show_title(cue, hold=0.12)
            self.add(Heading(self.words("heading")))
            # One baseline per row, rows a fixed step apart (boxes of different heights would wobble).
            x_height = S.text("x", S.BODY).height
            rows = VGroup()
            for k in range(5):
                mark, words = S.text(f"{k + 1}", S.BODY, S.ACCENT), S.text(self.words(f"q{k + 1}"), S.BODY)
                mark.move_to([0, 0, 0], aligned_edge=LEFT)
                words.move_to([0.6, 0, 0], aligned_edge=LEFT)
                rows.add(VGroup(center_on_baseline(mark, -0.8 * k, x_height),
                                center_on_baseline(words, -0.8 * k, x_height)))
            L.MAIN.place(rows, aligned=LEFT)
            for k, row in enumerate(rows):  # each question as the voice asks it
                self.play(FadeIn(row, shift=0.2 * RIGHT), run_time=cue.until(f"q{k + 1}"))

    def q1_sixteen(self):
        d, t = self.dims, self.trace
        with self.narrate("q1-words") as cue:
            self.add(Heading(self.words("heading")))
            cite = self.cite("q1-words", "paper_vit", "cite_where")
            self.play(FadeIn(cite), run_time=cue.share(0.05))  # the paper's title is the cue's first words
            g = PhotoGrid(t.picture, d.grid, height=4.6, patch_pixels=t.patch_pixels)
            L.LEFT.place(g, aligned=LEFT)
            self.play(FadeIn(g), run_time=cue.until("grid"))
            facts = VGroup(S.text(self.words("patch"), S.BODY), S.text(self.words("grid_line"), S.BODY),
                           S.text(self.words("cls"), S.BODY, S.ACCENT)).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            # Token 0 is CLS; the patches are tokens 1..N in raster order.
            strip = TokenStrip(t.patch_pixels, indices=range(1, d.N + 1), cls=True, show=(4, 2), height=0.75,
                               width=L.RIGHT.width)
            words = S.text(self.words("word"), S.SMALL, S.MUTED)
            panel = Group(facts, strip, words).arrange(DOWN, buff=0.45)
            L.RIGHT.place(panel)
            self.play(Create(g.cell_square(0)), FadeIn(facts[0]), run_time=cue.until("patch"))
            self.play(FadeIn(facts[1]), run_time=cue.until("tokens"))
            self.play(FadeIn(strip), FadeIn(facts[2]), FadeIn(words), run_time=cue.until("cls"))
            self.play(FadeIn(self.deeper("q1-words")), run_time=cue.until("deeper"))

    def q2_priors(self):
        d, t = self.dims, self.trace
        with self.narrate("q2-priors") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.columns(2)
            side = 3.0
            # A schematic, not to scale: a convolution's window is a few pixels, drawn here one patch wide.
            conv_grid = PhotoGrid(t.picture, d.grid, height=side, patch_pixels=t.patch_pixels, line_opacity=0.3)
            a, b = d.grid + 1, d.N - d.grid - 2            # near the top-left and bottom-right corners
            vit_grid = PhotoGrid(t.picture, d.grid, height=side, patch_pixels=t.patch_pixels, line_opacity=0.3)
            me = d.N // 2 + d.grid // 2                   # a patch near the centre
            cnn = self.bullets("cnn", S.GREEN, ["cnn1", "cnn2", "cnn3"], head_size=S.BODY)
            vit = self.bullets("vit", S.ACCENT, ["vit1", "vit2", "vit3"], head_size=S.BODY)
            left_col = Group(conv_grid, cnn).arrange(DOWN, buff=0.35)
            right_col = Group(vit_grid, vit).arrange(DOWN, buff=0.35)
            left.place(left_col, aligned=UP)
            right.place(right_col, aligned=UP)
            # The marks are drawn from the grids' final places.
            windows = VGroup(conv_grid.cell_square(a, S.GREEN), conv_grid.cell_square(b, S.GREEN))
            slide = Arrow(conv_grid.cell_center(a), conv_grid.cell_center(b), buff=0.25, color=S.GREEN,
                          stroke_width=3)
            reach = VGroup(vit_grid.cell_square(me, S.ACCENT),
                           RoundedRectangle(corner_radius=0.05, width=vit_grid.width + 0.1,
                                            height=vit_grid.height + 0.1).set_stroke(S.ACCENT, 3).move_to(vit_grid))
            self.play(FadeIn(conv_grid), FadeIn(cnn[0]), run_time=cue.until("conv"))
            self.play(Create(windows[0]), FadeIn(cnn[1]), run_time=cue.until("locality"))
            self.play(Create(slide), Create(windows[1]), FadeIn(cnn[2]), run_time=cue.until("sharing"))
            self.play(FadeIn(cnn[3]), run_time=cue.until("equivariance"))
            self.play(FadeIn(vit_grid), FadeIn(vit[0]), run_time=cue.until("vit"))
            self.play(Create(reach), FadeIn(vit[1]), run_time=cue.until("reach"))
            self.play(LaggedStart(*[FadeIn(m) for m in vit[2:]], lag_ratio=0.5), run_time=cue.until("learn"))

    def q2_recipe(self):
        w = self.words
        with self.narrate("q2-recipe") as cue:
            self.add(Heading(w("heading")))
            # The ViT paper's Figure 3, redrawn from its Table 5 (the numbers behind the figure): ImageNet top-1
            # after fine-tuning, by the size of the pre-training set. The BiT band has no table, so it is said,
            # not drawn: the two ends of the x axis are marked with who leads there.
            xs = [n / 1e6 for n in papers.PRETRAIN_IMAGES.values()]
            series = [Series(w(key), color, [v / 100 for v in top], [v / 100 for v in top], [v / 100 for v in top])
                      for (key, top), color in zip(papers.VIT_TABLE5.items(), (S.BLUE, S.ACCENT))]
            chart = ErrorBarChart(xs, series, w("x_label"), w("y_label"), width=5.8, height=2.5, log_x=True,
                                  y_range=(0.75, 0.90), y_step=0.05, dodge=0.0)
            chart.legend.move_to(chart.to_point(xs[-1], 0.75) + 0.15 * UP + 0.1 * RIGHT, aligned_edge=DOWN + RIGHT)
            # DeiT-B: ViT-B's size, ImageNet-1k only, a stronger recipe; one point at 1.3 M images.
            deit = Dot(chart.to_point(xs[0], papers.DEIT_B_TOP1 / 100), radius=0.09, color=S.GREEN)
            deit_ring = Circle(0.16).set_stroke(S.GREEN, 2).move_to(deit)
            # Who leads at each end of the axis, in the paper's Figure 3: a band over the first and last x.
            bands = VGroup()
            # Grey, as the paper shades BiT's region; the ViT points stay in their series' colours.
            for x, key in ((xs[0], "cnn_ahead"), (xs[-1], "vit_ahead")):
                bottom, top = chart.to_point(x, 0.75), chart.to_point(x, 0.90)
                band = Rectangle(width=0.55, height=top[1] - bottom[1]).set_stroke(width=0).set_fill(S.MUTED, 0.22)
                band.move_to((bottom + top) / 2)
                label = S.text(w(key), S.TINY, S.INK).next_to(band, UP, buff=0.18)
                bands.add(VGroup(band, label))
            graph = VGroup(bands, chart, deit, deit_ring)
            left, right = L.MAIN.split(0.6)
            left.place(graph, aligned=LEFT)
            graph.shift(0.25 * UP)   # clear of the citation cards below
            deit_l = wrapped(w("deit"), S.SMALL, right.width, S.GREEN)
            take = wrapped(w("take"), S.BODY, right.width, S.ACCENT)
            notes = VGroup(deit_l, take).arrange(DOWN, aligned_edge=LEFT, buff=0.6)
            right.place(notes, aligned=LEFT)
            cite_deit = self.cite("q2-recipe", "paper_deit", "deit_where", "deit_detail")
            cite_vit = self.cite("q2-recipe", "paper_vit", "vit_where", "vit_detail")
            cite_vit.next_to(cite_deit, UP, buff=0.1, aligned_edge=RIGHT)
            b16, l16 = (chart.series_group(w(k)) for k in ("b16", "l16"))
            frame = VGroup(chart.grid, chart.axes, chart.x_ticks, chart.y_ticks, chart.x_label, chart.y_label)
            self.play(FadeIn(cite_vit), run_time=cue.share(0.04))   # "The ViT paper": its card
            self.play(FadeIn(frame), run_time=cue.until("axes"))
            # ViT-B/16 point by point as the voice gives each number, then its line.
            self.play(FadeIn(b16.dots[0], scale=1.5), FadeIn(chart.legend[0]), run_time=cue.until("imagenet"))
            self.play(FadeIn(b16.dots[1], scale=1.5), FadeIn(b16.dots[2]), Create(b16.line),
                      run_time=cue.until("in21k"))
            self.play(FadeIn(chart.legend[1]), LaggedStart(*[FadeIn(d, scale=1.5) for d in l16.dots], lag_ratio=0.6),
                      Create(l16.line), run_time=cue.until("large"))
            self.play(FadeIn(bands[0]), run_time=cue.until("bit"))
            self.play(FadeIn(bands[1]), run_time=cue.until("overtake"))
            self.play(FadeIn(deit, scale=1.5), Create(deit_ring), FadeIn(deit_l), FadeIn(cite_deit),
                      run_time=cue.until("deit"))
            self.play(FadeIn(take), run_time=cue.until("take"))
            self.play(FadeIn(self.deeper("q2-recipe")), run_time=cue.until("deeper"))

    def q3_tokens(self):
        d, t, f = self.dims, self.trace, self.facts
        with self.narrate("q3-tokens") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.36)
            g = PhotoGrid(t.picture, d.grid, height=min(left.width, left.height) * 0.9,
                          patch_pixels=t.patch_pixels)
            left.place(g)
            how = self.words("crop_resized" if f.resize != f.crop else "crop_only")
            steps = [
                (self.words("step1", how=how), num.shape(*f.picture_shape).screen),
                (self.words("step2"), self.words("step2_shape")),
                (self.words("step3"), num.shape(*f.patches_shape).screen),
                (self.words("step4", proj_shape=num.shape(*f.proj_shape).screen), num.shape(*f.tokens_shape).screen),
                (self.words("step5"), num.shape(*f.x0_shape).screen),
            ]
            table = VGroup()
            for k, (what, shape) in enumerate(steps, start=1):
                table.add(VGroup(S.text(str(k), S.BODY, S.ACCENT), S.text(what, S.SMALL),
                                 S.text(shape, S.SMALL, S.BLUE, mono=True)))
            col_w = max(r[1].width for r in table) + 0.4
            for k, r in enumerate(table):
                r[0].move_to([0, -0.85 * k, 0])
                r[1].next_to(r[0], RIGHT, buff=0.3)
                r[2].move_to([r[0].get_right()[0] + 0.3 + col_w, r[0].get_y(), 0], aligned_edge=LEFT)
            table[-1][2].set_color(S.ACCENT)
            right.place(table, aligned=LEFT)
            table.set_y(g.get_y())
            arrow = Arrow(g.get_right(), table.get_left(), buff=0.15, color=S.MUTED)
            self.play(FadeIn(g), run_time=cue.share(0.06))  # the question, before any step
            for k, row in enumerate(table, start=1):
                self.play(FadeIn(row, shift=0.2 * RIGHT), *([Create(arrow)] if k == 1 else []),
                          run_time=cue.until(f"step{k}"))
            self.play(FadeIn(self.deeper("q3-tokens")), run_time=cue.until("deeper"))

    def q4_cls(self):
        d, f, w = self.dims, self.facts, self.words
        with self.narrate("q4-cls") as cue:
            self.add(Heading(w("heading")))
            left, right = L.MAIN.split(0.52)
            # Attention weights are shares, never negative: the colour bar starts at 0, so colour is weight.
            hm = HeatmapOnPhoto(self.trace.picture, f.cls_map, CMAP, vmin=0.0, label=w("map_label"),
                                height=min(left.height * 0.8, 4.0))
            cap = S.text(w("caption"), S.TINY, S.MUTED)
            left_col = Group(hm, cap).arrange(DOWN, buff=0.12, aligned_edge=LEFT)
            long_cap = S.text(w("long_caption", share=num.percent(f.high_norm_share).screen,
                                even=num.percent(len(f.high_norm) / d.N).screen), S.TINY, S.GREEN)
            if f.high_norm:
                left_col.add(long_cap.next_to(cap, DOWN, buff=0.08, aligned_edge=LEFT))
            left.place(left_col, aligned=UP + LEFT)
            cell = hm.image.height / d.grid
            marks = VGroup(*[Square(cell, color=S.BLUE, stroke_width=3).move_to(hm.cell_center(i))
                             for i in f.top_patches])
            long_marks = VGroup(*[Square(cell * 1.05, color=S.GREEN, stroke_width=4).move_to(hm.cell_center(i))
                                  for i in f.high_norm])
            # The quarters the shares are of, drawn on the map itself.
            img = hm.image
            cross = VGroup(DashedLine(img.get_top(), img.get_bottom()), DashedLine(img.get_left(), img.get_right()))
            cross.set_stroke(S.INK, 2, 0.9)

            # Right: what CLS is, what the head reads, and the shares the narration speaks.
            cls_box = VGroup(RoundedRectangle(corner_radius=0.08, width=0.9, height=0.6).set_stroke(S.ACCENT, 3)
                             .set_fill(S.ACCENT, 0.15), S.text("CLS", S.SMALL, S.ACCENT))
            cls_row = VGroup(cls_box, wrapped(w("cls"), S.SMALL, right.width - 1.3)).arrange(RIGHT, buff=0.3)
            top_l = wrapped(w("top5"), S.TINY, right.width, S.MUTED)
            bars = TopKBars(self.trace.top5, height=1.7, width=right.width)
            panel = VGroup(top_l, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            sh = f.quarter_shares
            # Each quarter's name over its share, in a 2 x 2 laid out as the quarters are.
            quads = VGroup(*[VGroup(S.text(w(QUARTER_KEYS[q]), S.TINY, S.MUTED),
                                    S.text(num.percent(sh[q]).screen, S.SMALL,
                                           S.ACCENT if q == f.best_quarter else S.INK, mono=True)
                                    ).arrange(DOWN, buff=0.06) for q in range(4)])
            quads.arrange_in_grid(rows=2, cols=2, buff=(0.35, 0.15))
            box = RoundedRectangle(corner_radius=0.05, width=quads.width + 0.3, height=quads.height + 0.25)
            box.set_stroke(S.MUTED, 1).move_to(quads)
            box_cross = VGroup(DashedLine(box.get_top(), box.get_bottom()), DashedLine(box.get_left(), box.get_right()))
            box_cross.set_stroke(S.MUTED, 1, 0.6)
            quarter_l = S.text(w("by_quarter"), S.TINY, S.MUTED)
            topk_l = VGroup(S.text(w("brightest"), S.TINY, S.MUTED),
                            S.text(num.percent(f.top_share).screen, S.SMALL, S.BLUE, mono=True)
                            ).arrange(DOWN, buff=0.15)
            shares_l = S.text(w("shares"), S.TINY, S.MUTED)
            stats = VGroup(VGroup(quarter_l, VGroup(box, box_cross, quads)).arrange(DOWN, buff=0.1), topk_l
                           ).arrange(RIGHT, buff=0.6, aligned_edge=DOWN)
            stats = VGroup(shares_l, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            right_col = VGroup(cls_row, panel, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            right.place(right_col, aligned=UP + LEFT)

            self.play(FadeIn(cls_row), run_time=cue.until("cls"))
            self.play(FadeIn(panel), run_time=cue.until("head"))
            self.play(FadeIn(hm), FadeIn(cap), run_time=cue.until("map"))
            self.play(Create(cross), FadeIn(stats[0]), FadeIn(stats[1][0]), run_time=cue.until("quarters"))
            self.play(Create(marks), FadeIn(stats[1][1]), run_time=cue.until("top"))
            # The long tokens take their own colour as the voice names them (any of the brightest lose their blue).
            blue = [m for m, i in zip(marks, f.top_patches) if i in f.high_norm]
            if f.high_norm:
                self.play(*[FadeOut(m) for m in blue], Create(long_marks), run_time=cue.until("long"))
                self.play(FadeIn(long_cap), run_time=cue.until("long_share"))
            # The caution takes the place of the top 5, which the answer has finished with.
            caveat = CaveatNote(w("caveat"), width=right.width, size=S.TINY).move_to(panel).align_to(panel, LEFT)
            self.play(FadeOut(panel), FadeIn(caveat), run_time=cue.until("caveat"))
            self.play(FadeIn(self.deeper("q4-cls")), run_time=cue.until("deeper"))

    def swin_column(self) -> VGroup:
        return self.bullets("swin", S.BLUE, ["swin1", "swin2", "swin3", "swin4"])

    def convnext_column(self) -> VGroup:
        return self.bullets("convnext", S.GREEN, ["convnext1", "convnext2", "convnext3", "convnext4"])

    def swin_pyramid(self) -> VGroup:
        """Swin-T's four stages on a 224-pixel input (Swin paper, Fig. 3): 4-pixel patches give 56 x 56 tokens,
        each patch merging halves the side; the lines are the 7 x 7-token attention windows. Each stage is
        (square, window lines, label); `shifted` is the first stage's window grid moved by half a window, as
        every other block moves it (Sec. 3.2)."""
        stages = VGroup()
        for k in range(SWIN_STAGES):
            n = SWIN_INPUT // SWIN_PATCH // 2 ** k           # tokens per side at this stage
            side = 2.0 * 0.72 ** k
            square = Square(side).set_stroke(S.BLUE, 2).set_fill(S.BLUE, 0.12)
            windows = n // SWIN_WINDOW
            lines = VGroup()
            for j in range(1, windows):
                t = side * (j / windows - 0.5)
                lines.add(Line([t, -side / 2, 0], [t, side / 2, 0]), Line([-side / 2, t, 0], [side / 2, t, 0]))
            lines.set_stroke(S.INK, 1.5, 0.8)
            label = S.text(self.words("stage", n=n), S.TINY, S.MUTED).next_to(square, DOWN, buff=0.12)
            stages.add(VGroup(square, lines, label))
        stages.arrange(RIGHT, buff=0.35, aligned_edge=DOWN)
        first = stages[0][0]
        n, side = SWIN_INPUT // SWIN_PATCH, first.width
        shifted = VGroup()
        for j in range(n // SWIN_WINDOW):
            t = side * ((j * SWIN_WINDOW + SWIN_WINDOW // 2) / n - 0.5)
            shifted.add(Line([t, -side / 2, 0], [t, side / 2, 0]), Line([-side / 2, t, 0], [side / 2, t, 0]))
        shifted.set_stroke(S.ACCENT, 2).move_to(first)
        title = S.text(self.words("pyramid", input=SWIN_INPUT, window=SWIN_WINDOW), S.TINY, S.MUTED)
        group = VGroup(stages, title).arrange(DOWN, buff=0.25)
        shifted.move_to(first)
        group.stages, group.title, group.shifted = stages, title, shifted
        group.add(shifted)
        return group

    def q5_swin(self):
        d = self.dims
        with self.narrate("q5-swin") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.columns(2)
            col = self.swin_column()
            vit = self.bullets("vit", S.ACCENT, ["vit1", "vit2"])
            side = 2.0
            grid = VGroup(Square(side).set_stroke(S.ACCENT, 2).set_fill(S.ACCENT, 0.1))
            for j in range(1, d.grid):
                x = side * (j / d.grid - 0.5)
                grid.add(Line([x, -side / 2, 0], [x, side / 2, 0]), Line([-side / 2, x, 0], [side / 2, x, 0]))
            grid[1:].set_stroke(S.INK, 1, 0.5)
            grid_l = S.text(self.words("vit_grid"), S.TINY, S.MUTED)
            vit_col = VGroup(vit, VGroup(grid, grid_l.next_to(grid, DOWN, buff=0.12))).arrange(
                DOWN, buff=0.5, aligned_edge=LEFT)
            right.place(vit_col, aligned=UP + LEFT)
            pyramid = self.swin_pyramid()
            left_col = VGroup(col, pyramid).arrange(DOWN, buff=0.5, aligned_edge=LEFT)
            left.place(left_col, aligned=UP + LEFT)
            cite = self.cite("q5-swin", "paper_swin", "swin_where")
            stages, first = pyramid.stages, pyramid.stages[0]
            self.play(FadeIn(vit_col), run_time=cue.until("vit"))
            self.play(FadeIn(col[0]), run_time=cue.until("swin"))
            # The pyramid builds as the voice names each step: patches, windows, the shift, then the merges.
            self.play(FadeIn(col[1], shift=0.2 * RIGHT), FadeIn(cite), FadeIn(first[0]), FadeIn(first[2]),
                      FadeIn(pyramid.title), run_time=cue.until("patches"))
            self.play(FadeIn(col[2], shift=0.2 * RIGHT), Create(first[1]), run_time=cue.until("windows"))
            # The shifted grid over the regular one, dimmed: each new window straddles four old ones.
            self.play(FadeIn(col[3], shift=0.2 * RIGHT), Create(pyramid.shifted), first[1].animate.set_stroke(opacity=0.3),
                      run_time=cue.until("shift"))
            self.play(FadeIn(col[4], shift=0.2 * RIGHT), FadeOut(pyramid.shifted), first[1].animate.set_stroke(opacity=0.8),
                      LaggedStart(*[FadeIn(st, shift=0.2 * RIGHT) for st in stages[1:]], lag_ratio=0.5),
                      run_time=cue.until("merge"))

    def q5_convnext(self):
        with self.narrate("q5-convnext") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.columns(2)
            swin = self.swin_column()
            left.place(swin, aligned=UP + LEFT)
            conv = self.convnext_column()
            right.place(conv, aligned=UP + LEFT)
            cite_conv = self.cite("q5-convnext", "paper_convnext", "convnext_where")
            cite_swin = self.cite("q5-convnext", "paper_swin", "swin_where")
            cite_swin.next_to(cite_conv, UP, buff=0.1, aligned_edge=RIGHT)
            self.add(swin, cite_swin)
            rows = [(0, self.words("bar1"), 0.761), (1, self.words("bar2"), 0.788), (2, self.words("bar3"), 0.820)]
            bars = TopKBars(rows, height=1.5, width=right.width, highlight=2, places=1)
            bars_t = wrapped(self.words("chart"), S.TINY, right.width, S.MUTED)
            chart = VGroup(bars_t, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            chart.next_to(conv, DOWN, buff=0.35).align_to(conv, LEFT)
            self.play(FadeIn(conv[0]), FadeIn(cite_conv), run_time=cue.share(0.05))  # ConvNeXt: the first word
            self.play(FadeIn(conv[1]), FadeIn(bars_t), FadeIn(bars.rows[0]), run_time=cue.until("recipe"))
            self.play(FadeIn(bars.rows[1]), run_time=cue.until("lift"))
            self.play(LaggedStart(*[FadeIn(m) for m in conv[2:]], lag_ratio=0.5), run_time=cue.until("changes"))
            self.play(FadeIn(bars.rows[2]), run_time=cue.until("score"))
            synth = S.text(self.words("synth"), S.BODY, S.ACCENT)
            synth.next_to(swin, DOWN, buff=0.6).align_to(swin, LEFT)
            self.play(FadeIn(synth), run_time=cue.until("synth"))
            self.play(FadeIn(self.deeper("q5-convnext")), run_time=cue.until("deeper"))

    def closing(self):
        with self.narrate("closing") as cue:
            self.add(Heading(self.words("heading")))
            take = wrapped(self.words("take"), S.BODY, L.MAIN.width * 0.85)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.6, height=take.height + 0.5)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            card = VGroup(box, take)
            L.MAIN.place(card)
            self.play(FadeIn(card), run_time=cue.clause())
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("again"))), run_time=cue.until("again"))
