"""The multi-head lesson's numbers and maps, recomputed independently of scenes.p2_04_twelve_heads.facts.

Every count, map, distance and correlation the lesson draws or speaks comes from `cached_head_facts`; here
the same quantities are recomputed from the model's parameters, the trace's attention tensors and numpy, and
the scene's spoken values and sentences are checked against them.
"""
from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import vitmath
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from scenes.common.values import spoken_list
from scenes.p2_04_twelve_heads.facts import HeadFacts, cached_head_facts
from scenes.p2_04_twelve_heads.scene import (cls_self_choice, corners_choice, depth_trend_key, family_choice,
                                             focus_key, heads_differ, hn_name, late_masked_key, late_vs_even_key,
                                             local_self, pairs_choice)


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


# ---------------------------------------------------------------------- choices the course's inputs never make
# tests/test_choices_reachable.py sets the lesson up on the embedded ViT-Ti (3 heads) and on random ViTs; none of
# them has two late remainder maps, heads that all correlate alike, high-norm tokens off the corners, distances
# shrinking with depth, or a width and head count off the family table. The scene's own key-picking functions are
# called here on hand-made facts that do: a 4-head, 3-block model on a 4 x 4 grid of 16-pixel patches (a 64-pixel
# photo, so the cat's quadrant is patches 10, 11, 14 and 15, a quarter of them); `choice_witnesses` returns the
# keys they gave.
GRID, HEADS, DEPTH = 4, 4, 3
QUADRANT = [10, 11, 14, 15]
REMNANT = 0.9995  # the CLS token keeps more than 99.9% on itself: the map is only the remainder


def correlations(low: float, high: float) -> torch.Tensor:
    """(H, H) a correlation matrix whose pairs of different heads run evenly from `low` to `high`."""
    corr = torch.eye(HEADS)
    pairs = [(i, j) for i in range(HEADS) for j in range(i + 1, HEADS)]
    for (i, j), c in zip(pairs, np.linspace(low, high, len(pairs))):
        corr[i, j] = corr[j, i] = float(c)
    return corr


def hand_made_facts(**changes) -> HeadFacts:
    """Facts where nothing stands out: even maps, every head at the even distance, no high-norm tokens, no
    remainder maps, heads related but far from identical; `changes` replaces fields."""
    n, D = GRID * GRID, 64
    even = torch.full((2, HEADS), 0.25)  # the quadrant's share of an even map: 4 of the 16 patches
    corr = torch.stack([correlations(0.4, 0.6)] * 2)
    facts = HeadFacts(
        D=D, H=HEADS, head_dim=D // HEADS, depth=DEPTH, qkv_shape=(3 * D, D), proj_shape=(D, D),
        attn_params=4 * D * D + 4 * D, params_by_heads={1: 4 * D * D + 4 * D, HEADS: 4 * D * D + 4 * D},
        blocks=(0, DEPTH - 1), cls_maps=torch.full((2, HEADS, GRID, GRID), 1 / n),
        cls_self=torch.full((2, HEADS), 0.3), distance=torch.full((DEPTH, HEADS), 30.0), uniform_distance=30.0,
        effective_patches=torch.full((2, HEADS), 10.0), quadrant_share=even.clone(), quadrant_patches=len(QUADRANT),
        head_corr=corr, mean_corr=torch.full((DEPTH,), 0.5), self_share=torch.full((DEPTH, HEADS), 0.05),
        high_norm=[], high_norm_cls=torch.zeros(2, HEADS), quadrant_share_masked=even.clone(),
        quadrant_area_masked=0.25, distance_masked=torch.full((DEPTH, HEADS), 30.0), uniform_masked=30.0)
    return replace(facts, **changes)


def with_cls_self(early: list[int], late: list[int], keep: float = 0.3) -> HeadFacts:
    """Remainder maps for the 0-based heads `early` of block 1 and `late` of the last block; the CLS token keeps
    up to `keep` on itself in the other heads of block 1."""
    cls_self = torch.full((2, HEADS), 0.3)
    cls_self[0, 0] = keep
    cls_self[0, early], cls_self[1, late] = REMNANT, REMNANT
    return hand_made_facts(cls_self=cls_self)


def on_the_cat(late: list[float], high_norm: list[int] = ()) -> HeadFacts:
    """The last block's heads giving the cat's quadrant `late`, the same again with the high-norm patches
    `high_norm` masked out (all off the quadrant, so the cat's share of the patches left is 4 / (16 - k))."""
    area_left = len(QUADRANT) / (GRID * GRID - len(high_norm))
    share = torch.full((2, HEADS), 0.25)
    share[1] = torch.tensor(late)
    masked = share * area_left / 0.25
    return hand_made_facts(quadrant_share=share, quadrant_share_masked=masked, high_norm=sorted(high_norm),
                           quadrant_area_masked=area_left)


