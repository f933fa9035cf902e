"""The priors lesson's numbers, recomputed independently of scenes.p3_02_choose_your_prior.facts.

The CNN map is read with a forward hook on timm's own forward pass (not the lesson's stage function), the
interior cells are found by walking the units one by one, the ViT's patch embedding is run as timm's stride-P
conv (the trace uses a matmul), its final tokens and probabilities come from timm's forward (not our trace),
and "positions left out" is a copy of the model with its position embeddings zeroed. The scene's spoken values
are then checked against these numbers, and its choice keys (with the script's words) against made-up cases.
"""
from __future__ import annotations

import copy
import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import vitmath
from choices import keys
from narration.script import Choice, Cue, load_script
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from vitmath import receptive_field as rf
from scenes.p3_02_choose_your_prior import scene as lesson
from scenes.p3_02_choose_your_prior.facts import cached_prior_facts
from vitmath.sources import pretraining


@pytest.fixture(scope="module")
def facts():
    return cached_prior_facts()


@pytest.fixture(scope="module")
def x(image):
    return image.tensor  # (1, 3, S, S)


@pytest.fixture(scope="module")
def cnn():
    return rf.build_cnn("resnet18", False, 0)


def layer2_output(cnn, x):
    """The output of resnet18.layer2, caught by a hook during timm's own forward pass."""
    seen = {}
    hook = cnn.layer2.register_forward_hook(lambda _m, _i, out: seen.__setitem__("out", out.detach()))
    with torch.no_grad():
        cnn(x)
    hook.remove()
    return seen["out"][0]  # (C, h, w)


def interior_units(n: int, field: int, jump: int, lo: int, hi: int) -> list[int]:
    """Units whose field (centred on u * jump: resnet18's paddings centre every window) lies within lo..hi."""
    half = (field - 1) // 2
    return [u for u in range(n) if u * jump - half >= lo and u * jump + half <= hi]


def test_the_cnn_facts_are_its_real_layer_shapes(facts, cnn, x):
    w = cnn.conv1.weight
    assert facts.stem_shape == tuple(w.shape) and facts.stem_params == w.numel()
    with torch.no_grad():
        stem_out = cnn.conv1(x).shape[1:]
    assert facts.stem_dense == x[0].numel() * stem_out.numel()
    f0 = layer2_output(cnn, x)
    assert facts.fmap_shape == tuple(f0.shape)
    assert facts.stride == x.shape[-1] // f0.shape[-1]
    # layer2's field: 1 + sum over the main path of (k - 1) * (product of the strides before it)
    size, jump = 1, 1
    for name, m in cnn.named_modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.MaxPool2d)) and "downsample" not in name \
                and not name.startswith(("layer3", "layer4")):
            k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
            s = m.stride if isinstance(m.stride, int) else m.stride[0]
            size += (k - 1) * jump
            jump *= s
    assert (facts.field, facts.stride) == (size, jump)


