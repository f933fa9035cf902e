"""Phase 2, lesson 8: Twelve heads, twelve different ways to read the image.

How the heads share one block: the width D is cut into H slices of D/H (the qkv weight (3D, D) in slices, the
parameter count unchanged whatever H), the heads' outputs concatenated and mixed by the output projection;
then what the heads do on the photo: every head's CLS map in the first and the last block, how alike the
heads' maps are, and every head's mean attention distance (ViT paper Fig. 7 right), each read again with the
high-norm tokens of the late blocks masked out (lesson 9 measures them). Every number and map comes
from scenes.p2_04_twelve_heads.facts on the trace; the head counts of the ViT family are the papers'. The words,
spoken and drawn, are in script.toml: where they depend on a measured number, the scene picks a key of a
[choice.*] table.

    manim -ql scenes/p2_04_twelve_heads/scene.py TwelveHeads
"""
from __future__ import annotations

import colorsys

import numpy as np
from manim import (DOWN, LEFT, ORIGIN, RIGHT, UP, Brace, Create, DashedLine, Dot, FadeIn, FadeOut, Group, LaggedStart, Line,
                   Rectangle, RoundedRectangle, SurroundingRectangle, VGroup, Write)

from narration.script import Choice

from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.style import tex
from scenes.common.cards import CitationCard, Heading, NextLessonFooter, wrapped
from scenes.common.heatmaps import HeatmapOnPhoto, SmallMultiples
from scenes.common.matrices import MatrixImage
from scenes.common.narrated import NarratedScene
from scenes.common.values import is_course_photo, spoken_list
from scenes.common.vectors import ScaleKey, VectorBar
from scenes.common.table import Table
from scenes.p2_04_twelve_heads.facts import HeadFacts, cached_head_facts
from vitmath.sources import pretraining, resolve_source

# (name, spoken name, width D, heads, source): ViT paper Table 1 for B/L/H, DeiT paper Table 1 for Ti/S.
FAMILY = (("ViT-Ti", "ViT-Tiny", 192, 3, "DeiT"), ("ViT-S", "ViT-Small", 384, 6, "DeiT"),
          ("ViT-B", "ViT-Base", 768, 12, "ViT"), ("ViT-L", "ViT-Large", 1024, 16, "ViT"),
          ("ViT-H", "ViT-Huge", 1280, 16, "ViT"))
TITLE_HEADS = 12  # the title's count: ViT-B's (ViT paper Table 1)
MAP_CMAP = "inferno"
# Maps spreading over more than this share of the patches (by exp(entropy)) count as nearly flat.
FLAT_SHARE = 0.9
CORR_CMAP = "coolwarm"
DOT_COLOR = S.BLUE
# Local heads keeping at least this share of their attention on the looking patch itself (20 times what even
# attention over 196 patches would keep): "near" is partly "self".
SELF_HEAVY = 0.1

# The keys this lesson picks from the numbers; the words of each are in script.toml's [choice.*] tables.
CHOICES = {
    "title": ("literal", "other"),
    "family": ("row", "none"),
    "cls_self": ("remnant_early", "remnant_late", "remnant_both", "most", "little"),
    "early_remnant": ("one", "many"),
    "late_remnant": ("one", "many"),
    "remnant_close": ("one", "many"),
    "focus": ("late_sharper", "early_sharper", "same"),
    "corners": ("bright", "marked", "none"),
    "hn_name": ("corners", "other"),
    "heads_differ": ("cat_more_and_less", "cat_more", "cat_less", "cat_even", "spread"),
    "more_heads": ("one", "many"),
    "less_heads": ("one", "many"),
    "less_heads_short": ("one", "many"),
    "cat_masked": ("masked", "masked_area", "none"),
    "early_pairs": ("one", "different", "related", "alike", "spread"),
    "late_pairs": ("one", "different", "related", "alike", "spread"),
    "likeness": ("different", "related", "alike"),
    "ripples": ("flat", "shaped"),
    "depth_trend": ("grow", "shrink", "flat"),
    "late_vs_even": ("above", "even", "below"),
    "late_masked": ("lower", "same", "none"),
    "local": ("none", "some"),
    "local_self": ("self", "little"),
    "data": ("in21k", "unknown"),
    "local_early": ("local", "not_local"),
}


def head_colors(H: int) -> list[str]:
    """One distinct hue per head, evenly around the colour wheel, light enough for the dark background."""
    out = []
    for h in range(H):
        r, g, b = colorsys.hls_to_rgb(h / H, 0.62, 0.65)
        out.append("#%02X%02X%02X" % (round(255 * r), round(255 * g), round(255 * b)))
    return out


# ---------------------------------------------------------------------- keys chosen from the numbers
def family_row(D: int, H: int):
    return next((row for row in FAMILY if row[2] == D and row[3] == H), None)


def family_choice(D: int, H: int) -> Choice:
    """The model on screen as a row of the family table (same width and head count), or on none of them."""
    row = family_row(D, H)
    return Choice("row", row_name=row[1]) if row else Choice("none")


def cls_self_choice(f: HeadFacts) -> Choice:
    """A head leaving only a remainder map in either shown block, named; else how much attention the CLS
    token keeps on itself in block 1 (the most any head keeps)."""
    early, late = f.remnants(0), f.remnants(1)
    if early or late:
        key = "remnant_both" if early and late else "remnant_early" if early else "remnant_late"
        extra = {"remnant_close": Choice("one" if len(early) + len(late) == 1 else "many")}
        if early:
            extra["early_remnant"] = heads_listed([h + 1 for h in early])
        if late:
            extra["late_remnant"] = heads_listed([h + 1 for h in late])
        return Choice(key, **extra)
    keep = float(f.cls_self[0].max())
    return Choice("little" if keep <= 0.5 else "most", keep_percent=num.percent(keep, 1).spoken)


def counted_mean(f: HeadFacts, values, k: int) -> float:
    """Mean of a shown block's per-head values over the heads the counts use (remnant maps left out)."""
    return float(values[k][f.counted(k)].mean())


def focus_key(f: HeadFacts) -> str:
    early, late = (counted_mean(f, f.effective_patches, k) for k in (0, 1))
    return "late_sharper" if late < 0.8 * early else "early_sharper" if early < 0.8 * late else "same"


