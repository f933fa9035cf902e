"""Phase 4, lesson 14: Sketch where ViT looks at a cat with a person, then check.

The payoff of the course: the viewer commits to a prediction, then sees the real map. After the photo and the
model's real top-5, seven rounds of the same shape (see `Round` and `play_round`):

    ask     the question on screen, the photo with its patch grid to sketch on, and a visible countdown
            (a real pause in the video, no narration: `self.pauses` records it)
    reveal  the real map from the trace, with its colour bar
    notice  what to notice, in words chosen from measured numbers

The maps (scenes.p4_01_predict_and_verify.facts, cached): the last block's CLS attention per head; one query patch's attention in
block 1; CLS attention per head across all blocks; attention rollout; DINO-style 60% masks; class-specific
relevance (gradient-weighted rollout) for the top-1 class and a second class; the norms of the patch tokens.
A closing round scores nothing and says what the numbers make likely to have been right, and what surprises.

Objects are named only where the photo ships a regions file (the course photo: the pasted cat square, the
astronaut's part, a face box); on any other photo the lesson speaks of patches and attention mass.

    manim -ql scenes/p4_01_predict_and_verify/scene.py PredictAndVerify
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from manim import DOWN, LEFT, UP, Create, FadeIn, FadeOut, Group, Square, VGroup

from scenes.common import layout as L
from scenes.common import numbers as num
from scenes.common import style as S
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, TopKBars, wrapped
from scenes.common.countdown import Countdown, run_countdown
from scenes.common.heatmaps import HeatmapOnPhoto, SmallMultiples
from scenes.common.narrated import NarratedScene
from scenes.common.photo_grid import PhotoGrid, grid_cell_center
from scenes.p4_01_predict_and_verify.facts import MASK_KEEP, cached_verify_maps

# Where a map that needs the whole width goes: the body above a strip kept for the notice lines.
WIDE_MAP = L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 1.25, L.MAIN.top)
NOTES_HEIGHT = 2.1  # under a map beside the photo: room for the notice lines
PAUSE_SECONDS = 5          # the countdown of every round: a real pause in the video
TOP_K = 10                 # "the 10 strongest patches"
CLOSE = 0.1                # a share within 10% (relative) of the area's share is "about its share"
OUTLIER = 10.0             # a patch token whose norm is 10 times the median is an outlier

DINO = "Caron et al. 2021, Emerging Properties in Self-Supervised Vision Transformers (DINO)"
CHEFER = "Chefer, Gur & Wolf 2021, Generic Attention-model Explainability"
ABNAR = "Abnar & Zuidema 2020, Quantifying Attention Flow in Transformers"
DARCET = "Darcet et al. 2023, Vision Transformers Need Registers"


# ---------------------------------------------------------------------- measurements the words are chosen from
def share_in(values: np.ndarray, mask: np.ndarray) -> float:
    """The share of a map's total that lies in the masked patches."""
    total = float(values.sum())
    return float(values[mask].sum()) / total if total > 0 else 0.0


def topk_share(values: np.ndarray, k: int) -> float:
    flat = np.sort(values.ravel())[::-1]
    return float(flat[:k].sum() / flat.sum())


def effective_patches(values: np.ndarray) -> float:
    """exp(entropy) of a map made to sum to 1: the number of patches that would hold the weight if it were
    spread evenly over them (N for a flat map, 1 for a map on one patch)."""
    p = values.ravel() / values.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def compared_to_area(share: float, area: float) -> str:
    """"more than", "less than" or "about" its share of the area (within CLOSE, relative)."""
    if share > area * (1 + CLOSE):
        return "more than"
    if share < area * (1 - CLOSE):
        return "less than"
    return "about"


def location(i: int, grid: int) -> str:
    """Where patch i (raster) is, in words: a corner, an edge, or its row and column (counted from 1)."""
    r, c = divmod(int(i), grid)
    vert = "top" if r == 0 else "bottom" if r == grid - 1 else None
    horiz = "left" if c == 0 else "right" if c == grid - 1 else None
    if vert and horiz:
        return f"the {vert}-{horiz} corner patch"
    if vert or horiz:
        return f"a patch on the {vert or horiz} edge, row {r + 1}, column {c + 1}"
    return f"the patch in row {r + 1}, column {c + 1}"


def pieces(mask: np.ndarray) -> int:
    """How many separate pieces (4-connected) a boolean patch mask falls into."""
    from scipy.ndimage import label

    return int(label(mask)[1])


def neighbourhood(i: int, grid: int) -> np.ndarray:
    """(grid, grid) bool: patch i and its up to 8 neighbours."""
    r, c = divmod(int(i), grid)
    m = np.zeros((grid, grid), bool)
    m[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] = True
    return m


ASSET_WORDS = {"chelsea.png": "a close-up photo of a cat", "astronaut.png": "a portrait of an astronaut"}


