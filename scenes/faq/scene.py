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
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.tokens import TokenStrip
from scenes.common.values import is_course_photo, narration_values
from scenes.faq.facts import QUARTERS, cached_faq_facts

VIT = "Dosovitskiy et al. 2021, An Image is Worth 16x16 Words"
DEIT = "Touvron et al. 2021, Training data-efficient image transformers (DeiT)"
SWIN = "Liu et al. 2021, Swin Transformer"
CONVNEXT = "Liu et al. 2022, A ConvNet for the 2020s"

# The lesson each answer points to, by registry id.
DEEPER = {
    "q1-words": ["p1-02-sixteen-words"],
    "q2-recipe": ["p3-01-small-vit-loses", "p3-02-choose-your-prior"],
    "q3-tokens": ["p2-01-contact-sheet", "p2-02-project-then-add"],
    "q4-cls": ["p1-04-cls-token"],
    "q5-convnext": ["p3-03-swin-and-convnext", "p3-04-mental-map"],
}

# Every number a cue takes from a paper, as spoken and drawn, with the paper it needs on screen.
PAPER_NUMBERS = {
    "q1-words": [("16x16", VIT)],
    "q2-recipe": [("1.3 million", VIT), ("14 million", VIT), ("77.9", VIT), ("84.0", VIT), ("81.8", DEIT)],
    "q5-swin": [("4 by 4", SWIN), ("7 by 7", SWIN)],
    "q5-convnext": [("76.1", CONVNEXT), ("78.8", CONVNEXT), ("82.0", CONVNEXT), ("7 by 7", CONVNEXT)],
}

EVEN_QUARTER = 0.25
CLEAR_QUARTER = 0.35     # a quarter "stands out" above this share (an even spread gives 0.25)
CMAP = "inferno"

# Swin-T as the Swin paper describes it (Liu et al. 2021, Sec. 3.1 and 3.3, Fig. 3), for the schematic.
SWIN_INPUT, SWIN_PATCH, SWIN_WINDOW, SWIN_STAGES = 224, 4, 7, 4


def spoken_lessons(ids: list[str]) -> str:
    """'2, An image is worth...' or '10, A small ViT..., and 11, Choose your prior...', from the registry."""
    parts = [f"{BY_ID[i].number}, {BY_ID[i].title}" for i in ids]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]


def patch_sentence(P: int) -> str:
    if P == 16:
        return f"The model on screen does exactly that, with patches of {P} by {P} pixels."
    return f"The model on screen does that with patches of {P} by {P} pixels instead."


def resize_sentence(resize: int | None, interpolation: str, crop: int) -> str:
    """What the data config does to the photo, in words, from the transform's own steps."""
    if resize is not None and resize != crop:
        return (f"resizes the photo so that its shorter side is {resize} pixels, with {interpolation} "
                f"resampling, and keeps the centre {crop} by {crop} pixels.")
    if resize is not None:
        return f"resizes the photo's shorter side to {crop} pixels, with {interpolation} resampling, and keeps the centre square."
    return f"keeps the centre {crop} by {crop} pixels of the photo."


def map_sentence(shares, course_photo: bool) -> str:
    """Where CLS's attention goes, by quarter of the image, from the measured shares."""
    best = int(shares.argmax())
    if shares[best] >= CLEAR_QUARTER:
        out = (f"Its weight gathers in the {QUARTERS[best]} quarter of the image: {num.percent(shares[best]).spoken} "
               f"of it, where an even spread would give 25 percent.")
    else:
        out = (f"No quarter of the image stands out: each gets between {num.percent(shares.min()).spoken} and "
               f"{num.percent(shares.max()).spoken} of its attention, near the even 25 percent.")
    if course_photo:  # the cat was pasted into the bottom-right quarter (vitmath/assets/PROVENANCE.md)
        out += f" The quarter with the cat gets {num.percent(shares[3]).spoken}."
    return out


