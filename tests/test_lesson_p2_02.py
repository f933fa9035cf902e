"""The project-then-add lesson's numbers, recomputed independently of scenes.p2_02_project_then_add.facts.

The patch token comes from timm's own patch-embedding module, the sum with CLS and positions from timm's own
`_pos_embed`, the principal components from numpy's eigen-decomposition of the filters' covariance; the
scene's spoken values and its choice keys are checked against them, and the script's words for each key.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

import vitmath
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from scenes.p2_02_project_then_add.facts import PCA_SHOWN, cached_embedding_facts
from scenes.p2_02_project_then_add.scene import (filter_sign, first_components, norm_compare, pca_structure,
                                                 x0_match)


@pytest.fixture(scope="module")
def facts():
    return cached_embedding_facts()


@pytest.fixture(scope="module")
def timm_tokens(model, image):
    """(N, D) patch tokens and (T, D) block-1 input, from timm's own modules."""
    with torch.no_grad():
        x = image.tensor if image.tensor.dim() == 4 else image.tensor[None]
        patches = model.patch_embed(x)                  # (1, N, D)
        seq = model.norm_pre(model._pos_embed(patches))   # (1, T, D): CLS prepended, positions added
    return patches[0], seq[0]


@pytest.fixture(scope="module")
def spoken(facts):
    from scenes.p2_02_project_then_add.scene import ProjectThenAdd

    fake = SimpleNamespace(trace=vitmath.cached_trace(), inputs=LessonInputs())
    return ProjectThenAdd.extra_values(fake), fake


def test_the_example_is_the_contact_sheets_most_varied_patch(tr, facts):
    stds = np.asarray(tr.patch_pixels, dtype=np.float64).reshape(tr.dims.N, -1).std(axis=1)
    assert facts.example_patch == int(stds.argmax())


