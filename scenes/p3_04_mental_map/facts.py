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

from dataclasses import dataclass

from narration.script import Choice
from vitmath.backbones import ArchitectureFacts, BackboneTable
from vitmath.small_data import SmallDataResult

# Paper numbers; their sources are cited on screen (the words are in script.toml).
# ViT paper Table 5: ViT-B/16 fine-tuned at 384 px, ImageNet top-1 (%) by pre-training dataset.
VIT_B16_TOP1 = (("ImageNet-1k", 77.91), ("ImageNet-21k", 83.97), ("JFT-300M", 84.15))
DEIT_B_TOP1 = 81.8   # DeiT paper Table 5: DeiT-B, ImageNet-1k only, 224 px
# How the map names a backbone table row's accuracy: the cited number for ViT-S/16 is DeiT-S's (same network).
ACCURACY_NAME = {"ViT-S/16": "DeiT-S"}
SPOKEN_NAME = {"ViT-S/16": "ViT-S"}   # "ViT-S/16" would be read out slash and all
LATENCY_MATTERS = 1.10   # a latency ratio above this, at near-equal MACs, is more than timing noise here

# The map's shape: its branches in the order to ask them (each also the cue that shows it) and how many leaves
# each has. The words of branch `b`, leaf `j` are the script's `b_question`, `b_j_when`, `b_j_pick`, `b_j_why`
# and, for a cited number, `b_j_source`.
BRANCHES = (("weights", 2), ("data", 2), ("task", 2), ("budget", 1), ("deploy", 2))

