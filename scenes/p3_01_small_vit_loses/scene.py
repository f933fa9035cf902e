"""Phase 3, lesson 1: A small ViT loses to a small CNN on a small dataset.

A real experiment, run once and cached (vitmath/small_data.py): a small CNN and a small ViT of about the same
size, trained from scratch with the same recipe on scikit-learn's 8x8 digits at several training-set sizes and
seeds, each model's peak learning rate chosen per size on a validation split. The lesson builds the split, the
learning-rate schedule and the sweep's choices on screen, plots test accuracy against training-set size with
the spread over seeds, and says what the numbers show and what they cannot, in words the script holds for
each outcome (facts.py picks them). Then the ViT paper's Table 5 redrawn as curves, its Figures 3 and 4 as
a crossover along the data axis, DeiT and AugReg, each with its citation on screen. Any cue can be previewed
on its own.

    manim -ql scenes/p3_01_small_vit_loses/scene.py SmallVitLoses
"""
from __future__ import annotations

import math

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Create, DashedLine, Dot, DoubleArrow, FadeIn, FadeOut, Group,
                   LaggedStart, Line, Rectangle, RoundedRectangle, Square, SurroundingRectangle, VGroup,
                   VMobject)

from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.cards import CaveatNote, baseline_y, CitationCard, Heading, NextLessonFooter, TopKBars, wrapped
from scenes.common.error_bar_chart import ErrorBarChart, Series
from scenes.common.narrated import NarratedScene
from scenes.common.pixel_image import PixelImage
from scenes.p3_01_small_vit_loses import facts as F
from scenes.p3_01_small_vit_loses.facts import CHOICES  # noqa: F401  (read by `vitlessons list`)
from vitmath import papers
from vitmath import small_data as sd

COLORS = {"CNN": S.BLUE, "ViT": S.ACCENT}
PAPER_COLORS = {"b16": S.BLUE, "l16": S.ACCENT}


