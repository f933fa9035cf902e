"""Phase 2, lesson 8: Twelve heads, twelve different ways to read the image.

How the heads share one block: the width D is cut into H slices of D/H (the qkv weight (3D, D) in slices, the
parameter count unchanged whatever H), the heads' outputs concatenated and mixed by the output projection;
then what the heads do on the photo: every head's CLS map in the first and the last block, how alike the
heads' maps are, and every head's mean attention distance (ViT paper Fig. 7 right). Every number, map and
sentence about them comes from scenes.p2_04_twelve_heads.facts on the trace; the head counts of the ViT family are the papers'.

    manim -ql scenes/p2_04_twelve_heads/scene.py TwelveHeads
"""
from __future__ import annotations

import colorsys

import numpy as np
from manim import (DOWN, LEFT, ORIGIN, RIGHT, UP, Brace, Create, DashedLine, Dot, FadeIn, FadeOut, Group, LaggedStart, Line,
                   Rectangle, RoundedRectangle, SurroundingRectangle, VGroup, Write)

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
from scenes.p2_04_twelve_heads.facts import HeadFacts, cached_head_facts
from vitmath.sources import resolve_source

VIT_PAPER = "Dosovitskiy et al. 2021, An Image is Worth 16x16 Words"
DEIT_PAPER = "Touvron et al. 2021, Training data-efficient image transformers (DeiT)"
RAGHU_PAPER = "Raghu et al. 2021, Do Vision Transformers See Like Convolutional Neural Networks?"
# (name, spoken name, width D, heads, source): ViT paper Table 1 for B/L/H, DeiT paper Table 1 for Ti/S.
FAMILY = (("ViT-Ti", "ViT-Tiny", 192, 3, "DeiT"), ("ViT-S", "ViT-Small", 384, 6, "DeiT"),
          ("ViT-B", "ViT-Base", 768, 12, "ViT"), ("ViT-L", "ViT-Large", 1024, 16, "ViT"),
          ("ViT-H", "ViT-Huge", 1280, 16, "ViT"))
TITLE_HEADS = 12  # the title's count: ViT-B's (ViT paper Table 1)
MAP_CMAP = "inferno"
# Maps spreading over more than this share of the patches (by exp(entropy)) count as nearly flat.
FLAT_SHARE = 0.9
CORR_CMAP = "coolwarm"


def head_colors(H: int) -> list[str]:
    """One distinct hue per head, evenly around the colour wheel, light enough for the dark background."""
    out = []
    for h in range(H):
        r, g, b = colorsys.hls_to_rgb(h / H, 0.62, 0.65)
        out.append("#%02X%02X%02X" % (round(255 * r), round(255 * g), round(255 * b)))
    return out


# ---------------------------------------------------------------------- sentences chosen from the numbers
def title_sentence(H: int) -> str:
    if H == TITLE_HEADS:
        return ("And the title is literal: the model on screen has twelve heads in every block, "
                "a count read from its weights.")
    return ("A word on the title: twelve is the head count of ViT-Base. "
            f"The model on screen has {H} heads in every block, a count read from its weights.")


def family_row(D: int, H: int):
    return next((row for row in FAMILY if row[2] == D and row[3] == H), None)


def family_sentence(D: int, H: int) -> str:
    row = family_row(D, H)
    if row is not None:
        return f"The model on screen, {D} wide with {H} heads, is the {row[1]} row."
    return f"The model on screen, {D} wide with {H} heads, is on none of these rows."


def self_sentence(f: HeadFacts) -> str:
    keep = float(f.cls_self[0].max())
    if keep > 0.5:
        amount = ("more than 99.9 percent of one head's attention" if keep > 0.999
                  else f"up to {num.percent(keep, 1).spoken} of a head's attention")
        return (f"In block 1, the CLS token keeps {amount} on itself, "
                f"so each map shows how the rest, the attention to the patches, is shared among them.")
    return "Each map shows how the CLS token's attention to the patches is shared among them."


def peak_sentence(f: HeadFacts, N: int) -> str:
    early, late = (float(f.effective_patches[k].mean()) for k in (0, 1))
    s = (f"Judged by its entropy, a head's map in block 1 spreads over {early:.0f} of the {N} patches on average; "
         f"in block {f.depth}, over {late:.0f}.")
    if late < 0.8 * early:
        return s + " The last block's heads focus harder."
    if early < 0.8 * late:
        return s + " Here the first block's heads focus harder."
    return s + " Both blocks spread about as widely."


