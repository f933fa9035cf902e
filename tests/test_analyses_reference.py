"""The analyses the lessons show, each checked against a reference that does not share its code.

The references are written out the slow, obvious way (numpy loops, explicit grid coordinates) or are
another library's call (numpy.linalg.eigh, torch's cosine_similarity, timm's own forward pass), and several
cases are small enough to work out by hand. Each test was seen to fail with a wrong implementation swapped
in; the note on each test says which.
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import vitmath
from vitmath import receptive_field


def with_attention(tr, *attns, permutation=None):
    """The real trace with its blocks' attention replaced: a synthetic case on the real 14 x 14 geometry."""
    blocks = [replace(tr.blocks[0], attn=torch.as_tensor(a, dtype=torch.float32)) for a in attns]
    return replace(tr, blocks=blocks, permutation=permutation)


def tiny_trace(*attns):
    """Only what attention_rollout reads: the token count and each block's (H, T, T) attention."""
    blocks = [SimpleNamespace(attn=torch.tensor(a)) for a in attns]
    return SimpleNamespace(dims=SimpleNamespace(T=blocks[0].attn.shape[-1]), blocks=blocks)


# --- attention rollout -------------------------------------------------------------------------------------


def reference_rollout(attns, fusion="mean", discard=0.0):
    """Abnar & Zuidema (2020) as vit-explain runs it, in numpy: fuse heads, drop the weakest links (never
    CLS->CLS), A = 0.5 W + 0.5 I with rows renormalised, multiplied in layer order (later layers on the left)."""
    T = attns[0].shape[-1]
    result = np.eye(T)
    for a in attns:
        a = np.asarray(a, np.float64)
        fused = {"mean": a.mean(0), "max": a.max(0), "min": a.min(0)}[fusion].copy()
        if discard:
            weakest = np.argsort(fused, axis=None, kind="stable")[: int(T * T * discard)]
            fused.flat[weakest[weakest != 0]] = 0.0
        w = 0.5 * fused + 0.5 * np.eye(T)
        w = w / w.sum(axis=1, keepdims=True)
        result = w @ result
    return result


