"""Phase 4, lesson 14: Sketch where ViT looks at a cat with a person, then check.

The payoff of the course: the viewer commits to a prediction, then sees the real map. After the photo and the
model's real top-5, seven rounds of the same shape (see `Round` and `play_round`):

    ask     one question on screen, asking for one sketch, on the photo with its patch grid (round 3: on empty
            axes), and a visible countdown (a real pause in the video, no narration: `self.pauses` records it)
    reveal  the real map from the trace, with its colour bar
    notice  what to notice, in words chosen from measured numbers

The maps (scenes.p4_01_predict_and_verify.facts, cached): the last block's CLS attention per head; one query
patch's attention in block 1; how spread CLS attention is in every block (a curve); attention rollout; DINO-style
60% masks; class-specific relevance (gradient-weighted rollout) for the top-1 class and a second class; the norms
of the patch tokens. The high-norm tokens of round 7 take a large share of every late map, so each share read
from a late map is read twice: with them, and with them masked and the rest renormalised.
A closing round scores nothing and says what the numbers make likely to have been right, and what surprises.

Objects are named only where the photo ships a regions file (the course photo: the pasted cat square, the
astronaut's part, a face box); on any other photo the lesson speaks of patches and attention mass.

    manim -ql scenes/p4_01_predict_and_verify/scene.py PredictAndVerify
"""
from __future__ import annotations

import functools

from dataclasses import dataclass
from typing import Callable

import numpy as np
from manim import DOWN, LEFT, UP, Create, FadeIn, FadeOut, Group, Mobject, Square, VGroup

from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.block_chart import BlockBars, nice_ceiling
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, TopKBars, wrapped
from scenes.common.countdown import Countdown, run_countdown
from scenes.common.heatmaps import HeatmapOnPhoto, SmallMultiples
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid, grid_cell_center
from narration.script import Choice
from scenes.p4_01_predict_and_verify.facts import MASK_KEEP, cached_verify_maps
from vitmath.analyses import HIGH_NORM_FACTOR, high_norm_patches

# Where a map that needs the whole width goes: the body above a strip kept for the notice lines.
WIDE_MAP = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 1.25, L.MAIN.top)
NOTES_HEIGHT = 2.1  # under a map beside the photo: room for the notice lines
# The countdown of every round: a real pause in the video, long enough to sketch one map (a review found 5 s
# was not; 15-20 s is what a viewer needs to commit to a guess).
PAUSE_SECONDS = 15
TOP_K = 10                 # "the 10 strongest patches"
CLOSE = 0.1                # a share within 10% (relative) of the area's share is "about its share"
MOSTLY = 0.5               # a head "mostly" does something when more than half of its weight does it
LOCAL = 3.0                # convolution-like: the neighbours (self excluded) get 3 times their even share ...
                           # ... and more than the query keeps for itself
FLAT = 0.9                 # a map spread over 90% of the patches' worth or more is "nearly flat"

# ---------------------------------------------------------------------- measurements the words are chosen from
def share_in(values: np.ndarray, mask: np.ndarray) -> float:
    """The share of a map's total that lies in the masked patches."""
    total = float(values.sum())
    return float(values[mask].sum()) / total if total > 0 else 0.0


def topk_share(values: np.ndarray, k: int) -> float:
    flat = np.sort(values.ravel())[::-1]
    return float(flat[:k].sum() / flat.sum())


def share(x: float) -> num.Number:
    """A share as a percentage: whole percents from 10% up, one decimal below, so a small share is not
    rounded to nothing ("1.4 percent", not "1 percent")."""
    return num.percent(float(x), 0 if x >= 0.1 else 1)


def without(values: np.ndarray, drop: list[int]) -> np.ndarray:
    """The map with the listed patches (raster) masked to 0, so that a share taken of it (share_in,
    topk_share, effective_patches all divide by the total) is renormalised over the other patches."""
    out = np.array(values, dtype=np.float64, copy=True)
    out.reshape(-1)[list(drop)] = 0.0
    return out


def brightest_without(values: np.ndarray, drop: list[int]) -> tuple[int, float]:
    """The brightest patch once `drop` is masked, and its share of the renormalised map."""
    rest = without(values, drop).ravel()
    i = int(rest.argmax())
    return i, float(rest[i] / rest.sum())


def effective_patches(values: np.ndarray) -> float:
    """exp(entropy) of a map made to sum to 1: the number of patches that would hold the weight if it were
    spread evenly over them (N for a flat map, 1 for a map on one patch)."""
    p = values.ravel() / values.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def versus(share: float, area: float, close: float = CLOSE) -> str:
    """"more", "less" or "about": a share against a reference (within `close`, relative, is "about")."""
    if share > area * (1 + close):
        return "more"
    if share < area * (1 - close):
        return "less"
    return "about"


def place(i: int, grid: int) -> Choice:
    """Where patch i (raster) is: a corner, an edge, or inside, with its row and column counted from 1."""
    r, c = divmod(int(i), grid)
    vert = "top" if r == 0 else "bottom" if r == grid - 1 else None
    horiz = "left" if c == 0 else "right" if c == grid - 1 else None
    key = f"{vert}_{horiz}" if vert and horiz else vert or horiz or "inside"
    return Choice(key, row=r + 1, col=c + 1)


def spoken_list(name: str, item: str, keys: list, **extra) -> Choice:
    """A list for a [choice.NAME] table of `more = "{ITEM}; {NAME}"` and `last = "{ITEM}"`: each item a
    Choice of its own table (or a key of it, as a string)."""
    items = [Choice(k) if isinstance(k, str) else k for k in keys]
    out = Choice("last", **{item: items[-1]}, **extra)
    for it in reversed(items[:-1]):
        out = Choice("more", **{item: it, name: out}, **extra)
    return out


def pieces(mask: np.ndarray) -> int:
    """How many separate pieces (4-connected) a boolean patch mask falls into."""
    from scipy.ndimage import label

    return int(label(mask)[1])


def neighbours(i: int, grid: int) -> np.ndarray:
    """(grid, grid) bool: the up to 8 patches around patch i, patch i itself excluded (a head that keeps its
    weight on its own token is not mixing a neighbourhood, as a convolution does)."""
    r, c = divmod(int(i), grid)
    m = np.zeros((grid, grid), bool)
    m[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] = True
    m[r, c] = False
    return m