def top_sentence(top_k: int, top_share: float, N: int) -> str:
    """Is the attention piled on a few patches? Compared with what an even spread would give those patches."""
    even = top_k / N
    if top_share > 2 * even:
        return (f"But it is far from even over the patches: the {top_k} brightest, about one patch in twenty, "
                f"hold {num.percent(top_share).spoken} of it.")
    return (f"It is spread almost evenly over the patches: the {top_k} brightest, about one patch in twenty, "
            f"hold only {num.percent(top_share).spoken} of it.")


def corner_sentence(corners: int, top_k: int) -> str:
    if corners < 2:
        return ""
    words = {2: "Two", 3: "Three", 4: "All four"}[corners]
    return (f"{words} of the image's corner patches are among those {top_k}: an attention map shows where the "
            f"token reads, not what the model recognised.")


def head_sentence(global_pool: str) -> str:
    if global_pool == "token":
        return ("After the last block, its output row, and only that row, goes to the classifier head: "
                "on our photo, the head says {top1_label}, at {top1_percent}.")
    return ("This model's head averages the patch rows instead of reading the CLS row; "
            "on our photo, it says {top1_label}, at {top1_percent}.")


def bullet_list(head: str, head_color: str, items: list[str], size: int = S.SMALL, head_size: int = S.SMALL) -> VGroup:
    """A coloured heading over bulleted lines, each on its own baseline a fixed step apart (stacking boxes
    would space a line with descenders further from the next)."""
    x_height, step = S.text("x", size).height, 1.55 * S.text("Ag", size).height
    lines = VGroup(S.text(head, head_size, head_color), *[S.text(f"• {p}", size) for p in items])
    for k, line in enumerate(lines):
        line.move_to([0, 0, 0], aligned_edge=LEFT)
        center_on_baseline(line, -step * k - (0.2 if k else 0), x_height)
    return lines


