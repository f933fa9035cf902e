"""The course FAQ: five questions, a minute each, each answer pointing to the lesson that goes deeper.

1. What "an image is worth 16x16 words" means: the model's own patch size, grid and token count.
2. Why ViTs need more data: the priors a convolution builds in, the ViT paper's pre-training numbers and
   DeiT's stronger recipe (both cited on screen).
3. How a photo becomes tokens: the model's data config and every tensor shape, read from the trace.
4. What the CLS token does: the real last-block CLS attention map and the real top-5; the words about the
   map are chosen from measured facts (scenes.faq.facts), so they stay true on any photo or model.
5. Why Swin and ConvNeXt came back to convolutional ideas (both papers cited).

Lesson numbers and titles come from the registry (render/course.py), never typed here.

    manim -ql scenes/faq/scene.py Faq
"""
from __future__ import annotations

from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, Group, LaggedStart, Line, RoundedRectangle,
                   Square, VGroup)

from scenes.course import BY_ID, LESSONS
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, TopKBars, center_on_baseline, wrapped
from scenes.common.heatmaps import HeatmapOnPhoto
from narration.script import Choice
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.tokens import TokenStrip
from scenes.common.values import is_course_photo
from scenes.faq.facts import QUARTERS, cached_faq_facts

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
                  ("84.0", "paper_vit"), ("81.8", "paper_deit")],
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
    "resize_sentence": ("resize_crop", "resize_square", "crop"),
    "head_sentence": ("token", "average"),
    "head_reads": ("token", "average"),
    "map_sentence": ("cat", "alone"),
    "map": ("clear", "even"),
    "quarter": ("top_left", "top_right", "bottom_left", "bottom_right"),
    "top_sentence": ("piled", "even"),
    "corner_sentence": ("some", "none"),
    "corners": ("two", "three", "four"),
}


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
    else:
        where = Choice("even", low_share=num.percent(shares.min()), high_share=num.percent(shares.max()))
    if course_photo:  # the cat was pasted into the bottom-right quarter (vitmath/assets/PROVENANCE.md)
        return Choice("cat", map=where, cat_share=num.percent(shares[3]))
    return Choice("alone", map=where)