def with_correlation(k: int, low: float, high: float) -> HeadFacts:
    """The pairs of different heads of shown block k correlating by `low` to `high`."""
    corr = torch.stack([correlations(0.4, 0.6)] * 2)
    corr[k] = correlations(low, high)
    return hand_made_facts(head_corr=corr)


def one_late_pair() -> HeadFacts:
    """Two of the last block's four maps are remainders; the two counted heads correlate by only 0.1."""
    corr = torch.stack([correlations(0.4, 0.6)] * 2)
    corr[1, 0, 1] = corr[1, 1, 0] = 0.1
    return replace(with_cls_self([], [2, 3]), head_corr=corr)


def shrinking() -> HeadFacts:
    """Block 1's heads look 40 pixels away on average, the last block's 20, against 30 for even attention;
    block 1's first head is local (under half of 30), keeping only 2% on the looking patch."""
    distance = torch.tensor([[10.0, 50.0, 50.0, 50.0], [30.0] * 4, [20.0] * 4])
    self_share = torch.full((DEPTH, HEADS), 0.05)
    self_share[0, 0] = 0.02
    return hand_made_facts(distance=distance, distance_masked=distance.clone(), self_share=self_share)


def off_corner_tokens() -> HeadFacts:
    """High-norm patches 5 and 6 (not the corners), drawing their share of the last block's CLS attention;
    masking them leaves the late distances as they were."""
    return replace(on_the_cat([0.25] * HEADS, high_norm=[5, 6]),
                   high_norm_cls=torch.full((2, HEADS), 2 / 16))


def choice_witnesses() -> set[tuple[str, str]]:
    pairs = set()

    def cls_self(choice):
        pairs.add(("cls_self", choice.key))
        pairs.update((name, choice.extra[name].key) for name in ("early_remnant", "late_remnant", "remnant_close")
                     if name in choice.extra)

    cls_self(cls_self_choice(with_cls_self([], [], keep=0.8)))
    cls_self(cls_self_choice(with_cls_self([], [2])))
    cls_self(cls_self_choice(with_cls_self([0, 1], [1, 3])))
    pairs.add(("focus", focus_key(hand_made_facts(effective_patches=torch.tensor([[3.0] * HEADS, [10.0] * HEADS])))))
    f = off_corner_tokens()
    pairs |= {("corners", corners_choice(f, GRID).key), ("hn_name", hn_name(f, GRID).key),
              ("late_masked", late_masked_key(f)), ("cat_masked", heads_differ(f, True).extra["cat_masked"].key)}
    for late, said in (([0.5, 0.5, 0.25, 0.25], "more_heads"), ([0.1, 0.25, 0.25, 0.25], "less_heads"),
                       ([0.1, 0.1, 0.25, 0.25], "less_heads"), ([0.5, 0.1, 0.1, 0.25], "less_heads_short")):
        choice = heads_differ(on_the_cat(late), True)
        pairs |= {("heads_differ", choice.key), (said, choice.extra[said].key)}
    pairs.add(("early_pairs", pairs_choice(with_correlation(0, 0.75, 0.95), 0).key))
    pairs.add(("early_pairs", pairs_choice(with_correlation(0, 0.35, 0.65), 0).key))
    pairs.add(("early_pairs", pairs_choice(with_correlation(0, 0.0, 0.25), 0).key))
    late = pairs_choice(one_late_pair(), 1)
    pairs |= {("late_pairs", late.key), ("likeness", late.extra["likeness"].key)}
    f = shrinking()
    pairs |= {("depth_trend", depth_trend_key(f)), ("late_vs_even", late_vs_even_key(f)),
              ("local_self", local_self(f, f.local_heads([0])).key)}
    pairs.add(("family", family_choice(512, 8).key))  # ViT-Medium's width and heads: not in the table
    return pairs


def test_the_hand_made_facts_stand_out_nowhere():
    f = hand_made_facts()
    assert cls_self_choice(f).key == "little" and focus_key(f) == "same"
    assert corners_choice(f, GRID).key == "none" and late_masked_key(f) == "none"
    assert heads_differ(f, True).key == "cat_even" and heads_differ(f, True).extra["cat_masked"].key == "none"
    assert pairs_choice(f, 0).key == "related" and depth_trend_key(f) == "flat" and late_vs_even_key(f) == "even"
    assert f.local_heads([0]) == []


def test_cls_keeping_most_on_itself_without_remainders():
    choice = cls_self_choice(with_cls_self([], [], keep=0.8))
    assert choice.key == "most" and choice.extra["keep_percent"] == num.percent(0.8, 1).spoken


