"""Phase 3, lesson 13: a one-page mental map for picking your next backbone.

Five questions (pre-trained weights, labelled data, dense task / resolution, compute budget, device), each
ending on a named family and a reason. The map's content lives in one place, vitmath/backbone_map.py, built
from the course's cached results (the small-data run of lesson p3-01, the backbone table of lesson p3-03) and
cited paper numbers. The scene draws it branch by branch, each branch shrinking into its slot of the map, then
the whole page; `extra_files` writes the same map as a printable PNG and PDF beside the video.
"""
from __future__ import annotations

from functools import cached_property

from manim import DOWN, LEFT, RIGHT, UP, FadeIn, FadeTransform, LaggedStart, Square, VGroup

from scenes.common import layout as L
from scenes.common import style as S
from scenes.common.backbone_table import BackboneTableMobject
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, TopKBars, wrapped
from scenes.common.cheat_sheet import write_sheet
from scenes.common.decision_map import DecisionMap, DecisionRow
from scenes.common.narrated import NarratedScene
from scenes.p3_04_mental_map import facts as bm
from vitmath.backbones import cached_architecture_facts, cached_backbone_table
from vitmath.small_data import cached_small_data

SHEET_FILES = ("cheat-sheet.png", "cheat-sheet.pdf")
DETAIL_WIDTH = 1.3  # one branch, laid out this wide and scaled to the screen: leaves on fewer lines
# The whole map is laid out this many screen widths wide, then scaled to fit: wider means fewer wrapped lines
# but smaller type. The width giving the largest type in the space left is chosen from these.
MAP_WIDTHS = (1.6, 1.9, 2.2, 2.5, 2.8, 3.1, 3.4)


