"""The Swin/ConvNeXt lesson's numbers, recomputed independently of vitmath.backbones.

Parameters are recounted from fresh timm models; multiply-adds with our own forward hooks on Conv2d/Linear plus
the attention matrix products worked out by hand (vitmath.backbones uses torch's FlopCounterMode instead); the
Swin geometry is read from the shapes of the stage outputs of a real forward pass; the ConvNeXt and ResNet
blocks from their layers. The scene's spoken values are then checked against these.
"""
from __future__ import annotations

import dataclasses
import statistics
from types import SimpleNamespace

import pytest
import timm
import torch
from manim import tempconfig

import vitmath
from vitmath.backbones import (BACKBONES, LATENCY_RUNS, ROADMAP, cached_architecture_facts, cached_backbone_table,
                               format_table, lesson_model_cost)


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
        assert len(row.latency_runs_ms) == LATENCY_RUNS
        assert row.latency_ms == statistics.median(row.latency_runs_ms)
        assert row.latency_ms > 0
    assert table.machine.threads >= 1 and table.machine.cpu


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
    assert "from ResNet-50's 76.1 to ConvNeXt-T's 82.1 percent" in said["table"]
    assert "between 22 and 29 million parameters, and between 4.1 and 4.6 billion MACs" in said["table"]
    # The latency sentences name the fastest and the slowest model as measured.
    fastest = min(table.rows, key=lambda r: r.latency_ms)
    slowest = max(table.rows, key=lambda r: r.latency_ms)
    spoken = {"ViT-S/16": "ViT-S"}
    assert f"{spoken.get(fastest.short, fastest.short)} is the fastest here" in said["latency"] or \
        f"{spoken.get(fastest.short, fastest.short)}, with the fewest MACs, is also the fastest" in said["latency"]
    assert f"{spoken.get(slowest.short, slowest.short)}, at {slowest.latency_ms:.0f} milliseconds" in said["latency"]
    # ConvNeXt-T's stage depths 3, 3, 9, 3 and widths 96..768 are Swin-T's ratio and widths.
    assert scene.script.words("convnext-block", "swin_ratio") == "(Swin-T: 2, 2, 6, 2: the same ratio, the same widths)"


def _row(short, macs, latency_ms):
    return SimpleNamespace(short=short, macs=macs, latency_ms=latency_ms)


def test_every_latency_choice_is_reachable():
    """Which way the CPU timings go depends on the machine: each key is chosen by some table of timings."""
    from scenes.p3_03_swin_and_convnext.facts import CHOICES, latency_facts

    in_order = latency_facts([_row("a", 1, 10), _row("b", 2, 20), _row("c", 3, 30)])
    crossed = latency_facts([_row("a", 1, 20), _row("b", 2, 10), _row("c", 3, 15)])
    assert (in_order.fastest_key, in_order.slowest_key) == ("fewest_macs", "most_macs")
    assert (crossed.fastest_key, crossed.slowest_key) == ("not_fewest_macs", "not_most_macs")
    assert set(CHOICES["latency_fastest"]) == {in_order.fastest_key, crossed.fastest_key}
    assert set(CHOICES["latency_slowest"]) == {in_order.slowest_key, crossed.slowest_key}
    assert crossed.time_spread == pytest.approx(100.0) and crossed.macs_spread == pytest.approx(200.0)


def test_the_scripts_claims_are_checked(arch, table):
    """The script states some facts of these fixed models outright; a table where one fails stops the render."""
    from scenes.p3_03_swin_and_convnext.facts import check_claims
    from vitmath.errors import UserError

    check_claims(arch, table)
    two_threads = dataclasses.replace(table, machine=dataclasses.replace(table.machine, threads=2))
    with pytest.raises(UserError, match="one thread"):
        check_claims(arch, two_threads)


def test_the_course_photo_is_what_swin_is_drawn_on(scene):
    tr = vitmath.cached_trace()
    assert scene.swin_picture.shape == (224, 224, 3)
    assert (scene.swin_picture == tr.picture).all()
