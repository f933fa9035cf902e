"""The stack-the-blocks lesson's numbers and maps, recomputed independently of scenes.p2_05_stack_the_blocks.facts.

Parameter counts come from timm's own model (a fresh `vit_tiny_patch16_224` and the embedded one); the
tokens through the stack come from forward hooks on timm's blocks and their attention and MLP branches
(timm's forward, not our hand-written trace); CLS's attention is recomputed from those block inputs; the
best pairing of hidden units is checked against a brute-force search on a small case. The scene's spoken values are
then checked against these numbers, and its choice keys (with the script's words) against made-up facts; every
choice key the course's inputs never pick is driven from hand-made numbers (`choice_witnesses`, at the end).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import timm
import torch
import torch.nn.functional as F

import vitmath
from narration.script import Choice, Cue, load_script
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from scenes.common.values import narration_values
from scenes.course import lesson_of
from scenes.p2_05_stack_the_blocks.facts import cached_stack_facts, high_norm_start
from scenes.p2_05_stack_the_blocks.scene import (StackTheBlocks, channels_note, cls_high_key, cls_self, depth_note,
                                                 fc1_note, high_norm_name, jump_heading_key, jump_key, maker_key,
                                                 matched_note, mlp_fraction, mlp_majority, place, rule)


@pytest.fixture(scope="module")
def facts():
    return cached_stack_facts()


@pytest.fixture(scope="module")
def stream(model, image):
    """timm's own forward, with the input of every block and its output caught by hooks."""
    ins, outs = [], []

    def catch(module, inputs, output):  # returns None: a hook that returned a value would replace the output
        ins.append(inputs[0][0].detach())
        outs.append(output[0].detach())

    hooks = [b.register_forward_hook(catch) for b in model.blocks]
    try:
        with torch.no_grad():
            logits = model(image.tensor)[0]
    finally:
        for h in hooks:
            h.remove()
    return ins, outs, logits, image.tensor


@pytest.fixture(scope="module")
def scene():
    from scenes.p2_05_stack_the_blocks.scene import StackTheBlocks

    s = StackTheBlocks.__new__(StackTheBlocks)  # the lesson's own methods, without building a Manim scene
    s.trace, s.inputs = vitmath.cached_trace(), LessonInputs()
    s.script = load_script(lesson_of(StackTheBlocks).narration_file)
    s.values = narration_values(s.trace) | s.extra_values()
    return s


def test_parameter_counts_are_timms(facts, model):
    fresh = timm.create_model("vit_tiny_patch16_224", pretrained=False)
    assert facts.model_total == sum(p.numel() for p in fresh.parameters())
    assert facts.model_total == sum(p.numel() for p in model.parameters())
    b = fresh.blocks[0]
    D = fresh.embed_dim
    parts = dict(facts.params.parts)
    assert parts["qkv"] == b.attn.qkv.weight.numel() + b.attn.qkv.bias.numel() == 3 * D * D + 3 * D
    assert parts["proj"] == D * D + D
    hidden = b.mlp.fc1.out_features
    assert facts.mlp_hidden == hidden == 4 * D
    assert parts["fc1"] == D * hidden + hidden and parts["fc2"] == hidden * D + D
    assert parts["norm1"] == parts["norm2"] == 2 * D
    assert facts.params.total == sum(p.numel() for p in b.parameters())
    assert facts.params.twelve_d2 == 12 * D * D
    # the rule of thumb is the weights alone: the rest is 13 D of biases and LayerNorms
    assert facts.params.total - facts.params.twelve_d2 == 13 * D
    assert facts.params.mlp == sum(p.numel() for p in b.mlp.parameters())
    assert facts.params.mlp / facts.params.total == pytest.approx(2 / 3, abs=0.01)
    assert facts.blocks_total == len(fresh.blocks) * facts.params.total
    assert facts.blocks_total + sum(n for _, n in facts.outside_blocks) == facts.model_total