class MentalMap(NarratedScene):

    def extra_values(self):
        d = self.dims
        self.small, self.table, self.arch = cached_small_data(), cached_backbone_table(), cached_architecture_facts()
        self.map = bm.backbone_map(self.small, self.table, self.arch, d.grid, d.P)
        self.branch = {b.key: (k, b) for k, b in enumerate(self.map.branches)}
        return bm.spoken_values(self.small, self.table, self.arch)

    def extra_files(self):
        """The cheat sheet, from the same map the video draws."""
        return {name: (lambda path: write_sheet(self.map, path)) for name in SHEET_FILES}

    def cues(self):
        return [self.hook, self.weights, self.data, self.task, self.budget, self.deploy, self.whole_map,
                self.takeaway]

    # ------------------------------------------------------------------ building blocks
    def detail_row(self, key: str) -> DecisionRow:
        """One branch drawn large across the top of the main region."""
        k, b = self.branch[key]
        columns = max(len(x.leaves) for x in self.map.branches)
        row = DecisionRow(bm.question_label(k, b), b.leaves, DETAIL_WIDTH * L.MAIN.width, columns)
        return L.MAIN.place(row, aligned=UP)

    def sources_card(self) -> CitationCard:
        """Every paper the map quotes, in the footer (under the whole map)."""
        return CitationCard(" · ".join(self.map.sources), "other numbers measured in this course")

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

    def branch_cue(self, key: str, evidence, cites=(), evidence_share: float = 0.5):
        """The branch's row, its evidence under it, then the row shrinking into its slot of the growing map."""
        k, b = self.branch[key]
        with self.narrate(key) as cue:
            head = Heading(f"Question {k + 1} of {len(self.map.branches)}")
            row = self.detail_row(key)
            space = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, row.get_bottom()[1] - 0.3)
            if evidence is not None:
                space.place(evidence)
            cards = VGroup(*[CitationCard(*c) for c in cites])
            for a, c in zip(cards, cards[1:]):
                c.next_to(a, UP, buff=0.08, aligned_edge=RIGHT)
            self.play(FadeIn(head), FadeIn(row.box), FadeIn(row.question), run_time=cue.share(0.05))
            self.wait(cue.share(0.05))
            self.play(FadeIn(row.arrow), run_time=cue.share(0.03))
            for j, card in enumerate(row.leaves):
                self.play(FadeIn(card, shift=0.1 * RIGHT), *[FadeIn(r) for r in row.rules[j - 1:j] if j],
                          run_time=cue.share(0.05))
                if j == 0 and evidence is not None:
                    self.play(FadeIn(evidence), *[FadeIn(c) for c in cards], run_time=cue.share(0.06))
                self.wait(cue.share(evidence_share / len(row.leaves)))
            # Into the map: the rows asked so far, this one shrinking into its slot.
            whole = self.compact_map()
            earlier = VGroup(*whole.rows[:k])
            gone = [m for m in (evidence, cards) if m is not None]
            self.play(*[m.animate.set_opacity(0) for m in gone], run_time=cue.share(0.04))
            self.remove(*gone)
            # A cross-fade while it moves: the map wraps its words at other widths, and a Transform between
            # differently wrapped text pulls the letters apart on the way.
            self.play(FadeIn(earlier), FadeTransform(row, whole.rows[k]), run_time=cue.share(0.08))

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.2)
            head = Heading("Which backbone for your next project?")
            names = VGroup(*[S.text(r.short, S.BODY, S.ACCENT if r.family == "transformer" else S.BLUE)
                             for r in self.table.rows]).arrange(RIGHT, buff=0.9)
            L.MAIN.place(names).shift(1.2 * UP)
            steps = VGroup(*[S.text(bm.question_label(k, b), S.SMALL, S.INK)
                             for k, b in enumerate(self.map.branches)]).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            steps.next_to(names, DOWN, buff=0.7)
            sheet = S.text("also as a printable one-page sheet: PNG and PDF, next to this video", S.SMALL, S.GREEN)
            L.FOOTER.place(sheet)
            self.play(FadeIn(head), LaggedStart(*[FadeIn(n, shift=0.1 * UP) for n in names], lag_ratio=0.3),
                      run_time=cue.share(0.1))
            self.wait(cue.share(0.15))
            self.play(LaggedStart(*[FadeIn(s, shift=0.1 * RIGHT) for s in steps], lag_ratio=0.4),
                      run_time=cue.share(0.2))
            self.wait(cue.share(0.05))
            self.play(FadeIn(sheet), run_time=cue.share(0.05))

    def weights(self):
        top = [(k, f"ViT-B/16 · pre-trained on {name} · 384 px", p / 100) for k, (name, p) in enumerate(bm.VIT_B16_TOP1)]
        top.append((len(top), "DeiT-B · ImageNet-1k only, DeiT recipe · 224 px", bm.DEIT_B_TOP1 / 100))
        bars = TopKBars(top, height=2.2, width=L.MAIN.width * 0.85, highlight=None, places=1)
        self.branch_cue("weights", bars, [(bm.VIT_PAPER_NAME, "Table 5"), (bm.DEIT_PAPER_NAME, "Table 5")])

    def data(self):
        r = self.small
        header = ["training images"] + [f"{n:,}" for n in r.sizes]
        lines = [header,
                 ["small CNN"] + [f"{100 * r.mean('CNN', n):.1f}%" for n in r.sizes],
                 ["small ViT"] + [f"{100 * r.mean('ViT', n):.1f}%" for n in r.sizes],
                 ["CNN - ViT"] + [f"{100 * r.gap(n):+.1f}" for n in r.sizes]]
        colors = [S.MUTED, S.BLUE, S.ACCENT, S.INK]
        grid = VGroup(*[VGroup(*[S.text(c, S.SMALL, colors[i], mono=j > 0) for j, c in enumerate(line)])
                        for i, line in enumerate(lines)])
        widths = [max(row[j].width for row in grid) for j in range(len(header))]
        for i, row in enumerate(grid):
            x = 0.0
            for j, cell in enumerate(row):
                cell.move_to([x + (0 if j == 0 else widths[j]), -0.55 * i, 0], aligned_edge=LEFT if j == 0 else RIGHT)
                x += widths[j] + 0.6
        note = S.text(f"test accuracy, mean of {len(r.seeds)} seeds · lesson 10's run, read from its cache",
                      S.TINY, S.MUTED).next_to(grid, DOWN, buff=0.35, aligned_edge=LEFT)
        self.branch_cue("data", VGroup(grid, note))

    def task(self):
        d = self.dims
        sides, strides = bm.pyramid_sides(self.arch), bm.pyramid_strides(self.arch)
        unit = 2.4 / sides[0]   # one finest-stage token, in scene units: squares are feature maps, to scale
        stages = VGroup()
        for s, stride in zip(sides, strides):
            sq = Square(s * unit).set_stroke(S.BLUE, 3)
            label = S.text(f"{s}x{s}", S.SMALL, S.BLUE).next_to(sq, DOWN, buff=0.12)
            note = S.text(f"stride {stride}", S.SMALL, S.MUTED).next_to(label, DOWN, buff=0.08)
            stages.add(VGroup(sq, label, note))
        stages.arrange(RIGHT, buff=0.6, aligned_edge=UP)
        swin = VGroup(S.text("Swin-T: four stages, a feature pyramid", S.BODY, S.BLUE), stages)
        swin.arrange(DOWN, buff=0.25)
        vit_sq = Square(d.grid * unit).set_stroke(S.ACCENT, 3)   # same scale: one token, one `unit`
        vit_label = S.text(f"{d.grid}x{d.grid}", S.SMALL, S.ACCENT).next_to(vit_sq, DOWN, buff=0.12)
        vit_note = S.text(f"stride {d.P}, every block", S.SMALL, S.MUTED).next_to(vit_label, DOWN, buff=0.08)
        vit = VGroup(S.text("plain ViT: one grid", S.BODY, S.ACCENT), VGroup(vit_sq, vit_label, vit_note))
        vit.arrange(DOWN, buff=0.25)
        evidence = VGroup(vit, swin).arrange(RIGHT, buff=1.5, aligned_edge=UP)
        self.branch_cue("task", evidence, [("Liu et al. 2021 (Swin)", "Eq. 1 and 2", "window attention cost")])

    def budget(self):
        table = BackboneTableMobject(self.table, highlight=bm.table_facts(self.table).best_cited_short)
        self.branch_cue("budget", table, [(bm.ACCURACY_SOURCES, "top-1 column: ImageNet-1k at 224")])

    def deploy(self):
        f = bm.table_facts(self.table)
        table = BackboneTableMobject(self.table, highlight=f.fastest)
        # Latency and MACs are the columns to read here: the others step back.
        for j in (1, 5):
            table.column(j).set_opacity(0.35)
        self.branch_cue("deploy", table, [(bm.ACCURACY_SOURCES, "top-1 column: ImageNet-1k at 224")])

    def whole_map(self):
        with self.narrate("map") as cue:
            head = Heading(self.map.title)
            whole = self.compact_map()
            cite = self.sources_card()
            self.play(FadeIn(head), FadeIn(cite), run_time=cue.share(0.05))
            for row in whole.rows:
                self.play(FadeIn(row, shift=0.1 * UP), run_time=cue.share(0.05))
                self.wait(cue.share(0.1))

    def takeaway(self):
        with self.narrate("takeaway") as cue:
            head = Heading("Takeaway")
            text = wrapped("The pre-trained weights matter most, then your data, your task and your device; "
                           "the architecture follows from those answers.", S.BODY, L.MAIN.width * 0.85, S.INK)
            L.MAIN.place(text).shift(0.4 * UP)
            footer = NextLessonFooter(self.lesson, "you sketch where a ViT looks, then we check the real maps")
            self.play(FadeIn(head), FadeIn(text, shift=0.1 * UP), run_time=cue.share(0.1))
            self.wait(cue.share(0.45))
            self.play(FadeIn(footer), run_time=cue.share(0.1))
