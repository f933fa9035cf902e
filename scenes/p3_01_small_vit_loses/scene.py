"""Phase 3, lesson 1: A small ViT loses to a small CNN on a small dataset.

A real experiment, run once and cached (vitmath/small_data.py): a small CNN and a small ViT of about the same
size, trained from scratch with the same recipe on scikit-learn's 8x8 digits at several training-set sizes and
seeds. The lesson plots test accuracy against training-set size with the spread over seeds, and says what the
numbers show, with sentences picked from them. Then the ViT paper's scale (Table 5, Figures 3 and 4) and DeiT,
each number with its citation on screen. Any cue can be previewed on its own.

    manim -ql scenes/p3_01_small_vit_loses/scene.py SmallVitLoses
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Create, Dot, DoubleArrow, FadeIn, Group, LaggedStart, Line,
                   RoundedRectangle, Square, VGroup)
from torch import nn

from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.values import spoken_list
from scenes.common.cards import CaveatNote, baseline_y, CitationCard, Heading, NextLessonFooter, TopKBars, wrapped
from scenes.common.error_bar_chart import ErrorBarChart, Series
from scenes.common.narrated import NarratedScene
from scenes.common.pixel_image import PixelImage
from vitmath import small_data as sd

VIT_PAPER = "Dosovitskiy et al. 2021, An Image is Worth 16x16 Words"
DEIT_PAPER = "Touvron et al. 2021, DeiT paper (Training data-efficient image transformers)"

# The paper's numbers, each shown with its citation. ViT paper Table 5: ViT-B/16 fine-tuned at 384 px, ImageNet
# top-1 (%) after pre-training on each dataset; dataset sizes from Section 4.1.
VIT_B16_IMAGENET_TOP1 = (("ImageNet-1k · 1.3M images", 0.7791), ("ImageNet-21k · 14M images", 0.8397),
                         ("JFT-300M · 303M images", 0.8415))
DEIT_B_TOP1 = 0.818  # DeiT paper Table 5: DeiT-B, ImageNet-1k only, 224 px

COLORS = {"CNN": S.BLUE, "ViT": S.ACCENT}


def points(x: float) -> num.Number:
    """An accuracy difference (0..1) in percentage points, one decimal."""
    s = f"{100 * x:.1f}"
    return num.Number(float(x), f"{s} pts", s, f"{s} points")


def every_size_sentence(r: sd.SmallDataResult) -> str:
    """Whether the CNN's mean is ahead at every size, from the means."""
    behind = [n for n in r.sizes if r.gap(n) <= 0]
    if not behind:
        return "The CNN is ahead at every size we tried."
    ahead = [n for n in r.sizes if r.gap(n) > 0]
    if not ahead:
        return "Here the ViT is level with the CNN or ahead at every size we tried."
    return (f"The CNN is ahead at {spoken_list(f'{n:,}' for n in ahead)} images, but not at "
            f"{spoken_list(f'{n:,}' for n in behind)}, where the ViT is level or ahead.")


def trend_sentence(r: sd.SmallDataResult) -> str:
    """How the gap between the means changes from the smallest to the largest training set."""
    small, large = r.sizes[0], r.sizes[-1]
    g0, g1 = r.gap(small), r.gap(large)
    a, b = points(abs(g0)).spoken, points(abs(g1)).spoken
    if g0 > 0 and g1 <= 0:
        return (f"And the lead changes hands as the data grows: the CNN leads by {a} at {small:,} images, "
                f"the ViT by {b} at {large:,}.")
    if g0 <= 0:
        return f"At {small:,} images the ViT is already level or ahead, by {a}; at {large:,}, the gap is {b}."
    if g1 < g0:
        return f"And the gap shrinks as the data grows: from {a} at {small:,} images to {b} at {large:,}."
    return f"And the gap does not shrink as the data grows: {a} at {small:,} images, {b} at {large:,}."


