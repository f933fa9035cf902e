"""Phase 3, lesson 13: a one-page mental map for picking your next backbone.

Five questions, asked in order (device, pre-trained weights, labelled data, dense output, budget), each ending
on families people pick from today and a reason. The map's words are in script.toml ([screen]), filled from
facts.py's values: the course's cached results (the small-data run of lesson p3-01, the backbone table of lesson
p3-03) and cited paper numbers. Each branch builds its evidence on screen in steps, as the voice reaches them
(the MACs, then the clock; the paper's two curves one after the other; one ResNet-50 under three recipes), then
shrinks into its slot of the map; then the whole page. `extra_files` writes the same map as a printable PNG
and PDF beside the video.
"""
from __future__ import annotations

import re
from functools import cached_property

from manim import DOWN, LEFT, RIGHT, UP, Arrow, FadeIn, LaggedStart, MoveToTarget, Square, VGroup

from scenes.common import layout as L
from scenes.common import style as S
from scenes.common.block_chart import BlockBars
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.cheat_sheet import write_sheet
from scenes.common.decision_map import DecisionMap, DecisionRow
from scenes.common.error_bar_chart import ErrorBarChart, Series
from scenes.common.narrated import HOLD, NarratedScene
from scenes.p3_04_mental_map import facts as bm
from vitmath import papers
from vitmath.backbones import cached_architecture_facts, cached_backbone_table
from vitmath.small_data import cached_small_data

SHEET_FILES = ("cheat-sheet.png", "cheat-sheet.pdf")
DETAIL_WIDTH = 1.3  # one branch, laid out this wide and scaled to the screen: leaves on fewer lines
# The whole map is laid out this many screen widths wide, then scaled to fit: wider means fewer wrapped lines
# but smaller type. The width giving the largest type in the space left is chosen from these.
MAP_WIDTHS = (1.6, 1.9, 2.2, 2.5, 2.8, 3.1, 3.4)