def heads_sentence(f: HeadFacts, course_photo: bool) -> str:
    """What the last block's heads do differently: on the course photo, how much of each lands on the cat."""
    late = f.quadrant_share[1]
    area = f.quadrant_patches / f.cls_maps[0, 0].numel()
    if course_photo:
        more = [h + 1 for h in range(f.H) if float(late[h]) > 1.2 * area]
        less = [h + 1 for h in range(f.H) if float(late[h]) < 0.8 * area]
        s = f"And the heads differ. The cat fills {num.percent(area).spoken} of the patches; in block {f.depth}, "
        if more and less:
            return s + (f"{_heads(more).lower()} {'gives' if len(more) == 1 else 'give'} it more than that share, "
                        f"{_heads(less).lower()} less.")
        if more:
            return s + f"{_heads(more).lower()} {'gives' if len(more) == 1 else 'give'} it more than that share."
        if less:
            return s + f"{_heads(less).lower()} {'gives' if len(less) == 1 else 'give'} it less than that share."
        return s + "no head gives it much more or less than that share."
    lo, hi = float(f.effective_patches[1].min()), float(f.effective_patches[1].max())
    return (f"And the heads differ: in block {f.depth}, the narrowest map spreads over {lo:.0f} patches, "
            f"the widest over {hi:.0f}.")


def _heads(hs: list[int]) -> str:
    return f"Head {hs[0]}" if len(hs) == 1 else "Heads " + spoken_list([str(h) for h in hs])


def corr_word(c: float) -> str:
    if c < 0.3:
        return "largely different"
    if c < 0.7:
        return "related, but far from identical"
    return "much alike"


def corr_sentence(f: HeadFacts) -> str:
    early, late = (float(f.mean_corr[b]) for b in f.blocks)
    corr = f.head_corr[0]
    i, j = np.unravel_index(int(np.argmin(np.where(np.eye(f.H, dtype=bool), np.inf, corr.numpy()))), corr.shape)
    s = (f"In block 1, the heads' maps correlate by {early:.2f} on average: {corr_word(early)}. "
         f"The most different pair there, heads {i + 1} and {j + 1}, correlate by {float(corr[i, j]):.2f}. "
         f"In block {f.depth}, the average is {late:.2f}: {corr_word(late)}.")
    n = f.cls_maps[0, 0].numel()
    if float(f.effective_patches.min()) > FLAT_SHARE * n:
        s += " But every one of these maps is nearly flat, so these are patterns in small ripples."
    return s


def example_heads(f: HeadFacts) -> tuple[int, int]:
    """The nearest- and the farthest-looking head of block 1."""
    return int(f.distance[0].argmin()), int(f.distance[0].argmax())


def example_sentence(f: HeadFacts) -> str:
    near, far = example_heads(f)
    return (f"Here is the centre patch, seen by two heads of block 1. Head {near + 1} scores "
            f"{f.distance[0, near]:.0f} pixels over all patches, head {far + 1} scores {f.distance[0, far]:.0f}.")


def trend_sentence(f: HeadFacts) -> str:
    early, late = f.thirds()
    e, l_ = float(f.distance[early].mean()), float(f.distance[late].mean())
    names = f"blocks 1 to {early[-1] + 1}" if len(early) > 1 else "block 1"
    lnames = f"blocks {late[0] + 1} to {late[-1] + 1}" if len(late) > 1 else f"block {f.depth}"
    if l_ > 1.2 * e:
        return f"Distances grow with depth: {names} average {e:.0f} pixels, and {lnames}, {l_:.0f}."
    if e > 1.2 * l_:
        return f"Here distances shrink with depth: {names} average {e:.0f} pixels, and {lnames}, {l_:.0f}."
    return f"Distances barely change with depth: {names} average {e:.0f} pixels, and {lnames}, {l_:.0f}."


def spread_sentence(f: HeadFacts) -> str:
    early, late = f.thirds()
    e, l_ = f.spread(early), f.spread(late)
    if e > 1.5 * l_:
        return (f"Early on, the heads of one block disagree, spanning {e:.0f} pixels from near to far; "
                f"late, only {l_:.0f}.")
    if l_ > 1.5 * e:
        return (f"The heads of one block span {e:.0f} pixels on average early on, and {l_:.0f} late: "
                f"here the late heads disagree more.")
    return f"Within one block, the heads span about {e:.0f} pixels early and {l_:.0f} late."


def local_sentence(f: HeadFacts) -> str:
    early, _ = f.thirds()
    local = f.local_heads(early)
    cutoff = f"{f.local_cutoff:.0f}"
    if not local:
        return (f"None of the early heads stays under {cutoff} pixels, half the even spread: "
                f"no head here is local.")
    n = len(local)
    return f"{n} of the {len(early) * f.H} early heads stay under {cutoff} pixels, half the even spread: they look near."


