"""The multi-head lesson's numbers and maps, recomputed independently of scenes.p2_04_twelve_heads.facts.

Every count, map, distance and correlation the lesson draws or speaks comes from `cached_head_facts`; here
the same quantities are recomputed from the model's parameters, the trace's attention tensors and numpy, and
the scene's spoken values and sentences are checked against them.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import vitmath
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from scenes.p2_04_twelve_heads.facts import cached_head_facts


@pytest.fixture(scope="module")
def facts():
    return cached_head_facts()


@pytest.fixture(scope="module")
def cached_tr():
    return vitmath.cached_trace()


def test_the_heads_share_one_width_and_add_no_parameters(model, facts):
    d = vitmath.dims_of(model)
    D = d.D
    assert facts.H == d.H and facts.head_dim * d.H == D
    assert facts.qkv_shape == (3 * D, D) and facts.proj_shape == (D, D)
    # qkv weight + bias, projection weight + bias: 4 D^2 + 4 D, with no H in it
    assert facts.attn_params == 4 * D * D + 4 * D
    assert facts.attn_params == sum(p.numel() for p in model.blocks[0].attn.parameters())
    assert d.H in facts.params_by_heads and 1 in facts.params_by_heads
    assert set(facts.params_by_heads.values()) == {facts.attn_params}


def test_each_head_uses_its_own_slice_of_the_qkv_rows(model, tr):
    d = tr.dims
    blk, bt = model.blocks[0], tr.blocks[0]
    W, b = blk.attn.qkv.weight.detach(), blk.attn.qkv.bias.detach()
    for part, got in enumerate((bt.q, bt.k, bt.v)):
        for h in range(d.H):
            rows = slice(part * d.D + h * d.head_dim, part * d.D + (h + 1) * d.head_dim)
            expected = bt.ln1 @ W[rows].T + b[rows]                 # (T, d): head h's slice, and nothing else
            assert torch.allclose(got[h], expected, atol=1e-4)


def test_concatenated_heads_times_the_projection_is_the_attention_output(model, tr):
    d = tr.dims
    bt, proj = tr.blocks[0], model.blocks[0].attn.proj
    heads = [bt.attn[h] @ bt.v[h] for h in range(d.H)]             # H x (T, d)
    cat = torch.cat(heads, dim=1)                                   # (T, D)
    assert cat.shape == (d.T, d.D)
    assert torch.allclose(cat @ proj.weight.detach().T + proj.bias.detach(), bt.attn_out, atol=1e-4)


def test_the_maps_are_the_cls_rows_renormalised_over_the_patches(facts, cached_tr):
    d = cached_tr.dims
    assert facts.blocks == (0, d.depth - 1)
    for k, b in enumerate(facts.blocks):
        row = cached_tr.blocks[b].attn[:, 0, 1:].double().numpy()  # (H, N), raster order
        share = row / row.sum(-1, keepdims=True)
        assert np.allclose(facts.cls_maps[k].reshape(d.H, -1).numpy(), share, atol=1e-6)
        assert np.allclose(facts.cls_self[k].numpy(), cached_tr.blocks[b].attn[:, 0, 0].numpy())
        # exp(entropy): how many patches each map spreads over
        ent = -(share * np.log(np.clip(share, 1e-300, None))).sum(-1)
        assert np.allclose(facts.effective_patches[k].numpy(), np.exp(ent), rtol=1e-4)
        # the bottom-right quadrant (the course photo's cat): rows and columns from ceil(S / 2 / P)
        first = math.ceil(int(cached_tr.input.shape[-1]) / 2 / d.P)
        quad = np.zeros((d.grid, d.grid), bool)
        quad[first:, first:] = True
        assert facts.quadrant_patches == quad.sum()
        assert np.allclose(facts.quadrant_share[k].numpy(), share[:, quad.reshape(-1)].sum(-1), atol=1e-5)


def test_mean_attention_distance_recomputed_from_the_attention(facts, cached_tr):
    d = cached_tr.dims
    rows, cols = np.divmod(np.arange(d.N), d.grid)
    centres = np.stack([rows, cols], -1) * d.P
    dist = np.sqrt(((centres[:, None] - centres[None]) ** 2).sum(-1))  # (N, N) pixels
    assert facts.uniform_distance == pytest.approx(dist.mean(), rel=1e-6)
    for b in range(d.depth):
        a = cached_tr.blocks[b].attn[:, 1:, 1:].double().numpy()
        a = a / a.sum(-1, keepdims=True)
        expected = (a * dist).sum(-1).mean(-1)                     # (H,)
        assert np.allclose(facts.distance[b].numpy(), expected, rtol=1e-4)


def test_head_correlations_are_pearson_correlations_of_the_maps(facts):
    for k, b in enumerate(facts.blocks):
        flat = facts.cls_maps[k].reshape(facts.H, -1).double().numpy()
        expected = np.corrcoef(flat)
        assert np.allclose(facts.head_corr[k].numpy(), expected, atol=1e-5)
        off = expected[~np.eye(facts.H, dtype=bool)].mean()
        assert float(facts.mean_corr[b]) == pytest.approx(off, abs=1e-5)


def test_the_spoken_values_and_choices_follow_the_facts(facts, cached_tr):
    from narration.script import Choice, load_script
    from scenes.common.values import narration_values
    from scenes.course import find
    from scenes.p2_04_twelve_heads.scene import CHOICES, TwelveHeads

    fake = SimpleNamespace(trace=cached_tr, inputs=LessonInputs())
    values = TwelveHeads.extra_values(fake)
    d = cached_tr.dims
    assert values["attn_params"] == num.integer(facts.attn_params)
    assert values["qkv_shape"].screen == f"({3 * d.D:,}, {d.D})"
    assert values["num_tokens"] == d.N + 1 and values["head_dim"] == d.D // d.H
    assert values["uniform_distance"] == f"{facts.uniform_distance:.0f}"
    # every key the scene picked is one it declares
    for name, v in values.items():
        if isinstance(v, Choice):
            assert v.key in CHOICES[name], name
    # the title's twelve: literal only for a twelve-head model (the embedded model has 3)
    assert values["title"].key == ("literal" if d.H == 12 else "other")
    assert values["family"].key == "row" and values["family"].extra["row_name"] == "ViT-Tiny"
    # local heads: those of the first third of the blocks under half the uniform distance
    k = max(1, d.depth // 3)
    n_local = int((facts.distance[:k] < 0.5 * facts.uniform_distance).sum())
    assert values["local"].key == ("some" if n_local else "none") and values["local_count"] == n_local
    assert values["early_heads"] == k * d.H
    # the correlation cue: the block means and the most different pair of block 1
    corr = facts.head_corr[0].numpy().copy()
    np.fill_diagonal(corr, np.inf)
    i, j = np.unravel_index(corr.argmin(), corr.shape)
    assert (values["pair_first"], values["pair_second"]) == (i + 1, j + 1)
    assert values["early_corr"] == f"{float(facts.mean_corr[0]):.2f}"
    # which block focuses harder is read from the effective patch counts
    early, late = (float(facts.effective_patches[r].mean()) for r in (0, 1))
    assert values["early_patches"] == f"{early:.0f}" and values["late_patches"] == f"{late:.0f}"
    assert (values["focus"].key == "late_sharper") == (late < 0.8 * early)

    # the words are the script's: the cue that only held two sentence placeholders now reads as prose
    lesson = find(["p2-04-twelve-heads"])[0]
    script = load_script(lesson.narration_file)
    filled = script.fill({**narration_values(cached_tr), **values})
    read = filled.cue("maps-read").text
    assert read.startswith(f"Judged by its entropy, a head's map in block 1 spreads over {early:.0f} of the")
    assert "{" not in read and "{" not in filled.cue("similarity").text

