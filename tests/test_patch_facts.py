"""The facts the contact-sheet lesson draws and speaks, checked against the trace and against timm."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from timm.data import resolve_data_config

import vitmath
from vitmath.patchify import patch_facts


@pytest.fixture(scope="module")
def setup():
    model = vitmath.load_model()
    tr = vitmath.trace(model, vitmath.load_image(vitmath.DEFAULT_IMAGE, model))
    return model, tr, patch_facts(model, tr)


def test_the_rows_the_lesson_shows_are_the_models_patches_in_the_same_order(setup):
    """The uint8 rows drawn on screen, normalised with the model's mean and std, are trace.patches exactly."""
    _, tr, f = setup
    mean = np.array(f.mean)[:, None, None]
    std = np.array(f.std)[:, None, None]
    d = tr.dims
    rows = (f.pixel_rows.reshape(d.N, 3, d.P, d.P) / 255.0 - mean) / std
    assert np.abs(rows.reshape(d.N, -1) - tr.patches.numpy()).max() < 1e-5
    # ...and those rows times the projection are the tokens the blocks start from (before CLS and positions).
    w = tr.patches @ torch.as_tensor(setup[0].patch_embed.proj.weight).reshape(d.D, -1).T + setup[0].patch_embed.proj.bias
    assert torch.allclose(w, tr.patch_tokens, atol=1e-5)


def test_conv_equals_matmul_and_the_other_flatten_order_does_not(setup):
    _, tr, f = setup
    assert f.max_abs_diff < 1e-4
    # Reading each patch pixel by pixel against channel-first weights changes the tokens by far more than
    # rounding: the lesson's "the order is not optional" must hold on the real tensors.
    assert f.wrong_order_diff > 1000 * f.max_abs_diff and f.wrong_order_diff > 0.5


def test_the_example_patch_follows_the_stated_rule(setup):
    _, tr, f = setup
    spread = np.asarray(tr.patch_pixels).reshape(tr.dims.N, -1).std(axis=1)
    assert f.example_patch == int(spread.argmax())


def test_preprocessing_facts_are_timms(setup):
    model, tr, f = setup
    cfg = resolve_data_config({}, model=model)
    assert f.mean == tuple(cfg["mean"]) and f.std == tuple(cfg["std"]) and f.crop_pct == cfg["crop_pct"]
    # mean = std = 0.5 maps 0..255 onto -1..1
    assert f.input_range == pytest.approx((-1.0, 1.0))
    size = tr.dims.P * tr.dims.grid
    assert math.floor(size / f.crop_pct) == 248  # timm's resize before the 224 centre crop


def test_filter_zero_map_is_the_conv_output(setup):
    model, tr, f = setup
    out = torch.nn.functional.conv2d(tr.input[None], model.patch_embed.proj.weight, model.patch_embed.proj.bias,
                                     stride=tr.dims.P)
    assert torch.allclose(f.feature_map, out[0, 0])
