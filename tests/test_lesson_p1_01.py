"""The numbers the CNN-locality lesson draws and speaks, against independent computations on the same
tensors: the attention link re-found by brute force and read straight from the trace, the parameter counts
from the real module, the kernel's output, the receptive-field rows and the reach."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import vitmath
from scenes.p1_01_cnn_locality.scene import REGION_PLACEHOLDERS, CnnLocality, reach_choices, region_choices
from scenes.common.inputs import LessonInputs
from vitmath import receptive_field as rf
from vitmath.locality import cached_locality_facts


@pytest.fixture(scope="module")
def trace():
    return vitmath.cached_trace()


@pytest.fixture(scope="module")
def facts():
    return cached_locality_facts()


@pytest.fixture(scope="module")
def values(trace, facts):
    scene = CnnLocality.__new__(CnnLocality)  # no Manim set-up: only the numbers
    scene.trace, scene.inputs = trace, LessonInputs()
    return scene.extra_values()


def test_cat_region_is_the_bottom_right_quadrant_of_the_course_photo(trace, facts):
    d = trace.dims
    half = d.grid // 2  # the course photo's grid is even: 7 x 7 of 14 x 14 (assets/PROVENANCE.md)
    expected = sorted(r * d.grid + c for r in range(half, d.grid) for c in range(half, d.grid))
    assert sorted(facts.region_a) == expected


def test_link_is_the_traces_weight_and_the_rule_maximum(trace, facts, values):
    d, link = trace.dims, facts.link
    attn = trace.blocks[link.block].attn.numpy()
    assert link.weight == pytest.approx(float(attn[link.head, 1 + link.query, 1 + link.key]), abs=0)
    a = np.zeros(d.N, bool)
    a[facts.region_a] = True
    r, c = np.divmod(np.arange(d.N), d.grid)
    far = np.maximum(abs(r[:, None] - r[None]), abs(c[:, None] - c[None])) >= d.grid // 2
    allowed = (~a)[:, None] & a[None, :] & far  # query outside, key inside, far apart
    w = attn[:, 1:, 1:][:, allowed]
    assert link.weight == pytest.approx(float(w.max()), abs=0)
    assert link.distance_px == pytest.approx(d.P * math.hypot(r[link.query] - r[link.key], c[link.query] - c[link.key]))
    assert np.array_equal(link.row.reshape(-1), attn[link.head, 1 + link.query, 1:])
    assert link.min_weight == pytest.approx(float(attn.min())) and link.min_weight > 0
    assert values["link_weight"].value == link.weight
    assert values["uniform_weight"].value == pytest.approx(1 / d.T)
    assert values["link_ratio"] == f"{link.weight * d.T:.0f}"


def test_the_maps_scale_shows_the_far_weights(trace, facts):
    """The attention map's scale tops out at the largest weight beyond the query's 3 x 3 neighbourhood: on the
    full range the query's own cell is the one bright cell and the key of the link, far away, reads as black."""
    scene = CnnLocality.__new__(CnnLocality)
    scene.trace, scene.inputs = trace, LessonInputs()
    d, link = trace.dims, facts.link
    clip = scene.map_clip(link)
    row = link.row.reshape(d.grid, d.grid)
    r, c = divmod(link.query, d.grid)
    far = np.ones_like(row, bool)
    far[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] = False
    assert clip == pytest.approx(float(row[far].max()))
    assert row.max() > 2 * clip          # unclipped, the far weights would sit in the bottom half
    assert link.weight / clip > 0.5      # clipped, the key is drawn bright


def test_parameter_counts_from_the_real_layer(facts):
    model = rf.build_cnn(facts.cnn)
    conv = dict(model.named_modules())[facts.conv_name]
    assert facts.conv_params == conv.weight.numel() == 3 * 3 * facts.c_in * facts.c_out
    assert facts.dense_params == (facts.fmap[0] * facts.fmap[1] * facts.c_in) ** 2  # c_in == c_out
    assert facts.cnn_params == sum(p.numel() for p in model.parameters())