class Faq(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        self.facts = f = cached_faq_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        self.cited: dict[str, list[str]] = {}      # cue id -> papers whose CitationCard it drew
        self.pointed: dict[str, list[str]] = {}    # cue id -> lesson ids its "deeper" note names
        base = narration_values(self.trace)
        return {
            "num_tokens": d.T,
            "patch_sentence": patch_sentence(d.P),
            "resize_sentence": resize_sentence(f.resize, f.interpolation, f.crop),
            "patches_shape": num.shape(*f.patches_shape),
            "tokens_shape": num.shape(*f.tokens_shape),
            "x0_shape": num.shape(*f.x0_shape),
            "head_sentence": head_sentence(f.global_pool).format(**base),
            "map_sentence": map_sentence(f.quarter_shares, is_course_photo(self.inputs.image)),
            "top_sentence": top_sentence(f.top_k, f.top_share, d.N),
            "corner_sentence": corner_sentence(f.corners_in_top, f.top_k),
            "first_lesson": spoken_lessons([LESSONS[0].id]),
            **{f"deeper_{cue.split('-')[0]}": spoken_lessons(ids) for cue, ids in DEEPER.items()},
        }

    def cues(self):
        return [self.intro, self.q1_words, self.q2_priors, self.q2_recipe, self.q3_tokens, self.q4_cls,
                self.q5_swin, self.q5_convnext, self.closing]

    # ------------------------------------------------------------------ what the answers share
    def cite(self, cue: str, paper: str, where: str, detail: str | None = None,
             width: float = 0.47 * L.FOOTER.width) -> CitationCard:
        """A citation card, bottom-right, recorded so the lesson can check every paper number has its source."""
        self.cited.setdefault(cue, []).append(paper)
        return CitationCard(paper, where, detail, max_width=width)

    def deeper(self, cue: str) -> VGroup:
        """'Deeper: Lesson n · title' for each lesson the answer points to, bottom-left, from the registry."""
        ids = DEEPER[cue]
        self.pointed[cue] = list(ids)
        tag = S.text("Deeper:", S.SMALL, S.ACCENT)
        share = 0.48 if self.cited.get(cue) else 0.95      # the right half of the footer holds any citations
        room = share * L.FOOTER.width - tag.width - 0.2
        lines = VGroup(*[wrapped(f"Lesson {BY_ID[i].number} · {BY_ID[i].title}", S.TINY, room, S.ACCENT)
                         for i in ids]).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        note = VGroup(tag, lines).arrange(RIGHT, aligned_edge=UP, buff=0.2)
        note.move_to(L.FOOTER.point(DOWN + LEFT), aligned_edge=DOWN + LEFT)
        return note

    def question(self, n: int, text: str) -> Heading:
        return Heading(f"{n} · {text}")

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
            self.add(Heading("Five questions"))
            qs = ["What does \u201can image is worth 16x16 words\u201d mean?",
                  "Why do ViTs need more training data than CNNs?",
                  "How does a photo become tokens?",
                  "What does the CLS token do?",
                  "Why did Swin and ConvNeXt come back to convolutional ideas?"]
            # One baseline per row, rows a fixed step apart (boxes of different heights would wobble).
            x_height = S.text("x", S.BODY).height
            rows = VGroup()
            for k, q in enumerate(qs):
                mark, words = S.text(f"{k + 1}", S.BODY, S.ACCENT), S.text(q, S.BODY)
                mark.move_to([0, 0, 0], aligned_edge=LEFT)
                words.move_to([0.6, 0, 0], aligned_edge=LEFT)
                rows.add(VGroup(center_on_baseline(mark, -0.8 * k, x_height),
                                center_on_baseline(words, -0.8 * k, x_height)))
            L.MAIN.place(rows, aligned=LEFT)
            for k, row in enumerate(rows):
                self.play(FadeIn(row, shift=0.2 * RIGHT), run_time=cue.share(0.07))
                self.wait(cue.share([0.06, 0.09, 0.06, 0.05, 0.0][k]))

    def q1_words(self):
        d, t = self.dims, self.trace
        with self.narrate("q1-words") as cue:
            self.add(self.question(1, "What does \u201c16x16 words\u201d mean?"))
            cite = self.cite("q1-words", VIT, "the paper's title")
            self.play(FadeIn(cite), run_time=cue.share(0.05))
            g = PhotoGrid(t.picture, d.grid, height=4.6, patch_pixels=t.patch_pixels)
            L.LEFT.place(g, aligned=LEFT)
            self.play(FadeIn(g), run_time=cue.share(0.12))
            facts = VGroup(S.text(f"patch: {d.P} × {d.P} pixels", S.BODY),
                           S.text(f"grid: {d.grid} × {d.grid} = {d.N} patch tokens", S.BODY),
                           S.text(f"+ CLS = {d.T} tokens", S.BODY, S.ACCENT)).arrange(DOWN, aligned_edge=LEFT,
                                                                                    buff=0.3)
            # Token 0 is CLS; the patches are tokens 1..N in raster order.
            strip = TokenStrip(t.patch_pixels, indices=range(1, d.N + 1), cls=True, show=(4, 2), height=0.75,
                               width=L.RIGHT.width)
            words = S.text("one patch = one \u201cword\u201d", S.SMALL, S.MUTED)
            panel = Group(facts, strip, words).arrange(DOWN, buff=0.45)
            L.RIGHT.place(panel)
            self.play(Create(g.cell_square(0)), FadeIn(facts[0]), run_time=cue.share(0.1))
            self.play(FadeIn(facts[1]), run_time=cue.share(0.1))
            self.play(FadeIn(strip), FadeIn(facts[2]), FadeIn(words), run_time=cue.share(0.15))
            self.wait(cue.share(0.25))
            self.play(FadeIn(self.deeper("q1-words")), run_time=cue.share(0.05))

    def q2_priors(self):
        d, t = self.dims, self.trace
        with self.narrate("q2-priors") as cue:
            self.add(self.question(2, "Why do ViTs need more training data?"))
            left, right = L.MAIN.columns(2)
            side = 3.0
            # A schematic, not to scale: a convolution's window is a few pixels, drawn here one patch wide.
            conv_grid = PhotoGrid(t.picture, d.grid, height=side, patch_pixels=t.patch_pixels, line_opacity=0.3)
            a, b = d.grid + 1, d.N - d.grid - 2            # near the top-left and bottom-right corners
            vit_grid = PhotoGrid(t.picture, d.grid, height=side, patch_pixels=t.patch_pixels, line_opacity=0.3)
            me = d.N // 2 + d.grid // 2                   # a patch near the centre
            cnn = bullet_list("A convolution builds in", S.GREEN,
                              ["locality: small neighbourhoods", "weight sharing: one filter everywhere",
                               "translation equivariance"], head_size=S.BODY)
            vit = bullet_list("A ViT must learn it", S.ACCENT,
                              ["attention to every patch, from block 1", "which neighbours matter: learned",
                               "how the image is laid out: learned"], head_size=S.BODY)
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
            self.play(FadeIn(conv_grid), FadeIn(cnn[0]), run_time=cue.share(0.06))
            self.play(Create(windows[0]), FadeIn(cnn[1]), run_time=cue.share(0.06))
            self.wait(cue.share(0.06))
            self.play(Create(slide), Create(windows[1]), FadeIn(cnn[2]), run_time=cue.share(0.08))
            self.wait(cue.share(0.04))
            self.play(FadeIn(cnn[3]), run_time=cue.share(0.06))
            self.wait(cue.share(0.06))
            self.play(FadeIn(vit_grid), FadeIn(vit[0]), run_time=cue.share(0.06))
            self.wait(cue.share(0.1))
            self.play(Create(reach), FadeIn(vit[1]), run_time=cue.share(0.08))
            self.play(LaggedStart(*[FadeIn(m) for m in vit[2:]], lag_ratio=0.5), run_time=cue.share(0.12))

    def q2_recipe(self):
        with self.narrate("q2-recipe") as cue:
            self.add(self.question(2, "Why do ViTs need more training data?"))
            # The papers' ImageNet top-1 accuracies as bars on a 0-100% track (TopKBars takes probabilities).
            rows = [(0, "ViT-B/16 · ImageNet (1.3 M images)", 0.779),
                    (1, "ViT-B/16 · ImageNet-21k (14 M)", 0.840),
                    (2, "DeiT-B · ImageNet, strong recipe", 0.818)]
            bars = TopKBars(rows, height=2.6, width=L.MAIN.width * 0.95, highlight=None, places=1)
            title = S.text("ImageNet top-1 accuracy, by pre-training data", S.SMALL, S.MUTED)
            block = VGroup(title, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            L.MAIN.place(block, aligned=UP)
            cite_deit = self.cite("q2-recipe", DEIT, "Table 5", "224 px")
            cite_vit = self.cite("q2-recipe", VIT, "Table 5, Sec. 4.1", "fine-tuned at 384 px")
            cite_vit.next_to(cite_deit, UP, buff=0.1, aligned_edge=RIGHT)
            self.play(FadeIn(title), FadeIn(cite_vit), FadeIn(bars.rows[0]),
                      run_time=cue.share(0.1))
            self.wait(cue.share(0.12))
            self.play(FadeIn(bars.rows[1]), run_time=cue.share(0.08))
            self.wait(cue.share(0.12))
            self.play(FadeIn(bars.rows[2]), FadeIn(cite_deit), run_time=cue.share(0.08))
            self.wait(cue.share(0.15))
            take = S.text("more data, or stronger augmentation and regularisation", S.BODY, S.ACCENT)
            take.next_to(bars, DOWN, buff=0.5)
            self.play(FadeIn(take), run_time=cue.share(0.06))
            self.wait(cue.share(0.1))
            self.play(FadeIn(self.deeper("q2-recipe")), run_time=cue.share(0.05))

    def q3_tokens(self):
        d, t, f = self.dims, self.trace, self.facts
        with self.narrate("q3-tokens") as cue:
            self.add(self.question(3, "How does a photo become tokens?"))
            left, right = L.MAIN.split(0.36)
            g = PhotoGrid(t.picture, d.grid, height=min(left.width, left.height) * 0.9,
                          patch_pixels=t.patch_pixels)
            left.place(g)
            crop = (f"resize to {f.resize}, centre crop {f.crop}" if f.resize not in (None, f.crop)
                    else f"centre {f.crop} × {f.crop}")
            steps = [
                ("1", f"{crop} ({f.interpolation})", num.shape(*f.picture_shape).screen),
                ("2", f"cut into {d.N} patches of {d.P} × {d.P}", f"{d.grid} × {d.grid} grid"),
                ("3", "flatten each patch", num.shape(*f.patches_shape).screen),
                ("4", f"project with E {num.shape(*f.proj_shape).screen}", num.shape(*f.tokens_shape).screen),
                ("5", "prepend CLS, add positions", num.shape(*f.x0_shape).screen),
            ]
            table = VGroup()
            for k, what, shape in steps:
                table.add(VGroup(S.text(k, S.BODY, S.ACCENT), S.text(what, S.SMALL),
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
            self.play(FadeIn(g), run_time=cue.share(0.06))
            pace = [0.12, 0.08, 0.12, 0.14, 0.14]
            for row, wait in zip(table, pace):
                self.play(FadeIn(row, shift=0.2 * RIGHT), *([Create(arrow)] if row is table[0] else []),
                          run_time=cue.share(0.05))
                self.wait(cue.share(wait))
            self.play(FadeIn(self.deeper("q3-tokens")), run_time=cue.share(0.05))

    def q4_cls(self):
        d, f = self.dims, self.facts
        with self.narrate("q4-cls") as cue:
            self.add(self.question(4, "What does the CLS token do?"))
            left, right = L.MAIN.split(0.52)
            hm = HeatmapOnPhoto(self.trace.picture, f.cls_map, CMAP, label="CLS → patch attention weight",
                                height=min(left.height * 0.85, 4.2))
            cap = S.text(f"block {d.depth}, mean of {d.H} heads; blue: the {f.top_k} brightest patches", S.TINY,
                         S.MUTED)
            left_col = Group(hm, cap).arrange(DOWN, buff=0.12, aligned_edge=LEFT)
            left.place(left_col, aligned=UP + LEFT)
            marks = VGroup(*[Square(hm.image.height / d.grid, color=S.BLUE, stroke_width=3).move_to(hm.cell_center(i))
                             for i in f.top_patches])

            # Right: what CLS is, what the head reads, and the shares the narration speaks.
            cls_box = VGroup(RoundedRectangle(corner_radius=0.08, width=0.9, height=0.6).set_stroke(S.ACCENT, 3)
                             .set_fill(S.ACCENT, 0.15), S.text("CLS", S.SMALL, S.ACCENT))
            cls_row = VGroup(cls_box, wrapped(f"a learned vector of {d.D} numbers, with no patch of its own",
                                              S.SMALL, right.width - 1.3)).arrange(RIGHT, buff=0.3)
            head = (f"reads the CLS row after block {d.depth}" if f.global_pool == "token"
                    else "averages the patch rows")
            top_l = wrapped(f"classifier head ({head}): top 5", S.TINY, right.width, S.MUTED)
            bars = TopKBars(self.trace.top5, height=1.9, width=right.width)
            panel = VGroup(top_l, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            sh = f.quarter_shares
            quads = VGroup(*[S.text(num.percent(sh[q]).screen, S.SMALL, S.ACCENT if q == f.best_quarter else S.INK,
                                    mono=True) for q in range(4)])
            quads.arrange_in_grid(rows=2, cols=2, buff=(0.45, 0.12))   # laid out as the quarters are
            box = RoundedRectangle(corner_radius=0.05, width=quads.width + 0.4, height=quads.height + 0.3)
            box.set_stroke(S.MUTED, 1).move_to(quads)
            quarter_l = S.text("by quarter", S.TINY, S.MUTED)
            topk_l = VGroup(S.text(f"{f.top_k} brightest", S.TINY, S.MUTED),
                            S.text(num.percent(f.top_share).screen, S.SMALL, S.BLUE, mono=True)
                            ).arrange(DOWN, buff=0.15)
            shares_l = S.text("shares of CLS's attention to the patches:", S.TINY, S.MUTED)
            stats = VGroup(VGroup(quarter_l, VGroup(box, quads)).arrange(DOWN, buff=0.1), topk_l
                           ).arrange(RIGHT, buff=0.6, aligned_edge=DOWN)
            stats = VGroup(shares_l, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            right_col = VGroup(cls_row, panel, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            right.place(right_col, aligned=UP + LEFT)

            self.play(FadeIn(cls_row), run_time=cue.share(0.08))
            self.wait(cue.share(0.14))
            self.play(FadeIn(panel), run_time=cue.share(0.1))
            self.wait(cue.share(0.1))
            self.play(FadeIn(hm), FadeIn(cap), run_time=cue.share(0.1))
            self.wait(cue.share(0.1))
            self.play(FadeIn(stats[0]), FadeIn(stats[1][0]), run_time=cue.share(0.05))
            self.wait(cue.share(0.05))
            self.play(Create(marks), FadeIn(stats[1][1]), run_time=cue.share(0.08))
            self.wait(cue.share(0.1))
            self.play(FadeIn(self.deeper("q4-cls")), run_time=cue.share(0.05))

    def swin_column(self) -> VGroup:
        return bullet_list("Swin: a hierarchical, local transformer", S.BLUE,
                           ["4 × 4-pixel patches", "attention within 7 × 7-token windows",
                            "windows shifted every other block", "patch merging: a pyramid of stages"])

    def convnext_column(self) -> VGroup:
        return bullet_list("ConvNeXt: a convnet, modernised", S.GREEN,
                           ["a transformer's training recipe", "7 × 7 depthwise convolutions",
                            "LayerNorm instead of BatchNorm, GELU", "inverted bottleneck; no attention"])

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
            label = S.text(f"{n} × {n}", S.TINY, S.MUTED).next_to(square, DOWN, buff=0.12)
            stages.add(VGroup(square, lines, label))
        stages.arrange(RIGHT, buff=0.35, aligned_edge=DOWN)
        title = S.text(f"Swin-T on {SWIN_INPUT} px: tokens per side; lines = {SWIN_WINDOW} × {SWIN_WINDOW} windows",
                       S.TINY, S.MUTED)
        return VGroup(stages, title).arrange(DOWN, buff=0.25)

    def q5_swin(self):
        d = self.dims
        with self.narrate("q5-swin") as cue:
            self.add(self.question(5, "Why Swin and ConvNeXt after ViT?"))
            left, right = L.MAIN.columns(2)
            col = self.swin_column()
            vit = bullet_list("ViT (the model on screen)", S.ACCENT,
                              [f"{d.grid} × {d.grid} tokens in all {d.depth} blocks",
                               "every token attends to every token"])
            side = 2.0
            grid = VGroup(Square(side).set_stroke(S.ACCENT, 2).set_fill(S.ACCENT, 0.1))
            for j in range(1, d.grid):
                x = side * (j / d.grid - 0.5)
                grid.add(Line([x, -side / 2, 0], [x, side / 2, 0]), Line([-side / 2, x, 0], [side / 2, x, 0]))
            grid[1:].set_stroke(S.INK, 1, 0.5)
            grid_l = S.text(f"{d.grid} × {d.grid}, one attention over all tokens", S.TINY, S.MUTED)
            vit_col = VGroup(vit, VGroup(grid, grid_l.next_to(grid, DOWN, buff=0.12))).arrange(
                DOWN, buff=0.5, aligned_edge=LEFT)
            right.place(vit_col, aligned=UP + LEFT)
            pyramid = self.swin_pyramid()
            left_col = VGroup(col, pyramid).arrange(DOWN, buff=0.5, aligned_edge=LEFT)
            left.place(left_col, aligned=UP + LEFT)
            cite = self.cite("q5-swin", SWIN, "Sec. 3, Figs. 1-3")
            self.play(FadeIn(vit_col), run_time=cue.share(0.06))
            self.wait(cue.share(0.2))
            self.play(FadeIn(col[0]), run_time=cue.share(0.06))
            self.wait(cue.share(0.08))
            for line in col[1:]:
                self.play(FadeIn(line, shift=0.2 * RIGHT), *([FadeIn(cite), FadeIn(pyramid)] if line is col[1] else []),
                          run_time=cue.share(0.05))
                self.wait(cue.share(0.08))

    def q5_convnext(self):
        with self.narrate("q5-convnext") as cue:
            self.add(self.question(5, "Why Swin and ConvNeXt after ViT?"))
            left, right = L.MAIN.columns(2)
            swin = self.swin_column()
            left.place(swin, aligned=UP + LEFT)
            conv = self.convnext_column()
            right.place(conv, aligned=UP + LEFT)
            cite_conv = self.cite("q5-convnext", CONVNEXT, "Sec. 2.2, Fig. 2")
            cite_swin = self.cite("q5-convnext", SWIN, "Sec. 3, Figs. 1-3")
            cite_swin.next_to(cite_conv, UP, buff=0.1, aligned_edge=RIGHT)
            self.add(swin, cite_swin)
            rows = [(0, "ResNet-50", 0.761), (1, "+ training recipe", 0.788), (2, "ConvNeXt-T", 0.820)]
            bars = TopKBars(rows, height=1.5, width=right.width, highlight=2, places=1)
            bars_t = S.text("ImageNet top-1", S.TINY, S.MUTED)
            chart = VGroup(bars_t, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            chart.next_to(conv, DOWN, buff=0.35).align_to(conv, LEFT)
            self.play(FadeIn(conv[0]), FadeIn(cite_conv), run_time=cue.share(0.05))
            self.play(FadeIn(conv[1]), FadeIn(bars_t), FadeIn(bars.rows[0]),
                      run_time=cue.share(0.06))
            self.play(FadeIn(bars.rows[1]), run_time=cue.share(0.06))
            self.wait(cue.share(0.12))
            self.play(LaggedStart(*[FadeIn(m) for m in conv[2:]], lag_ratio=0.5), run_time=cue.share(0.15))
            self.play(FadeIn(bars.rows[2]), run_time=cue.share(0.06))
            synth = S.text("a synthesis, not a regression", S.BODY, S.ACCENT)
            synth.next_to(swin, DOWN, buff=0.6).align_to(swin, LEFT)
            self.play(FadeIn(synth), run_time=cue.share(0.06))
            self.wait(cue.share(0.1))
            self.play(FadeIn(self.deeper("q5-convnext")), run_time=cue.share(0.05))

    def closing(self):
        with self.narrate("closing") as cue:
            self.add(Heading("Takeaway"))
            take = wrapped("A ViT reads an image as a sentence of patch tokens, learns from data the structure a "
                           "CNN builds in, answers through its CLS token; its successors borrow the best of both.",
                           S.BODY, L.MAIN.width * 0.85)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.6, height=take.height + 0.5)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            card = VGroup(box, take)
            L.MAIN.place(card)
            self.play(FadeIn(card), run_time=cue.share(0.15))
            first = LESSONS[0]
            self.play(FadeIn(NextLessonFooter(self.lesson, f"Start again: Lesson {first.number} · {first.title}")),
                      run_time=cue.share(0.1))
