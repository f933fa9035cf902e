"""The CLS-token lesson's numbers, recomputed independently of the lesson and of scenes.p1_04_cls_token.facts.

The lesson draws and speaks: the CLS readout (row 0 -> final LayerNorm -> head -> softmax -> top-5), the
pooled top-5 (final-normed patch tokens averaged -> fc_norm -> head), the CLS attention maps of the last
block, the high-norm patch tokens and the quarters without them, and a second photo's CLS rows. Here each is
recomputed another way: timm's own forward (with global_pool switched), torch's LayerNorm, the trace's
attention rows and block outputs with numpy, a fresh trace of the second photo.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import vitmath
from vitmath.analyses import HIGH_NORM_FACTOR, cls_attention_maps
from scenes.p1_04_cls_token.facts import cached_cls_comparison, cached_pooling_facts, comparison_photo


@pytest.fixture(scope="module")
def trace():
    return vitmath.cached_trace()


@pytest.fixture(scope="module")
def image(model):
    return vitmath.load_image(vitmath.DEFAULT_IMAGE, model).tensor


def test_the_head_reads_row_zero_through_the_final_layernorm(model, trace, image):
    with torch.no_grad():
        timm_logits = model(image)[0]
        row0 = torch.nn.functional.layer_norm(trace.blocks[-1].out[0], (trace.dims.D,), model.norm.weight,
                                              model.norm.bias, model.norm.eps)
        by_hand = row0 @ model.head.weight.T + model.head.bias
    assert model.global_pool == "token"
    assert torch.allclose(trace.final[0], row0, atol=1e-5)
    assert torch.allclose(by_hand, timm_logits, atol=1e-4)
    top = timm_logits.softmax(-1).topk(5)
    assert [i for i, _, _ in trace.top5] == top.indices.tolist()
    assert np.allclose([p for _, _, p in trace.top5], top.values.numpy(), atol=1e-5)
    # The spoken check compares our row 0 with timm's own forward, not with trace.logits (0 by construction).
    facts = cached_pooling_facts()
    assert facts.cls_logits_diff == pytest.approx(float((by_hand - timm_logits).abs().max()), abs=1e-6)
    assert facts.cls_logits_diff < 1e-4
    assert facts.logit_scale == pytest.approx(float(timm_logits.abs().max()), abs=1e-5)


def test_pooled_top5_is_timms_avg_pooling_through_the_same_head(model, trace, image):
    facts = cached_pooling_facts()
    saved = model.global_pool
    try:
        model.global_pool = "avg"  # the same trained head; reset_classifier() would replace it
        with torch.no_grad():
            probs = model(image)[0].softmax(-1)
            # And by hand, the way the lesson says it: mean of the final-normed patch rows, fc_norm, head.
            feats = model.forward_features(image)[0]
            pooled = feats[1:].mean(0)
            hand = model.head(model.fc_norm(pooled)).softmax(-1)
    finally:
        model.global_pool = saved
    top = probs.topk(5)
    assert [i for i, _, _ in facts.top5] == top.indices.tolist()
    assert [name for _, name, _ in facts.top5] == [trace.labels[i] for i in top.indices.tolist()]
    assert np.allclose([p for _, _, p in facts.top5], top.values.numpy(), atol=1e-6)
    assert torch.allclose(hand, probs, atol=1e-6)
    assert torch.allclose(facts.pooled, pooled, atol=1e-5)
    assert facts.fc_norm == type(model.fc_norm).__name__
    assert facts.head_shape == tuple(model.head.weight.shape)
    cos = torch.nn.functional.cosine_similarity(model.fc_norm(pooled), trace.final[0], dim=0)
    assert facts.cosine_to_cls == pytest.approx(float(cos), abs=1e-5)
    assert facts.norm_ratio == pytest.approx(float(model.fc_norm(pooled).norm() / trace.final[0].norm()), abs=1e-5)


def test_cls_maps_are_the_last_blocks_attention_rows(trace):
    d = trace.dims
    maps = cls_attention_maps(trace, d.depth - 1)
    assert tuple(maps.shape) == (d.H, d.grid, d.grid)
    for h in range(d.H):
        row = trace.blocks[-1].attn[h, 0]
        assert torch.allclose(maps[h].reshape(-1), row[1:])
        assert float(row.sum()) == pytest.approx(1.0, abs=1e-5)


def test_quarter_and_topk_numbers_the_lesson_speaks(trace):
    from scenes.p1_04_cls_token.scene import quarter_masses, topk_share

    d = trace.dims
    maps = cls_attention_maps(trace, d.depth - 1).double().numpy()
    half = d.grid // 2
    quarters = quarter_masses(maps)
    if d.grid % 2 == 0:
        expected = np.stack([maps[:, :half, :half].sum((1, 2)), maps[:, :half, half:].sum((1, 2)),
                             maps[:, half:, :half].sum((1, 2)), maps[:, half:, half:].sum((1, 2))], axis=1)
        assert np.allclose(quarters, expected)
    # The quarters split each map's patch weight exactly.
    assert np.allclose(quarters.sum(1), maps.sum((1, 2)))
    shares = topk_share(maps, 10)
    for h in range(d.H):
        assert shares[h] == pytest.approx(float(torch.tensor(maps[h]).flatten().topk(10).values.sum()))


def test_the_long_tokens_are_found_from_the_block_outputs(trace):
    from scenes.p1_04_cls_token.facts import HIGH_NORM_FACTOR, long_token_facts
    from scenes.p1_04_cls_token.scene import quarter_masses

    d = trace.dims
    lt = long_token_facts(trace)
    norms = np.linalg.norm(trace.blocks[-1].out[1:].double().numpy(), axis=1)
    median = np.median(norms)
    high = sorted(int(i) for i in np.flatnonzero(norms >= HIGH_NORM_FACTOR * median))
    assert sorted(lt.patches) == high
    assert np.allclose(lt.norms.reshape(-1), norms, rtol=1e-5)
    assert lt.corners == (set(high) == {0, d.grid - 1, d.N - d.grid, d.N - 1})
    attn = trace.blocks[-1].attn[:, 0, 1:].double().numpy()
    assert np.allclose(lt.cls_share, attn[:, high].sum(1))
    for h in range(d.H):
        assert lt.brightest[h] == (bool(high) and set(np.argsort(-attn[h])[:len(high)].tolist()) == set(high))
    # Left out and shared out in proportion: zero there, the same total, the same ratios elsewhere.
    masked = lt.masked_maps.reshape(d.H, -1)
    assert np.allclose(masked[:, high], 0.0)
    assert np.allclose(masked.sum(1), attn.sum(1))
    keep = [i for i in range(d.N) if i not in high]
    assert np.allclose(masked[:, keep] / masked[:, keep].sum(1, keepdims=True),
                       attn[:, keep] / attn[:, keep].sum(1, keepdims=True))
    assert np.allclose(quarter_masses(lt.masked_maps).sum(1), attn.sum(1))
    if high:
        # The first block from which on every one of them stays at least HIGH_NORM_FACTOR x the median.
        stream = np.stack([np.linalg.norm(b.out[1:].double().numpy(), axis=1) for b in trace.blocks])
        ok = [(s[high] >= HIGH_NORM_FACTOR * np.median(s)).all() for s in stream]
        first = next(b for b in range(d.depth) if all(ok[b:]))
        assert lt.from_block == first + 1
        final = trace.final[1:].double().numpy()
        a, b = final.mean(0), final[keep].mean(0)
        assert lt.pooled_cosine == pytest.approx(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)), abs=1e-6)
    else:
        assert lt.from_block is None


def test_quarter_weights_split_odd_grids_evenly():
    from scenes.p1_04_cls_token.scene import quarter_weights

    w = quarter_weights(7)
    assert np.allclose(w.sum(0), 1.0)
    assert np.allclose(w.sum((1, 2)), 49 / 4)


def test_the_cls_input_is_the_same_for_another_photo_and_its_output_is_not(trace):
    other_path = comparison_photo()
    other = vitmath.cached_trace(image=other_path)
    cmp = cached_cls_comparison()
    assert cmp.other_image == other_path.name
    model_cls = trace.cls + trace.pos[0]
    assert torch.equal(trace.x0[0], model_cls) and torch.equal(other.x0[0], model_cls)
    assert cmp.input_diff == 0.0
    assert torch.equal(cmp.other_cls_in, other.x0[0])
    assert torch.equal(cmp.other_cls_out, other.final[0])
    cos = torch.nn.functional.cosine_similarity(trace.final[0], other.final[0], dim=0)
    assert cmp.final_cosine == pytest.approx(float(cos), abs=1e-6)
    assert len(cmp.cosine_by_block) == trace.dims.depth + 1
    assert cmp.cosine_by_block[0] == pytest.approx(1.0, abs=1e-6)
    last = torch.nn.functional.cosine_similarity(trace.blocks[-1].out[0], other.blocks[-1].out[0], dim=0)
    assert cmp.cosine_by_block[-1] == pytest.approx(float(last), abs=1e-6)


def test_imagenet_labels_have_no_person_class_and_the_indirect_classes_exist(trace):
    from scenes.p1_04_cls_token.scene import INDIRECT_CLASSES, PERSON_WORDS

    assert trace.dims.num_classes == 1000
    assert not [name for name in trace.labels if PERSON_WORDS.search(name)]
    assert PERSON_WORDS.search("a woman") and not PERSON_WORDS.search("Doberman")  # whole words only
    assert all(name in trace.labels for name in INDIRECT_CLASSES)


def test_the_scene_speaks_the_recomputed_numbers(model, trace, image, monkeypatch):
    from manim import tempconfig

    from scenes.common import numbers as num
    from scenes.p1_04_cls_token.scene import ClsToken

    monkeypatch.setenv("VITLESSONS_VOICE", "silent")
    for name in ("VITLESSONS_MODEL", "VITLESSONS_WEIGHTS", "VITLESSONS_IMAGE", "VITLESSONS_ONLY_CUE"):
        monkeypatch.delenv(name, raising=False)
    with tempconfig({"quality": "low_quality", "verbosity": "ERROR"}):
        scene = ClsToken(skip_animations=True)
        scene.setup()
    v = scene.values
    with torch.no_grad():
        probs = model(image)[0].softmax(-1)
        model.global_pool = "avg"
        try:
            pooled = model(image)[0].softmax(-1)
        finally:
            model.global_pool = "token"
    for spoken, p, places in ((v["top5_spoken"], probs, 0), (v["pooled_top5_spoken"], pooled, 1)):
        top = p.topk(5)
        assert spoken == "; ".join(f"{trace.labels[i]}, {num.percent(float(q), places).spoken}"
                                   for q, i in zip(top.values.tolist(), top.indices.tolist()))
    attn = trace.blocks[-1].attn
    assert str(v["self_weight"]) == num.percent(float(attn[:, 0, 0].max()), 1).spoken
    assert str(v["max_patch"]) == num.percent(float(attn[:, 0, 1:].max()), 1).spoken
    assert str(v["top5_mass"]) == num.percent(float(probs.topk(5).values.sum())).spoken
    assert v["num_tokens"] == trace.dims.N + 1 == attn.shape[-1]
    # The choices the script's sentences hang on, for the embedded model and the course photo.
    assert v["other_description"].key == "cat" and v["person_intro"].key == "course"
    assert v["person_classes"].key == "imagenet" and v["person_indirect"].key == "some"
    assert v["fc_norm"].key == ("identity" if type(model.fc_norm).__name__ == "Identity" else "applied")
    # Heads are numbered from 1, in speech as on screen.
    spoken = " ".join(c.text for c in scene.script.cues)
    assert f"Head {trace.dims.H}'s largest share" in spoken and "Head 0" not in spoken
    # The long tokens, for the embedded model on the course photo: the four corners, on both photos.
    assert v["long_tokens"].key == "found" and v["long_which"].key == "corners"
    assert v["long_places"].key == "same_corners"
    assert v["logits_agree"].key != "exact"


# ------------------------------------------------------------------ choices no setup picks
# What tests/test_choices_reachable.py's inputs (ImageNet-1k ViTs built for CLS pooling, a few photos) never
# give: another label set, a model that normalises after pooling, other high-norm tokens, another agreement
# with timm. The lesson's own choosing functions, on made-up inputs, reach those keys.
AGREE_CASES = {0.0: "exact", 3e-7: "millionth", 2e-4: "thousandth", 5e-3: "larger"}  # |difference| -> key
FC_NORM_CASES = {"Identity": "identity", "LayerNorm": "applied"}
PERSON_CASES = [  # (labels, number of classes, the person_classes key, the person_indirect key and its best class)
    (["tabby cat", "woman", "man in a suit", "groom"], 4, "named", ("some", "groom")),
    (["tabby cat", "jersey", "scuba diver"] + [f"class {i}" for i in range(997)], 1000, "imagenet",
     ("some", "jersey")),
    (["tabby cat", "dog"], 2, "none", ("none", None)),
]
LONG_CASES = [  # (long_keys' arguments, the keys)
    (dict(patches=[0, 13, 182, 195], corners=True, brightest=[True, True, True], other_patches=[0, 13, 182, 195],
          pooled_cosine=0.999, final_ratio=1.5),
     dict(long_brightest="all", long_which="corners", long_heads="many", long_places="same_corners",
          long_average="barely")),
    (dict(patches=[40], corners=False, brightest=[False, True, False], other_patches=[40],
          pooled_cosine=0.95, final_ratio=1.5),
     dict(long_brightest="some", long_which="one", long_heads="one", long_places="same", long_average="moves")),
    # leaving them out barely turns the average, but after the final LayerNorm they are still long
    (dict(patches=[40, 41, 90], corners=False, brightest=[False, False, False], other_patches=[7],
          pooled_cosine=0.999, final_ratio=HIGH_NORM_FACTOR),
     dict(long_brightest="none", long_which="many", long_heads="many", long_places="differ",
          long_average="moves")),
]


def person_choices(labels: list[str], num_classes: int):
    """person_classes and person_indirect as the scene picks them, the labels' probabilities falling in order."""
    from scenes.p1_04_cls_token.scene import (best_indirect, indirect_classes, person_class_names, person_classes,
                                              person_indirect)

    probs = np.linspace(0.9, 0.1, len(labels))
    indirect = indirect_classes(labels)
    return (person_classes(person_class_names(labels), num_classes),
            person_indirect(indirect, best_indirect(indirect, labels, probs)))