CHOICES = {
    "small_data_pick": ("cnn_led", "never_led"),
    "small_data_choice": ("cnn_led", "never_led"),
    "small_data_reason": ("never", "every_size", "some_sizes"),
    "data_lead": ("never", "every_size", "some_sizes"),
    "small_data_tail": ("narrowed", "widest_last"),
    "data_close": ("level", "shrunk", "still_ahead"),
    "data_plenty_pick": ("closes", "still_led"),
    "fastest_reason": ("also_fewest", "not_fewest"),
    "latency": ("also_fewest", "not_fewest"),
    "twin_pick": ("matters", "close"),
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
    biggest_gap: float      # the largest CNN - ViT gap (0..1) ...
    biggest_gap_size: int   # ... and the size it was at
    last_size: int          # the largest training set
    last_gap: float         # CNN - ViT there (0..1)


def small_data_facts(r: SmallDataResult) -> SmallDataFacts:
    gaps = [r.gap(n) for n in r.sizes]
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    return SmallDataFacts(tuple(r.sizes), tuple(n for n, g in zip(r.sizes, gaps) if g > 0),
                          gaps[worst], r.sizes[worst], r.sizes[-1], gaps[-1])


@dataclass(frozen=True)
class TableFacts:
    fastest: str            # lowest median CPU latency here
    fastest_ms: float
    fewest_macs: str
    fewest_macs_g: float    # GMACs
    macs_low_g: float       # the cheapest and dearest of the four, GMACs
    macs_high_g: float
    params_low_m: float     # millions
    params_high_m: float
    best_cited: str         # highest cited top-1 (named as cited: DeiT-S for ViT-S/16)
    best_cited_short: str   # its row in the table
    best_cited_top1: float
    # The pair with the closest MACs: MACs alone would call them equally fast.
    twin_fast: str
    twin_slow: str
    twin_macs_diff: float   # relative difference in MACs (0..1)
    twin_latency_ratio: float   # slow / fast latency


def table_facts(t: BackboneTable) -> TableFacts:
    rows = t.rows
    fast = min(rows, key=lambda r: r.latency_ms)
    cheap = min(rows, key=lambda r: r.macs)
    best = max(rows, key=lambda r: r.top1)
    # The two rows whose MACs are closest: MACs alone would call them equally fast.
    pairs = [(a, b) for i, a in enumerate(rows) for b in rows[i + 1:]]
    a, b = min(pairs, key=lambda p: abs(p[0].macs - p[1].macs) / min(p[0].macs, p[1].macs))
    f, s = sorted((a, b), key=lambda r: r.latency_ms)
    return TableFacts(
        fast.short, fast.latency_ms, cheap.short, cheap.macs / 1e9,
        min(r.macs for r in rows) / 1e9, max(r.macs for r in rows) / 1e9,
        min(r.params for r in rows) / 1e6, max(r.params for r in rows) / 1e6,
        ACCURACY_NAME.get(best.short, best.short), best.short, best.top1,
        f.short, s.short, abs(a.macs - b.macs) / min(a.macs, b.macs), s.latency_ms / f.latency_ms)


def pyramid_sides(arch: ArchitectureFacts) -> list[int]:
    """Swin-T's tokens per side at each stage (56, 28, 14, 7 at 224): a feature pyramid."""
    return [s.tokens for s in arch.swin.stages]


def pyramid_strides(arch: ArchitectureFacts) -> list[int]:
    """Pixels per token at each Swin-T stage (4, 8, 16, 32)."""
    return [s.pixels_per_token for s in arch.swin.stages]


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


def fastest_key(f: TableFacts) -> str:
    return "also_fewest" if f.fastest == f.fewest_macs else "not_fewest"


def twin_key(f: TableFacts) -> str:
    """Whether the two backbones closest in MACs were far apart in latency."""
    return "matters" if f.twin_latency_ratio > LATENCY_MATTERS else "close"


# ---------------------------------------------------------------------------------------------- the values
def _say(short: str) -> str:
    return SPOKEN_NAME.get(short, short)


def _sizes(ns) -> str:
    ns = [f"{n:,}" for n in ns]
    return ns[0] if len(ns) == 1 else ", ".join(ns[:-1]) + " and " + ns[-1]


def lesson_values(small: SmallDataResult, table: BackboneTable, arch: ArchitectureFacts) -> dict:
    """What the lesson's words (spoken and drawn, the map's included) are filled from: numbers and choices."""
    sd, tf = small_data_facts(small), table_facts(table)
    (_, in1k), (_, in21k), (_, jft) = VIT_B16_TOP1
    sides, strides = pyramid_sides(arch), pyramid_strides(arch)
    m = table.machine
    return {
        "in1k_top1": f"{in1k:.1f}",
        "in21k_top1": f"{in21k:.1f}",
        "jft_top1": f"{jft:.1f}",
        "deit_top1": f"{DEIT_B_TOP1:.1f}",
        # the digits run
        "seeds": len(small.seeds),
        "cnn_led_sizes": _sizes(sd.cnn_led) if sd.cnn_led else "",
        "biggest_gap": f"{100 * sd.biggest_gap:.1f}",
        "biggest_gap_size": f"{sd.biggest_gap_size:,}",
        "last_size": f"{sd.last_size:,}",
        "last_gap": f"{abs(100 * sd.last_gap):.1f}",
        "last_gap_signed": f"{100 * sd.last_gap:+.1f}",
        "data_lead": Choice(lead_key(sd)),
        "data_close": Choice(close_key(sd)),
        "small_data_choice": Choice(led_key(sd)),
        "small_data_pick": Choice(led_key(sd)),
        "small_data_reason": Choice(lead_key(sd), small_data_tail=Choice(tail_key(sd))),
        "data_plenty_pick": Choice(plenty_key(sd)),
        # Swin-T's pyramid
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
        "best_cited": tf.best_cited,
        "best_cited_top1": f"{tf.best_cited_top1:.1f}",
        "fastest": _say(tf.fastest),
        "fastest_short": tf.fastest,
        "fastest_ms": f"{tf.fastest_ms:.0f}",
        "fewest_macs": _say(tf.fewest_macs),
        "fewest_macs_short": tf.fewest_macs,
        "latency": Choice(fastest_key(tf)),
        "fastest_reason": Choice(fastest_key(tf)),
        "twin_slow": _say(tf.twin_slow),
        "twin_fast": _say(tf.twin_fast),
        "twin_slow_short": tf.twin_slow,
        "twin_fast_short": tf.twin_fast,
        "twin_within": max(1, round(100 * tf.twin_macs_diff)),
        "twin_longer": f"{100 * (tf.twin_latency_ratio - 1):.0f}",
        "twin_ratio": f"{tf.twin_latency_ratio:.2f}",
        "twin": Choice(twin_key(tf)),
        "twin_pick": Choice(twin_key(tf)),
    }