def data_sentence(model_name: str, f: HeadFacts) -> str:
    """`model_name` as the user named it (timm's default tag would name pre-training even for a weights file)."""
    early, _ = f.thirds()
    has_local = bool(f.local_heads(early))
    local = "it does have local early heads" if has_local else "its early heads are not local"
    if "in21k" in model_name:
        return (f"Our model's name says it was pre-trained on ImageNet-21k, about 14 million images: "
                f"far fewer than JFT's 300 million, and {local}.")
    return f"Whatever this model was trained on, {local}."


class TwelveHeads(NarratedScene):

    def extra_values(self):
        d = self.trace.dims
        self.facts = f = cached_head_facts(self.inputs.model, self.inputs.weights, self.inputs.image)
        tried = list(f.params_by_heads)
        return {
            "title_sentence": title_sentence(d.H),
            "family_sentence": family_sentence(d.D, d.H),
            "head_dim": d.head_dim,
            "qkv_shape": num.shape(*f.qkv_shape),
            "attn_params": num.integer(f.attn_params),
            "tried_heads": spoken_list([str(h) for h in tried]),
            "num_tokens": d.T,
            "self_sentence": self_sentence(f),
            "peak_sentence": peak_sentence(f, d.N),
            "heads_sentence": heads_sentence(f, is_course_photo(self.inputs.image)),
            "corr_sentence": corr_sentence(f),
            "example_sentence": example_sentence(f),
            "uniform_distance": f"{f.uniform_distance:.0f}",
            "trend_sentence": trend_sentence(f),
            "spread_sentence": spread_sentence(f),
            "local_sentence": local_sentence(f),
            "data_sentence": data_sentence(resolve_source(self.inputs.model, self.inputs.weights)[0], f),
        }

    def cues(self):
        return [self.hook, self.family, self.split, self.params, self.concat, self.maps, self.maps_read,
                self.similarity, self.distance_def, self.distance_plot, self.data, self.recap]

    # ------------------------------------------------------------------ what the cues share
    def multiples(self, width: float, height: float) -> SmallMultiples:
        f, H = self.facts, self.dims.H
        return SmallMultiples(f.cls_maps, ["block 1", f"block {f.depth}"], [f"head {h + 1}" for h in range(H)],
                              picture=self.trace.picture, cmap=MAP_CMAP, vmin=0.0, vmax=float(f.cls_maps.max()),
                              label="attention share", width=width, height=height)

    def distance_plot_group(self, width: float, height: float) -> VGroup:
        """Block on x, mean attention distance (px) on y, one dot per head, each head in its own colour; a
        dashed line at the distance of uniform attention."""
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
        x_name = S.text("block", S.SMALL, S.INK).next_to(axes[0], DOWN, buff=0.45)
        y_name = S.text("mean attention distance (px)", S.SMALL, S.INK).rotate(np.pi / 2)
        y_name.next_to(labels, LEFT, buff=0.15)
        uni = DashedLine(at(-0.5, f.uniform_distance), at(depth - 0.5, f.uniform_distance), color=S.MUTED,
                         dash_length=0.08)
        colors = head_colors(H)
        # Heads side by side within a block's slot, so dots at equal distances do not hide each other.
        jitter = np.linspace(-0.25, 0.25, H) if H > 1 else np.zeros(1)
        dots = VGroup(*[Dot(at(b + jitter[h], float(dist[b, h])), radius=0.06, color=colors[h])
                        for b in range(depth) for h in range(H)])
        group = VGroup(axes, labels, x_name, y_name, uni, dots)
        group.axes, group.dots, group.uniform = axes, dots, uni
        return group

    # ------------------------------------------------------------------ cues
    def hook(self):
        f, H = self.facts, self.dims.H
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.25)
            sm = SmallMultiples(f.cls_maps[1:], [f"block {f.depth}"], [f"head {h + 1}" for h in range(H)],
                                picture=self.trace.picture, cmap=MAP_CMAP, vmin=0.0,
                                vmax=float(f.cls_maps[1].max()), label="attention share",
                                width=L.MAIN.width, height=L.MAIN.height - 1.2)
            head = S.text(f"{H} heads in one block, {H} maps of the same photo", S.BODY, S.ACCENT)
            L.MAIN.place(Group(sm, head).arrange(DOWN, buff=0.4))
            self.play(FadeIn(sm), run_time=cue.share(0.15))
            self.play(FadeIn(head), run_time=cue.share(0.1))

    def family(self):
        d = self.dims
        with self.narrate("family") as cue:
            self.add(Heading("How many heads? It depends on the model"))
            mine = family_row(d.D, d.H)
            header = ["model", "width D", "heads H", "head size D/H", "source"]
            rows = [[name, str(D), str(H), str(D // H), f"{src} paper, Table 1"] for name, _, D, H, src in FAMILY]
            if mine is None:
                rows.append(["this model", str(d.D), str(d.H), str(d.head_dim), "read from its weights"])
            highlight = FAMILY.index(mine) if mine else len(rows) - 1
            table = self.table(header, rows)
            L.MAIN.place(table, aligned=UP)
            box = SurroundingRectangle(table[1][highlight], color=S.ACCENT, buff=0.1)
            note = S.text(f"the model on screen: D = {d.D}, H = {d.H}, read from its weights", S.SMALL, S.ACCENT)
            note.next_to(table, DOWN, buff=0.35)
            self.play(FadeIn(table[0]), run_time=cue.share(0.1))
            self.play(LaggedStart(*[FadeIn(r) for r in table[1]], lag_ratio=0.3), run_time=cue.share(0.4))
            cites = VGroup(CitationCard(VIT_PAPER, "Table 1", "ViT-B/L/H"),
                           CitationCard(DEIT_PAPER, "Table 1", "Ti and S")).arrange(UP, aligned_edge=RIGHT,
                                                                                      buff=0.1)
            cites.move_to(L.FOOTER.point(DOWN + RIGHT), aligned_edge=DOWN + RIGHT)
            self.play(FadeIn(cites), run_time=cue.share(0.1))
            self.play(Create(box), FadeIn(note), run_time=cue.share(0.15))

    def table(self, header: list[str], rows: list[list[str]]) -> VGroup:
        """A plain grid of texts, columns left-aligned: table[0] the header and its rule, table[1] the rows."""
        cells = [[S.text(h, S.SMALL, S.MUTED) for h in header]]
        cells += [[S.text(c, S.SMALL, S.INK, mono=(k in (1, 2, 3))) for k, c in enumerate(r)] for r in rows]
        widths = [max(row[k].width for row in cells) for k in range(len(header))]
        xs = np.cumsum([0] + [w + 0.6 for w in widths[:-1]])
        row_h = 0.55
        for i, row in enumerate(cells):
            for k, c in enumerate(row):
                c.move_to([xs[k], -i * row_h, 0], aligned_edge=LEFT)
        head = VGroup(*cells[0])
        body = VGroup(*[VGroup(*row) for row in cells[1:]])
        rule = Line(head.get_corner(DOWN + LEFT) + 0.12 * DOWN, [xs[-1] + widths[-1], head.get_bottom()[1] - 0.12, 0],
                    color=S.MUTED, stroke_width=1)
        return VGroup(VGroup(head, rule), body)

    def split(self):
        d = self.dims
        bt = self.trace.blocks[0]
        colors = head_colors(d.H)
        with self.narrate("split") as cue:
            self.add(Heading("Heads split the width: D = H × D/H"))
            left, right = L.MAIN.split(0.38)
            weight = self.model_qkv_weight()  # (3D, D)
            mat = MatrixImage(weight, height=left.height - 1.1, width=min(2.0, left.width * 0.45),
                              row_label=None, col_label="{n} inputs", shape_text=True)
            left.place(mat, aligned=LEFT)
            mat.shift(0.3 * RIGHT)
            key = ScaleKey(CORR_CMAP, mat.vmin, mat.vmax, width=1.0).next_to(mat.shape_label, DOWN, buff=0.15)
            key.align_to(mat.image, LEFT)
            # One translucent band per head slice: rows [part * D + h * d, part * D + (h + 1) * d).
            bands, names = VGroup(), VGroup()
            rh = mat.image.height / (3 * d.D)
            top = mat.image.get_top()[1]
            for part, name in enumerate(("q", "k", "v")):
                for h in range(d.H):
                    y0 = top - (part * d.D + h * d.head_dim) * rh
                    band = Rectangle(width=mat.image.width, height=d.head_dim * rh, stroke_width=0.8,
                                     stroke_color=colors[h], fill_color=colors[h], fill_opacity=0.16)
                    band.move_to([mat.image.get_x(), y0 - d.head_dim * rh / 2, 0])
                    bands.add(band)
                third = Line([0, top - part * d.D * rh, 0], [0, top - (part + 1) * d.D * rh, 0])
                third.next_to(mat.image, RIGHT, buff=0.12).set_y(top - (part + 0.5) * d.D * rh)
                brace = Brace(third, RIGHT, buff=0, color=S.MUTED)
                names.add(VGroup(brace, S.text(f"{name}: {d.D} rows", S.SMALL).next_to(brace, RIGHT, buff=0.1)))
            self.play(FadeIn(mat), FadeIn(key), run_time=cue.share(0.12))
            self.play(FadeIn(names), run_time=cue.share(0.15))
            self.play(LaggedStart(*[FadeIn(b) for b in bands], lag_ratio=0.05), run_time=cue.share(0.2))

            # The CLS token's query in block 1, cut into the heads' slices.
            q = bt.q[:, 0, :].reshape(-1)  # (H, d) -> (D,): head h's slice is q[h * d:(h + 1) * d]
            bar = VectorBar(q, width=right.width - 1.8, label="q of CLS", length_name="D")
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
            heads_word = S.text("head", lab_size, S.MUTED).next_to(head_labels, LEFT, buff=0.15)
            heads_word.align_to(head_labels, DOWN)
            reshape = tex(rf"({d.T},\ {d.D}) \;\to\; ({d.T},\ {d.H},\ {d.head_dim})", S.BODY)
            each = wrapped(f"each head: its own {d.head_dim} numbers of every query, key and value "
                           f"(D/H = {d.D}/{d.H} = {d.head_dim})", S.SMALL, right.width - 0.3)
            under = VGroup(reshape, each).arrange(DOWN, buff=0.4, aligned_edge=LEFT)
            under.next_to(bar, DOWN, buff=0.6).align_to(bar, LEFT)
            self.play(FadeIn(bar), run_time=cue.share(0.1))
            self.play(Create(slices), FadeIn(head_labels), FadeIn(heads_word), run_time=cue.share(0.15))
            self.play(Write(reshape), FadeIn(each), run_time=cue.share(0.15))

    def model_qkv_weight(self) -> np.ndarray:
        from vitmath.model import load_model

        model = load_model(self.inputs.model, self.inputs.weights)
        return model.blocks[0].attn.qkv.weight.detach().numpy()

    def params(self):
        d, f = self.dims, self.facts
        with self.narrate("params") as cue:
            self.add(Heading("More heads, no more parameters"))
            D = d.D
            count = tex(r"3D \cdot D + 3D \;+\; D \cdot D + D \;=\; 4D^2 + 4D", S.HEADING)
            legend = S.text("qkv weight + bias, output projection weight + bias; no H anywhere", S.SMALL, S.MUTED)
            measured = S.text(f"counted on this model (block 1, D = {D}): {num.integer(f.attn_params).screen}",
                              S.BODY, S.ACCENT)
            top = VGroup(count, legend, measured).arrange(DOWN, buff=0.3)
            L.MAIN.place(top, aligned=UP)
            self.play(Write(count), FadeIn(legend), run_time=cue.share(0.15))
            self.play(FadeIn(measured), run_time=cue.share(0.15))
            rows = VGroup()
            for h, n in f.params_by_heads.items():
                color = S.ACCENT if h == d.H else S.INK
                cells = [S.text(f"{h} head{'s' if h > 1 else ''} of {D // h}", S.SMALL, color, mono=True),
                         S.text(f"{num.integer(n).screen} parameters", S.SMALL, color, mono=True)]
                if h == d.H:
                    cells.append(S.text("← this model", S.SMALL, color))
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
            cap = S.text(f"the same layer rebuilt at width {D} (timm Attention), parameters counted:", S.SMALL,
                         S.MUTED)
            block = VGroup(cap, rows).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
            block.next_to(top, DOWN, buff=0.5)
            if block.get_bottom()[1] < L.MAIN.bottom:
                L.MAIN.place(VGroup(top, block), aligned=UP)
            self.play(FadeIn(cap), run_time=cue.share(0.08))
            self.play(LaggedStart(*[FadeIn(r) for r in rows], lag_ratio=0.3), run_time=cue.share(0.3))
            same = all(n == f.attn_params for n in f.params_by_heads.values())
            verdict = S.text("all equal" if same else "not all equal", S.BODY, S.GREEN if same else S.RED)
            verdict.next_to(rows, DOWN, buff=0.3).align_to(rows, LEFT)
            self.play(FadeIn(verdict), run_time=cue.share(0.08))

    def concat(self):
        d = self.dims
        bt = self.trace.blocks[0]
        colors = head_colors(d.H)
        heads = (bt.attn @ bt.v).numpy()                      # (H, T, d): each head's weighted sum of values
        cat = np.concatenate(list(heads), axis=1)             # (T, D): the heads side by side
        with self.narrate("concat") as cue:
            self.add(Heading("Concatenate the heads, then mix them (block 1)"))
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
            head_word = S.text("head", S.TINY, S.MUTED).next_to(tags, UP, buff=0.08)
            one = S.text(num.shape(d.T, d.head_dim).screen + " each", S.SMALL, S.ACCENT, mono=True)
            one.next_to(parts, DOWN, buff=0.2)
            self.play(FadeIn(parts), FadeIn(tags), FadeIn(head_word), FadeIn(one), run_time=cue.share(0.15))
            slots = [joined.image.get_left() + (h + 0.5) * slice_w * RIGHT for h in range(d.H)]
            moves = [parts[h].animate.set_x(slots[h][0]) for h in range(d.H)]
            moves += [tags[h].animate.set_x(slots[h][0]) for h in range(d.H)]
            moves.append(head_word.animate.set_x(joined.image.get_x()))
            self.play(*moves, FadeOut(one), run_time=cue.share(0.15))
            self.add(joined.image)
            self.remove(*parts)
            self.play(FadeIn(joined.shape_label), run_time=cue.share(0.05))
            out_l = S.text("attention output", S.TINY, S.MUTED).next_to(out.image, UP, buff=0.1)
            wo_l = S.text("output projection", S.TINY, S.MUTED).next_to(wo.image, UP, buff=0.1)
            self.play(FadeIn(times), FadeIn(wo), FadeIn(wo_l), run_time=cue.share(0.15))
            self.play(FadeIn(eq), FadeIn(out), FadeIn(out_l), run_time=cue.share(0.15))
            key = ScaleKey(CORR_CMAP, -m, m, width=1.2)
            key_l = S.text("head outputs (clipped at the 99th percentile of |value|):", S.TINY, S.MUTED)
            keys = Group(key_l, key).arrange(RIGHT, buff=0.15)
            note = S.text("W_o and the output: each on its own ± scale; zero is grey", S.TINY, S.MUTED)
            L.FOOTER.place(Group(keys, note).arrange(RIGHT, buff=0.5), aligned=LEFT)
            self.play(FadeIn(keys), FadeIn(note), run_time=cue.share(0.05))

    def model_proj_weight(self) -> np.ndarray:
        from vitmath.model import load_model

        model = load_model(self.inputs.model, self.inputs.weights)
        return model.blocks[0].attn.proj.weight.detach().numpy()

    def maps(self):
        f = self.facts
        with self.narrate("maps") as cue:
            self.add(Heading(f"Every head's CLS map: block 1 and block {f.depth}"))
            sm = self.multiples(L.MAIN.width, L.MAIN.height)
            L.MAIN.place(sm)
            rule = S.text("rule: the first and the last block", S.TINY, S.MUTED)
            L.FOOTER.place(rule, aligned=LEFT)
            self.play(FadeIn(sm.row_labels), FadeIn(sm.col_labels), FadeIn(rule), run_time=cue.share(0.1))
            self.play(LaggedStart(*[FadeIn(c) for c in sm.cells[0]], lag_ratio=0.2), run_time=cue.share(0.2))
            self.play(LaggedStart(*[FadeIn(c) for c in sm.cells[1]], lag_ratio=0.2), FadeIn(sm.colorbar),
                      run_time=cue.share(0.2))
            self.add(sm)

    def maps_read(self):
        f, d = self.facts, self.dims
        with self.narrate("maps-read") as cue:
            self.add(Heading(f"Every head's CLS map: block 1 and block {f.depth}"))
            sm = self.multiples(L.MAIN.width, L.MAIN.height - 0.45)
            L.MAIN.place(sm)
            sm.shift(0.2 * UP)  # room under the last row for the shares on the cat
            self.add(sm)
            # Under each map: how many patches it spreads over (exp of its entropy).
            notes = VGroup()
            for r in range(2):
                for h in range(d.H):
                    t = S.text(f"{float(f.effective_patches[r, h]):.0f}", S.TINY, S.ACCENT, mono=True)
                    cell = sm.cell(r, h)
                    if t.width > 0.4 * cell.width:  # many heads, small maps: keep most of the map visible
                        t.scale_to_fit_width(0.4 * cell.width)
                    t.move_to(cell.get_corner(DOWN + RIGHT) + np.array([-0.05, 0.05, 0]), aligned_edge=DOWN + RIGHT)
                    back = RoundedRectangle(corner_radius=0.04, width=t.width + 0.1, height=t.height + 0.08,
                                            stroke_width=0, fill_color=S.BACKGROUND, fill_opacity=0.8).move_to(t)
                    notes.add(VGroup(back, t))
            legend = S.text(f"orange numbers: patches each map spreads over (of {d.N}), from its entropy",
                            S.TINY, S.ACCENT)
            L.FOOTER.place(legend, aligned=LEFT)
            self.play(FadeIn(notes), FadeIn(legend), run_time=cue.share(0.2))
            if is_course_photo(self.inputs.image):
                shares = VGroup()
                for h in range(d.H):
                    cell = sm.cell(1, h)
                    box = Rectangle(width=cell.width / 2, height=cell.height / 2, stroke_color=S.BLUE,
                                    stroke_width=2).move_to(cell.get_corner(DOWN + RIGHT), aligned_edge=DOWN + RIGHT)
                    pct = S.text(num.percent(float(f.quadrant_share[1, h])).screen, S.TINY, S.BLUE)
                    pct.next_to(cell, DOWN, buff=0.08)
                    if pct.width > 0.9 * cell.width:
                        pct.scale_to_fit_width(0.9 * cell.width)
                    shares.add(VGroup(box, pct))
                on_cat = S.text("on the cat", S.TINY, S.BLUE).next_to(shares[0][1], LEFT, buff=0.15)
                on_cat.align_to(sm.row_labels, RIGHT)
                shares.add(on_cat)
                self.play(FadeIn(shares), run_time=cue.share(0.2))

    def similarity(self):
        f, d = self.facts, self.dims
        with self.narrate("similarity") as cue:
            self.add(Heading("How alike are the heads? Correlate their maps"))
            cols = L.MAIN.columns(2, gutter=0.8)
            mats = Group()
            for k, (col, b) in enumerate(zip(cols, f.blocks)):
                corr = f.head_corr[k].numpy()
                m = MatrixImage(corr, cmap=CORR_CMAP, vmin=-1.0, vmax=1.0, height=min(col.height - 1.6, 3.6),
                                width=min(col.height - 1.6, 3.6), colorbar=True,
                                colorbar_label="correlation", shape_text=True)
                title = S.text(f"block {b + 1}: mean of pairs {float(f.mean_corr[b]):.2f}", S.SMALL, S.ACCENT)
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
                axis = S.text("head × head", S.TINY, S.MUTED).next_to(m.image, DOWN, buff=0.2, aligned_edge=LEFT)
                g = Group(title, m, labels, axis)
                col.place(g)
                mats.add(g)
            what = S.text("Pearson correlation of two heads' CLS maps over the patches", S.TINY, S.MUTED)
            L.FOOTER.place(what, aligned=LEFT)
            self.play(FadeIn(mats[0]), FadeIn(what), run_time=cue.share(0.3))
            self.play(FadeIn(mats[1]), run_time=cue.share(0.3))

    def distance_def(self):
        f, d = self.facts, self.dims
        near, far = example_heads(f)
        centre = (d.grid // 2) * d.grid + d.grid // 2
        bt = self.trace.blocks[0]
        with self.narrate("distance-def") as cue:
            self.add(Heading("Mean attention distance: how far a head looks"))
            formula = tex(r"\text{distance}_h = \frac{1}{N}\sum_{i}\sum_{j} a^h_{ij}\,\lVert p_i - p_j \rVert",
                          S.BODY)
            where = S.text("a: attention from patch i to patch j (renormalised over patches); "
                           "p: patch centres in pixels", S.TINY, S.MUTED)
            top = VGroup(formula, where).arrange(DOWN, buff=0.15)
            L.MAIN.place(top, aligned=UP)
            self.play(Write(formula), FadeIn(where), run_time=cue.share(0.2))
            cols = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, top.get_bottom()[1] - 0.3).columns(2, 0.8)
            row = bt.attn[:, 1 + centre, 1:].double()
            row = row / row.sum(-1, keepdim=True)   # (H, N): where the centre patch looks, over the patches
            for col, h in zip(cols, (near, far)):
                # Each map on its own scale (its bar says which): a far-looking head's weights are all small.
                hm = HeatmapOnPhoto(self.trace.picture, row[h].reshape(d.grid, d.grid).numpy(), MAP_CMAP, 0.0, None,
                                    label="attention share", height=col.height - 0.6)
                box = SurroundingRectangle(Rectangle(width=hm.image.height / d.grid, height=hm.image.height / d.grid)
                                           .move_to(hm.cell_center(centre)), color=S.GREEN, buff=0, stroke_width=3)
                cap = S.text(f"block 1, head {h + 1}: {float(f.distance[0, h]):.0f} px over all patches", S.SMALL,
                             S.ACCENT)
                cap.next_to(hm, DOWN, buff=0.15)
                g = Group(hm, box, cap)
                col.place(g)
                self.play(FadeIn(hm), Create(box), FadeIn(cap), run_time=cue.share(0.15))
            uni = S.text(f"even spread over all patches: {f.uniform_distance:.0f} px", S.SMALL, S.MUTED)
            L.FOOTER.place(uni, aligned=LEFT)
            self.play(FadeIn(uni), run_time=cue.share(0.1))

    def distance_plot(self):
        f, H = self.facts, self.dims.H
        with self.narrate("distance-plot") as cue:
            self.add(Heading("Every head of every block: how far it looks"))
            left, right = L.MAIN.split(0.68)
            plot = self.distance_plot_group(left.width, left.height)
            left.place(plot)
            self.play(FadeIn(plot.axes), FadeIn(plot[1]), FadeIn(plot[2]), FadeIn(plot[3]), run_time=cue.share(0.1))
            self.play(FadeIn(plot.uniform), run_time=cue.share(0.05))
            self.play(LaggedStart(*[FadeIn(dot) for dot in plot.dots], lag_ratio=0.02), run_time=cue.share(0.25))
            colors = head_colors(H)
            key = VGroup(*[VGroup(Dot(radius=0.06, color=colors[h]), S.text(f"head {h + 1}", S.TINY, S.INK))
                           .arrange(RIGHT, buff=0.1) for h in range(H)])
            key.arrange_in_grid(cols=1 if H <= 6 else 2, col_alignments="ll" if H > 6 else "l", buff=(0.3, 0.12))
            even = VGroup(DashedLine(ORIGIN, 0.4 * RIGHT, color=S.MUTED, dash_length=0.08),
                          S.text(f"even spread: {f.uniform_distance:.0f} px", S.TINY, S.MUTED)).arrange(RIGHT, buff=0.1)
            key = VGroup(key, even).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            early, late = f.thirds()
            stats = VGroup(
                S.text(f"blocks 1–{early[-1] + 1}: mean {float(f.distance[early].mean()):.0f} px", S.SMALL),
                S.text(f"  heads span {f.spread(early):.0f} px", S.SMALL, S.MUTED),
                S.text(f"blocks {late[0] + 1}–{late[-1] + 1}: mean {float(f.distance[late].mean()):.0f} px",
                       S.SMALL),
                S.text(f"  heads span {f.spread(late):.0f} px", S.SMALL, S.MUTED),
                S.text(f"local (< {f.local_cutoff:.0f} px), early: {len(f.local_heads(early))} of "
                       f"{len(early) * H}", S.SMALL, S.ACCENT),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            panel = VGroup(key, stats).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
            right.place(panel, aligned=LEFT)
            self.play(FadeIn(key), run_time=cue.share(0.05))
            self.play(LaggedStart(*[FadeIn(s) for s in stats], lag_ratio=0.4), run_time=cue.share(0.35))
            self.add(CitationCard(VIT_PAPER, "Fig. 7 (right)"))

    def data(self):
        f, H = self.facts, self.dims.H
        with self.narrate("data") as cue:
            self.add(Heading("Local heads are learned, not built in"))
            # Two citation cards stack above the footer strip: keep the panels clear of them.
            left, right = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 0.45, L.MAIN.top).split(0.55)
            plot = self.distance_plot_group(left.width, left.height)
            early, _ = f.thirds()
            local = f.local_heads(early)
            left.place(plot)
            self.add(plot)
            rings = VGroup(*[plot.dots[b * H + h].copy().set_fill(opacity=0).set_stroke(S.ACCENT, 3).scale(2.2)
                             for b, h in local])
            claim = VGroup(
                S.text("Raghu et al. 2021:", S.SMALL, S.MUTED),
                wrapped("with less pre-training data, the early heads attend less locally", S.BODY, right.width),
                wrapped(f"this model: {len(local)} local heads (< {f.local_cutoff:.0f} px) in blocks 1–{early[-1] + 1}",
                        S.SMALL, right.width, S.ACCENT),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            right.place(claim, aligned=LEFT)
            raghu = CitationCard(RAGHU_PAPER, "Sec. 5, Fig. 4")  # NeurIPS 2021 / arXiv v2 numbering
            self.play(FadeIn(claim[:2]), FadeIn(raghu), run_time=cue.share(0.3))
            self.play(FadeIn(claim[2]), Create(rings) if len(rings) else FadeIn(claim[2]), run_time=cue.share(0.2))
            if "in21k" in resolve_source(self.inputs.model, self.inputs.weights)[0]:
                data = wrapped("pre-training images: ImageNet 1.3M · ImageNet-21k 14M · JFT-300M 303M", S.TINY,
                               right.width, S.MUTED)
                data.next_to(claim, DOWN, buff=0.4, aligned_edge=LEFT)
                sizes = CitationCard(VIT_PAPER, "Sec. 4.1", "dataset sizes")
                sizes.next_to(raghu, UP, buff=0.1, aligned_edge=RIGHT)
                self.play(FadeIn(data), FadeIn(sizes), run_time=cue.share(0.1))

    def recap(self):
        d = self.dims
        with self.narrate("recap") as cue:
            take = wrapped(f"Multi-head attention cuts one width into {d.H} narrower heads at no extra cost; "
                           "training teaches them to read the image differently, near or far, and one projection "
                           "mixes what they found.", S.BODY, L.MAIN.width - 1.5)
            box = RoundedRectangle(corner_radius=0.1, width=take.width + 0.5, height=take.height + 0.4)
            box.set_stroke(S.ACCENT, 1.5).move_to(take)
            L.MAIN.place(VGroup(box, take))
            self.play(FadeIn(box), FadeIn(take), run_time=cue.share(0.3))
            self.play(FadeIn(NextLessonFooter(self.lesson, "the block, stacked: what the whole model does")),
                      run_time=cue.share(0.1))