def outliers(norms: np.ndarray) -> list[int]:
    """Raster indices of the patch tokens whose norm is at least OUTLIER times the median."""
    flat = norms.ravel()
    return [int(i) for i in np.flatnonzero(flat >= OUTLIER * np.median(flat))]


def count_words(count: int) -> str:
    return "one patch token" if count == 1 else f"{num.integer(count).spoken} patch tokens"


def which_patches(patches: list[int], grid: int) -> str:
    """The four corners by that name; otherwise each patch's location, up to four of them."""
    corners = {0, grid - 1, grid * (grid - 1), grid * grid - 1}
    if set(patches) == corners:
        return "the four corner patches of the image"
    words = [location(p, grid) for p in patches[:4]]
    more = f", and {len(patches) - 4} more" if len(patches) > 4 else ""
    return "; ".join(words) + more


def heads_phrase(count: int, heads: int, of: bool = True) -> str:
    """"2 of the 3 heads give" / "1 gives": a count of heads with its verb."""
    verb = "gives" if count == 1 else "give"
    return f"{num.integer(count).spoken} of the {heads} heads {verb}" if of else f"{num.integer(count).spoken} {verb}"


@dataclass
class Round:
    """One round: ask (question, photo to sketch on, countdown), reveal (the real map), notice (the words)."""
    ask: str                              # cue ids in the script
    reveal: str
    notice: str
    question: str                         # on screen, short
    build: Callable[[], Group]            # the real map(s), built from the trace's facts
    notes: Callable[[], list[str]]        # the notice's lines on screen, from the same numbers as the words
    wide: bool = False                    # the map needs the whole body: the sketch photo makes room
    marks: Callable[[Group], VGroup] | None = None   # drawn on the revealed map during the notice
    citation: tuple[str, str, str | None] | None = None
    sketch_query: bool = False            # mark the query patch on the photo while asking