def choice_witnesses() -> set[tuple[str, str]]:
    from scenes.p1_04_cls_token.scene import agree_key, fc_norm_choice, long_keys

    pairs = {("logits_agree", agree_key(diff)) for diff in AGREE_CASES}
    pairs |= {("fc_norm", fc_norm_choice(name).key) for name in FC_NORM_CASES}
    for labels, classes, _, _ in PERSON_CASES:
        named, indirect = person_choices(labels, classes)
        pairs |= {("person_classes", named.key), ("person_indirect", indirect.key)}
    for args, _ in LONG_CASES:
        pairs |= set(long_keys(**args).items())
    return pairs


@pytest.mark.parametrize("diff", list(AGREE_CASES))
def test_the_agreement_with_timm_is_the_largest_bound_it_stays_within(diff):
    from scenes.p1_04_cls_token.scene import agree_key

    assert agree_key(diff) == AGREE_CASES[diff]


@pytest.mark.parametrize("name", list(FC_NORM_CASES))
def test_the_norm_after_pooling_is_named_when_it_does_something(name):
    from scenes.p1_04_cls_token.scene import fc_norm_choice

    chosen = fc_norm_choice(name)
    assert chosen.key == FC_NORM_CASES[name] and chosen.extra == {"fc_norm_name": name}


@pytest.mark.parametrize("labels, classes, named_key, indirect", PERSON_CASES)
def test_the_person_sentences_follow_the_labels(labels, classes, named_key, indirect):
    named, narrower = person_choices(labels, classes)
    assert (named.key, narrower.key) == (named_key, indirect[0])
    if named.key == "named":
        assert named.extra == {"person_names": "woman, man in a suit"}  # whole words only: not "groom"
    if narrower.key == "some":  # the likeliest narrower class; probabilities fall in label order
        assert narrower.extra["best"] == indirect[1]
        assert narrower.extra["best_rank"] == labels.index(indirect[1]) + 1


@pytest.mark.parametrize("args, keys", LONG_CASES)
def test_the_long_token_sentences_follow_the_tokens(args, keys):
    from scenes.p1_04_cls_token.scene import long_keys

    assert long_keys(**args) == keys
