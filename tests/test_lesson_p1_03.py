"""The position-embedding lesson's numbers and maps, recomputed independently of scenes.p1_03_position_embeddings.facts.

Every difference, top-5 and similarity the lesson draws or speaks comes from `cached_shuffle_facts`; here the
same quantities are recomputed straight from `vitmath.trace` and torch, and the scene's spoken values are
checked against them.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import vitmath
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from vitmath.image import load_image
from scenes.p1_03_position_embeddings.facts import cached_shuffle_facts, rearranged_picture
from vitmath.sources import resolve_image


@pytest.fixture(scope="module")
def image(model):
    return load_image(resolve_image(None), model)


@pytest.fixture(scope="module")
def facts():
    return cached_shuffle_facts()


@pytest.fixture(scope="module")
def plain_nopos(model, image):
    return vitmath.trace(model, image, drop_position=True)


def test_the_shuffle_is_the_permutation_experiments(facts):
    # analyses.permutation_experiment draws its permutation with torch.randperm and seed 0
    perm = torch.randperm(facts.grid ** 2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(facts.shuffle.permutation, perm)


def test_without_positions_the_shuffle_changes_nothing_but_rounding(model, image, facts, plain_nopos):
    moved = vitmath.trace(model, image, drop_position=True, permutation=facts.shuffle.permutation)
    cls_diff = (moved.final[0] - plain_nopos.final[0]).abs().max().item()
    logit_diff = (moved.logits - plain_nopos.logits).abs().max().item()
    assert facts.shuffle.nopos_cls_diff == pytest.approx(cls_diff, rel=1e-6, abs=1e-12)
    assert facts.shuffle.nopos_logit_diff == pytest.approx(logit_diff, rel=1e-6, abs=1e-12)
    # float precision: tiny against the logits themselves
    assert logit_diff < 1e-4 * plain_nopos.logits.abs().max().item()
    assert facts.nopos_logit_scale == pytest.approx(plain_nopos.logits.abs().max().item(), rel=1e-6)
    assert [i for i, _, _ in moved.top5] == [i for i, _, _ in plain_nopos.top5]
    assert [i for i, _, _ in facts.shuffle.nopos_top5] == [i for i, _, _ in plain_nopos.top5]
    assert facts.nopos_top5 == plain_nopos.top5
    # equivariance: patch token in slot j + 1 is patch perm[j]'s output
    perm = facts.shuffle.permutation
    patch_diff = max((moved.final[1 + j] - plain_nopos.final[1 + int(perm[j])]).abs().max().item()
                     for j in range(len(perm)))
    assert facts.shuffle.nopos_patch_diff == pytest.approx(patch_diff, rel=1e-6, abs=1e-12)


def test_with_positions_the_shuffle_and_the_flip_change_the_prediction(model, image, facts):
    plain = vitmath.cached_trace()
    assert facts.plain_top5 == plain.top5
    for comparison in (facts.shuffle, facts.flip):
        moved = vitmath.trace(model, image, permutation=comparison.permutation)
        assert comparison.pos_top5 == moved.top5
        assert comparison.pos_logit_diff == pytest.approx((moved.logits - plain.logits).abs().max().item(),
                                                          rel=1e-5)


def test_the_flip_reverses_the_rows_and_the_no_position_model_cannot_tell(model, image, facts, plain_nopos):
    g = facts.grid
    for j in range(g * g):
        r, c = divmod(j, g)
        assert int(facts.flip.permutation[j]) == (g - 1 - r) * g + c
    moved = vitmath.trace(model, image, drop_position=True, permutation=facts.flip.permutation)
    diff = (moved.logits - plain_nopos.logits).abs().max().item()
    assert facts.flip.nopos_logit_diff == pytest.approx(diff, rel=1e-6, abs=1e-12)
    assert diff < 1e-4 * plain_nopos.logits.abs().max().item()
    # a true upside-down photo changes what is inside each patch: the position-free model does see that
    upside = vitmath.trace(model, image.tensor.flip(-2), drop_position=True)
    assert facts.pixel_flip_nopos_logit_diff == pytest.approx(
        (upside.logits - plain_nopos.logits).abs().max().item(), rel=1e-5)
    assert facts.pixel_flip_nopos_logit_diff > 1000 * facts.flip.nopos_logit_diff


def test_the_rearranged_pictures_show_the_patches_in_slot_order(facts):
    tr = vitmath.cached_trace()
    g, P = facts.grid, tr.dims.P
    for perm in (facts.shuffle.permutation, facts.flip.permutation):
        pic = rearranged_picture(tr.patch_pixels, perm, g)
        for j in (0, 1, g, g * g - 1):
            r, c = divmod(j, g)
            k = int(perm[j])
            kr, kc = divmod(k, g)
            assert np.array_equal(pic[r * P:(r + 1) * P, c * P:(c + 1) * P],
                                  tr.picture[kr * P:(kr + 1) * P, kc * P:(kc + 1) * P])
    flipped = rearranged_picture(tr.patch_pixels, facts.flip.permutation, g)
    # patch-wise flip: each band of P rows comes from the mirrored band, unflipped inside
    assert np.array_equal(flipped[:P], tr.picture[-P:])


def test_the_similarity_maps_are_cosine_similarities_of_the_position_embeddings(model, facts):
    pos = model.pos_embed[0, 1:].detach().double()
    expected = F.cosine_similarity(pos[:, None, :], pos[None, :, :], dim=-1)
    assert torch.allclose(facts.similarity.double(), expected, atol=1e-5)
    g = facts.grid
    rows, cols = np.divmod(np.arange(g * g), g)
    same, other = [], []
    for i in range(g * g):
        for j in range(g * g):
            if i == j:
                continue
            shares = rows[i] == rows[j] or cols[i] == cols[j]
            (same if shares else other).append(expected[i, j].item())
    assert facts.same_line_similarity == pytest.approx(np.mean(same), abs=1e-5)
    assert facts.other_similarity == pytest.approx(np.mean(other), abs=1e-5)


def test_the_spoken_values_are_the_facts():
    from scenes.p1_03_position_embeddings.scene import PositionEmbeddings, top1_change

    tr = vitmath.cached_trace()
    fake = SimpleNamespace(trace=tr, inputs=LessonInputs())
    values = PositionEmbeddings.extra_values(fake)
    f = fake.facts
    assert values["shuffle_logit_diff"] == num.scientific(f.shuffle.nopos_logit_diff)
    assert values["shuffle_cls_diff"] == num.scientific(f.shuffle.nopos_cls_diff)
    assert values["flip_logit_diff"] == num.scientific(f.flip.nopos_logit_diff)
    assert values["shuffle_pos_logit_diff"].value == f.shuffle.pos_logit_diff
    assert values["pos_shape"].screen == f"({tr.dims.N}, {tr.dims.D})"
    assert values["first_slot_patch"] == int(f.shuffle.permutation[0])
    # the choices carry whatever the model predicted
    assert values["shuffled_top1"].extra["label"] == f.shuffle.pos_top5[0][1]
    assert values["flipped_top1"].extra["label"] == f.flip.pos_top5[0][1]
    assert values["nopos_label"] == f.nopos_top5[0][1]
    same = [(1, "a", 0.5)]
    stays = top1_change(same, [(1, "a", 0.25)])
    assert stays.key == "stays" and stays.extra == {"label": "a", "before": "50 percent", "after": "25 percent"}
    assert top1_change(same + [(2, "b", 0.1)], [(1, "a", 0.25), (3, "c", 0.1)]).key == "stays_reordered"
    assert top1_change(same, [(2, "b", 0.25)]).key == "becomes"
    # the script has words for every key the scene may choose, the same for the shuffle and the flip
    from narration.script import load_script
    from scenes import course
    from scenes.p1_03_position_embeddings.scene import CHOICES
    script = load_script(course.BY_ID["p1-03-position-embeddings"].narration_file)
    script.check_choices(CHOICES)
    assert script.choices["shuffled_top1"] == script.choices["flipped_top1"]
    assert script.choices["shuffled_top1"]["stays"] == ("its top guess stays {label}, but its probability moves "
                                                        "from {before} to {after}.")