def which_patches(patches: list[int], grid: int) -> Choice:
    """The four corners by that name; otherwise each patch's place, up to four of them."""
    corners = {0, grid - 1, grid * (grid - 1), grid * grid - 1}
    if set(patches) == corners:
        return Choice("corners")
    shown = patches[:4]
    out = Choice("cut", patch=place(shown[-1], grid), r7_rest=len(patches) - 4) if len(patches) > 4 else \
        Choice("last", patch=place(shown[-1], grid))
    for p in reversed(shown[:-1]):
        out = Choice("more", patch=place(p, grid), r7_which=out)
    return out


def one_or_many(count: int) -> Choice:
    return Choice("one" if count == 1 else "many")


# ---------------------------------------------------------------------- the keys chosen from those measurements
# Small and pure, so the lesson's test can drive them over facts no real input gives (a model whose outliers
# are not the four corners, a head that gives the cat less than its share, the last lesson of a course).
def high_name(which: Choice) -> Choice:
    """How the rounds before round 7 name the high-norm patches: the four corners by that name, any others
    by their count (`which` is which_patches of them)."""
    return Choice("corners" if which.key == "corners" else "listed")


def peak_among(peak: int, high: list[int]) -> str:
    """Is a map's brightest patch one of the high-norm tokens ("peak"), or do they sit elsewhere ("other")?"""
    return "peak" if peak in high else "other"


def cat_verdict(shares: list[float], ref: float) -> Choice:
    """Round 1's verdict over the heads: does every head give the cat more than its share of the area
    (`ref`), every head less, every head about it, or are the heads mixed (and how many each way)?"""
    heads = len(shares)
    more = sum(versus(s, ref) == "more" for s in shares)
    less = sum(versus(s, ref) == "less" for s in shares)
    return Choice("all_more" if more == heads else "all_less" if less == heads else
                  "all_about" if more == less == 0 else "mixed",
                  more=num.integer(more), less=num.integer(less), r1_more=one_or_many(more),
                  r1_less=one_or_many(less))


def spread_trend(late: float, early: float) -> str:
    """Round 3: the last third of the blocks' CLS attention (patches' worth) against the first third's."""
    return {"less": "sharper", "more": "wider", "about": "same"}[versus(late, early)]


def rollout_compare(rollout_eff: float, last_eff: float) -> str:
    """Round 4: the rollout's spread (patches' worth) against the last block's CLS map's."""
    return {"more": "smoother", "less": "sharper", "about": "same"}[versus(rollout_eff, last_eff)]


def mask_shape(pieces: list[int]) -> str:
    """Round 5: the masks' shape from how many pieces each falls into (one entry per head)."""
    return "scattered" if min(pieces) >= 4 else "few" if max(pieces) >= 3 else "compact"


def masks_keeping(keep_high: int, heads: int) -> str:
    """Round 5: how many of the heads' masks keep every high-norm patch."""
    return "all" if keep_high == heads else "some" if keep_high else "none"


def second_rule(first: str, second: str) -> str:
    """Round 6: how the second class was picked (facts.choose_second): the two names share a word only when
    every one of ranks 2..5 shares one with the top-1's, and the rule fell back to the next class."""
    return "next" if set(first.lower().split()) & set(second.lower().split()) else "no_shared_word"


def outliers_elsewhere(high: list[int], other: list[int]) -> dict[str, str]:
    """Round 7: do the second photo's high-norm patches sit exactly where this photo's do? The key of each
    table that says so: the voice's r7_elsewhere and r7_paper, the notice's line r7_same."""
    same = sorted(other) == sorted(high)
    return {"r7_elsewhere": "same" if same else "differs", "r7_paper": "fixed" if same else "moves",
            "r7_same": "yes" if same else "no"}


def next_title(nxt) -> Choice:
    """The lesson that follows this one (a course registry row), or the end of the course (None)."""
    return Choice("next", title=nxt.title) if nxt is not None else Choice("end")


# The keys the script's [choice.*] tables hold (checked by `vitlessons list`).
CHOICES = {
    "photo_hook": ("regions", "none"),
    "photo_intro": ("regions", "none"),
    "patch": ("top_left", "top_right", "bottom_left", "bottom_right", "top", "bottom", "left", "right", "inside"),
    "vs_area": ("more", "less", "about"),
    "r1_peak": ("patch",),
    "r1_regions": ("regions", "none"),
    "r1_verdict": ("all_more", "all_less", "all_about", "mixed"),
    "r1_more": ("one", "many"),
    "r1_less": ("one", "many"),
    "r1_high": ("peak", "other", "none"),
    "r1_topk_rest": ("outliers", "none"),
    "r1_cat_rest": ("outliers", "none"),
    "high": ("corners", "listed"),
    "query_rule": ("face", "centre"),
    "r2_self": ("self", "none"),
    "r2_local": ("local", "none"),
    "r2_cls": ("sink", "range"),
    "r3_trend": ("sharper", "wider", "same"),
    "r3_high": ("outliers", "none"),
    "r4_peak": ("patch",),
    "r4_compare": ("smoother", "sharper", "same"),
    "r4_regions": ("regions", "none"),
    "r4_flat": ("flat", "none"),
    "r4_high": ("peak", "other", "none"),
    "r4_cat_rest": ("outliers", "none"),
    "r5_shape": ("scattered", "few", "compact"),
    "r5_regions": ("regions", "none"),
    "r5_high": ("all", "some", "none"),
    "r5_cat_rest": ("outliers", "none"),
    "second_rule": ("no_shared_word", "next"),
    "r6_regions": ("regions", "none"),
    "r6_lean": ("more", "less"),
    "r6_rest": ("outliers", "none"),
    "r7_story": ("outliers", "none"),
    "r7_tokens": ("one", "many"),
    "r7_count_words": ("one", "many"),
    "r7_those": ("one", "many"),
    "r7_which": ("corners", "more", "last", "cut"),
    "r7_elsewhere": ("same", "differs"),
    "second_photo": ("chelsea", "plain"),
    "r7_same": ("yes", "no"),
    "r7_paper": ("fixed", "moves", "none"),
    "r7_slots": ("corners", "listed"),
    "likely_right": ("more", "last"),
    "right": ("cat", "head", "sharper", "flat"),
    "surprises": ("more", "last"),
    "surprise": ("norms", "self", "masks", "rollout"),
    "next_title": ("next", "end"),
}


