"""Phase 1, lesson 4: One token rules them all: the CLS token.

The learned CLS vector is put in front of the patch tokens; its input is the same for every photo (shown by
running a second photo through the same model), its output after the final LayerNorm is the only row the
classifier reads (LayerNorm -> linear classifier -> softmax -> the real top-5), checked against timm's own
forward. Its attention to the patches in the last block, per head, on the photo; the high-norm patch tokens
that draw much of it (found from the tensors), and the quarter shares without them. The alternative, global
average pooling, computed through this model's own classifier (and why that is not a fair test of pooling).
What the top-5 can and cannot say about a person. Every picture and number comes from the trace,
scenes.p1_04_cls_token.facts and the model's labels; each cue builds what it shows, so any cue can be
previewed on its own.

    manim -ql scenes/p1_04_cls_token/scene.py ClsToken
"""
from __future__ import annotations

import re

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, Group, LaggedStart, Line, Rectangle, Square,
                   SurroundingRectangle, VGroup, Write)

from narration.script import Choice
from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, TopKBars, wrapped
from scenes.common.heatmaps import Heatmap, SmallMultiples
from scenes.common.matrices import MatrixImage
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import grid_cell_center
from scenes.common.pixel_image import PixelImage
from scenes.common.tokens import TokenStrip
from scenes.common.values import is_course_photo
from scenes.common.vectors import ScaleKey, VectorBar
from vitmath.analyses import cls_attention_maps
from scenes.p1_04_cls_token.facts import (HIGH_NORM_FACTOR, cached_cls_comparison, cached_pooling_facts,
                                          long_token_facts)

TOP_K = 10  # how many of a head's strongest patches the lesson sums up
# Two cosines this close are "close" (the drift chart's last bar and the one after the final LayerNorm).
CLOSE_COSINE = 0.05
# Leaving the long tokens out "barely moves" the average when the two averages' cosine is above this.
BARELY_MOVES = 0.99
# [choice.logits_agree]: the largest power of ten our classifier-on-row-0 stays within of timm's forward.
AGREE_WITHIN = ((1e-6, "millionth"), (1e-5, "hundred_thousandth"), (1e-4, "ten_thousandth"), (1e-3, "thousandth"))

# The second photo's file (every one of facts.COMPARISON_PHOTOS) -> the [choice.other_description] key that
# says what it shows.
COMPARISON_KEYS = {"chelsea.png": "cat", "astronaut.png": "astronaut"}
# Quarter keys, in quarter_weights' order; the script's [screen] names them.
QUARTERS = ("top_left", "top_right", "bottom_left", "bottom_right")
# The one spoken sentence still written here: it is said once per head, and a script cannot yet repeat.
QUARTER_SENTENCE = "Head {head}'s largest share, {share}, is in the {quarter} quarter of the image."
CHOICES = {
    "other_description": ("cat", "astronaut"),
    "fc_norm": ("identity", "applied"),
    "person_intro": ("course", "yours"),
    "person_classes": ("named", "imagenet", "none"),
    "person_indirect": ("some", "none"),
    "drift_end": ("same", "close", "apart"),
    "logits_agree": ("exact", "millionth", "hundred_thousandth", "ten_thousandth", "thousandth", "larger"),
    "long_tokens": ("found", "none"),
    "long_brightest": ("all", "some", "none"),
    "long_which": ("corners", "one", "many"),
    "long_heads": ("one", "many"),
    "long_places": ("same_corners", "same", "differ"),
    "long_masked": ("found", "none"),
    "long_average": ("barely", "moves", "none"),
}
# Whole words that would make a class name a class for people.
PERSON_WORDS = re.compile(r"\b(person|people|human|man|men|woman|women|child|children|boy|girl)\b", re.I)
# Narrower ImageNet-1k classes through which a person can show up: what people wear, and people in one role,
# as spelled in the labels; the lesson names the ones this model's labels actually contain.
CLOTHING_CLASSES = ("military uniform", "jersey", "suit")
ROLE_CLASSES = ("groom", "scuba diver", "ballplayer")
INDIRECT_CLASSES = CLOTHING_CLASSES + ROLE_CLASSES


def quarter_weights(grid: int) -> np.ndarray:
    """(4, grid, grid): the share of each patch that lies in each quarter of the image (top left, top right,
    bottom left, bottom right). With an odd grid the middle row and column are split half and half."""
    half = np.array([1.0 if k + 0.5 < grid / 2 else 0.5 if k + 0.5 == grid / 2 else 0.0 for k in range(grid)])
    first, second = half, 1.0 - half
    return np.stack([np.outer(a, b) for a in (first, second) for b in (first, second)])


def quarter_masses(maps: np.ndarray) -> np.ndarray:
    """(H, 4): each head's attention weight summed over each quarter of the image."""
    w = quarter_weights(maps.shape[-1])
    return np.einsum("hij,qij->hq", maps, w)


def topk_share(maps: np.ndarray, k: int) -> np.ndarray:
    """(H,): the weight held by each head's k strongest patches."""
    flat = maps.reshape(maps.shape[0], -1)
    return np.sort(flat, axis=1)[:, ::-1][:, :k].sum(axis=1)


