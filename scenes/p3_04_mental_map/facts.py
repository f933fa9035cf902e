"""The one-page mental map for picking a backbone: five questions, each ending on a named family and a reason.

The map's words are the lesson's script (script.toml, its [screen] table); this module holds what they are
filled from: the course's own cached results (the small-data experiment of vitmath/small_data.py, the params /
MACs / CPU latency table of vitmath/backbones.py, the Swin-T stage geometry read from the model) and the
paper numbers the map cites. Where a result could come out either way (who led, who was fastest), a choice
key is picked here from the numbers, so the map stays true if a rerun comes out differently.

The scene fills a `BackboneMap` from the script and draws it; the printable cheat sheet
(scenes/common/cheat_sheet.py, PNG and PDF) draws the same object, so video and sheet cannot disagree.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from narration.script import Choice
from scenes.common.values import paper_values
from vitmath import papers
from vitmath.backbones import ROADMAP, ArchitectureFacts, BackboneTable
from vitmath.small_data import SmallDataResult

# Paper numbers (ViT Table 5, DeiT, ResNet strikes back) are vitmath.papers'; their sources are cited on
# screen (the words are in script.toml).
# ViTDet's simple feature pyramid: the plain ViT's last map, scaled by these factors (2x2 deconvolutions up,
# a stride-2 pooling down), gives strides 4, 8, 16, 32 for a patch of 16 (Li et al. 2022, Sec. 3).
VITDET_SCALES = (4, 2, 1, 0.5)
SPOKEN_NAME = {"ViT-S/16": "ViT-S"}   # "ViT-S/16" would be read out slash and all
# Two models near-equal in MACs are called apart in latency when, in the rounds where the four took turns, the
# slower one's median ratio is above this and it was the slower in at least SURE_SHARE of the rounds: a burst of
# load on a shared machine slows one round of all four, not one model.
LATENCY_MATTERS = 1.10
SURE_SHARE = 0.8

# The map's shape: its branches in the order to ask them (each also the cue that shows it) and how many leaves
# each has. The words of branch `b`, leaf `j` are the script's `b_question`, `b_j_when`, `b_j_pick`, `b_j_why`
# and, for a cited number, `b_j_source`. The device comes first because it can rule whole families out; each
# later question chooses within what the earlier ones left, so no answer overrides an earlier one.
BRANCHES = (("device", 2), ("weights", 2), ("data", 2), ("task", 2), ("budget", 1))

CHOICES = {
    "small_data_pick": ("cnn_led", "never_led"),
    "small_data_choice": ("cnn_led", "never_led"),
    "small_data_reason": ("never", "every_size", "some_sizes"),
    "data_lead": ("never", "every_size", "some_sizes"),
    "small_data_tail": ("narrowed", "widest_last"),
    "data_close": ("level", "shrunk", "still_ahead"),
    "data_plenty_pick": ("closes", "still_led"),
    "seed_noise": ("within", "beyond"),
    "twin": ("matters", "close"),
}


@dataclass(frozen=True)
class Leaf:
    when: str               # the condition: "weights pre-trained on 14M+ images"
    pick: str               # the family the branch ends on: "a plain ViT"
    why: str                # the reason, with its number
    source: str | None = None   # the paper a cited number is from (None: measured in this course)


@dataclass(frozen=True)
class Branch:
    key: str                # the lesson's cue id for this branch
    question: str
    leaves: tuple           # tuple[Leaf, ...]


@dataclass(frozen=True)
class BackboneMap:
    title: str
    branches: tuple         # tuple[Branch, ...], in the order to ask them
    footnote: str           # what was measured where

    @property
    def sources(self) -> list[str]:
        """Every cited source, once, in order of appearance (a leaf's source may list several, joined by " · ")."""
        seen = []
        for b in self.branches:
            for leaf in b.leaves:
                for part in (leaf.source or "").split(" · "):
                    if part and part not in seen:
                        seen.append(part)
        return seen

    def strings(self) -> list[str]:
        """All the map's words, in reading order: what the scene and the sheet both draw."""
        out = [self.title]
        for k, b in enumerate(self.branches):
            out.append(question_label(k, b))
            for leaf in b.leaves:
                out += [leaf.when, leaf.pick, leaf.why]
        return out + [self.footnote]


def question_label(k: int, branch: Branch) -> str:
    return f"{k + 1}. {branch.question}"

# ---------------------------------------------------------------------------------------------- the facts
@dataclass(frozen=True)
class SmallDataFacts:
    sizes: tuple            # training-set sizes of the run
    cnn_led: tuple          # the sizes where the CNN's mean accuracy was higher
    biggest_gap: float      # the largest CNN - ViT gap of the means (0..1) ...
    biggest_gap_size: int   # ... and the size it was at
    last_size: int          # the largest training set
    last_gap: float         # CNN - ViT there, of the means (0..1)
    # CNN - ViT at the largest size seed by seed (each seed is one data split and initialisation, the same for
    # both models, so the two runs of a seed pair up): the lowest and highest of those gaps.
    last_gap_low: float
    last_gap_high: float


def small_data_facts(r: SmallDataResult) -> SmallDataFacts:
    gaps = [r.gap(n) for n in r.sizes]
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    per_seed = (r.runs("CNN", r.sizes[-1]) - r.runs("ViT", r.sizes[-1])).tolist()
    return SmallDataFacts(tuple(r.sizes), tuple(n for n, g in zip(r.sizes, gaps) if g > 0),
                          gaps[worst], r.sizes[worst], r.sizes[-1], gaps[-1], min(per_seed), max(per_seed))


@dataclass(frozen=True)
class TableFacts:
    macs_low_g: float       # the cheapest and dearest of the four, GMACs
    macs_high_g: float
    params_low_m: float     # millions
    params_high_m: float
    # The pair with the closest MACs: MACs alone would call them equally fast.
    twin_fast: str
    twin_slow: str
    twin_macs_diff: float   # relative difference in MACs (0..1)
    twin_latency_ratio: float   # slow / fast: the median over the rounds of the ratio within a round
    twin_slower_rounds: int     # rounds in which the slow one was the slower
    rounds: int


def round_ratios(slow, fast) -> list[float]:
    """slow / fast latency round by round. The four models took turns within each round, so a burst of other
    work on the machine slows both members of a round alike and the ratio holds where the milliseconds do not."""
    return [a / b for a, b in zip(slow.latency_runs_ms, fast.latency_runs_ms)]


def table_facts(t: BackboneTable) -> TableFacts:
    rows = t.rows
    pairs = [(a, b) for i, a in enumerate(rows) for b in rows[i + 1:]]
    a, b = min(pairs, key=lambda p: abs(p[0].macs - p[1].macs) / min(p[0].macs, p[1].macs))
    fast, slow = sorted((a, b), key=lambda r: r.latency_ms)
    ratios = round_ratios(slow, fast)
    return TableFacts(
        min(r.macs for r in rows) / 1e9, max(r.macs for r in rows) / 1e9,
        min(r.params for r in rows) / 1e6, max(r.params for r in rows) / 1e6,
        fast.short, slow.short, abs(a.macs - b.macs) / min(a.macs, b.macs), statistics.median(ratios),
        sum(x > 1 for x in ratios), len(ratios))


@dataclass(frozen=True)
class RecipeFacts:
    """One ResNet-50 under three recipes, and ConvNeXt-T under the 300-epoch one (cited, ImageNet-1k, 224)."""
    original: float         # 90 epochs (ConvNeXt Fig. 2's starting point; torchvision's weights)
    modern: float           # ConvNeXt's 300-epoch recipe, same network (Fig. 2)
    rsb: float              # ResNet strikes back, A1, 600 epochs
    convnext: float         # end of ConvNeXt's roadmap, the same 300-epoch recipe (Fig. 2)

    @property
    def recipe_gain(self) -> float:
        return self.rsb - self.original

    @property
    def architecture_gain(self) -> float:
        return self.convnext - self.modern


def recipe_facts() -> RecipeFacts:
    (_, original), (_, modern), (_, end) = ROADMAP
    return RecipeFacts(original, modern, papers.RSB_A1_TOP1, end)


def pyramid_sides(arch: ArchitectureFacts) -> list[int]:
    """Swin-T's tokens per side at each stage (56, 28, 14, 7 at 224): a feature pyramid."""
    return [s.tokens for s in arch.swin.stages]


def pyramid_strides(arch: ArchitectureFacts) -> list[int]:
    """Pixels per token at each Swin-T stage (4, 8, 16, 32)."""
    return [s.pixels_per_token for s in arch.swin.stages]


def vitdet_sides(grid: int) -> list[int]:
    """Tokens per side of ViTDet's simple pyramid built from a plain ViT's last grid (56, 28, 14, 7 from 14);
    the pooled map rounds down, as a stride-2 pooling does."""
    return [int(grid * s) for s in VITDET_SCALES]


def vitdet_strides(patch: int) -> list[int]:
    """Pixels per token at each level of that pyramid (4, 8, 16, 32 for a patch of 16)."""
    return [round(patch / s) for s in VITDET_SCALES]


# ---------------------------------------------------------------------------------------------- the choices
def lead_key(f: SmallDataFacts) -> str:
    """Where the small CNN was ahead of the small ViT in the digits run."""
    if not f.cnn_led:
        return "never"
    return "every_size" if len(f.cnn_led) == len(f.sizes) else "some_sizes"


def led_key(f: SmallDataFacts) -> str:
    return "cnn_led" if f.cnn_led else "never_led"


def tail_key(f: SmallDataFacts) -> str:
    """Whether the gap at the largest size was smaller than the biggest gap (then the map says so too)."""
    return "narrowed" if f.last_gap < f.biggest_gap else "widest_last"


def close_key(f: SmallDataFacts) -> str:
    """How the gap stood with the most training images."""
    if f.last_gap <= 0:
        return "level"
    return "shrunk" if f.last_gap < f.biggest_gap / 2 else "still_ahead"


def plenty_key(f: SmallDataFacts) -> str:
    return "closes" if f.last_gap < f.biggest_gap / 2 else "still_led"


def noise_key(f: SmallDataFacts) -> str:
    """Whether the seeds agree on who led at the largest size: if their gaps straddle zero, the mean gap is
    within the seeds' noise."""
    return "within" if f.last_gap_low <= 0 <= f.last_gap_high else "beyond"


def twin_key(f: TableFacts) -> str:
    """Whether the two backbones closest in MACs were reliably apart in latency, round by round."""
    sure = f.twin_slower_rounds >= SURE_SHARE * f.rounds
    return "matters" if f.twin_latency_ratio > LATENCY_MATTERS and sure else "close"


def small_data_choices(f: SmallDataFacts) -> dict:
    """The choices the digits run decides: said in the data and map cues, and written on the map (data_1_pick,
    data_1_why, data_2_pick), which only drawing fills."""
    return {
        "data_lead": Choice(lead_key(f)),
        "data_close": Choice(close_key(f)),
        "seed_noise": Choice(noise_key(f)),
        "small_data_choice": Choice(led_key(f)),
        "small_data_pick": Choice(led_key(f)),
        "small_data_reason": Choice(lead_key(f), small_data_tail=Choice(tail_key(f))),
        "data_plenty_pick": Choice(plenty_key(f)),
    }


def table_choices(f: TableFacts) -> dict:
    """The choice the backbone table's timings decide: said in the device cue."""
    return {"twin": Choice(twin_key(f))}


# ---------------------------------------------------------------------------------------------- the values
def _say(short: str) -> str:
    return SPOKEN_NAME.get(short, short)


def _sizes(ns) -> str:
    ns = [f"{n:,}" for n in ns]
    return ns[0] if len(ns) == 1 else ", ".join(ns[:-1]) + " and " + ns[-1]


def _pts(x: float) -> str:
    """A gap in accuracy (0..1) as signed points, with a true minus sign."""
    return f"{100 * x:+.1f}".replace("-", "\u2212")


def lesson_values(small: SmallDataResult, table: BackboneTable, arch: ArchitectureFacts, grid: int,
                  patch: int) -> dict:
    """What the lesson's words (spoken and drawn, the map's included) are filled from: numbers and choices.
    `grid` and `patch` are the lesson's ViT's (tokens per side, pixels per patch side)."""
    sd, tf, rf = small_data_facts(small), table_facts(table), recipe_facts()
    b, big = papers.VIT_TABLE5["b16"], papers.VIT_TABLE5["l16"]
    sides, strides = pyramid_sides(arch), pyramid_strides(arch)
    m = table.machine
    return {
        **paper_values(),
        "l16_gain": f"{big[-1] - big[0]:.1f}",
        # the digits run
        "seeds": len(small.seeds),
        "cnn_led_sizes": _sizes(sd.cnn_led) if sd.cnn_led else "",
        "biggest_gap": f"{100 * sd.biggest_gap:.1f}",
        "biggest_gap_size": f"{sd.biggest_gap_size:,}",
        "last_size": f"{sd.last_size:,}",
        "last_gap": f"{abs(100 * sd.last_gap):.1f}",
        "last_gap_signed": _pts(sd.last_gap),
        "gap_low": _pts(sd.last_gap_low),
        "gap_high": _pts(sd.last_gap_high),
        **small_data_choices(sd),
        # the plain grid, ViTDet's pyramid from it, Swin-T's stages
        "vitdet_sides": "/".join(map(str, vitdet_sides(grid))),
        "vitdet_strides": _sizes(vitdet_strides(patch)),
        "vitdet_strides_slashed": "/".join(map(str, vitdet_strides(patch))),
        "pyramid_sides": _sizes(sides),
        "pyramid_strides": _sizes(strides),
        "sides_slashed": "/".join(map(str, sides)),
        "strides_slashed": "/".join(map(str, strides)),
        # the backbone table
        "table_size": table.image_size,
        "runs": table.runs,
        "threads": m.threads,
        "cpu": m.cpu,
        "macs_low": f"{tf.macs_low_g:.1f}",
        "macs_high": f"{tf.macs_high_g:.1f}",
        "params_low": f"{tf.params_low_m:.0f}",
        "params_high": f"{tf.params_high_m:.0f}",
        "twin_slow": _say(tf.twin_slow),
        "twin_fast": _say(tf.twin_fast),
        "twin_slow_short": tf.twin_slow,
        "twin_fast_short": tf.twin_fast,
        "twin_within": max(1, round(100 * tf.twin_macs_diff)),
        "twin_longer": f"{100 * (tf.twin_latency_ratio - 1):.0f}",
        "twin_ratio": f"{tf.twin_latency_ratio:.2f}",
        "twin_rounds": tf.twin_slower_rounds,
        "rounds": tf.rounds,
        **table_choices(tf),
        # one network, three recipes
        "r50_original": f"{rf.original:.1f}",
        "r50_modern": f"{rf.modern:.1f}",
        "r50_rsb": f"{rf.rsb:.1f}",
        "convnext_recipe": f"{rf.convnext:.1f}",
        "recipe_gain": f"{rf.recipe_gain:.1f}",
        "architecture_gain": f"{rf.architecture_gain:.1f}",
    }