@dataclass
class Round:
    """One round: ask (question, photo to sketch on, countdown), reveal (the real map), notice (the words).
    The question, the notice's lines and the citation are the words of its cues' [cue.screen] tables."""
    ask: str                              # cue ids in the script
    reveal: str
    notice: str
    build: Callable[[], Group]            # the real map(s), built from the trace's facts
    notes: Callable[[], list[str]]        # the notice's lines on screen, from the same numbers as the words
    wide: bool = False                    # the map needs the whole body: the sketch photo makes room
    marks: Callable[[Group], VGroup] | None = None   # drawn on the revealed map during the notice ...
    mark: str = ""                                   # ... when the voice reaches this {@mark}
    cited: bool = False                   # the notice cue's screen holds a paper and where in it
    sketch_query: bool = False            # mark the query patch on the photo while asking
    sketch: Callable[[], Mobject] | None = None   # what to sketch on, if not the photo with its patch grid
    given: Callable[[], Mobject] | None = None    # what the question names, shown under the prompt
    room: float = 0.0                     # extra room the map gives up to the notice lines (many lines)


class PredictAndVerify(NarratedScene):

    # ------------------------------------------------------------------ facts -> values and choice keys
    def extra_values(self):
        t, d = self.trace, self.trace.dims
        self.m = m = cached_verify_maps(self.inputs.model, self.inputs.weights, self.inputs.image)
        self.pauses: list[tuple[str, float, float]] = []  # (after cue, start s, length s): the countdowns
        g, N, H = d.grid, d.N, d.H
        k = min(TOP_K, N)
        regions = m.regions
        self.has_regions = "cat" in regions and "person" in regions
        about = "regions" if self.has_regions else "none"
        cat = regions["cat"].patches if self.has_regions else None
        area = float(cat.mean()) if self.has_regions else 0.0
        v = {}

        # -- the photo
        v["top5_spoken"] = "; ".join(f"{name}, {num.percent(p).spoken}" for _, name, p in t.top5)
        v["photo_hook"] = v["photo_intro"] = Choice(about)
        v["num_classes"] = num.integer(d.num_classes).screen
        if self.has_regions:
            cat_words, person_words = regions["cat"].words, regions["person"].words
            v["cat_words"], v["person_words"] = cat_words, person_words  # from the photo's regions file
            v["cat_words_capital"] = cat_words.capitalize()
            v["cat_patches"] = num.integer(int(cat.sum()))
            v["cat_area"] = num.percent(area)
            v["cat_count"], v["person_count"] = len(regions["cat"].indices), len(regions["person"].indices)

        # -- the high-norm tokens: round 7 reveals them, and every late map before it is read twice, with them
        # and without them (masked, the rest renormalised), since they take a large share of late attention.
        flat_norms = m.norms.reshape(d.depth, -1)                    # (depth, N)
        med = np.median(flat_norms, axis=1)                          # (depth,)
        ratio = flat_norms.max(1) / med
        self.high = sorted(high_norm_patches(m.norms[-1]))
        self.r7_outlier = hi = bool(self.high)
        high_mask = np.zeros((g, g), bool)
        high_mask.reshape(-1)[self.high] = True
        if hi:
            count = len(self.high)
            v["r7_count"] = num.integer(count)
            v["r7_tokens"], v["r7_count_words"], v["r7_those"] = (one_or_many(count),) * 3
            v["r7_which"] = which_patches(self.high, g)
            v["high"] = high_name(v["r7_which"])
            v["high_even"] = num.percent(count / N, 1)

        # -- round 1: CLS attention in the last block, per head
        last = m.cls_last                                             # (H, g, g)
        mean_last = last.mean(0)
        self.peak_last = int(mean_last.argmax())
        self.r1_top = [topk_share(last[h], k) for h in range(H)]
        cls_self = np.asarray(t.blocks[-1].attn[:, 0, 0], dtype=np.float64)
        v["r1_peak"] = Choice("patch", patch=place(self.peak_last, g))
        v["r1_peak_weight"] = num.percent(float(mean_last.max()), 1)
        v["even_weight"] = num.percent(1.0 / N, 1)
        v["r1_topk_low"], v["r1_topk_high"] = num.percent(min(self.r1_top)), num.percent(max(self.r1_top))
        v["top_k"] = k
        v["even_topk"] = num.percent(k / N)
        v["r1_cls_self"] = share(float(cls_self.mean()))
        v["r1_high"] = v["r1_topk_rest"] = Choice("none")
        if hi:
            self.r1_high = [share_in(last[h], high_mask) for h in range(H)]
            self.r1_top_rest = [topk_share(without(last[h], self.high), k) for h in range(H)]
            rest_peak, rest_weight = brightest_without(mean_last, self.high)
            self.r1_rest_peak = rest_peak
            v["r1_high"] = Choice(peak_among(self.peak_last, self.high), patch=place(rest_peak, g),
                                  r1_rest_weight=num.percent(rest_weight, 1),
                                  r1_high_low=share(min(self.r1_high)), r1_high_high=share(max(self.r1_high)))
            v["r1_topk_rest"] = Choice("outliers", r1_rest_low=num.percent(min(self.r1_top_rest)),
                                       r1_rest_high=num.percent(max(self.r1_top_rest)))
        v["r1_regions"] = Choice("none")
        if self.has_regions:
            self.r1_cat = [share_in(last[h], cat) for h in range(H)]
            shares, ref, rest = self.r1_cat, area, Choice("none")
            if hi:
                # The verdict reads the renormalised shares: the corners' weight says nothing about the cat.
                self.r1_cat_rest = [share_in(without(last[h], self.high), cat) for h in range(H)]
                shares, ref = self.r1_cat_rest, float(cat[~high_mask].mean())
                rest = Choice("outliers", r1_rest_low=num.percent(min(self.r1_cat_rest)),
                              r1_rest_high=num.percent(max(self.r1_cat_rest)))
            v["r1_regions"] = Choice("regions", r1_cat_low=num.percent(min(self.r1_cat)),
                                     r1_cat_high=num.percent(max(self.r1_cat)), r1_cat_rest=rest,
                                     r1_verdict=cat_verdict(shares, ref))

        # -- round 2: one query patch in block 1. Its own weight and its neighbours' (self excluded) are read
        # apart: a head that keeps its weight on itself is not local the way a convolution is.
        q = m.query
        qm = m.query_maps.reshape(H, -1)                              # (H, N)
        around = neighbours(q, g).ravel()
        self.r2_self = qm[:, q]
        self.r2_nb = qm[:, around].sum(1)
        self.r2_cls = np.asarray(m.query_self_cls, dtype=np.float64)
        even_nb = around.sum() / d.T
        v["query_rule"] = Choice(m.query_rule, patch=place(q, g),
                                 **({"face_words": regions["face"].words} if m.query_rule == "face" else {}))
        v["r2_neighbours"] = int(around.sum())
        v["r2_even_nb"] = num.percent(float(even_nb), 1)
        sh, lh, ch = int(self.r2_self.argmax()), int(self.r2_nb.argmax()), int(self.r2_cls.argmax())
        self.r2_selfish = bool(self.r2_self[sh] > MOSTLY)
        self.r2_local = bool(self.r2_nb[lh] >= LOCAL * even_nb and self.r2_nb[lh] > self.r2_self[lh])
        v["r2_top_self"], v["r2_top_self_nb"] = share(self.r2_self[sh]), share(self.r2_nb[sh])
        v["r2_self"] = Choice("self" if self.r2_selfish else "none", r2_head=sh + 1)
        v["r2_local"] = Choice("local" if self.r2_local else "none", r2_head=lh + 1,
                               r2_nb_weight=share(self.r2_nb[lh]),
                               r2_ratio=num.decimal(float(self.r2_nb[lh] / even_nb), 1),
                               vs_area=Choice(versus(float(self.r2_nb[lh]), float(even_nb))))
        v["r2_cls"] = Choice("sink" if self.r2_cls[ch] > MOSTLY else "range", r2_head=ch + 1,
                             r2_cls_weight=share(self.r2_cls[ch]), r2_left=share(float(qm[ch].sum())),
                             r2_cls_low=share(self.r2_cls.min()), r2_cls_high=share(self.r2_cls.max()))

        # -- round 3: CLS attention across blocks
        eff = np.array([[effective_patches(m.cls_all[b, h]) for h in range(H)] for b in range(d.depth)])
        self.r3_eff = eff.mean(1)                                     # (depth,) heads averaged
        spread_b, sharp_b = int(self.r3_eff.argmax()), int(self.r3_eff.argmin())
        third = max(d.depth // 3, 1)
        early, late = float(self.r3_eff[:third].mean()), float(self.r3_eff[-third:].mean())
        v["r3_spread_block"], v["r3_spread_eff"] = spread_b + 1, num.integer(round(self.r3_eff[spread_b]))
        v["r3_sharp_block"], v["r3_sharp_eff"] = sharp_b + 1, num.integer(round(self.r3_eff[sharp_b]))
        v["third"] = third
        self.r3_trend = spread_trend(late, early)
        v["r3_trend"] = Choice(self.r3_trend)
        v["r3_high"] = Choice("none")
        if hi:
            rest = np.array([[effective_patches(without(m.cls_all[b, h], self.high)) for h in range(H)]
                             for b in range(d.depth - third, d.depth)])
            self.r3_late, self.r3_late_rest = late, float(rest.mean())
            v["r3_high"] = Choice("outliers", r3_late=num.integer(round(late)),
                                  r3_late_rest=num.integer(round(self.r3_late_rest)))

        # -- round 4: rollout
        roll = m.rollout
        self.r4_eff, self.r4_last_eff = effective_patches(roll), effective_patches(mean_last)
        self.r4_flat = self.r4_eff >= FLAT * N
        peak4 = int(roll.argmax())
        v["rollout_cls"] = num.percent(m.rollout_cls)
        v["r4_peak"] = Choice("patch", patch=place(peak4, g))
        v["r4_eff"] = num.integer(round(self.r4_eff))
        v["r4_last_eff"] = num.integer(round(self.r4_last_eff))
        v["r4_compare"] = Choice(rollout_compare(self.r4_eff, self.r4_last_eff))
        v["r4_flat"] = Choice("flat" if self.r4_flat else "none")
        v["r4_high"] = Choice("none")
        if hi:
            rest_peak, _ = brightest_without(roll, self.high)
            self.r4_high = share_in(roll, high_mask)
            v["r4_high"] = Choice(peak_among(peak4, self.high), patch=place(rest_peak, g),
                                  r4_high_share=share(self.r4_high))
        v["r4_regions"] = Choice("none")
        if self.has_regions:
            self.r4_cat = share_in(roll, cat)
            rest = Choice("none")
            if hi:
                self.r4_cat_rest = share_in(without(roll, self.high), cat)
                rest = Choice("outliers", r4_rest=num.percent(self.r4_cat_rest))
            v["r4_regions"] = Choice("regions", r4_cat=num.percent(self.r4_cat), r4_cat_rest=rest,
                                     vs_area=Choice(versus(self.r4_cat, area)))

        # -- round 5: DINO-style masks
        kept = m.masks.reshape(H, -1).sum(1)
        self.r5_kept = kept
        self.r5_pieces = [pieces(m.masks[h]) for h in range(H)]
        v["mask_keep"] = num.percent(MASK_KEEP)
        v["mask_keep_screen"] = v["mask_keep"].screen
        v["r5_kept_low"], v["r5_kept_high"] = int(kept.min()), int(kept.max())
        v["r5_pieces_low"], v["r5_pieces_high"] = min(self.r5_pieces), max(self.r5_pieces)
        self.r5_shape = mask_shape(self.r5_pieces)
        v["r5_shape"] = Choice(self.r5_shape)
        v["r5_high"] = Choice("none")
        if hi:
            self.r5_keep_high = int(sum(bool(m.masks[h][high_mask].all()) for h in range(H)))
            v["r5_high"] = Choice(masks_keeping(self.r5_keep_high, H),
                                  r5_high_count=num.integer(self.r5_keep_high))
        v["r5_regions"] = Choice("none")
        if self.has_regions:
            in_cat = int(sum((m.masks[h] & cat).sum() for h in range(H)))
            self.r5_cat = in_cat / int(kept.sum())
            rest = Choice("none")
            if hi:
                kept_rest = int(sum((m.masks[h] & ~high_mask).sum() for h in range(H)))
                in_cat_rest = int(sum((m.masks[h] & cat & ~high_mask).sum() for h in range(H)))
                self.r5_cat_rest = in_cat_rest / kept_rest if kept_rest else 0.0
                rest = Choice("outliers", r5_rest=num.percent(self.r5_cat_rest))
            v["r5_regions"] = Choice("regions", r5_cat=num.percent(self.r5_cat), r5_cat_rest=rest,
                                     vs_area=Choice(versus(self.r5_cat, area)))

        # -- round 6: class-specific maps
        first, second = m.top5[0], m.top5[m.second]
        v["class1"], v["class2"] = first[1], second[1]
        v["class2_rank"] = m.second + 1
        v["class_cosine"] = num.decimal(float(m.class_cosines[m.second]), 2)
        v["second_rule"] = Choice(second_rule(first[1], second[1]))
        a, b = m.class_maps[0], m.class_maps[m.second]
        top_a = set(np.argsort(a.ravel())[::-1][:k].tolist())
        top_b = set(np.argsort(b.ravel())[::-1][:k].tolist())
        self.r6_common = len(top_a & top_b)
        v["r6_common"] = self.r6_common
        v["r6_regions"] = Choice("none")
        if self.has_regions:
            def region_of(i: int) -> str:
                return v["cat_words"] if cat.ravel()[i] else v["person_words"]

            self.r6_cat = (share_in(a, cat), share_in(b, cat))
            ca, cb = self.r6_cat
            rest = Choice("none")
            if hi:
                self.r6_cat_rest = (share_in(without(a, self.high), cat), share_in(without(b, self.high), cat))
                rest = Choice("outliers", r6_rest1=num.percent(self.r6_cat_rest[0]),
                              r6_rest2=num.percent(self.r6_cat_rest[1]))
            v["r6_regions"] = Choice("regions", r6_cat1=num.percent(ca), r6_cat2=num.percent(cb), r6_rest=rest,
                                     vs_area=Choice(versus(ca, area)), r6_lean=Choice("more" if ca > cb else "less"),
                                     r6_peak1=region_of(int(a.argmax())), r6_peak2=region_of(int(b.argmax())))

        # -- round 7: token norms (the map shows the last block; high-norm: HIGH_NORM_FACTOR times the median or more)
        self.r7_block = d.depth - 1
        self.r7_outliers = self.high
        v["r7_ratio_max"] = num.integer(round(float(ratio[-1])))
        v["r7_block"] = d.depth
        v["outlier"] = int(HIGH_NORM_FACTOR)
        lasts = range(max(d.depth - third, 0), d.depth)
        cls_mean = m.cls_all.mean(1).reshape(d.depth, -1)             # (depth, N) CLS weights, heads averaged
        self.r7_cls_mass = [float(cls_mean[b][self.high].sum()) for b in lasts]
        self.r7_elsewhere: dict[str, str] = {}                       # outliers_elsewhere's keys, with outliers
        v["r7_story"] = v["r7_paper"] = Choice("none")
        if hi:
            other = sorted(high_norm_patches(m.other_norms[-1]))
            self.r7_elsewhere = outliers_elsewhere(self.high, other)
            v["r7_cls_low"] = num.percent(min(self.r7_cls_mass))
            v["r7_cls_high"] = num.percent(max(self.r7_cls_mass))
            # Only beside the course photo is the second photo described: on yours no object is named.
            photo = Choice("chelsea" if self.has_regions and m.other_image == "chelsea.png" else "plain")
            shared = num.integer(len(set(other) & set(self.high)))
            elsewhere = Choice(self.r7_elsewhere["r7_elsewhere"], second_photo=photo,
                               r7_other_count=num.integer(len(other)), r7_shared=shared)
            v["r7_story"] = Choice("outliers", r7_first_block=int(np.flatnonzero(ratio >= HIGH_NORM_FACTOR)[0]) + 1,
                                   r7_norm_max=num.integer(round(float(flat_norms[-1].max()))),
                                   r7_norm_median=num.integer(round(float(med[-1]))), r7_elsewhere=elsewhere)
            # Darcet et al.'s high-norm tokens sit in redundant background patches, so they move with the image;
            # the paper is quoted as the comparison the two photos call for, not as the explanation.
            v["r7_paper"] = Choice(self.r7_elsewhere["r7_paper"],
                                   r7_slots=Choice(v["high"].key), r7_other_count=num.integer(len(other)),
                                   r7_shared=shared)

        # -- the closing round: what was likely right, what surprises (keys of [choice.right] / [choice.surprise])
        right, surprise = [], []
        if self.has_regions and versus(self.r6_cat[0], area) == "more":
            right.append("cat")
        if self.r2_local:
            right.append("head")
        if self.r3_trend == "sharper":
            right.append("sharper")
        if not right:
            right.append("flat")
        if self.r7_outlier and max(self.r7_cls_mass) > 3 * len(self.r7_outliers) / N:
            surprise.append("norms")
        if self.r2_selfish:
            surprise.append("self")
        if self.r5_shape != "compact":
            surprise.append("masks")
        surprise.append("rollout")
        self.right, self.surprise = right, surprise
        v["likely_right"] = spoken_list("likely_right", "right", right)
        v["surprises"] = spoken_list("surprises", "surprise", surprise)
        v["num_rounds"] = len(self.rounds())
        v["pause_seconds"] = PAUSE_SECONDS
        v["next_title"] = next_title(self.lesson.next)
        return v

    # ------------------------------------------------------------------ the rounds
    def rounds(self) -> list[Round]:
        H = self.dims.H
        return [
            Round("r1-ask", "r1-reveal", "r1-notice",
                  lambda: self.per_head(self.m.cls_last, self.dims.depth), self.r1_notes, wide=True, room=0.6,
                  marks=lambda mob: self.cell_marks(mob, [self.peak_last] * H), mark="peak"),
            Round("r2-ask", "r2-reveal", "r2-notice", lambda: self.per_head(self.m.query_maps, 1), self.r2_notes,
                  wide=True, marks=lambda mob: self.cell_marks(mob, [self.m.query] * H), mark="query",
                  sketch_query=True),
            Round("r3-ask", "r3-reveal", "r3-notice", self.spread_chart, self.r3_notes, wide=True,
                  sketch=lambda: self.spread_axes(L.LEFT.width, L.LEFT.height * 0.8)),
            Round("r4-ask", "r4-reveal", "r4-notice", self.rollout_map, self.r4_notes, cited=True, room=0.4),
            Round("r5-ask", "r5-reveal", "r5-notice", self.mask_maps, self.r5_notes, wide=True, cited=True),
            Round("r6-ask", "r6-reveal", "r6-notice", self.class_pair, self.r6_notes, wide=True, cited=True,
                  given=self.class_names),
            Round("r7-ask", "r7-reveal", "r7-notice", self.norm_map, self.r7_notes,
                  marks=lambda mob: self.cell_marks(mob, self.r7_outliers), mark="outliers", cited=True),
        ]

    def cues(self):
        rounds = []
        for r in self.rounds():
            # A round narrates three cues and keeps the photo between them: it is one piece of the render, and
            # a preview of one of its cues builds the other two with their frames skipped.
            step = functools.partial(self.play_round, r)
            step.narrates = (r.ask, r.reveal, r.notice)
            rounds.append(step)
        return [self.hook, self.rules, self.photo, *rounds, self.closing, self.recap]

    # ------------------------------------------------------------------ one round, the reusable piece
    def play_round(self, r: Round):
        number = [x.ask for x in self.rounds()].index(r.ask) + 1
        sketch_area, answer_area = L.LEFT, L.RIGHT
        with self.narrate(r.ask) as cue:
            heading = Heading(self.words("round_heading", number=number, question=self.words("question")))
            if r.sketch is None:
                grid = PhotoGrid(self.trace.picture, self.dims.grid, height=sketch_area.height, line_width=1,
                                 line_opacity=0.5)
            else:
                grid = r.sketch()
            sketch_area.place(grid)
            prompt = S.text(self.words("prompt"), S.HEADING, S.ACCENT)  # the question is in the heading
            sketch = wrapped(self.words("sketch_on" if r.sketch is not None else "sketch"), S.BODY,
                             answer_area.width * 0.9, S.MUTED)
            if r.given is not None:
                sketch = VGroup(sketch, r.given()).arrange(DOWN, buff=0.3, aligned_edge=LEFT)
            clock = Countdown(PAUSE_SECONDS, caption=self.words("pause"))
            panel = Group(prompt, sketch, clock).arrange(DOWN, buff=0.5)
            answer_area.place(panel)
            self.play(FadeIn(heading), FadeIn(grid), run_time=cue.clause())
            if r.sketch_query:
                square = grid.cell_square(self.m.query, S.ACCENT, 5)
                grid.add(square)  # leaves with the photo
                self.play(Create(square), run_time=cue.until("query"))
            self.play(FadeIn(prompt), FadeIn(sketch), run_time=cue.until("sketch"))
            panel.remove(clock)
        start = self.clock
        run_countdown(self, clock)  # the pause: no narration plays here
        self.pauses.append((r.ask, start, self.clock - start))

        with self.narrate(r.reveal) as cue:
            # Clearing the sketch prompt belongs to no phrase: a short fade before the map comes.
            self.play(FadeOut(prompt), FadeOut(sketch), run_time=cue.share(0.05))
            answer = r.build()
            if r.wide:
                self.play(FadeOut(grid), run_time=cue.share(0.05))
                body = L.Region(WIDE_MAP.left, WIDE_MAP.right, WIDE_MAP.bottom + r.room, WIDE_MAP.top)
                body.place(answer, aligned=UP)
            else:
                top = L.Region(answer_area.left, answer_area.right, answer_area.bottom + NOTES_HEIGHT + r.room,
                               answer_area.top)
                top.place(answer)
            self.play(FadeIn(answer), run_time=cue.until("map"))
        self.answer = answer

        with self.narrate(r.notice) as cue:
            area = (L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, answer.get_bottom()[1] - 0.2) if r.wide
                    else L.Region(answer_area.left, answer_area.right, L.MAIN.bottom,
                                  answer.get_bottom()[1] - 0.25))
            # Wrapped to the strip's width at a readable size; scaled down only if the lines are too tall.
            lines = VGroup(*[wrapped(s, S.SMALL, area.width) for s in r.notes()]).arrange(DOWN, aligned_edge=LEFT,
                                                                                         buff=0.15)
            area.place(lines, aligned=UP + LEFT if r.wide else UP)
            self.play(FadeIn(lines), run_time=cue.until("notes"))
            if r.cited:
                self.add(CitationCard(self.words("paper"), self.words("where")))
            # The outlier story has its {@outliers} mark only when there are outliers to mark.
            if r.marks is not None and r.mark in cue.marks:
                self.play(Create(r.marks(answer)), run_time=cue.until(r.mark))

    # ------------------------------------------------------------------ the maps
    def per_head(self, maps: np.ndarray, block: int) -> SmallMultiples:
        """One row of per-head maps of a block over the photo, one shared colour bar."""
        heads = [self.words("head", h=h + 1) for h in range(self.dims.H)]
        return SmallMultiples(np.asarray(maps)[None], [self.words("block", b=block)], heads,
                              picture=self.trace.picture, label=self.words("attention_weight"),
                              width=WIDE_MAP.width, height=WIDE_MAP.height)

    def spread_axes(self, width: float, height: float, values=None) -> BlockBars:
        """Round 3's chart: patches' worth of CLS attention per block (heads averaged), on an axis from 0 to
        every patch, with a perfectly even spread drawn as a dashed line. Without values: the empty axes to
        sketch on, on the same scale as the answer."""
        d = self.dims
        values = np.zeros(d.depth) if values is None else values
        chart = BlockBars(values, [str(b + 1) for b in range(d.depth)], self.words("spread_title"),
                          x_title=self.words("block_title"), width=width, height=height, vmax=nice_ceiling(d.N),
                          reference=(d.N, self.words("even_line", n=d.N)))
        return chart

    def spread_chart(self) -> BlockBars:
        chart = self.spread_axes(WIDE_MAP.width * 0.8, WIDE_MAP.height * 0.7, self.r3_eff)
        if chart.height > WIDE_MAP.height:
            chart.scale_to_fit_height(WIDE_MAP.height)
        return chart

    def rollout_map(self) -> HeatmapOnPhoto:
        # Anchored at 0: a nearly even map then looks nearly even, where a min-to-max scale would give a flat
        # map full contrast and make it look structured.
        return HeatmapOnPhoto(self.trace.picture, self.m.rollout, label=self.words("rollout_label"), vmin=0.0,
                              height=L.RIGHT.height - NOTES_HEIGHT)

    def mask_maps(self) -> SmallMultiples:
        H = self.dims.H
        return SmallMultiples(self.m.masks.astype(np.float64)[None], [self.words("block", b=self.dims.depth)],
                              [self.words("mask_column", h=h + 1, kept=int(self.r5_kept[h])) for h in range(H)],
                              picture=self.trace.picture, cmap="inferno", vmin=0.0, vmax=1.0,
                              label=self.words("mask_label"), alpha=0.55, width=WIDE_MAP.width,
                              height=WIDE_MAP.height)

    def class_pair(self) -> Group:
        m = self.m
        cols = WIDE_MAP.columns(2, gutter=0.8)
        out = Group()
        for rank, col in zip((0, m.second), cols):
            hm = HeatmapOnPhoto(self.trace.picture, m.class_maps[rank], label=self.words("relevance"),
                                height=col.height - 0.6)
            title = S.text(self.words("class_title", label=m.top5[rank][1], rank=rank + 1,
                                      p=num.percent(m.top5[rank][2]).screen),
                           S.SMALL, S.ACCENT if rank == 0 else S.BLUE)
            box = Group(title, hm).arrange(DOWN, buff=0.2)
            col.place(box)
            out.add(box)
        return out

    def class_names(self) -> VGroup:
        """Round 6's two classes, in the colours of their maps' titles."""
        m = self.m
        width = L.RIGHT.width * 0.9
        return VGroup(*[wrapped(self.words("class_given", label=m.top5[rank][1], rank=rank + 1), S.BODY, width,
                                S.ACCENT if rank == 0 else S.BLUE) for rank in (0, m.second)]).arrange(
            DOWN, buff=0.15, aligned_edge=LEFT)

    def norm_map(self) -> HeatmapOnPhoto:
        return HeatmapOnPhoto(self.trace.picture, self.m.norms[self.r7_block],
                              label=self.words("norm_label", b=self.r7_block + 1),
                              height=L.RIGHT.height - NOTES_HEIGHT)

    def cell_marks(self, mob, patches: list[int]) -> VGroup:
        """A square on patch patches[j] of the j-th map of a SmallMultiples row, or on every listed patch of
        one heatmap."""
        g = self.dims.grid
        images = ([mob.cell(0, j) for j in range(len(patches))] if isinstance(mob, SmallMultiples)
                  else [mob.image] * len(patches))
        marks = VGroup()
        for img, p in zip(images, patches):
            side = img.height / g
            marks.add(Square(side, color=S.GREEN, stroke_width=3).move_to(grid_cell_center(img, g, p)))
        return marks

    # ------------------------------------------------------------------ the notice lines (screen)
    # Each is a line of the notice cue's [cue.screen], filled with the numbers' screen forms.
    @staticmethod
    def per_head_list(shares) -> str:
        return " / ".join(share(x).screen for x in shares)

    def rest_note(self) -> list[str]:
        """How a share "without" the high-norm tokens was taken, said once under the lines that use it."""
        return [self.words("rest_note", count=len(self.high))] if self.high else []

    def r1_notes(self) -> list[str]:
        v = self.values
        out = [self.words("line1", peak_weight=v["r1_peak_weight"].screen, even_weight=v["even_weight"].screen)]
        if self.high:
            out.append(self.words("line_high", count=len(self.high), per_head=self.per_head_list(self.r1_high),
                                  even=v["high_even"].screen, patch=place(self.r1_rest_peak, self.dims.grid)))
        line2 = self.words("line2", topk_low=v["r1_topk_low"].screen, topk_high=v["r1_topk_high"].screen,
                           even_topk=v["even_topk"].screen)
        if self.high:
            line2 += self.words("rest_range", low=num.percent(min(self.r1_top_rest)).screen,
                                high=num.percent(max(self.r1_top_rest)).screen)
        out.append(line2)
        if self.has_regions:
            line3 = self.words("line3", per_head=" / ".join(num.percent(s).screen for s in self.r1_cat),
                               area=v["cat_area"].screen)
            if self.high:
                line3 += self.words("rest_list", per_head=" / ".join(num.percent(s).screen for s in self.r1_cat_rest))
            out.append(line3)
        return out + self.rest_note()

    def r2_notes(self) -> list[str]:
        v = self.values
        heads = " / ".join(str(h + 1) for h in range(self.dims.H))
        return [self.words("line1", heads=heads, per_head=self.per_head_list(self.r2_self)),
                self.words("line2", per_head=self.per_head_list(self.r2_nb), even=v["r2_even_nb"].screen),
                self.words("line3", per_head=self.per_head_list(self.r2_cls))]

    def r3_notes(self) -> list[str]:
        v = self.values
        out = [self.words("line1", spread=v["r3_spread_eff"].screen, sharp=v["r3_sharp_eff"].screen)]
        if self.high:
            out.append(self.words("line2", late=num.integer(round(self.r3_late)).screen,
                                  rest=num.integer(round(self.r3_late_rest)).screen))
        return out + self.rest_note()

    def r4_notes(self) -> list[str]:
        v = self.values
        out = [self.words("line1", cls_self=v["rollout_cls"].screen),
               self.words("line2", spread=v["r4_eff"].screen, last_spread=v["r4_last_eff"].screen)]
        if self.high:
            out.append(self.words("line_high", weight=share(self.r4_high).screen,
                                  even=v["high_even"].screen))
        if self.has_regions:
            line3 = self.words("line3", cat=num.percent(self.r4_cat).screen)
            if self.high:
                line3 += self.words("rest_one", rest=num.percent(self.r4_cat_rest).screen)
            out.append(line3)
        return out + self.rest_note()

    def r5_notes(self) -> list[str]:
        out = [self.words("line1"), self.words("line2")]
        if self.high:
            out.append(self.words("line_high", count=len(self.high), keep=self.r5_keep_high))
        if self.has_regions:
            line3 = self.words("line3", cat=num.percent(self.r5_cat).screen)
            if self.high:
                line3 += self.words("rest_one", rest=num.percent(self.r5_cat_rest).screen)
            out.append(line3)
        return out + self.rest_note()

    def r6_notes(self) -> list[str]:
        out = [self.words("line1", cosine=self.values["class_cosine"].screen)]
        if self.has_regions:
            line2 = self.words("line2", cat1=num.percent(self.r6_cat[0]).screen,
                               cat2=num.percent(self.r6_cat[1]).screen)
            if self.high:
                line2 += self.words("rest_pair", rest1=num.percent(self.r6_cat_rest[0]).screen,
                                    rest2=num.percent(self.r6_cat_rest[1]).screen)
            out.append(line2)
        return out + [self.words("scales")] + self.rest_note()

    def r7_notes(self) -> list[str]:
        out = [self.words("line1", ratio=self.values["r7_ratio_max"].screen)]
        if self.r7_outlier:
            out.append(self.words("line2", count=len(self.r7_outliers),
                                  cls_low=num.percent(min(self.r7_cls_mass)).screen,
                                  cls_high=num.percent(max(self.r7_cls_mass)).screen))
            out.append(self.words("line3", r7_same=Choice(self.r7_elsewhere["r7_same"])))
            out.append(self.words("darcet"))
        return out

    # ------------------------------------------------------------------ the cues around the rounds
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.15)
            grid = PhotoGrid(self.trace.picture, self.dims.grid, height=L.MAIN.height * 0.9, line_width=1,
                             line_opacity=0.5)
            L.LEFT.place(grid)
            steps = VGroup(*[S.text(self.words(f"step{i}"), S.HEADING, c)
                             for i, c in enumerate((S.ACCENT, S.GREEN, S.INK), start=1)]).arrange(
                DOWN, buff=0.5, aligned_edge=LEFT)
            L.RIGHT.place(steps)
            self.play(FadeIn(grid), run_time=cue.clause())
            self.play(FadeIn(steps, shift=0.2 * UP), run_time=cue.until("steps"))

    def rules(self):
        with self.narrate("rules") as cue:
            self.add(Heading(self.words("heading")))
            rows = VGroup(*[S.text(self.words(f"row{k}"), S.BODY) for k in range(1, 5)]).arrange(
                DOWN, buff=0.45, aligned_edge=LEFT)
            L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 1.6, L.MAIN.top).place(rows)
            clock = Countdown(PAUSE_SECONDS, caption=None).scale(0.8)
            clock.next_to(rows, DOWN, buff=0.5)
            self.play(FadeIn(rows, lag_ratio=0.3), run_time=cue.until("rows"))
            self.play(FadeIn(clock), run_time=cue.clause())

    def photo(self):
        t = self.trace
        with self.narrate("photo") as cue:
            self.add(Heading(self.words("heading")))
            grid = PhotoGrid(t.picture, self.dims.grid, height=L.LEFT.height, line_width=1, line_opacity=0.5)
            L.LEFT.place(grid)
            bars = TopKBars(t.top5, height=2.6, width=L.RIGHT.width, places=1)
            title = S.text(self.words("classes"), S.SMALL, S.MUTED)
            right = Group(title, bars).arrange(DOWN, buff=0.3)
            L.RIGHT.place(right, aligned=UP)
            self.play(FadeIn(grid), FadeIn(right), run_time=cue.until("top5"))
            if self.has_regions:
                regions = self.m.regions
                cat = grid.outline(regions["cat"].indices, S.ACCENT, 5)
                key = VGroup(S.text(self.words("cat_key"), S.SMALL, S.ACCENT),
                             S.text(self.words("person_key"), S.SMALL, S.INK))
                if "face" in regions:
                    face = grid.outline(regions["face"].indices, S.GREEN, 4)
                    key.add(S.text(regions["face"].words, S.SMALL, S.GREEN))  # the regions file's words
                else:
                    face = VGroup()
                key.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
                key.next_to(right, DOWN, buff=0.6)
                if key.width > L.RIGHT.width:
                    key.scale_to_fit_width(L.RIGHT.width)
                key.align_to(right, LEFT)
                self.play(Create(cat), Create(face), FadeIn(key), run_time=cue.until("cat"))

    def closing(self):
        with self.narrate("closing") as cue:
            self.add(Heading(self.words("heading")))
            left, right = L.MAIN.split(0.5, gutter=0.8)
            a = Group(S.text(self.words("right"), S.BODY, S.GREEN),
                      *[wrapped(self.words("bullet_right", right=Choice(k)), S.SMALL, left.width)
                        for k in self.right]).arrange(DOWN, buff=0.25, aligned_edge=LEFT)
            b = Group(S.text(self.words("surprise"), S.BODY, S.ACCENT),
                      *[wrapped(self.words("bullet_surprise", surprise=Choice(k)), S.SMALL, right.width)
                        for k in self.surprise]).arrange(DOWN, buff=0.25, aligned_edge=LEFT)
            left.place(a, aligned=UP + LEFT)
            right.place(b, aligned=UP + LEFT)
            self.play(FadeIn(a), run_time=cue.until("right"))
            self.play(FadeIn(b), run_time=cue.until("surprise"))
            note = CaveatNote(self.words("caveat"), width=L.MAIN.width * 0.9)
            L.FOOTER.place(note)
            note.align_to(L.FOOTER.point(DOWN), DOWN)
            self.play(FadeIn(note), run_time=cue.until("caveat"))

    def recap(self):
        with self.narrate("recap") as cue:
            self.add(Heading(self.words("heading")))
            take = wrapped(self.words("take"), S.BODY, L.MAIN.width * 0.85, S.ACCENT)
            L.MAIN.place(take)
            self.play(FadeIn(take), run_time=cue.until("take"))
            self.play(FadeIn(NextLessonFooter(self.lesson, self.words("teaser"))), run_time=cue.until("next"))