def spoken_top5(top5, places: int = 0) -> str:
    return "; ".join(f"{name}, {num.percent(p, places).spoken}" for _, name, p in top5)


def exact_or_scientific(x: float) -> num.Number:
    return num.Number(0.0, "0", "0", "exactly 0") if x == 0 else num.scientific(x)


def agree_key(diff: float) -> str:
    """How close our classifier on row 0 comes to timm's forward: the largest bound of AGREE_WITHIN the
    difference stays within. Two separate computations, so exactly equal only where both round alike."""
    if diff == 0:
        return "exact"
    return next((key for bound, key in AGREE_WITHIN if diff < bound), "larger")


def fc_norm_choice(fc_norm: str) -> Choice:
    """The norm timm applies after pooling (model.fc_norm's class name): an Identity on a model built for CLS
    pooling; a model built to average its tokens has a LayerNorm there, and our readout applies it too."""
    return Choice("identity" if fc_norm == "Identity" else "applied", fc_norm_name=fc_norm)


def and_list(names: list[str]) -> str:
    """"a", "a and b", "a, b and c"; "none" for an empty list."""
    if not names:
        return "none"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def person_class_names(labels: list[str]) -> list[str]:
    """The class names that name people (PERSON_WORDS): none in ImageNet-1k, some in larger label sets."""
    return [name for name in labels if PERSON_WORDS.search(name)]


def person_classes(named: list[str], num_classes: int) -> Choice:
    """Up to three of the classes that name people, or that there are none (and, for a 1000-class model, that
    ImageNet-1k has no class for a person as such)."""
    if named:
        return Choice("named", person_names=", ".join(named[:3]))
    return Choice("imagenet" if num_classes == 1000 else "none")


def indirect_classes(labels: list[str]) -> list[str]:
    """The narrower classes through which a person can show up (INDIRECT_CLASSES) that these labels contain."""
    return [name for name in INDIRECT_CLASSES if name in labels]


def best_indirect(indirect: list[str], labels: list[str], probs: np.ndarray) -> tuple[str, float, int] | None:
    """The likeliest of those classes: (name, probability, rank from 1), or None when the labels have none."""
    if not indirect:
        return None
    order = np.argsort(-probs)
    rank = {int(i): r + 1 for r, i in enumerate(order)}
    best = max(indirect, key=lambda name: probs[labels.index(name)])
    i = labels.index(best)
    return best, float(probs[i]), rank[i]


def person_indirect(indirect: list[str], best: tuple[str, float, int] | None) -> Choice:
    """The narrower classes, split into clothing and roles, and the likeliest of them; nothing to say without."""
    if best is None:
        return Choice("none")
    name, prob, rank = best
    return Choice("some", clothing=and_list([n for n in indirect if n in CLOTHING_CLASSES]),
                  roles=and_list([n for n in indirect if n in ROLE_CLASSES]),
                  best=name, best_share=num.percent(prob, 1), best_rank=rank)


def long_keys(patches: list[int], corners: bool, brightest: list[bool], other_patches: list[int],
              pooled_cosine: float, final_ratio: float) -> dict[str, str]:
    """The keys of the long-token sentences, for a model that has high-norm patch tokens (facts.LongTokens:
    `patches`, `corners`, per head `brightest`, `pooled_cosine`, `final_ratio`; `other_patches`: the second
    photo's): in how many heads they are the brightest, which they are, whether the second photo has the same,
    and whether leaving them out moves the average."""
    heads = sum(brightest)
    barely = pooled_cosine > BARELY_MOVES and final_ratio < HIGH_NORM_FACTOR
    same = set(other_patches) == set(patches)
    return {
        "long_brightest": "all" if heads == len(brightest) else "some" if heads else "none",
        "long_which": "corners" if corners else "one" if len(patches) == 1 else "many",
        "long_heads": "one" if heads == 1 else "many",
        "long_places": ("same_corners" if corners else "same") if same else "differ",
        "long_average": "barely" if barely else "moves",
    }