def spread_sentence(r: sd.SmallDataResult, n: int) -> str:
    """Do the seeds separate the two models at size n? Compare the worst CNN seed with the best ViT seed."""
    cnn_low, vit_high = r.low("CNN", n), r.high("ViT", n)
    if len(r.seeds) == 1:
        return ""
    if cnn_low > vit_high:
        return f"At {n:,} images, even the CNN's worst seed beats the ViT's best."
    if r.high("CNN", n) < r.low("ViT", n):
        return f"At {n:,} images, even the ViT's worst seed beats the CNN's best."
    return (f"At {n:,} images the seeds overlap: the best ViT seed reaches {num.percent(vit_high, 1).spoken}, "
            f"the worst CNN seed {num.percent(cnn_low, 1).spoken}: at this size the seeds do not separate "
            f"the two models.")


def small_result_sentence(r: sd.SmallDataResult) -> str:
    n = r.sizes[0]
    cnn, vit = num.percent(r.mean("CNN", n), 1).spoken, num.percent(r.mean("ViT", n), 1).spoken
    only = "only " if r.gap(n) > 0 else ""
    return f"With {n:,} training images, the CNN gets {cnn} of the test digits right; the ViT {only}{vit}."


def closing_sentence(r: sd.SmallDataResult) -> str:
    """Where the ViT's handicap is largest: at the smallest size, or elsewhere."""
    gaps = [r.gap(n) for n in r.sizes]
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    if gaps[worst] <= 0:
        return "And here the ViT is never behind on average."
    if worst == 0:
        return "And the ViT's handicap is largest exactly where data is scarcest."
    return f"The ViT's handicap is largest at {r.sizes[worst]:,} images, not at the smallest set."


def run_time(cpu_seconds: float) -> str:
    """The run's CPU time in words: "about 100 seconds of computing" / "about 3 minutes of computing"."""
    if cpu_seconds < 120:
        return f"about {max(10, round(cpu_seconds / 10) * 10):.0f} seconds of computing"
    return f"about {round(cpu_seconds / 60):.0f} minutes of computing"


