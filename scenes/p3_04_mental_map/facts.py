"""The one-page mental map for picking a backbone: five questions, each ending on a named family and a reason.

The map is data, built once from the course's own cached results, and drawn twice from the same object: by the
lesson's scene (scenes/p3_04_mental_map/scene.py) and by the printable cheat sheet (scenes/common/cheat_sheet.py,
PNG and PDF). So video and sheet cannot disagree.

Where a reason quotes a number, it is either measured here (the small-data experiment of vitmath/small_data.py,
the params / MACs / CPU latency table of vitmath/backbones.py, the Swin-T stage geometry read from the model)
or cited from a paper, and then the leaf carries its source. Words that depend on a result (who led, who was
fastest) are chosen from the numbers, so the map stays true if a rerun comes out differently.

    m = backbone_map(cached_small_data(), cached_backbone_table(), cached_architecture_facts(), grid=14, patch=16)
    for branch in m.branches: ...
"""
from __future__ import annotations

from dataclasses import dataclass

from vitmath.backbones import ArchitectureFacts, BackboneTable
from vitmath.small_data import SmallDataResult

# Paper numbers, each with its source (the same facts and citations as lessons p3-01 and p3-03).
VIT_PAPER_NAME, DEIT_PAPER_NAME = "Dosovitskiy et al. 2021 (ViT)", "Touvron et al. 2021 (DeiT)"
VIT_PAPER, DEIT_PAPER = f"{VIT_PAPER_NAME}, Table 5", f"{DEIT_PAPER_NAME}, Table 5"
ACCURACY_SOURCES = f"Liu et al. 2021 (Swin), Table 1 · Liu et al. 2022 (ConvNeXt), Table 1 and Fig. 2 · {DEIT_PAPER}"
# ViT paper Table 5: ViT-B/16 fine-tuned at 384 px, ImageNet top-1 (%) by pre-training dataset.
VIT_B16_TOP1 = (("ImageNet-1k", 77.91), ("ImageNet-21k", 83.97), ("JFT-300M", 84.15))
DEIT_B_TOP1 = 81.8   # DeiT paper Table 5: DeiT-B, ImageNet-1k only, 224 px
# How the map names a backbone table row's accuracy: the cited number for ViT-S/16 is DeiT-S's (same network).
ACCURACY_NAME = {"ViT-S/16": "DeiT-S"}


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


# ---------------------------------------------------------------------------------------------- the words
def _sizes(ns) -> str:
    ns = [f"{n:,}" for n in ns]
    return ns[0] if len(ns) == 1 else ", ".join(ns[:-1]) + " and " + ns[-1]


def small_data_reason(f: SmallDataFacts) -> str:
    """What our digits run showed, in words chosen from its numbers."""
    if not f.cnn_led:
        return "our digits run: the small ViT was never behind the small CNN"
    where = "at every size" if len(f.cnn_led) == len(f.sizes) else f"at {_sizes(f.cnn_led)} images"
    s = f"our digits run: the small CNN led {where}, by up to {100 * f.biggest_gap:.1f} pts ({f.biggest_gap_size:,})"
    if f.last_gap < f.biggest_gap:
        s += f", {100 * f.last_gap:+.1f} at {f.last_size:,}"
    return s


def small_data_pick(f: SmallDataFacts) -> str:
    return "a CNN (locality built in)" if f.cnn_led else "either: test both"


def latency_reason(f: TableFacts) -> str:
    s = f"fastest here: {f.fastest}, {f.fastest_ms:.0f} ms on one CPU thread"
    if f.fastest == f.fewest_macs:
        s += " (also fewest MACs)"
    else:
        s += f"; fewest MACs: {f.fewest_macs}"
    return s


def twin_reason(f: TableFacts) -> str:
    return (f"{f.twin_slow} vs {f.twin_fast}: MACs within {max(1, round(100 * f.twin_macs_diff))}%, "
            f"CPU latency x{f.twin_latency_ratio:.2f}")