class ClsToken(NarratedScene):

    def extra_values(self):
        t, d = self.trace, self.trace.dims
        inputs = self.inputs
        self.pool = p = cached_pooling_facts(inputs.model, inputs.weights, inputs.image)
        self.cmp = c = cached_cls_comparison(inputs.model, inputs.weights, inputs.image)
        self.maps = np.asarray(cls_attention_maps(t, d.depth - 1), dtype=np.float64)   # (H, grid, grid)
        self.self_weights = np.asarray(t.blocks[-1].attn[:, 0, 0], dtype=np.float64)  # (H,) CLS -> CLS
        self.quarters = quarter_masses(self.maps)                                       # (H, 4)
        self.topk = topk_share(self.maps, min(TOP_K, d.N))
        cos = np.asarray(c.cosine_by_block)
        drops = cos[:-1] - cos[1:]                   # drops[i]: the change made by block i + 1
        self.largest_drop_block = int(drops.argmax()) + 1
        k = min(TOP_K, d.N)

        # One sentence per head, and the number of heads is the model's: the script has no loop, so this one
        # sentence is still put together here (QUARTER_SENTENCE).
        quarter_sentences = " ".join(
            QUARTER_SENTENCE.format(head=h + 1, share=num.percent(self.quarters[h].max()).spoken,
                                    quarter=QUARTERS[int(self.quarters[h].argmax())].replace("_", " "))
            for h in range(d.H))

        labels = list(t.labels)
        self.person_named = person_class_names(labels)
        self.indirect = indirect_classes(labels)
        self.best_indirect = best_indirect(self.indirect, labels, np.asarray(t.probs, dtype=np.float64))
        nxt = self.lesson.next
        self.long = lt = long_token_facts(t)
        final_cos = num.decimal(c.final_cosine, 2)
        return {
            "drift_end": Choice(self.drift_end(cos[-1], c.final_cosine), final_cosine=final_cos),
            "logits_agree": Choice(agree_key(p.cls_logits_diff)),
            "logit_scale": num.decimal(p.logit_scale, 1),
            **self.long_values(lt, c),
            "num_tokens": d.T,
            "num_classes": num.integer(d.num_classes),
            "other_description": Choice(COMPARISON_KEYS[c.other_image]),
            "input_diff": exact_or_scientific(c.input_diff),
            "final_cosine": num.decimal(c.final_cosine, 2),
            "last_block_cosine": num.decimal(cos[-1], 2),
            "largest_drop": num.decimal(drops.max(), 2),
            "largest_drop_block": self.largest_drop_block,
            "cls_logits_diff": exact_or_scientific(p.cls_logits_diff),
            "num_heads": d.H,
            "top5_spoken": spoken_top5(t.top5),
            "self_weight": num.percent(self.self_weights.max(), 1),
            "quarter_sentences": quarter_sentences,
            "top_k": k,
            "topk_low": num.percent(self.topk.min()),
            "topk_high": num.percent(self.topk.max()),
            "topk_even": num.percent(k / d.N),
            "max_patch": num.percent(self.maps.max(), 1),
            "earlier_blocks": d.depth - 1,
            "fc_norm": fc_norm_choice(p.fc_norm),
            "timm_max_diff": exact_or_scientific(p.timm_max_diff),
            "pooled_top5_spoken": spoken_top5(p.top5, 1),
            "pooled_cosine": num.decimal(p.cosine_to_cls, 2),
            "norm_ratio": num.percent(p.norm_ratio),
            "person_intro": Choice("course" if is_course_photo(inputs.image) else "yours"),
            "person_classes": person_classes(self.person_named, d.num_classes),
            "person_indirect": person_indirect(self.indirect, self.best_indirect),
            "top5_mass": num.percent(sum(prob for _, _, prob in t.top5)),
            "next_title": nxt.title if nxt is not None else "the end of the course",
        }

    @staticmethod
    def drift_end(last_block: float, final: float) -> str:
        """Is the cosine after the final LayerNorm the chart's last bar, as spoken, close to it, or apart?"""
        if num.decimal(last_block, 2).spoken == num.decimal(final, 2).spoken:
            return "same"
        return "close" if abs(last_block - final) < CLOSE_COSINE else "apart"

    def long_values(self, lt, c) -> dict:
        """The values of the long-tokens sentences: [choice.long_*] and the quarters without those tokens."""
        d = self.dims
        if not lt.patches:
            return {"long_tokens": Choice("none", long_ratio=num.decimal(lt.longest_ratio, 1)),
                    "long_masked": Choice("none"), "long_average": Choice("none")}
        high = lt.patches
        lengths = sorted(float(lt.norms.reshape(-1)[i]) for i in high)
        heads = [h + 1 for h in range(d.H) if lt.brightest[h]]
        keys = long_keys(high, lt.corners, lt.brightest, c.other_high_norm, lt.pooled_cosine, lt.final_ratio)
        self.masked_quarters = quarter_masses(lt.masked_maps)                  # (H, 4)
        best = self.quarters.argmax(1)
        # Bare numbers, as num.percent rounds them: the script says "percent" once after the list.
        masked = [num.decimal(100 * self.masked_quarters[h, best[h]], 0).spoken for h in range(d.H)]
        return {
            "long_tokens": Choice("found"),
            "long_brightest": Choice(keys["long_brightest"]),
            "long_which": Choice(keys["long_which"], long_list=and_list([str(i) for i in sorted(high)])),
            "long_heads": Choice(keys["long_heads"], heads=and_list([str(h) for h in heads])),
            "long_low": num.integer(round(lengths[0])),
            "long_high": num.integer(round(lengths[-1])),
            "long_median": num.integer(round(lt.median)),
            "long_share_low": num.decimal(100 * lt.cls_share.min(), 0),
            "long_share_high": num.decimal(100 * lt.cls_share.max(), 0),
            "long_count": len(high),
            "long_even": num.percent(len(high) / d.N),
            "long_places": Choice(keys["long_places"], long_from=lt.from_block),
            "long_masked": Choice("found", masked_shares=and_list(masked)),
            "long_average": Choice(keys["long_average"], long_pooled_cosine=num.decimal(lt.pooled_cosine, 2)),
        }

    # ------------------------------------------------------------------ what the cues share
    def clothing(self) -> list[str]:
        return [n for n in self.indirect if n in CLOTHING_CLASSES]

    def roles(self) -> list[str]:
        return [n for n in self.indirect if n in ROLE_CLASSES]

    def cls_bar(self, vec, label: str, width: float = 6.5, **kw) -> VectorBar:
        return VectorBar(np.asarray(vec), label=label, width=width, **kw)

    def cues(self):
        return [self.hook, self.prepend, self.same_input, self.drift, self.readout, self.top5,
                self.attention, self.long_tokens, self.attention_read, self.not_explanation, self.pooling, self.fair,
                self.person, self.recap]

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.12)
            photo = PixelImage(self.trace.picture, height=3.6)
            strip = TokenStrip(self.trace.patch_pixels, show=(5, 2), height=0.9, width=L.RIGHT.width)
            L.LEFT.place(photo)
            tokens_l = S.text(self.words("tokens"), S.SMALL, S.MUTED)
            question = S.text(self.words("question"), S.BODY, S.ACCENT)
            L.RIGHT.place(Group(strip, tokens_l, question).arrange(DOWN, buff=0.45))
            arrow = Arrow(photo.get_right(), strip.get_left(), buff=0.25, color=S.ACCENT)
            self.play(FadeIn(photo), Create(arrow), FadeIn(strip), FadeIn(tokens_l), run_time=cue.clause())
            self.play(FadeIn(question, shift=0.2 * UP), run_time=cue.until("one"))

    def prepend(self):
        with self.narrate("prepend") as cue:
            self.add(Heading(self.words("heading")))
            strip = TokenStrip(self.trace.patch_pixels, cls=True, show=(5, 2), position_tags=True, height=0.9,
                               width=L.MAIN.width * 0.8)
            count = S.text(self.words("count"), S.HEADING, S.ACCENT)
            bar = self.cls_bar(self.trace.cls, self.words("cls"), width=7.0)
            L.MAIN.place(Group(strip, count, bar).arrange(DOWN, buff=0.65), aligned=UP)
            self.play(FadeIn(strip), run_time=cue.clause())
            self.play(FadeIn(bar), run_time=cue.until("vector"))
            self.play(Write(count), run_time=cue.until("count"))
            card = CitationCard(self.words("vit_paper"), self.words("where"), self.words("idea"))
            self.play(FadeIn(card), run_time=cue.until("bert"))

    def same_input(self):
        c = self.cmp
        with self.narrate("same-input") as cue:
            self.add(Heading(self.words("heading")))
            a_in, b_in = np.asarray(self.trace.x0[0]), np.asarray(c.other_cls_in)
            a_out, b_out = np.asarray(self.trace.final[0]), np.asarray(c.other_cls_out)
            # One shared scale per pair, so equal vectors look equal and different ones look different.
            m_in = float(max(np.abs(a_in).max(), np.abs(b_in).max()))
            m_out = float(max(np.abs(a_out).max(), np.abs(b_out).max()))

            def pair(u, v, m):
                rows = Group()
                for vec, pic in ((u, self.trace.picture), (v, c.other_picture)):
                    bar = VectorBar(vec, vmin=-m, vmax=m, width=8.0, height=0.45)
                    thumb = PixelImage(pic, height=0.75).next_to(bar.strip, LEFT, buff=0.3)
                    rows.add(Group(thumb, bar))
                return rows.arrange(DOWN, buff=0.3, aligned_edge=LEFT)

            ins, outs = pair(a_in, b_in, m_in), pair(a_out, b_out, m_out)
            in_t = S.text(self.words("in"), S.BODY)
            out_t = S.text(self.words("out"), S.BODY)
            diff = num.scientific(c.input_diff).screen if c.input_diff else "0"
            in_note = S.text(self.words("in_note", diff=diff), S.SMALL, S.GREEN)
            out_note = S.text(self.words("out_note", cosine=num.decimal(c.final_cosine, 2).screen), S.SMALL, S.ACCENT)
            top = Group(in_t, ins, in_note).arrange(DOWN, buff=0.25, aligned_edge=LEFT)
            bottom = Group(out_t, outs, out_note).arrange(DOWN, buff=0.25, aligned_edge=LEFT)
            L.MAIN.place(Group(top, bottom).arrange(DOWN, buff=0.6, aligned_edge=LEFT))
            self.play(FadeIn(in_t), FadeIn(ins), run_time=cue.until("second"))
            self.play(FadeIn(in_note), run_time=cue.until("differ"))
            self.play(FadeIn(out_t), FadeIn(outs), run_time=cue.until("after"))
            self.play(FadeIn(out_note), run_time=cue.until("cosine"))

    def drift(self):
        c = self.cmp
        cos = np.asarray(c.cosine_by_block)
        with self.narrate("drift") as cue:
            self.add(Heading(self.words("heading")))
            # A bar chart drawn in its own coordinates (block k at x = k + 1/2 steps), then placed as a whole.
            h, w = 4.0, 9.0
            n = len(cos)
            step = w / n
            axis = Line([0, 0, 0], [w, 0, 0], color=S.MUTED)
            yaxis = Line([0, 0, 0], [0, h, 0], color=S.MUTED)
            bars = VGroup()
            vals = VGroup()
            ticks = VGroup()
            for k, v in enumerate(cos):
                color = S.ACCENT if k == self.largest_drop_block else S.BLUE
                bar = Rectangle(width=0.6 * step, height=max(h * float(v), 1e-3)).set_stroke(width=0)
                bar.set_fill(color, 1).move_to([(k + 0.5) * step, 0, 0], aligned_edge=DOWN)
                bars.add(bar)
                vals.add(S.text(f"{v:.2f}", S.TINY, S.INK, mono=True).next_to(bar, UP, buff=0.08))
                ticks.add(S.text(self.words("input") if k == 0 else str(k), S.TINY, S.MUTED)
                          .next_to(bar, DOWN, buff=0.12).set_y(-0.2))
            y_lab = VGroup(S.text("1", S.TINY, S.MUTED).next_to([0, h, 0], LEFT, buff=0.1),
                           S.text("0", S.TINY, S.MUTED).next_to([0, 0, 0], LEFT, buff=0.1))
            x_title = S.text(self.words("x_title"), S.SMALL, S.MUTED).next_to(ticks, DOWN, buff=0.2)
            y_title = S.text(self.words("y_title"), S.SMALL, S.MUTED)
            y_title.next_to(VGroup(axis, yaxis, vals), UP, buff=0.3)
            chart = VGroup(axis, yaxis, bars, vals, ticks, y_lab, x_title, y_title)
            L.MAIN.place(chart)
            self.play(Create(axis), Create(yaxis), FadeIn(y_lab), FadeIn(x_title), FadeIn(y_title),
                      run_time=cue.clause())
            self.play(LaggedStart(*[FadeIn(VGroup(b, v, t), shift=0.1 * UP)
                                    for b, v, t in zip(bars, vals, ticks)], lag_ratio=0.15),
                      run_time=cue.until("bars"))

    def readout(self):
        p = self.pool
        with self.narrate("readout") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.34)
            out = np.asarray(self.trace.blocks[-1].out)
            mat = MatrixImage(np.asarray(self.trace.final), height=left.height - 1.2, width=1.6,
                              row_label=self.words("rows"), col_label=self.words("columns", n="{n}"),  # the kit writes n
                              font_size=S.SMALL)
            title = S.text(self.words("title"), S.TINY, S.MUTED)
            title.next_to(mat, UP, buff=0.15)
            key = ScaleKey("coolwarm", mat.vmin, mat.vmax).next_to(mat, DOWN, buff=0.15)
            left.place(Group(title, mat, key))
            self.play(FadeIn(mat), FadeIn(title), FadeIn(key), run_time=cue.clause())
            marker = mat.row_marker(0, self.words("marker"), font_size=S.TINY)
            self.play(Create(mat.highlight_row(0)), FadeIn(marker), run_time=cue.until("row"))
            bw = right.width - 3.6
            pre = self.cls_bar(out[0], self.words("pre"), width=bw, font_size=S.TINY)
            normed = self.cls_bar(self.trace.final[0], self.words("normed"), width=bw, font_size=S.TINY)
            logits = self.cls_bar(self.trace.logits, self.words("logits"), width=bw,
                                  length_name=self.words("classes"), font_size=S.TINY)
            step1 = S.text(self.words("norm", norm=p.final_norm), S.TINY, S.MUTED)
            step2 = S.text(self.words("head", shape=num.shape(*p.head_shape).screen), S.SMALL, S.ACCENT)
            col = Group(pre, step1, normed, step2, logits).arrange(DOWN, buff=0.45)
            right.place(col)
            overlap = col.get_top()[1] - (marker.get_bottom()[1] - 0.2)
            if overlap > 0:
                col.shift(overlap * DOWN)
            self.play(FadeIn(pre), run_time=cue.until("cls"))
            self.play(FadeIn(step1), FadeIn(normed), run_time=cue.until("norm"))
            self.play(FadeIn(step2), FadeIn(logits), run_time=cue.until("head"))
            check = S.text(self.words("check", diff=self.values["cls_logits_diff"].screen,
                                      scale=self.values["logit_scale"].screen), S.SMALL, S.GREEN)
            check.next_to(col, DOWN, buff=0.35)
            if check.width > right.width:
                check.scale_to_fit_width(right.width)
            self.play(FadeIn(check), run_time=cue.until("check"))
            unread = S.text(self.words("unread"), S.SMALL, S.MUTED)
            unread.next_to(key, DOWN, buff=0.15).align_to(mat, LEFT)
            self.play(FadeIn(unread), run_time=cue.until("unread"))

    def top5(self):
        with self.narrate("top5") as cue:
            self.add(Heading(self.words("heading")))
            bars = L.MAIN.place(TopKBars(self.trace.top5, height=3.6, width=9.0))
            self.play(LaggedStart(*[FadeIn(r, shift=0.2 * RIGHT) for r in bars.rows], lag_ratio=0.2),
                      run_time=cue.clause())
            note = S.text(self.words("note", classes=self.values["num_classes"].screen), S.SMALL, S.MUTED)
            L.FOOTER.place(note)
            self.play(FadeIn(note), run_time=cue.until("one"))

    def attention_maps(self) -> SmallMultiples:
        d = self.dims
        return SmallMultiples(self.maps[None], [self.words("cls_row")],
                              [self.words("head", h=h + 1) for h in range(d.H)],
                              picture=self.trace.picture, cmap="inferno", vmin=0.0,
                              label=self.words("attention_weight"), height=L.MAIN.height - 1.2, width=L.FULL.width,
                              font_size=S.SMALL, col_title=self.words("last_block"))

    def attention(self):
        with self.narrate("attention") as cue:
            self.add(Heading(self.words("heading")))
            sm = self.attention_maps()
            L.MAIN.place(sm, aligned=UP)
            self.play(FadeIn(sm), run_time=cue.until("maps"))
            note = S.text(self.words("note", weight=self.values["self_weight"].screen), S.TINY, S.MUTED)
            note.next_to(sm, DOWN, buff=0.3)
            if note.width > L.FULL.width:
                note.scale_to_fit_width(L.FULL.width)
            self.play(FadeIn(note), run_time=cue.until("self"))

    def boxes(self, image, patches, color=S.BLUE, stroke: float = 3) -> VGroup:
        """A square around each of these patches of a (grid x grid) image."""
        side = image.height / self.dims.grid
        return VGroup(*[Square(side, color=color, stroke_width=stroke).move_to(
            grid_cell_center(image, self.dims.grid, int(i))) for i in patches])

    def long_tokens(self):
        d, lt = self.dims, self.long
        with self.narrate("long-tokens") as cue:
            self.add(Heading(self.words("heading" if lt.patches else "heading_none")))
            left, right = L.MAIN.split(0.3)
            sm = SmallMultiples(self.maps[None], [self.words("cls_row")],
                                [self.words("head", h=h + 1) for h in range(d.H)], picture=self.trace.picture,
                                cmap="inferno", vmin=0.0, label=self.words("attention_weight"),
                                height=3.4, width=right.width, font_size=S.TINY,
                                col_title=self.words("last_block"))
            # The length map as large as one attention map, beside them, so a square here is a square there.
            norms = Heatmap(lt.norms, cmap="viridis", vmin=0.0, label=self.words("norm_label"),
                            height=sm.cell(0, 0).height)
            right.place(sm, aligned=UP)
            left.place(norms, aligned=RIGHT)
            norms.align_to(sm.cell(0, 0), DOWN)
            norms_t = S.text(self.words("norm_title"), S.TINY, S.MUTED).next_to(norms.image, UP, buff=0.08)
            norms_t.align_to(sm.col_labels, DOWN)
            self.add(sm)
            self.play(FadeIn(norms), FadeIn(norms_t), run_time=cue.until("norms"))
            if not lt.patches:
                note = S.text(self.words("none", ratio=num.decimal(lt.longest_ratio, 1).screen,
                                         median=num.decimal(lt.median, 1).screen), S.SMALL, S.MUTED)
                note.next_to(Group(norms, sm), DOWN, buff=0.45)
                self.play(FadeIn(note), run_time=cue.clause())
                card = CitationCard(self.words("paper"), self.words("where"), self.words("detail"))
                self.play(FadeIn(card), run_time=cue.until("paper"))
                return
            high = sorted(lt.patches)
            marks = VGroup(self.boxes(norms.image, high),
                           *[self.boxes(sm.cell(0, h), high) for h in range(d.H)])
            lengths = sorted(float(lt.norms.reshape(-1)[i]) for i in high)
            which = (self.words("place_corners", list=", ".join(map(str, high))) if lt.corners
                     else self.words("place_list", list=", ".join(map(str, high))))
            line1 = S.text(self.words("long", which=which, low=num.decimal(lengths[0], 0).screen,
                                      high=num.decimal(lengths[-1], 0).screen,
                                      median=num.decimal(lt.median, 1).screen,
                                      factor=num.decimal(HIGH_NORM_FACTOR, 0).screen,
                                      start=lt.from_block), S.SMALL, S.BLUE)
            shares = ", ".join(f"{self.words('head', h=h + 1)} {num.percent(float(x)).screen}"
                               for h, x in enumerate(lt.cls_share))
            line2 = S.text(self.words("share", shares=shares, count=len(high),
                                      even=num.percent(len(high) / d.N, 1).screen), S.SMALL, S.INK)
            lines = VGroup(line1, line2).arrange(DOWN, buff=0.22, aligned_edge=LEFT)
            if lines.width > L.MAIN.width:
                lines.scale_to_fit_width(L.MAIN.width)
            lines.next_to(Group(norms, sm), DOWN, buff=0.4).set_x(L.MAIN.center[0])
            self.play(Create(marks), FadeIn(line1), run_time=cue.clause())
            self.play(FadeIn(line2), run_time=cue.until("share"))
            card = CitationCard(self.words("paper"), self.words("where"), self.words("detail"))
            self.play(FadeIn(card), run_time=cue.until("paper"))
            other = PixelImage(self.cmp.other_picture, height=0.9)
            other_marks = self.boxes(other, self.cmp.other_high_norm, stroke=2)
            other_l = S.text(self.words("other", list=", ".join(map(str, sorted(self.cmp.other_high_norm)))),
                             S.TINY, S.MUTED)
            other_l.next_to(other, RIGHT, buff=0.2)
            second = Group(other, other_marks, other_l).next_to(lines, DOWN, buff=0.35).align_to(lines, LEFT)
            self.play(FadeIn(second), run_time=cue.until("fixed"))

    def attention_read(self):
        d = self.dims
        k = min(TOP_K, d.N)
        with self.narrate("attention-read") as cue:
            self.add(Heading(self.words("heading")))
            sm = self.attention_maps()
            sm.scale(0.92)
            L.MAIN.place(sm, aligned=UP)
            self.add(sm)
            marks = VGroup()
            captions = VGroup()
            for h in range(d.H):
                img = sm.cell(0, h)
                q = int(self.quarters[h].argmax())
                qw, qh = img.width / 2, img.height / 2
                corner = img.get_corner((UP if q < 2 else DOWN) + (LEFT if q % 2 == 0 else RIGHT))
                rect = Rectangle(width=qw, height=qh, color=S.GREEN, stroke_width=5)
                rect.move_to(corner, aligned_edge=(UP if q < 2 else DOWN) + (LEFT if q % 2 == 0 else RIGHT))
                marks.add(rect)
                strongest = np.argsort(-self.maps[h].reshape(-1))[:k]
                side = img.height / d.grid
                for i in strongest:
                    marks.add(Square(side, color=S.ACCENT, stroke_width=2).move_to(
                        grid_cell_center(img, d.grid, int(i))))
                cap = VGroup(
                    S.text(self.words("quarter", quarter=self.words(QUARTERS[q]),
                                      share=num.percent(self.quarters[h, q]).screen), S.TINY, S.GREEN),
                    S.text(self.words("top", share=num.percent(self.topk[h]).screen), S.TINY, S.ACCENT),
                ).arrange(DOWN, buff=0.12)
                if self.long.patches:
                    cap.add(S.text(self.words("masked", share=num.percent(self.masked_quarters[h, q]).screen),
                                   S.TINY, S.BLUE).next_to(cap, DOWN, buff=0.12))
                if cap.width > 0.95 * img.width:
                    cap.scale_to_fit_width(0.95 * img.width)
                cap.next_to(img, DOWN, buff=0.25)
                captions.add(cap)
            masked = VGroup(*[cap[2] for cap in captions]) if self.long.patches else VGroup()
            for cap in captions:
                cap.remove(*masked)
            self.play(Create(marks), run_time=cue.until("quarters"))
            self.play(FadeIn(captions), run_time=cue.clause())
            even = S.text(self.words("even", even=num.percent(k / d.N).screen), S.SMALL, S.MUTED)
            even.next_to(Group(captions, masked), DOWN, buff=0.35)
            if even.get_bottom()[1] < L.MAIN.bottom:
                L.FOOTER.place(even)
            self.play(FadeIn(even), run_time=cue.until("even"))
            if self.long.patches:
                long_marks = VGroup(*[self.boxes(sm.cell(0, h), self.long.patches, stroke=4) for h in range(d.H)])
                self.play(Create(long_marks), FadeIn(masked), run_time=cue.until("masked"))

    def not_explanation(self):
        with self.narrate("not-explanation") as cue:
            self.add(Heading(self.words("heading")))
            sm = self.attention_maps()
            sm.scale(0.6)
            L.MAIN.place(sm, aligned=UP)
            self.add(sm)
            note = CaveatNote(self.words("note"), width=10.5)
            note.next_to(sm, DOWN, buff=0.4)
            if note.get_bottom()[1] < L.FULL.bottom:
                note.shift((L.FULL.bottom - note.get_bottom()[1]) * UP)
            self.play(FadeIn(note), run_time=cue.clause())

    def pooling(self):
        p, lt = self.pool, self.long
        with self.narrate("pooling") as cue:
            self.add(Heading(self.words("heading")))
            final = np.asarray(self.trace.final)
            strip = TokenStrip(final[1:], show=(6, 2), height=1.3, width=L.LEFT.width)
            strip_l = S.text(self.words("strip"), S.TINY, S.MUTED)
            mean_l = S.text(self.words("mean_over"), S.SMALL, S.ACCENT)
            pooled = self.cls_bar(p.pooled, self.words("mean"), width=L.LEFT.width - 2.6, font_size=S.TINY)
            fc = S.text(self.words("fc_identity") if p.fc_norm == "Identity" else self.words("fc", fc_norm=p.fc_norm),
                        S.SMALL, S.MUTED)
            head = S.text(self.words("head", shape=num.shape(*p.head_shape).screen), S.SMALL, S.ACCENT)
            key = ScaleKey("coolwarm", strip.vmin, strip.vmax)
            col = Group(strip_l, strip, key, mean_l, pooled, fc, head).arrange(DOWN, buff=0.3)
            L.LEFT.place(col)
            built = wrapped(self.words("avg_built"), S.TINY, L.RIGHT.width, S.MUTED)
            bars = TopKBars(p.top5, height=2.9, width=L.RIGHT.width, places=1)
            title = S.text(self.words("title"), S.BODY, S.INK)
            check = S.text(self.words("check", diff=self.values["timm_max_diff"].screen), S.TINY, S.GREEN)
            long_in = (wrapped(self.words("long_in", count=len(lt.patches),
                                          cosine=num.decimal(lt.pooled_cosine, 4).screen),
                               S.TINY, L.RIGHT.width, S.BLUE) if lt.patches else VGroup())
            L.RIGHT.place(Group(built, title, bars, check, long_in).arrange(DOWN, buff=0.35))
            self.play(FadeIn(strip_l), FadeIn(strip), FadeIn(key), run_time=cue.until("average"))
            self.play(FadeIn(built), run_time=cue.until("order"))
            self.play(FadeIn(fc), run_time=cue.until("fc"))
            self.play(FadeIn(mean_l), FadeIn(pooled), FadeIn(head), run_time=cue.until("mean"))
            if lt.patches:
                shown = [strip.cells[k] for k, j in enumerate(strip.shown) if strip.indices[j] in lt.patches]
                frames = VGroup(*[SurroundingRectangle(c, color=S.BLUE, buff=0.05, stroke_width=3) for c in shown])
                self.play(FadeIn(long_in), Create(frames), run_time=cue.until("long"))
            self.play(FadeIn(check), run_time=cue.until("timm"))
            self.play(FadeIn(title), LaggedStart(*[FadeIn(r) for r in bars.rows], lag_ratio=0.2),
                      run_time=cue.until("top5"))

    def fair(self):
        p = self.pool
        with self.narrate("fair") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.5, gutter=0.8)
            cls_bars = TopKBars(self.trace.top5, height=2.6, width=left.width, places=1)
            pool_bars = TopKBars(p.top5, height=2.6, width=right.width, places=1)
            a = Group(S.text(self.words("cls"), S.SMALL, S.ACCENT), cls_bars).arrange(DOWN, buff=0.3)
            b = Group(S.text(self.words("pooled"), S.SMALL, S.MUTED), pool_bars).arrange(DOWN, buff=0.3)
            left.place(a, aligned=UP)
            right.place(b, aligned=UP)
            Group(a, b).shift(0.25 * DOWN)
            self.play(FadeIn(a), FadeIn(b), run_time=cue.clause())
            facts = VGroup(
                S.text(self.words("cosine", cosine=num.decimal(p.cosine_to_cls, 2).screen), S.BODY),
                S.text(self.words("length", ratio=num.percent(p.norm_ratio).screen), S.BODY),
            ).arrange(DOWN, buff=0.25)
            facts.next_to(Group(a, b), DOWN, buff=0.6)
            self.play(FadeIn(facts), run_time=cue.until("elsewhere"))
            card = CitationCard(self.words("vit_paper"), self.words("where"), self.words("finding"))
            self.play(FadeIn(card), run_time=cue.until("paper"))

    def person(self):
        d, t = self.dims, self.trace
        with self.narrate("person") as cue:
            classes = self.values["num_classes"].screen
            self.add(Heading(self.words("heading_no_person" if not self.person_named else "heading", classes=classes)))
            left, right = L.MAIN.split(0.42)
            photo = PixelImage(t.picture, height=min(left.height, left.width))
            left.place(photo)
            bars = TopKBars(t.top5, height=2.6, width=right.width, places=1)
            mass = S.text(self.words("mass", mass=self.values["top5_mass"].screen,
                                     others=num.integer(d.num_classes - len(t.top5)).screen), S.SMALL, S.MUTED)
            lines = [bars, mass]
            if self.person_named:
                lines.append(S.text(self.words("people", names=", ".join(self.person_named[:3])), S.SMALL))
            else:
                lines.append(S.text(self.words("no_people"), S.SMALL, S.RED))
            if self.best_indirect is not None:
                name, prob, rank = self.best_indirect
                none = self.words("none")
                lines.append(wrapped(self.words("narrower", clothing=", ".join(self.clothing()) or none,
                                                roles=", ".join(self.roles()) or none), S.SMALL, right.width, S.MUTED))
                lines.append(S.text(self.words("best", label=name, share=num.percent(prob, 1).screen, rank=rank),
                                    S.SMALL, S.ACCENT))
            right.place(Group(*lines).arrange(DOWN, buff=0.35, aligned_edge=LEFT))
            self.play(FadeIn(photo), FadeIn(bars), run_time=cue.clause())
            self.play(FadeIn(lines[2]), run_time=cue.until("classes"))
            self.play(LaggedStart(*[FadeIn(m) for m in lines[3:]], lag_ratio=0.4), run_time=cue.until("indirect"))
            self.play(FadeIn(mass), run_time=cue.until("mass"))

    def recap(self):
        with self.narrate("recap") as cue:
            self.add(Heading(self.words("heading")))
            strip = TokenStrip(self.trace.patch_pixels, cls=True, show=(4, 2), height=0.8, width=L.MAIN.width * 0.6)
            bars = TopKBars(self.trace.top5, height=2.0, width=5.0, places=0)
            row = Group(strip, bars).arrange(RIGHT, buff=1.6)
            take = wrapped(self.words("take"), S.BODY, L.MAIN.width * 0.9, S.ACCENT)
            L.MAIN.place(Group(row, take).arrange(DOWN, buff=0.6))
            arrow = Arrow(strip.cls_cell.get_top() + 0.1 * UP, bars.get_left() + 0.2 * LEFT + 0.3 * UP,
                          path_arc=-0.8, color=S.ACCENT)
            self.play(FadeIn(strip), FadeIn(bars), Create(arrow), run_time=cue.clause())
            self.play(FadeIn(take), run_time=cue.until("take"))
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("teaser"))), run_time=cue.until("next"))