def test_remainder_maps_are_named_by_block():
    late = cls_self_choice(with_cls_self([], [2]))
    assert late.key == "remnant_late" and "early_remnant" not in late.extra
    assert late.extra["late_remnant"].key == "one" and late.extra["late_remnant"].extra["heads"] == "3"
    assert late.extra["remnant_close"].key == "one"
    both = cls_self_choice(with_cls_self([0, 1], [1, 3]))
    assert both.key == "remnant_both" and both.extra["remnant_close"].key == "many"
    assert both.extra["early_remnant"].key == "many" and both.extra["late_remnant"].key == "many"


def test_block_one_focusing_harder():
    f = hand_made_facts(effective_patches=torch.tensor([[3.0] * HEADS, [10.0] * HEADS]))
    assert focus_key(f) == "early_sharper"


def test_high_norm_tokens_off_the_corners():
    f = off_corner_tokens()
    assert hn_name(f, GRID).key == "other"
    corners = corners_choice(f, GRID)
    assert corners.key == "marked" and corners.extra["hn_count"] == 2
    assert late_masked_key(f) == "same"
    # 4 of the 14 patches left are the cat's: 29%, not the 25% of all 16
    masked = heads_differ(f, True).extra["cat_masked"]
    assert masked.key == "masked_area" and masked.extra["area_masked"] == num.percent(4 / 14).spoken
    # the four corners, drawing twice their share, are the bright corners instead
    bright = replace(f, high_norm=[0, 3, 12, 15], high_norm_cls=torch.full((2, HEADS), 0.5))
    assert hn_name(bright, GRID).key == "corners" and corners_choice(bright, GRID).key == "bright"


def test_heads_giving_the_cat_more_or_less():
    more = heads_differ(on_the_cat([0.5, 0.5, 0.25, 0.25]), True)
    assert more.key == "cat_more" and more.extra["more_heads"].key == "many"
    assert more.extra["more_heads"].extra["heads"] == spoken_list(["1", "2"])
    one_less = heads_differ(on_the_cat([0.1, 0.25, 0.25, 0.25]), True)
    assert one_less.key == "cat_less" and one_less.extra["less_heads"].key == "one"
    two_less = heads_differ(on_the_cat([0.1, 0.1, 0.25, 0.25]), True)
    assert two_less.key == "cat_less" and two_less.extra["less_heads"].key == "many"
    both = heads_differ(on_the_cat([0.5, 0.1, 0.1, 0.25]), True)
    assert both.key == "cat_more_and_less" and both.extra["more_heads"].key == "one"
    assert both.extra["less_heads_short"].key == "many"
    # more on the cat with the high-norm tokens but not without them: not counted as more
    share = torch.full((2, HEADS), 0.25)
    share[1, 0] = 0.5
    assert heads_differ(hand_made_facts(quadrant_share=share), True).key == "cat_even"


def test_how_alike_the_pairs_are():
    alike = pairs_choice(with_correlation(0, 0.75, 0.95), 0)
    assert alike.key == "alike" and (alike.extra["lo"], alike.extra["hi"]) == ("0.75", "0.95")
    assert (alike.extra["c"], alike.extra["d"]) == (1, 2) and (alike.extra["a"], alike.extra["b"]) == (3, 4)
    assert pairs_choice(with_correlation(0, 0.35, 0.65), 0).key == "related"
    assert pairs_choice(with_correlation(0, 0.0, 0.25), 0).key == "different"
    assert pairs_choice(with_correlation(0, 0.1, 0.9), 0).key == "spread"
    late = pairs_choice(one_late_pair(), 1)
    assert late.key == "one" and (late.extra["a"], late.extra["b"]) == (1, 2)
    assert late.extra["likeness"].key == "different" and late.extra["hi"] == "0.10"


def test_distances_shrinking_with_depth_and_a_local_head_not_on_itself():
    f = shrinking()
    assert depth_trend_key(f) == "shrink" and late_vs_even_key(f) == "below"
    local = f.local_heads([0])
    assert local == [(0, 0)]
    choice = local_self(f, local)
    assert choice.key == "little" and choice.extra["self_mean"] == num.percent(0.02).spoken


def test_a_model_off_the_family_table():
    assert family_choice(512, 8).key == "none"
    assert family_choice(768, 12).key == "row" and family_choice(768, 12).extra["row_name"] == "ViT-Base"
    assert family_choice(768, 6).key == "none"  # the width alone is not a row


def test_the_witnesses_are_declared_keys():
    from scenes.course import BY_ID, declared_choices

    declared = declared_choices(BY_ID["p2-04-twelve-heads"])
    assert all(key in declared[name] for name, key in choice_witnesses())
