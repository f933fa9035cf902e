"""Phase 3, lesson 1: A small ViT loses to a small CNN on a small dataset.

A real experiment, run once and cached (vitmath/small_data.py): a small CNN and a small ViT of about the same
size, trained from scratch with the same recipe on scikit-learn's 8x8 digits at several training-set sizes and
seeds. The lesson plots test accuracy against training-set size with the spread over seeds, and says what the
numbers show, in words the script holds for each outcome. Then the ViT paper's scale (Table 5, Figures 3 and 4) and DeiT,
each number with its citation on screen. Any cue can be previewed on its own.

    manim -ql scenes/p3_01_small_vit_loses/scene.py SmallVitLoses
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Create, Dot, DoubleArrow, FadeIn, Group, LaggedStart, Line,
                   RoundedRectangle, Square, VGroup)
from torch import nn

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.values import spoken_list
from scenes.common.cards import CaveatNote, baseline_y, CitationCard, Heading, NextLessonFooter, TopKBars, wrapped
from scenes.common.error_bar_chart import ErrorBarChart, Series
from scenes.common.narrated import NarratedScene
from scenes.common.pixel_image import PixelImage
from vitmath import small_data as sd

# The paper's numbers, each shown with its citation (its words are the script's). ViT paper Table 5: ViT-B/16
# fine-tuned at 384 px, ImageNet top-1 after pre-training on each dataset; dataset sizes from Section 4.1.
VIT_B16_IMAGENET_TOP1 = (("in1k", 0.7791), ("in21k", 0.8397), ("jft", 0.8415))
DEIT_B_TOP1 = 0.818  # DeiT paper Table 5: DeiT-B, ImageNet-1k only, 224 px

COLORS = {"CNN": S.BLUE, "ViT": S.ACCENT}
# The keys this lesson may choose among (a literal, read by `vitlessons list`); the words are the script's
# [choice.*] tables. The experiment does not depend on the photo or the model, so one run reaches one key of
# each: the others are for a rerun whose numbers come out otherwise (tests/test_lesson_p3_01.py tries them on
# made-up results).
CHOICES = {
    "run_time": ("seconds", "minutes"),
    "vit_small_said": ("behind", "level"),
    "small_spread": ("cnn_best", "vit_best", "overlap", "one_seed"),
    "large_spread": ("cnn_best", "vit_best", "overlap", "one_seed"),
    "every_size": ("cnn_ahead", "vit_level", "mixed"),
    "trend": ("flips", "vit_level", "shrinks", "holds"),
    "closing": ("never_behind", "scarcest", "elsewhere"),
}


def points(x: float) -> num.Number:
    """An accuracy difference (0..1) in percentage points, one decimal."""
    s = f"{100 * x:.1f}"
    return num.Number(float(x), f"{s} pts", s, f"{s} points")


def every_size(r: sd.SmallDataResult) -> Choice:
    """Whether the CNN's mean is ahead at every size, from the means."""
    behind = [n for n in r.sizes if r.gap(n) <= 0]
    if not behind:
        return Choice("cnn_ahead")
    ahead = [n for n in r.sizes if r.gap(n) > 0]
    if not ahead:
        return Choice("vit_level")
    return Choice("mixed", ahead_sizes=spoken_list(f"{n:,}" for n in ahead),
                  behind_sizes=spoken_list(f"{n:,}" for n in behind))


def trend(r: sd.SmallDataResult) -> Choice:
    """How the gap between the means changes from the smallest to the largest training set."""
    g0, g1 = r.gap(r.sizes[0]), r.gap(r.sizes[-1])
    key = ("flips" if g0 > 0 and g1 <= 0 else "vit_level" if g0 <= 0 else "shrinks" if g1 < g0 else "holds")
    return Choice(key, gap_small=points(abs(g0)), gap_large=points(abs(g1)))


def spread(r: sd.SmallDataResult, n: int) -> Choice:
    """Do the seeds separate the two models at size n? Compare the worst CNN seed with the best ViT seed."""
    cnn_low, vit_high = r.low("CNN", n), r.high("ViT", n)
    if len(r.seeds) == 1:
        return Choice("one_seed")
    if cnn_low > vit_high:
        return Choice("cnn_best")
    if r.high("CNN", n) < r.low("ViT", n):
        return Choice("vit_best")
    return Choice("overlap", vit_high=num.percent(vit_high, 1), cnn_low=num.percent(cnn_low, 1))


def closing(r: sd.SmallDataResult) -> Choice:
    """Where the ViT's handicap is largest: at the smallest size, or elsewhere."""
    gaps = [r.gap(n) for n in r.sizes]
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    if gaps[worst] <= 0:
        return Choice("never_behind")
    return Choice("scarcest") if worst == 0 else Choice("elsewhere", worst_size=f"{r.sizes[worst]:,}")


