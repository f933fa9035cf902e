"""The sixteen-words lesson's numbers, recomputed here independently from the model and the photo.

The scene is set up (trace, token facts, narration values) without running its cues, so this takes seconds;
the smoke test builds every cue.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from manim import tempconfig

import vitmath
from scenes.p1_02_sixteen_words.facts import cached_token_facts, other_patch, other_size
from scenes.p1_02_sixteen_words.scene import title_reading


@pytest.fixture(autouse=True)
def silent(monkeypatch):
    monkeypatch.setenv("VITLESSONS_VOICE", "silent")
    for name in ("VITLESSONS_MODEL", "VITLESSONS_WEIGHTS", "VITLESSONS_IMAGE", "VITLESSONS_TIMELINE",
                 "VITLESSONS_ONLY_CUE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def trace():
    return vitmath.cached_trace()


@pytest.fixture
def scene(tmp_path):
    from scenes.p1_02_sixteen_words.scene import SixteenWords

    settings = {"quality": "low_quality", "media_dir": str(tmp_path), "write_to_movie": False,
                "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}
    with tempconfig(settings):
        s = SixteenWords(skip_animations=True)
        s.setup()
        yield s


def spoken(v) -> str:
    return str(v)


def test_sequence_lengths_and_pairs_follow_the_model(scene, model):
    size = model.patch_embed.img_size[0]
    P = model.patch_embed.patch_size[0]
    n = (size // P) ** 2
    assert n == 196 and size == 224 and P == 16  # the embedded ViT-Ti/16, as the brief states
    v = scene.values
    assert v["num_patches"] == n
    assert v["patch_pairs"].value == n * n == 38_416
    # The same photo at the other resolution, through the model's own patch layer.
    alt = other_size(size)
    assert v["alt_size"] == alt == 384
    assert v["alt_tokens"].value == (alt // P) ** 2 == 576
    assert v["alt_pairs"].value == 576 ** 2
    big = other_patch(P)
    assert v["big_patch"] == big == 32
    assert v["big_tokens"].value == (size // big) ** 2 == 49
    assert v["big_pairs"].value == 49 ** 2
    assert v["pixel_tokens"].value == size * size == 50_176
    assert v["pixel_pairs"].value == 50_176 ** 2
    assert v["pixel_ratio"].value == P ** 4  # (S^2)^2 / (S^2 / P^2)^2
    assert v["alt_pair_ratio"] == f"{576 ** 2 / n ** 2:.1f}"
    assert v["big_ratio"] == "16"
    heads = model.blocks[0].attn.num_heads
    assert v["pixel_gigabytes"] == f"{heads * 50_176 ** 2 * 4 / 1e9:.0f}"
    assert [n for _, _, n in scene.cases] == [196, 576, 49, 50_176]
    assert scene.values["alt_note"].key == "fine_tune"  # 384 px: the paper's fine-tuning resolution


def test_the_title_and_the_vocabulary_numbers(scene, model):
    P = model.patch_embed.patch_size[0]
    D = model.embed_dim
    v = scene.values
    assert v["pixels_per_word"] == P * P == 256
    assert v["patch_dim"] == 3 * P * P
    assert v["title_reading"].key == "not_grid"  # a 14 x 14 grid, not the title's 16 x 16
    said = scene.script.cue("title").text
    assert "not mean a grid of 16 by 16, which would be 256 words" in said
    assert "196 words, in a 14 by 14 grid" in said
    assert v["levels"] == 256
    assert v["possible_digits"].value == len(str(256 ** (3 * P * P)))  # exact integer arithmetic
    params = sum(p.numel() for p in model.patch_embed.proj.parameters())
    assert v["proj_params"].value == params == D * 3 * P * P + D


def test_token_facts_match_the_model(model, trace):
    f = cached_token_facts()
    proj = model.patch_embed.proj
    assert np.array_equal(f.proj_weight, proj.weight.detach().reshape(proj.out_channels, -1).numpy())
    # The blend, through the model's own convolution on a (3, P, P) patch.
    P = proj.kernel_size[0]
    a, b = f.detail_patch, f.flat_patch
    stds = np.asarray(trace.patch_pixels).reshape(len(trace.patch_pixels), -1).std(axis=1)
    assert a == int(stds.argmax()) and b == int(stds.argmin())
    mix = ((trace.patches[a] + trace.patches[b]) / 2).reshape(1, 3, P, P)
    with torch.no_grad():
        conv = F.conv2d(mix, proj.weight, proj.bias, stride=P).flatten()
    assert np.allclose(f.token_blend, conv.numpy(), atol=1e-4)
    midpoint = (trace.patch_tokens[a] + trace.patch_tokens[b]) / 2
    assert math.isclose(f.blend_max_diff, float((torch.from_numpy(f.token_blend) - midpoint).abs().max()),
                        rel_tol=1e-6, abs_tol=1e-9)
    assert f.blend_max_diff < 1e-4
    assert f.alt_picture.shape == (f.alt_size, f.alt_size, 3)
    assert f.alt_grid == (f.alt_size // P, f.alt_size // P)
    assert f.bytes_per_weight == trace.blocks[0].attn.element_size() == 4
    assert f.distinct_patches == len(np.unique(np.asarray(trace.patch_pixels).reshape(196, -1), axis=0))


def test_the_spoken_blend_numbers_are_the_facts(scene):
    f = cached_token_facts()
    v = scene.values
    assert v["patch_a"] == f.detail_patch and v["patch_b"] == f.flat_patch
    assert v["blend_diff"].value == f.blend_max_diff
    assert v["num_tokens"] == 197
    assert v["centre"] == 7 * 14 + 6  # the middle of the 14 x 14 grid, its right and lower neighbours exist


def test_the_token_worked_by_hand_is_the_models(scene, model, trace):
    """The projection cue's sum, recomputed from the model's own convolution on the raw pixels."""
    f = cached_token_facts()
    proj = model.patch_embed.proj
    a = f.detail_patch
    P = proj.kernel_size[0]
    with torch.no_grad():
        x = trace.patches[a].reshape(1, 3, P, P)
        token = F.conv2d(x, proj.weight, proj.bias, stride=P).flatten()
    k = int(token.abs().argmax())
    assert f.proj_row == k  # the rule: the entry largest in size
    assert math.isclose(f.proj_value, float(token[k]), abs_tol=1e-4)
    w_row = proj.weight.detach()[k].flatten().double()
    assert math.isclose(f.proj_dot, float((w_row * x.flatten().double()).sum()), abs_tol=1e-6)
    assert math.isclose(f.proj_bias_k, float(proj.bias.detach()[k]), abs_tol=1e-7)
    assert math.isclose(f.proj_dot + f.proj_bias_k, f.proj_value, abs_tol=1e-4)
    # The entry is far from the token's typical size, so the sum drawn on screen is not a near-zero blur.
    assert abs(f.proj_value) > 5 * float(token.abs().median())


def test_pairs_are_spoken_for_meaning(scene):
    v = scene.values
    said = scene.script.cue("pairs").text
    assert "2.5 billion pairs" in said and "2,517,630,976" not in said
    assert "the side shrinks 4 times and the pairs 16 times" in said
    assert "side 256 times longer" in said
    assert "Stored naively" in said and "gigabytes" in said
    assert v["pixel_side"] == "256" and v["big_side"] == "4"


def test_the_words_that_the_review_corrected(scene):
    said = {c.id: c.text for c in scene.script.cues}
    assert "a picture is worth a thousand words" in said["hook"]
    assert "BERT" in said["holds"] and "normalises its input first" in said["holds"]
    assert "essentially the same design" not in said["holds"]
    assert "No word lies halfway" not in said["continuous"]
    assert "not a discovery" in said["continuous"]


# ------------------------------------------------------------------ choices no setup picks
# A 16 x 16 grid needs a model none of tests/test_choices_reachable.py's inputs is (14 px patches at 224 px,
# 24 px at 384): the lesson's own choosing function, on made-up grids, reaches that key.
TITLE_CASES = {16: "coincidence", 14: "not_grid", 24: "not_grid", 7: "not_grid"}  # grid side -> key


def choice_witnesses() -> set[tuple[str, str]]:
    return {("title_reading", title_reading(grid).key) for grid in TITLE_CASES}


@pytest.mark.parametrize("grid", list(TITLE_CASES))
def test_the_title_reads_as_a_grid_only_when_the_grid_is_16(grid):
    assert title_reading(grid).key == TITLE_CASES[grid]