def model_facts() -> dict:
    """The two models' sizes, read from freshly built models (not typed)."""
    cnn, vit = sd.build_model("CNN"), sd.build_model("ViT")
    convs = [m for m in cnn.modules() if isinstance(m, nn.Conv2d)]
    patch = vit.patch_embed.kernel_size[0]
    return {
        "cnn": cnn, "vit": vit, "convs": convs,
        "cnn_kernel": convs[0].kernel_size[0],
        "vit_patch": patch,
        "vit_tokens": (8 // patch) ** 2,
        "vit_dim": vit.cls.shape[-1],
        "vit_depth": len(vit.blocks),
        "vit_heads": vit.blocks[0].heads,
    }


class SmallVitLoses(NarratedScene):

    def extra_values(self):
        self.result = r = sd.cached_small_data()
        self.digits = sd.load_digits()
        self.models = m = model_facts()
        small, large = r.sizes[0], r.sizes[-1]
        return {
            "num_digits": num.integer(len(self.digits.labels)),
            "digit_side": self.digits.images.shape[-1],
            "test_size": num.integer(r.config["test_size"]),
            "sizes_spoken": spoken_list(f"{n:,}" for n in r.sizes),
            "smallest": num.integer(small),
            "smallest_per_class": small // sd.NUM_CLASSES,
            "cnn_params": num.integer(r.params["CNN"]),
            "vit_params": num.integer(r.params["ViT"]),
            "cnn_kernel": m["cnn_kernel"],
            "cnn_convs": len(m["convs"]),
            "vit_patch": m["vit_patch"],
            "vit_tokens": m["vit_tokens"],
            "vit_dim": m["vit_dim"],
            "vit_depth": m["vit_depth"],
            "vit_heads": m["vit_heads"],
            "steps": num.integer(r.config["steps"]),
            "batch": r.config["batch"],
            "runs_per_point": len(r.seeds),
            "total_runs": int(r.accuracy.numel()),
            "run_time": run_time(r.cpu_seconds),
            "cnn_small": num.percent(r.mean("CNN", small), 1),
            "vit_small": num.percent(r.mean("ViT", small), 1),
            "small_result_sentence": small_result_sentence(r),
            "small_spread_sentence": spread_sentence(r, small),
            "closing_sentence": closing_sentence(r),
            "every_size_sentence": every_size_sentence(r),
            "trend_sentence": trend_sentence(r),
            "large_spread_sentence": spread_sentence(r, large),
        }

    def cues(self):
        return [self.hook, self.digits_cue, self.models_cue, self.recipe, self.result_cue, self.gap, self.why,
                self.paper_scale, self.paper_resnets, self.deit, self.takeaway]

    # ------------------------------------------------------------------ shared pieces
    def digit(self, k: int, height: float) -> PixelImage:
        """Digit k of the dataset: ink bright on the dark background, one block per pixel."""
        img = self.digits.images[k, 0].numpy()  # (8, 8) in [0, 1]
        return PixelImage(np.repeat(img[..., None], 3, axis=2), height=height)

    def chart(self) -> ErrorBarChart:
        r = self.result
        series = [Series(f"{name} · {r.params[name]:,} parameters", COLORS[name],
                         [r.mean(name, n) for n in r.sizes], [r.low(name, n) for n in r.sizes],
                         [r.high(name, n) for n in r.sizes]) for name in sd.MODELS]
        chart = ErrorBarChart(r.sizes, series, x_label="training images (log scale)",
                              y_label="test accuracy", width=10.5, height=4.6)
        self.series_names = {name: s.name for name, s in zip(sd.MODELS, series)}
        return L.MAIN.place(chart)

    def heading(self, text: str) -> Heading:
        return Heading(text)

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.25)
            head = self.heading("ViT vs CNN, trained from scratch on a small dataset")
            left = VGroup(S.text("small CNN", S.BODY, COLORS["CNN"]), S.text("built-in priors", S.SMALL, S.MUTED))
            right = VGroup(S.text("small ViT", S.BODY, COLORS["ViT"]), S.text("priors learned from data", S.SMALL,
                                                                              S.MUTED))
            for g in (left, right):
                g.arrange(DOWN, buff=0.2)
            vs = S.text("vs", S.HEADING, S.INK)
            fight = VGroup(left, vs, right).arrange(RIGHT, buff=1.2)
            L.MAIN.place(fight).shift(0.6 * UP)
            command = S.text("vitlessons experiment small-data", S.BODY, S.GREEN, mono=True)
            prompt = S.text("rerun it yourself:", S.SMALL, S.MUTED)
            cmd = VGroup(prompt, command).arrange(DOWN, buff=0.2).next_to(fight, DOWN, buff=1.0)
            self.play(FadeIn(head), run_time=cue.share(0.05))
            self.play(FadeIn(left, shift=0.2 * RIGHT), FadeIn(vs), FadeIn(right, shift=0.2 * LEFT),
                      run_time=cue.share(0.1))
            self.wait(cue.share(0.3))
            self.play(FadeIn(cmd, shift=0.2 * UP), run_time=cue.share(0.08))

    def digits_cue(self):
        with self.narrate("digits") as cue:
            r, d = self.result, self.digits
            head = self.heading("The data: scikit-learn's handwritten digits")
            side = d.images.shape[-1]
            # The first two examples of each class, in class order: a fixed rule, not a hand pick.
            picks = [int(i) for c in range(sd.NUM_CLASSES) for i in (d.labels == c).nonzero()[:2, 0]]
            tiles = Group()
            for k in picks:
                label = S.text(str(int(d.labels[k])), S.TINY, S.MUTED)
                tiles.add(Group(self.digit(k, 0.85), label).arrange(DOWN, buff=0.08))
            tiles.arrange_in_grid(rows=2, buff=(0.22, 0.2), flow_order="dr")
            top, bottom = L.MAIN.rows(2, gutter=0.3)
            top.place(tiles)
            facts = VGroup(
                S.text(f"{len(d.labels):,} images · {side}×{side} pixels · greyscale · digits 0-9", S.SMALL),
                S.text(f"test set: {r.config['test_size']} images per seed, never trained on", S.SMALL),
                S.text("training sets: " + " · ".join(f"{n:,}" for n in r.sizes) + " images, classes as "
                       "balanced as the data allows", S.SMALL),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            bottom.place(facts)
            self.play(FadeIn(head), LaggedStart(*[FadeIn(t) for t in tiles], lag_ratio=0.05),
                      run_time=cue.share(0.2))
            for k, line in enumerate(facts):
                self.play(FadeIn(line, shift=0.1 * UP), run_time=cue.share(0.05))
                self.wait(cue.share([0.12, 0.2, 0.2][k]))

    def models_cue(self):
        with self.narrate("models") as cue:
            m, r = self.models, self.result
            head = self.heading("Two small models of the same size")
            left, right = L.MAIN.split(0.5)
            convs = m["convs"]
            cnn_rows = [f"conv {c.kernel_size[0]}×{c.kernel_size[1]} · {c.in_channels}→{c.out_channels} channels"
                        for c in convs[:2]]
            cnn_rows += ["max-pool 2×2",
                         f"conv {convs[2].kernel_size[0]}×{convs[2].kernel_size[1]} · "
                         f"{convs[2].in_channels}→{convs[2].out_channels} channels",
                         f"average · linear → {sd.NUM_CLASSES} classes"]
            vit_rows = [f"{m['vit_tokens']} patches of {m['vit_patch']}×{m['vit_patch']} → tokens of width "
                        f"{m['vit_dim']}",
                        "+ CLS token, + learned positions",
                        f"{m['vit_depth']} transformer blocks · {m['vit_heads']} heads",
                        f"LayerNorm · CLS → linear → {sd.NUM_CLASSES} classes"]
            cnn = self.stack("small CNN", cnn_rows, r.params["CNN"], COLORS["CNN"], left)
            vitg = self.stack("small ViT", vit_rows, r.params["ViT"], COLORS["ViT"], right)
            self.play(FadeIn(head), FadeIn(cnn[0]), run_time=cue.share(0.05))
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * DOWN) for b in cnn[1]], lag_ratio=0.3),
                      run_time=cue.share(0.2))
            self.play(FadeIn(cnn[2]), run_time=cue.share(0.05))
            self.play(FadeIn(vitg[0]), run_time=cue.share(0.04))
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * DOWN) for b in vitg[1]], lag_ratio=0.3),
                      run_time=cue.share(0.4))
            self.play(FadeIn(vitg[2]), run_time=cue.share(0.05))

    def stack(self, title: str, rows: list[str], params: int, color: str, region) -> VGroup:
        """A model as a column of layer boxes, its name above and its parameter count below."""
        name = S.text(title, S.BODY, color)
        boxes = VGroup()
        texts = [S.text(row, S.SMALL) for row in rows]
        width = max(t.width for t in texts) + 0.5  # every box as wide as the widest line needs
        for t in texts:
            box = RoundedRectangle(corner_radius=0.08, width=width, height=S.text("Ag", S.SMALL).height + 0.3)
            box.set_stroke(color, 1.5).set_fill(S.BACKGROUND, 1)
            boxes.add(VGroup(box, t.move_to(box)))
        boxes.arrange(DOWN, buff=0.18)
        count = S.text(f"{params:,} parameters", S.BODY, color)
        group = VGroup(name, boxes, count).arrange(DOWN, buff=0.3)
        region.place(group, aligned=UP)
        return group

    def recipe(self):
        with self.narrate("recipe") as cue:
            r = self.result
            cfg = r.config
            head = self.heading("Same recipe for both")
            rows = VGroup(
                S.text(f"AdamW · {cfg['steps']:,} steps · {cfg['batch']} images per step (all, if fewer) · "
                       "cosine schedule", S.SMALL),
                S.text("no data augmentation", S.SMALL),
                S.text(f"{len(r.seeds)} seeds × {len(r.sizes)} sizes × {len(sd.MODELS)} models = "
                       f"{r.accuracy.numel()} training runs, each from scratch", S.SMALL),
                S.text(f"run time: {r.cpu_seconds:.0f} s of CPU on one thread, then cached", S.SMALL),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            L.MAIN.place(rows, aligned=UP + LEFT).shift(0.3 * DOWN + 0.3 * RIGHT)
            note = CaveatNote("a toy: two tiny models on 8×8 images, not a benchmark", width=7.0)
            note.next_to(rows, DOWN, buff=0.7, aligned_edge=LEFT)
            command = VGroup(S.text("the table, on your machine:", S.SMALL, S.MUTED),
                             S.text("vitlessons experiment small-data", S.SMALL, S.GREEN, mono=True))
            command.arrange(RIGHT, buff=0.25).next_to(note, DOWN, buff=0.6, aligned_edge=LEFT)
            self.play(FadeIn(head), run_time=cue.share(0.05))
            for k, row in enumerate(rows):
                self.play(FadeIn(row, shift=0.1 * UP), run_time=cue.share(0.05))
                self.wait(cue.share([0.15, 0.05, 0.2, 0.1][k]))
            self.play(FadeIn(note), run_time=cue.share(0.06))
            self.play(FadeIn(command), run_time=cue.share(0.05))

    def result_cue(self):
        with self.narrate("result") as cue:
            r = self.result
            head = self.heading("Test accuracy vs training-set size")
            chart = self.chart()
            self.play(FadeIn(head), Create(chart.axes), run_time=cue.share(0.06))
            self.play(FadeIn(VGroup(chart.grid, chart.x_ticks, chart.y_ticks, chart.x_label, chart.y_label)),
                      run_time=cue.share(0.08))
            self.wait(cue.share(0.2))
            for name in sd.MODELS:
                s = chart.series_group(self.series_names[name])
                self.play(FadeIn(chart.legend[sd.MODELS.index(name)]),
                          LaggedStart(*[FadeIn(d, scale=0.5) for d in s.dots], lag_ratio=0.2),
                          LaggedStart(*[Create(b) for b in s.bars], lag_ratio=0.2),
                          Create(s.line), run_time=cue.share(0.12))
            # The smallest training set: both means labelled.
            labels = VGroup()
            # Placed by which mean is higher: above the upper model's bar, right of the lower model's dot.
            upper = "CNN" if r.gap(r.sizes[0]) > 0 else "ViT"
            for name in sd.MODELS:
                value = num.percent(r.mean(name, r.sizes[0]), 1).screen
                t = S.text(value, S.SMALL, COLORS[name])
                if name == upper:
                    t.next_to(chart.bar(self.series_names[name], 0), UP, buff=0.1)
                else:
                    t.next_to(chart.point(self.series_names[name], 0), RIGHT, buff=0.2)
                labels.add(t)
            self.play(FadeIn(labels), run_time=cue.share(0.06))

    def gap(self):
        with self.narrate("gap") as cue:
            r = self.result
            head = self.heading("The gap, size by size (CNN mean − ViT mean)")
            chart = self.chart()
            self.play(FadeIn(head), FadeIn(chart), run_time=cue.share(0.06))
            arrows, labels = VGroup(), VGroup()
            for k, n in enumerate(r.sizes):
                a = chart.point(self.series_names["CNN"], k)
                b = chart.point(self.series_names["ViT"], k)
                x = (a[0] + b[0]) / 2 + 0.28
                color = S.GREEN if r.gap(n) > 0 else S.RED
                if abs(a[1] - b[1]) > 0.4:  # room for two arrow tips
                    arrows.add(DoubleArrow([x, b[1], 0], [x, a[1], 0], buff=0, stroke_width=3,
                                           tip_length=0.12, color=color))
                t = S.text(f"{100 * r.gap(n):+.1f} pts", S.TINY, color)
                top = max(chart.bar(self.series_names[m], k).get_top()[1] for m in sd.MODELS)
                t.move_to([(a[0] + b[0]) / 2, top + 0.12, 0], aligned_edge=DOWN)
                labels.add(t)
            self.play(LaggedStart(*[Create(a) for a in arrows], lag_ratio=0.3),
                      LaggedStart(*[FadeIn(t) for t in labels], lag_ratio=0.3), run_time=cue.share(0.3))

    def why(self):
        with self.narrate("why") as cue:
            head = self.heading("Why: priors built in vs priors learned")
            left, right = L.MAIN.split(0.5)
            side = 3.2
            k = int((self.digits.labels == 0).nonzero()[0, 0])  # the first zero: strokes on every side
            n_px = self.digits.images.shape[-1]
            px = side / n_px
            cnn_img, vit_img = self.digit(k, side), self.digit(k, side)
            cnn_cap = wrapped(f"CNN: a {self.models['cnn_kernel']}×{self.models['cnn_kernel']} window, "
                              "the same filter at every position", S.SMALL, left.width * 0.9, COLORS["CNN"])
            vit_cap = wrapped("ViT: from block 1, every patch can attend to every patch", S.SMALL,
                              right.width * 0.9, COLORS["ViT"])
            g1 = Group(cnn_img, cnn_cap).arrange(DOWN, buff=0.35)
            g2 = Group(vit_img, vit_cap).arrange(DOWN, buff=0.35)
            left.place(g1)
            right.place(g2)
            kernel = self.models["cnn_kernel"]
            window = Square(side_length=kernel * px).set_stroke(COLORS["CNN"], 4)
            corner = cnn_img.get_corner(UP + LEFT)

            def at(r, c):  # the window's centre over pixel (r, c) (top-left pixel of the window)
                return corner + np.array([(c + kernel / 2) * px, -(r + kernel / 2) * px, 0])

            window.move_to(at(0, 0))
            # The ViT's patch grid over the digit, and one patch's lines to every patch.
            P = self.models["vit_patch"]
            g = n_px // P
            grid = VGroup(*[Line(vit_img.get_corner(UP + LEFT) + np.array([i * P * px, 0, 0]),
                                 vit_img.get_corner(DOWN + LEFT) + np.array([i * P * px, 0, 0]))
                            for i in range(1, g)],
                          *[Line(vit_img.get_corner(UP + LEFT) + np.array([0, -i * P * px, 0]),
                                 vit_img.get_corner(UP + RIGHT) + np.array([0, -i * P * px, 0]))
                            for i in range(1, g)]).set_stroke(COLORS["ViT"], 2, opacity=0.8)
            vcorner = vit_img.get_corner(UP + LEFT)
            centres = [vcorner + np.array([(c + 0.5) * P * px, -(r + 0.5) * P * px, 0])
                       for r in range(g) for c in range(g)]
            src = centres[g + 1]
            links = VGroup(*[Line(src, c).set_stroke(COLORS["ViT"], 2, opacity=0.7) for c in centres if c is not src])
            src_box = Square(side_length=P * px).move_to(src).set_stroke(S.INK, 4)
            ends = VGroup(*[Dot(c, radius=0.05, color=COLORS["ViT"]) for c in centres if c is not src])
            links.add(ends)
            self.play(FadeIn(head), FadeIn(cnn_img), FadeIn(vit_img), run_time=cue.share(0.05))
            self.play(Create(window), FadeIn(cnn_cap), run_time=cue.share(0.05))
            # Slide the window along a few rows: the same filter at every position.
            path = [(r, c) for r in range(0, n_px - kernel + 1, 2) for c in range(0, n_px - kernel + 1, 2)]
            for r_, c_ in path[1:]:
                self.play(window.animate.move_to(at(r_, c_)), run_time=cue.share(0.3 / len(path)))
            self.play(Create(grid), FadeIn(vit_cap), Create(src_box), run_time=cue.share(0.08))
            self.play(LaggedStart(*[Create(line) for line in links], lag_ratio=0.05), run_time=cue.share(0.15))

    def paper_scale(self):
        with self.narrate("paper-scale") as cue:
            head = self.heading("ViT-B/16: ImageNet top-1 vs pre-training data")
            top = [(i, name, p) for i, (name, p) in enumerate(VIT_B16_IMAGENET_TOP1)]
            bars = TopKBars(top, height=3.0, width=L.MAIN.width * 0.85, highlight=None, places=2)
            L.MAIN.place(bars)
            bars.shift(0.2 * UP)
            note = S.text("fine-tuned and evaluated at 384 px; a full bar is 100%", S.TINY, S.MUTED)
            note.next_to(bars, DOWN, buff=0.35)
            cite = CitationCard(VIT_PAPER, "Table 5", "dataset sizes: Section 4.1")
            self.play(FadeIn(head), FadeIn(cite), run_time=cue.share(0.05))
            for k in range(len(top)):
                self.play(FadeIn(bars.rows[k], shift=0.2 * RIGHT), run_time=cue.share(0.08))
                self.wait(cue.share(0.15))
            self.play(FadeIn(note), run_time=cue.share(0.05))

    def paper_resnets(self):
        with self.narrate("paper-resnets") as cue:
            head = self.heading("ResNets vs ViT as pre-training data grows")
            rows = [("Fig. 3 · pre-trained on ImageNet (1.3M)", "BiT ResNets ahead of ViT", COLORS["CNN"]),
                    ("Fig. 3 · ImageNet-21k, JFT-300M", "ViT overtakes", COLORS["ViT"]),
                    ("Fig. 4 · random JFT subset, 9M images", "ResNet-50 ahead of ViT-B/32", COLORS["CNN"]),
                    ("Fig. 4 · JFT subsets of 90M images and more", "ViT-B/32 ahead of ResNet-50", COLORS["ViT"])]
            table = VGroup()
            for where, who, color in rows:
                a = S.text(where, S.SMALL, S.INK)
                b = S.text(who, S.SMALL, color)
                table.add(VGroup(a, b))
            w = max(r[0].width for r in table)
            for r in table:
                r[1].next_to(r[0], RIGHT, buff=0.6 + w - r[0].width)
                r[1].shift((baseline_y(r[0]) - baseline_y(r[1])) * UP)  # one baseline per row
            table.arrange(DOWN, aligned_edge=LEFT, buff=0.45)
            L.MAIN.place(table)
            note = S.text("Fig. 4 measures linear 5-shot ImageNet accuracy, same settings at every subset size",
                          S.TINY, S.MUTED).next_to(table, DOWN, buff=0.5)
            cite = CitationCard(VIT_PAPER, "Fig. 3, Fig. 4", "Section 4.3")
            self.play(FadeIn(head), FadeIn(cite), run_time=cue.share(0.05))
            for k, r in enumerate(table):
                self.play(FadeIn(r, shift=0.1 * UP), run_time=cue.share(0.06))
                self.wait(cue.share([0.12, 0.08, 0.25, 0.1][k]))
            self.play(FadeIn(note), run_time=cue.share(0.05))

    def deit(self):
        with self.narrate("deit") as cue:
            head = self.heading("ImageNet-1k only, a stronger recipe: DeiT")
            top = [(0, "ViT-B/16 · ViT recipe · 384 px", VIT_B16_IMAGENET_TOP1[0][1]),
                   (1, "DeiT-B · DeiT recipe · 224 px", DEIT_B_TOP1)]
            bars = TopKBars(top, height=2.0, width=L.MAIN.width * 0.9, highlight=1, places=1)
            L.MAIN.place(bars)
            bars.shift(0.6 * UP)
            recipe = wrapped("DeiT's recipe: strong augmentation (RandAugment, Mixup, CutMix, random erasing), "
                             "stochastic depth, repeated augmentation, 300 epochs", S.SMALL, L.MAIN.width * 0.75,
                             S.MUTED)
            recipe.next_to(bars, DOWN, buff=0.5)
            vit_cite = CitationCard(VIT_PAPER, "Table 5")
            deit_cite = CitationCard(DEIT_PAPER, "Table 5", "recipe: Section 6")
            vit_cite.next_to(deit_cite, UP, buff=0.1, aligned_edge=RIGHT)
            self.play(FadeIn(head), FadeIn(bars.rows[0]), FadeIn(vit_cite), run_time=cue.share(0.06))
            self.wait(cue.share(0.1))
            self.play(FadeIn(bars.rows[1], shift=0.2 * RIGHT), FadeIn(deit_cite), run_time=cue.share(0.08))
            self.play(FadeIn(recipe), run_time=cue.share(0.06))

    def takeaway(self):
        with self.narrate("takeaway") as cue:
            head = self.heading("Takeaway")
            text = wrapped("Scarce data favours the model with the right built-in assumptions. "
                           "A ViT pays for the ones it lacks: with data, or with augmentation and regularisation.",
                           S.BODY, L.MAIN.width * 0.85, S.INK)
            L.MAIN.place(text).shift(0.3 * UP)
            footer = NextLessonFooter(self.lesson, "what a convolution builds in, and what a ViT learns instead")
            self.play(FadeIn(head), FadeIn(text, shift=0.1 * UP), run_time=cue.share(0.1))
            self.wait(cue.share(0.5))
            self.play(FadeIn(footer), run_time=cue.share(0.1))