def run_time(cpu_seconds: float) -> Choice:
    """The run's CPU time, said in seconds under two minutes, else in minutes."""
    if cpu_seconds < 120:
        return Choice("seconds", run_seconds=f"{max(10, round(cpu_seconds / 10) * 10):.0f}")
    return Choice("minutes", run_minutes=f"{round(cpu_seconds / 60):.0f}")


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
            "largest": num.integer(large),
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
            "vit_small_said": Choice("behind" if r.gap(small) > 0 else "level"),
            "small_spread": spread(r, small),
            "closing": closing(r),
            "every_size": every_size(r),
            "trend": trend(r),
            "large_spread": spread(r, large),
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
        series = [Series(self.words("series", model=name, params=f"{r.params[name]:,}"), COLORS[name],
                         [r.mean(name, n) for n in r.sizes], [r.low(name, n) for n in r.sizes],
                         [r.high(name, n) for n in r.sizes]) for name in sd.MODELS]
        chart = ErrorBarChart(r.sizes, series, x_label=self.words("x_label"), y_label=self.words("y_label"),
                              width=10.5, height=4.6)
        self.series_names = {name: s.name for name, s in zip(sd.MODELS, series)}
        return L.MAIN.place(chart)

    def heading(self) -> Heading:
        return Heading(self.words("heading"))

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.25)
            head = self.heading()
            left = VGroup(S.text(self.words("cnn"), S.BODY, COLORS["CNN"]),
                          S.text(self.words("cnn_note"), S.SMALL, S.MUTED))
            right = VGroup(S.text(self.words("vit"), S.BODY, COLORS["ViT"]),
                           S.text(self.words("vit_note"), S.SMALL, S.MUTED))
            for g in (left, right):
                g.arrange(DOWN, buff=0.2)
            vs = S.text(self.words("vs"), S.HEADING, S.INK)
            fight = VGroup(left, vs, right).arrange(RIGHT, buff=1.2)
            L.MAIN.place(fight).shift(0.6 * UP)
            command = S.text(self.words("command"), S.BODY, S.GREEN, mono=True)
            prompt = S.text(self.words("prompt"), S.SMALL, S.MUTED)
            cmd = VGroup(prompt, command).arrange(DOWN, buff=0.2).next_to(fight, DOWN, buff=1.0)
            self.play(FadeIn(head), run_time=cue.share(0.05))
            self.play(FadeIn(left, shift=0.2 * RIGHT), FadeIn(vs), FadeIn(right, shift=0.2 * LEFT),
                      run_time=cue.until("fight"))
            self.play(FadeIn(cmd, shift=0.2 * UP), run_time=cue.until("command"))

    def digits_cue(self):
        with self.narrate("digits") as cue:
            r, d = self.result, self.digits
            head = self.heading()
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
                S.text(self.words("facts", images=f"{len(d.labels):,}", side=side), S.SMALL),
                S.text(self.words("test", test=r.config["test_size"]), S.SMALL),
                S.text(self.words("train", sizes=" · ".join(f"{n:,}" for n in r.sizes)), S.SMALL),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            bottom.place(facts)
            self.play(FadeIn(head), LaggedStart(*[FadeIn(t) for t in tiles], lag_ratio=0.05),
                      run_time=cue.until("facts"))
            for mark, line in zip(("facts", "test", "train"), facts):
                self.play(FadeIn(line, shift=0.1 * UP), run_time=min(cue.until(mark), 1.0))

    def models_cue(self):
        with self.narrate("models") as cue:
            m, r = self.models, self.result
            head = self.heading()
            left, right = L.MAIN.split(0.5)
            convs = m["convs"]

            def conv(c):
                return self.words("conv", kh=c.kernel_size[0], kw=c.kernel_size[1], cin=c.in_channels,
                                  cout=c.out_channels)

            cnn_rows = [conv(c) for c in convs[:2]] + [self.words("pool"), conv(convs[2]),
                                                       self.words("cnn_head", classes=sd.NUM_CLASSES)]
            vit_rows = [self.words("patches", tokens=m["vit_tokens"], patch=m["vit_patch"], dim=m["vit_dim"]),
                        self.words("tokens"),
                        self.words("blocks", depth=m["vit_depth"], heads=m["vit_heads"]),
                        self.words("vit_head", classes=sd.NUM_CLASSES)]
            cnn = self.stack(self.words("cnn"), cnn_rows, r.params["CNN"], COLORS["CNN"], left)
            vitg = self.stack(self.words("vit"), vit_rows, r.params["ViT"], COLORS["ViT"], right)
            self.play(FadeIn(head), FadeIn(cnn[0]), run_time=cue.until("cnn"))
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * DOWN) for b in cnn[1]], lag_ratio=0.3),
                      run_time=cue.clause())
            self.play(FadeIn(cnn[2]), run_time=cue.until("cnn_params"))
            self.play(FadeIn(vitg[0]), run_time=min(cue.until("vit"), 0.6))
            self.play(LaggedStart(*[FadeIn(b, shift=0.1 * DOWN) for b in vitg[1]], lag_ratio=0.3),
                      run_time=cue.clause())
            self.play(FadeIn(vitg[2]), run_time=cue.until("vit_params"))

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
        count = S.text(self.words("params", params=f"{params:,}"), S.BODY, color)
        group = VGroup(name, boxes, count).arrange(DOWN, buff=0.3)
        region.place(group, aligned=UP)
        return group

    def recipe(self):
        with self.narrate("recipe") as cue:
            r = self.result
            cfg = r.config
            head = self.heading()
            rows = VGroup(
                S.text(self.words("optimiser", steps=f"{cfg['steps']:,}", batch=cfg["batch"]), S.SMALL),
                S.text(self.words("augment"), S.SMALL),
                S.text(self.words("runs", seeds=len(r.seeds), sizes=len(r.sizes), models=len(sd.MODELS),
                                  runs=r.accuracy.numel()), S.SMALL),
                S.text(self.words("time", seconds=f"{r.cpu_seconds:.0f}"), S.SMALL),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            L.MAIN.place(rows, aligned=UP + LEFT).shift(0.3 * DOWN + 0.3 * RIGHT)
            note = CaveatNote(self.words("toy"), width=7.0)
            note.next_to(rows, DOWN, buff=0.7, aligned_edge=LEFT)
            command = VGroup(S.text(self.words("command_note"), S.SMALL, S.MUTED),
                             S.text(self.words("command"), S.SMALL, S.GREEN, mono=True))
            command.arrange(RIGHT, buff=0.25).next_to(note, DOWN, buff=0.6, aligned_edge=LEFT)
            self.play(FadeIn(head), run_time=cue.share(0.05))
            for mark, row in zip(("optimiser", "augment", "runs", "time"), rows):
                self.play(FadeIn(row, shift=0.1 * UP), run_time=min(cue.until(mark), 1.0))
            run = cue.until("toy")
            self.play(FadeIn(note), run_time=0.5 * run)
            self.play(FadeIn(command), run_time=0.5 * run)

    def result_cue(self):
        with self.narrate("result") as cue:
            r = self.result
            head = self.heading()
            chart = self.chart()
            self.play(FadeIn(head), Create(chart.axes), run_time=cue.share(0.06))
            self.play(FadeIn(VGroup(chart.grid, chart.x_ticks, chart.y_ticks, chart.x_label, chart.y_label)),
                      run_time=cue.until("axes"))
            run = cue.until("dots")
            for name in sd.MODELS:
                s = chart.series_group(self.series_names[name])
                self.play(FadeIn(chart.legend[sd.MODELS.index(name)]),
                          LaggedStart(*[FadeIn(d, scale=0.5) for d in s.dots], lag_ratio=0.2),
                          LaggedStart(*[Create(b) for b in s.bars], lag_ratio=0.2),
                          Create(s.line), run_time=run / len(sd.MODELS))
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
            self.play(FadeIn(labels), run_time=min(cue.until("small"), 1.0))

    def gap(self):
        with self.narrate("gap") as cue:
            r = self.result
            head = self.heading()
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
                t = S.text(self.words("gap", gap=f"{100 * r.gap(n):+.1f}"), S.TINY, color)
                top = max(chart.bar(self.series_names[m], k).get_top()[1] for m in sd.MODELS)
                t.move_to([(a[0] + b[0]) / 2, top + 0.12, 0], aligned_edge=DOWN)
                labels.add(t)
            self.play(LaggedStart(*[Create(a) for a in arrows], lag_ratio=0.3),
                      LaggedStart(*[FadeIn(t) for t in labels], lag_ratio=0.3), run_time=cue.until("gaps"))

    def why(self):
        with self.narrate("why") as cue:
            head = self.heading()
            left, right = L.MAIN.split(0.5)
            side = 3.2
            k = int((self.digits.labels == 0).nonzero()[0, 0])  # the first zero: strokes on every side
            n_px = self.digits.images.shape[-1]
            px = side / n_px
            cnn_img, vit_img = self.digit(k, side), self.digit(k, side)
            cnn_cap = wrapped(self.words("cnn", k=self.models["cnn_kernel"]), S.SMALL, left.width * 0.9,
                              COLORS["CNN"])
            vit_cap = wrapped(self.words("vit"), S.SMALL, right.width * 0.9, COLORS["ViT"])
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
            self.play(Create(window), FadeIn(cnn_cap), run_time=min(cue.until("cnn"), 1.0))
            # Slide the window along a few rows while the words say so: the same filter at every position.
            path = [(r, c) for r in range(0, n_px - kernel + 1, 2) for c in range(0, n_px - kernel + 1, 2)]
            run = cue.until("slide")
            for r_, c_ in path[1:]:
                self.play(window.animate.move_to(at(r_, c_)), run_time=run / len(path))
            self.play(Create(grid), FadeIn(vit_cap), Create(src_box), run_time=min(cue.until("vit"), 1.0))
            self.play(LaggedStart(*[Create(line) for line in links], lag_ratio=0.05), run_time=cue.until("links"))

    def paper_scale(self):
        with self.narrate("paper-scale") as cue:
            head = self.heading()
            top = [(i, self.words(name), p) for i, (name, p) in enumerate(VIT_B16_IMAGENET_TOP1)]
            bars = TopKBars(top, height=3.0, width=L.MAIN.width * 0.85, highlight=None, places=2)
            L.MAIN.place(bars)
            bars.shift(0.2 * UP)
            note = S.text(self.words("note"), S.TINY, S.MUTED)
            note.next_to(bars, DOWN, buff=0.35)
            cite = CitationCard(self.words("vit_paper"), self.words("where"), self.words("detail"))
            self.play(FadeIn(head), FadeIn(cite), run_time=cue.share(0.05))
            for k, (name, _) in enumerate(VIT_B16_IMAGENET_TOP1):
                self.play(FadeIn(bars.rows[k], shift=0.2 * RIGHT), run_time=min(cue.until(name), 1.2))
            self.play(FadeIn(note), run_time=cue.clause())

    def paper_resnets(self):
        with self.narrate("paper-resnets") as cue:
            head = self.heading()
            rows = [("fig3_in1k", COLORS["CNN"]), ("fig3_large", COLORS["ViT"]), ("fig4_small", COLORS["CNN"]),
                    ("fig4_large", COLORS["ViT"])]
            table = VGroup()
            for where, color in rows:
                a = S.text(self.words(where), S.SMALL, S.INK)
                b = S.text(self.words(where + "_who"), S.SMALL, color)
                table.add(VGroup(a, b))
            w = max(r[0].width for r in table)
            for r in table:
                r[1].next_to(r[0], RIGHT, buff=0.6 + w - r[0].width)
                r[1].shift((baseline_y(r[0]) - baseline_y(r[1])) * UP)  # one baseline per row
            table.arrange(DOWN, aligned_edge=LEFT, buff=0.45)
            L.MAIN.place(table)
            note = S.text(self.words("note"), S.TINY, S.MUTED).next_to(table, DOWN, buff=0.5)
            cite = CitationCard(self.words("vit_paper"), self.words("where"), self.words("detail"))
            self.play(FadeIn(head), FadeIn(cite), run_time=cue.share(0.05))
            for (mark, _), r in zip(rows, table):
                self.play(FadeIn(r, shift=0.1 * UP), run_time=min(cue.until(mark), 1.2))
            self.play(FadeIn(note), run_time=cue.clause())

    def deit(self):
        with self.narrate("deit") as cue:
            head = self.heading()
            top = [(0, self.words("vit"), VIT_B16_IMAGENET_TOP1[0][1]), (1, self.words("deit_b"), DEIT_B_TOP1)]
            bars = TopKBars(top, height=2.0, width=L.MAIN.width * 0.9, highlight=1, places=1)
            L.MAIN.place(bars)
            bars.shift(0.6 * UP)
            recipe = wrapped(self.words("recipe"), S.SMALL, L.MAIN.width * 0.75, S.MUTED)
            recipe.next_to(bars, DOWN, buff=0.5)
            vit_cite = CitationCard(self.words("vit_paper"), self.words("vit_where"))
            deit_cite = CitationCard(self.words("deit_paper"), self.words("deit_where"), self.words("deit_detail"))
            vit_cite.next_to(deit_cite, UP, buff=0.1, aligned_edge=RIGHT)
            self.play(FadeIn(head), FadeIn(bars.rows[0]), FadeIn(vit_cite), run_time=cue.share(0.06))
            self.play(FadeIn(bars.rows[1], shift=0.2 * RIGHT), FadeIn(deit_cite), run_time=cue.until("deit"))
            self.play(FadeIn(recipe), run_time=cue.until("recipe"))

    def takeaway(self):
        with self.narrate("takeaway") as cue:
            head = self.heading()
            text = wrapped(self.words("take"), S.BODY, L.MAIN.width * 0.85, S.INK)
            L.MAIN.place(text).shift(0.3 * UP)
            footer = NextLessonFooter(self.lesson, self.words("next"))
            self.play(FadeIn(head), FadeIn(text, shift=0.1 * UP), run_time=cue.clause())
            self.play(FadeIn(footer), run_time=min(cue.until("next"), 1.0))