class MentalMap(NarratedScene):

    def extra_values(self):
        self.small, self.table, self.arch = cached_small_data(), cached_backbone_table(), cached_architecture_facts()
        return bm.lesson_values(self.small, self.table, self.arch, self.dims.grid, self.dims.P)

    @cached_property
    def map(self) -> bm.BackboneMap:
        """The map, in the script's words: built once, drawn by every cue and by the cheat sheet."""
        screen = self.script.screen  # the map's words are lesson-wide, so any cue may draw the map

        def leaf(key: str, j: int) -> bm.Leaf:
            name = f"{key}_{j}"
            source = self.script.words(None, f"{name}_source") if f"{name}_source" in screen else None
            return bm.Leaf(*(self.script.words(None, f"{name}_{part}") for part in ("when", "pick", "why")), source)

        branches = tuple(bm.Branch(key, self.script.words(None, f"{key}_question"),
                                   tuple(leaf(key, j) for j in range(1, n + 1))) for key, n in bm.BRANCHES)
        return bm.BackboneMap(self.script.words(None, "title"), branches, self.script.words(None, "footnote"))

    @cached_property
    def branch(self) -> dict:
        return {b.key: (k, b) for k, b in enumerate(self.map.branches)}

    def extra_files(self):
        """The cheat sheet, from the same map the video draws."""
        return {name: (lambda path: write_sheet(self.map, path)) for name in SHEET_FILES}

    def cues(self):
        return [self.hook, self.device, self.weights, self.data, self.task, self.budget, self.whole_map,
                self.takeaway]

    # ------------------------------------------------------------------ building blocks
    def detail_row(self, key: str) -> DecisionRow:
        """One branch drawn large across the top of the main region."""
        k, b = self.branch[key]
        columns = max(len(x.leaves) for x in self.map.branches)
        row = DecisionRow(bm.question_label(k, b), b.leaves, DETAIL_WIDTH * L.MAIN.width, columns)
        return L.MAIN.place(row, aligned=UP)

    def sources_card(self) -> CitationCard:
        """Every paper the map quotes, by its short name and year ("ViT 2021"; each branch showed them in full,
        and the sheet prints them in full), in the footer under the whole map: short, so the map keeps the
        space."""
        papers = []
        for source in self.map.sources:
            m = re.match(r"(.*?)(\d{4}) \((.*?)\)", source)
            paper = f"{m[3]} {m[2]}" if m else source
            if paper not in papers:
                papers.append(paper)
        return CitationCard(" · ".join(papers), self.script.words(None, "sources_where"))

    def citations(self, cites, branch: bm.Branch) -> list[CitationCard]:
        """One card for the cue: its evidence's papers (`cites`, (paper, where) pairs) and its leaves' sources,
        each paper once, in the footer."""
        def author(s):   # "Liu et al. 2021 (Swin), Table 1" -> "Liu et al. 2021": one paper, however cited
            return s.split("(")[0].strip()

        parts = [", ".join(p for p in c if p) for c in cites]
        for leaf in branch.leaves:
            for part in (leaf.source or "").split(" · "):
                if part and author(part) not in {author(p) for p in parts}:
                    parts.append(part)
        return [CitationCard(" · ".join(parts), "")] if parts else []

    def map_region(self) -> L.Region:
        return L.Region(L.MAIN.left, L.MAIN.right, self.sources_card().get_top()[1] + 0.15, L.MAIN.top)

    @cached_property
    def map_width(self) -> float:
        """The layout width (in screen widths) at which the whole map, scaled into its region, reads largest."""
        region = self.map_region()

        def scale(w):
            whole = DecisionMap(self.map, w * L.MAIN.width)
            return min(region.width / whole.width, region.height / whole.height)

        return max(MAP_WIDTHS, key=scale)

    def compact_map(self) -> DecisionMap:
        return self.map_region().place(DecisionMap(self.map, self.map_width * L.MAIN.width))

    def branch_cue(self, key: str, build):
        """The branch's row; its leaves and the evidence `build()` draws (with its citations) each when the
        voice reaches them (marks {@leaf1}, {@leaf2}, and one mark per stage of the evidence, the first
        {@evidence}); then, as the cue ends, the row shrinking into its slot of the growing map. `build` runs
        inside the cue, where its [cue.screen] words are, and returns ([(mark, mobject), ...], citations): the
        evidence built up in steps, each step shown when the voice reaches its phrase."""
        k, b = self.branch[key]
        with self.narrate(key) as cue:
            stages, cites = build()
            head = Heading(self.words("question_heading", k=k + 1, n=len(self.map.branches)))
            row = self.detail_row(key)
            cards = VGroup(*self.citations(cites, b))
            # The evidence fills the space between the row and the citations, all its stages laid out at once
            # (so nothing moves when a later stage arrives).
            floor = cards.get_top()[1] + 0.15 if len(cards) else L.MAIN.bottom
            space = L.Region(L.MAIN.left, L.MAIN.right, floor, row.get_bottom()[1] - 0.25)
            evidence = VGroup(*[m for _, m in stages])
            if stages:
                space.place(evidence)
            self.play(FadeIn(head), FadeIn(row.box), FadeIn(row.question), run_time=min(cue.clause(), 1.0))
            self.play(FadeIn(row.arrow), run_time=cue.share(0.03))
            shows = {f"leaf{j + 1}": [FadeIn(card, shift=0.1 * RIGHT), *[FadeIn(r) for r in row.rules[j - 1:j] if j]]
                     for j, card in enumerate(row.leaves)}
            for mark, part in stages:
                shows.setdefault(mark, []).append(FadeIn(part))
            # The sources arrive with the first thing that needs them: the first number or the first pick.
            if len(cards):
                shows[min(shows, key=cue.at)] += [FadeIn(c) for c in cards]
            for mark in sorted(shows, key=cue.at):
                self.play(*shows[mark], run_time=min(cue.until(mark), 1.0))
            # Into the map, timed to end HOLD before the speech does (no phrase names it), so the finished map
            # stands before the cut: the evidence goes first, then the rows asked so far appear and this one
            # shrinks into its slot.
            rest = cue.start + cue.duration - HOLD - cue.share(0.12) - self.clock
            if rest > 1e-3:
                self.wait(rest)
            whole = self.compact_map()
            earlier = VGroup(*whole.rows[:k])
            gone = [m for m in (evidence, cards, head) if len(m.submobjects)]
            self.play(*[m.animate.set_opacity(0) for m in gone], run_time=cue.share(0.04))
            self.remove(*gone)
            # The big row shrinks into its slot while it fades out, and only then does the slot's own row fade
            # in: the map wraps its words at another width, and a cross-fade would show both wrappings at once.
            slot = whole.rows[k]
            row.generate_target()
            row.target.scale(slot.width / row.width).move_to(slot).set_opacity(0)
            self.play(FadeIn(earlier), MoveToTarget(row), run_time=cue.share(0.05))
            self.remove(row)
            self.play(FadeIn(slot), run_time=cue.share(0.03))

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.2)
            head = Heading(self.words("heading"))
            names = VGroup(*[S.text(r.short, S.BODY, S.ACCENT if r.family == "transformer" else S.BLUE)
                             for r in self.table.rows]).arrange(RIGHT, buff=0.9)
            L.MAIN.place(names).shift(1.2 * UP)
            steps = VGroup(*[S.text(bm.question_label(k, b), S.SMALL, S.INK)
                             for k, b in enumerate(self.map.branches)]).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            steps.next_to(names, DOWN, buff=0.7)
            sheet = S.text(self.words("sheet"), S.SMALL, S.GREEN)
            L.FOOTER.place(sheet)
            self.play(FadeIn(head), LaggedStart(*[FadeIn(n, shift=0.1 * UP) for n in names], lag_ratio=0.3),
                      run_time=cue.clause())
            self.play(LaggedStart(*[FadeIn(s, shift=0.1 * RIGHT) for s in steps], lag_ratio=0.4),
                      run_time=cue.until("questions"))
            self.play(FadeIn(sheet), run_time=cue.until("sheet"))

    def device(self):
        def build():
            w, rows = self.words, self.table.rows
            f = bm.table_facts(self.table)
            names = [r.short for r in rows]
            # The pair MACs call equal stands out in both charts.
            colors = [S.ACCENT if r.short in (f.twin_fast, f.twin_slow) else S.BLUE for r in rows]
            macs = BlockBars([r.macs / 1e9 for r in rows], names, w("macs"), width=4.6, height=2.4, colors=colors)
            clock = BlockBars([r.latency_ms for r in rows], names, w("latency"), width=4.6, height=2.4,
                              colors=colors)
            VGroup(macs, clock).arrange(RIGHT, buff=1.2, aligned_edge=DOWN)
            note = S.text(w("rounds"), S.TINY, S.MUTED).next_to(clock, DOWN, buff=0.3).align_to(macs, LEFT)
            return [("evidence", macs), ("clock", VGroup(clock, note))], []

        self.branch_cue("device", build)

    def weights(self):
        def build():
            w = self.words
            xs = [n / 1e6 for n in papers.PRETRAIN_IMAGES.values()]
            colors = (S.BLUE, S.ACCENT)
            series = [Series(w(key), c, [v / 100 for v in top], [v / 100 for v in top], [v / 100 for v in top])
                      for (key, top), c in zip(papers.VIT_TABLE5.items(), colors)]
            chart = ErrorBarChart(xs, series, w("x_label"), w("y_label"), width=7.0, height=2.6, log_x=True,
                                  y_range=(0.75, 0.90), y_step=0.05, dodge=0.0)
            # Build it line by line: the axes and ViT-B/16 first, ViT-L/16 when the voice reaches it.
            first, second = (chart.series_group(w(key)) for key in papers.VIT_TABLE5)
            chart.remove(second)
            return [("evidence", chart), ("large", second)], [(w("vit_paper"), w("paper_where"))]

        self.branch_cue("weights", build)

    def data(self):
        def build():
            r, w = self.small, self.words
            series = [Series(w("cnn"), S.BLUE, [r.mean("CNN", n) for n in r.sizes], [r.low("CNN", n) for n in r.sizes],
                             [r.high("CNN", n) for n in r.sizes]),
                      Series(w("vit"), S.ACCENT, [r.mean("ViT", n) for n in r.sizes],
                             [r.low("ViT", n) for n in r.sizes], [r.high("ViT", n) for n in r.sizes])]
            chart = ErrorBarChart(r.sizes, series, w("sizes"), w("accuracy"), width=6.4, height=2.5, log_x=True)
            notes = VGroup(wrapped(w("last"), S.SMALL, 4.2, S.INK), wrapped(w("note"), S.TINY, 4.2, S.MUTED))
            notes.arrange(DOWN, aligned_edge=LEFT, buff=0.15).next_to(chart, RIGHT, buff=0.6).align_to(chart, DOWN)
            toy = wrapped(w("toy"), S.SMALL, 4.2, S.ACCENT).next_to(notes, UP, buff=0.3, aligned_edge=LEFT)
            return [("evidence", VGroup(chart, notes)), ("toy", toy)], []

        self.branch_cue("data", build)

    def task(self):
        def build():
            d, w = self.dims, self.words
            sides, strides = bm.pyramid_sides(self.arch), bm.pyramid_strides(self.arch)
            unit = 1.8 / max(sides[0], bm.vitdet_sides(d.grid)[0])  # one token, in scene units: maps to scale

            def maps(sides, strides, color):
                group = VGroup()
                for s, stride in zip(sides, strides):
                    sq = Square(max(s, 1) * unit).set_stroke(color, 3)
                    label = S.text(w("side", side=s), S.SMALL, color).next_to(sq, DOWN, buff=0.1)
                    note = S.text(w("stride", stride=stride), S.TINY, S.MUTED).next_to(label, DOWN, buff=0.06)
                    group.add(VGroup(sq, label, note))
                return group.arrange(RIGHT, buff=0.35, aligned_edge=UP)

            # One row, to one scale: the plain grid, the pyramid ViTDet makes from it, Swin-T's own pyramid.
            vit = VGroup(S.text(w("vit"), S.SMALL, S.ACCENT), maps([d.grid], [d.P], S.ACCENT))
            det = maps(bm.vitdet_sides(d.grid), bm.vitdet_strides(d.P), S.ACCENT)
            vitdet = VGroup(S.text(w("vitdet"), S.SMALL, S.ACCENT), det)
            swin = VGroup(S.text(w("swin"), S.SMALL, S.BLUE), maps(sides, strides, S.BLUE))
            for g in (vit, vitdet, swin):
                g.arrange(DOWN, buff=0.2, aligned_edge=LEFT)
            VGroup(vit, vitdet, swin).arrange(RIGHT, buff=0.8, aligned_edge=UP)
            # From the one grid to its pyramid: an arrow at the grid's height.
            grid_square = vit[1][0][0]
            link = Arrow(grid_square.get_right(), [det.get_left()[0], grid_square.get_y(), 0], buff=0.1,
                         stroke_width=3, color=S.MUTED, max_tip_length_to_length_ratio=0.2)
            return ([("evidence", vit), ("vitdet", VGroup(link, vitdet)), ("swin", swin)],
                    [(w("vitdet_paper"), w("vitdet_where")), (w("swin_paper"), w("swin_where"))])

        self.branch_cue("task", build)

    def budget(self):
        def build():
            w, rf = self.words, bm.recipe_facts()
            values = [rf.original, rf.modern, rf.rsb, rf.convnext]
            # Model and recipe on two lines under each bar.
            labels = [w(k).replace(", ", "\n") for k in ("original", "modern", "rsb", "convnext")]
            # The axis starts at 70 (its ticks say so): the differences are a few points out of about 80.
            bars = BlockBars(values, labels, w("title"), width=7.0, height=2.6, vmin=70.0, vmax=85.0, ticks=4,
                             colors=[S.BLUE, S.BLUE, S.BLUE, S.ACCENT], font_size=S.TINY)
            values_text = VGroup(*[S.text(f"{v:.1f}", S.SMALL, S.INK, mono=True).next_to(b, UP, buff=0.06)
                                   for v, b in zip(values, bars.bars)])
            parts = [VGroup(bars.bars[i], bars.x_labels[i], values_text[i]) for i in range(4)]
            frame = VGroup(*[m for m in bars.submobjects if m not in (bars.bars, bars.x_labels)])
            stages = [("evidence", VGroup(frame, parts[0])), ("modern", parts[1]), ("rsb", parts[2]),
                      ("arch", parts[3])]
            return stages, [(w("convnext_paper"), w("convnext_where")), (w("rsb_paper"), w("rsb_where"))]

        self.branch_cue("budget", build)

    def whole_map(self):
        with self.narrate("map") as cue:
            head = Heading(self.map.title)
            whole = self.compact_map()
            cite = self.sources_card()
            self.play(FadeIn(head), FadeIn(cite), run_time=min(cue.clause(), 1.0))
            for k, row in enumerate(whole.rows):
                self.play(FadeIn(row, shift=0.1 * UP), run_time=min(cue.until(f"row{k + 1}"), 1.0))

    def takeaway(self):
        with self.narrate("takeaway") as cue:
            head = Heading(self.words("heading"))
            text = wrapped(self.words("takeaway"), S.BODY, L.MAIN.width * 0.85, S.INK)
            L.MAIN.place(text).shift(0.4 * UP)
            footer = NextLessonFooter(self.lesson, self.words("next"))
            self.play(FadeIn(head), FadeIn(text, shift=0.1 * UP), run_time=cue.clause())
            self.play(FadeIn(footer), run_time=cue.until("next"))