def test_a_roll_by_the_stride_moves_the_interior_of_the_map_exactly(facts, cnn, x):
    f0 = layer2_output(cnn, x)
    S, (_, h, w) = x.shape[-1], f0.shape
    for check, expect_exact in ((facts.on_stride, True), (facts.off_stride, False)):
        f1 = layer2_output(cnn, torch.roll(x, check.shift_px, dims=-1))
        best = None
        for k in {check.shift_px // facts.stride, -(-check.shift_px // facts.stride)}:
            cols = [u for u in interior_units(w, facts.field, facts.stride, check.shift_px, S - 1)
                    if u - k in interior_units(w, facts.field, facts.stride, 0, S - 1)]
            rows = interior_units(h, facts.field, facts.stride, 0, S - 1)
            diff = max(float((f1[:, r, u] - f0[:, r, u - k]).abs().max()) for r in rows for u in cols)
            if best is None or diff < best[0]:
                best = (diff, k, (cols[0], cols[-1]), (rows[0], rows[-1]))
        assert check.max_diff == pytest.approx(best[0], abs=1e-6)
        assert (check.cells, check.cols, check.rows) == best[1:]
        scale = float(f0.abs().max())
        if expect_exact:
            assert best[1] == 1 and best[0] <= 1e-5 * scale
        else:
            assert best[0] > 0.1 * scale  # the lesson's point: half a stride breaks the match
    assert facts.off_stride.shift_px == facts.stride // 2


def test_the_vit_patch_embedding_shifts_exactly_and_the_final_tokens_do_not(facts, model, x):
    d = vitmath.dims_of(model)
    rolled = torch.roll(x, d.P, dims=-1)
    with torch.no_grad():
        # timm's stride-P conv, (1, D, g, g); the trace computes the same thing as a matmul
        e0, e1 = model.patch_embed.proj(x)[0], model.patch_embed.proj(rolled)[0]
        assert facts.patch_max_diff == pytest.approx(float((e1[:, :, 1:] - e0[:, :, :-1]).abs().max()), abs=1e-5)
        assert facts.patch_max_diff <= 1e-5 * float(e0.abs().max())
        # timm's own forward: final tokens after the last LayerNorm, (T, D)
        t0, t1 = model.forward_features(x)[0, 1:], model.forward_features(rolled)[0, 1:]
        p0, p1 = model(x)[0].softmax(-1), model(rolled)[0].softmax(-1)
        nopos = copy.deepcopy(model)
        nopos.pos_embed.zero_()  # the same weights, positions left out
        n0, n1 = nopos.forward_features(x)[0, 1:], nopos.forward_features(rolled)[0, 1:]

    def shift_error(a, b):
        a, b = a.reshape(d.grid, d.grid, -1), b.reshape(d.grid, d.grid, -1)
        return float((b[:, 1:] - a[:, :-1]).norm() / a[:, :-1].norm())

    assert facts.shift_error[0] == pytest.approx(0.0, abs=1e-6)
    assert facts.shift_error[2] == pytest.approx(shift_error(t0, t1), rel=1e-3)
    assert facts.nopos_shift_error == pytest.approx(shift_error(n0, n1), abs=1e-5)
    assert facts.nopos_shift_error < 1e-4 < facts.shift_error[2]

    def stay_error(a, b):  # the baseline: the rolled photo's tokens against the original's in place
        a, b = a.reshape(d.grid, d.grid, -1), b.reshape(d.grid, d.grid, -1)
        return float((b[:, 1:] - a[:, 1:]).norm() / a[:, 1:].norm())

    assert facts.stay_error[2] == pytest.approx(stay_error(t0, t1), rel=1e-3)
    assert facts.nopos_stay_error == pytest.approx(stay_error(n0, n1), rel=1e-3)
    assert facts.stay_error[0] == pytest.approx(stay_error(e0.flatten(1).T, e1.flatten(1).T), rel=1e-4)
    per_token = (t1.reshape(d.grid, d.grid, -1)[:, 1:] - t0.reshape(d.grid, d.grid, -1)[:, :-1]).norm(dim=-1) \
        / t0.reshape(d.grid, d.grid, -1)[:, :-1].norm(dim=-1)
    assert np.allclose(facts.final_token_error, per_token.numpy(), rtol=1e-3, atol=1e-5)
    # after + position: patch embedding of the rolled photo plus position minus (original + its position)
    pos = model.pos_embed[0, 1:].detach().reshape(d.grid, d.grid, -1)
    emb0, emb1 = e0.permute(1, 2, 0), e1.permute(1, 2, 0)
    moved = emb0[:, :-1] + pos[:, :-1]
    assert facts.shift_error[1] == pytest.approx(float(((emb1[:, 1:] + pos[:, 1:]) - moved).norm()
                                                       / moved.norm()), rel=1e-4)
    top = int(p0.argmax())
    assert facts.top1[0] == top
    assert facts.top1_prob == pytest.approx(float(p0[top]), rel=1e-4)
    assert facts.top1_prob_shifted == pytest.approx(float(p1[top]), rel=1e-4)
    assert facts.shifted_top1[0] == int(p1.argmax())


def test_the_position_embeddings_and_the_attention_distances(facts, model, tr):
    d = tr.dims
    pos = model.pos_embed[0, 1:].detach().double()
    sim = F.cosine_similarity(pos[:, None], pos[None], dim=-1).numpy()
    r, c = np.divmod(np.arange(d.N), d.grid)
    dist = np.sqrt((r[:, None] - r[None]) ** 2 + (c[:, None] - c[None]) ** 2)
    pairs = [(i, j) for i in range(d.N) for j in range(i + 1, d.N)]
    s = np.array([sim[i, j] for i, j in pairs])
    g = np.array([dist[i, j] for i, j in pairs])
    assert facts.pos_correlation == pytest.approx(np.corrcoef(s, g)[0, 1], abs=1e-4)
    assert np.allclose(facts.pos_similarity, sim, atol=1e-5)
    near = s[np.rint(g) == 1].mean()
    assert facts.sim_by_distance[0] == (1, pytest.approx(near, abs=1e-5))
    # mean attention distance, from the attention weights directly: patch-to-patch, renormalised
    centres = np.stack([r, c], -1) * d.P
    px = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    for b in (0, d.depth - 1):
        a = tr.blocks[b].attn[:, 1:, 1:].double().numpy()
        a = a / a.sum(-1, keepdims=True)
        expected = (a * px).sum(-1).mean(-1)
        assert np.allclose(facts.attention_distance[b], expected, rtol=1e-4)
    assert facts.uniform_distance == pytest.approx(px.mean(), rel=1e-9)
    local = {(b, h) for b in range(d.depth) for h in range(d.H)
             if facts.attention_distance[b, h] < 0.5 * facts.uniform_distance}
    assert set(facts.local_heads) == local


def test_the_high_norm_slots_and_the_cells_they_touch(facts, model, x):
    """The high-norm tokens from timm's own forward (a hook on the last block), and which cells of the
    per-token map compare a token in one of their slots, found by walking every cell."""
    from scenes.p3_02_choose_your_prior.facts import slot_cells
    from scenes.p3_02_choose_your_prior.scene import high_norm_cells

    d = vitmath.dims_of(model)
    seen = {}
    hook = model.blocks[-1].register_forward_hook(lambda _m, _i, out: seen.__setitem__("out", out.detach()))
    highs = []
    with torch.no_grad():
        for img in (x, torch.roll(x, d.P, dims=-1)):
            model.forward_features(img)
            norms = seen["out"][0, 1:].norm(dim=-1)
            highs.append(sorted(int(i) for i in torch.nonzero(norms >= 10 * norms.median()).ravel()))
    hook.remove()
    assert (facts.high_norm, facts.rolled_high_norm) == tuple(highs)
    # cell (r, c) holds rolled slot (r, c + 1) against original slot (r, c)
    slots = set(facts.high_norm)
    touching = [(r, c) for r in range(d.grid) for c in range(d.grid - 1)
                if r * d.grid + c in slots or r * d.grid + c + 1 in slots]
    assert slot_cells(facts.high_norm, d.grid) == touching
    boxed, said = high_norm_cells(facts, d.grid)
    # on the course's model: the four corners, pinned there on the rolled photo too, and they hold the map's
    # largest misses, so the words name them
    corners = [0, d.grid - 1, d.grid * (d.grid - 1), d.grid * d.grid - 1]
    assert facts.high_norm == corners and set(facts.rolled_high_norm) <= set(corners)
    largest = np.argsort(facts.final_token_error.ravel())[::-1][:len(touching)]
    assert sorted(divmod(int(i), d.grid - 1) for i in largest) == touching == boxed
    assert said.key == "corners"
    # made-up cases: no high-norm tokens, or ones that do not stand out, say nothing
    assert high_norm_cells(dataclasses.replace(facts, high_norm=[], rolled_high_norm=[]), d.grid) == ([], Choice("none"))
    flat = dataclasses.replace(facts, final_token_error=np.ones_like(facts.final_token_error))
    assert high_norm_cells(flat, d.grid)[1].key == "none"
    moved = dataclasses.replace(facts, rolled_high_norm=[d.grid + 1])  # not in the photo's slots: it moved
    assert high_norm_cells(moved, d.grid)[1].key == "none"


def words(name: str, choice, **values) -> str:
    """The script's words for the placeholder `name` when the scene gives `choice`, filled from `values`."""
    from scenes.course import lesson_of
    from scenes.p3_02_choose_your_prior.scene import ChooseYourPrior

    script = load_script(lesson_of(ChooseYourPrior).narration_file)
    one = dataclasses.replace(script, cues=[Cue("one", "{" + name + "}")])
    return one.fill({**values, name: choice}).cues[0].text


def test_the_spoken_values_are_the_facts(tr):
    from scenes.course import BY_ID
    from scenes.p3_02_choose_your_prior.scene import ChooseYourPrior

    fake = SimpleNamespace(trace=tr, inputs=LessonInputs(), dims=tr.dims)
    v = ChooseYourPrior.extra_values(fake)
    f = fake.facts
    assert v["stem_params"] == num.integer(f.stem_params)
    assert v["stem_dense_billions"].value == pytest.approx(f.stem_dense / 1e9)
    assert v["embed_params"].value == f.vit_embed_params
    assert (v["stride"], v["field"], v["channels"]) == (f.stride, f.field, f.fmap_shape[0])
    assert words("on_stride_diff", v["on_stride_diff"]) == (
        "exactly zero" if f.on_stride.max_diff == 0 else f"{num.scientific(f.on_stride.max_diff).spoken}: float rounding")
    assert v["off_diff"].value == f.off_stride.max_diff and v["off_scale"].value == f.off_stride.scale
    assert v["pos_error"] == num.percent(f.shift_error[1]) and v["final_error"] == num.percent(f.shift_error[2])
    assert v["pos_stay"] == num.percent(f.stay_error[1]) and v["final_stay"] == num.percent(f.stay_error[2])
    # the course's model: about a third of the way from a shifted copy, three times nearer it than the unmoved
    said = words("final_note", v["final_note"])
    assert 2 * f.shift_error[2] <= f.stay_error[2] and said.startswith("So the tokens mostly moved")
    # the top-1 stays, and moves by under 5 points: the words say the prediction hardly notices
    assert f.shifted_top1[1] == f.top1[1] and abs(f.top1_prob_shifted - f.top1_prob) < 0.05
    assert words("top1_change", v["top1_change"]).startswith("Yet the prediction hardly notices: still tiger cat")
    assert "corner" in words("corner_note", v["corner_note"], cls_lesson=4)
    assert v["data_note"].key == "augreg" and v["recap_data"].key == "in21k"
    assert v["cls_lesson"] == BY_ID["p1-04-cls-token"].number
    assert v["nopos_error"] == num.scientific(100 * f.nopos_shift_error)  # spoken in percent
    assert v["pos_corr"].value == pytest.approx(f.pos_correlation, abs=0.005)
    assert v["uniform_px"].value == f.uniform_distance
    assert f.top1[1] in words("top1_change", v["top1_change"])
    assert v["heads_lesson"] == BY_ID["p2-04-twelve-heads"].number
    # on the embedded model, the learned structure is there, and the words say so
    assert f.pos_correlation < -0.3 and v["pos_verdict"].key == "grid"
    assert "learned that from data" in words("pos_verdict", v["pos_verdict"])
    assert f.local_heads and "learned to look locally" in words("attn_note", v["attn_note"])


def test_the_choices_follow_the_numbers():
    from scenes.p3_02_choose_your_prior.scene import (attention_note, final_note, position_choices,
                                                       top1_change)

    flat = [(1, 0.01), (2, -0.001), (3, 0.0)]
    said = {k: words(k, c) for k, c in position_choices(0.01, flat).items()}
    assert "has not learned a grid" in said["pos_verdict"] and "minus 0.00" not in said["pos_sentence"]
    assert "learned that from data" in words("pos_verdict", position_choices(-0.6, [(1, 0.8), (5, -0.3)])["pos_verdict"])
    even = np.full((4, 2), 100.0)
    assert words("attn_note", attention_note(even, 100.0, [])).startswith("No head")
    mad = even.copy()
    mad[1, 0] = 20.0
    s = words("attn_note", attention_note(mad, 100.0, [(1, 0)]))
    assert "block 2" in s and "1 of the 8 heads" in s and "all in block 2:" in s
    mad[3, :] = 150.0
    assert words("attn_note", attention_note(mad, 100.0, [(1, 0), (2, 1)])).endswith(
        "all in blocks 2 to 3: some heads learned to look locally, as a convolution does by design. "
        "Later blocks look further.")
    # far from a shift, but nearer the shifted copy than the unmoved photo by half or more: "mostly moved"
    assert words("final_note", final_note(0.3, 0.9)).startswith("So the tokens mostly moved")
    assert words("final_note", final_note(0.3, 0.4)).startswith("Far from an exact shift: no nearer")
    assert "not an exact" in words("final_note", final_note(0.05, 1.0))
    assert final_note(0.001, 1.0).key == "exact"
    assert words("top1_change", top1_change("cat", 0.3, 0.33, (1, "cat", 0.33))) == \
        "Yet the prediction hardly notices: still cat, 30 percent before the roll, 33 percent after."
    assert words("top1_change", top1_change("cat", 0.3, 0.5, (1, "cat", 0.5))).startswith("The top guess is still cat, but")
    assert "on the rolled photo it is dog" in words("top1_change", top1_change("cat", 0.3, 0.1, (2, "dog", 0.4)))
    assert "0.10 percent" in words("top1_change", top1_change("pot", 0.001, 0.001, (3, "pot", 0.001)))
    from vitmath.sources import pretraining

    assert [pretraining(n) for n in ("vit_tiny_patch16_224.augreg_in21k_ft_in1k", "vit_base_patch16_224.orig_in21k",
                                     "vit_small_patch16_224")] == ["augreg", "in21k", "unknown"]
    assert "ImageNet-21k" not in words("data_note", Choice("unknown")) and words("recap_data", Choice("unknown")) == ""


# ---------------------------------------------------------------------------------------------- choice witnesses
# Lesson p3-02's choice keys over hand-made measurements: a roll off by a float rounding, a prediction the
# roll changes, high-norm tokens off the corners, local heads in one block, an ImageNet-21k name without
# AugReg. The scene's own key functions, driven over made-up numbers; `choice_witnesses` hands the same
# picks to tests/test_choices_reachable.py.
GRID = 4  # a 4 x 4 patch grid: the per-token map of the final tokens is 4 x 3 (the wrapped column left out)
CORNERS = [0, GRID - 1, GRID * (GRID - 1), GRID * GRID - 1]


def tokens(high_norm, rolled_high_norm, hot) -> SimpleNamespace:
    """The three facts high_norm_cells reads: the high-norm slots of the photo and of the rolled photo, and a
    per-token error map that is 1 on the `hot` cells and 0.1 elsewhere."""
    err = np.full((GRID, GRID - 1), 0.1)
    for r, c in hot:
        err[r, c] = 1.0
    return SimpleNamespace(high_norm=high_norm, rolled_high_norm=rolled_high_norm, final_token_error=err)


def mad(*changes) -> np.ndarray:
    """Mean attention distance, 4 blocks x 2 heads, 100 px everywhere but at the (block, head, px) changes."""
    out = np.full((4, 2), 100.0)
    for b, h, px in changes:
        out[b, h] = px
    return out


def case_picks() -> dict[str, tuple[dict, dict]]:
    """Each made-up case: the values the scene's functions give for it, and the keys they should pick (nested
    choices, said inside their parent's words, included)."""
    later = mad((1, 0, 20.0), (3, 0, 150.0), (3, 1, 150.0))
    return {
        "exact rolls": ({"on_stride_diff": lesson.exact_or_rounding(0.0)[1],
                         "patch_diff": lesson.exact_or_rounding(0.0)[1]},
                        {"on_stride_diff": "exact", "patch_diff": "exact"}),
        "rounding": ({"on_stride_diff": lesson.exact_or_rounding(2.4e-7)[1],
                      "patch_diff": lesson.exact_or_rounding(1.2e-6)[1]},
                     {"on_stride_diff": "rounding", "patch_diff": "rounding"}),
        "far, but mostly moved": ({"final_note": lesson.final_note(0.3, 0.9)}, {"final_note": "far_follows"}),
        "far": ({"final_note": lesson.final_note(0.3, 0.4)}, {"final_note": "far"}),
        "close": ({"final_note": lesson.final_note(0.05, 1.0)}, {"final_note": "close"}),
        "exact": ({"final_note": lesson.final_note(0.001, 1.0)}, {"final_note": "exact"}),
        "corners": ({"corner_note": lesson.high_norm_cells(
                        tokens(CORNERS, CORNERS, [(0, 0), (0, 2), (3, 0), (3, 2)]), GRID)[1]},
                    {"corner_note": "corners"}),
        # one high-norm token at row 1, column 1, kept there: it touches cells (1, 0) and (1, 1)
        "slots": ({"corner_note": lesson.high_norm_cells(tokens([5], [5], [(1, 0), (1, 1)]), GRID)[1]},
                  {"corner_note": "slots"}),
        "no high-norm tokens": ({"corner_note": lesson.high_norm_cells(tokens([], [], []), GRID)[1]},
                                {"corner_note": "none"}),
        "steady": ({"top1_change": lesson.top1_change("cat", 0.30, 0.33, (1, "cat", 0.33))},
                   {"top1_change": "steady"}),
        "same class": ({"top1_change": lesson.top1_change("cat", 0.30, 0.50, (1, "cat", 0.50))},
                       {"top1_change": "same"}),
        "changed": ({"top1_change": lesson.top1_change("cat", 0.30, 0.10, (2, "dog", 0.40))},
                    {"top1_change": "changed"}),
        "a grid": (lesson.position_choices(-0.6, [(1, 0.8), (5, -0.3)]),
                   {"pos_sentence": "grid", "pos_verdict": "grid"}),
        "flat": (lesson.position_choices(0.01, [(1, 0.01), (2, -0.001)]),
                 {"pos_sentence": "flat", "pos_verdict": "flat"}),
        "no local heads": ({"attn_note": lesson.attention_note(mad(), 100.0, [])}, {"attn_note": "none"}),
        "one local block": ({"attn_note": lesson.attention_note(mad((1, 0, 20.0)), 100.0, [(1, 0)])},
                            {"attn_note": "local", "local_where": "one_block", "later_further": "not_further"}),
        "local blocks, later further": ({"attn_note": lesson.attention_note(later, 100.0, [(1, 0), (2, 1)])},
                                        {"attn_note": "local", "local_where": "blocks", "later_further": "further"}),
        "augreg": (lesson.data_choices(pretraining("vit_tiny_patch16_224.augreg_in21k_ft_in1k")),
                   {"data_note": "augreg", "recap_data": "in21k"}),
        "in21k": (lesson.data_choices(pretraining("vit_base_patch16_224.orig_in21k_ft_in1k")),
                  {"data_note": "in21k", "recap_data": "in21k"}),
        "no tag": (lesson.data_choices(pretraining("vit_small_patch16_224")),
                   {"data_note": "unknown", "recap_data": "unknown"}),
    }


def choice_witnesses() -> set[tuple[str, str]]:
    return {pair for values, _ in case_picks().values() for pair in keys(values).items()}


def test_each_made_up_case_picks_its_keys():
    for name, (values, expected) in case_picks().items():
        assert keys(values) == expected, name


def test_a_moved_high_norm_token_is_not_named():
    """The slot words only where the tokens keep their slots on the rolled photo."""
    assert lesson.high_norm_cells(tokens([5], [6], [(1, 0), (1, 1)]), GRID) == ([], Choice("none"))


def test_every_declared_key_has_a_witness():
    declared = {(name, key) for name, ks in lesson.CHOICES.items() for key in ks}
    assert choice_witnesses() == declared