def test_blocks_share_a_design_not_weights(facts, model):
    w = [b.mlp.fc1.weight.detach().double() for b in model.blocks]
    assert np.array_equal(facts.fc1_first, w[0].float().numpy())
    assert np.array_equal(facts.fc1_second, w[1].float().numpy())
    assert facts.fc1_rel_diff == pytest.approx(((w[1] - w[0]).norm() / w[0].norm()).item(), rel=1e-6)
    assert facts.fc1_cosine == pytest.approx(F.cosine_similarity(w[0].flatten(), w[1].flatten(), dim=0).item(),
                                             abs=1e-6)
    pairs = [((w[i] - w[j]).norm() / w[i].norm()).item() for i in range(len(w)) for j in range(len(w)) if i != j]
    assert facts.min_pair_rel_diff == pytest.approx(min(pairs), rel=1e-6)
    assert facts.min_pair_rel_diff > 1.0  # trained blocks: no two alike
    assert facts.params.same_in_every_block


def test_tokens_through_the_stack_match_timms_forward(facts, stream):
    ins, outs, _, _ = stream
    points = [ins[0]] + outs                         # depth + 1 points, each (T, D)
    norms = [x.norm(dim=-1) for x in points]
    for k, n in enumerate(norms):
        assert facts.cls_norm[k] == pytest.approx(n[0].item(), rel=1e-4)
        assert facts.patch_norm_median[k] == pytest.approx(n[1:].median().item(), rel=1e-4)
        assert facts.patch_norm_max[k] == pytest.approx(n[1:].max().item(), rel=1e-4)
    last = outs[-1][0]
    for i, out in enumerate(outs):
        assert facts.cls_cosine_to_last[i] == pytest.approx(F.cosine_similarity(out[0], last, dim=0).item(),
                                                            abs=1e-4)
        ratio = ((out - ins[i]).norm(dim=-1) / ins[i].norm(dim=-1)).median().item()
        assert facts.update_ratio[i] == pytest.approx(ratio, rel=1e-4)


def test_the_high_norm_patches_are_the_four_corners(facts, stream):
    ins, outs, _, _ = stream
    n = outs[-1][1:].norm(dim=-1)
    g = 14
    assert sorted(facts.high_norm_patches) == sorted(i for i in range(g * g) if n[i] >= 10 * n.median())
    assert sorted(facts.high_norm_patches) == [0, g - 1, g * g - g, g * g - 1]
    assert facts.high_norm_patches[0] == g - 1  # the longest: top-right
    # they stay long from the output of block 8 (stream point 8) on, and not before
    start = high_norm_start(facts)
    for k, x in enumerate([ins[0]] + outs):
        m = x[1:].norm(dim=-1)
        long = bool((m[facts.high_norm_patches] >= 10 * m.median()).all())
        assert long == (k >= start)