LATENCY_MATTERS = 1.10   # a latency ratio above this, at near-equal MACs, is more than timing noise here


def twin_pick(f: TableFacts) -> str:
    return "latency, not MACs" if f.twin_latency_ratio > LATENCY_MATTERS else "MACs were a fair guide here; still measure"


def data_plenty_pick(f: SmallDataFacts) -> str:
    return "the gap closes: let 1, 3, 4, 5 decide" if f.last_gap < f.biggest_gap / 2 else "a CNN still led"


def budget_reason(f: TableFacts) -> str:
    return (f"the four here: {f.macs_low_g:.1f}-{f.macs_high_g:.1f} GMACs, {f.params_low_m:.0f}-"
            f"{f.params_high_m:.0f} M params; best cited top-1 at that cost: {f.best_cited} {f.best_cited_top1:.1f}%")


def backbone_map(small: SmallDataResult, table: BackboneTable, arch: ArchitectureFacts,
                 grid: int, patch: int) -> BackboneMap:
    """The map. `grid` and `patch` are the lesson's own ViT's (a plain ViT: one grid of grid x grid tokens)."""
    sd, tf = small_data_facts(small), table_facts(table)
    (in1k, in1k_top1), (in21k, in21k_top1), (jft, jft_top1) = VIT_B16_TOP1
    sides = pyramid_sides(arch)
    strides = pyramid_strides(arch)
    branches = (
        Branch("weights", "What were your pre-trained weights trained on?", (
            Leaf(f"{in21k}, JFT or web scale", "a plain ViT",
                 f"ViT-B/16: {in1k_top1:.1f}% from {in1k}, {in21k_top1:.1f}% from {in21k}, "
                 f"{jft_top1:.1f}% from {jft}", VIT_PAPER),
            Leaf(f"{in1k} only, or nothing", "a ConvNet, or a ViT with DeiT's recipe",
                 f"DeiT-B: {DEIT_B_TOP1:.1f}% from {in1k} alone, with heavy augmentation", DEIT_PAPER),
        )),
        Branch("data", "How many labelled images do you have?", (
            Leaf("few, and no relevant pre-training", small_data_pick(sd), small_data_reason(sd)),
            Leaf("many, or good pre-trained weights", data_plenty_pick(sd),
                 f"CNN minus ViT at {sd.last_size:,} images: {100 * sd.last_gap:+.1f} pts"),
        )),
        Branch("task", "Dense task or high resolution?", (
            Leaf("detection, segmentation, large images", "a hierarchical backbone: Swin or ConvNeXt",
                 f"Swin-T: {'/'.join(map(str, sides))} tokens per side (stride {'/'.join(map(str, strides))}), "
                 "a feature pyramid; windowed attention"),
            Leaf("one label per image", "a plain ViT is fine",
                 f"one {grid}x{grid} grid at stride {patch}; global attention grows with tokens squared"),
        )),
        Branch("budget", "What compute budget (MACs, parameters)?", (
            Leaf("a fixed MACs budget", "compare accuracy at equal cost", budget_reason(tf),
                 ACCURACY_SOURCES),
        )),
        Branch("deploy", "Where will it run?", (
            Leaf("CPU or phone, batch 1", f"measure: here {tf.fastest}", latency_reason(tf)),
            Leaf("any device", twin_pick(tf), twin_reason(tf)),
        )),
    )
    m = table.machine
    footnote = (f"Measured in this course: small ViT vs small CNN on scikit-learn digits ({len(small.seeds)} seeds); "
                f"params, MACs at {table.image_size} px, CPU latency (median of {table.runs}, batch 1, "
                f"{m.threads} thread, {m.cpu}). Other numbers cited.")
    return BackboneMap("A one-page map for picking your next backbone", branches, footnote)


# ---------------------------------------------------------------------------------------------- the narration
SPOKEN_NAME = {"ViT-S/16": "ViT-S"}   # "ViT-S/16" would be read out slash and all


