"""Phase 3, lesson 13: a one-page mental map for picking your next backbone.

Five questions (pre-trained weights, labelled data, dense task / resolution, compute budget, device), each
ending on a named family and a reason. The map's words are in script.toml ([screen]), filled from facts.py's
values: the course's cached results (the small-data run of lesson p3-01, the backbone table of lesson p3-03)
and cited paper numbers. The scene draws it branch by branch, each branch shrinking into its slot of the map,
then the whole page; `extra_files` writes the same map as a printable PNG and PDF beside the video.
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
        self.small, self.table, self.arch = cached_small_data(), cached_backbone_table(), cached_architecture_facts()
        return bm.lesson_values(self.small, self.table, self.arch)

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
        return CitationCard(" · ".join(self.map.sources), self.script.words(None, "sources_where"))

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
        voice reaches them (marks {@leaf1}, {@leaf2}, {@evidence}); then, as the cue ends, the row shrinking into
        its slot of the growing map. `build` runs inside the cue, where its [cue.screen] words are."""
        k, b = self.branch[key]
        with self.narrate(key) as cue:
            evidence, cites = build()
            head = Heading(self.words("question_heading", k=k + 1, n=len(self.map.branches)))
            row = self.detail_row(key)
            space = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, row.get_bottom()[1] - 0.3)
            if evidence is not None:
                space.place(evidence)
            cards = VGroup(*[CitationCard(*c) for c in cites])
            for a, c in zip(cards, cards[1:]):
                c.next_to(a, UP, buff=0.08, aligned_edge=RIGHT)
            self.play(FadeIn(head), FadeIn(row.box), FadeIn(row.question), run_time=min(cue.clause(), 1.0))
            self.play(FadeIn(row.arrow), run_time=cue.share(0.03))
            shows = {f"leaf{j + 1}": [FadeIn(card, shift=0.1 * RIGHT), *[FadeIn(r) for r in row.rules[j - 1:j] if j]]
                     for j, card in enumerate(row.leaves)}
            if evidence is not None:
                shows["evidence"] = [FadeIn(evidence), *[FadeIn(c) for c in cards]]
            for mark in sorted(shows, key=cue.at):
                self.play(*shows[mark], run_time=min(cue.until(mark), 1.0))
            # Into the map, timed to end with the speech (no phrase names it): the rows asked so far, this one
            # shrinking into its slot.
            self.wait(max(cue.start + cue.duration - cue.share(0.12) - self.clock, 0))
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

    def weights(self):
        def build():
            w = self.words
            top = [(k, w("pretrained_bar", dataset=name), p / 100) for k, (name, p) in enumerate(bm.VIT_B16_TOP1)]
            top.append((len(top), w("deit_bar"), bm.DEIT_B_TOP1 / 100))
            bars = TopKBars(top, height=2.2, width=L.MAIN.width * 0.85, highlight=None, places=1)
            return bars, [(w("vit_paper"), w("paper_where")), (w("deit_paper"), w("paper_where"))]

        self.branch_cue("weights", build)

    def data(self):
        def build():
            r, w = self.small, self.words
            header = [w("sizes")] + [f"{n:,}" for n in r.sizes]
            lines = [header,
                     [w("cnn")] + [f"{100 * r.mean('CNN', n):.1f}%" for n in r.sizes],
                     [w("vit")] + [f"{100 * r.mean('ViT', n):.1f}%" for n in r.sizes],
                     [w("gap")] + [f"{100 * r.gap(n):+.1f}" for n in r.sizes]]
            colors = [S.MUTED, S.BLUE, S.ACCENT, S.INK]
            grid = VGroup(*[VGroup(*[S.text(c, S.SMALL, colors[i], mono=j > 0) for j, c in enumerate(line)])
                            for i, line in enumerate(lines)])
            widths = [max(row[j].width for row in grid) for j in range(len(header))]
            for i, row in enumerate(grid):
                x = 0.0
                for j, cell in enumerate(row):
                    cell.move_to([x + (0 if j == 0 else widths[j]), -0.55 * i, 0],
                                 aligned_edge=LEFT if j == 0 else RIGHT)
                    x += widths[j] + 0.6
            note = S.text(w("note"), S.TINY, S.MUTED).next_to(grid, DOWN, buff=0.35, aligned_edge=LEFT)
            return VGroup(grid, note), []

        self.branch_cue("data", build)

    def task(self):
        def build():
            d, w = self.dims, self.words
            sides, strides = bm.pyramid_sides(self.arch), bm.pyramid_strides(self.arch)
            unit = 2.4 / sides[0]   # one finest-stage token, in scene units: squares are feature maps, to scale
            stages = VGroup()
            for s, stride in zip(sides, strides):
                sq = Square(s * unit).set_stroke(S.BLUE, 3)
                label = S.text(w("side", side=s), S.SMALL, S.BLUE).next_to(sq, DOWN, buff=0.12)
                note = S.text(w("stride", stride=stride), S.SMALL, S.MUTED).next_to(label, DOWN, buff=0.08)
                stages.add(VGroup(sq, label, note))
            stages.arrange(RIGHT, buff=0.6, aligned_edge=UP)
            swin = VGroup(S.text(w("swin"), S.BODY, S.BLUE), stages)
            swin.arrange(DOWN, buff=0.25)
            vit_sq = Square(d.grid * unit).set_stroke(S.ACCENT, 3)   # same scale: one token, one `unit`
            vit_label = S.text(w("side", side=d.grid), S.SMALL, S.ACCENT).next_to(vit_sq, DOWN, buff=0.12)
            vit_note = S.text(w("vit_stride"), S.SMALL, S.MUTED).next_to(vit_label, DOWN, buff=0.08)
            vit = VGroup(S.text(w("vit"), S.BODY, S.ACCENT), VGroup(vit_sq, vit_label, vit_note))
            vit.arrange(DOWN, buff=0.25)
            evidence = VGroup(vit, swin).arrange(RIGHT, buff=1.5, aligned_edge=UP)
            return evidence, [(w("swin_paper"), w("swin_where"), w("swin_detail"))]

        self.branch_cue("task", build)

    def budget(self):
        def build():
            table = BackboneTableMobject(self.table, highlight=bm.table_facts(self.table).best_cited_short)
            return table, [(self.words("accuracy_citation"), self.words("accuracy_where"))]

        self.branch_cue("budget", build)

    def deploy(self):
        def build():
            f = bm.table_facts(self.table)
            table = BackboneTableMobject(self.table, highlight=f.fastest)
            # Latency and MACs are the columns to read here: the others step back.
            for j in (1, 5):
                table.column(j).set_opacity(0.35)
            return table, [(self.words("accuracy_citation"), self.words("accuracy_where"))]

        self.branch_cue("deploy", build)

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
