"""The one-head lesson's numbers, recomputed independently of scenes.p2_03_every_patch_asks.facts and vitmath.tracing.

LayerNorm, q, k and v are recomputed from timm's own modules and the model's qkv weights; the attention row is
checked against timm's own attention probabilities (captured inside its Attention module) and against the
trace's stored probabilities; the query and head rules, the pixel correlation and the weighted sum are redone
here with torch and numpy; and the scene's spoken values are checked against the facts.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import vitmath
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from scenes.p2_03_every_patch_asks.facts import BLOCK, cached_one_head_facts
from scenes.p2_03_every_patch_asks.scene import contrib_choice, map_key, pixel_key, rank_choice


@pytest.fixture(scope="module")
def facts():
    return cached_one_head_facts()


@pytest.fixture(scope="module")
def timm_run(model, image):
    """timm's own forward pass, with the block's LayerNorm output and attention probabilities captured."""
    blk = model.blocks[BLOCK]
    seen = {}
    was_fused = blk.attn.fused_attn
    blk.attn.fused_attn = False  # the unfused path computes the probabilities and passes them to attn_drop
    hooks = [blk.norm1.register_forward_hook(lambda m, i, o: seen.__setitem__("ln1", o[0].detach().clone())),
             blk.norm1.register_forward_hook(lambda m, i, o: seen.__setitem__("x", i[0][0].detach().clone())),
             blk.attn.attn_drop.register_forward_hook(lambda m, i, o: seen.__setitem__("attn", i[0][0].detach().clone())),
             blk.attn.register_forward_hook(lambda m, i, o: seen.__setitem__("attn_out", o[0].detach().clone()))]
    try:
        with torch.no_grad():
            feats = model.forward_features(image.tensor[None] if image.tensor.dim() == 3 else image.tensor)[0]
            logits = model.forward_head(feats[None])[0]
    finally:
        for h in hooks:
            h.remove()
        blk.attn.fused_attn = was_fused
    return SimpleNamespace(feats=feats, logits=logits, **seen)


def test_the_query_is_the_patch_the_classifier_scores_highest_for_the_top1_class(model, facts, timm_run):
    top1 = int(timm_run.logits.argmax())
    assert facts.top1 == top1
    with torch.no_grad():
        patch_logits = model.head(model.fc_norm(timm_run.feats[1:]))[:, top1]  # (N,)
    assert np.allclose(facts.patch_scores, patch_logits.numpy(), atol=1e-3)
    assert facts.query == int(patch_logits.argmax())


def test_the_head_is_the_one_giving_cls_the_least(facts, timm_run):
    cls_weights = timm_run.attn[:, facts.token, 0]  # (H,) timm's own probabilities
    assert np.allclose(facts.cls_weight_per_head, cls_weights.numpy(), atol=1e-5)
    assert facts.head == int(cls_weights.argmin())


def test_layernorm_and_q_k_v_from_the_models_own_weights(model, facts, timm_run):
    blk = model.blocks[BLOCK]
    x = timm_run.x  # (T, D) the block's input, as timm computes it
    D = x.shape[-1]
    assert np.allclose(facts.x_row, x[facts.token].numpy(), atol=1e-4)
    ln = F.layer_norm(x, (D,), blk.norm1.weight, blk.norm1.bias, blk.norm1.eps)
    assert np.allclose(facts.ln_row, ln[facts.token].detach().numpy(), atol=1e-4)
    assert torch.allclose(ln, timm_run.ln1, atol=1e-4)
    assert facts.x_mean == pytest.approx(x[facts.token].mean().item(), abs=1e-5)
    assert facts.x_std == pytest.approx(x[facts.token].std(unbiased=False).item(), rel=1e-4)
    assert facts.normed_mean == pytest.approx(0, abs=1e-5) and facts.normed_std == pytest.approx(1, abs=1e-3)
    # qkv.weight is (3D, D): the rows of q for all heads, then k, then v; head h is rows h*d .. (h+1)*d.
    H = blk.attn.num_heads
    d = D // H
    W, b = blk.attn.qkv.weight.detach(), blk.attn.qkv.bias.detach()
    rows = lambda part: slice(part * D + facts.head * d, part * D + (facts.head + 1) * d)  # noqa: E731
    with torch.no_grad():
        q = ln @ W[rows(0)].T + b[rows(0)]  # (T, d)
        k = ln @ W[rows(1)].T + b[rows(1)]
        v = ln @ W[rows(2)].T + b[rows(2)]
    assert facts.q.shape == (d,) and facts.k.shape == (len(x), d) and facts.v.shape == (len(x), d)
    assert np.allclose(facts.q, q[facts.token].numpy(), atol=1e-4)
    assert np.allclose(facts.k, k.numpy(), atol=1e-4)
    assert np.allclose(facts.v, v.numpy(), atol=1e-4)
    assert np.allclose(facts.wq, W[rows(0)].T.numpy())


def test_scores_softmax_and_the_whole_matrix_match_timm_and_the_trace(model, facts, timm_run, tr):
    d = facts.q.shape[0]
    raw = facts.k.astype(np.float64) @ facts.q.astype(np.float64)  # (T,)
    assert np.allclose(facts.raw_scores, raw, rtol=1e-4, atol=1e-3)
    assert np.allclose(facts.scores, raw / math.sqrt(d), rtol=1e-4, atol=1e-3)
    weights = np.exp(raw / math.sqrt(d) - (raw / math.sqrt(d)).max())
    weights /= weights.sum()
    timm_attn = timm_run.attn[facts.head]  # (T, T) timm's probabilities
    trace_attn = tr.blocks[BLOCK].attn[facts.head]  # (T, T) the trace's stored probabilities
    assert np.allclose(facts.weights, weights, atol=1e-6)
    assert np.allclose(facts.weights, timm_attn[facts.token].numpy(), atol=1e-6)
    assert np.allclose(facts.attn, timm_attn.numpy(), atol=1e-6)
    assert np.allclose(facts.attn, trace_attn.numpy(), atol=1e-6)
    assert facts.weight_sum == pytest.approx(1.0, abs=1e-6)
    assert f"{facts.weight_sum:.6f}" == "1.000000"
    sums = timm_attn.double().sum(-1)
    assert facts.max_row_sum_error == pytest.approx((sums - 1).abs().max().item(), abs=1e-7)
    assert facts.mean_cls_column == pytest.approx(timm_attn[1:, 0].mean().item(), abs=1e-6)
    assert facts.mean_diagonal == pytest.approx(timm_attn.diagonal()[1:].mean().item(), abs=1e-6)
    # without the 1/sqrt(d): the same row's softmax of the raw dot products
    unscaled = np.exp(raw - raw.max())
    assert facts.unscaled_max_weight == pytest.approx((unscaled / unscaled.sum()).max(), abs=1e-6)


def test_the_score_spreads_over_all_pairs(facts, timm_run, model):
    blk = model.blocks[BLOCK]
    D = timm_run.x.shape[-1]
    d = D // blk.attn.num_heads
    W, b = blk.attn.qkv.weight.detach(), blk.attn.qkv.bias.detach()
    h = facts.head
    with torch.no_grad():
        q = timm_run.ln1 @ W[h * d:(h + 1) * d].T + b[h * d:(h + 1) * d]
        k = timm_run.ln1 @ W[D + h * d:D + (h + 1) * d].T + b[D + h * d:D + (h + 1) * d]
    raw = q @ k.T
    assert facts.raw_score_std == pytest.approx(raw.std().item(), rel=1e-4)
    assert facts.scaled_score_std == pytest.approx((raw / math.sqrt(d)).std().item(), rel=1e-4)
    assert facts.raw_score_std / facts.scaled_score_std == pytest.approx(math.sqrt(d), rel=1e-4)


def test_the_weighted_sum_of_values_and_the_output_projection(model, facts, timm_run, tr):
    new = facts.weights.astype(np.float64) @ facts.v.astype(np.float64)  # (d,)
    assert np.allclose(facts.new_vector, new, atol=1e-5)
    norms = np.linalg.norm(facts.weights[:, None].astype(np.float64) * facts.v, axis=1)
    assert np.allclose(facts.contribution_norms, norms, atol=1e-5)
    # Every head's weighted sum side by side, through the output projection: timm's attention output.
    blk = model.blocks[BLOCK]
    heads = torch.einsum("htk,hkd->thd", timm_run.attn, tr.blocks[BLOCK].v).reshape(tr.dims.T, -1)
    with torch.no_grad():
        out = blk.attn.proj(heads)
    assert torch.allclose(out, timm_run.attn_out, atol=1e-4)
    d = tr.dims.head_dim
    assert np.allclose(heads[facts.token, facts.head * d:(facts.head + 1) * d].numpy(), facts.new_vector, atol=1e-5)


def test_pixel_similarity_and_its_correlation_with_attention(image, facts, tr):
    x = image.tensor[0] if image.tensor.dim() == 4 else image.tensor  # (3, S, S) normalised pixels
    P, g = tr.dims.P, tr.dims.grid
    patches = F.unfold(x[None], kernel_size=P, stride=P)[0].T  # (N, 3 P P), raster order
    a = patches[facts.query]
    sim = (patches @ a) / (patches.norm(dim=1) * a.norm())
    assert np.allclose(facts.pixel_similarity, sim.numpy(), atol=1e-5)
    keep = np.arange(g * g) != facts.query
    r = np.corrcoef(sim.numpy()[keep], facts.weights[1:][keep])[0, 1]
    assert facts.pixel_correlation == pytest.approx(r, abs=1e-6)
    # on ranks (Spearman's rho, from scipy, against our own ranking)
    from scipy.stats import spearmanr
    assert facts.pixel_rank_correlation == pytest.approx(spearmanr(sim.numpy()[keep], facts.weights[1:][keep])[0],
                                                         abs=1e-6)
    # the last block: every head, since head h there has nothing to do with head h of block 1
    last = tr.blocks[-1].attn[:, facts.token, 1:].numpy()  # (H, N)
    assert facts.last_block_pixel_correlations.shape == (tr.dims.H,)
    for h in range(tr.dims.H):
        assert facts.last_block_pixel_correlations[h] == pytest.approx(
            np.corrcoef(sim.numpy()[keep], last[h][keep])[0, 1], abs=1e-6)


def test_alike_patches_get_different_weights(facts):
    sim, w = facts.pixel_similarity, facts.weights[1:]
    others = [i for i in range(len(sim)) if i != facts.query]
    alike = sorted(others, key=lambda i: -sim[i])[:len(others) // 4]
    assert facts.similar_count == len(alike)
    assert facts.similar_weight_ratio == pytest.approx(w[alike].max() / w[alike].min(), rel=1e-6)


def test_the_neighbourhood_share(facts, tr):
    g = tr.dims.grid
    qr, qc = divmod(facts.query, g)
    near = [r * g + c for r in range(g) for c in range(g) if abs(r - qr) <= 2 and abs(c - qc) <= 2]
    w = facts.weights[1:]
    assert facts.neighbourhood_share == pytest.approx(w[near].sum() / w.sum(), abs=1e-6)
    assert facts.neighbourhood_area == pytest.approx(len(near) / (g * g))


def test_the_spoken_values_are_the_facts(facts):
    from narration.script import Choice, load_script
    from scenes.common.values import narration_values
    from scenes.course import find
    from scenes.p2_03_every_patch_asks.scene import CHOICES, EveryPatchAsks, map_key, pixel_key, token_key

    tr = vitmath.cached_trace()
    fake = SimpleNamespace(trace=tr, inputs=LessonInputs(), dims=tr.dims)
    values = EveryPatchAsks.extra_values(fake)
    f = fake.facts
    d = tr.dims
    assert values["query"] == f.query and values["head_no"] == f.head + 1
    assert values["cls_weight"] == num.decimal(f.weights[0], 3)
    assert values["self_weight"] == num.decimal(f.weights[f.token], 3)
    assert values["score_cls"] == num.decimal(f.scores[0], 1)  # spoken rounded; the table shows 2 places
    assert values["cls_rank"].key == ("top" if f.scores.argmax() == 0 else values["cls_rank"].key)
    assert values["top_other"] == f.strongest_other_patch()
    assert values["pixel_r"] == num.decimal(f.pixel_correlation, 2)
    assert values["x_shape"].screen == f"({d.T}, {d.D})"
    assert values["q_shape"].screen == f"({d.T}, {d.head_dim})"
    assert values["sqrt_head_dim"].value == math.sqrt(d.head_dim)
    assert values["unscaled_max"] == num.decimal(f.unscaled_max_weight, 3)
    assert values["weight_sum"].spoken == "1, to six decimal places"
    for name, v in values.items():
        if isinstance(v, Choice):
            assert v.key in CHOICES[name], name
    # the keys follow the numbers, not the other way round
    assert pixel_key(0.8) == "strong" and pixel_key(0.1) == "none"
    assert pixel_key(-0.5) == "negative" and pixel_key(0.5) == "partial"
    T = 197
    assert map_key(SimpleNamespace(patch_weights=np.full(196, 1 / T)), T) == "even"
    assert token_key(0, 5) == "cls" and token_key(6, 5) == "itself" and token_key(7, 5) == "patch"
    assert values["cls_column"].key == ("bright" if f.mean_cls_column * T > 3 else "dim")
    # the script's words, filled: every placeholder has its value, and the chosen sentences read as before
    lesson = find(["p2-03-every-patch-asks"])[0]
    filled = load_script(lesson.narration_file).fill({**narration_values(tr), **values})
    for cue in filled.cues:
        assert "{" not in cue.text, cue.id
    assert filled.cue("matrix").text.startswith("Every token asks the same question")
    # the question is one-way, and the matrix says so with the mirror pair from the tensors
    assert "how much should I read from you?" in filled.cue("hook").text
    assert values["mirror"].key == ("differ" if max(f.gives_cls, f.cls_gives) > 1.5 * min(f.gives_cls, f.cls_gives)
                                    else "close")
    assert values["mirror"].extra["gives_cls"] == num.decimal(f.gives_cls, 2).spoken
    # Vaswani et al.'s reason is their conjecture, and the spread is the root of the variance
    scaling = filled.cue("scaling").text
    assert "suspected" in scaling and "the square root of the variance" in scaling
    # the last block: all its heads, said to be unrelated to block 1's
    assert values["last"].key == ("gone" if np.abs(f.last_block_pixel_correlations).max() < 0.3 else "kept")
    assert "nothing to do with block 1's" in filled.cue("not-pixels").text
    # the verdict reads the rank correlation
    assert values["pixel"].key == pixel_key(f.pixel_rank_correlation)


def test_attention_is_not_symmetric_rows_sum_to_1_columns_do_not(facts, timm_run):
    """The lesson's question is one-way: a(i, j), what i reads from j, is a row of i's own softmax."""
    attn = timm_run.attn[facts.head].double()  # (T, T) timm's own probabilities
    i = facts.token
    assert facts.gives_cls == pytest.approx(attn[i, 0].item(), abs=1e-6)
    assert facts.cls_gives == pytest.approx(attn[0, i].item(), abs=1e-6)
    assert np.allclose(facts.column_sums, attn.sum(0).numpy(), atol=1e-5)
    assert np.allclose(attn.sum(1).numpy(), 1.0, atol=1e-5)
    # on the course photo the mirror pair is far apart, and the CLS column holds far more than one row's worth
    assert facts.gives_cls > 10 * facts.cls_gives
    assert facts.column_sums[0] > 10


def test_score_ranks(facts):
    order = np.argsort(-facts.scores, kind="stable")
    assert facts.score_rank(int(order[0])) == 1 and facts.score_rank(int(order[1])) == 2
    assert facts.score_rank(int(order[-1])) == len(facts.scores)


def test_cls_enters_block_1_the_same_for_every_photo(model, facts, tr):
    """The learned CLS vector plus its position, whatever the patches: so its value in block 1 is fixed too."""
    assert facts.cls_input_fixed
    expected = model.cls_token[0, 0] + model.pos_embed[0, 0]  # timm: CLS gets position slot 0
    assert torch.allclose(tr.x0[0], expected.detach(), atol=1e-5)
    # and the rule itself says no for a token that does depend on the photo
    from scenes.p2_03_every_patch_asks.facts import cls_input_is_fixed
    moved = SimpleNamespace(dims=tr.dims, x0=tr.x0.clone())
    moved.x0[0] += 1.0
    assert not cls_input_is_fixed(model, moved)


def test_the_sum_arrows_end_on_z(facts):
    """The arrows are drawn in the plane of z and CLS's part: their shadows add up to z exactly."""
    from scenes.p2_03_every_patch_asks.facts import sum_plane
    parts = facts.weights[:, None].astype(np.float64) * facts.v
    z = parts.sum(0)
    basis = sum_plane(parts, z)
    assert np.allclose(basis @ basis.T, np.eye(2), atol=1e-6)
    assert np.allclose((parts @ basis.T).sum(0), basis @ z, atol=1e-6)
    assert np.linalg.norm(basis @ z) == pytest.approx(np.linalg.norm(z), rel=1e-6)  # z lies in the plane whole
    top = parts[np.linalg.norm(parts, axis=1).argmax()]
    assert np.linalg.norm(basis @ top) == pytest.approx(np.linalg.norm(top), rel=1e-5)  # so does the top part
    # parallel parts: the plane still has two orthonormal directions
    b = sum_plane(np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 0.0]), np.array([6.0, 0, 0]))
    assert np.allclose(b @ b.T, np.eye(2), atol=1e-6)


