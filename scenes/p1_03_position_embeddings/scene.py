"""Phase 1, lesson 3: Without position embeddings, ViT can't tell where each patch was.

The patches are shuffled for real and their rows reversed; the same trained weights run with and without
their position embeddings; the learned position embeddings are compared slot by slot (ViT paper Fig. 7,
centre), at matched distances, and block 1's attention is drawn with and without them. Every picture and number comes from the trace and from scenes.p1_03_position_embeddings.facts's experiments; each cue
builds what it shows from them, so any cue can be previewed on its own.

    manim -ql scenes/p1_03_position_embeddings/scene.py PositionEmbeddings
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Circle, Create, FadeIn, Group, LaggedStart, Line, MathTex,
                   RoundedRectangle, Square, SurroundingRectangle, VGroup, Write)

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, TopKBars, wrapped
from scenes.common.heatmaps import Heatmap, SmallMultiples
from scenes.common.matrices import MatrixImage
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import PixelImage
from scenes.common.tokens import TokenStrip
from scenes.common.values import photo_description
from scenes.common.error_bar_chart import ErrorBarChart, Series
from scenes.common.heatmaps import HeatmapOnPhoto
from scenes.p1_03_position_embeddings.facts import SHUFFLE_SEED, cached_shuffle_facts, rearranged_picture

SIM_CMAP = "viridis"
ATTN_CMAP = "inferno"

# The paper's numbers, each shown with its citation (its words are the script's). ViT paper, Appendix D.4,
# Table 8: ViT-B/16 trained with each kind of position embedding (added once, at the input), ImageNet 5-shot
# linear accuracy; and D.4's patch grid for ViT-B/16 at 224 px.
TABLE_8 = (("none", 0.61382), ("oned", 0.64206), ("twod", 0.64001), ("relative", 0.64032))
PAPER_GRID = 14

# The keys this lesson may give each [choice.*] table of its script (`vitlessons list` checks they match).
CHOICES = {
    "nopos_vs_real": ("changed", "same"),
    "shuffled_top1": ("becomes", "stays", "stays_reordered"),
    "flipped_top1": ("becomes", "stays", "stays_reordered"),
    "tile_sentence": ("brighter", "not_brighter"),
    "near_verdict": ("closer", "not_closer"),
    "grid_verdict": ("every", "most", "few"),
    "attention_verdict": ("nearer", "not_nearer"),
}


def top1_change(before, after) -> Choice:
    """What happened to the top guess, from two top-5 lists (whatever their labels are): another class, the
    same class at another probability, or that and the rest of the top 5 reordered."""
    (i0, _, p0), (i1, name1, p1) = before[0], after[0]
    words = {"label": name1, "before": num.percent(p0).spoken, "after": num.percent(p1).spoken}
    if i1 != i0:
        return Choice("becomes", **words)
    reordered = [i for i, _, _ in before] != [i for i, _, _ in after]
    return Choice("stays_reordered" if reordered else "stays", **words)


def tile_patch(grid: int) -> int:
    """The patch whose similarity map the lesson enlarges: a fixed place off-centre (a third down, a quarter
    across), read from the grid, so its row and column both cross the map away from the edges."""
    return (grid // 3) * grid + grid // 4


def grid_verdict(profile) -> Choice:
    """At how many matched distances same-line pairs are the more alike: all, most, or at most half."""
    wins = sum(s > o for s, o in zip(profile.same_line, profile.other))
    compared = len(profile.distances)
    key = "every" if wins == compared else "most" if 2 * wins > compared else "few"
    return Choice(key, wins=wins, compared=compared, last_distance=profile.distances[-1] if compared else 0)


def matched_distance(profile) -> int:
    """The distance the voice reads out: the one nearest the mean distance of the same-line pairs, a typical
    distance for two patches of one row (a rule, so no distance is picked by eye)."""
    return min(profile.distances, key=lambda d: abs(d - profile.same_line_mean_distance))


def tile_contrast(row: np.ndarray, grid: int, patch: int) -> tuple[float, float]:
    """Mean similarity of `patch` to the other patches in its row or column, and to all the rest."""
    r, c = divmod(patch, grid)
    rows, cols = np.divmod(np.arange(grid * grid), grid)
    on = ((rows == r) | (cols == c)) & (np.arange(grid * grid) != patch)
    off = (rows != r) & (cols != c)
    return float(row[on].mean()), float(row[off].mean())


def distance_values(p) -> dict:
    """The spoken numbers and choices of the matched-distance comparison (a facts.DistanceProfile)."""
    k = p.distances.index(matched_distance(p))
    return {
        "near_sim": num.decimal(p.all_pairs[0], 2),
        "far_sim": num.decimal(p.all_pairs[-1], 2),
        "far_distance": p.distances[-1],
        "near_verdict": Choice("closer" if p.all_pairs[0] > p.all_pairs[-1] else "not_closer"),
        "same_line_distance": num.decimal(p.same_line_mean_distance, 1),
        "other_distance": num.decimal(p.other_mean_distance, 1),
        "matched_distance": p.distances[k],
        "matched_same": num.decimal(p.same_line[k], 2),
        "matched_other": num.decimal(p.other[k], 2),
        "grid_verdict": grid_verdict(p),
    }


def attention_values(a, grid: int) -> dict:
    """The spoken numbers and choice of block 1's attention with and without positions (facts.FirstBlockAttention)."""
    with_d, without_d = a.distance_with[a.head], a.distance_without[a.head]
    return {
        "attn_head": a.head + 1,
        "attn_row": a.query // grid,
        "attn_col": a.query % grid,
        "dist_with": num.decimal(with_d, 1),
        "dist_without": num.decimal(without_d, 1),
        "dist_with_all": num.decimal(float(np.mean(a.distance_with)), 1),
        "dist_without_all": num.decimal(float(np.mean(a.distance_without)), 1),
        "attention_verdict": Choice("nearer" if with_d < without_d else "not_nearer"),
    }