def resize_choice(resize: int | None, crop: int) -> str:
    """What the data config does to the photo, from the transform's own steps."""
    return "crop" if resize is None else "resize_square" if resize == crop else "resize_crop"


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
            "head_sentence": Choice("token" if f.global_pool == "token" else "average"),
            "head_reads": Choice("token" if f.global_pool == "token" else "average"),
            "map_sentence": map_choice(f.quarter_shares, is_course_photo(self.inputs.image)),
            "top_sentence": Choice("piled" if f.top_share > 2 * even_top else "even"),
            "top_k": f.top_k, "top_share": num.percent(f.top_share),
            "corner_sentence": Choice("none") if f.corners_in_top < 2 else
            Choice("some", corners=Choice({2: "two", 3: "three", 4: "four"}[f.corners_in_top])),
            "first_number": LESSONS[0].number, "first_title": LESSONS[0].title,
        }
        for cue in DEEPER:
            v |= lesson_values(cue)
        return v

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
        with self.narrate("q2-recipe") as cue:
            self.add(Heading(self.words("heading")))
            # The papers' ImageNet top-1 accuracies as bars on a 0-100% track (TopKBars takes probabilities).
            rows = [(0, self.words("bar1"), 0.779), (1, self.words("bar2"), 0.840), (2, self.words("bar3"), 0.818)]
            bars = TopKBars(rows, height=2.6, width=L.MAIN.width * 0.95, highlight=None, places=1)
            title = S.text(self.words("chart"), S.SMALL, S.MUTED)
            block = VGroup(title, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            L.MAIN.place(block, aligned=UP)
            cite_deit = self.cite("q2-recipe", "paper_deit", "deit_where", "deit_detail")
            cite_vit = self.cite("q2-recipe", "paper_vit", "vit_where", "vit_detail")
            cite_vit.next_to(cite_deit, UP, buff=0.1, aligned_edge=RIGHT)
            self.play(FadeIn(title), FadeIn(cite_vit), FadeIn(bars.rows[0]), run_time=cue.until("imagenet"))
            self.play(FadeIn(bars.rows[1]), run_time=cue.until("in21k"))
            self.play(FadeIn(bars.rows[2]), FadeIn(cite_deit), run_time=cue.until("deit"))
            take = S.text(self.words("take"), S.BODY, S.ACCENT)
            take.next_to(bars, DOWN, buff=0.5)
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
            how = self.words("crop_resized" if f.resize not in (None, f.crop) else "crop_only")
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
        d, f = self.dims, self.facts
        with self.narrate("q4-cls") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.52)
            hm = HeatmapOnPhoto(self.trace.picture, f.cls_map, CMAP, label=self.words("map_label"),
                                height=min(left.height * 0.85, 4.2))
            cap = S.text(self.words("caption"), S.TINY, S.MUTED)
            left_col = Group(hm, cap).arrange(DOWN, buff=0.12, aligned_edge=LEFT)
            left.place(left_col, aligned=UP + LEFT)
            marks = VGroup(*[Square(hm.image.height / d.grid, color=S.BLUE, stroke_width=3).move_to(hm.cell_center(i))
                             for i in f.top_patches])

            # Right: what CLS is, what the head reads, and the shares the narration speaks.
            cls_box = VGroup(RoundedRectangle(corner_radius=0.08, width=0.9, height=0.6).set_stroke(S.ACCENT, 3)
                             .set_fill(S.ACCENT, 0.15), S.text("CLS", S.SMALL, S.ACCENT))
            cls_row = VGroup(cls_box, wrapped(self.words("cls"), S.SMALL, right.width - 1.3)).arrange(RIGHT, buff=0.3)
            top_l = wrapped(self.words("top5"), S.TINY, right.width, S.MUTED)
            bars = TopKBars(self.trace.top5, height=1.9, width=right.width)
            panel = VGroup(top_l, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            sh = f.quarter_shares
            quads = VGroup(*[S.text(num.percent(sh[q]).screen, S.SMALL, S.ACCENT if q == f.best_quarter else S.INK,
                                    mono=True) for q in range(4)])
            quads.arrange_in_grid(rows=2, cols=2, buff=(0.45, 0.12))   # laid out as the quarters are
            box = RoundedRectangle(corner_radius=0.05, width=quads.width + 0.4, height=quads.height + 0.3)
            box.set_stroke(S.MUTED, 1).move_to(quads)
            quarter_l = S.text(self.words("by_quarter"), S.TINY, S.MUTED)
            topk_l = VGroup(S.text(self.words("brightest"), S.TINY, S.MUTED),
                            S.text(num.percent(f.top_share).screen, S.SMALL, S.BLUE, mono=True)
                            ).arrange(DOWN, buff=0.15)
            shares_l = S.text(self.words("shares"), S.TINY, S.MUTED)
            stats = VGroup(VGroup(quarter_l, VGroup(box, quads)).arrange(DOWN, buff=0.1), topk_l
                           ).arrange(RIGHT, buff=0.6, aligned_edge=DOWN)
            stats = VGroup(shares_l, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            right_col = VGroup(cls_row, panel, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            right.place(right_col, aligned=UP + LEFT)

            self.play(FadeIn(cls_row), run_time=cue.until("cls"))
            self.play(FadeIn(panel), run_time=cue.until("head"))
            self.play(FadeIn(hm), FadeIn(cap), run_time=cue.until("map"))
            self.play(FadeIn(stats[0]), FadeIn(stats[1][0]), run_time=cue.until("quarters"))
            self.play(Create(marks), FadeIn(stats[1][1]), run_time=cue.until("top"))
            self.play(FadeIn(self.deeper("q4-cls")), run_time=cue.until("deeper"))

    def swin_column(self) -> VGroup:
        return self.bullets("swin", S.BLUE, ["swin1", "swin2", "swin3", "swin4"])

    def convnext_column(self) -> VGroup:
        return self.bullets("convnext", S.GREEN, ["convnext1", "convnext2", "convnext3", "convnext4"])

    def swin_pyramid(self) -> VGroup:
        """Swin-T's four stages on a 224-pixel input (Swin paper, Fig. 3): 4-pixel patches give 56 x 56 tokens,
        each patch merging halves the side; the lines are the 7 x 7-token attention windows."""
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
        title = S.text(self.words("pyramid", input=SWIN_INPUT, window=SWIN_WINDOW), S.TINY, S.MUTED)
        return VGroup(stages, title).arrange(DOWN, buff=0.25)

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
            self.play(FadeIn(vit_col), run_time=cue.until("vit"))
            self.play(FadeIn(col[0]), run_time=cue.until("swin"))
            for line, mark in zip(col[1:], ("patches", "windows", "shift", "merge")):
                self.play(FadeIn(line, shift=0.2 * RIGHT), *([FadeIn(cite), FadeIn(pyramid)] if line is col[1] else []),
                          run_time=cue.until(mark))

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
            bars_t = S.text(self.words("chart"), S.TINY, S.MUTED)
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