class PredictAndVerify(NarratedScene):

    # ------------------------------------------------------------------ facts -> words
    def extra_values(self):
        t, d = self.trace, self.trace.dims
        self.m = m = cached_verify_maps(self.inputs.model, self.inputs.weights, self.inputs.image)
        self.pauses: list[tuple[str, float, float]] = []  # (after cue, start s, length s): the countdowns
        g, N, H = d.grid, d.N, d.H
        k = min(TOP_K, N)
        regions = m.regions
        self.has_regions = "cat" in regions and "person" in regions
        cat = regions["cat"].patches if self.has_regions else None
        area = float(cat.mean()) if self.has_regions else 0.0
        cat_words = regions["cat"].words if self.has_regions else ""
        person_words = regions["person"].words if self.has_regions else ""
        v = {}

        # -- the photo
        v["top5_spoken"] = "; ".join(f"{name}, {num.percent(p).spoken}" for _, name, p in t.top5)
        if self.has_regions:
            v["photo_intro"] = (
                "This is the course photo, and it is a collage: a portrait of an astronaut, with a photo of a cat "
                "pasted into its bottom-right quarter. Because we built it, we know exactly where the cat is: "
                f"after the model's own resize and crop, {cat_words} covers {num.integer(int(cat.sum())).spoken} "
                f"of the {N} patches, {num.percent(area).spoken} of the image; {person_words} are everything else, "
                "the astronaut with a flag and a model of the shuttle behind her. A patch counts as part of a region "
                "when at least half of its pixels come from it.")
        else:
            v["photo_intro"] = (
                "This lesson knows nothing about what is in your photo beyond what the model says, so it will not "
                "name objects. It will speak of patches and of where the attention mass goes.")

        # -- round 1: CLS attention in the last block, per head
        last = m.cls_last                                             # (H, g, g)
        mean_last = last.mean(0)
        self.peak_last = int(mean_last.argmax())
        self.r1_top = [topk_share(last[h], k) for h in range(H)]
        cls_self = np.asarray(t.blocks[-1].attn[:, 0, 0], dtype=np.float64)
        v["r1_peak"] = location(self.peak_last, g)
        v["r1_peak_weight"] = num.percent(float(mean_last.max()), 1)
        v["even_weight"] = num.percent(1.0 / N, 1)
        v["r1_topk_low"], v["r1_topk_high"] = num.percent(min(self.r1_top)), num.percent(max(self.r1_top))
        v["top_k"] = k
        v["even_topk"] = num.percent(k / N)
        v["r1_cls_self"] = num.percent(float(cls_self.mean()), 0 if cls_self.mean() >= 0.01 else 1)
        # Round 7 comes back to this patch only if it is the high-norm one (decided below).
        v["r1_callback"] = ""
        if self.has_regions:
            self.r1_cat = [share_in(last[h], cat) for h in range(H)]
            more = sum(s > area * (1 + CLOSE) for s in self.r1_cat)
            less = sum(s < area * (1 - CLOSE) for s in self.r1_cat)
            if more == H:
                verdict = f"Every head gives {cat_words} more than its share of the area."
            elif less == H:
                verdict = f"Every head gives {cat_words} less than its share of the area."
            else:
                verdict = (f"{heads_phrase(more, H)} it more than its share of the area, "
                           f"{heads_phrase(less, H, of=False)} it less.")
            v["r1_regions"] = (f"Of each head's attention to the patches, {cat_words} gets between "
                               f"{num.percent(min(self.r1_cat)).spoken} and {num.percent(max(self.r1_cat)).spoken}, "
                               f"where its share of the area is {num.percent(area).spoken}. {verdict}")
        else:
            v["r1_regions"] = ""

        # -- round 2: one query patch in block 1
        q = m.query
        qm = m.query_maps                                             # (H, g, g)
        near = neighbourhood(q, g)
        self.r2_self = qm.reshape(H, -1)[:, q]
        self.r2_near = np.array([float(qm[h][near].sum()) for h in range(H)])
        local_head = int(self.r2_near.argmax())
        even_near = near.sum() / d.T
        if m.query_rule == "face":
            v["query_rule"] = (f"the patch that {regions['face'].words} fills most, the first such patch in "
                               f"reading order: {location(q, g)}")
        else:
            v["query_rule"] = f"the patch at the centre of the image, {location(q, g)}"
        v["r2_head"] = local_head + 1
        v["r2_self"] = num.percent(float(self.r2_self[local_head]))
        v["r2_near"] = num.percent(float(self.r2_near[local_head]))
        v["r2_even_near"] = num.percent(float(even_near), 1)
        v["r2_cls_low"] = num.percent(float(m.query_self_cls.min()))
        v["r2_cls_high"] = num.percent(float(m.query_self_cls.max()))
        ratio = float(self.r2_near.max() / even_near)
        v["r2_verdict"] = ("So at least one head of the first block looks mostly close to home, "
                           "much like a convolution would." if ratio >= 3 else
                           "So no head of the first block is strongly local here: the weight is spread out.")
        self.r2_local = ratio >= 3

        # -- round 3: CLS attention across blocks
        eff = np.array([[effective_patches(m.cls_all[b, h]) for h in range(H)] for b in range(d.depth)])
        self.r3_eff = eff.mean(1)                                     # (depth,) heads averaged
        spread_b, sharp_b = int(self.r3_eff.argmax()), int(self.r3_eff.argmin())
        third = max(d.depth // 3, 1)
        early, late = float(self.r3_eff[:third].mean()), float(self.r3_eff[-third:].mean())
        v["r3_spread_block"], v["r3_spread_eff"] = spread_b + 1, num.integer(round(self.r3_eff[spread_b]))
        v["r3_sharp_block"], v["r3_sharp_eff"] = sharp_b + 1, num.integer(round(self.r3_eff[sharp_b]))
        v["third"] = third
        v["r3_trend"] = ("more concentrated than" if late < early * (1 - CLOSE) else
                         "more spread out than" if late > early * (1 + CLOSE) else "about as spread out as")
        self.r3_trend = v["r3_trend"]

        # -- round 4: rollout
        roll = m.rollout
        self.r4_eff, self.r4_last_eff = effective_patches(roll), effective_patches(mean_last)
        v["rollout_cls"] = num.percent(m.rollout_cls)
        v["r4_peak"] = location(int(roll.argmax()), g)
        v["r4_eff"] = num.integer(round(self.r4_eff))
        v["r4_last_eff"] = num.integer(round(self.r4_last_eff))
        v["r4_compare"] = ("smoother than" if self.r4_eff > self.r4_last_eff * (1 + CLOSE) else
                           "sharper than" if self.r4_eff < self.r4_last_eff * (1 - CLOSE) else "about as spread as")
        if self.has_regions:
            self.r4_cat = share_in(roll, cat)
            v["r4_regions"] = (f"{cat_words.capitalize()} holds {num.percent(self.r4_cat).spoken} of the rollout's "
                               f"patch weight: {compared_to_area(self.r4_cat, area)} its "
                               f"{num.percent(area).spoken} share of the area.")
        else:
            v["r4_regions"] = ""

        # -- round 5: DINO-style masks
        kept = m.masks.reshape(H, -1).sum(1)
        self.r5_kept = kept
        self.r5_pieces = [pieces(m.masks[h]) for h in range(H)]
        v["mask_keep"] = num.percent(MASK_KEEP)
        v["r5_kept_low"], v["r5_kept_high"] = int(kept.min()), int(kept.max())
        v["r5_pieces_low"], v["r5_pieces_high"] = min(self.r5_pieces), max(self.r5_pieces)
        v["r5_shape"] = ("scattered over the image, not one clean outline" if min(self.r5_pieces) >= 4 else
                         "in a few pieces" if max(self.r5_pieces) >= 3 else "compact")
        self.r5_shape = v["r5_shape"]
        if self.has_regions:
            in_cat = int(sum((m.masks[h] & cat).sum() for h in range(H)))
            self.r5_cat = in_cat / int(kept.sum())
            v["r5_regions"] = (f"Of all the patches the masks keep, {num.percent(self.r5_cat).spoken} lie in "
                               f"{cat_words}: {compared_to_area(self.r5_cat, area)} its share of the area.")
        else:
            v["r5_regions"] = ""

        def region_of(i: int) -> str:
            return cat_words if cat.ravel()[i] else person_words

        # -- round 6: class-specific maps
        first, second = m.top5[0], m.top5[m.second]
        v["class1"], v["class2"] = first[1], second[1]
        v["class2_rank"] = m.second + 1
        v["class_cosine"] = num.decimal(float(m.class_cosines[m.second]), 2)
        a, b = m.class_maps[0], m.class_maps[m.second]
        top_a = set(np.argsort(a.ravel())[::-1][:k].tolist())
        top_b = set(np.argsort(b.ravel())[::-1][:k].tolist())
        self.r6_common = len(top_a & top_b)
        v["r6_common"] = self.r6_common
        if self.has_regions:
            self.r6_cat = (share_in(a, cat), share_in(b, cat))
            ca, cb = self.r6_cat
            cmp = "more" if ca > cb else "less"
            v["r6_regions"] = (f"For {first[1]}, {cat_words} holds {num.percent(ca).spoken} of the relevance: "
                               f"{compared_to_area(ca, area)} its share of the area. For {second[1]}, it holds "
                               f"{num.percent(cb).spoken}, so the {first[1]} map leans {cmp} on {cat_words} than the "
                               f"{second[1]} map does. The brightest patch of the {first[1]} map lies in "
                               f"{region_of(int(a.argmax()))}; that of the {second[1]} map in "
                               f"{region_of(int(b.argmax()))}.")
        else:
            v["r6_regions"] = ""

        # -- round 7: token norms (the map shows the last block; outliers: OUTLIER times the median or more)
        flat_norms = m.norms.reshape(d.depth, -1)                    # (depth, N)
        med = np.median(flat_norms, axis=1)                          # (depth,)
        ratio = flat_norms.max(1) / med
        self.r7_block = d.depth - 1
        self.r7_outliers = outliers(m.norms[-1])
        self.r7_patch = int(flat_norms[-1].argmax())
        self.r7_outlier = bool(self.r7_outliers)
        v["r7_ratio_max"] = num.integer(round(float(ratio[-1])))
        v["r7_block"] = d.depth
        lasts = range(max(d.depth - third, 0), d.depth)
        cls_mean = m.cls_all.mean(1).reshape(d.depth, -1)             # (depth, N) CLS weights, heads averaged
        self.r7_cls_mass = [float(cls_mean[b][self.r7_outliers].sum()) for b in lasts]
        if self.r7_outlier:
            first_b = int(np.flatnonzero(ratio >= OUTLIER)[0])
            count = len(self.r7_outliers)
            other = outliers(m.other_norms[-1])
            shared = len(set(other) & set(self.r7_outliers))
            self.r7_same_elsewhere = other == self.r7_outliers
            # The second photo is described only beside the course photo; elsewhere it stays "a second photo",
            # so a lesson on your photo names no object at all.
            second_photo = (f"a second photo, {ASSET_WORDS.get(m.other_image, 'from the course assets')}"
                            if self.has_regions else "a second, different photo")
            if self.r7_same_elsewhere:
                elsewhere = (f"Now run {second_photo} through the same model: "
                             "its outliers are exactly the same patches. So in this model, the position of a "
                             "patch, more than what it shows, decides where they appear.")
            else:
                elsewhere = (f"On {second_photo}, the outliers are "
                             f"{num.integer(len(other)).spoken} patches, {num.integer(shared).spoken} of them the "
                             "same as here: what a patch shows matters too.")
            v["r7_story"] = (
                f"From block {first_b + 1} on, {count_words(count)} "
                f"{'stands' if count == 1 else 'stand'} out, with norms at least {int(OUTLIER)} times the median: "
                f"{which_patches(self.r7_outliers, g)}. After block {d.depth}, the longest has a norm of "
                f"{num.integer(round(float(flat_norms[-1].max()))).spoken}, against a median of "
                f"{num.integer(round(float(med[-1]))).spoken}. "
                f"In the last {third} blocks, CLS gives {'that token' if count == 1 else 'those tokens'} between "
                f"{num.percent(min(self.r7_cls_mass)).spoken} and {num.percent(max(self.r7_cls_mass)).spoken} of "
                f"its attention, head-averaged. {elsewhere}")
            if self.peak_last in self.r7_outliers:
                v["r1_callback"] = "Keep that brightest patch in mind: we will meet it again in round seven."
            v["r7_paper"] = (f"Its authors, Darcet and colleagues, report them mainly in large models. This one is "
                             f"small, {d.D} numbers wide, and shows them anyway: check before you claim.")
        else:
            self.r7_same_elsewhere = False
            v["r7_story"] = (f"No patch token stands out: after block {d.depth} the largest norm is "
                             f"{num.integer(round(float(ratio[-1]))).spoken} times the median, and in no block "
                             f"does any reach {int(OUTLIER)} times.")
            v["r7_paper"] = ("Its authors, Darcet and colleagues, report them mainly in large models, so seeing none "
                             "in this one is what the paper leads us to expect.")

        # -- the closing round: what was likely right, what surprises
        right, surprise = [], []
        if self.has_regions and self.r6_cat[0] > area * (1 + CLOSE):
            right.append(f"the {first[1]} map leaning on {cat_words}")
        if self.r2_local:
            right.append("the early head looking near its own patch")
        if self.r3_trend == "more concentrated than":
            right.append("the CLS attention getting sharper in the late blocks")
        if not right:
            right.append("that some maps are nearly flat, which the numbers confirm")
        if self.r7_outlier and max(self.r7_cls_mass) > 3 * len(self.r7_outliers) / N:
            surprise.append(f"the last blocks' CLS attention going, up to {num.percent(max(self.r7_cls_mass)).spoken}, "
                            f"to {count_words(len(self.r7_outliers))} with huge norms: "
                            f"{which_patches(self.r7_outliers, g)}")
        if self.r5_shape != "compact":
            surprise.append(f"the {num.percent(MASK_KEEP).spoken} masks falling into up to "
                            f"{max(self.r5_pieces)} pieces")
        surprise.append(f"the rollout keeping {num.percent(m.rollout_cls).spoken} of the weight on CLS itself")
        v["likely_right"] = "; ".join(right)
        v["surprises"] = "; ".join(surprise)
        self.right, self.surprise = right, surprise
        v["num_rounds"] = len(self.rounds())
        v["pause_seconds"] = PAUSE_SECONDS
        v["query_token"] = m.query + 1  # token index: CLS is 0, patch i is i + 1
        v["photo_hook"] = ("The photo holds a cat and a person. Where does the model look?" if self.has_regions
                           else "The photo is yours. Where does the model look in it?")
        words1 = set(first[1].lower().split())
        v["second_rule"] = ("the most probable class whose name shares no word with the first"
                            if not words1 & set(second[1].lower().split()) else "the next most probable class")
        nxt = self.lesson.next
        v["next_title"] = nxt.title if nxt is not None else "the end of the course"
        return v

    # ------------------------------------------------------------------ the rounds
    def rounds(self) -> list[Round]:
        d, H = self.dims, self.dims.H
        heads = [f"head {h + 1}" for h in range(H)]
        return [
            Round("r1-ask", "r1-reveal", "r1-notice", f"Where does CLS attend in block {d.depth}?",
                  lambda: self.per_head(self.m.cls_last, f"block {d.depth}", heads, "attention weight"),
                  self.r1_notes, wide=True, marks=lambda mob: self.cell_marks(mob, [self.peak_last] * H)),
            Round("r2-ask", "r2-reveal", "r2-notice", "Where does an early head look from this patch?",
                  lambda: self.per_head(self.m.query_maps, "block 1", heads, "attention weight"),
                  self.r2_notes, wide=True, marks=lambda mob: self.cell_marks(mob, [self.m.query] * H),
                  sketch_query=True),
            Round("r3-ask", "r3-reveal", "r3-notice", "How does CLS attention change from block to block?",
                  self.all_blocks, self.r3_notes, wide=True),
            Round("r4-ask", "r4-reveal", "r4-notice", "What will the attention rollout show?",
                  self.rollout_map, self.r4_notes, citation=(ABNAR, "Sec. 3, attention rollout", None)),
            Round("r5-ask", "r5-reveal", "r5-notice",
                  f"Which patches hold {num.percent(MASK_KEEP).screen} of CLS attention?",
                  self.mask_maps, self.r5_notes, wide=True,
                  citation=(DINO, "Fig. 4", None)),
            Round("r6-ask", "r6-reveal", "r6-notice", "Which patches carry the top-1 class?",
                  self.class_pair, self.r6_notes, wide=True,
                  citation=(CHEFER, "ICCV 2021, Eqs. 5-6", None)),
            Round("r7-ask", "r7-reveal", "r7-notice", "Which patches hold the highest-norm tokens?",
                  self.norm_map, self.r7_notes, marks=lambda mob: self.cell_marks(mob, self.r7_outliers),
                  citation=(DARCET, "Sec. 2, Fig. 4", None)),
        ]

    def cues(self):
        steps = [self.hook, self.rules, self.photo]
        steps += [lambda r=r: self.play_round(r) for r in self.rounds()]
        return steps + [self.closing, self.recap]

    def construct(self):
        # Our own loop (not NarratedScene's): a round spans three cues and keeps the photo between them, so a
        # preview of one cue builds the others with their frames skipped.
        for step in self.cues():
            step()
            self.clear_screen()

    # ------------------------------------------------------------------ one round, the reusable piece
    def play_round(self, r: Round):
        n = len(self.rounds())
        number = [x.ask for x in self.rounds()].index(r.ask) + 1
        sketch_area, answer_area = L.LEFT, L.RIGHT
        with self.narrate(r.ask) as cue:
            heading = Heading(f"Round {number} of {n}: {r.question}")
            grid = PhotoGrid(self.trace.picture, self.dims.grid, height=sketch_area.height, line_width=1,
                             line_opacity=0.5)
            sketch_area.place(grid)
            prompt = S.text("Your prediction first", S.HEADING, S.ACCENT)  # the question is in the heading
            sketch = wrapped("sketch it on the grid: on paper, or in your head", S.BODY, answer_area.width * 0.9,
                             S.MUTED)
            clock = Countdown(PAUSE_SECONDS, caption="pause the video now for more time")
            panel = Group(prompt, sketch, clock).arrange(DOWN, buff=0.5)
            answer_area.place(panel)
            self.play(FadeIn(heading), FadeIn(grid), run_time=cue.share(0.1))
            extra = []
            if r.sketch_query:
                square = grid.cell_square(self.m.query, S.ACCENT, 5)
                grid.add(square)  # leaves with the photo
                extra = [Create(square)]
            self.play(FadeIn(prompt), FadeIn(sketch), *extra, run_time=cue.share(0.1))
            panel.remove(clock)
        start = self.clock
        run_countdown(self, clock)  # the pause: no narration plays here
        self.pauses.append((r.ask, start, self.clock - start))

        with self.narrate(r.reveal) as cue:
            self.play(FadeOut(prompt), FadeOut(sketch), run_time=cue.share(0.05))
            answer = r.build()
            if r.wide:
                self.play(FadeOut(grid), run_time=cue.share(0.05))
                WIDE_MAP.place(answer)
            else:
                top = L.Region(answer_area.left, answer_area.right, answer_area.bottom + NOTES_HEIGHT, answer_area.top)
                top.place(answer)
            self.play(FadeIn(answer), run_time=cue.share(0.15))
        self.answer = answer

        with self.narrate(r.notice) as cue:
            if r.marks is not None:
                self.play(Create(r.marks(answer)), run_time=cue.share(0.1))
            area = (L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom, answer.get_bottom()[1] - 0.2) if r.wide
                    else L.Region(answer_area.left, answer_area.right, L.MAIN.bottom,
                                  answer.get_bottom()[1] - 0.25))
            # Wrapped to the strip's width at a readable size; scaled down only if the lines are too tall.
            lines = VGroup(*[wrapped(s, S.SMALL, area.width) for s in r.notes()]).arrange(DOWN, aligned_edge=LEFT,
                                                                                         buff=0.15)
            area.place(lines, aligned=UP + LEFT if r.wide else UP)
            self.play(FadeIn(lines), run_time=cue.share(0.15))
            if r.citation is not None:
                self.add(CitationCard(*r.citation))

    # ------------------------------------------------------------------ the maps
    def per_head(self, maps: np.ndarray, row: str, cols: list[str], label: str) -> SmallMultiples:
        """One row of per-head maps over the photo, one shared colour bar."""
        return SmallMultiples(np.asarray(maps)[None], [row], cols, picture=self.trace.picture, label=label,
                              width=WIDE_MAP.width, height=WIDE_MAP.height)

    def all_blocks(self) -> SmallMultiples:
        d = self.dims
        maps = np.transpose(self.m.cls_all, (1, 0, 2, 3))      # (H, depth, g, g): heads down, blocks across
        return SmallMultiples(maps, [f"head {h + 1}" for h in range(d.H)], [str(b + 1) for b in range(d.depth)],
                              picture=self.trace.picture, label="attention weight", col_title="block",
                              width=WIDE_MAP.width, height=WIDE_MAP.height)

    def rollout_map(self) -> HeatmapOnPhoto:
        return HeatmapOnPhoto(self.trace.picture, self.m.rollout, label="rollout weight (CLS row)",
                              height=L.RIGHT.height - NOTES_HEIGHT)

    def mask_maps(self) -> SmallMultiples:
        H = self.dims.H
        return SmallMultiples(self.m.masks.astype(np.float64)[None], [f"block {self.dims.depth}"],
                              [f"head {h + 1}: {int(self.r5_kept[h])}" for h in range(H)], picture=self.trace.picture,
                              cmap="inferno", vmin=0.0, vmax=1.0, label="kept (1) or not (0)", alpha=0.55,
                              width=WIDE_MAP.width, height=WIDE_MAP.height)

    def class_pair(self) -> Group:
        m = self.m
        cols = WIDE_MAP.columns(2, gutter=0.8)
        out = Group()
        for rank, col in zip((0, m.second), cols):
            hm = HeatmapOnPhoto(self.trace.picture, m.class_maps[rank], label="relevance", height=col.height - 0.6)
            name = m.top5[rank][1]
            title = S.text(f"{name} (rank {rank + 1}, {num.percent(m.top5[rank][2]).screen})", S.SMALL,
                           S.ACCENT if rank == 0 else S.BLUE)
            box = Group(title, hm).arrange(DOWN, buff=0.2)
            col.place(box)
            out.add(box)
        return out

    def norm_map(self) -> HeatmapOnPhoto:
        return HeatmapOnPhoto(self.trace.picture, self.m.norms[self.r7_block],
                              label=f"token norm after block {self.r7_block + 1}",
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
    def r1_notes(self) -> list[str]:
        v = self.values
        out = [f"brightest (head average): {v['r1_peak']}, {v['r1_peak_weight'].screen}; even: "
               f"{v['even_weight'].screen}",
               f"top {v['top_k']} patches hold {v['r1_topk_low'].screen} to {v['r1_topk_high'].screen} "
               f"(even: {v['even_topk'].screen})"]
        if self.has_regions:
            out.append("cat square: " + " / ".join(num.percent(s).screen for s in self.r1_cat)
                       + f" per head (area {num.percent(self.m.regions['cat'].patches.mean()).screen})")
        return out

    def r2_notes(self) -> list[str]:
        v = self.values
        return [f"head {v['r2_head']}: itself {v['r2_self'].screen}, 3x3 neighbourhood {v['r2_near'].screen} "
                f"(even: {v['r2_even_near'].screen})",
                f"to CLS, not drawn: {v['r2_cls_low'].screen} to {v['r2_cls_high'].screen} across heads"]

    def r3_notes(self) -> list[str]:
        v = self.values
        return [f"most spread: block {v['r3_spread_block']}, ~{v['r3_spread_eff'].screen} patches' worth per head; "
                f"most concentrated: block {v['r3_sharp_block']}, ~{v['r3_sharp_eff'].screen}"]

    def r4_notes(self) -> list[str]:
        v = self.values
        out = [f"CLS keeps {v['rollout_cls'].screen} on itself (not drawn)",
               f"spread: ~{v['r4_eff'].screen} patches' worth vs ~{v['r4_last_eff'].screen} in block "
               f"{self.dims.depth}"]
        if self.has_regions:
            out.append(f"cat square: {num.percent(self.r4_cat).screen} of the patch weight")
        return out

    def r5_notes(self) -> list[str]:
        v = self.values
        out = [f"patches kept per head: {v['r5_kept_low']} to {v['r5_kept_high']} of {self.dims.N}",
               f"separate pieces per mask: {v['r5_pieces_low']} to {v['r5_pieces_high']}"]
        if self.has_regions:
            out.append(f"kept patches in the cat square: {num.percent(self.r5_cat).screen}")
        return out

    def r6_notes(self) -> list[str]:
        v = self.values
        out = [f"cosine similarity of the two maps: {v['class_cosine'].screen}; "
               f"strongest {v['top_k']} patches in common: {v['r6_common']}"]
        if self.has_regions:
            out.append(f"cat square: {num.percent(self.r6_cat[0]).screen} vs {num.percent(self.r6_cat[1]).screen}"
                       " of the relevance")
        return out

    def r7_notes(self) -> list[str]:
        v = self.values
        out = [f"block {v['r7_block']}: largest norm = {v['r7_ratio_max'].screen} x median"]
        if self.r7_outlier:
            out.append(f"{len(self.r7_outliers)} tokens at >= {int(OUTLIER)} x median; CLS gives them "
                       f"{num.percent(min(self.r7_cls_mass)).screen} to {num.percent(max(self.r7_cls_mass)).screen}")
            out.append("same patches on a second photo: " + ("yes" if self.r7_same_elsewhere else "no"))
        return out

    # ------------------------------------------------------------------ the cues around the rounds
    def hook(self):
        with self.narrate("hook") as cue:
            self.show_title(cue, hold=0.15)
            grid = PhotoGrid(self.trace.picture, self.dims.grid, height=L.MAIN.height * 0.9, line_width=1,
                             line_opacity=0.5)
            L.LEFT.place(grid)
            steps = VGroup(*[S.text(s, S.HEADING, c) for s, c in (("1. predict", S.ACCENT), ("2. check", S.GREEN),
                                                              ("3. notice", S.INK))]).arrange(DOWN, buff=0.5,
                                                                                             aligned_edge=LEFT)
            L.RIGHT.place(steps)
            self.play(FadeIn(grid), run_time=cue.share(0.1))
            self.play(FadeIn(steps, shift=0.2 * UP), run_time=cue.share(0.15))

    def rules(self):
        with self.narrate("rules") as cue:
            self.add(Heading("How a round works"))
            rows = VGroup(*[S.text(f"{k}. {s}", S.BODY) for k, s in enumerate((
                "a question, and the photo with its patch grid",
                f"a {PAUSE_SECONDS}-second countdown: sketch, or pause the video",
                "the real map, computed from this model on this photo",
                "what to notice, read from the numbers"), start=1)]).arrange(DOWN, buff=0.45, aligned_edge=LEFT)
            L.Region(L.MAIN.left, L.MAIN.right, L.MAIN.bottom + 1.6, L.MAIN.top).place(rows)
            clock = Countdown(PAUSE_SECONDS, caption=None).scale(0.8)
            clock.next_to(rows, DOWN, buff=0.5)
            self.play(FadeIn(rows, lag_ratio=0.3), run_time=cue.share(0.3))
            self.play(FadeIn(clock), run_time=cue.share(0.05))

    def photo(self):
        t = self.trace
        with self.narrate("photo") as cue:
            self.add(Heading("The photo, and what the model says about it"))
            grid = PhotoGrid(t.picture, self.dims.grid, height=L.LEFT.height, line_width=1, line_opacity=0.5)
            L.LEFT.place(grid)
            bars = TopKBars(t.top5, height=2.6, width=L.RIGHT.width, places=1)
            title = S.text(f"top 5 of {num.integer(self.dims.num_classes).screen} classes", S.SMALL, S.MUTED)
            right = Group(title, bars).arrange(DOWN, buff=0.3)
            L.RIGHT.place(right, aligned=UP)
            self.play(FadeIn(grid), FadeIn(right), run_time=cue.share(0.15))
            if self.has_regions:
                regions = self.m.regions
                cat = grid.outline(regions["cat"].indices, S.ACCENT, 5)
                key = VGroup(S.text(f"{regions['cat'].words}: {len(regions['cat'].indices)} patches "
                                    "(exact, from how the collage was built)", S.SMALL, S.ACCENT),
                             S.text(f"{regions['person'].words}: the other {len(regions['person'].indices)}",
                                    S.SMALL, S.INK))
                if "face" in regions:
                    face = grid.outline(regions["face"].indices, S.GREEN, 4)
                    key.add(S.text(regions["face"].words, S.SMALL, S.GREEN))
                else:
                    face = VGroup()
                key.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
                key.next_to(right, DOWN, buff=0.6)
                if key.width > L.RIGHT.width:
                    key.scale_to_fit_width(L.RIGHT.width)
                key.align_to(right, LEFT)
                self.play(Create(cat), Create(face), FadeIn(key), run_time=cue.share(0.2))

    def closing(self):
        with self.narrate("closing") as cue:
            self.add(Heading("Score yourself: what was likely right, what surprises"))
            left, right = L.MAIN.split(0.5, gutter=0.8)
            a = Group(S.text("likely right", S.BODY, S.GREEN),
                      *[wrapped("• " + s, S.SMALL, left.width) for s in self.right]).arrange(DOWN, buff=0.25,
                                                                                          aligned_edge=LEFT)
            b = Group(S.text("what usually surprises", S.BODY, S.ACCENT),
                      *[wrapped("• " + s, S.SMALL, right.width) for s in self.surprise]).arrange(
                DOWN, buff=0.25, aligned_edge=LEFT)
            left.place(a, aligned=UP + LEFT)
            right.place(b, aligned=UP + LEFT)
            self.play(FadeIn(a), run_time=cue.share(0.15))
            self.play(FadeIn(b), run_time=cue.share(0.15))
            note = CaveatNote("attention maps show where one step reads from; class-specific maps are needed to "
                              "say which regions support which class", width=L.MAIN.width * 0.9)
            L.FOOTER.place(note)
            note.align_to(L.FOOTER.point(DOWN), DOWN)
            self.play(FadeIn(note), run_time=cue.share(0.1))

    def recap(self):
        with self.narrate("recap") as cue:
            self.add(Heading("Takeaway"))
            take = wrapped("Predict first, then check every claim about a map against the tensor it came from: "
                           "attention shows where information flows, not why the model decided.",
                           S.BODY, L.MAIN.width * 0.85, S.ACCENT)
            L.MAIN.place(take)
            self.play(FadeIn(take), run_time=cue.share(0.2))
            self.play(FadeIn(NextLessonFooter(self.lesson, "short answers to the questions this course raises")),
                      run_time=cue.share(0.1))

