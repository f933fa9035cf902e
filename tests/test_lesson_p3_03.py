"""The Swin/ConvNeXt lesson's numbers, recomputed independently of vitmath.backbones.

Parameters are recounted from fresh timm models; multiply-adds with our own forward hooks on Conv2d/Linear plus
the attention matrix products worked out by hand (vitmath.backbones uses torch's FlopCounterMode instead); the
Swin geometry is read from the shapes of the stage outputs of a real forward pass; the ConvNeXt and ResNet
blocks from their layers. The scene's spoken values are then checked against these.
"""
from __future__ import annotations

import dataclasses
import re
import statistics
from types import SimpleNamespace

import pytest
import timm
import torch
from manim import tempconfig

import vitmath
from scenes.p3_03_swin_and_convnext import facts as lesson_facts
from vitmath.backbones import (BACKBONES, LATENCY_RUNS, ROADMAP, ROADMAP_STEPS, BackboneRow, cached_architecture_facts,
                               cached_backbone_table, format_table, lesson_model_cost)


@pytest.fixture(scope="module")
def table():
    return cached_backbone_table()


@pytest.fixture(scope="module")
def arch():
    return cached_architecture_facts()


@pytest.fixture(scope="module")
def models():
    return {b.short: timm.create_model(b.timm_name, pretrained=False).eval() for b in BACKBONES}


def hook_macs(model: torch.nn.Module, size: int = 224) -> tuple[int, dict]:
    """MACs of Conv2d and Linear layers, from forward hooks on one (1, 3, size, size) image; and the shape of
    every module's output, for the attention products worked out by hand."""
    total = 0
    shapes = {}

    def conv(m, inp, out):
        nonlocal total
        # every output value is a dot product of (in_channels / groups) x kh x kw weights with the input
        total += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear(m, inp, out):
        nonlocal total
        total += out.numel() * m.in_features

    handles = []
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.Conv2d):
            handles.append(m.register_forward_hook(conv))
        elif isinstance(m, torch.nn.Linear):
            handles.append(m.register_forward_hook(linear))
        handles.append(m.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(
            name, tuple(o.shape) if torch.is_tensor(o) else None)))
    with torch.inference_mode():
        model(torch.zeros(1, 3, size, size))
    for h in handles:
        h.remove()
    return total, shapes


def attention_macs(short: str, model) -> int:
    """Q K^T and A V: 2 x tokens x (tokens it attends to) x width, per block."""
    if short == "ViT-S/16":
        n = model.patch_embed.num_patches + 1  # + CLS
        return len(model.blocks) * 2 * n * n * model.embed_dim
    if short == "Swin-T":
        total = 0
        for layer in model.layers:
            h, w = layer.output_resolution
            for b in layer.blocks:
                window = b.window_size[0] * b.window_size[1]
                total += 2 * h * w * window * b.norm1.normalized_shape[0]
        return total
    return 0  # convnets: no attention


def test_parameters_are_the_models_own(table, models):
    for row in table.rows:
        assert row.params == sum(p.numel() for p in models[row.short].parameters())
        assert row.timm_name == {b.short: b.timm_name for b in BACKBONES}[row.short]


def test_macs_match_hooks_plus_attention_by_hand(table, models):
    for row in table.rows:
        m = models[row.short]
        layers, _ = hook_macs(m)
        assert row.macs == layers + attention_macs(row.short, m), row.short
        assert sum(row.macs_by_op.values()) == row.macs
    # the attention products are counted (the fused kernel would have hidden them)
    assert table.row("ViT-S/16").macs_by_op.get("aten.bmm", 0) == attention_macs("ViT-S/16", models["ViT-S/16"])


def test_latency_is_the_median_of_the_runs(table):
    for row in table.rows:
        assert len(row.latency_runs_ms) == len(row.cpu_runs_ms) == LATENCY_RUNS
        assert row.latency_ms == statistics.median(row.latency_runs_ms)
        assert row.latency_ms > 0
        # CPU time cannot exceed the wall time of the same run (one thread), beyond clock granularity
        assert all(c <= w * 1.02 + 0.5 for c, w in zip(row.cpu_runs_ms, row.latency_runs_ms))
    assert table.machine.threads >= 1 and table.machine.cpu
    wall = sum(sum(r.latency_runs_ms) for r in table.rows)
    cpu = sum(sum(r.cpu_runs_ms) for r in table.rows)
    assert table.machine.cpu_share == pytest.approx(min(1.0, cpu / wall))


def test_the_table_compares_like_with_like():
    """Every cited top-1 of the table comes from the same kind of recipe; ResNet-50's is the ConvNeXt paper's
    retrained number (Fig. 2's second bar), not the original 90-epoch one, which stays the roadmap's start."""
    assert len({b.epochs for b in BACKBONES}) == 1 and BACKBONES[0].epochs == 300
    resnet = next(b for b in BACKBONES if b.short == "ResNet-50")
    assert resnet.top1 == ROADMAP[1][1] != ROADMAP[0][1]
    assert all(b.source for b in BACKBONES)