def test_along_z_shares_add_up_to_1(facts):
    from scenes.p2_03_every_patch_asks.scene import along_z
    cls, patches = along_z(facts)
    z = facts.new_vector.astype(np.float64)
    patch_parts = (facts.weights[1:, None] * facts.v[1:]).sum(0)
    assert cls + patches == pytest.approx(1.0)
    assert patches == pytest.approx(float(patch_parts @ z / (z @ z)), abs=1e-5)


# ---------------------------------------------------------------------- choices the course's inputs never make
# tests/test_choices_reachable.py sets the lesson up on the embedded ViT-Ti and on random ViTs; in none of them
# does the followed head look away from the query's neighbourhood, rank patches by pixel likeness almost
# exactly, or give its largest weight to the query itself while another token adds the longest part; only a
# noise image makes the query's own key score highest and CLS's second (the reach test's noise is another).
# The scene's own key-picking functions are called on numbers that do; `choice_witnesses` returns the keys
# they gave.

TOKENS = 197  # ViT-Ti/16 at 224 px: CLS and 196 patches
QUERY = 40    # a patch, token 41


def looking_away() -> str:
    """A query whose 5 x 5 neighbourhood, 13% of the photo, gets only 5% of its patch weight, while one patch
    far away gets a tenth (more than twice the even share: the map is not even)."""
    weights = np.full(TOKENS - 1, 0.9 / (TOKENS - 2))
    weights[150] = 0.1
    return map_key(SimpleNamespace(patch_weights=weights, neighbourhood_share=0.05, neighbourhood_area=0.13), TOKENS)