def test_cls_attention_split_recomputed_from_timms_block_inputs(facts, model, stream):
    ins, _, _, _ = stream
    high = [1 + i for i in facts.high_norm_patches]
    for i, (blk, x) in enumerate(zip(model.blocks, ins)):
        T, D = x.shape
        H = blk.attn.num_heads
        with torch.no_grad():
            qkv = blk.attn.qkv(blk.norm1(x)).reshape(T, 3, H, D // H).permute(1, 2, 0, 3)
        a = torch.softmax(qkv[0] @ qkv[1].transpose(-1, -2) / np.sqrt(D // H), dim=-1).double()  # (H, T, T)
        row = a.mean(0)[0]
        assert facts.cls_self[i] == pytest.approx(row[0].item(), abs=1e-5)
        assert facts.cls_to_high[i] == pytest.approx(row[high].sum().item(), abs=1e-5)
        assert facts.cls_self[i] + facts.cls_to_high[i] + facts.cls_to_rest[i] == pytest.approx(1.0, abs=1e-5)
    # the corner tokens are long from block 8's output on; block 9 is the first to read them long, and from
    # there CLS gives them far more than their 2% share of the patches
    assert min(facts.cls_to_high[8:]) > 5 * len(high) / 196
    assert max(facts.cls_to_high[:7]) < 0.05


def test_block_8s_mlp_makes_the_corner_tokens_long(facts, model, stream):
    """What each branch adds, from hooks on timm's attention and MLP modules (their outputs are the branches;
    this model has no LayerScale or drop-path at eval)."""
    attn_out, mlp_out = [], []
    hooks = [b.attn.register_forward_hook(lambda m, i, o: attn_out.append(o[0].detach())) for b in model.blocks]
    hooks += [b.mlp.register_forward_hook(lambda m, i, o: mlp_out.append(o[0].detach())) for b in model.blocks]
    image = stream[3]
    try:
        with torch.no_grad():
            model(image)
    finally:
        for h in hooks:
            h.remove()
    high = facts.high_norm_patches
    for b in range(len(model.blocks)):
        a = attn_out[b][1:].norm(dim=-1)
        m = mlp_out[b][1:].norm(dim=-1)
        assert facts.attn_add_high[b] == pytest.approx(a[high].tolist(), rel=1e-4)
        assert facts.mlp_add_high[b] == pytest.approx(m[high].tolist(), rel=1e-4)
        assert facts.mlp_add_median[b] == pytest.approx(m.median().item(), rel=1e-4)
    # block 8 (index 7): its MLP adds tens of times what its attention adds, to every corner
    assert min(facts.mlp_add_high[7]) > 50 * max(facts.attn_add_high[7])
    # one channel of the longest token holds almost all its squared length
    last = stream[1][-1][1 + high[0]]
    sq = (last.double() ** 2)
    assert facts.high_norm_channels == 1
    assert facts.high_norm_channel_share == pytest.approx(min(
        ((stream[1][-1][1 + i].double() ** 2).max() / (stream[1][-1][1 + i].double() ** 2).sum()).item()
        for i in high), abs=1e-6)
    assert np.allclose(facts.high_norm_vector, last.numpy(), atol=1e-3)
    assert (sq.max() / sq.sum()).item() > 0.9


def test_the_best_pairing_of_hidden_units_is_the_best():
    """matched_cosine finds the row order brute force finds, and it undoes a shuffle exactly."""
    import itertools

    from scenes.p2_05_stack_the_blocks.facts import matched_cosine

    g = torch.Generator().manual_seed(1)
    a = torch.randn(5, 3, generator=g, dtype=torch.float64)
    b = torch.randn(5, 3, generator=g, dtype=torch.float64)
    na, nb = F.normalize(a, dim=1), F.normalize(b, dim=1)
    best = max(itertools.permutations(range(5)), key=lambda p: float((na * nb[list(p)]).sum()))
    assert matched_cosine(a, b) == pytest.approx(
        F.cosine_similarity(a.flatten(), b[list(best)].flatten(), dim=0).item(), abs=1e-12)
    assert matched_cosine(a, a[torch.randperm(5, generator=g)]) == pytest.approx(1.0, abs=1e-12)


def test_pairing_units_lifts_fc1_little_above_random(facts, model):
    from scipy.optimize import linear_sum_assignment

    w0, w1 = (b.mlp.fc1.weight.detach().double() for b in model.blocks[:2])
    c = (F.normalize(w0, dim=1) @ F.normalize(w1, dim=1).T).numpy()
    _, order = linear_sum_assignment(c, maximize=True)
    assert facts.fc1_matched_cosine == pytest.approx(
        F.cosine_similarity(w0.flatten(), w1[order].flatten(), dim=0).item(), abs=1e-9)
    assert 0.1 < facts.fc1_matched_random < facts.fc1_matched_cosine < facts.fc1_matched_random + 0.15


def test_the_top5_is_timms(facts, stream):
    _, _, logits, _ = stream
    p = logits.softmax(-1)
    top = p.topk(5)
    assert [i for i, _, _ in facts.top5] == top.indices.tolist()
    assert [q for _, _, q in facts.top5] == pytest.approx(top.values.tolist(), abs=1e-5)


def said(scene, name: str, value) -> str:
    """What the script says for the placeholder `name` given `value` (a Choice): its words, filled."""
    one = dataclasses.replace(scene.script, cues=[Cue("one", "{" + name + "}")])
    return one.fill({**scene.values, name: value}).cues[0].text


def test_the_spoken_values_are_the_facts(scene, facts):
    v = scene.values
    assert v["block_params"] == num.integer(facts.params.total)
    assert said(scene, "block_size", v["block_size"]) == "445 thousand"
    assert said(scene, "twelve_d2_size", v["twelve_d2_size"]) == "442 thousand"
    assert said(scene, "block_size", scene.size_words(1_774_464)) == "1.8 million"
    assert v["twelve_d2"] == num.integer(12 * 192 * 192)
    assert v["model_total"] == num.integer(facts.model_total)
    assert v["blocks_total"] == num.integer(12 * facts.params.total)
    assert v["blocks_millions"].spoken == "5.3" and v["model_millions"].spoken == "5.7"
    assert v["mlp_share"].screen == f"{100 * facts.params.mlp / facts.params.total:.0f}%"
    assert v["mlp_fraction"].key == "two_thirds" and said(scene, "mlp_fraction", v["mlp_fraction"]) == "two thirds of it"
    assert v["mlp_hidden"].screen == "768" and v["hidden_shape"].screen == "(197, 768)"
    assert v["fc1_rel_diff"] == num.decimal(facts.fc1_rel_diff, 2)
    assert v["matched_note"].key == "near_random"
    assert v["depth_note"].key == "base" and "ViT-Base" in said(scene, "depth_note", v["depth_note"])
    jump = said(scene, "jump", v["jump"])
    assert v["jump"].key == "made" and v["hn_name"].key == "corners"
    assert jump.startswith("But in block 8, the four corner patches break away")
    n = facts.patch_norms.numpy()
    high = facts.high_norm_patches
    assert v["jump"].extra["after_high"].value == pytest.approx(n[8, high].max(), rel=0.05)
    assert v["jump"].extra["before_high"].value == pytest.approx(n[7, high].max(), rel=0.05)
    maker = said(scene, "maker", v["maker"])
    assert v["maker"].key == "mlp" and "of the 192, one holds 97 percent of it" in maker
    assert v["cls_high"].key == "drawn" and v["cls_high"].extra["draw_start"] == 9
    assert v["update_high_block"] == int(np.argmax(facts.update_ratio)) + 1
    assert v["mlp_majority"].key == "most"
    assert v["cos_late"].extra["cos_before"] == num.decimal(facts.cls_cosine_to_last[-2], 2)
    # the script's cue text, filled, holds the chosen words
    spoken = {c.id: c.text for c in scene.script.fill(v).cues}
    assert jump in spoken["stream"] and "two thirds of it" in spoken["params"]
    assert "attention rollout follows attention through" in spoken["cls"]


def test_the_choices_follow_other_numbers(scene, facts):
    """Made-up facts: the choice keys change with the numbers, so the lesson stays true on another model."""
    from scenes.p2_05_stack_the_blocks.scene import place

    assert said(scene, "place", place(0, 14)) == "the top-left corner patch"
    assert said(scene, "place", place(15, 14)) == "the patch in row 2, column 2"
    try:
        scene.facts = dataclasses.replace(facts, high_norm_patches=[], high_norm_values=[])
        values = scene.high_norm_values()
        assert said(scene, "jump", values["jump"]).startswith("And no patch breaks away")
        assert values["maker"].key == "none" and scene.cls_values()["high_part"].key == "without"
        # long from the start: the tokens that are long after the last block are long going into block 1 too
        early = facts.patch_norms.clone()
        early[:, facts.high_norm_patches] = early[-1, facts.high_norm_patches]
        scene.facts = dataclasses.replace(facts, patch_norms=early)
        values = scene.high_norm_values()
        assert values["jump"].key == "already" and values["maker"].key == "already"
        # CLS gives them no more than twice their share: "little"
        scene.facts = dataclasses.replace(facts, cls_to_high=[0.01] * facts.depth)
        scene.jump_start = 8
        assert scene.cls_values()["cls_high"].key == "little"
        scene.facts = dataclasses.replace(facts, update_ratio=[0.5] * facts.depth)
        assert said(scene, "update_big", scene.update_values()["update_big"]) == \
            "In no block does it add as much as came in."
        scene.facts = dataclasses.replace(facts, update_ratio=[1.5, 0.5, 1.2, 1.1] + [0.5] * (facts.depth - 4))
        assert said(scene, "update_big", scene.update_values()["update_big"]) == \
            "Only in blocks 1, 3 and 4 does it add as much as came in."
        scene.facts = dataclasses.replace(facts, cls_cosine_to_last=[0.9] * (facts.depth - 1) + [1.0])
        assert "before the last block" in said(scene, "cos_late", scene.cosine_values()["cos_late"])
        scene.facts = dataclasses.replace(facts, fc1_matched_cosine=facts.fc1_matched_random + 0.3)
        assert "reappear, reordered" in said(scene, "matched_note", scene.matched_note())
    finally:
        scene.facts = facts
        scene.jump_start = 8


# ---------------------------------------------------------------------- choice keys on hand-made numbers
# Every sentence the lesson chooses is decided by a small function in the scene. The shipped photos and the
# random models all give 12 blocks of the usual width, and the random ones have no high-norm tokens, so many
# keys (another depth, another MLP width, tokens long from the start, a single long token, ...) come up only on
# other models. Here those functions are driven with hand-made numbers: the tests check the key each gives, and
# `choice_witnesses()` (read by tests/test_choices_reachable.py) reports the keys those same calls returned.


def block(D: int, hidden: int) -> tuple[int, int, int]:
    """(parameters of one block, of its MLP, 12 D^2), counted as timm's Block holds them: qkv and the output
    projection with biases, fc1 and fc2 with biases, two LayerNorms."""
    attention = 4 * D * D + 4 * D
    mlp = 2 * D * hidden + hidden + D
    return attention + mlp + 4 * D, mlp, 12 * D * D


def vit_ti_total(classes: int) -> int:
    """ViT-Ti/16 at 224 px (12 blocks, D = 192): the blocks, the embeddings and final norm, and a head."""
    total, _, _ = block(192, 768)
    return 12 * total + 186_048 + 193 * classes


TI = block(192, 768)            # ViT-Ti: the course's model
TI_WIDE = block(192, 8 * 192)   # an MLP twice the usual width
TI_NARROW = block(192, 192)     # an MLP as wide as the token
TINY_D = block(64, 256)         # a toy width, where the biases are no longer small next to 12 D^2
CORNERS = [13, 182, 0, 195]     # the 14 x 14 grid's corners, longest first
LATE = [0.01] * 8 + [0.30] * 4  # CLS's attention to the high-norm patches, per block: large once they are long

# (placeholders the scene gives the result to, the function, its arguments, the key it must give)
CASES = [
    (("depth_note",), depth_note, (12,), "base"),
    (("depth_note",), depth_note, (24,), "other"),                          # ViT-Large
    (("fc1_note",), fc1_note, (0.003,), "unrelated"),
    (("fc1_note",), fc1_note, (-0.35,), "related"),
    (("matched_note",), matched_note, (0.16, 0.14), "near_random"),
    (("matched_note",), matched_note, (0.60, 0.14), "related"),
    (("rule",), rule, (TI[0], TI[2]), "close"),
    (("rule",), rule, (TINY_D[0], TINY_D[2]), "differs"),                   # 13 D is 1.7 % of 12 D^2
    (("rule",), rule, (TI_NARROW[0], TI_NARROW[2]), "differs"),             # fewer than 12 D^2
    (("mlp_fraction",), mlp_fraction, (TI[1], TI[0]), "two_thirds"),
    (("mlp_fraction",), mlp_fraction, (TI_WIDE[1], TI_WIDE[0]), "more_than_half"),
    (("mlp_fraction",), mlp_fraction, (TI_NARROW[1], TI_NARROW[0]), "less_than_half"),
    (("mlp_majority",), mlp_majority, (TI[1], 12, vit_ti_total(1000)), "most"),
    (("mlp_majority",), mlp_majority, (TI[1], 12, vit_ti_total(21_843)), "share"),  # an ImageNet-21k head
    (("hn_name", "hn_name_short", "hn_name_cap"), high_norm_name, (CORNERS, 14, 196), "corners"),
    (("hn_name", "hn_name_short", "hn_name_cap"), high_norm_name, ([13], 14, 196), "one"),
    (("hn_name", "hn_name_short", "hn_name_cap"), high_norm_name, ([13, 182, 0], 14, 196), "count"),
    (("hn_name", "hn_name_short", "hn_name_cap"), high_norm_name, ([40, 41], 14, 196), "count"),
    (("place",), place, (0, 14), "top_left"),
    (("place",), place, (13, 14), "top_right"),
    (("place",), place, (182, 14), "bottom_left"),
    (("place",), place, (195, 14), "bottom_right"),
    (("place",), place, (15, 14), "cell"),
    (("channels_note",), channels_note, (1, 0.97), "one"),
    (("channels_note",), channels_note, (3, 0.92), "few"),
    (("channels_note",), channels_note, (40, 0.90), "spread"),
    (("jump",), jump_key, (None, 0), "none"),
    (("jump",), jump_key, (0, 4), "already"),
    (("jump",), jump_key, (8, 1), "made_one"),
    (("jump",), jump_key, (8, 4), "made"),
    (("jump_heading",), jump_heading_key, (None,), "none"),
    (("jump_heading",), jump_heading_key, (0,), "already"),
    (("jump_heading",), jump_heading_key, (8,), "made"),
    (("maker",), maker_key, (None, [], []), "none"),
    (("maker",), maker_key, (0, [], []), "already"),
    (("maker",), maker_key, (8, [2.0, 3.1, 2.4, 2.8], [410.0, 520.0, 460.0, 480.0]), "mlp"),
    (("maker",), maker_key, (8, [300.0, 350.0, 320.0, 310.0], [5.0, 6.0, 4.0, 5.5]), "attn"),
    (("cls_self",), cls_self, (0.60, 0.10), "only"),
    (("cls_self",), cls_self, (0.10, 0.50), "as_much_as"),
    (("cls_self",), cls_self, (0.30, 0.35), "about_the_same"),
    (("cls_high",), cls_high_key, (LATE, 0, 196, None), "none"),
    (("cls_high",), cls_high_key, (LATE, 4, 196, 8), "drawn"),
    (("cls_high",), cls_high_key, ([0.01] * 12, 4, 196, 8), "little"),      # under twice their 2 % share
]


def key_of(picked) -> str:
    return picked.key if isinstance(picked, Choice) else picked


def choice_witnesses() -> set[tuple[str, str]]:
    """The (placeholder, key) pairs the lesson's own choosing functions return on the hand-made cases."""
    return {(name, key_of(function(*args))) for names, function, args, _ in CASES for name in names}


@pytest.mark.parametrize("names, function, args, expected", CASES,
                         ids=[f"{names[0]}-{expected}-{i}" for i, (names, _, _, expected) in enumerate(CASES)])
def test_the_hand_made_numbers_pick_their_key(names, function, args, expected):
    assert key_of(function(*args)) == expected


def test_the_witnessed_keys_are_the_scripts():
    script = load_script(lesson_of(StackTheBlocks).narration_file)
    for name, key in choice_witnesses():
        assert key in script.choices[name], (name, key)


def spoken(scene, facts) -> dict[str, str]:
    """The stream, jump and cls cues' words with the scene's values for these (made-up) facts."""
    saved = scene.facts
    try:
        scene.facts = facts
        values = scene.values | scene.high_norm_values()
        values |= scene.cls_values()
    finally:
        scene.facts = saved
        scene.high_norm_values()  # back to the real facts' jump_start and jump_block
    return {c.id: c.text for c in scene.script.fill(values).cues if c.id in ("stream", "jump", "cls")}


def test_tokens_long_from_the_start_are_named(scene, facts):
    """The "already" sentences name the patches ({hn_name}): the scene must give the names in that case too."""
    early = facts.patch_norms.clone()
    early[:, facts.high_norm_patches] = early[-1, facts.high_norm_patches]
    words = spoken(scene, dataclasses.replace(facts, patch_norms=early))
    # the times said are those going into block 1 (stream point 0), whose median differs from the last one's
    norms = early.numpy()
    times = [round(float(norms[k, facts.high_norm_patches].max() / np.median(norms[k]))) for k in (0, -1)]
    assert times[0] != times[-1]
    times = times[0]
    assert words["stream"].endswith(f"But the four corner patches are long from the start, up to {times} times "
                                    "the median going into block 1, and stay that way.")
    assert words["jump"].startswith("They are long before any block has run")


def test_one_long_token_is_named_by_its_place(scene, facts):
    one = dataclasses.replace(facts, high_norm_patches=[13], high_norm_values=facts.high_norm_values[:1],
                              attn_add_high=[row[:1] for row in facts.attn_add_high],
                              mlp_add_high=[row[:1] for row in facts.mlp_add_high])
    words = spoken(scene, one)
    assert "But in block 8, the top-right corner patch breaks away: its length jumps from" in words["stream"]
    assert words["jump"].startswith("Which part of block 8 does that?")