def hn_name(f: HeadFacts, grid: int) -> Choice:
    corners = {0, grid - 1, grid * grid - grid, grid * grid - 1}
    return Choice("corners" if set(f.high_norm) == corners else "other")


def corners_choice(f: HeadFacts, grid: int) -> Choice:
    """The high-norm patches in the last block's maps: bright corners (at least twice their share of the
    patches in the CLS attention), marked cells, or none."""
    if not f.high_norm:
        return Choice("none")
    share = counted_mean(f, f.high_norm_cls, 1)
    key = "bright" if hn_name(f, grid).key == "corners" and share >= 2 * f.high_norm_area else "marked"
    return Choice(key, hn_area=num.percent(f.high_norm_area).spoken,
                  hn_cls_share=num.percent(share).spoken, hn_count=len(f.high_norm))


def heads_listed(hs: list[int]) -> Choice:
    """Heads by their 1-based numbers, for [choice.more_heads] and the like: one head or several."""
    return Choice("one" if len(hs) == 1 else "many", heads=spoken_list([str(h) for h in hs]))


def heads_differ(f: HeadFacts, course_photo: bool) -> Choice:
    """What the last block's heads do differently: on the course photo, how much of each lands on the cat,
    with the high-norm tokens and without them (a head is "more" or "less" only if it is both ways)."""
    heads = f.counted(1)
    if not course_photo:
        spread = f.effective_patches[1][heads]
        return Choice("spread", narrowest=f"{float(spread.min()):.0f}", widest=f"{float(spread.max()):.0f}")
    late, masked = f.quadrant_share[1], f.quadrant_share_masked[1]
    area, area_m = f.quadrant_patches / f.cls_maps[0, 0].numel(), f.quadrant_area_masked
    more = [h + 1 for h in heads if float(late[h]) > 1.2 * area and float(masked[h]) > 1.2 * area_m]
    less = [h + 1 for h in heads if float(late[h]) < 0.8 * area and float(masked[h]) < 0.8 * area_m]
    key = ("cat_more_and_less" if more and less else "cat_more" if more else "cat_less" if less else "cat_even")
    extra = {"cat_share": num.percent(area).spoken, "cat_masked": cat_masked(f, heads, area)}
    if more:
        extra["more_heads"] = heads_listed(more)
    if less:
        extra["less_heads"] = extra["less_heads_short"] = heads_listed(less)
    return Choice(key, **extra)


def cat_masked(f: HeadFacts, heads: list[int], area: float) -> Choice:
    """The head giving the cat's quarter the most, with and without the high-norm tokens."""
    if not f.high_norm:
        return Choice("none")
    top = max(heads, key=lambda h: float(f.quadrant_share[1, h]))
    area_m = num.percent(f.quadrant_area_masked)
    key = "masked" if area_m.spoken == num.percent(area).spoken else "masked_area"
    return Choice(key, top=top + 1, top_share=num.percent(float(f.quadrant_share[1, top])).spoken,
                  top_masked=num.percent(float(f.quadrant_share_masked[1, top])).spoken, area_masked=area_m.spoken)


def likeness_key(c: float) -> str:
    return "different" if c < 0.3 else "related" if c < 0.7 else "alike"