def test_the_roadmap_steps_are_fig_2():
    steps = [s.top1 for s in ROADMAP_STEPS]
    assert (steps[0], steps[1], steps[-1]) == tuple(a for _, a in ROADMAP)
    # only the steps the paper kept are drawn, and each kept step held or raised the accuracy
    assert steps == sorted(steps)
    assert {s.origin for s in ROADMAP_STEPS} == {"start", "recipe", "transformer", "convnet"}
    # the two older convnet ideas, and nothing else, are coloured as such
    assert [s.key for s in ROADMAP_STEPS if s.origin == "convnet"] == ["depthwise", "inverted"]


def test_the_table_prints_every_row(table):
    text = format_table(table)
    for row in table.rows:
        assert row.short in text and f"{row.params / 1e6:.1f}M" in text and f"{row.macs / 1e9:.2f}G" in text


def test_swin_geometry_is_read_from_the_stage_outputs(arch, models):
    m = models["Swin-T"]
    _, shapes = hook_macs(m)
    sw = arch.swin
    assert sw.patch == m.patch_embed.proj.kernel_size[0] == m.patch_embed.proj.stride[0] == 4
    for k, stage in enumerate(sw.stages):
        _, h, w, c = shapes[f"layers.{k}"]  # timm's Swin stages output (B, H, W, C)
        assert stage.tokens == h == w and stage.width == c
        assert stage.pixels_per_token == sw.image_size // h
        assert stage.window_pixels == stage.window * stage.pixels_per_token
        assert stage.depth == len(m.layers[k].blocks)
    s1 = sw.stages[0]
    assert (s1.tokens, s1.window, s1.window_pixels, s1.shift) == (56, 7, 28, 3)  # the sizes the lesson teaches
    assert [s.tokens for s in sw.stages] == [56, 28, 14, 7]
    assert sw.stages[-1].window_pixels == sw.image_size and sw.stages[-1].windows_per_side == 1
    # The shift is half a window, on every second block, wherever the map is bigger than one window.
    for layer, stage in zip(m.layers, sw.stages):
        shifts = [b.shift_size[0] for b in layer.blocks]
        expected = stage.window // 2 if stage.tokens > stage.window else 0
        assert shifts == [0, expected] * (len(shifts) // 2)


def test_convnext_and_resnet_blocks(arch, models):
    cn, rn = arch.convnext, arch.resnet
    c, r = models["ConvNeXt-T"], models["ResNet-50"]
    stem = c.stem[0]
    assert (cn.stem_kernel, cn.stem_stride) == (stem.kernel_size[0], stem.stride[0]) == (4, 4)
    dw = c.stages[0].blocks[0].conv_dw
    assert cn.spatial_kernel == dw.kernel_size[0] == 7 and dw.groups == dw.in_channels == cn.block_in
    fc1 = c.stages[0].blocks[0].mlp.fc1
    assert cn.block_inner == fc1.out_features == 4 * fc1.in_features
    assert cn.widths == [s.blocks[0].conv_dw.in_channels for s in c.stages]
    assert (cn.norm, cn.act) == ("LayerNorm", "GELU")
    b = r.layer1[1]
    assert (rn.block_in, rn.block_inner, rn.spatial_kernel) == (b.conv1.in_channels, b.conv1.out_channels,
                                                               b.conv2.kernel_size[0])
    assert (rn.stem_kernel, rn.stem_stride, rn.stem_out_side, cn.stem_out_side) == (7, 2, 56, 56)
    assert (rn.norms_per_block, rn.acts_per_block, cn.norms_per_block, cn.acts_per_block) == (3, 3, 1, 1)


def test_lesson_model_cost_is_the_lessons_vit(model):
    cost = lesson_model_cost()
    assert cost.params == sum(p.numel() for p in model.parameters())
    layers, _ = hook_macs(model)
    assert cost.macs == layers + attention_macs("ViT-S/16", model)  # the same formula: one CLS + N patches


@pytest.fixture(scope="module")
def scene():
    import os

    from scenes.p3_03_swin_and_convnext.scene import SwinAndConvNeXt

    os.environ["VITLESSONS_VOICE"] = "silent"
    try:
        with tempconfig({"quality": "low_quality", "skip_animations": True, "write_to_movie": False,
                         "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}):
            s = SwinAndConvNeXt(skip_animations=True)
            s.setup()
    finally:
        del os.environ["VITLESSONS_VOICE"]
    return s


def test_spoken_values_are_the_models(scene, arch, table):
    v, s1 = scene.values, arch.swin.stages[0]
    assert (v["swin_patch"], v["swin_tokens"], v["window"], v["window_px"], v["shift"], v["shift_px"]) == \
        (arch.swin.patch, s1.tokens, s1.window, s1.window_pixels, s1.shift, s1.shift * s1.pixels_per_token)
    assert v["swin_num_tokens"].value == s1.tokens ** 2 and v["window_tokens"] == s1.window ** 2
    assert v["window_px_list"] == "28, 56, 112, then 224"
    assert v["stage_sides"] == "56, 28, 14, then 7"
    assert v["swin_pairs"].value == s1.tokens ** 4 and v["swin_pairs_millions"].spoken == "9.8"
    assert v["cn_block_inner"] == arch.convnext.block_inner and v["resnet_block_inner"] == arch.resnet.block_inner
    assert [float(v[k]) for k in ("resnet_top1", "recipe_top1", "roadmap_end_top1")] == [a for _, a in ROADMAP]
    said = {c.id: c.text for c in scene.script.cues}
    assert "from ResNet-50's 78.8 to ConvNeXt-T's 82.1 percent" in said["table"]
    assert "ResNet-50 trained the original way scores only 76.1" in said["table"]
    assert "only one 49 by 49 block per window is left: 64 times fewer scores" in said["swin-windows"]
    assert "between 22 and 29 million parameters, and between 4.1 and 4.6 billion MACs" in said["table"]
    # The latency sentences name the fastest and the slowest model as measured, round by round: each model's
    # time over one reference's in the same round, the median over rounds.
    ref = table.rows[0].latency_runs_ms
    rel = {r.short: statistics.median(a / b for a, b in zip(r.latency_runs_ms, ref)) for r in table.rows}
    fastest = table.row(min(rel, key=rel.get))
    ratio = {r.short: statistics.median(a / b for a, b in zip(r.latency_runs_ms, fastest.latency_runs_ms))
             for r in table.rows}
    slowest = table.row(max(ratio, key=ratio.get))
    spoken = {"ViT-S/16": "ViT-S"}
    assert f"{spoken.get(fastest.short, fastest.short)} was the fastest here" in said["latency"] or \
        f"{spoken.get(fastest.short, fastest.short)}, with the fewest MACs, was also the fastest" in said["latency"]
    assert f"{spoken.get(slowest.short, slowest.short)} took {ratio[slowest.short]:.1f} times as long" in \
        said["latency"] or \
        f"{spoken.get(slowest.short, slowest.short)}, with the most MACs, took {ratio[slowest.short]:.1f} times" in \
        said["latency"]
    assert not re.search(r"\d milliseconds", said["latency"])  # ratios on this machine, never a spec
    share = f"{100 * table.machine.cpu_share:.0f} percent of the time"
    assert share in said["latency"]
    # ConvNeXt-T's stage depths 3, 3, 9, 3 and widths 96..768 are Swin-T's ratio and widths.
    assert scene.script.words("convnext-block", "swin_ratio") == "(Swin-T: 2, 2, 6, 2: the same ratio, the same widths)"


def _row(short, macs, runs, cpu=None):
    return SimpleNamespace(short=short, macs=macs, latency_ms=statistics.median(runs), latency_runs_ms=runs,
                           cpu_runs_ms=cpu or runs)


def test_every_latency_choice_is_reachable():
    """Which way the CPU timings go depends on the machine: each key is chosen by some table of timings."""
    from scenes.p3_03_swin_and_convnext.facts import CHOICES, latency_facts

    in_order = latency_facts([_row("a", 1, [10, 11]), _row("b", 2, [20, 22]), _row("c", 3, [30, 33])])
    crossed = latency_facts([_row("a", 1, [20, 40]), _row("b", 2, [10, 20]), _row("c", 3, [15, 30])], 0.5)
    assert (in_order.fastest_key, in_order.slowest_key, in_order.load_key) == ("fewest_macs", "most_macs", "quiet")
    assert (crossed.fastest_key, crossed.slowest_key, crossed.load_key) == \
        ("not_fewest_macs", "not_most_macs", "busy")
    assert set(CHOICES["latency_fastest"]) == {in_order.fastest_key, crossed.fastest_key}
    assert set(CHOICES["latency_slowest"]) == {in_order.slowest_key, crossed.slowest_key}
    assert set(CHOICES["load"]) == {in_order.load_key, crossed.load_key}
    assert crossed.time_spread == pytest.approx(100.0) and crossed.macs_spread == pytest.approx(200.0)
    assert crossed.time_ratio == pytest.approx((2.0, 1.0, 1.5)) and crossed.ratio_shift == 0


def test_a_burst_of_load_in_one_round_does_not_pick_the_fastest():
    """Round 2 is slowed for everyone (other work on the machine): the ratio within a round still ranks them."""
    from scenes.p3_03_swin_and_convnext.facts import latency_facts

    f = latency_facts([_row("a", 1, [10, 50, 10]), _row("b", 1, [12, 60, 12])])
    assert f.fastest.short == "a" and f.time_ratio == pytest.approx((1.0, 1.2))


def test_windowed_attention_keeps_the_diagonal_blocks(arch):
    """The windows of timm's own window_partition, on a map of token indices: 64 windows of 49 distinct
    tokens covering all 3,136, so one head scores 64 x 49^2 pairs instead of 3,136^2."""
    from timm.models.swin_transformer import window_partition

    from scenes.p3_03_swin_and_convnext.facts import window_facts

    s1 = arch.swin.stages[0]
    idx = torch.arange(s1.tokens ** 2).reshape(1, s1.tokens, s1.tokens, 1)
    windows = window_partition(idx, (s1.window, s1.window)).reshape(-1, s1.window ** 2)
    assert sorted(windows.flatten().tolist()) == list(range(s1.tokens ** 2))
    f = window_facts(s1)
    assert f.windows == windows.shape[0] == 64 and f.window_tokens == windows.shape[1] == 49
    assert f.window_scores == sum(len(set(w.tolist())) ** 2 for w in windows) == 153_664
    assert f.global_scores == 3136 ** 2 and f.fewer == 64


def test_the_scripts_claims_are_checked(arch, table):
    """The script states some facts of these fixed models outright; a table where one fails stops the render."""
    from scenes.p3_03_swin_and_convnext.facts import check_claims
    from vitmath.errors import UserError

    check_claims(arch, table)
    two_threads = dataclasses.replace(table, machine=dataclasses.replace(table.machine, threads=2))
    with pytest.raises(UserError, match="one thread"):
        check_claims(arch, two_threads)
    rows = [dataclasses.replace(r, epochs=90) if r.short == "ResNet-50" else r for r in table.rows]
    with pytest.raises(UserError, match="one kind of recipe"):
        check_claims(arch, dataclasses.replace(table, rows=rows))


def test_the_course_photo_is_what_swin_is_drawn_on(scene):
    tr = vitmath.cached_trace()
    assert scene.swin_picture.shape == (224, 224, 3)
    assert (scene.swin_picture == tr.picture).all()


# ---------------------------------------------------------------------------------------------- choice witnesses
# Lesson p3-03's choice keys over hand-made timing tables: which model came out fastest and slowest, and
# whether other work shared the processor, depend on the machine that filled the cache. `choice_witnesses`
# hands these picks to tests/test_choices_reachable.py.
def row(short: str, macs: int, runs: list[float], cpu: list[float] | None = None) -> BackboneRow:
    """A backbone with made-up MACs and timings (wall time per round, and the thread's CPU time)."""
    return BackboneRow(short, short, "made up", 1, macs, {}, statistics.median(runs), runs, 80.0, "made up", 300,
                       cpu or runs)


def picks(rows: list[BackboneRow], cpu_share: float) -> dict[str, str]:
    """The key of each of the lesson's choices for this table, as the scene's values pick them."""
    lat = lesson_facts.latency_facts(rows, cpu_share)
    return {"latency_fastest": lat.fastest_key, "latency_slowest": lat.slowest_key, "load": lat.load_key}


TABLES = {
    # time follows MACs, and the thread had the processor to itself
    "in order": (([row("a", 1, [10, 11]), row("b", 2, [20, 22]), row("c", 3, [30, 33])], 1.0),
                 {"latency_fastest": "fewest_macs", "latency_slowest": "most_macs", "load": "quiet"}),
    # the middle one in MACs is the fastest, the fewest the slowest, on a machine shared with other work
    "crossed": (([row("a", 1, [20, 40]), row("b", 2, [10, 20]), row("c", 3, [15, 30])], 0.5),
                {"latency_fastest": "not_fewest_macs", "latency_slowest": "not_most_macs", "load": "busy"}),
}


def choice_witnesses() -> set[tuple[str, str]]:
    return {pair for (rows, share), _ in TABLES.values() for pair in picks(rows, share).items()}


def test_each_made_up_table_picks_its_keys():
    for name, ((rows, share), expected) in TABLES.items():
        assert picks(rows, share) == expected, name


def test_quiet_means_at_least_the_quiet_share():
    rows = TABLES["in order"][0][0]
    assert lesson_facts.latency_facts(rows, lesson_facts.QUIET_SHARE).load_key == "quiet"
    assert lesson_facts.latency_facts(rows, lesson_facts.QUIET_SHARE - 0.01).load_key == "busy"


def test_every_declared_key_has_a_witness():
    declared = {(name, key) for name, keys in lesson_facts.CHOICES.items() for key in keys}
    assert choice_witnesses() == declared
