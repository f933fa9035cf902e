"""Lesson p3-04 (the backbone map): its numbers equal the cached results, recomputed here from the raw tensors
and rows; the cheat sheet is written (PNG 1920x1080, a one-page PDF) with exactly the map's words; the scene's
map draws the same words."""
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
def the_map(cached):
    return bm.backbone_map(*cached, grid=14, patch=16)


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
    reason = bm.small_data_reason(f)
    if f.cnn_led:
        assert f"{100 * max(gaps):.1f} pts" in reason


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


def test_spoken_values_agree_with_the_map(the_map, cached):
    values = bm.spoken_values(*cached)
    f = bm.table_facts(cached[1])
    assert values["best_cited"] == f.best_cited and values["best_cited"] in " ".join(the_map.strings())
    assert f"{f.fastest_ms:.0f} milliseconds" in values["latency_sentence"]
    sd = bm.small_data_facts(cached[0])
    if sd.cnn_led:
        assert f"{100 * sd.biggest_gap:.1f} points" in values["data_sentence"]


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