def test_one_output_by_hand_is_the_models_output(model, tr, facts, timm_tokens):
    patches, _ = timm_tokens
    i, k = facts.example_patch, facts.out_index
    w = model.patch_embed.proj.weight.detach().reshape(tr.dims.D, -1)
    b = model.patch_embed.proj.bias.detach()
    assert torch.equal(facts.weight, w) and torch.equal(facts.bias, b)
    assert k == int(patches[i].abs().argmax())
    # the dot product, summed in float64 from the (channel, y, x)-flattened pixels
    p = tr.input.double().reshape(3, tr.dims.grid, tr.dims.P, tr.dims.grid, tr.dims.P)
    p = p[:, i // tr.dims.grid, :, i % tr.dims.grid, :].reshape(-1)
    dot = float(w[k].double() @ p)
    assert facts.dot == pytest.approx(dot, abs=1e-4)
    assert facts.first_terms == [pytest.approx((float(w[k, j]), float(p[j])), abs=1e-6) for j in (0, 1)]
    assert facts.out_value == pytest.approx(float(patches[i, k]), abs=1e-4)
    assert facts.out_value == pytest.approx(dot + float(b[k]), abs=1e-4)


def test_the_sum_is_timms_input_to_block_one(model, tr, facts, timm_tokens):
    _, seq = timm_tokens
    i, k = facts.example_patch, facts.out_index
    assert seq.shape == (tr.dims.T, tr.dims.D)
    assert torch.allclose(seq, tr.x0, atol=1e-4)
    assert facts.pos_value == pytest.approx(float(model.pos_embed.detach()[0, i + 1, k]), abs=1e-6)
    assert facts.sum_value == pytest.approx(float(seq[i + 1, k]), abs=1e-4)
    assert facts.no_embed_class == bool(model.no_embed_class)
    assert facts.pos_rows == model.pos_embed.shape[1] == tr.dims.T
    assert facts.sum_vs_x0 <= 1e-6
    cls, pos0 = model.cls_token[0, 0].detach().double(), model.pos_embed[0, 0].detach().double()
    assert facts.cls_pos0_cosine == pytest.approx(float(cls @ pos0 / (cls.norm() * pos0.norm())), abs=1e-5)


def test_the_norms(model, tr, facts, timm_tokens):
    patches, _ = timm_tokens
    tokens = patches.double().norm(dim=-1).numpy()
    pos = model.pos_embed[0, 1:].detach().double().norm(dim=-1).numpy()
    i = facts.example_patch
    assert facts.token_norm == pytest.approx(tokens[i], rel=1e-5)
    assert facts.pos_norm == pytest.approx(pos[i], rel=1e-5)
    assert facts.mean_token_norm == pytest.approx(tokens.mean(), rel=1e-5)
    assert facts.mean_pos_norm == pytest.approx(pos.mean(), rel=1e-5)
    assert facts.patches_bigger == int((tokens > pos).sum())


def test_the_principal_components_and_their_baseline(model, tr, facts):
    w = model.patch_embed.proj.weight.detach().double().reshape(tr.dims.D, -1).numpy()
    eig, vec = np.linalg.eigh(np.cov(w, rowvar=False))
    eig, vec = eig[::-1], vec[:, ::-1]                          # descending variances of the filters
    assert np.allclose(facts.pca_ratio.numpy(), eig[:PCA_SHOWN] / eig.sum(), atol=1e-6)
    comps = facts.pca_components.double().reshape(PCA_SHOWN, -1).numpy()
    assert facts.pca_components.shape == (PCA_SHOWN, 3, tr.dims.P, tr.dims.P)
    # the same directions as numpy's eigenvectors, up to sign (the sign is arbitrary, as the screen says)
    assert np.allclose(np.abs((comps * vec[:, :PCA_SHOWN].T).sum(1)), 1.0, atol=1e-4)
    g = torch.Generator().manual_seed(0)
    rand = torch.randn(tr.dims.D, w.shape[1], generator=g, dtype=torch.float64).numpy()
    reig = np.linalg.eigvalsh(np.cov(rand, rowvar=False))[::-1]
    assert facts.random_pca_share == pytest.approx(reig[:PCA_SHOWN].sum() / reig.sum(), abs=1e-6)
    assert np.allclose(facts.random_ratio.numpy(), reig[:PCA_SHOWN] / reig.sum(), atol=1e-6)
    assert facts.pca_ratio.sum() > facts.random_pca_share + 0.1     # what the script says training did


@pytest.mark.parametrize("init", ["pytorch", "lecun_normal"])
def test_the_random_baseline_is_e_before_training(tr, facts, init):
    """The script says the grey bars are E before training: a fresh patch projection, initialised as timm
    initialises it (PyTorch's default, or the JAX original's lecun-normal), holds the same share."""
    from timm.layers import lecun_normal_

    torch.manual_seed(1)
    conv = torch.nn.Conv2d(3, tr.dims.D, tr.dims.P, stride=tr.dims.P)
    if init == "lecun_normal":
        lecun_normal_(conv.weight)
    w = conv.weight.detach().double().reshape(tr.dims.D, -1).numpy()
    eig = np.linalg.eigvalsh(np.cov(w, rowvar=False))[::-1]
    assert eig[:PCA_SHOWN].sum() / eig.sum() == pytest.approx(facts.random_pca_share, abs=0.01)


def test_what_the_photo_holds_along_the_components(tr, facts):
    P, g = tr.dims.P, tr.dims.grid
    # the photo's patches, cut from the normalised input here, (channel, y, x)-flattened like the filters
    x = tr.input.double().reshape(3, g, P, g, P).permute(1, 3, 0, 2, 4).reshape(tr.dims.N, -1).numpy()
    x = x - x.mean(0)
    comps = facts.pca_components.double().reshape(PCA_SHOWN, -1).numpy()
    along = (x @ comps.T).var(0, ddof=1) / (x.var(0, ddof=1).sum() / x.shape[1])
    assert np.allclose(facts.photo_along.numpy(), along, rtol=1e-4, atol=1e-6)
    # the fine-detail share of each component, from numpy's FFT; a checkerboard is all fine, a flat patch none
    power = np.abs(np.fft.fft2(comps.reshape(PCA_SHOWN, 3, P, P))) ** 2
    f = np.abs(np.fft.fftfreq(P))
    fine = np.maximum(f[:, None], f[None, :]) >= 0.25
    assert np.allclose(facts.fine_share.numpy(), (power * fine).sum((1, 2, 3)) / power.sum((1, 2, 3)), atol=1e-5)
    from scenes.p2_02_project_then_add.facts import fine_share
    yy, xx = np.mgrid[:P, :P]
    board = np.broadcast_to((-1.0) ** (yy + xx), (3, P, P)).reshape(1, -1)
    flat = np.ones((1, 3 * P * P))
    assert float(fine_share(torch.tensor(board), P)[0]) == pytest.approx(1.0)
    assert float(fine_share(torch.tensor(flat), P)[0]) == pytest.approx(0.0)


def test_the_row_drawn_gives_the_patch_its_largest_dot_product(model, facts, timm_tokens):
    patches, _ = timm_tokens
    dots = patches[facts.example_patch].double() - model.patch_embed.proj.bias.detach().double()
    assert facts.plus_index == int(dots.argmax())
    assert facts.plus_dot == pytest.approx(float(dots.max()), abs=1e-4) and facts.plus_dot > 0


def test_the_spoken_values_are_the_facts(tr, facts, spoken):
    values, _ = spoken
    k = facts.out_index
    assert values["slot"] == facts.example_patch + 1
    assert values["param_count"].value == tr.dims.D * tr.dims.P ** 2 * 3 + tr.dims.D
    assert values["out_index"] == k
    # the sums as written add up as written
    for a, b, c in (("dot", "bias_k", "out_value"), ("add_out_value", "pos_k", "sum_k")):
        places = len(values[a].screen.split(".")[1])
        assert round(float(values[a].screen) + float(values[b].screen), places) == float(values[c].screen)
    assert values["dot"].value == facts.dot and values["sum_k"].value == facts.sum_value
    assert values["pca_share"] == num.percent(float(facts.pca_ratio.sum()))
    assert values["random_share"] == num.percent(facts.random_pca_share)
    assert values["token_norm"].value == facts.token_norm
    assert values["plus_index"] == facts.plus_index and values["plus_dot"].value == facts.plus_dot
    assert values["filter_sign"].key == ("same" if k == facts.plus_index else
                                         "negative" if facts.dot < 0 else "positive")
    assert not facts.no_embed_class and values["cls_position"].key == "own"
    assert values["cls_position"].extra["pos_rows"] == facts.pos_rows


def test_the_choices_follow_the_measurements():
    from scenes.p2_02_project_then_add.scene import (cls_pos_cosine, cls_position, filter_sign, first_components,
                                                     norm_compare, pca_structure, signed_tile, sum_places,
                                                     x0_match)

    assert pca_structure(0.42, 0.27, 0.05).key == "shared_spread"
    assert pca_structure(0.42, 0.27, 0.3).key == "shared_first"
    assert pca_structure(0.19, 0.18, 0.01).key == "random"
    first = first_components([0.0065, 0.02, 0.13], [0.56, 0.93, 0.04])
    assert first.key == "unseen_fine" and first.extra["faint_which"].key == "many"
    assert first.extra["faint_which"].extra["faint"] == 2
    first = first_components([0.05, 0.5], [0.2, 0.9])
    assert first.key == "unseen" and first.extra["faint_which"].key == "one"
    assert first_components([1.3, 0.05], [0.9, 0.9]).key == "seen"
    # zero is mid-grey; a value and its negative sit either side of it
    tile = signed_tile(np.array([[[1.0, -1.0], [0.0, 0.5]]] * 3)).astype(int)
    assert tile.shape == (2, 2, 3) and (tile[1, 0] == 128).all() and (tile[0, 0] + tile[0, 1] == 255).all()
    assert norm_compare(10.4, 6.5, 157, 196).key == "same_order"
    assert norm_compare(10.4, 6.5, 157, 196).extra["bigger_count"].key == "some"
    nudge = norm_compare(12.0, 0.4, 196, 196)
    assert nudge.key == "nudge" and nudge.extra["ratio"] == "30" and nudge.extra["bigger_count"].key == "all"
    dominates = norm_compare(0.1, 5.0, 0, 196)
    assert dominates.key == "dominates" and dominates.extra["bigger_count"].key == "none"
    assert filter_sign(3, 5, -2.0).key == "negative" and filter_sign(3, 5, 2.0).key == "positive"
    assert filter_sign(5, 5, 2.0).key == "same"
    assert cls_pos_cosine(0.999).key == "alike" and cls_pos_cosine(0.01).key == "different"
    assert cls_position(197).key == "own" and cls_position(197).extra["pos_rows"] == 197
    assert x0_match(False).key == "exact" and x0_match(True).key == "pre_norm"
    assert sum_places(1.004, 1.004, 2.008) == 3      # 1.00 + 1.00 != 2.01 at two places
    assert sum_places(-9.983, 0.384, -9.599) == 2


def test_the_script_says_what_each_choice_means():
    """The words live in the script; each key's sentence says what the measurement behind it shows."""
    from narration.script import load_script
    from scenes.course import BY_ID

    script = load_script(BY_ID["p2-02-project-then-add"].narration_file)
    words = script.choices
    assert "training gave" in words["pca_structure"]["shared_spread"]
    assert "no more structured" in words["pca_structure"]["random"]
    assert "reversed" in words["filter_sign"]["negative"] and "reversed" not in words["filter_sign"]["positive"]
    first = words["first_components"]
    assert "hardly contain" in first["unseen_fine"] and "fine" in first["unseen_fine"]
    assert "hardly contain" in first["unseen"] and "fine" not in first["unseen"] and "do contain" in first["seen"]
    assert "small nudge" in words["norm_compare"]["nudge"] and "dominates" in words["norm_compare"]["dominates"]
    assert "too" in words["cls_position"]["own"]
    assert "bit for bit" in words["x0_match"]["exact"] and "LayerNorm" in words["x0_match"]["pre_norm"]


# ---------------------------------------------------------------------- choices the course's inputs never make
# tests/test_choices_reachable.py sets the lesson up on the embedded ViT-Ti and on random ViTs; none of them has
# exactly one leading component its photo hardly holds, positions ten times longer than the patch tokens, a first
# filter component carrying a tenth of the variance, or a LayerNorm before block 1 (timm's norm_pre, as CLIP-style
# ViTs have). The scene's own key-picking functions are called on numbers that do; `choice_witnesses` returns the
# keys they gave.


def one_faint_component():
    """Only the first component is one the photo hardly holds (under a tenth of an average direction)."""
    return first_components([0.05, 0.5, 1.2], [0.9, 0.9, 0.1])


def position_dominates():
    """Patch tokens of mean length 0.25 against positions of 5: none of the 196 patches is longer."""
    return norm_compare(0.25, 5.0, 0, 196)


def first_component_carries_much():
    """Structure beyond chance (42% against 27% for random filters), 30% of it in the first component."""
    return pca_structure(0.42, 0.27, 0.3)


def with_norm_pre():
    """A model with a LayerNorm between the sum and block 1."""
    return x0_match(True)


def choice_witnesses() -> set[tuple[str, str]]:
    first, norms = one_faint_component(), position_dominates()
    return {("first_components", first.key), ("faint_which", first.extra["faint_which"].key),
            ("norm_compare", norms.key), ("bigger_count", norms.extra["bigger_count"].key),
            ("pca_structure", first_component_carries_much().key), ("x0_match", with_norm_pre().key),
            ("filter_sign", filter_sign(1, 2, 0.5).key), ("filter_sign", filter_sign(1, 2, -0.5).key)}


def test_the_drawn_row_against_the_worked_one():
    assert filter_sign(3, 3, 0.5).key == "same"                    # the worked row is the drawn row
    assert filter_sign(1, 2, 0.5).key == "positive" and filter_sign(1, 2, -0.5).key == "negative"


def test_one_faint_component_is_the_first():
    first = one_faint_component()
    assert first.key == "unseen_fine" and first.extra["faint_which"].key == "one"
    assert "faint" not in first.extra["faint_which"].extra


def test_a_position_ten_times_longer_dominates():
    choice = position_dominates()
    assert choice.key == "dominates" and choice.extra["ratio"] == "20"
    assert choice.extra["bigger_count"].key == "none"


def test_a_first_component_with_a_tenth_or_more_carries_the_structure():
    assert first_component_carries_much().key == "shared_first"
    assert pca_structure(0.42, 0.27, 0.09).key == "shared_spread"   # the same total, spread out


def test_a_norm_pre_is_what_block_one_reads():
    assert with_norm_pre().key == "pre_norm" and x0_match(False).key == "exact"


def test_without_norm_pre_the_sum_is_block_ones_input_bit_for_bit(facts):
    """The "exact" sentence says bit for bit: the trace builds block 1's input with the same sum."""
    assert not facts.pre_norm and facts.sum_vs_x0 == 0.0


def test_the_witnesses_are_declared_keys():
    from scenes.course import BY_ID, declared_choices

    declared = declared_choices(BY_ID["p2-02-project-then-add"])
    assert all(key in declared[name] for name, key in choice_witnesses())