def short(n: float) -> str:
    """An image count as an axis writes it: 1.3M, 14M, 300M, 1k."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:.0f}"


class SmallVitLoses(NarratedScene):

    def extra_values(self):
        self.result = sd.cached_small_data()
        self.digits = sd.load_digits()
        self.models = F.model_facts()
        return F.values(self.result, self.digits, self.models)

    def cues(self):
        return [self.hook, self.digits_cue, self.models_cue, self.recipe, self.sweep, self.result_cue, self.gap,
                self.why, self.paper_scale, self.paper_resnets, self.deit, self.takeaway]

    # ------------------------------------------------------------------ shared pieces
    def digit(self, k: int, height: float) -> PixelImage:
        """Digit k of the dataset: ink bright on the dark background, one block per pixel."""
        img = self.digits.images[k, 0].numpy()  # (8, 8) in [0, 1]
        return PixelImage(np.repeat(img[..., None], 3, axis=2), height=height)

    def chart(self) -> ErrorBarChart:
        """Test accuracy against training-set size, from zero (guessing scores 10%), with a chance line."""
        r = self.result
        series = [Series(self.words("series", model=name, params=f"{r.params[name]:,}"), COLORS[name],
                         [r.mean(name, n) for n in r.sizes], [r.low(name, n) for n in r.sizes],
                         [r.high(name, n) for n in r.sizes]) for name in sd.MODELS]
        chart = ErrorBarChart(r.sizes, series, x_label=self.words("x_label"), y_label=self.words("y_label"),
                              width=10.5, height=4.6, y_range=(0.0, 1.0), y_step=0.1)
        chance = 1 / sd.NUM_CLASSES
        a, b = chart.to_point(r.sizes[0], chance), chart.to_point(r.sizes[-1], chance)
        line = DashedLine(a * np.array([0, 1, 0]), b * np.array([0, 1, 0]) + chart.width_ * RIGHT,
                          dash_length=0.1).set_stroke(S.MUTED, 2)
        label = S.text(self.words("chance"), S.TINY, S.MUTED).next_to(line, UP, buff=0.06, aligned_edge=LEFT)
        label.shift(0.15 * RIGHT)
        chart.chance = VGroup(line, label)
        chart.add(chart.chance)
        # The legend's default corner (lower right) is empty on a chart from zero; keep it off the chance line.
        chart.legend.shift(0.35 * UP)
        self.series_names = {name: s.name for name, s in zip(sd.MODELS, series)}
        return L.MAIN.place(chart)

    def heading(self, **more) -> Heading:
        return Heading(self.words("heading", **more))

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.25)
            head = self.heading()
            left = VGroup(S.text(self.words("cnn"), S.BODY, COLORS["CNN"]),
                          wrapped(self.words("cnn_note"), S.SMALL, 4.0, S.MUTED))
            right = VGroup(S.text(self.words("vit"), S.BODY, COLORS["ViT"]),
                           wrapped(self.words("vit_note"), S.SMALL, 4.0, S.MUTED))
            for g in (left, right):
                g.arrange(DOWN, buff=0.2)
            vs = S.text(self.words("vs"), S.HEADING, S.INK)
            fight = VGroup(left, vs, right).arrange(RIGHT, buff=0.9)
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
            c = r.config
            head = self.heading()
            side = d.images.shape[-1]
            # The first two examples of each class, in class order: a fixed rule, not a hand pick.
            picks = [int(i) for c_ in range(sd.NUM_CLASSES) for i in (d.labels == c_).nonzero()[:2, 0]]
            tiles = Group()
            for k in picks:
                label = S.text(str(int(d.labels[k])), S.TINY, S.MUTED)
                tiles.add(Group(self.digit(k, 0.7), label).arrange(DOWN, buff=0.06))
            tiles.arrange_in_grid(rows=2, buff=(0.22, 0.16), flow_order="dr")
            L.MAIN.place(tiles, aligned=UP)
            facts = S.text(self.words("facts", images=f"{len(d.labels):,}", side=side), S.SMALL)
            facts.next_to(tiles, DOWN, buff=0.3)
            # The split as one bar, each part as wide as its share of the images.
            total = len(d.labels)
            parts = [("pool", total - c["test_size"] - c["val_size"], S.GREEN),
                     ("val", c["val_size"], S.BLUE), ("test", c["test_size"], S.ACCENT)]
            width, h = L.MAIN.width * 0.9, 0.45
            whole = Rectangle(width=width, height=h).set_stroke(S.MUTED, 2).set_fill(S.MUTED, 0.2)
            whole.next_to(facts, DOWN, buff=0.75)
            segments, labels = {}, {}
            x = whole.get_left()[0]
            for name, n, color in parts:
                w = width * n / total
                seg = Rectangle(width=w, height=h).set_stroke(S.BACKGROUND, 2).set_fill(color, 0.75)
                seg.move_to([x + w / 2, whole.get_y(), 0])
                lab = S.text(self.words(name, n=f"{n:,}"), S.TINY, color).next_to(seg, DOWN, buff=0.12)
                segments[name], labels[name] = seg, lab
                x += w
            total_label = S.text(f"{total:,}", S.TINY, S.INK).next_to(whole, UP, buff=0.08)
            total_label.align_to(whole, RIGHT)
            train = wrapped(self.words("train", sizes=" · ".join(f"{n:,}" for n in r.sizes)), S.SMALL,
                            L.MAIN.width * 0.9)
            train.next_to(labels["pool"], DOWN, buff=0.3).set_x(0)
            # The nested training sets, stacked over the start of the pool: each one holds the one before.
            pool = segments["pool"]
            nests = VGroup()
            for k, n in enumerate(r.sizes):
                w = width * n / total
                nests.add(Line(pool.get_corner(UP + LEFT), pool.get_corner(UP + LEFT) + w * RIGHT)
                          .set_stroke(S.INK, 3).shift((0.07 + 0.07 * k) * UP))
            self.play(FadeIn(head), LaggedStart(*[FadeIn(t) for t in tiles], lag_ratio=0.05),
                      run_time=cue.until("facts"))
            self.play(FadeIn(facts, shift=0.1 * UP), run_time=min(cue.clause(), 1.0))
            self.play(FadeIn(whole), FadeIn(total_label), run_time=min(cue.until("split"), 1.0))
            for mark, name in (("test", "test"), ("val", "val"), ("train", "pool")):
                self.play(FadeIn(segments[name]), FadeIn(labels[name]), run_time=min(cue.until(mark), 1.0))
            self.play(LaggedStart(*[Create(n) for n in nests], lag_ratio=0.4), FadeIn(train),
                      run_time=cue.clause())

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

    def schedule_plot(self, width: float, height: float) -> VGroup:
        """The learning rate against the step, as `sd.schedule` sets it, for each peak rate of the sweep, at
        the largest training set's steps. Axes from zero; the warm-up shaded."""
        r = self.result
        cfg = sd.config_of(r)
        steps = r.steps(r.sizes[-1])
        warm = sd.warmup_for(steps, cfg)
        top = max(r.lrs) * 1.1

        def pt(step, lr):
            return np.array([width * step / steps, height * lr / top, 0.0])

        axes = VGroup(Line(pt(0, 0), pt(steps, 0)), Line(pt(0, 0), pt(0, top))).set_stroke(S.MUTED, 2)
        curves = VGroup()
        for lr in r.lrs:
            ys = [lr * sd.schedule(s, steps, warm) for s in range(steps)]
            rise = VMobject().set_points_as_corners([pt(0, 0)] + [pt(s + 1, ys[s]) for s in range(warm)])
            fall = VMobject().set_points_smoothly([pt(s + 1, ys[s]) for s in range(warm - 1, steps, 5)])
            for part in (rise, fall):
                part.set_stroke(S.GREEN, 3)
            peak = S.text(self.words("peak", lr=F.rate(lr).screen), S.TINY, S.GREEN)
            peak.next_to(pt(warm, lr), UP + RIGHT, buff=0.06).shift(0.25 * RIGHT)
            curves.add(VGroup(rise, fall, peak))
        shade = Rectangle(width=width * warm / steps, height=height).set_stroke(width=0).set_fill(S.MUTED, 0.18)
        shade.move_to(pt(0, 0), aligned_edge=DOWN + LEFT)
        ticks = VGroup()
        for step in (0, warm, steps):
            t = S.text(f"{step:,}", S.TINY, S.INK).next_to(pt(step, 0), DOWN, buff=0.1)
            ticks.add(t)
        for lr in (0, *r.lrs):
            t = S.text(F.rate(lr).screen, S.TINY, S.INK).next_to(pt(0, lr), LEFT, buff=0.1)
            ticks.add(t)
        x_label = S.text(self.words("x_label"), S.TINY, S.MUTED).next_to(ticks[:3], DOWN, buff=0.1)
        x_label.set_x(pt(steps / 2, 0)[0])
        y_label = S.text(self.words("y_label"), S.TINY, S.MUTED).rotate(math.pi / 2)
        y_label.next_to(ticks[3:], LEFT, buff=0.12)
        warm_label = S.text(self.words("warmup", steps=f"{warm:,}"), S.TINY, S.MUTED)
        warm_label.next_to(shade, UP, buff=0.08, aligned_edge=RIGHT)
        cos_label = S.text(self.words("cosine"), S.TINY, S.GREEN).move_to(pt(steps * 0.62, top * 0.62))
        plot = VGroup(shade, axes, ticks, x_label, y_label, curves, warm_label, cos_label)
        plot.axes, plot.curves, plot.shade, plot.ticks = axes, curves, shade, ticks
        plot.labels, plot.warm_label, plot.cos_label = VGroup(x_label, y_label), warm_label, cos_label
        return plot

    def recipe(self):
        with self.narrate("recipe") as cue:
            r = self.result
            c = r.config
            head = self.heading()
            small, large = r.sizes[0], r.sizes[-1]
            opt = S.text(self.words("optimiser", steps=f"{r.steps(small):,}–{r.steps(large):,}",
                                    batch=c["batch"]), S.SMALL)
            L.MAIN.place(opt, aligned=UP)
            plot = self.schedule_plot(7.0, 2.6)
            plot.next_to(opt, DOWN, buff=0.5).set_x(0)
            sweep = S.text(self.words("sweep", lrs=" · ".join(F.rate(lr).screen for lr in r.lrs),
                                      seed=c["sweep_seed"]), S.SMALL)
            sweep.next_to(plot, DOWN, buff=0.35).set_x(0)
            ep = S.text(self.words("epochs", steps=f"{r.steps(small):,}", small=f"{small:,}",
                                   small_epochs=F.epochs(r.steps(small), small, c["batch"]),
                                   large_epochs=F.epochs(r.steps(large), large, c["batch"]),
                                   large=f"{large:,}", large_steps=f"{r.steps(large):,}"), S.SMALL, S.MUTED)
            ep.next_to(sweep, DOWN, buff=0.25).set_x(0)
            first = plot.curves[0]
            self.play(FadeIn(head), run_time=cue.share(0.04))
            self.play(FadeIn(opt, shift=0.1 * UP), run_time=min(cue.until("optimiser"), 1.0))
            self.play(Create(plot.axes), FadeIn(plot.ticks), FadeIn(plot.labels), run_time=cue.until("schedule"))
            # The warm-up, then the decay, on the words that name them.
            self.play(FadeIn(plot.shade), Create(first[0]), FadeIn(plot.warm_label), run_time=cue.clause())
            self.play(Create(first[1]), FadeIn(plot.cos_label), FadeIn(first[2]), run_time=cue.clause())
            self.play(LaggedStart(*[FadeIn(c_) for c_ in plot.curves[1:]], lag_ratio=0.3), FadeIn(sweep),
                      run_time=cue.until("peaks"))
            self.play(FadeIn(ep, shift=0.1 * UP), run_time=min(cue.until("epochs"), 1.0))

    def sweep(self):
        with self.narrate("sweep") as cue:
            r = self.result
            c = r.config
            head = self.heading(seed=c["sweep_seed"])
            # One row per (model, rate), one column per size: validation accuracy; the kept rate boxed.
            cell_w, cell_h = 1.25, 0.42
            header = VGroup(S.text(self.words("size"), S.TINY, S.MUTED))
            for n in r.sizes:
                header.add(S.text(f"{n:,}", S.SMALL, S.INK))
            rows = {}
            table = VGroup()
            for i, model in enumerate(sd.MODELS):
                for l, lr in enumerate(r.lrs):
                    label = S.text(f"{model} · {self.words('rate', lr=F.rate(lr).screen)}", S.SMALL,
                                   COLORS[model])
                    cells = VGroup(*[S.text(f"{100 * float(r.val_accuracy[i, j, l]):.1f}%", S.SMALL, S.INK)
                                     for j in range(len(r.sizes))])
                    rows[model, l] = VGroup(label, cells)
            label_w = max(row[0].width for row in rows.values()) + 0.3
            header[0].move_to([label_w - 0.3, 0, 0], aligned_edge=RIGHT)
            for k, cell in enumerate(header[1:]):
                cell.move_to([label_w + (k + 0.5) * cell_w, 0, 0])
            for idx, key in enumerate(rows):
                y = -(idx + 1) * cell_h - (0.15 if idx >= len(r.lrs) else 0)
                label, cells = rows[key]
                label.move_to([label_w - 0.3, y, 0], aligned_edge=RIGHT)
                for j, t in enumerate(cells):
                    t.move_to([label_w + (j + 0.5) * cell_w, y, 0])
            table.add(header, *rows.values())
            boxes = {}
            for i, model in enumerate(sd.MODELS):
                boxes[model] = VGroup(*[
                    SurroundingRectangle(rows[model, int(r.chosen[i, j])][1][j], buff=0.07, color=COLORS[model])
                    for j in range(len(r.sizes))])
                table.add(boxes[model])
            L.MAIN.place(table, aligned=UP).shift(0.2 * DOWN)
            # How coarse the choice is: one validation digit more or less moves a cell this much.
            grain = S.text(self.words("grain", pts=f"{100 / c['val_size']:.1f}"), S.TINY, S.MUTED)
            grain.next_to(table, DOWN, buff=0.15)
            runs = S.text(self.words("runs", seeds=len(r.seeds), sizes=len(r.sizes), models=len(sd.MODELS),
                                     extra=r.runs_done - len(r.seeds) * len(r.sizes) * len(sd.MODELS),
                                     runs=r.runs_done), S.SMALL)
            time = S.text(self.words("time", seconds=f"{r.cpu_seconds:.0f}"), S.SMALL)
            info = VGroup(runs, time).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            L.MAIN.contain(info.next_to(grain, DOWN, buff=0.35))  # the run count's line is wider than the frame
            info.set_x(0)
            note = CaveatNote(self.words("toy"), width=7.0)
            command = VGroup(S.text(self.words("command_note"), S.SMALL, S.MUTED),
                             S.text(self.words("command"), S.SMALL, S.GREEN, mono=True)).arrange(RIGHT, buff=0.25)
            tail = VGroup(note, command).arrange(DOWN, buff=0.25).next_to(info, DOWN, buff=0.4)
            L.MAIN.place(tail, aligned=DOWN)
            self.play(FadeIn(head), FadeIn(header), run_time=cue.share(0.05))
            for model in sd.MODELS:
                mark = "cnn" if model == "CNN" else "vit"
                self.play(LaggedStart(*[FadeIn(rows[model, l]) for l in range(len(r.lrs))], lag_ratio=0.3),
                          run_time=min(cue.until(mark), 1.0))
                self.play(LaggedStart(*[Create(b) for b in boxes[model]], lag_ratio=0.2), run_time=cue.clause())
            self.play(FadeIn(grain), run_time=min(cue.clause(), 0.5))
            self.play(FadeIn(runs, shift=0.1 * UP), run_time=min(cue.until("runs"), 1.0))
            self.play(FadeIn(time, shift=0.1 * UP), run_time=min(cue.until("time"), 1.0))
            run = cue.until("toy")
            self.play(FadeIn(tail), run_time=run)

    def result_cue(self):
        with self.narrate("result") as cue:
            r = self.result
            head = self.heading()
            chart = self.chart()
            self.play(FadeIn(head), Create(chart.axes), run_time=cue.share(0.06))
            self.play(FadeIn(VGroup(chart.grid, chart.x_ticks, chart.y_ticks, chart.x_label, chart.y_label)),
                      run_time=cue.until("axes"))
            self.play(FadeIn(chart.chance), run_time=cue.clause())
            run = cue.until("dots")
            for name in sd.MODELS:
                s = chart.series_group(self.series_names[name])
                self.play(FadeIn(chart.legend[sd.MODELS.index(name)]),
                          LaggedStart(*[FadeIn(d, scale=0.5) for d in s.dots], lag_ratio=0.2),
                          LaggedStart(*[Create(b) for b in s.bars], lag_ratio=0.2),
                          Create(s.line), run_time=run / len(sd.MODELS))
            # The smallest training set: both means labelled.
            labels = VGroup()
            # Placed by which mean is higher: above the upper model's bar, below the lower model's.
            upper = "CNN" if r.gap(r.sizes[0]) > 0 else "ViT"
            for name in sd.MODELS:
                value = num.percent(r.mean(name, r.sizes[0]), 1).screen
                t = S.text(value, S.SMALL, COLORS[name])
                bar = chart.bar(self.series_names[name], 0)
                if name == upper:
                    t.next_to(bar, UP, buff=0.1)
                else:
                    t.next_to(bar, DOWN, buff=0.1)
                labels.add(t)
            self.play(FadeIn(labels), run_time=min(cue.until("small"), 1.0))

    def gap(self):
        with self.narrate("gap") as cue:
            r, m = self.result, self.models
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
                top = max(chart.bar(self.series_names[mm], k).get_top()[1] for mm in sd.MODELS)
                t.move_to([(a[0] + b[0]) / 2, top + 0.12, 0], aligned_edge=DOWN)
                labels.add(t)
            self.play(LaggedStart(*[Create(a) for a in arrows], lag_ratio=0.3),
                      LaggedStart(*[FadeIn(t) for t in labels], lag_ratio=0.3), run_time=cue.until("gaps"))
            # The two cautions: the chart moves up and shrinks to make room for them.
            tuned = S.text(self.words("tuned", lrs=len(r.lrs)), S.SMALL, S.INK)
            bundle = S.text(self.words("bundle"), S.SMALL, S.MUTED)
            parts = wrapped(self.words("parts", depth=m["vit_depth"], convs=len(m["convs"])), S.SMALL,
                            L.MAIN.width * 0.9)
            parts.arrange(DOWN, buff=0.1)  # centred lines, like the two above
            notes = VGroup(tuned, bundle, parts).arrange(DOWN, buff=0.18)
            L.MAIN.place(notes, aligned=DOWN)
            plot = VGroup(chart, arrows, labels)
            self.play(plot.animate.scale(0.68).move_to(L.MAIN.point(UP), aligned_edge=UP),
                      run_time=min(cue.until("bundle"), 1.0))
            self.play(FadeIn(tuned, shift=0.1 * UP), run_time=cue.clause())
            self.play(FadeIn(bundle), run_time=min(cue.clause(), 0.6))
            self.play(FadeIn(parts, shift=0.1 * UP), run_time=min(cue.until("parts"), 1.0))

    def why(self):
        with self.narrate("why") as cue:
            head = self.heading()
            # Below the heading by more than a pixel: the CNN's field square reaches one pixel past the digit.
            main = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 0.9, L.MAIN.top - 0.45)
            left, right = main.split(0.5)
            side = 2.7
            k = int((self.digits.labels == 0).nonzero()[0, 0])  # the first zero: strokes on every side
            n_px = self.digits.images.shape[-1]
            px = side / n_px
            cnn_img, vit_img = self.digit(k, side), self.digit(k, side)
            cnn_cap = wrapped(self.words("cnn", k=self.models["cnn_kernel"]), S.SMALL, left.width * 0.9,
                              COLORS["CNN"])
            vit_cap = wrapped(self.words("vit"), S.SMALL, right.width * 0.9, COLORS["ViT"])
            g1 = Group(cnn_img, cnn_cap).arrange(DOWN, buff=0.45)
            g2 = Group(vit_img, vit_cap).arrange(DOWN, buff=0.45)
            left.place(g1, aligned=UP)
            right.place(g2, aligned=UP)
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
            # What the last convolution's unit sees: a field wider than the digit, centred on it.
            field = self.models["cnn_field"]
            seen = Square(side_length=field * px).move_to(cnn_img).set_stroke(S.RED, 4)
            field_label = S.text(self.words("field", n=field, side=n_px), S.TINY, S.RED)
            field_label.next_to(cnn_cap, DOWN, buff=0.2).align_to(cnn_cap, LEFT)
            note = CaveatNote(self.words("hypothesis"), width=7.5)
            note.move_to(L.MAIN.point(DOWN), aligned_edge=DOWN)
            self.play(FadeIn(head), FadeIn(cnn_img), FadeIn(vit_img), run_time=cue.share(0.05))
            self.play(Create(window), FadeIn(cnn_cap), run_time=min(cue.until("cnn"), 1.0))
            # Slide the window along a few rows while the words say so: the same filter at every position.
            path = [(r, c) for r in range(0, n_px - kernel + 1, 2) for c in range(0, n_px - kernel + 1, 2)]
            run = cue.until("slide")
            for r_, c_ in path[1:]:
                self.play(window.animate.move_to(at(r_, c_)), run_time=run / len(path))
            self.play(Create(grid), FadeIn(vit_cap), Create(src_box), run_time=min(cue.until("vit"), 1.0))
            self.play(LaggedStart(*[Create(line) for line in links], lag_ratio=0.05), run_time=cue.until("links"))
            self.play(FadeIn(note, shift=0.1 * UP), run_time=min(cue.until("hypothesis"), 1.0))
            self.play(FadeOut(window), Create(seen), FadeIn(field_label), run_time=min(cue.until("field"), 1.0))

    def paper_scale(self):
        with self.narrate("paper-scale") as cue:
            head = self.heading()
            xs = list(papers.PRETRAIN_IMAGES.values())
            series = [Series(self.words(key), PAPER_COLORS[key], [v / 100 for v in top1], [v / 100 for v in top1],
                             [v / 100 for v in top1]) for key, top1 in papers.VIT_TABLE5.items()]
            chart = ErrorBarChart(xs, series, x_label=self.words("x_label"), y_label=self.words("y_label"),
                                  width=8.5, height=3.6, y_range=(0.70, 0.90), y_step=0.05)
            # Tick labels say the datasets, not seven-digit counts.
            for name, tick in zip(papers.PRETRAIN_IMAGES, chart.x_ticks):
                new = S.text(self.words(name), S.TINY, S.INK).move_to(tick[1], aligned_edge=UP)
                tick.remove(tick[1])
                tick.add(new)
            L.MAIN.place(chart).shift(0.2 * UP)
            values = VGroup()
            for key, top1 in papers.VIT_TABLE5.items():
                name = self.words(key)
                row = VGroup()
                for k, v in enumerate(top1):
                    t = S.text(f"{v:.2f}", S.TINY, PAPER_COLORS[key])
                    # B/16 below its dot where it is the lower of the two, L/16 above where it is the higher.
                    other = [o for kk, o in papers.VIT_TABLE5.items() if kk != key][0][k]
                    t.next_to(chart.point(name, k), UP if v >= other else DOWN, buff=0.12)
                    row.add(t)
                values.add(row)
            note = S.text(self.words("note"), S.TINY, S.MUTED).next_to(chart, DOWN, buff=0.2)
            cite = CitationCard(self.words("vit_paper"), self.words("where"), self.words("detail"))
            frame = VGroup(chart.axes, chart.grid, chart.x_ticks, chart.y_ticks, chart.x_label, chart.y_label)
            self.play(FadeIn(head), FadeIn(cite), run_time=cue.share(0.05))
            self.play(Create(frame), FadeIn(note), run_time=min(cue.until("in1k"), 1.5))
            names = [self.words(key) for key in papers.VIT_TABLE5]
            self.play(FadeIn(chart.legend),
                      *[FadeIn(chart.series_group(n).dots[0], scale=0.5) for n in names],
                      *[FadeIn(v[0]) for v in values], run_time=cue.clause())
            # Each curve drawn one dataset at a time, as the words reach it.
            for k, mark in ((1, "in21k"), (2, "jft")):
                run = cue.until(mark)
                segments = [Line(chart.point(n, k - 1), chart.point(n, k)).set_stroke(color, 3)
                            for n, color in zip(names, PAPER_COLORS.values())]
                self.play(*[Create(seg) for seg in segments],
                          *[FadeIn(chart.series_group(n).dots[k], scale=0.5) for n in names],
                          *[FadeIn(v[k]) for v in values], run_time=min(run, 1.5))

    def paper_resnets(self):
        with self.narrate("paper-resnets") as cue:
            head = self.heading()
            # One log axis of pre-training images, from our digits to JFT; the paper's datasets as dots, each
            # coloured by which side the paper says is ahead there (grey where it says nothing).
            lo, hi = 1.0, 9.0  # log10 of images
            width = L.MAIN.width * 0.9
            x0 = -width / 2

            def x(n):
                return x0 + width * (math.log10(n) - lo) / (hi - lo)

            axis = Line([x(10 ** lo), 0, 0], [x(10 ** hi), 0, 0]).set_stroke(S.MUTED, 2)
            ticks = VGroup()
            for e in range(2, 10, 2):
                t = Line([x(10 ** e), -0.08, 0], [x(10 ** e), 0.08, 0]).set_stroke(S.MUTED, 2)
                ticks.add(VGroup(t, S.text(short(10 ** e), S.TINY, S.INK).next_to(t, DOWN, buff=0.08)))
            axis_label = S.text(self.words("axis"), S.SMALL, S.MUTED).next_to(ticks, DOWN, buff=0.15)
            side_color = {"CNN": COLORS["CNN"], "ViT": COLORS["ViT"], None: S.MUTED}

            def row(points, y, title):
                dots = VGroup()
                for n, who in points:
                    d = Dot([x(n), y, 0], radius=0.11, color=side_color[who])
                    lab = S.text(short(n), S.TINY, side_color[who]).next_to(d, UP, buff=0.08)
                    dots.add(VGroup(d, lab))
                line = DashedLine([x(10 ** 5.8), y, 0], [x(10 ** hi), y, 0], dash_length=0.08).set_stroke(S.MUTED, 1)
                name = S.text(title, S.TINY, S.INK).next_to(line, LEFT, buff=0.2)
                return VGroup(line, name, dots)

            fig3 = row(F.FIG3_POINTS, 1.7, self.words("fig3"))
            fig4 = row(F.FIG4_SUBSETS, 0.75, self.words("fig4"))
            legend = VGroup(*[VGroup(Dot(radius=0.09, color=COLORS[w]), S.text(self.words(key), S.TINY, COLORS[w]))
                              .arrange(RIGHT, buff=0.12) for w, key in (("CNN", "cnn_ahead"), ("ViT", "vit_ahead"))])
            legend.arrange(RIGHT, buff=0.5).move_to([x(10 ** 7), 2.5, 0])
            small, large = self.result.sizes[0], len(self.digits.labels)
            toy = Rectangle(width=x(large) - x(small), height=0.35).set_stroke(S.GREEN, 2).set_fill(S.GREEN, 0.3)
            toy.move_to([(x(small) + x(large)) / 2, 0, 0])
            toy_label = S.text(self.words("toy", n=f"{large:,}"), S.TINY, S.GREEN).next_to(toy, UP, buff=0.1)
            toy_label.align_to(toy, LEFT)
            picture = VGroup(axis, ticks, axis_label, fig3, fig4, legend, toy, toy_label)
            L.MAIN.place(picture)
            cite = CitationCard(self.words("vit_paper"), self.words("where"), self.words("detail"))
            d3, d4 = fig3[2], fig4[2]
            self.play(FadeIn(head), FadeIn(cite), Create(axis), FadeIn(ticks), FadeIn(axis_label), FadeIn(legend),
                      run_time=cue.share(0.06))
            self.play(FadeIn(fig3[:2]), FadeIn(d3[0], scale=0.5), run_time=min(cue.until("fig3_in1k"), 1.2))
            self.play(LaggedStart(*[FadeIn(d, scale=0.5) for d in d3[1:]], lag_ratio=0.3),
                      run_time=min(cue.until("fig3_large"), 1.2))
            self.play(FadeIn(fig4[:2]), FadeIn(d4[0], scale=0.5), run_time=min(cue.until("fig4_small"), 1.2))
            self.play(LaggedStart(*[FadeIn(d, scale=0.5) for d in d4[1:]], lag_ratio=0.3),
                      run_time=min(cue.until("fig4_large"), 1.2))
            self.play(FadeIn(toy), FadeIn(toy_label), run_time=min(cue.until("toy"), 1.0))

    def deit(self):
        with self.narrate("deit") as cue:
            head = self.heading()
            top = [(0, self.words("vit"), papers.VIT_TABLE5["b16"][0] / 100),
                   (1, self.words("deit_b"), papers.DEIT_B_TOP1 / 100)]
            bars = TopKBars(top, height=1.6, width=L.MAIN.width * 0.9, highlight=1, places=1)
            L.MAIN.place(bars, aligned=UP).shift(0.3 * DOWN)
            recipe = wrapped(self.words("recipe"), S.TINY, L.MAIN.width * 0.8, S.MUTED)
            recipe.next_to(bars, DOWN, buff=0.3)
            augreg = wrapped(self.words("augreg"), S.SMALL, L.MAIN.width * 0.8, S.INK)
            augreg.next_to(recipe, DOWN, buff=0.4)
            vit_cite = CitationCard(self.words("vit_paper"), self.words("vit_where"))
            deit_cite = CitationCard(self.words("deit_paper"), self.words("deit_where"), self.words("deit_detail"))
            aug_cite = CitationCard(self.words("augreg_paper"), self.words("augreg_where"))
            deit_cite.next_to(aug_cite, UP, buff=0.1, aligned_edge=RIGHT)
            vit_cite.next_to(deit_cite, UP, buff=0.1, aligned_edge=RIGHT)
            self.play(FadeIn(head), FadeIn(bars.rows[0]), FadeIn(vit_cite), run_time=cue.share(0.06))
            self.play(FadeIn(bars.rows[1], shift=0.2 * RIGHT), FadeIn(deit_cite), FadeIn(recipe),
                      run_time=cue.until("deit"))
            self.play(FadeIn(augreg), FadeIn(aug_cite), run_time=min(cue.until("augreg"), 1.2))

    def takeaway(self):
        with self.narrate("takeaway") as cue:
            head = self.heading()
            text = wrapped(self.words("take_" + F.takeaway(self.result).key), S.BODY, L.MAIN.width * 0.85, S.INK)
            L.MAIN.place(text).shift(0.3 * UP)
            footer = NextLessonFooter(self.lesson, self.words("next"))
            self.play(FadeIn(head), FadeIn(text, shift=0.1 * UP), run_time=cue.clause())
            self.play(FadeIn(footer), run_time=min(cue.until("next"), 1.0))