def paper_values() -> dict:
    """Table 8's accuracies as the voice says them, and the gap between none and the best kind."""
    acc = dict(TABLE_8)
    return {
        "none_acc": num.percent(acc["none"], 1),
        "oned_acc": num.percent(acc["oned"], 1),
        "twod_acc": num.percent(acc["twod"], 1),
        "rel_acc": num.percent(acc["relative"], 1),
        # In percentage points, from the rounded values the voice says, so the gap is their difference.
        "gap": num.decimal(round(100 * max(acc.values()), 1) - round(100 * acc["none"], 1), 1),
        "paper_grid": PAPER_GRID,
    }


class PositionEmbeddings(NarratedScene):

    def extra_values(self):
        t, d = self.trace, self.trace.dims
        self.facts = f = cached_shuffle_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        real, nopos = f.plain_top5[0], f.nopos_top5[0]
        tile = tile_patch(d.grid)
        perm = f.shuffle.permutation
        on_line, off_line = tile_contrast(np.asarray(f.similarity[tile]), d.grid, tile)
        return {
            "real_label": real[1],
            "real_percent": num.percent(real[2]).spoken,
            "nopos_label": nopos[1],
            "nopos_percent": num.percent(nopos[2]).spoken,
            "photo_description": photo_description(self.inputs.image),
            "first_slot_patch": int(perm[0]),
            "second_slot_patch": int(perm[1]),
            "shuffle_cls_diff": num.scientific(f.shuffle.nopos_cls_diff),
            "shuffle_logit_diff": num.scientific(f.shuffle.nopos_logit_diff),
            "shuffle_patch_diff": num.scientific(f.shuffle.nopos_patch_diff),
            "logit_scale": num.decimal(f.nopos_logit_scale, 1),
            "nopos_vs_real": Choice("changed" if nopos[0] != real[0] else "same"),
            "shuffled_top1": top1_change(f.plain_top5, f.shuffle.pos_top5),
            "shuffle_pos_logit_diff": num.decimal(f.shuffle.pos_logit_diff, 1),
            "flip_logit_diff": num.scientific(f.flip.nopos_logit_diff),
            "flipped_top1": top1_change(f.plain_top5, f.flip.pos_top5),
            "flip_pos_logit_diff": num.decimal(f.flip.pos_logit_diff, 1),
            "pixel_flip_diff": num.decimal(f.pixel_flip_nopos_logit_diff, 1),
            "pos_shape": num.shape(*t.pos[1:].shape),
            "below_position": d.grid + 1,
            "tile_sentence": Choice("brighter" if on_line > off_line else "not_brighter"),
            "tile_row": tile // d.grid,
            "tile_col": tile % d.grid,
            "same_line_sim": num.decimal(f.same_line_similarity, 2),
            "other_sim": num.decimal(f.other_similarity, 2),
            "seed": SHUFFLE_SEED,
            "last_block": d.depth,
            "last_row": d.grid - 1,
            **distance_values(f.by_distance), **attention_values(f.attention, d.grid), **paper_values(),
        }

    # ------------------------------------------------------------------ what the cues share
    def picture(self, permutation=None) -> np.ndarray:
        """The photo as the tokens in slot order show it (None: raster order, the photo itself)."""
        if permutation is None:
            return self.trace.picture
        return rearranged_picture(self.trace.patch_pixels, permutation, self.dims.grid)

    def example_patch(self) -> int:
        """The patch that changes most when turned upside down (largest mean |patch - its vertical mirror|):
        a rule, not a hand pick, and the patch whose orientation is easiest to see."""
        px = np.asarray(self.trace.patch_pixels, dtype=np.float64)
        return int(np.abs(px - px[:, ::-1]).reshape(len(px), -1).mean(axis=1).argmax())

    def result_rows(self, rows, width: float, height: float = 2.2, buff: float = 0.5) -> Group:
        """One row per (picture, caption, top-5, colour): a thumbnail of what went in, its caption, and the
        model's top-5 beside it. Every row's bars get the same track length, so bar lengths compare across
        rows (a track is 100%)."""
        def bars_for(top, w):
            return TopKBars(top, height=height - S.text("Ag", S.SMALL).height - 0.15, width=w, places=1)

        w = width - height - 0.4
        first = [bars_for(top, w) for _, _, top, _ in rows]
        track = min(b.track_width for b in first)
        out = Group()
        for (picture, caption, top, color), b in zip(rows, first):
            bars = bars_for(top, w - (b.track_width - track))
            cap = S.text(caption, S.SMALL, color)
            right = VGroup(cap, bars).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            out.add(Group(PixelImage(picture, height=height), right).arrange(RIGHT, buff=0.4))
        out.arrange(DOWN, buff=buff, aligned_edge=LEFT)
        # Right-align the bars of all rows, so the tracks start and end at the same x.
        x = max(r[1][1].get_right()[0] for r in out)
        for r in out:
            r[1][1].shift((x - r[1][1].get_right()[0]) * RIGHT)
        return out

    def diff_line(self, what: str, value: num.Number, color: str = S.GREEN) -> MathTex:
        """max |Δ what| = value, for the screen words `what` ("logits", "CLS output")."""
        return tex(self.words("diff_tex", what=self.words(what), value=value.tex), S.BODY, color)

    def cues(self):
        return [self.hook, self.shuffle, self.no_pos, self.no_pos_answer, self.why, self.with_pos,
                self.flip, self.flip_real, self.inner, self.table, self.similarity, self.emerged,
                self.matched, self.attention, self.fair, self.recap]

    # ------------------------------------------------------------------ cues
    def hook(self):
        d = self.dims
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.17)
            g = PhotoGrid(self.trace.picture, d.grid, height=5.4, patch_pixels=self.trace.patch_pixels)
            L.LEFT.place(g, aligned=LEFT)
            strip = TokenStrip(self.trace.patch_pixels, cls=True, show=(4, 2), height=0.9, width=L.RIGHT.width)
            L.RIGHT.place(strip)
            seq_l = S.text(self.words("list"), S.BODY, S.MUTED).next_to(strip, DOWN, buff=0.5)
            self.play(FadeIn(g), run_time=cue.clause())  # after the title, for the rest of its clause
            self.play(FadeIn(strip), FadeIn(seq_l), run_time=cue.until("question"))
            top, bottom = g.cell_square(d.grid // 2, S.ACCENT), g.cell_square(d.N - d.grid // 2 - 1, S.BLUE)
            q = S.text(self.words("question"), S.HEADING, S.ACCENT).next_to(strip, UP, buff=0.6)
            self.play(Create(top), Create(bottom), FadeIn(q), run_time=cue.until("where"))

    def shuffle(self):
        d, perm = self.dims, self.facts.shuffle.permutation
        with self.narrate("shuffle") as cue:
            self.add(Heading(self.words("heading")))
            g = PhotoGrid(self.trace.picture, d.grid, height=4.6, patch_pixels=self.trace.patch_pixels)
            L.LEFT.place(g)
            g.shift(0.3 * UP)
            target = PhotoGrid(self.picture(perm), d.grid, height=4.6)
            L.RIGHT.place(target)
            target.shift(0.3 * UP)
            cap_l = S.text(self.words("photo"), S.SMALL, S.MUTED).next_to(g, DOWN, buff=0.2)
            cap_r = S.text(self.words("shuffled"), S.SMALL, S.MUTED).next_to(target, DOWN, buff=0.2)
            self.play(FadeIn(g), FadeIn(cap_l), run_time=cue.clause())
            patches = g.patch_images()
            self.add(patches)
            # Slot j of the shuffled photo gets patch perm[j]: fly each patch there, while the voice tells how.
            cue.until("shuffle")
            self.play(LaggedStart(*[patches[int(perm[j])].animate.move_to(target.cell_center(j))
                                    for j in range(d.N)], lag_ratio=0.01), run_time=cue.at("slot") - cue.at("shuffle"))
            self.add(target.lines)
            slots = S.text(self.words("slots"), S.BODY, S.ACCENT)
            L.FOOTER.place(slots)
            self.play(FadeIn(cap_r), FadeIn(slots), Create(target.cell_square(0)), Create(target.cell_square(1)),
                      Create(g.cell_square(int(perm[0]))), Create(g.cell_square(int(perm[1]))),
                      run_time=cue.until("slot"))

    def no_pos(self):
        f = self.facts
        v = self.values
        with self.narrate("no-pos") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.6)
            rows = self.result_rows([(self.picture(), self.words("photo"), f.nopos_top5, S.INK),
                                     (self.picture(f.shuffle.permutation), self.words("shuffled"),
                                      f.shuffle.nopos_top5, S.INK)], left.width)
            left.place(rows, aligned=LEFT)
            base = tex(self.words("input_tex"), S.BODY)
            plus = tex(self.words("pos_tex"), S.BODY, S.RED).next_to(base, RIGHT, buff=0.2)
            strike = Line(plus.get_corner(DOWN + LEFT), plus.get_corner(UP + RIGHT), color=S.RED, stroke_width=4)
            eq = VGroup(base, plus, strike)
            note = CaveatNote(self.words("caveat"), width=right.width, size=S.TINY)
            diffs = VGroup(self.diff_line("cls", v["shuffle_cls_diff"]),
                           self.diff_line("logits", v["shuffle_logit_diff"]),
                           S.text(self.words("largest", scale=v["logit_scale"].screen), S.SMALL, S.MUTED),
                           S.text(self.words("equal"), S.BODY, S.GREEN)
                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            panel = VGroup(eq, note, diffs).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(panel, aligned=LEFT)
            self.play(Write(eq), run_time=cue.until("leave"))
            self.play(FadeIn(note), run_time=cue.until("careful"))
            self.play(FadeIn(rows[0]), run_time=cue.until("run"))
            self.play(FadeIn(rows[1]), run_time=cue.until("lists"))
            # The differences one by one, from the CLS output to "rounding error".
            cue.until("cls")
            self.play(LaggedStart(*[FadeIn(m) for m in diffs], lag_ratio=0.4),
                      run_time=cue.at("rounding") - cue.at("cls"))

    def no_pos_answer(self):
        f = self.facts
        with self.narrate("no-pos-answer") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.62)
            real, nopos = self.result_rows(
                [(self.picture(), self.words("real"), f.plain_top5, S.ACCENT),
                 (self.picture(), self.words("nopos"), f.nopos_top5, S.INK)], left.width)
            left.place(Group(real, nopos), aligned=LEFT)
            self.play(FadeIn(real), run_time=cue.until("real"))
            self.play(FadeIn(nopos), run_time=cue.until("answer"))
            note = VGroup(wrapped(self.words("trained"), S.SMALL, right.width),
                          wrapped(self.words("same"), S.SMALL, right.width, S.GREEN)
                          ).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(note, aligned=LEFT)
            self.play(FadeIn(note[0]), run_time=cue.until("trained"))
            self.play(FadeIn(note[1]), run_time=cue.until("whatever"))

    def why(self):
        f = self.facts
        v = self.values
        with self.narrate("why") as cue:
            self.add(Heading(self.words("heading")))
            attn = tex(self.words("attention_tex"), S.HEADING)
            equi = tex(self.words("equivariance_tex"), S.HEADING, S.ACCENT)
            equi_l = S.text(self.words("equivariance"), S.SMALL, S.MUTED)
            right_eq = VGroup(equi, equi_l).arrange(DOWN, buff=0.25)
            top = VGroup(attn, right_eq).arrange(RIGHT, buff=1.0)
            L.MAIN.place(top, aligned=UP)
            self.play(Write(attn), run_time=cue.until("look"))
            # Five real patches feeding one weighted sum; list them in another order and the sum is the same.
            picks = [int(k) for k in f.shuffle.permutation[:5]]
            cells = Group(*[PixelImage(self.trace.patch_pixels[k], height=0.8) for k in picks])
            cells.arrange(RIGHT, buff=0.3)
            cells.move_to(L.MAIN.center + 0.6 * DOWN + 1.5 * LEFT)
            node = tex(r"y_i", S.HEADING, S.GREEN)
            ring = Circle(radius=0.42, color=S.GREEN).move_to(node)
            out = VGroup(ring, node).next_to(cells, RIGHT, buff=1.2).shift(1.3 * UP)
            same = S.text(self.words("same"), S.SMALL, S.GREEN).next_to(out, RIGHT, buff=0.3)
            lines = VGroup(*[Line(c.get_top(), ring.get_left(), color=S.MUTED, stroke_width=2) for c in cells])
            for line, c in zip(lines, cells):
                line.add_updater(lambda m, c=c: m.put_start_and_end_on(c.get_top() + 0.02 * UP, ring.get_left()))
            self.play(FadeIn(cells), Create(lines), FadeIn(out), run_time=cue.clause())
            order = [3, 0, 4, 1, 2]
            spots = [cells[k].get_center() for k in range(5)]
            self.play(*[cells[k].animate.move_to(spots[order[k]]) for k in range(5)], run_time=cue.until("sum"))
            self.play(FadeIn(same), run_time=cue.until("same"))
            row = Group(cells, out, same)
            self.play(Write(equi), FadeIn(equi_l), run_time=cue.until("property"))
            checks = VGroup(
                tex(self.words("patches_tex", diff=v["shuffle_patch_diff"].tex), S.SMALL, S.GREEN),
                tex(self.words("cls_tex", diff=v["shuffle_cls_diff"].tex), S.SMALL, S.GREEN),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            checks.next_to(row, DOWN, buff=0.5)
            L.MAIN.place(checks, aligned=DOWN)
            note = S.text(self.words("measured"), S.TINY, S.MUTED)
            note.next_to(checks, DOWN, buff=0.15, aligned_edge=LEFT)
            self.play(FadeIn(checks), FadeIn(note), run_time=cue.until("checked"))

    def with_pos(self):
        f = self.facts
        v = self.values
        perm = f.shuffle.permutation
        with self.narrate("with-pos") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.6)
            rows = self.result_rows([(self.picture(), self.words("photo_with_positions"), f.plain_top5, S.INK),
                                     (self.picture(perm), self.words("shuffled"), f.shuffle.pos_top5,
                                      S.ACCENT)], left.width)
            left.place(rows, aligned=LEFT)
            strip = TokenStrip(self.trace.patch_pixels[np.asarray(perm)], indices=[int(k) for k in perm],
                               cls=True, show=(3, 1), position_tags=True, height=0.7, width=right.width)
            strip_l = S.text(self.words("slots"), S.TINY, S.MUTED)
            diff = self.diff_line("logits", v["shuffle_pos_logit_diff"], S.ACCENT)
            panel = Group(strip, strip_l, diff).arrange(DOWN, buff=0.4)
            if panel.width > right.width:
                panel.scale_to_fit_width(right.width)
            right.place(panel)
            self.play(FadeIn(strip), FadeIn(strip_l), run_time=cue.until("back"))
            self.play(FadeIn(rows[0]), run_time=cue.until("photo"))
            self.play(FadeIn(rows[1]), run_time=cue.until("shuffled"))
            self.play(Write(diff), run_time=cue.until("move"))

    def flip(self):
        d, f = self.dims, self.facts
        v = self.values
        with self.narrate("flip") as cue:
            self.add(Heading(self.words("heading")))
            g = PhotoGrid(self.trace.picture, d.grid, height=4.4, patch_pixels=self.trace.patch_pixels)
            L.LEFT.place(g)
            g.shift(0.4 * UP)
            target = PhotoGrid(self.picture(f.flip.permutation), d.grid, height=4.4)
            L.RIGHT.place(target)
            target.shift(0.4 * UP)
            self.play(FadeIn(g), run_time=cue.clause())
            patches = g.patch_images()
            self.add(patches)
            perm = f.flip.permutation
            # The rows move while the voice says how, until "without position embeddings".
            cue.until("reverse")
            self.play(LaggedStart(*[patches[int(perm[j])].animate.move_to(target.cell_center(j))
                                    for j in range(d.N)], lag_ratio=0.003),
                      run_time=0.85 * (cue.at("cannot") - cue.at("reverse")))
            self.add(target.lines)
            first = S.text(self.words("rows"), S.SMALL, S.MUTED).next_to(target, DOWN, buff=0.15)
            self.play(FadeIn(first), run_time=cue.clause())
            diff = VGroup(S.text(self.words("nopos"), S.BODY, S.MUTED),
                          self.diff_line("logits", v["flip_logit_diff"])).arrange(RIGHT, buff=0.3)
            L.FOOTER.place(diff)
            self.play(FadeIn(diff), run_time=cue.until("cannot"))

    def flip_real(self):
        f = self.facts
        v = self.values
        with self.narrate("flip-real") as cue:
            self.add(Heading(self.words("heading")))
            rows = self.result_rows([(self.picture(), self.words("photo_with_positions"), f.plain_top5, S.INK),
                                     (self.picture(f.flip.permutation), self.words("reversed"),
                                      f.flip.pos_top5, S.ACCENT)], 8.0)
            L.MAIN.place(rows, aligned=LEFT)
            diff = self.diff_line("logits", v["flip_pos_logit_diff"], S.ACCENT)
            diff.next_to(rows, RIGHT, buff=0.6)
            self.play(FadeIn(rows[0]), run_time=cue.until("photo"))
            self.play(FadeIn(rows[1]), run_time=cue.until("reversed"))
            self.play(Write(diff), run_time=min(cue.until("move"), 1.0))  # the last words: leave it on screen

    def inner(self):
        d, f = self.dims, self.facts
        v = self.values
        k = self.example_patch()
        r, c = divmod(k, d.grid)
        with self.narrate("inner") as cue:
            self.add(Heading(self.words("heading")))
            pics = [self.picture(), self.picture(f.flip.permutation), self.trace.picture[::-1].copy()]
            caps = [self.words("photo"), self.words("reversed"), self.words("truly")]
            # Where patch k lands in each picture: its own place; row flipped; row flipped.
            places = [k, (d.grid - 1 - r) * d.grid + c, (d.grid - 1 - r) * d.grid + c]
            zooms = [self.trace.patch_pixels[k], self.trace.patch_pixels[k], self.trace.patch_pixels[k][::-1]]
            cols = L.MAIN.columns(3, gutter=0.6)
            groups = []
            for col, pic, cap, place, zoom in zip(cols, pics, caps, places, zooms):
                g = PhotoGrid(pic, d.grid, height=2.6)
                g.remove(g.lines)
                box = g.cell_square(place, S.ACCENT, 3)
                z = PixelImage(np.ascontiguousarray(zoom), height=1.3)
                label = S.text(cap, S.SMALL)
                grp = Group(label, Group(g, box), z).arrange(DOWN, buff=0.25)
                col.place(grp, aligned=UP)
                groups.append((grp, box, z))
            for grp, box, z in groups:
                link = Line(box.get_bottom(), z.get_top(), color=S.ACCENT, stroke_width=2)
                grp.add(link)
            notes = [S.text(self.words("zoomed", patch=k), S.SMALL, S.MUTED),
                     VGroup(S.text(self.words("nopos"), S.TINY, S.MUTED),
                            self.diff_line("logits", v["flip_logit_diff"])),
                     VGroup(S.text(self.words("nopos"), S.TINY, S.MUTED),
                            self.diff_line("logits", v["pixel_flip_diff"], S.RED))]
            for (grp, _, z), note in zip(groups, notes):
                if isinstance(note, VGroup):
                    note.arrange(DOWN, buff=0.1)
                note.next_to(z, DOWN, buff=0.2)
            self.play(FadeIn(groups[0][0]), FadeIn(notes[0]), run_time=cue.clause())
            self.play(FadeIn(groups[1][0]), run_time=cue.until("keeps"))
            self.play(FadeIn(groups[2][0]), run_time=cue.until("truly"))
            self.play(FadeIn(notes[1]), FadeIn(notes[2]), run_time=cue.until("different"))

    def table(self):
        d = self.dims
        pos = np.asarray(self.trace.pos[1:])
        with self.narrate("table") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.5)
            mat = MatrixImage(pos, height=left.height - 1.2, row_label=self.words("rows", n="{n}"),
                              col_label=self.words("columns", n="{n}"), colorbar=True,
                              colorbar_label=self.words("scale"))
            left.place(mat)
            self.play(FadeIn(mat), run_time=cue.until("matrix"))
            # The list the model sees, against the grid we know.
            slots = VGroup(*[S.text(self.words("slot", pos=f"{j + 1:<3d}", patch=j), S.SMALL, mono=True)
                             for j in (0, 1, d.grid - 1, d.grid, d.grid + 1)])
            slots[0].set_color(S.ACCENT)
            slots[3].set_color(S.ACCENT)
            listing = VGroup(slots[0], slots[1], S.text("…", S.SMALL, S.MUTED), slots[2], slots[3], slots[4],
                             S.text("…", S.SMALL, S.MUTED)).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            q = wrapped(self.words("note"), S.BODY, right.width)
            panel = VGroup(q, listing).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(panel)
            self.play(FadeIn(q), run_time=cue.until("nothing"))
            self.play(LaggedStart(*[FadeIn(m) for m in listing], lag_ratio=0.2), run_time=cue.until("list"))

    def sim_maps(self) -> np.ndarray:
        g = self.dims.grid
        return np.asarray(self.facts.similarity).reshape(g, g, g, g)

    def multiples(self, width: float) -> SmallMultiples:
        g = self.dims.grid
        return SmallMultiples(self.sim_maps(), [str(k) for k in range(g)], [str(k) for k in range(g)],
                              cmap=SIM_CMAP, vmin=-1.0, vmax=1.0, label=self.words("scale"), gap=0.03,
                              width=width, height=L.MAIN.height, row_title=self.words("row"),
                              col_title=self.words("column"))

    def similarity(self):
        d = self.dims
        with self.narrate("similarity") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.62)
            sm = self.multiples(left.width)
            left.place(sm, aligned=LEFT)
            formula = tex(self.words("cosine_tex"), S.HEADING)
            how = wrapped(self.words("how"), S.SMALL, right.width)
            panel = VGroup(formula, how).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(panel)
            self.play(Write(formula), run_time=cue.clause())
            self.play(FadeIn(sm), run_time=cue.until("maps"))
            k = tile_patch(d.grid)
            r, c = divmod(k, d.grid)
            box = SurroundingRectangle(sm.cell(r, c), color=S.ACCENT, buff=0.02, stroke_width=3)
            self.play(FadeIn(how), Create(box), run_time=cue.until("all"))

    def emerged(self):
        d, v = self.dims, self.values
        k = tile_patch(d.grid)
        r, c = divmod(k, d.grid)
        with self.narrate("emerged") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.45)
            tile = Heatmap(self.sim_maps()[r, c], SIM_CMAP, vmin=-1.0, vmax=1.0, label=self.words("scale"),
                           height=left.height - 0.9)
            title = S.text(self.words("title"), S.SMALL).next_to(tile.image, UP, buff=0.15)
            group = Group(tile, title)
            left.place(group)
            self.play(FadeIn(tile), FadeIn(title), run_time=cue.clause())
            cell = tile.image.height / d.grid
            row_box = SurroundingRectangle(Group(*[Square(cell).move_to(tile.cell_center(r * d.grid + j))
                                                   for j in (0, d.grid - 1)]), color=S.ACCENT, buff=0,
                                         stroke_width=2)
            col_box = SurroundingRectangle(Group(*[Square(cell).move_to(tile.cell_center(i * d.grid + c))
                                                   for i in (0, d.grid - 1)]), color=S.ACCENT, buff=0,
                                         stroke_width=2)
            self.play(Create(row_box), Create(col_box), run_time=cue.until("bright"))
            w = right.width
            near = VGroup(wrapped(self.words("paper_near"), S.SMALL, w),
                          S.text(self.words("near_label"), S.TINY, S.MUTED),
                          S.text(self.words("near", near_sim=v["near_sim"].screen, far_sim=v["far_sim"].screen,
                                            far_distance=v["far_distance"]), S.SMALL, S.GREEN)
                          ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            rows = VGroup(wrapped(self.words("paper_rows"), S.SMALL, w),
                          wrapped(self.words("confound", same_line_distance=v["same_line_distance"].screen,
                                             other_distance=v["other_distance"].screen), S.SMALL, w, S.ACCENT)
                          ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            panel = VGroup(near, rows).arrange(DOWN, aligned_edge=LEFT, buff=0.6)
            right.place(panel, aligned=LEFT)
            cite = CitationCard(self.words("vit_paper"), self.words("source"))
            self.play(FadeIn(near[0]), FadeIn(cite), run_time=cue.until("near"))
            self.play(FadeIn(near[1:]), run_time=cue.clause())
            self.play(FadeIn(rows[0]), run_time=cue.until("rows"))
            self.play(FadeIn(rows[1]), run_time=cue.until("confound"))

    def distance_chart(self, width: float, height: float) -> ErrorBarChart:
        """Mean similarity against distance, same-line pairs against the rest; bars span the middle half."""
        p = self.facts.by_distance
        series = [Series(self.words(name), color, means, [q[0] for q in qs], [q[1] for q in qs])
                  for name, color, means, qs in (("same_line", S.ACCENT, p.same_line, p.same_line_quartiles),
                                                 ("other", S.BLUE, p.other, p.other_quartiles))]
        chart = ErrorBarChart(p.distances, series, x_label=self.words("x_label"), y_label=self.words("y_label"),
                              width=width, height=height, log_x=False, y_step=0.25,
                              y_format=lambda y: num.decimal(y, 2).screen)
        # Similarities fall with distance, so the lower right is where the curves are: the legend goes up.
        chart.legend.move_to(chart.to_point(p.distances[-1], chart.y1) + 0.15 * DOWN, aligned_edge=UP + RIGHT)
        return chart

    def matched(self):
        v = self.values
        choice = v["grid_verdict"]
        with self.narrate("matched") as cue:
            self.add(Heading(self.words(f"heading_{choice.key}")))
            chart = self.distance_chart(9.5, 3.7)
            bars = S.text(self.words("bars"), S.TINY, S.MUTED)
            pooled = wrapped(self.words("pooled", same_line_sim=v["same_line_sim"].screen,
                                        other_sim=v["other_sim"].screen,
                                        same_line_distance=v["same_line_distance"].screen,
                                        other_distance=v["other_distance"].screen), S.TINY, 12.0, S.MUTED)
            block = VGroup(chart, bars, pooled).arrange(DOWN, buff=0.2)
            L.MAIN.place(block)
            k = self.facts.by_distance.distances.index(v["matched_distance"])
            ring = VGroup(*[Circle(radius=0.16, color=S.INK, stroke_width=2).move_to(chart.point(name, k))
                            for name in (self.words("same_line"), self.words("other"))])
            self.play(FadeIn(chart.axes), FadeIn(chart.x_ticks), FadeIn(chart.y_ticks), FadeIn(chart.grid),
                      FadeIn(chart.x_label), FadeIn(chart.y_label), run_time=cue.until("chart"))
            self.play(*[FadeIn(g) for g in chart.series.values()], FadeIn(chart.legend), FadeIn(bars),
                      run_time=cue.clause())
            self.play(Create(ring), run_time=cue.until("example"))
            self.play(FadeIn(pooled), run_time=cue.until("verdict"))
            self.play(FadeIn(CitationCard(self.words("vit_paper"), self.words("source"))),
                      run_time=cue.until("paper"))

    def attention(self):
        d, v, a = self.dims, self.values, self.facts.attention
        r, c = divmod(a.query, d.grid)

        def on_patches(weights):  # the share of the query's attention on each patch, CLS left out
            w = np.asarray(weights, dtype=np.float64)
            return (w / w.sum()).reshape(d.grid, d.grid)

        maps = [on_patches(a.with_pos), on_patches(a.without_pos)]
        top = float(max(m.max() for m in maps))
        with self.narrate("attention") as cue:
            self.add(Heading(self.words("heading")))
            cols = L.MAIN.columns(2, gutter=0.8)
            shown = []
            for col, m, name in zip(cols, maps, ("with_pos", "without_pos")):
                h = HeatmapOnPhoto(self.trace.picture, m, ATTN_CMAP, vmin=0.0, vmax=top,
                                   label=self.words("scale"), height=4.0, alpha=0.75)
                ring = Circle(radius=0.6 * h.image.height / d.grid, color=S.GREEN, stroke_width=3)
                ring.move_to(h.cell_center(a.query))
                cap = S.text(self.words(name), S.BODY, S.ACCENT if name == "with_pos" else S.INK)
                grp = Group(cap, Group(h, ring)).arrange(DOWN, buff=0.2)
                col.place(grp, aligned=UP)
                shown.append(grp)
            notes = VGroup(
                S.text(self.words("query", head=v["attn_head"], row=r, col=c), S.SMALL),
                S.text(self.words("distance", head=v["attn_head"], with_d=v["dist_with"].screen,
                                  without_d=v["dist_without"].screen), S.SMALL, S.ACCENT),
                S.text(self.words("all_heads", heads=d.H, with_d=v["dist_with_all"].screen,
                                  without_d=v["dist_without_all"].screen), S.SMALL, S.MUTED),
                S.text(self.words("note"), S.TINY, S.MUTED)).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            notes.next_to(Group(*shown), DOWN, buff=0.3)
            L.MAIN.place(Group(*shown, notes))
            self.play(FadeIn(notes[0]), run_time=cue.until("block"))
            self.play(FadeIn(shown[0]), run_time=cue.until("maps"))
            self.play(FadeIn(shown[1]), FadeIn(notes[3]), run_time=cue.clause())
            self.play(FadeIn(notes[1:3]), run_time=cue.until("distance"))

    def fair(self):
        with self.narrate("fair") as cue:
            self.add(Heading(self.words("heading")))
            here = CaveatNote(self.words("here"), width=L.MAIN.width - 1.0, size=S.SMALL)
            top = [(i, self.words(name), p) for i, (name, p) in enumerate(TABLE_8)]
            bars = TopKBars(top, height=2.6, width=L.MAIN.width * 0.75, highlight=0, places=1)
            chart_l = S.text(self.words("chart"), S.SMALL, S.MUTED)
            why = S.text(self.words("why", paper_grid=PAPER_GRID), S.SMALL, S.GREEN)
            block = VGroup(here, chart_l, bars, why).arrange(DOWN, buff=0.35)
            L.MAIN.place(block)
            self.play(FadeIn(here), run_time=cue.clause())
            self.play(FadeIn(chart_l), FadeIn(CitationCard(self.words("vit_paper"), self.words("source"))),
                      run_time=cue.until("paper"))
            self.play(FadeIn(bars.rows[0]), run_time=cue.until("none"))
            self.play(LaggedStart(*[FadeIn(row) for row in bars.rows[1:]], lag_ratio=0.3), run_time=cue.until("kinds"))
            self.play(FadeIn(why), run_time=cue.until("why"))

    def recap(self):
        f = self.facts
        with self.narrate("recap") as cue:
            shown = [(self.picture(), "photo", f.plain_top5), (self.picture(f.shuffle.permutation), "shuffled",
                                                               f.shuffle.pos_top5),
                     (self.picture(f.flip.permutation), "reversed", f.flip.pos_top5)]
            cols = Group()
            for picture, name, top in shown:
                caps = VGroup(S.text(self.words(name), S.SMALL, S.MUTED),
                              S.text(self.words("with_positions", label=top[0][1]), S.SMALL, S.ACCENT)
                              ).arrange(DOWN, buff=0.1)
                cols.add(Group(PixelImage(picture, height=2.0), caps).arrange(DOWN, buff=0.15))
            cols.arrange(RIGHT, buff=0.7, aligned_edge=UP)
            verdict = S.text(self.words("verdict"), S.SMALL)
            take = wrapped(self.words("take"), S.BODY, L.MAIN.width - 1.5)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            block = Group(cols, verdict, VGroup(box, take)).arrange(DOWN, buff=0.4)
            L.MAIN.place(block)
            self.play(FadeIn(cols), FadeIn(verdict), run_time=cue.clause())
            self.play(FadeIn(box), FadeIn(take), run_time=cue.until("set"))
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("next"))), run_time=cue.until("next"))
