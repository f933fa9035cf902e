"""Lesson p3-04 (the backbone map): its numbers equal the cached results, recomputed here from the raw tensors
and rows; every choice key of its script is reachable; the map is filled from the script's words; the cheat
sheet is written (PNG 1920x1080, a one-page PDF) with exactly the map's words; the scene's map draws the same."""
from __future__ import annotations

import re

import pytest

from scenes.p3_04_mental_map import facts as bm


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
    values = bm.lesson_values(*cached)
    assert values["biggest_gap"] == f"{100 * max(gaps):.1f}" and values["last_gap_signed"] == f"{100 * gaps[-1]:+.1f}"


def test_table_facts_are_the_tables_extremes(cached):
    table = cached[1]
    rows = table.rows
    f = bm.table_facts(table)
    assert f.fastest == sorted(rows, key=lambda r: r.latency_ms)[0].short
    assert f.fewest_macs == sorted(rows, key=lambda r: r.macs)[0].short
    assert f.fastest_ms == pytest.approx(min(r.latency_ms for r in rows))
    assert f.macs_low_g * 1e9 == pytest.approx(min(r.macs for r in rows))
    assert f.macs_high_g * 1e9 == pytest.approx(max(r.macs for r in rows))
    assert f.params_high_m * 1e6 == pytest.approx(max(r.params for r in rows))
    # The closest pair in MACs, found by brute force over every ordered pair.
    best = min(((a, b) for a in rows for b in rows if a is not b), key=lambda p: abs(p[0].macs - p[1].macs))
    assert {f.twin_fast, f.twin_slow} == {best[0].short, best[1].short}
    slow, fast = max(best, key=lambda r: r.latency_ms), min(best, key=lambda r: r.latency_ms)
    assert f.twin_latency_ratio == pytest.approx(slow.latency_ms / fast.latency_ms)
    # The cited accuracies are the table's (lesson p3-03's) own, not retyped.
    assert f.best_cited_top1 == max(r.top1 for r in rows)


def test_pyramid_is_swins_stage_geometry(cached):
    arch = cached[2]
    sides = bm.pyramid_sides(arch)
    assert sides == sorted(sides, reverse=True) and len(sides) == len(arch.swin.stages)
    assert [s * p for s, p in zip(sides, bm.pyramid_strides(arch))] == [arch.swin.image_size] * len(sides)


def test_map_words_carry_the_measured_numbers(the_map, cached):
    words = " ".join(the_map.strings())
    f = bm.table_facts(cached[1])
    assert f"{f.fastest_ms:.0f} ms" in words and f.fastest in words
    assert "one 14x14 grid at stride 16" in words
    assert "/".join(map(str, bm.pyramid_sides(cached[2]))) in words
    # Every leaf with a paper number names its source; the measured leaves name none.
    for b in the_map.branches:
        for leaf in b.leaves:
            if "cited" in leaf.why or leaf.why.startswith(("ViT-B", "DeiT")):
                assert leaf.source
            elif leaf.why.startswith(("our digits", "fastest here", "Swin-T:")):
                assert leaf.source is None


def test_spoken_words_agree_with_the_map(the_map, scene, cached):
    said = {c.id: c.text for c in scene.script.cues}
    f = bm.table_facts(cached[1])
    assert f"the best at this cost is {f.best_cited}," in said["budget"] and f.best_cited in " ".join(the_map.strings())
    assert f"{f.fastest_ms:.0f} milliseconds per image" in said["deploy"]
    sd = bm.small_data_facts(cached[0])
    if sd.cnn_led:
        assert f"by as much as {100 * sd.biggest_gap:.1f} points" in said["data"]
    # The map's words are the script's: each branch's question is its [screen] entry.
    assert [b.question for b in the_map.branches] == [scene.script.screen[f"{k}_question"] for k, _ in bm.BRANCHES]


def _small(sizes, gaps) -> bm.SmallDataFacts:
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    return bm.SmallDataFacts(tuple(sizes), tuple(n for n, g in zip(sizes, gaps) if g > 0), gaps[worst], sizes[worst],
                             sizes[-1], gaps[-1])


def _table(fastest, fewest, ratio) -> bm.TableFacts:
    return bm.TableFacts(fastest, 300.0, fewest, 1.3, 1.3, 4.6, 22, 29, "ConvNeXt-T", "ConvNeXt-T", 82.1,
                         "ViT-S/16", "Swin-T", 0.05, ratio)


def test_every_choice_key_is_reachable():
    """The digits run and the CPU timings could come out other ways (a rerun, another machine): each key of
    each [choice.*] table is picked by some plausible result."""
    runs = [_small([50, 100, 200], g) for g in ([0.2, 0.1, 0.01], [0.2, 0.1, -0.02], [0.2, 0.15, 0.14],
                                                 [-0.1, -0.05, -0.01], [-0.1, 0.2, 0.05], [0.05, 0.1, 0.2])]
    tables = [_table("ResNet-50", "ResNet-50", 1.3), _table("ViT-S/16", "ResNet-50", 1.02)]
    pickers = {
        "data_lead": (bm.lead_key, runs), "small_data_reason": (bm.lead_key, runs),
        "small_data_pick": (bm.led_key, runs), "small_data_choice": (bm.led_key, runs),
        "small_data_tail": (bm.tail_key, runs), "data_close": (bm.close_key, runs),
        "data_plenty_pick": (bm.plenty_key, runs),
        "latency": (bm.fastest_key, tables), "fastest_reason": (bm.fastest_key, tables),
        "twin": (bm.twin_key, tables), "twin_pick": (bm.twin_key, tables),
    }
    assert set(pickers) == set(bm.CHOICES)
    for name, (pick, results) in pickers.items():
        assert {pick(r) for r in results} == set(bm.CHOICES[name]), name


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