def pair_range(f: HeadFacts, k: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The most and the least alike pairs (0-based heads, i < j) among the counted heads of shown block k."""
    corr, heads = f.head_corr[k], f.counted(k)
    pairs = [(i, j) for a, i in enumerate(heads) for j in heads[a + 1:]]
    return (max(pairs, key=lambda p: float(corr[p])), min(pairs, key=lambda p: float(corr[p])))


def pairs_choice(f: HeadFacts, k: int) -> Choice:
    """A block's pairs in words: one pair; all different, all related, all alike; or from most to least alike."""
    (a, b), (c, d) = pair_range(f, k)
    hi, lo = float(f.head_corr[k][a, b]), float(f.head_corr[k][c, d])
    if (a, b) == (c, d):
        key = "one"
    elif hi < 0.3:
        key = "different"
    elif lo >= 0.7:
        key = "alike"
    elif lo >= 0.3 and hi < 0.7:
        key = "related"
    else:
        key = "spread"
    return Choice(key, a=a + 1, b=b + 1, c=c + 1, d=d + 1, hi=f"{hi:.2f}", lo=f"{lo:.2f}",
                  likeness=Choice(likeness_key(hi)))


def late_vs_even_key(f: HeadFacts) -> str:
    _, late = f.thirds()
    d = float(f.distance[late].mean())
    return "above" if d > 1.05 * f.uniform_distance else "below" if d < 0.95 * f.uniform_distance else "even"


def late_masked_key(f: HeadFacts) -> str:
    if not f.high_norm:
        return "none"
    _, late = f.thirds()
    return "lower" if float(f.distance_masked[late].mean()) < 0.9 * float(f.distance[late].mean()) else "same"


def local_self(f: HeadFacts, local: list[tuple[int, int]]) -> Choice:
    """How much of the local heads' attention stays on the looking patch itself."""
    shares = [float(f.self_share[b, h]) for b, h in local] or [0.0]
    mean = sum(shares) / len(shares)
    return Choice("self" if mean >= SELF_HEAVY else "little", self_mean=num.percent(mean).spoken,
                  self_max=num.percent(max(shares)).spoken)


def example_heads(f: HeadFacts) -> tuple[int, int]:
    """The nearest- and the farthest-looking head of block 1."""
    return int(f.distance[0].argmin()), int(f.distance[0].argmax())


def depth_trend_key(f: HeadFacts) -> str:
    early, late = f.thirds()
    e, l_ = float(f.distance[early].mean()), float(f.distance[late].mean())
    return "grow" if l_ > 1.2 * e else "shrink" if e > 1.2 * l_ else "flat"


class TwelveHeads(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        self.facts = f = cached_head_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        tried = list(f.params_by_heads)
        early, late = f.thirds()
        local = f.local_heads(early)
        near, far = example_heads(f)
        n = f.cls_maps[0, 0].numel()
        flat = all(float(f.effective_patches[k, h]) > FLAT_SHARE * n for k in (0, 1) for h in f.counted(k))
        return {
            "title": Choice("literal" if d.H == TITLE_HEADS else "other"),
            "family": family_choice(d.D, d.H),
            "head_dim": d.head_dim,
            "qkv_shape": num.shape(*f.qkv_shape),
            "attn_params": num.integer(f.attn_params),
            "attn_params_screen": num.integer(f.attn_params).screen,
            "tried_heads": spoken_list([str(h) for h in tried]),
            "num_tokens": d.T,
            "score_entries": num.integer(d.H * d.T * d.T).screen,
            "cls_self": cls_self_choice(f),
            "early_patches": f"{counted_mean(f, f.effective_patches, 0):.0f}",
            "late_patches": f"{counted_mean(f, f.effective_patches, 1):.0f}",
            "focus": Choice(focus_key(f)),
            "corners": corners_choice(f, d.grid),
            "hn_name": hn_name(f, d.grid),
            "heads_differ": heads_differ(f, is_course_photo(self.inputs.image)),
            "early_pairs": pairs_choice(f, 0),
            "late_pairs": pairs_choice(f, 1),
            "ripples": Choice("flat" if flat else "shaped"),
            "near_head": near + 1, "near_distance": f"{float(f.distance[0, near]):.0f}",
            "far_head": far + 1, "far_distance": f"{float(f.distance[0, far]):.0f}",
            "uniform_distance": f"{f.uniform_distance:.0f}",
            "depth_trend": Choice(depth_trend_key(f)),
            "early_last": early[-1] + 1, "late_first": late[0] + 1,
            "early_distance": f"{float(f.distance[early].mean()):.0f}",
            "late_distance": f"{float(f.distance[late].mean()):.0f}",
            "late_vs_even": Choice(late_vs_even_key(f)),
            "late_masked": Choice(late_masked_key(f), late_masked=f"{float(f.distance_masked[late].mean()):.0f}"),
            "late_masked_screen": f"{float(f.distance_masked[late].mean()):.1f}",
            "uniform_masked": f"{f.uniform_masked:.0f}",
            "early_span": f"{f.spread(early):.0f}", "late_span": f"{f.spread(late):.0f}",
            "local": Choice("some" if local else "none", local_self=local_self(f, local)),
            "self_mean_screen": num.percent(float(np.mean([float(f.self_share[b, h]) for b, h in local]))
                                            if local else 0.0, 1).screen,
            "local_count": len(local), "early_heads": len(early) * d.H,
            "local_cutoff": f"{f.local_cutoff:.0f}",
            "data": Choice("unknown" if pretraining(resolve_source(self.inputs.model, self.inputs.weights)[0])
                           == "unknown" else "in21k",
                           local_early=Choice("local" if local else "not_local")),
        }

    def cues(self):
        return [self.hook, self.family, self.split, self.params, self.concat, self.maps, self.maps_read,
                self.similarity, self.distance_def, self.distance_plot, self.data, self.recap]

    # ------------------------------------------------------------------ what the cues share
    def multiples(self, width: float, height: float) -> SmallMultiples:
        f, H = self.facts, self.dims.H
        return SmallMultiples(f.cls_maps, [self.words("block_label", block=b + 1) for b in f.blocks],
                              [self.words("head_label", head=h + 1) for h in range(H)],
                              picture=self.trace.picture, cmap=MAP_CMAP, vmin=0.0, vmax=float(f.cls_maps.max()),
                              label=self.words("attention_share"), width=width, height=height)

    def distance_plot_group(self, width: float, height: float) -> VGroup:
        """Block on x, mean attention distance (px) on y, one dot per head, all in one colour (head h of one
        block has nothing to do with head h of another); a dashed line at the distance of uniform attention;
        and, as rings, the late blocks' heads with the high-norm tokens masked out (group.masked, not added)."""
        f, depth, H = self.facts, self.facts.depth, self.dims.H
        dist = f.distance.numpy()
        top = max(float(dist.max()), f.uniform_distance) * 1.1
        step = 25 if top <= 200 else 50
        ticks = list(range(0, int(top) + 1, step))
        ax_w, ax_h = width - 1.3, height - 1.0
        origin = np.array([0.0, 0.0, 0.0])

        def at(b: float, y: float):
            return origin + np.array([(b + 0.5) / depth * ax_w, y / top * ax_h, 0.0])

        axes = VGroup(Line(origin, origin + ax_w * RIGHT, color=S.MUTED), Line(origin, origin + ax_h * UP,
                                                                                 color=S.MUTED))
        labels = VGroup()
        for t in ticks:
            p = at(-0.5, t)
            labels.add(Line(p, p + 0.08 * LEFT, color=S.MUTED))
            labels.add(S.text(str(t), S.TINY, S.MUTED, mono=True).next_to(p, LEFT, buff=0.12))
        for b in range(depth):
            p = at(b, 0)
            labels.add(S.text(str(b + 1), S.TINY, S.MUTED, mono=True).next_to(p, DOWN, buff=0.12))
        x_name = S.text(self.words("x_axis"), S.SMALL, S.INK).next_to(axes[0], DOWN, buff=0.45)
        y_name = S.text(self.words("y_axis"), S.SMALL, S.INK).rotate(np.pi / 2)
        y_name.next_to(labels, LEFT, buff=0.15)
        uni = DashedLine(at(-0.5, f.uniform_distance), at(depth - 0.5, f.uniform_distance), color=S.MUTED,
                         dash_length=0.08)
        # Heads side by side within a block's slot, so dots at equal distances do not hide each other.
        jitter = np.linspace(-0.25, 0.25, H) if H > 1 else np.zeros(1)
        dots = VGroup(*[Dot(at(b + jitter[h], float(dist[b, h])), radius=0.06, color=DOT_COLOR)
                        for b in range(depth) for h in range(H)])
        _, late = f.thirds()
        masked = VGroup(*[Dot(at(b + jitter[h], float(f.distance_masked[b, h])), radius=0.06, fill_opacity=0,
                              stroke_color=DOT_COLOR, stroke_width=2) for b in late for h in range(H)])
        # The rings travel with the plot when it is placed; a cue that does not draw them takes them out.
        group = VGroup(axes, labels, x_name, y_name, uni, dots, masked)
        group.axes, group.dots, group.uniform, group.masked = axes, dots, uni, masked
        return group

    # ------------------------------------------------------------------ cues
    def hook(self):
        f, H = self.facts, self.dims.H
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.25)
            sm = SmallMultiples(f.cls_maps[1:], [self.words("block_label", block=f.depth)],
                                [self.words("head_label", head=h + 1) for h in range(H)],
                                picture=self.trace.picture, cmap=MAP_CMAP, vmin=0.0,
                                vmax=float(f.cls_maps[1].max()), label=self.words("attention_share"),
                                width=L.MAIN.width, height=L.MAIN.height - 1.2)
            head = S.text(self.words("heads_line"), S.BODY, S.ACCENT)
            L.MAIN.place(Group(sm, head).arrange(DOWN, buff=0.4))
            self.play(FadeIn(sm), run_time=cue.until("heads"))
            self.play(FadeIn(head), run_time=cue.until("own"))

    def family(self):
        d = self.dims
        with self.narrate("family") as cue:
            self.add(Heading(self.words("heading")))
            mine = family_row(d.D, d.H)
            header = [self.words(k) for k in ("col_model", "col_width", "col_heads", "col_head_size", "col_source")]
            rows = [[name, str(D), str(H), str(D // H), self.words("source", paper=src)]
                    for name, _, D, H, src in FAMILY]
            if mine is None:
                rows.append([self.words("this_model"), str(d.D), str(d.H), str(d.head_dim), self.words("this_source")])
            highlight = FAMILY.index(mine) if mine else len(rows) - 1
            # Numbers right-aligned so their digits line up; the widths and heads are read as numbers.
            cells = [[S.text(h, S.SMALL, S.MUTED) for h in header]]
            cells += [[S.text(c, S.SMALL, S.INK, mono=(k in (1, 2, 3))) for k, c in enumerate(r)] for r in rows]
            table = Table(cells, align="lrrrl", col_gap=0.6)
            L.MAIN.place(table, aligned=UP)
            box = SurroundingRectangle(table.rows[highlight], color=S.ACCENT, buff=0.1)
            note = S.text(self.words("note"), S.SMALL, S.ACCENT)
            note.next_to(table, DOWN, buff=0.35)
            self.play(FadeIn(table.head), run_time=cue.clause())
            cue.until("vit")
            self.play(LaggedStart(*[FadeIn(r) for r in table.rows], lag_ratio=0.3), run_time=cue.time_to("deit"))
            cites = VGroup(CitationCard(self.words("vit_paper"), self.words("table"), self.words("vit_rows")),
                           CitationCard(self.words("deit_paper"), self.words("table"), self.words("deit_rows"))
                           ).arrange(UP, aligned_edge=RIGHT, buff=0.1)
            cites.move_to(L.FOOTER.point(DOWN + RIGHT), aligned_edge=DOWN + RIGHT)
            self.play(FadeIn(cites), run_time=cue.until("deit"))
            self.play(Create(box), FadeIn(note), run_time=cue.until("mine"))

    def split(self):
        d = self.dims
        bt = self.trace.blocks[0]
        colors = head_colors(d.H)
        with self.narrate("split") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.38)
            weight = self.model_qkv_weight()  # (3D, D)
            mat = MatrixImage(weight, height=left.height - 1.1, width=min(2.0, left.width * 0.45),
                              row_label=None, col_label=self.words("inputs", n="{n}"), shape_text=True)
            left.place(mat, aligned=LEFT)
            mat.shift(0.3 * RIGHT)
            key = ScaleKey(CORR_CMAP, mat.vmin, mat.vmax, width=1.0).next_to(mat.shape_label, DOWN, buff=0.15)
            key.align_to(mat.image, LEFT)
            # One translucent band per head slice: rows [part * D + h * d, part * D + (h + 1) * d).
            bands, names = VGroup(), VGroup()
            rh = mat.image.height / (3 * d.D)
            top = mat.image.get_top()[1]
            for part, name in enumerate(("q", "k", "v")):  # the tensors' names, as in the formulas
                for h in range(d.H):
                    y0 = top - (part * d.D + h * d.head_dim) * rh
                    band = Rectangle(width=mat.image.width, height=d.head_dim * rh, stroke_width=0.8,
                                     stroke_color=colors[h], fill_color=colors[h], fill_opacity=0.16)
                    band.move_to([mat.image.get_x(), y0 - d.head_dim * rh / 2, 0])
                    bands.add(band)
                third = Line([0, top - part * d.D * rh, 0], [0, top - (part + 1) * d.D * rh, 0])
                third.next_to(mat.image, RIGHT, buff=0.12).set_y(top - (part + 0.5) * d.D * rh)
                brace = Brace(third, RIGHT, buff=0, color=S.MUTED)
                names.add(VGroup(brace, S.text(self.words("third", part=name), S.SMALL).next_to(brace, RIGHT, buff=0.1)))
            self.play(FadeIn(mat), FadeIn(key), run_time=cue.clause())
            self.play(FadeIn(names), run_time=cue.until("matrix"))
            self.play(LaggedStart(*[FadeIn(b) for b in bands], lag_ratio=0.05), run_time=cue.until("cut"))

            # The CLS token's query in block 1, cut into the heads' slices.
            q = bt.q[:, 0, :].reshape(-1)  # (H, d) -> (D,): head h's slice is q[h * d:(h + 1) * d]
            bar = VectorBar(q, width=right.width - 1.8, label=self.words("q_of_cls"), length_name="D")
            right.place(bar, aligned=UP)
            bar.shift(1.2 * DOWN)
            slices = VGroup()
            w = bar.strip.width / d.H
            for h in range(d.H):
                r = Rectangle(width=w, height=bar.strip.height + 0.12, stroke_color=colors[h], stroke_width=3)
                r.move_to(bar.strip.get_left() + (h + 0.5) * w * RIGHT)
                slices.add(r)
            lab_size = S.TINY
            head_labels = VGroup(*[S.text(str(h + 1), lab_size, colors[h]).next_to(slices[h], UP, buff=0.08)
                                   for h in range(d.H)])
            heads_word = S.text(self.words("head_word"), lab_size, S.MUTED).next_to(head_labels, LEFT, buff=0.15)
            heads_word.align_to(head_labels, DOWN)
            reshape = tex(self.words("reshape"), S.BODY)
            each = wrapped(self.words("each"), S.SMALL, right.width - 0.3)
            under = VGroup(reshape, each).arrange(DOWN, buff=0.4, aligned_edge=LEFT)
            under.next_to(bar, DOWN, buff=0.6).align_to(bar, LEFT)
            self.play(FadeIn(bar), run_time=cue.clause())
            self.play(Create(slices), FadeIn(head_labels), FadeIn(heads_word), run_time=cue.until("own"))
            self.play(Write(reshape), FadeIn(each), run_time=cue.clause())

    def model_qkv_weight(self) -> np.ndarray:
        from vitmath.model import load_model

        model = load_model(self.inputs.model, self.inputs.weights)
        return model.blocks[0].attn.qkv.weight.detach().numpy()

    def params(self):
        d, f = self.dims, self.facts
        with self.narrate("params") as cue:
            self.add(Heading(self.words("heading")))
            D = d.D
            count = tex(self.words("formula"), S.HEADING)
            legend = S.text(self.words("legend"), S.SMALL, S.MUTED)
            measured = S.text(self.words("measured"), S.BODY, S.ACCENT)
            top = VGroup(count, legend, measured).arrange(DOWN, buff=0.3)
            L.MAIN.place(top, aligned=UP)
            self.play(Write(count), FadeIn(legend), run_time=cue.clause())
            self.play(FadeIn(measured), run_time=cue.until("measured"))
            rows = VGroup()
            for h, n in f.params_by_heads.items():
                color = S.ACCENT if h == d.H else S.INK
                heads = self.words("many_heads" if h > 1 else "one_head", heads=h, width=D // h)
                cells = [S.text(heads, S.SMALL, color, mono=True),
                         S.text(self.words("parameters", count=num.integer(n).screen), S.SMALL, color, mono=True)]
                if h == d.H:
                    cells.append(S.text(self.words("this_model"), S.SMALL, color))
                rows.add(VGroup(*cells))
            # Columns: the counts right-aligned under each other, so equal numbers look equal.
            x1 = max(r[0].width for r in rows) + 0.5
            x2 = x1 + max(r[1].width for r in rows) + 0.4
            for k, r in enumerate(rows):
                y = -k * 0.45
                r[0].move_to([0, y, 0], aligned_edge=LEFT)
                r[1].move_to([x2 - 0.4, y, 0], aligned_edge=RIGHT)
                if len(r) > 2:
                    r[2].move_to([x2, y, 0], aligned_edge=LEFT)
            cap = S.text(self.words("rebuilt"), S.SMALL, S.MUTED)
            block = VGroup(cap, rows).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            block.next_to(top, DOWN, buff=0.5)
            if block.get_bottom()[1] < L.MAIN.bottom:
                L.MAIN.place(VGroup(top, block), aligned=UP)
            cue.until("rebuild")
            self.play(FadeIn(cap), LaggedStart(*[FadeIn(r) for r in rows], lag_ratio=0.3),
                      run_time=cue.time_to("same"))
            same = all(n == f.attn_params for n in f.params_by_heads.values())
            verdict = S.text(self.words("all_equal" if same else "not_all_equal"), S.BODY, S.GREEN if same else S.RED)
            verdict.next_to(rows, DOWN, buff=0.3).align_to(rows, LEFT)
            self.play(FadeIn(verdict), run_time=cue.until("same"))
            # What more heads do change, beside the unchanged compute: narrower scores, more maps to hold.
            flops = S.text(self.words("flops"), S.SMALL, S.INK)
            rank = S.text(self.words("rank"), S.SMALL, S.ACCENT)
            memory = S.text(self.words("memory"), S.SMALL, S.ACCENT)
            costs = VGroup(flops, rank, memory).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            # The counts have made their point: the costs take their place, under the measured count.
            costs.move_to(block, aligned_edge=UP + LEFT)
            card = CitationCard(self.words("vit_paper"), self.words("vit_where"))
            cue.until("cost")
            self.play(FadeOut(block), FadeOut(verdict), run_time=0.4)
            self.play(FadeIn(flops), FadeIn(card), run_time=cue.clause())
            self.play(FadeIn(rank), run_time=cue.clause())
            self.play(FadeIn(memory), run_time=cue.until("maps"))

    def concat(self):
        d = self.dims
        bt = self.trace.blocks[0]
        colors = head_colors(d.H)
        heads = (bt.attn @ bt.v).numpy()                      # (H, T, d): each head's weighted sum of values
        cat = np.concatenate(list(heads), axis=1)             # (T, D): the heads side by side
        with self.narrate("concat") as cue:
            self.add(Heading(self.words("heading")))
            h_mat = L.MAIN.height - 2.2
            # Colours clipped at the 99th percentile of |value|, so a few large entries do not grey out the rest.
            m = float(np.quantile(np.abs(cat), 0.99))
            slice_w = min(0.55, L.MAIN.width * 0.25 / d.H)
            # The final picture first: concatenation x W_o^T = attention output, centred in the main region.
            joined = MatrixImage(cat, height=h_mat, width=slice_w * d.H, vmin=-m, vmax=m, shape_text=True)
            proj = self.model_proj_weight()                    # (D, D), applied as cat @ proj.T
            times = tex(r"\times\, W_o^{\top}", S.BODY)
            wo = MatrixImage(proj.T, height=min(h_mat, 2.6), shape_text=True)
            eq = tex("=", S.HEADING)
            out = MatrixImage(bt.attn_out.numpy(), height=h_mat, width=slice_w * d.H, shape_text=True)
            row = Group(joined, times, wo, eq, out).arrange(RIGHT, buff=0.35)
            for piece in (wo, out):  # line the matrices up on the concatenation's centre line
                piece.shift((joined.image.get_y() - piece.image.get_y()) * UP)
            L.MAIN.place(row)
            row.shift(0.2 * DOWN)
            # Each head's (T, d) output on the same scale, first apart around the concatenation, then together.
            gap = 0.25
            parts = Group(*[MatrixImage(heads[h], height=h_mat, width=slice_w, vmin=-m, vmax=m,
                                        shape_text=False) for h in range(d.H)]).arrange(RIGHT, buff=gap)
            parts.move_to(joined.image)
            tags = VGroup(*[S.text(str(h + 1), S.TINY, colors[h]) for h in range(d.H)])
            for h, t in enumerate(tags):
                if t.width > 0.85 * slice_w:  # two-digit heads over narrow slices
                    t.scale_to_fit_width(0.85 * slice_w)
                t.next_to(parts[h], UP, buff=0.1)
            head_word = S.text(self.words("head_word"), S.TINY, S.MUTED).next_to(tags, UP, buff=0.08)
            one = S.text(self.words("each", shape=num.shape(d.T, d.head_dim).screen), S.SMALL, S.ACCENT, mono=True)
            one.next_to(parts, DOWN, buff=0.2)
            self.play(FadeIn(parts), FadeIn(tags), FadeIn(head_word), FadeIn(one), run_time=cue.clause())
            slots = [joined.image.get_left() + (h + 0.5) * slice_w * RIGHT for h in range(d.H)]
            moves = [parts[h].animate.set_x(slots[h][0]) for h in range(d.H)]
            moves += [tags[h].animate.set_x(slots[h][0]) for h in range(d.H)]
            moves.append(head_word.animate.set_x(joined.image.get_x()))
            self.play(*moves, FadeOut(one), run_time=cue.until("join"))
            self.add(joined.image)
            self.remove(*parts)
            self.play(FadeIn(joined.shape_label), run_time=cue.clause())
            out_l = S.text(self.words("attention_output"), S.TINY, S.MUTED).next_to(out.image, UP, buff=0.1)
            wo_l = S.text(self.words("output_projection"), S.TINY, S.MUTED).next_to(wo.image, UP, buff=0.1)
            self.play(FadeIn(times), FadeIn(wo), FadeIn(wo_l), run_time=cue.until("mix"))
            self.play(FadeIn(eq), FadeIn(out), FadeIn(out_l), run_time=cue.clause())
            key = ScaleKey(CORR_CMAP, -m, m, width=1.2)
            key_l = S.text(self.words("key"), S.TINY, S.MUTED)
            keys = Group(key_l, key).arrange(RIGHT, buff=0.15)
            note = S.text(self.words("note"), S.TINY, S.MUTED)
            L.FOOTER.place(Group(keys, note).arrange(RIGHT, buff=0.5), aligned=LEFT)
            self.play(FadeIn(keys), FadeIn(note), run_time=cue.until("every"))

    def model_proj_weight(self) -> np.ndarray:
        from vitmath.model import load_model

        model = load_model(self.inputs.model, self.inputs.weights)
        return model.blocks[0].attn.proj.weight.detach().numpy()

    def maps(self):
        with self.narrate("maps") as cue:
            self.add(Heading(self.words("maps_heading")))
            sm = self.multiples(L.MAIN.width, L.MAIN.height)
            L.MAIN.place(sm)
            rule = S.text(self.words("rule"), S.TINY, S.MUTED)
            L.FOOTER.place(rule, aligned=LEFT)
            self.play(FadeIn(sm.row_labels), FadeIn(sm.col_labels), run_time=cue.clause())
            self.play(LaggedStart(*[FadeIn(c) for c in sm.cells[0]], lag_ratio=0.2), run_time=cue.clause())
            self.play(LaggedStart(*[FadeIn(c) for c in sm.cells[1]], lag_ratio=0.2), FadeIn(sm.colorbar),
                      run_time=cue.clause())
            self.play(FadeIn(rule), run_time=cue.until("rule"))
            self.add(sm)
            remnants = self.remnant_labels(sm)
            if len(remnants):
                self.play(FadeIn(remnants), run_time=cue.clause())

    def remnant_labels(self, sm: SmallMultiples) -> VGroup:
        """On each map that is only the remainder of the CLS token's attention: how little that remainder is."""
        f = self.facts
        out = VGroup()
        for k in range(2):
            for h in f.remnants(k):
                keep = float(f.cls_self[k, h])
                cell = sm.cell(k, h)
                t = wrapped(self.words("remnant", keep=num.percent(keep, 3).screen,
                                       rest=f"{100 * (1 - keep):.2g}%"), S.TINY, 0.9 * cell.width, S.INK)
                back = RoundedRectangle(corner_radius=0.04, width=t.width + 0.12, height=t.height + 0.1,
                                        stroke_width=0, fill_color=S.BACKGROUND, fill_opacity=0.85)
                out.add(VGroup(back, t.move_to(back)).move_to(cell.get_top() + (t.height / 2 + 0.1) * DOWN))
        return out

    def maps_read(self):
        f, d = self.facts, self.dims
        with self.narrate("maps-read") as cue:
            self.add(Heading(self.words("maps_heading")))
            sm = self.multiples(L.MAIN.width, L.MAIN.height - 0.45)
            L.MAIN.place(sm)
            sm.shift(0.2 * UP)  # room under the last row for the shares on the cat
            self.add(sm, self.remnant_labels(sm))
            # Under each map: how many patches it spreads over (exp of its entropy); grey where not counted.
            notes = VGroup()
            for r in range(2):
                for h in range(d.H):
                    color = S.ACCENT if h in f.counted(r) else S.MUTED
                    t = S.text(f"{float(f.effective_patches[r, h]):.0f}", S.TINY, color, mono=True)
                    cell = sm.cell(r, h)
                    if t.width > 0.4 * cell.width:  # many heads, small maps: keep most of the map visible
                        t.scale_to_fit_width(0.4 * cell.width)
                    t.move_to(cell.get_corner(DOWN + RIGHT) + np.array([-0.05, 0.05, 0]), aligned_edge=DOWN + RIGHT)
                    back = RoundedRectangle(corner_radius=0.04, width=t.width + 0.1, height=t.height + 0.08,
                                            stroke_width=0, fill_color=S.BACKGROUND, fill_opacity=0.8).move_to(t)
                    notes.add(VGroup(back, t))
            legend = S.text(self.words("legend"), S.TINY, S.ACCENT)
            L.FOOTER.place(legend, aligned=LEFT)
            self.play(FadeIn(notes), FadeIn(legend), run_time=cue.until("spread"))
            if f.high_norm:
                # The high-norm patches, outlined on the last block's maps.
                marks = VGroup()
                for h in range(d.H):
                    cell = sm.cell(1, h)
                    side = cell.width / d.grid
                    for i in f.high_norm:
                        r, c = divmod(i, d.grid)
                        marks.add(Rectangle(width=side, height=side, stroke_color=S.GREEN, stroke_width=2).move_to(
                            cell.get_corner(UP + LEFT) + np.array([(c + 0.5) * side, -(r + 0.5) * side, 0])))
                name = "high_norm_cat" if is_course_photo(self.inputs.image) else "high_norm"
                key = VGroup(Rectangle(width=0.16, height=0.16, stroke_color=S.GREEN, stroke_width=2),
                             S.text(self.words(name), S.TINY, S.GREEN)).arrange(RIGHT, buff=0.1)
                key.next_to(legend, UP, buff=0.12, aligned_edge=LEFT)
                self.play(Create(marks), FadeIn(key), run_time=cue.until("corners"))
            if is_course_photo(self.inputs.image):
                shares = VGroup()
                masked = bool(f.high_norm)
                for h in range(d.H):
                    cell = sm.cell(1, h)
                    box = Rectangle(width=cell.width / 2, height=cell.height / 2, stroke_color=S.BLUE,
                                    stroke_width=2).move_to(cell.get_corner(DOWN + RIGHT), aligned_edge=DOWN + RIGHT)
                    share = num.percent(float(f.quadrant_share[1, h])).screen
                    if masked:
                        share = self.words("cat_share", share=share,
                                           masked=num.percent(float(f.quadrant_share_masked[1, h])).screen)
                    pct = S.text(share, S.TINY, S.BLUE if h in f.counted(1) else S.MUTED)
                    pct.next_to(cell, DOWN, buff=0.08)
                    if pct.width > 0.9 * cell.width:
                        pct.scale_to_fit_width(0.9 * cell.width)
                    shares.add(VGroup(box, pct))
                on_cat = S.text(self.words("on_cat"), S.TINY, S.BLUE)
                on_cat.next_to(shares[0][1], LEFT, buff=0.15)
                on_cat.align_to(sm.row_labels, RIGHT)
                shares.add(on_cat)
                self.play(FadeIn(shares), run_time=cue.until("differ"))

    def similarity(self):
        f, d = self.facts, self.dims
        with self.narrate("similarity") as cue:
            self.add(Heading(self.words("heading")))
            cols = L.MAIN.columns(2, gutter=0.8)
            mats = Group()
            for k, (col, b) in enumerate(zip(cols, f.blocks)):
                corr = f.head_corr[k].numpy()
                m = MatrixImage(corr, cmap=CORR_CMAP, vmin=-1.0, vmax=1.0, height=min(col.height - 1.6, 3.6),
                                width=min(col.height - 1.6, 3.6), colorbar=True,
                                colorbar_label=self.words("correlation"), shape_text=True)
                (i, j), (p, q) = pair_range(f, k)
                hi, lo = f"{corr[i, j]:.2f}", f"{corr[p, q]:.2f}"
                words = (self.words("block_one", block=b + 1, hi=hi) if (i, j) == (p, q)
                         else self.words("block_range", block=b + 1, hi=hi, lo=lo))
                title = S.text(words, S.SMALL, S.ACCENT)
                title.next_to(m, UP, buff=0.25)
                # Head numbers on both axes, and the value in each cell when there is room.
                labels = VGroup()
                cw = m.image.width / d.H
                for h in range(d.H):
                    top_label = S.text(str(h + 1), S.TINY, S.MUTED)
                    if top_label.width > 0.85 * cw:  # two-digit heads in narrow columns
                        top_label.scale_to_fit_width(0.85 * cw)
                    labels.add(top_label.move_to(
                        [m.image.get_left()[0] + (h + 0.5) * cw, m.image.get_top()[1] + 0.15, 0]))
                    labels.add(S.text(str(h + 1), S.TINY, S.MUTED).move_to(
                        [m.image.get_left()[0] - 0.18, m.image.get_top()[1] - (h + 0.5) * cw, 0]))
                if d.H <= 6:
                    for i in range(d.H):
                        for j in range(d.H):
                            labels.add(S.text(f"{corr[i, j]:.2f}", S.TINY, S.BACKGROUND, mono=True).move_to(
                                [m.image.get_left()[0] + (j + 0.5) * cw, m.image.get_top()[1] - (i + 0.5) * cw, 0]))
                # A remainder map's row and column, dimmed: its correlations are not counted.
                dim = VGroup()
                for h in f.remnants(k):
                    for w, hgt, x, y in ((m.image.width, cw, 0.5 * d.H, h + 0.5), (cw, m.image.height, h + 0.5, 0.5 * d.H)):
                        dim.add(Rectangle(width=w, height=hgt, stroke_width=0, fill_color=S.BACKGROUND,
                                          fill_opacity=0.6).move_to([m.image.get_left()[0] + x * cw,
                                                                     m.image.get_top()[1] - y * cw, 0]))
                axis = S.text(self.words("axis"), S.TINY, S.MUTED).next_to(m.image, DOWN, buff=0.2, aligned_edge=LEFT)
                g = Group(title, m, labels, dim, axis)
                col.place(g)
                mats.add(g)
            what = S.text(self.words("what"), S.TINY, S.MUTED)
            left_out = [self.words("head_of_block", head=h + 1, block=b + 1)
                        for k, b in enumerate(f.blocks) for h in f.remnants(k)]
            if left_out:
                what = VGroup(what, S.text(self.words("left_out", heads=", ".join(left_out)), S.TINY, S.MUTED)
                              ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
            L.FOOTER.place(what, aligned=LEFT)
            self.play(FadeIn(mats[0]), FadeIn(what), run_time=cue.until("correlate"))
            self.play(FadeIn(mats[1]), run_time=cue.until("late"))

    def distance_def(self):
        f, d = self.facts, self.dims
        near, far = example_heads(f)
        centre = (d.grid // 2) * d.grid + d.grid // 2
        bt = self.trace.blocks[0]
        with self.narrate("distance-def") as cue:
            self.add(Heading(self.words("heading")))
            # The formula's braces are TeX's, so only its word comes from the script.
            formula = tex(r"\text{" + self.words("distance") + r"}_h = "
                          r"\frac{1}{N}\sum_{i}\sum_{j} a^h_{ij}\,\lVert p_i - p_j \rVert", S.BODY)
            where = S.text(self.words("where"), S.TINY, S.MUTED)
            top = VGroup(formula, where).arrange(DOWN, buff=0.15)
            L.MAIN.place(top, aligned=UP)
            self.play(Write(formula), FadeIn(where), run_time=cue.until("define"))
            cols = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, top.get_bottom()[1] - 0.3).columns(2, 0.8)
            row = bt.attn[:, 1 + centre, 1:].double()
            row = row / row.sum(-1, keepdim=True)   # (H, N): where the centre patch looks, over the patches
            for col, h, mark in zip(cols, (near, far), ("example", "far")):
                # Each map on its own scale (its bar says which): a far-looking head's weights are all small.
                hm = HeatmapOnPhoto(self.trace.picture, row[h].reshape(d.grid, d.grid).numpy(), MAP_CMAP, 0.0, None,
                                    label=self.words("attention_share"), height=col.height - 0.6)
                box = SurroundingRectangle(Rectangle(width=hm.image.height / d.grid, height=hm.image.height / d.grid)
                                           .move_to(hm.cell_center(centre)), color=S.GREEN, buff=0, stroke_width=3)
                cap = S.text(self.words("caption", head=h + 1, distance=f"{float(f.distance[0, h]):.0f}",
                                        self=num.percent(float(f.self_share[0, h])).screen), S.SMALL, S.ACCENT)
                cap.next_to(hm, DOWN, buff=0.15)
                g = Group(hm, box, cap)
                col.place(g)
                self.play(FadeIn(hm), Create(box), FadeIn(cap), run_time=cue.until(mark))
            uni = S.text(self.words("even"), S.SMALL, S.MUTED)
            L.FOOTER.place(uni, aligned=LEFT)
            card = CitationCard(self.words("vit_paper"), self.words("vit_where"),
                                max_width=L.FOOTER.width - uni.width - 0.5)
            self.play(FadeIn(uni), FadeIn(card), run_time=cue.until("even"))

    def distance_plot(self):
        f, H = self.facts, self.dims.H
        with self.narrate("distance-plot") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.68)
            plot = self.distance_plot_group(left.width, left.height)
            left.place(plot)
            self.play(FadeIn(plot.axes), FadeIn(plot[1]), FadeIn(plot[2]), FadeIn(plot[3]), FadeIn(plot.uniform),
                      run_time=cue.clause())
            self.play(LaggedStart(*[FadeIn(dot) for dot in plot.dots], lag_ratio=0.02), run_time=cue.clause())
            dot = VGroup(Dot(radius=0.06, color=DOT_COLOR), wrapped(self.words("dot"), S.TINY, right.width - 0.4))
            hollow = VGroup(Dot(radius=0.06, fill_opacity=0, stroke_color=DOT_COLOR, stroke_width=2),
                            wrapped(self.words("hollow"), S.TINY, right.width - 0.4))
            even = VGroup(DashedLine(ORIGIN, 0.4 * RIGHT, color=S.MUTED, dash_length=0.08),
                          S.text(self.words("even"), S.TINY, S.MUTED))
            for row in (dot, hollow, even):
                row.arrange(RIGHT, buff=0.1, aligned_edge=UP)
            key = VGroup(dot, even).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            early, late = f.thirds()
            rows = [S.text(self.words("early_mean"), S.SMALL), S.text(self.words("early_span"), S.SMALL, S.MUTED),
                    S.text(self.words("late_mean"), S.SMALL), S.text(self.words("late_span"), S.SMALL, S.MUTED)]
            if f.high_norm:
                rows.append(S.text(self.words("late_masked"), S.SMALL, S.MUTED))
            rows.append(S.text(self.words("local_count"), S.SMALL, S.ACCENT))
            if f.local_heads(early):
                rows.append(S.text(self.words("local_self"), S.SMALL, S.ACCENT))
            stats = VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            keys = VGroup(key, hollow) if f.high_norm else key
            if f.high_norm:
                keys.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            panel = VGroup(keys, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
            right.place(panel, aligned=LEFT)
            self.play(FadeIn(key), run_time=cue.clause())
            # The means as the voice compares them, with the spans; the masked late blocks; the local heads.
            self.play(*[FadeIn(t) for t in stats[:4]], run_time=cue.until("trend"))
            if f.high_norm:
                self.play(Create(plot.masked), FadeIn(hollow), FadeIn(stats[4]), run_time=cue.until("masked"))
            self.play(*[FadeIn(t) for t in stats[5 if f.high_norm else 4:]], run_time=cue.until("local"))
            self.add(CitationCard(self.words("vit_paper"), self.words("vit_where")))

    def data(self):
        f, H = self.facts, self.dims.H
        with self.narrate("data") as cue:
            self.add(Heading(self.words("heading")))
            # Two citation cards (three with the data sizes) stack above the footer strip: keep the panels clear.
            in21k = "in21k" in resolve_source(self.inputs.model, self.inputs.weights)[0]
            left, right = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + (0.85 if in21k else 0.45),
                                   L.MAIN.top).split(0.55)
            plot = self.distance_plot_group(left.width, left.height)
            early, _ = f.thirds()
            local = f.local_heads(early)
            left.place(plot)
            plot.remove(plot.masked)
            self.add(plot)
            rings = VGroup(*[plot.dots[b * H + h].copy().set_fill(opacity=0).set_stroke(S.ACCENT, 3).scale(2.2)
                             for b, h in local])
            claim = VGroup(
                S.text(self.words("who"), S.SMALL, S.MUTED),
                wrapped(self.words("claim"), S.BODY, right.width),
                wrapped(self.words("this_model"), S.SMALL, right.width, S.ACCENT),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            right.place(claim, aligned=LEFT)
            # NeurIPS 2021 / arXiv v2 numbering
            raghu = CitationCard(self.words("raghu_paper"), self.words("raghu_where"))
            self.play(FadeIn(claim[:2]), FadeIn(raghu), run_time=cue.until("raghu"))
            self.play(FadeIn(claim[2]), Create(rings) if len(rings) else FadeIn(claim[2]), run_time=cue.until("ours"))
            if in21k:
                data = wrapped(self.words("sizes"), S.TINY, right.width, S.MUTED)
                data.next_to(claim, DOWN, buff=0.4, aligned_edge=LEFT)
                sizes = CitationCard(self.words("vit_paper"), self.words("vit_where"), self.words("vit_detail"))
                sizes.next_to(raghu, UP, buff=0.1, aligned_edge=RIGHT)
                self.play(FadeIn(data), FadeIn(sizes), run_time=cue.clause())

    def recap(self):
        with self.narrate("recap") as cue:
            take = wrapped(self.words("takeaway"), S.BODY, L.MAIN.width - 1.5)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            L.MAIN.place(VGroup(box, take))
            michel = CitationCard(self.words("michel_paper"), self.words("michel_where"), max_width=box.width - 0.2)
            michel.next_to(box, DOWN, buff=0.3, aligned_edge=RIGHT)
            self.play(FadeIn(box), FadeIn(take), FadeIn(michel), run_time=cue.clause())
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("teaser"))), run_time=cue.until("next"))
