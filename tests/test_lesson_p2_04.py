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


def test_the_high_norm_tokens_and_the_masked_readings(facts, cached_tr):
    d = cached_tr.dims
    norms = cached_tr.blocks[-1].out[1:].norm(dim=-1).numpy()
    high = sorted(np.nonzero(norms >= 10 * np.median(norms))[0].tolist())  # lesson 9's rule
    assert facts.high_norm == high
    assert facts.high_norm_area == pytest.approx(len(high) / d.N)
    keep = np.ones(d.N, bool)
    keep[high] = False
    rows, cols = np.divmod(np.arange(d.N), d.grid)
    centres = np.stack([rows, cols], -1) * d.P
    dist = np.sqrt(((centres[:, None] - centres[None]) ** 2).sum(-1))[keep][:, keep]
    assert facts.uniform_masked == pytest.approx(dist.mean(), rel=1e-6)
    for b in range(d.depth):
        a = cached_tr.blocks[b].attn[:, 1:, 1:].double().numpy()
        full = a / a.sum(-1, keepdims=True)
        # a patch's weight on itself, averaged over the patches
        assert np.allclose(facts.self_share[b].numpy(), np.diagonal(full, axis1=1, axis2=2).mean(-1), atol=1e-5)
        # without the high-norm patches, as queries and as keys, each row renormalised over the keys left
        m = a[:, keep][:, :, keep]
        m = m / m.sum(-1, keepdims=True)
        assert np.allclose(facts.distance_masked[b].numpy(), (m * dist).sum(-1).mean(-1), rtol=1e-4)
    first = math.ceil(int(cached_tr.input.shape[-1]) / 2 / d.P)
    quad = np.zeros((d.grid, d.grid), bool)
    quad[first:, first:] = True
    quad = quad.reshape(-1)
    assert facts.quadrant_area_masked == pytest.approx((quad & keep).sum() / keep.sum())
    for k, b in enumerate(facts.blocks):
        row = cached_tr.blocks[b].attn[:, 0, 1:].double().numpy()
        share = row / row.sum(-1, keepdims=True)
        assert np.allclose(facts.high_norm_cls[k].numpy(), share[:, high].sum(-1), atol=1e-5)
        masked = share * keep
        masked = masked / masked.sum(-1, keepdims=True)
        assert np.allclose(facts.quadrant_share_masked[k].numpy(), masked[:, quad & keep].sum(-1), atol=1e-5)


def test_remainder_maps_are_left_out_of_the_counts(facts):
    for k in range(2):
        remnants = [h for h in range(facts.H) if float(facts.cls_self[k, h]) > 0.999]
        assert facts.remnants(k) == remnants
        rest = [h for h in range(facts.H) if h not in remnants]
        assert facts.counted(k) == (rest if len(rest) >= 2 else list(range(facts.H)))


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
    # the counts leave out the maps that are only a remainder (the CLS token keeps > 99.9% on itself)
    counted = [[h for h in range(d.H) if float(facts.cls_self[k, h]) <= 0.999] for k in range(2)]
    counted = [c if len(c) >= 2 else list(range(d.H)) for c in counted]
    # the correlation cue: the most and the least alike pair of counted heads in each block
    for r, name in enumerate(("early_pairs", "late_pairs")):
        corr = facts.head_corr[r].numpy()
        pairs = [(i, j) for a, i in enumerate(counted[r]) for j in counted[r][a + 1:]]
        hi, lo = max(pairs, key=lambda p: corr[p]), min(pairs, key=lambda p: corr[p])
        choice = values[name]
        assert (choice.extra["a"], choice.extra["b"]) == (hi[0] + 1, hi[1] + 1)
        assert (choice.extra["c"], choice.extra["d"]) == (lo[0] + 1, lo[1] + 1)
        assert choice.extra["hi"] == f"{corr[hi]:.2f}" and choice.extra["lo"] == f"{corr[lo]:.2f}"
        if len(pairs) == 1:
            assert choice.key == "one"
        elif corr[hi] < 0.3:
            assert choice.key == "different"
        elif corr[lo] >= 0.7:
            assert choice.key == "alike"
        else:
            assert choice.key == ("related" if corr[lo] >= 0.3 and corr[hi] < 0.7 else "spread")
    # which block focuses harder is read from the effective patch counts of the counted heads
    early, late = (float(facts.effective_patches[r][counted[r]].mean()) for r in (0, 1))
    assert values["early_patches"] == f"{early:.0f}" and values["late_patches"] == f"{late:.0f}"
    assert (values["focus"].key == "late_sharper") == (late < 0.8 * early)
    # the late blocks' distances: against the even spread, and with the high-norm tokens masked out
    late_blocks = list(range(d.depth - k, d.depth))
    late_d = float(facts.distance[late_blocks].mean())
    masked_d = float(facts.distance_masked[late_blocks].mean())
    assert values["late_vs_even"].key == ("above" if late_d > 1.05 * facts.uniform_distance else
                                          "below" if late_d < 0.95 * facts.uniform_distance else "even")
    if facts.high_norm:
        assert values["late_masked"].key == ("lower" if masked_d < 0.9 * late_d else "same")
        assert values["late_masked"].extra["late_masked"] == f"{masked_d:.0f}"
    else:
        assert values["late_masked"].key == "none"
    # how much of the local heads' attention stays on the looking patch itself
    if n_local:
        local = [(b, h) for b in range(k) for h in range(d.H)
                 if float(facts.distance[b, h]) < 0.5 * facts.uniform_distance]
        mean = np.mean([float(facts.self_share[b, h]) for b, h in local])
        assert values["local"].extra["local_self"].extra["self_mean"] == num.percent(mean).spoken

    # the words are the script's: the cue that only held two sentence placeholders now reads as prose
    lesson = find(["p2-04-twelve-heads"])[0]
    script = load_script(lesson.narration_file)
    filled = script.fill({**narration_values(cached_tr), **values})
    read = filled.cue("maps-read").text
    assert f"By that count, a head's map in block 1 spreads over {early:.0f} of the" in read
    assert "{" not in read and "{" not in filled.cue("similarity").text
    # the spoken words follow the course model's tensors on the course photo
    if set(facts.high_norm) == {0, d.grid - 1, d.N - d.grid, d.N - 1}:
        assert "four corner tokens" in read
    assert "{" not in filled.cue("distance-plot").text and "{" not in filled.cue("maps").text