def ranks_by_likeness() -> str:
    """Spearman's r of pixel likeness and weight at 0.8."""
    return pixel_key(0.8)


def heaviest_on_itself():
    """The query keeps the largest weight on itself, but CLS's weighted value is the longest part of z."""
    weights = np.full(TOKENS, 0.5 / (TOKENS - 1))
    weights[1 + QUERY] = 0.5
    norms = np.full(TOKENS, 0.01)
    norms[0] = 0.3
    return contrib_choice(weights, norms, QUERY)


def own_key_first():
    """The query's row of scores: its own key ranks first, CLS's second."""
    return rank_choice(2), rank_choice(1)


def choice_witnesses() -> set[tuple[str, str]]:
    contrib = heaviest_on_itself()
    cls_rank, self_rank = own_key_first()
    return {("map", looking_away()), ("pixel", ranks_by_likeness()), ("contrib", contrib.key),
            ("weight_token", contrib.extra["weight_token"].key), ("part_token", contrib.extra["part_token"].key),
            ("cls_rank", cls_rank.key), ("self_rank", self_rank.key)}


def test_a_head_looking_away_from_the_neighbourhood():
    assert looking_away() == "away"


def test_a_near_perfect_rank_correlation_is_strong():
    assert ranks_by_likeness() == "strong" and pixel_key(0.7) == "strong" and pixel_key(0.69) == "partial"


def test_the_largest_weight_on_itself_but_the_longest_part_from_cls():
    contrib = heaviest_on_itself()
    assert contrib.key == "differ"
    assert contrib.extra["weight_token"].key == "itself" and contrib.extra["part_token"].key == "cls"
    assert contrib.extra["top_weight"] == "0.50"


def test_ranks_in_the_row_of_scores():
    cls_rank, self_rank = own_key_first()
    assert cls_rank.key == "second" and self_rank.key == "top"
    assert rank_choice(5).key == "rank" and rank_choice(5).extra["rank"] == 5


def test_one_token_with_both_the_weight_and_the_part_is_the_same():
    weights, norms = np.full(TOKENS, 0.001), np.full(TOKENS, 0.01)
    weights[5], norms[5] = 0.8, 0.4
    contrib = contrib_choice(weights, norms, QUERY)
    assert contrib.key == "same" and contrib.extra["part_token"].key == "patch"
    assert contrib.extra["part_token"].extra["patch"] == 4


def test_the_witnesses_are_declared_keys():
    from scenes.course import BY_ID, declared_choices

    declared = declared_choices(BY_ID["p2-03-every-patch-asks"])
    assert all(key in declared[name] for name, key in choice_witnesses())