# Two heads on three tokens, small enough to roll out by hand.
HEAD_A = [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
HEAD_B = [[0.0, 1.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]


@pytest.mark.parametrize("fusion, expected", [
    # mean [[.5,.5,0],[.25,.5,.25],[0,0,1]]; half of it plus half of I already has rows summing to 1
    ("mean", [[0.75, 0.25, 0.0], [0.125, 0.75, 0.125], [0.0, 0.0, 1.0]]),
    # max [[1,1,0],[.5,.5,.5],[0,0,1]]; (max + I) / 2 has rows 1.5, 1.25, 1, renormalised to 1
    ("max", [[2 / 3, 1 / 3, 0.0], [0.2, 0.6, 0.2], [0.0, 0.0, 1.0]]),
    # min [[0,0,0],[0,.5,0],[0,0,1]]: nothing but each token keeping itself
    ("min", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
])
def test_rollout_of_one_block_by_hand(fusion, expected):
    """Catches: no residual term, no renormalisation, renormalising columns, ignoring head fusion."""
    got = vitmath.attention_rollout(tiny_trace([HEAD_A, HEAD_B]), head_fusion=fusion)
    assert np.allclose(got.numpy(), expected, atol=1e-6)


def test_rollout_of_two_blocks_multiplies_in_layer_order():
    """Catches: the product taken in the wrong order (first layer on the left)."""
    first, second = [HEAD_A, HEAD_B], [HEAD_B, [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]
    w1 = np.array([[0.75, 0.25, 0.0], [0.125, 0.75, 0.125], [0.0, 0.0, 1.0]])  # from the hand case above
    w2 = 0.5 * np.mean(second, axis=0) + 0.5 * np.eye(3)
    got = vitmath.attention_rollout(tiny_trace(first, second)).numpy()
    assert np.allclose(got, w2 @ w1, atol=1e-6)
    assert not np.allclose(w2 @ w1, w1 @ w2, atol=1e-3)  # so the order really is being tested


def test_discard_ratio_drops_the_weakest_links_but_never_cls_to_cls():
    """Catches: a discard ratio that is ignored, or that may drop the CLS token's attention to itself."""
    head = [[0.01, 0.59, 0.40], [0.30, 0.30, 0.40], [0.20, 0.05, 0.75]]
    # int(9 * 0.2) = 1 weakest link, which is CLS->CLS (0.01): protected, so nothing changes.
    assert torch.allclose(vitmath.attention_rollout(tiny_trace([head]), discard_ratio=0.2),
                          vitmath.attention_rollout(tiny_trace([head])))
    # int(9 * 0.3) = 2 weakest: CLS->CLS (kept) and token 2 -> token 1 (0.05), which goes.
    got = vitmath.attention_rollout(tiny_trace([head]), discard_ratio=0.3).numpy()
    row2 = np.array([0.20, 0.0, 0.75]) * 0.5 + np.array([0, 0, 0.5])
    assert np.allclose(got[2], row2 / row2.sum(), atol=1e-6)
    assert got[0, 0] == pytest.approx(0.505, abs=1e-6)  # (0.01 + 1) / 2, rows of the others untouched


@pytest.mark.parametrize("depth, fusion, discard", [
    *[(depth, fusion, discard) for depth in (1, 2) for fusion in ("mean", "max", "min") for discard in (0.0, 0.5, 0.9)],
    (12, "mean", 0.0), (12, "max", 0.9), (12, "min", 0.5),
])
def test_rollout_matches_the_reference_on_real_attention(tr, depth, fusion, discard):
    attns = [b.attn.numpy() for b in tr.blocks[:depth]]
    got = vitmath.attention_rollout(replace(tr, blocks=tr.blocks[:depth]), head_fusion=fusion,
                                    discard_ratio=discard)
    assert np.allclose(got.numpy(), reference_rollout(attns, fusion, discard), atol=1e-5)


def test_discarding_sharpens_the_cls_map(tr):
    """What the discard ratio is for (vit-explain): dropping weak links concentrates the CLS row's mass."""
    def entropy(row):
        p = row / row.sum()
        return float(-(p * p.clamp_min(1e-12).log()).sum())

    rows = [vitmath.attention_rollout(tr, "max", d)[0, 1:] for d in (0.0, 0.5, 0.9)]
    assert entropy(rows[0]) > entropy(rows[1]) > entropy(rows[2])


def test_rollout_cls_map_is_the_cls_row_in_image_layout(tr):
    perm = torch.randperm(196, generator=torch.Generator().manual_seed(5))
    shuffled = replace(tr, permutation=perm)
    row = reference_rollout([b.attn.numpy() for b in tr.blocks])[0, 1:]
    expected = np.zeros(196)
    for slot, patch in enumerate(perm.tolist()):
        expected[patch] = row[slot]
    got = vitmath.rollout_cls_map(shuffled).numpy()
    assert np.allclose(got, (expected / expected.max()).reshape(14, 14), atol=1e-5)


# --- per-head CLS maps ----------------------------------------------------------------------------------------


def test_cls_maps_put_each_slot_on_its_own_image_patch(tr):
    """Catches: ignoring the permutation, gathering with it instead of scattering (its inverse), a transposed
    grid."""
    perm = torch.randperm(196, generator=torch.Generator().manual_seed(1))
    attn = torch.zeros(3, 197, 197)
    attn[:, 0, 1:] = torch.arange(196).float() + 1000 * torch.arange(3).float()[:, None]  # slot k -> k + 1000 h
    maps = vitmath.cls_attention_maps(with_attention(tr, attn, permutation=perm), 0)
    for slot in (0, 1, 17, 195):
        row, col = divmod(int(perm[slot]), 14)  # raster index -> (row, column) of the image patch
        for head in range(3):
            assert maps[head, row, col] == slot + 1000 * head
    plain = vitmath.cls_attention_maps(with_attention(tr, attn), 0)
    assert plain[2, 3, 5] == 3 * 14 + 5 + 2000  # raster order: patch (3, 5) sits in slot 47


# --- attention masks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep, expected", [
    (0.3, [[False, True], [False, False]]),   # 4 / 10 is already more than 0.3
    (0.7, [[False, True], [False, True]]),    # exactly 4 + 3 = 7 tenths: two patches suffice
    (0.71, [[False, True], [True, True]]),    # a hair more needs the third
    (1.0, [[True, True], [True, True]]),
])
def test_attention_mask_by_hand(keep, expected):
    """Catches: one patch too few or too many, a strict > where the README's 'at least' means >=."""
    amap = torch.tensor([[1.0, 4.0], [2.0, 3.0]])
    assert vitmath.attention_mask(amap, keep=keep).tolist() == expected


def test_attention_mask_is_the_smallest_set_by_brute_force():
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        amap = torch.rand(3, 3, generator=gen) ** 3
        values = amap.flatten().tolist()
        for keep in (0.25, 0.5, 0.8, 0.95):
            smallest = min(len(s) for n in range(1, 10) for s in itertools.combinations(range(9), n)
                           if sum(values[i] for i in s) >= keep * sum(values))
            mask = vitmath.attention_mask(amap, keep=keep)
            assert int(mask.sum()) == smallest
            assert amap[mask].sum() >= keep * amap.sum() - 1e-6


# --- position embeddings (ViT Fig. 7 centre) --------------------------------------------------------------------


def test_position_similarity_is_torch_cosine_similarity(model):
    """Catches: tanh of the dot product, unnormalised dot products, the CLS position included."""
    pos = model.pos_embed[0, 1:].detach().double()
    expected = F.cosine_similarity(pos[:, None, :], pos[None, :, :], dim=-1)
    assert torch.allclose(vitmath.position_similarity(model).double(), expected, atol=1e-6)


# --- filter PCA (ViT Fig. 7 left) ---------------------------------------------------------------------------


def test_filter_pca_is_the_eigendecomposition_of_the_covariance(model):
    """Catches: random or unsorted components, variance from uncentred filters, a wrong total for the ratio."""
    f = vitmath.filter_pca(model, k=28)
    w = model.patch_embed.proj.weight.detach().double().numpy()
    D, _, P, _ = w.shape
    flat = w.reshape(D, -1)
    values, vectors = np.linalg.eigh(np.cov(flat, rowvar=False))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    assert np.allclose(f.explained_variance.numpy(), values[:28], rtol=1e-4)
    assert np.allclose(f.explained_ratio.numpy(), values[:28] / np.trace(np.cov(flat, rowvar=False)), rtol=1e-4)
    # The top eigenvalues are apart by far more than float64 rounding, so each eigenvector is defined
    # up to its sign and the two decompositions must agree on it.
    assert (np.diff(values[:29]) < -1e-4 * values[0]).all()
    for i in range(28):
        comp = f.components[i].double().numpy()
        assert np.allclose(comp, vectors[:, i], atol=1e-4) or np.allclose(comp, -vectors[:, i], atol=1e-4), i


# --- mean attention distance (ViT Fig. 7 right) -----------------------------------------------------------------


def pixel_distance(a: int, b: int, grid=14, patch=16) -> float:
    """Distance between the centres of raster patches a and b, from their (row, column) on the grid."""
    (ra, ca), (rb, cb) = divmod(a, grid), divmod(b, grid)
    return patch * ((ra - rb) ** 2 + (ca - cb) ** 2) ** 0.5


def synthetic(patch_weights, cls_weight=0.0):
    """(1, T, T) attention: every row gives cls_weight to CLS and the rest split as patch_weights(i) says."""
    a = torch.zeros(1, 197, 197, dtype=torch.float64)
    a[0, :, 0] = cls_weight
    for i in range(196):
        a[0, 1 + i, 1:] = torch.as_tensor(patch_weights(i), dtype=torch.float64) * (1 - cls_weight)
    return a


def one_hot(j):
    return [1.0 if k == j else 0.0 for k in range(196)]


def test_mean_attention_distance_on_attention_with_a_known_answer(tr):
    """Catches: attention not renormalised over the patches, distances in patches instead of pixels, the
    mean taken over keys instead of queries."""
    uniform = sum(pixel_distance(i, j) for i in range(196) for j in range(196)) / 196**2
    to_corner = sum(pixel_distance(i, 0) for i in range(196)) / 196
    cases = [
        (synthetic(lambda i: one_hot(i)), 0.0),                         # every patch looks at itself
        (synthetic(lambda i: [1 / 196] * 196), uniform),                # every patch looks everywhere
        (synthetic(lambda i: one_hot(0)), to_corner),                   # every patch looks at the top-left one
        (synthetic(lambda i: one_hot(0), cls_weight=0.6), to_corner),   # ... while parking 60% on CLS
    ]
    got = vitmath.mean_attention_distance(with_attention(tr, *(a for a, _ in cases)))
    assert got.shape == (4, 1)
    assert np.allclose(got[:, 0].numpy(), [want for _, want in cases], rtol=1e-5)
    assert to_corner == pytest.approx(sum(16 * (r * r + c * c) ** 0.5 for r in range(14) for c in range(14)) / 196)


def test_mean_attention_distance_follows_shuffled_patches(tr):
    """In a shuffled trace, token slot j holds image patch perm[j]: distances are between image positions."""
    perm = torch.randperm(196, generator=torch.Generator().manual_seed(2))
    got = vitmath.mean_attention_distance(with_attention(tr, synthetic(lambda i: one_hot(0)), permutation=perm))
    expected = sum(pixel_distance(int(perm[i]), int(perm[0])) for i in range(196)) / 196
    assert float(got[0, 0]) == pytest.approx(expected, rel=1e-5)


def test_mean_attention_distance_on_the_real_trace(tr):
    rows, cols = np.divmod(np.arange(196), 14)
    dist = 16 * np.hypot(rows[:, None] - rows[None, :], cols[:, None] - cols[None, :])
    expected = np.zeros((12, 3))
    for layer, block in enumerate(tr.blocks):
        for head in range(3):
            a = block.attn[head, 1:, 1:].double().numpy()
            expected[layer, head] = np.mean(np.sum(a / a.sum(1, keepdims=True) * dist, axis=1))
    assert np.allclose(vitmath.mean_attention_distance(tr).numpy(), expected, rtol=1e-5)


# --- CNN receptive fields -----------------------------------------------------------------------------------


class TinyCNN(nn.Module):
    """Strides, pooling, a dilation and a shortcut branch, small enough to follow by hand."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 1, 3, padding=1)                    # size 1 + 2*1*1 = 3, jump 1
        self.b = nn.Conv2d(1, 1, 3, stride=2, padding=1)          # 3 + 2*1*1 = 5, jump 2
        self.downsample = nn.Conv2d(1, 1, 1, stride=2)            # a shortcut: not on the main path
        self.pool = nn.MaxPool2d(2, 2)                            # 5 + 1*1*2 = 7, jump 4
        self.c = nn.Conv2d(1, 1, 3, padding=2, dilation=2)        # 7 + 2*2*4 = 23, jump 4

    def forward(self, x):
        return self.c(self.pool(self.b(self.a(x))))


def test_theoretical_receptive_field_by_hand():
    """Catches: dilation ignored, the jump updated before the size, shortcut branches counted."""
    layers = receptive_field.theoretical_receptive_fields(TinyCNN())
    assert [(layer.name, layer.size, layer.jump) for layer in layers] == [
        ("a", 3, 1), ("b", 5, 2), ("pool", 7, 4), ("c", 23, 4)]


def test_resnet18_stage_receptive_fields_are_the_published_ones():
    # 7x7/2 stem: 7; max-pool 3/2: 11; layer1, four 3x3 at jump 4: 43; layer2: 43 + 2*4 + 3*2*8 = 99;
    # layer3: 99 + 2*8 + 3*2*16 = 211; layer4: 211 + 2*16 + 3*2*32 = 435.
    rf = vitmath.cnn_receptive_fields("resnet18", input_size=64, samples=1)
    assert [(s.name, s.reduction, s.theoretical) for s in rf.stages] == [
        ("act1", 2, 7), ("layer1", 4, 43), ("layer2", 8, 99), ("layer3", 16, 211), ("layer4", 32, 435)]


def test_effective_receptive_field_of_one_conv_is_its_kernel():
    """One 3x3 conv: the centre output's input gradient is the kernel's magnitudes around the centre pixel."""
    net = nn.Sequential()
    net.add_module("conv", nn.Conv2d(3, 1, 3, padding=1, bias=False))
    kernel = torch.tensor([[1.0, -2.0, 0.5], [0.0, 4.0, -1.0], [0.25, 3.0, -0.5]])
    with torch.no_grad():
        # Per channel: the kernel, its negative, a flat 0.5. The magnitudes add up; signed, only the 0.5s remain.
        net.conv.weight[:] = torch.stack([kernel, -kernel, torch.full((3, 3), 0.5)])[None]
    net.feature_info = [{"module": "conv", "reduction": 1}]
    (erf,) = receptive_field._effective_fields(net, input_size=9, samples=2, seed=0)
    expected = torch.zeros(9, 9)
    expected[3:6, 3:6] = 2 * kernel.abs() + 0.5
    assert torch.allclose(erf, expected / expected.max())
    assert receptive_field._central_square(erf, 0.9) == 3


# --- the patch-permutation experiment --------------------------------------------------------------------------


def shuffle_pixels(x, perm, P=16, grid=14):
    """The image with its tiles physically moved: the tile at raster slot j is the original tile perm[j]."""
    tiles = x.reshape(3, grid, P, grid, P).permute(1, 3, 0, 2, 4).reshape(grid * grid, 3, P, P)[perm]
    return tiles.reshape(grid, grid, 3, P, P).permute(2, 0, 3, 1, 4).reshape(1, 3, grid * P, grid * P)


def test_permutation_experiment_against_timm_on_shuffled_pixels(model, image):
    """timm's own forward on an image whose tiles were moved is the reference for the shuffled trace.

    Catches: the inverse permutation, positions shuffled along with the patches, the wrong pair of logits
    compared, a top-5 from the wrong run.
    """
    r = vitmath.permutation_experiment(model, image, seed=0)
    x = image.tensor
    shuffled_x = shuffle_pixels(x[0], r.permutation)
    no_pos = copy.deepcopy(model)
    no_pos.pos_embed.data[:, 1:] = 0  # the CLS token's own position embedding is not a patch position
    no_pos.pos_embed.data[:, 0] = 0
    with torch.no_grad():
        plain, shuffled = model(x)[0], model(shuffled_x)[0]
        plain_nopos, shuffled_nopos = no_pos(x)[0], no_pos(shuffled_x)[0]
    assert r.with_pos_logit_diff == pytest.approx(float((shuffled - plain).abs().max()), abs=1e-3)
    assert r.with_pos_logit_diff > 1.0  # positions matter: a real change in the prediction
    assert r.no_pos_logit_diff == pytest.approx(float((shuffled_nopos - plain_nopos).abs().max()), abs=1e-4)

    def top5(logits):
        return [int(i) for i in logits.softmax(-1).topk(5).indices]

    assert [i for i, _, _ in r.shuffled_top5] == top5(shuffled)
    assert [i for i, _, _ in r.with_pos_top5] == top5(plain)
    assert [i for i, _, _ in r.no_pos_top5] == top5(plain_nopos)
