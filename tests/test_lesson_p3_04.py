"""Lesson p3-04 (the backbone map): its numbers equal the cached results, recomputed here from the raw tensors
and rows; every choice key of its script is reachable; the map is filled from the script's words; the cheat
sheet is written (PNG 1920x1080, a one-page PDF) with exactly the map's words; the scene's map draws the same."""
from __future__ import annotations

import re
import statistics

import pytest
import torch

from choices import keys
from scenes.p3_04_mental_map import facts as bm
from vitmath import small_data as sd
from vitmath.backbones import BackboneRow, BackboneTable, Machine


@pytest.fixture(scope="module")
def cached():
    from vitmath.backbones import cached_architecture_facts, cached_backbone_table
    from vitmath.small_data import cached_small_data

    return cached_small_data(), cached_backbone_table(), cached_architecture_facts()


@pytest.fixture(scope="module")
def scene():
    import os

    from manim import tempconfig

    from scenes.p3_04_mental_map.scene import MentalMap

    os.environ["VITLESSONS_VOICE"] = "silent"
    try:
        with tempconfig({"quality": "low_quality", "skip_animations": True, "write_to_movie": False,
                         "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}):
            s = MentalMap(skip_animations=True)
            s.setup()
    finally:
        del os.environ["VITLESSONS_VOICE"]
    return s


@pytest.fixture(scope="module")
def the_map(scene):
    return scene.map


def test_small_data_facts_are_the_runs_means(cached):
    small = cached[0]
    acc = small.accuracy                       # (models, sizes, seeds)
    means = acc.mean(dim=2)                    # (models, sizes)
    cnn, vit = means[0], means[1]              # MODELS = ("CNN", "ViT")
    gaps = (cnn - vit).tolist()
    f = bm.small_data_facts(small)
    assert f.cnn_led == tuple(n for n, g in zip(small.sizes, gaps) if g > 0)
    assert f.biggest_gap == pytest.approx(max(gaps), abs=1e-6)
    assert f.biggest_gap_size == small.sizes[gaps.index(max(gaps))]
    assert f.last_gap == pytest.approx(gaps[-1], abs=1e-6)
    # Seed by seed at the largest size: CNN run k minus ViT run k (a seed is one split, shared by both models).
    per_seed = [float(acc[0, -1, k] - acc[1, -1, k]) for k in range(acc.shape[2])]
    assert (f.last_gap_low, f.last_gap_high) == (pytest.approx(min(per_seed)), pytest.approx(max(per_seed)))
    assert bm.noise_key(f) == ("within" if min(per_seed) <= 0 <= max(per_seed) else "beyond")
    values = bm.lesson_values(*cached, 14, 16)
    assert values["biggest_gap"] == f"{100 * max(gaps):.1f}"
    assert values["last_gap_signed"].replace("\u2212", "-") == f"{100 * gaps[-1]:+.1f}"


def test_latency_is_a_ratio_within_one_run(cached):
    """The twin pair is the closest in MACs (brute force); its ratio is the median of round-by-round ratios of
    the raw timings, and the slower-round count is counted from them, not from the medians."""
    table = cached[1]
    rows = table.rows
    f = bm.table_facts(table)
    best = min(((a, b) for a in rows for b in rows if a is not b),
               key=lambda p: abs(p[0].macs - p[1].macs) / min(p[0].macs, p[1].macs))
    assert {f.twin_fast, f.twin_slow} == {best[0].short, best[1].short}
    slow, fast = table.row(f.twin_slow), table.row(f.twin_fast)
    ratios = sorted(s / q for s, q in zip(slow.latency_runs_ms, fast.latency_runs_ms))
    n = len(ratios)
    median = ratios[n // 2] if n % 2 else (ratios[n // 2 - 1] + ratios[n // 2]) / 2
    assert f.twin_latency_ratio == pytest.approx(median)
    assert f.twin_slower_rounds == sum(s > q for s, q in zip(slow.latency_runs_ms, fast.latency_runs_ms))
    assert f.rounds == len(slow.latency_runs_ms) == table.runs
    assert f.macs_low_g * 1e9 == pytest.approx(min(r.macs for r in rows))
    assert f.macs_high_g * 1e9 == pytest.approx(max(r.macs for r in rows))
    assert f.params_high_m * 1e6 == pytest.approx(max(r.params for r in rows))


def test_recipes_are_the_cited_numbers():
    from vitmath.backbones import ROADMAP

    r = bm.recipe_facts()
    assert (r.original, r.modern, r.convnext) == tuple(v for _, v in ROADMAP)
    assert r.original < r.modern < r.rsb             # the same network, longer and more modern training
    assert r.recipe_gain == pytest.approx(r.rsb - ROADMAP[0][1])
    assert r.architecture_gain == pytest.approx(ROADMAP[2][1] - ROADMAP[1][1])


def test_pyramids_are_read_from_the_models(cached):
    arch = cached[2]
    sides = bm.pyramid_sides(arch)
    assert sides == sorted(sides, reverse=True) and len(sides) == len(arch.swin.stages)
    assert [s * p for s, p in zip(sides, bm.pyramid_strides(arch))] == [arch.swin.image_size] * len(sides)
    # ViTDet's pyramid from a plain grid covers the same image at every level, whatever the grid and patch.
    for grid, patch in ((14, 16), (24, 16), (7, 32)):
        det = list(zip(bm.vitdet_sides(grid), bm.vitdet_strides(patch)))
        assert det[2] == (grid, patch)                   # the last map itself is one level
        assert [s * p for s, p in det[:3]] == [grid * patch] * 3     # each upsampled level covers the image
        assert det[3] == (grid // 2, 2 * patch)                     # a stride-2 pooling rounds down


def test_map_words_carry_the_measured_numbers(the_map, cached):
    words = " ".join(the_map.strings())
    f = bm.table_facts(cached[1])
    assert f"x{f.twin_latency_ratio:.2f}" in words and f"{f.twin_slower_rounds} of {f.rounds} rounds" in words
    # Latency is never printed as a spec: no milliseconds on the map or the sheet, no "here X" as a pick.
    assert not re.search(r"\d\s*ms\b", words) and "measure: here" not in words
    assert "one 14x14 grid at stride 16" in words and "56/28/14/7 tokens per side (stride 4/8/16/32)" in words
    assert "/".join(map(str, bm.pyramid_sides(cached[2]))) in words
    # Every pick that names a family built elsewhere cites it: each paper-number leaf has a source.
    for b in the_map.branches:
        for leaf in b.leaves:
            if re.search(r"\b(ViT-[BL]/16|DeiT-B|ResNet-50:|ViTDet|MobileNetV4|DINOv2)", leaf.pick + leaf.why):
                assert leaf.source, leaf
            elif leaf.why.startswith(("our 8x8 digits", "CNN minus ViT")):
                assert leaf.source is None


def test_questions_ask_within_what_earlier_ones_left(the_map):
    """The order resolves conflicts: the device (which can rule families out) first; the data question only
    without the weights of question 2; the dense-output question keeps question 2's checkpoint."""
    keys = [b.key for b in the_map.branches]
    assert keys == ["device", "weights", "data", "task", "budget"]
    by = {b.key: b for b in the_map.branches}
    assert "question 3" in by["weights"].leaves[1].pick
    assert by["data"].question.lower().startswith("no such weights")
    assert "from 2" in by["task"].leaves[0].when


def test_spoken_words_agree_with_the_map(the_map, scene, cached):
    said = {c.id: c.text for c in scene.script.cues}
    f = bm.table_facts(cached[1])
    if bm.twin_key(f) == "matters":
        assert f"about {100 * (f.twin_latency_ratio - 1):.0f} percent longer" in said["device"]
        assert f"{f.twin_slower_rounds} of {f.rounds} rounds" in said["device"]
    assert "milliseconds" not in " ".join(said.values())
    r = bm.recipe_facts()
    assert f"{r.original:.1f} percent with the original 90-epoch recipe" in said["budget"]
    assert f"{r.recipe_gain:.1f} points from training alone" in said["budget"]
    sd = bm.small_data_facts(cached[0])
    if sd.cnn_led:
        assert f"by as much as {100 * sd.biggest_gap:.1f} points" in said["data"]
    assert ("did not even agree" in said["data"]) == (bm.noise_key(sd) == "within")
    # The map's words are the script's: each branch's question is its [screen] entry.
    assert [b.question for b in the_map.branches] == [scene.script.screen[f"{k}_question"] for k, _ in bm.BRANCHES]


def _small(sizes, gaps, seed_gaps=(0.01, 0.02)) -> bm.SmallDataFacts:
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    return bm.SmallDataFacts(tuple(sizes), tuple(n for n, g in zip(sizes, gaps) if g > 0), gaps[worst], sizes[worst],
                             sizes[-1], gaps[-1], *seed_gaps)


def _table(ratio, slower_rounds=10) -> bm.TableFacts:
    return bm.TableFacts(4.1, 4.6, 22, 29, "ConvNeXt-T", "Swin-T", 0.01, ratio, slower_rounds, 10)


def test_every_choice_key_is_reachable():
    """The digits run and the CPU timings could come out other ways (a rerun, another machine): each key of
    each [choice.*] table is picked by some plausible result."""
    runs = [_small([50, 100, 200], g) for g in ([0.2, 0.1, 0.01], [0.2, 0.1, -0.02], [0.2, 0.15, 0.14],
                                                 [-0.1, -0.05, -0.01], [-0.1, 0.2, 0.05], [0.05, 0.1, 0.2])]
    runs.append(_small([50, 100], [0.2, 0.01], (-0.01, 0.03)))
    tables = [_table(1.3), _table(1.02), _table(1.3, slower_rounds=6)]
    pickers = {
        "data_lead": (bm.lead_key, runs), "small_data_reason": (bm.lead_key, runs),
        "small_data_pick": (bm.led_key, runs), "small_data_choice": (bm.led_key, runs),
        "small_data_tail": (bm.tail_key, runs), "data_close": (bm.close_key, runs),
        "data_plenty_pick": (bm.plenty_key, runs), "seed_noise": (bm.noise_key, runs),
        "twin": (bm.twin_key, tables),
    }
    assert set(pickers) == set(bm.CHOICES)
    for name, (pick, results) in pickers.items():
        assert {pick(r) for r in results} == set(bm.CHOICES[name]), name
    # A ratio that a few loaded rounds could fake is not called a difference.
    assert bm.twin_key(_table(1.3, slower_rounds=6)) == "close"


def test_the_scripts_tables_are_the_declared_choices(scene):
    scene.script.check_choices(bm.CHOICES)


@pytest.mark.parametrize("name", ["cheat-sheet.png", "cheat-sheet.pdf"])
def test_sheet_is_written_from_the_map(the_map, tmp_path, name):
    from scenes.common.cheat_sheet import write_sheet

    path = tmp_path / name
    drawn = write_sheet(the_map, path)
    assert drawn[:-1] == the_map.strings()
    assert drawn[-1] == "Sources: " + "; ".join(the_map.sources)
    data = path.read_bytes()
    if name.endswith(".png"):
        from PIL import Image

        with Image.open(path) as im:
            assert im.size == (1920, 1080)
    else:
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1


def test_scene_map_draws_the_same_words(the_map):
    from scenes.common.decision_map import DecisionMap

    drawn = DecisionMap(the_map, width=12.0).strings()
    expected = [s for s in the_map.strings()[1:-1]]     # without the title and the footnote
    # Manim's Text keeps the glyphs but not every space: compare without whitespace.
    assert ["".join(s.split()) for s in drawn] == ["".join(s.split()) for s in expected]


def test_scene_writes_its_sheet_from_its_own_map(the_map, tmp_path):
    """`extra_files` (what `vitlessons render` calls) writes both files from the scene's map."""
    from scenes.p3_04_mental_map.scene import MentalMap

    scene = MentalMap.__new__(MentalMap)    # no render: only the map the scene would draw
    scene.map = the_map
    files = scene.extra_files()
    assert set(files) == {"cheat-sheet.png", "cheat-sheet.pdf"}
    for name, write in files.items():
        write(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 1000


# ---------------------------------------------------------------------------------------------- choice witnesses
# Lesson p3-04's choice keys over hand-made digits runs and timing tables, through the lesson's own chain
# (small_data_facts then small_data_choices, table_facts then table_choices). Four of its choices are
# words on the map, filled only while it is drawn. `choice_witnesses` hands these picks to
# tests/test_choices_reachable.py.
SIZES = (50, 100, 200)
CONFIG = sd._config_dict(sd.ExperimentConfig(sizes=SIZES, seeds=(0, 1)))


def run(gaps, last_spread: float) -> sd.SmallDataResult:
    """A made-up digits run: the ViT scores 0.5 on every seed; the CNN's mean is 0.5 + gap at each size, its two
    seeds `last_spread` below and above that at the largest size (so CNN minus ViT seed by seed there is
    gap -/+ last_spread), and 0.01 either side elsewhere."""
    cnn = [[0.5 + g - d, 0.5 + g + d] for g, d in zip(gaps, [0.01] * (len(gaps) - 1) + [last_spread])]
    vit = [[0.5, 0.5] for _ in gaps]
    return sd.SmallDataResult(CONFIG, {"CNN": 1, "ViT": 1}, torch.tensor([cnn, vit], dtype=torch.float64),
                              "made up", chosen=torch.zeros(2, len(gaps), dtype=torch.int64))


def table(slow_ratio: float, slower_rounds: int, rounds: int = 10) -> BackboneTable:
    """Three made-up backbones: two within 1% in MACs, the second `slow_ratio` times as slow as the first in
    `slower_rounds` of the rounds (and a little faster in the others), and a third far dearer."""
    fast = [10.0] * rounds
    slow = [10.0 * slow_ratio] * slower_rounds + [9.9] * (rounds - slower_rounds)
    far = [30.0] * rounds

    def row(short, macs, runs):
        return BackboneRow(short, short, "made up", 1, macs, {}, statistics.median(runs), runs, 80.0, "made up",
                           300, runs)

    return BackboneTable([row("A", 4_000_000_000, fast), row("B", 4_040_000_000, slow), row("C", 6_000_000_000, far)],
                         Machine("made up", 1, "", ""))


# Each made-up run, and the keys its choices should pick.
RUNS = {
    # ahead at every size, the gap shrunk to a point at 200, where the seeds disagree who led
    "shrunk": (run([0.2, 0.1, 0.01], 0.03),
               {"data_lead": "every_size", "data_close": "shrunk", "seed_noise": "within",
                "small_data_choice": "cnn_led", "small_data_pick": "cnn_led", "small_data_reason": "every_size",
                "small_data_tail": "narrowed", "data_plenty_pick": "closes"}),
    # ahead at the two smaller sizes only; behind at 200 on every seed
    "level at the end": (run([0.2, 0.1, -0.02], 0.01),
                         {"data_lead": "some_sizes", "data_close": "level", "seed_noise": "beyond",
                          "small_data_choice": "cnn_led", "small_data_pick": "cnn_led",
                          "small_data_reason": "some_sizes", "small_data_tail": "narrowed",
                          "data_plenty_pick": "closes"}),
    # ahead everywhere, still by most of its biggest gap at 200
    "still ahead": (run([0.2, 0.15, 0.14], 0.01),
                    {"data_lead": "every_size", "data_close": "still_ahead", "seed_noise": "beyond",
                     "small_data_choice": "cnn_led", "small_data_pick": "cnn_led", "small_data_reason": "every_size",
                     "small_data_tail": "narrowed", "data_plenty_pick": "still_led"}),
    # the gap widest at the largest size
    "widest last": (run([0.05, 0.1, 0.2], 0.02),
                    {"data_lead": "every_size", "data_close": "still_ahead", "seed_noise": "beyond",
                     "small_data_choice": "cnn_led", "small_data_pick": "cnn_led", "small_data_reason": "every_size",
                     "small_data_tail": "widest_last", "data_plenty_pick": "still_led"}),
    # the ViT never behind on average (the tail is not said with "never": its words have no place for it)
    "never behind": (run([-0.1, -0.05, -0.01], 0.02),
                     {"data_lead": "never", "data_close": "level", "seed_noise": "within",
                      "small_data_choice": "never_led", "small_data_pick": "never_led", "small_data_reason": "never",
                      "small_data_tail": "widest_last", "data_plenty_pick": "closes"}),
}
TABLES = {
    "matters": (table(1.3, 10), {"twin": "matters"}),
    "close": (table(1.02, 10), {"twin": "close"}),
    # slower by 30% in only 6 of 10 rounds: a few loaded rounds could fake that, so it is not called a difference
    "not sure": (table(1.3, 6), {"twin": "close"}),
}


def run_picks(r: sd.SmallDataResult) -> dict[str, str]:
    return keys(bm.small_data_choices(bm.small_data_facts(r)))


def table_picks(t: BackboneTable) -> dict[str, str]:
    return keys(bm.table_choices(bm.table_facts(t)))


def choice_witnesses() -> set[tuple[str, str]]:
    picks = [run_picks(r) for r, _ in RUNS.values()] + [table_picks(t) for t, _ in TABLES.values()]
    return {pair for p in picks for pair in p.items()}


def test_each_made_up_run_picks_its_keys():
    for name, (r, expected) in RUNS.items():
        assert run_picks(r) == expected, name


def test_each_made_up_table_picks_its_key():
    for name, (t, expected) in TABLES.items():
        assert table_picks(t) == expected, name
    f = bm.table_facts(TABLES["matters"][0])
    assert (f.twin_fast, f.twin_slow, f.twin_slower_rounds, f.rounds) == ("A", "B", 10, 10)


def test_the_tail_is_picked_where_the_cnn_led():
    """Both tail keys come from runs where the CNN led, so the reason's words say them."""
    led = [run_picks(r) for r, _ in RUNS.values() if run_picks(r)["small_data_reason"] != "never"]
    assert {p["small_data_tail"] for p in led} == set(bm.CHOICES["small_data_tail"])


def test_every_declared_key_has_a_witness():
    declared = {(name, key) for name, ks in bm.CHOICES.items() for key in ks}
    assert choice_witnesses() == declared