def test_kernel_output_is_the_sliding_dot_product(facts):
    g, k, out = facts.gray, facts.kernel, facts.response
    assert out.shape == (g.shape[0] - 2, g.shape[1] - 2)
    for y, x in [(0, 0), (5, 17), tuple(np.unravel_index(np.abs(out).argmax(), out.shape))]:
        assert out[y, x] == pytest.approx(float((g[y:y + 3, x:x + 3] * k).sum()), abs=1e-5)


def test_fields_reach_and_spoken_numbers(trace, facts, values):
    fields = facts.fields
    assert [f.theoretical for f in fields] == [7, 27, 43, 67, 99, 147, 211, 307, 435]  # ResNet-18 by hand
    first = facts.first_reach
    assert first is not None and fields[first].covers(*facts.key_box)
    assert not any(f.covers(*facts.key_box) for f in fields[:first])
    # the gradient reaches the key patch exactly from the block whose theoretical field does
    assert all((r > 0) == f.covers(*facts.key_box) for f, r in zip(fields, facts.reach))
    assert values["reach_block"] == fields[first].name
    assert values["reach_convs"] == fields[first].convs
    assert values["reach_share"].value == pytest.approx(facts.reach[first])
    assert values["final_field"] == fields[-1].theoretical
    assert values["naive_size"] == 1 + sum(layer.kernel - 1 for layer in facts.layers)
    mid = facts.centre_fields[CnnLocality.stage_ends(_Shown(facts))[-2]]
    assert values["mid_area"].value == pytest.approx((mid.erf_size / mid.theoretical) ** 2)


class _Shown:
    def __init__(self, facts):
        self.facts = facts


def test_reach_gradient_is_recomputed_by_autograd(trace, facts):
    """The reach share of the first reaching block, from a forward hook and torch.autograd directly."""
    model = rf.build_cnn(facts.cnn)
    f = facts.fields[facts.first_reach]
    out = {}
    module = dict(model.named_modules())[f.name]
    h = module.register_forward_hook(lambda _m, _i, o: out.__setitem__("o", o))
    x = trace.input[None].clone().requires_grad_(True)
    model(x)
    h.remove()
    (g,) = torch.autograd.grad(out["o"][0, :, f.unit[0], f.unit[1]].sum(), x)
    g = g[0].abs().sum(0)
    t, b, l, r = facts.key_box
    assert facts.reach[facts.first_reach] == pytest.approx(float(g[t:b + 1, l:r + 1].max() / g.max()), rel=1e-5)


# ------------------------------------------------------------------ choices no setup picks
# The region labels are only drawn, and "no block reaches" needs an image larger than 224 px: the lesson's own
# choosing functions, on made-up inputs, reach those keys too (tests/test_choices_reachable.py).
REGION_CASES = {True: "course", False: "yours"}          # is it the course photo? -> the regions' key
REACH_CASES = {0: "block", 5: "block", None: "none"}     # facts.first_reach -> the reach key (0: the stem)


def choice_witnesses() -> set[tuple[str, str]]:
    pairs = set()
    for course_photo in REGION_CASES:
        pairs |= {(name, c.key) for name, c in region_choices(course_photo).items()}
    for first in REACH_CASES:
        pairs |= {(name, c.key) for name, c in reach_choices(first).items()}
    return pairs


@pytest.mark.parametrize("course_photo", list(REGION_CASES))
def test_every_region_placeholder_names_the_same_regions(course_photo):
    chosen = region_choices(course_photo)
    assert tuple(chosen) == REGION_PLACEHOLDERS
    assert {c.key for c in chosen.values()} == {REGION_CASES[course_photo]}


@pytest.mark.parametrize("first", list(REACH_CASES))
def test_reach_says_whether_some_block_reaches(first):
    """None when no block's field touches the key patch (a unit near one edge of a 384 px image); block 0, the
    stem, is a block that reaches."""
    chosen = reach_choices(first)
    assert {name: c.key for name, c in chosen.items()} == {"reach": REACH_CASES[first],
                                                            "reach_where": REACH_CASES[first]}


def test_on_the_course_photo_a_block_reaches(values, facts):
    assert facts.first_reach is not None and values["reach"].key == "block"
    assert values["region_a"].key == "course"