def _say(short: str) -> str:
    return SPOKEN_NAME.get(short, short)


def data_sentence(f: SmallDataFacts) -> str:
    """Who led in the digits run and by how much, from its numbers."""
    if not f.cnn_led:
        return "There, the small ViT was never behind the small CNN on average."
    where = "at every size we tried" if len(f.cnn_led) == len(f.sizes) else f"at {_sizes(f.cnn_led)} images"
    return (f"There, the small CNN was ahead {where}, "
            f"by as much as {100 * f.biggest_gap:.1f} points, with {f.biggest_gap_size:,} training images.")


def data_close_sentence(f: SmallDataFacts) -> str:
    gap = abs(100 * f.last_gap)
    if f.last_gap <= 0:
        return f"With {f.last_size:,} images, the ViT was level or ahead, by {gap:.1f} points."
    if f.last_gap < f.biggest_gap / 2:
        return f"With {f.last_size:,} images, the gap had shrunk to {gap:.1f} points."
    return f"Even with {f.last_size:,} images, the CNN was still {gap:.1f} points ahead."


def latency_sentence(f: TableFacts) -> str:
    s = f"On this machine's CPU, on one thread, the fastest was {_say(f.fastest)}, at {f.fastest_ms:.0f} milliseconds per image"
    if f.fastest == f.fewest_macs:
        return s + ", and it also had the fewest multiply-adds."
    return s + f", although {_say(f.fewest_macs)} had the fewest multiply-adds."


def twin_sentence(f: TableFacts) -> str:
    a, b = _say(f.twin_slow), _say(f.twin_fast)
    within = max(1, round(100 * f.twin_macs_diff))
    if f.twin_latency_ratio > LATENCY_MATTERS:
        return (f"But {a} and {b} are within {within} percent in multiply-adds, and {a} took "
                f"{100 * (f.twin_latency_ratio - 1):.0f} percent longer.")
    return (f"{a} and {b} are within {within} percent in multiply-adds, and here their latencies were "
            f"close too, within {100 * (f.twin_latency_ratio - 1):.0f} percent; that will not hold on every device.")


def spoken_values(small: SmallDataResult, table: BackboneTable, arch: ArchitectureFacts) -> dict:
    """The lesson's narration placeholders, from the same facts as the map."""
    sd, tf = small_data_facts(small), table_facts(table)
    (_, in1k), (_, in21k), (_, jft) = VIT_B16_TOP1
    return {
        "in1k_top1": f"{in1k:.1f}",
        "in21k_top1": f"{in21k:.1f}",
        "jft_top1": f"{jft:.1f}",
        "deit_top1": f"{DEIT_B_TOP1:.1f}",
        "data_sentence": data_sentence(sd),
        # the map cue's summary of this branch, so it says what the run picked, not what one expects
        "small_data_choice": "a CNN" if sd.cnn_led else "either kind, so test both",
        "data_close_sentence": data_close_sentence(sd),
        "pyramid_sides": _sizes(pyramid_sides(arch)),
        "pyramid_strides": _sizes(pyramid_strides(arch)),
        "macs_low": f"{tf.macs_low_g:.1f}",
        "macs_high": f"{tf.macs_high_g:.1f}",
        "params_low": f"{tf.params_low_m:.0f}",
        "params_high": f"{tf.params_high_m:.0f}",
        "best_cited": tf.best_cited,
        "best_cited_top1": f"{tf.best_cited_top1:.1f}",
        "latency_sentence": latency_sentence(tf),
        "twin_sentence": twin_sentence(tf),
    }


def lesson_map(grid: int, patch: int) -> tuple[BackboneMap, dict]:
    """The map and its narration values, from the cached results (computed on first use: minutes)."""
    from vitmath.backbones import cached_architecture_facts, cached_backbone_table
    from vitmath.small_data import cached_small_data

    small, table, arch = cached_small_data(), cached_backbone_table(), cached_architecture_facts()
    return backbone_map(small, table, arch, grid, patch), spoken_values(small, table, arch)
