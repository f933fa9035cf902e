"""The stack-the-blocks lesson's numbers and maps, recomputed independently of scenes.p2_05_stack_the_blocks.facts.

Parameter counts come from timm's own model (a fresh `vit_tiny_patch16_224` and the embedded one); the
tokens through the stack come from forward hooks on timm's blocks (timm's forward, not our hand-written
trace); attention and rollout are recomputed from those block inputs with numpy. The scene's spoken values are
then checked against these numbers, and its choice keys (with the script's words) against made-up facts.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import timm
import torch
import torch.nn.functional as F

import vitmath
from narration.script import Cue, load_script
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from scenes.common.values import narration_values
from scenes.course import lesson_of
from scenes.p2_05_stack_the_blocks.facts import cached_stack_facts, high_norm_start


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
    return ins, outs, logits


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
    ins, outs, _ = stream
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
    ins, outs, _ = stream
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


def test_cls_maps_and_rollout_recomputed_from_timms_block_inputs(facts, model, stream):
    ins, _, _ = stream
    g = 14
    mixes = []
    for i, (blk, x) in enumerate(zip(model.blocks, ins)):
        T, D = x.shape
        H = blk.attn.num_heads
        with torch.no_grad():
            qkv = blk.attn.qkv(blk.norm1(x)).reshape(T, 3, H, D // H).permute(1, 2, 0, 3)
        a = torch.softmax(qkv[0] @ qkv[1].transpose(-1, -2) / np.sqrt(D // H), dim=-1).double()  # (H, T, T)
        mean = a.mean(0)
        assert torch.allclose(facts.cls_maps[i].double(), mean[0, 1:].reshape(g, g), atol=1e-5)
        assert facts.cls_self[i] == pytest.approx(mean[0, 0].item(), abs=1e-5)
        mixes.append(mean.numpy())
    r = np.eye(mixes[0].shape[0])
    for m in mixes:
        m = 0.5 * m + 0.5 * np.eye(len(m))
        r = (m / m.sum(1, keepdims=True)) @ r
    row = r[0, 1:] / r[0, 1:].max()
    assert np.allclose(facts.rollout.numpy().ravel(), row, atol=1e-4)
    grid = row.reshape(g, g)
    h = g // 2
    quarters = [grid[:h, :h].sum(), grid[:h, h:].sum(), grid[h:, :h].sum(), grid[h:, h:].sum()]
    assert np.allclose(facts.rollout_quarters, np.array(quarters) / grid.sum(), atol=1e-5)


def test_the_top5_is_timms(facts, stream):
    _, _, logits = stream
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
    assert v["twelve_d2"] == num.integer(12 * 192 * 192)
    assert v["model_total"] == num.integer(facts.model_total)
    assert v["blocks_total"] == num.integer(12 * facts.params.total)
    assert v["mlp_share"].screen == f"{100 * facts.params.mlp / facts.params.total:.0f}%"
    assert v["mlp_fraction"].key == "two_thirds" and said(scene, "mlp_fraction", v["mlp_fraction"]) == "two thirds of it"
    assert v["mlp_hidden"].screen == "768" and v["hidden_shape"].screen == "(197, 768)"
    assert v["fc1_rel_diff"] == num.decimal(facts.fc1_rel_diff, 2)
    assert v["depth_note"].key == "base" and "ViT-Base" in said(scene, "depth_note", v["depth_note"])
    high = said(scene, "high_norm", v["high_norm"])
    assert v["high_norm"].key == "many" and v["high_norm"].extra["high_which"].key == "corners"
    assert "the four corner patches" in high and "from block 8 on" in high and "CLS looks at most" in high
    assert "top-right corner" in said(scene, "cls_settled", v["cls_settled"])
    assert v["update_high_block"] == int(np.argmax(facts.update_ratio)) + 1
    assert v["mlp_majority"].key == "most"
    # the rollout sentence calls it spread out only when the quarters are within 10 points of each other
    q = facts.rollout_quarters
    assert (v["rollout"].key == "spread") == (max(q) - min(q) < 0.1)
    assert v["cos_late"].extra["cos_before"] == num.decimal(facts.cls_cosine_to_last[-2], 2)
    # the script's cue text, filled, holds the chosen words
    spoken = {c.id: c.text for c in scene.script.fill(v).cues}
    assert high in spoken["norms"] and "two thirds of it" in spoken["params"]


def test_the_choices_follow_other_numbers(scene, facts):
    """Made-up facts: the choice keys change with the numbers, so the lesson stays true on another model."""
    from scenes.p2_05_stack_the_blocks.scene import place

    assert said(scene, "place", place(0, 14)) == "the top-left corner patch"
    assert said(scene, "place", place(15, 14)) == "the patch in row 2, column 2"
    try:
        scene.facts = dataclasses.replace(facts, high_norm_patches=[], high_norm_values=[])
        assert said(scene, "high_norm", scene.high_norm()).startswith("No patch token stands out")
        scene.facts = dataclasses.replace(facts, update_ratio=[0.5] * facts.depth)
        assert said(scene, "update_big", scene.update_values()["update_big"]) == \
            "In no block is the update as large as the input."
        scene.facts = dataclasses.replace(facts, update_ratio=[1.5, 0.5, 1.2, 1.1] + [0.5] * (facts.depth - 4))
        assert said(scene, "update_big", scene.update_values()["update_big"]) == \
            "Only in blocks 1, 3 and 4 is the update as large as the input."
        scene.facts = dataclasses.replace(facts, cls_cosine_to_last=[0.9] * (facts.depth - 1) + [1.0])
        assert "before the last block" in said(scene, "cos_late", scene.cosine_values()["cos_late"])
        scene.facts = dataclasses.replace(facts, rollout_quarters=[0.1, 0.1, 0.1, 0.7])
        assert "bottom-right quarter of the photo, where the cat is, holds 70 percent" in \
            said(scene, "rollout", scene.rollout_choice())
    finally:
        scene.facts = facts
