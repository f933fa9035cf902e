"""The FAQ's numbers and map, recomputed independently of scenes.faq.facts, and its pointers and citations.

The preprocessing is re-read from timm's own transform and re-applied to the photo with PIL; the CLS
attention map is recomputed from timm's own modules (not vitmath's hand-written forward pass); the quarter
shares and the brightest patches with plain numpy and torch. The scene's spoken values are checked against
them, every "deeper" pointer against the registry, and every paper number against the citation drawn with it.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from manim import tempconfig
from PIL import Image

import vitmath
from scenes.course import BY_ID, LESSONS
from scenes.common import numbers as num
from scenes.common.inputs import LessonInputs
from scenes.faq.facts import cached_faq_facts, quarter_weights
from vitmath.sources import resolve_image


@pytest.fixture(scope="module")
def facts():
    return cached_faq_facts()


@pytest.fixture(scope="module")
def values():
    from scenes.faq.scene import Faq

    fake = SimpleNamespace(trace=vitmath.cached_trace(), inputs=LessonInputs())
    return Faq.extra_values(fake)


def test_the_preprocessing_is_timms_and_gives_the_picture(model, tr, facts):
    from timm.data import create_transform, resolve_model_data_config

    steps = {type(s).__name__: s for s in create_transform(**resolve_model_data_config(model)).transforms}
    assert facts.resize == steps["Resize"].size
    assert (facts.crop, facts.crop) == tuple(steps["CenterCrop"].size)
    # Resize the shorter side, crop the centre, by hand with PIL: exactly the picture the model saw.
    photo = Image.open(resolve_image(None)).convert("RGB")
    scale = facts.resize / min(photo.size)
    w, h = round(photo.width * scale), round(photo.height * scale)
    resized = photo.resize((w, h), Image.Resampling.BICUBIC)
    left, top = int(round((w - facts.crop) / 2)), int(round((h - facts.crop) / 2))
    crop = np.asarray(resized.crop((left, top, left + facts.crop, top + facts.crop)))
    assert facts.interpolation == "bicubic"
    assert np.array_equal(crop, tr.picture)


def test_the_shapes_are_the_models(model, tr, facts):
    P = model.patch_embed.patch_size[0]
    g = facts.crop // P
    D = model.embed_dim
    assert facts.picture_shape == (facts.crop, facts.crop, 3)
    assert facts.patches_shape == (g * g, 3 * P * P)
    assert facts.proj_shape == (D, 3 * P * P)
    assert facts.tokens_shape == (g * g, D)
    assert facts.pos_shape == tuple(model.pos_embed.shape[1:])
    assert facts.x0_shape == (g * g + 1, D)


@torch.no_grad()
def test_the_cls_map_is_timms_last_block_attention(model, image, facts):
    x = model.norm_pre(model._pos_embed(model.patch_embed(image.tensor)))   # (1, T, D)
    lengths = []                                                            # per block: (N,) patch token lengths
    for blk in model.blocks[:-1]:
        x = blk(x)
        lengths.append(x[0, 1:].norm(dim=-1))
    lengths.append(model.blocks[-1](x)[0, 1:].norm(dim=-1))
    last = model.blocks[-1]
    B, T, D = x.shape
    H = last.attn.num_heads
    qkv = last.attn.qkv(last.norm1(x)).reshape(B, T, 3, H, D // H).permute(2, 0, 3, 1, 4)
    q, k = last.attn.q_norm(qkv[0]), last.attn.k_norm(qkv[1])
    attn = ((q * last.attn.scale) @ k.transpose(-2, -1)).softmax(-1)[0]      # (H, T, T)
    g = int(round((T - 1) ** 0.5))
    expected = attn[:, 0, 1:].mean(0).reshape(g, g).double().numpy()
    assert np.allclose(facts.cls_map, expected, atol=1e-5)
    assert facts.cls_self == pytest.approx(attn[:, 0, 0].mean().item(), abs=1e-5)

    # Quarters of an even grid are plain slices; the shares are of the patch attention (CLS's own left out).
    h = g // 2
    quarters = [expected[:h, :h], expected[:h, h:], expected[h:, :h], expected[h:, h:]]
    assert np.allclose(facts.quarter_shares, [q.sum() / expected.sum() for q in quarters], atol=1e-6)
    flat = torch.from_numpy(expected.reshape(-1))
    top = flat.topk(facts.top_k)
    assert facts.top_k == max(1, g * g // 20)
    assert facts.top_patches == top.indices.tolist()
    assert facts.top_share == pytest.approx((top.values.sum() / flat.sum()).item(), abs=1e-6)
    corners = {0, g - 1, g * (g - 1), g * g - 1}
    assert facts.corners_in_top == len(corners & set(top.indices.tolist()))
    assert facts.peak_ratio == pytest.approx((flat.max() / flat.mean()).item(), rel=1e-5)

    # The long tokens, by the course's rule written out again: ten times the median length after the last block;
    # they stay long from the first block after which every later block keeps all of them over the rule.
    lengths = torch.stack(lengths)                                          # (depth, N)
    ratio = lengths / lengths.median(dim=1, keepdim=True).values
    long = sorted(torch.nonzero(ratio[-1] >= 10).flatten().tolist())
    assert sorted(facts.high_norm) == long
    if long:
        held = (ratio[:, long] >= 10).all(dim=1).tolist()
        first = min(k for k in range(len(held)) if all(held[k:]))           # 0-based block index
        assert facts.high_norm_from == first + 1                           # 1-based, as the voice says it
        assert facts.high_norm_share == pytest.approx((flat[long].sum() / flat.sum()).item(), abs=1e-6)
    else:
        assert facts.high_norm_from is None and facts.high_norm_share == 0.0


def test_the_course_model_has_the_four_corner_tokens_as_its_brightest_cls_patches(facts):
    """What the course says of this model (lessons 4, 9, 14): from block 8 on, patches 0, 13, 182, 195 are long,
    and in the last block they are the four squares CLS attends to most."""
    assert sorted(facts.high_norm) == [0, 13, 182, 195]
    assert facts.high_norm_from == 8
    assert set(facts.top_patches[:4]) == {0, 13, 182, 195}
    assert facts.high_norm_share > 4 * 4 / 196                  # far above an even share of four patches


def test_an_odd_grid_splits_its_middle_row_and_column_between_quarters():
    w = quarter_weights(7)
    assert np.allclose(w.sum(0), 1.0)                 # every patch is counted once in all
    assert np.allclose(w.sum(axis=(1, 2)), 49 / 4)    # four equal quarters
    assert w[0, 3, 3] == pytest.approx(0.25)          # the centre patch, a quarter in each


def said(tr, values, **overrides) -> dict[str, str]:
    """The script filled as the lesson fills it (shared values, the lesson's, any overrides): cue id -> words."""
    from narration.script import load_script
    from scenes.common.values import narration_values

    script = load_script(BY_ID["faq"].narration_file).fill(narration_values(tr) | values | overrides)
    return {c.id: c.text for c in script.cues}


def test_the_spoken_values_are_the_facts(tr, facts, values):
    d = tr.dims
    assert values["patches_shape"] == num.shape(*facts.patches_shape)
    assert values["tokens_shape"] == num.shape(*facts.tokens_shape)
    assert values["x0_shape"] == num.shape(d.T, d.D)
    assert values["num_tokens"] == d.T
    words = said(tr, values)
    assert f"{facts.resize} pixels" in words["q3-tokens"] and f"{facts.crop} by {facts.crop}" in words["q3-tokens"]
    shares = facts.quarter_shares
    q4 = words["q4-cls"]
    assert num.percent(shares.max()).spoken in q4
    assert num.percent(facts.top_share).spoken in q4 and f"the {facts.top_k} brightest" in q4
    assert tr.top5[0][1] in q4
    assert values["long_sentence"].key == "corners_brightest"
    assert f"from block {facts.high_norm_from} on" in q4
    assert num.percent(facts.high_norm_share).spoken in q4 and num.percent(4 / d.N).spoken in q4
    assert "not why the model decided" in q4 and f"lesson {BY_ID['p4-01-predict-and-verify'].number}" in q4


def test_the_map_words_follow_the_measurements(tr, values):
    from scenes.faq.scene import map_choice

    even = np.array([0.25, 0.25, 0.26, 0.24])
    choice = map_choice(even, False)
    assert choice.key == "alone" and choice.extra["map"].key == "even"
    q4 = said(tr, values, map_sentence=choice)["q4-cls"]
    assert "No quarter of the image stands out" in q4 and "with the cat" not in q4
    flat = map_choice(np.array([0.251, 0.249, 0.252, 0.248]), False)
    assert flat.extra["map"].key == "flat"
    assert "each gets about 25 percent" in said(tr, values, map_sentence=flat)["q4-cls"]
    gathered = np.array([0.1, 0.1, 0.1, 0.7])
    assert map_choice(gathered, False).extra["map"].extra["quarter"].key == "bottom_right"
    q4 = said(tr, values, map_sentence=map_choice(gathered, True))["q4-cls"]
    assert "bottom-right quarter" in q4 and "70 percent" in q4 and "with the cat" in q4
    from narration.script import Choice

    assert "It is spread almost evenly" in said(tr, values, top_sentence=Choice("even"))["q4-cls"]
    assert "But it is far from even" in said(tr, values, top_sentence=Choice("piled"))["q4-cls"]
    from scenes.faq.scene import long_choice

    g = 14
    corners = [0, g - 1, g * (g - 1), g * g - 1]
    assert long_choice([], [5, 6], g) == "none"
    assert long_choice(corners, [13, 0, 195, 182, 90], g) == "corners_brightest"
    assert long_choice(corners, [90, 13, 0, 195, 182], g) == "corners"      # long, but one of them not in the top 4
    assert long_choice([37, 120], [37, 120, 5], g) == "other"
    none = said(tr, values, long_sentence=Choice("none"))["q4-cls"]
    assert "No patch token here is far longer" in none and "corner" not in none
    other = said(tr, values, long_sentence=Choice("other"), long_count=2)["q4-cls"]
    assert "This model has 2 long tokens" in other and "corner" not in other


def test_every_pointer_names_a_registry_lesson(tr, values):
    from scenes.faq.scene import DEEPER

    # The lessons the brief asks each answer to point to, by their place in the course.
    expected_numbers = {"q1-words": [2], "q2-recipe": [10, 11], "q3-tokens": [5, 6], "q4-cls": [4],
                        "q5-convnext": [12, 13]}
    for cue, ids in DEEPER.items():
        assert [BY_ID[i].number for i in ids] == expected_numbers[cue]
        spoken = said(tr, values)[cue]
        for i in ids:
            assert f"{BY_ID[i].number}, {BY_ID[i].title}" in spoken
    # The course ends pointing back to lesson 1 by what it asks, not by its title ("... the bug at scale"),
    # which lessons 11 and 12 qualify: locality is a prior kept on purpose where it pays.
    closing = said(tr, values)["closing"]
    assert f"lesson {LESSONS[0].number}:" in closing and LESSONS[0].title not in closing
    assert "bug" not in closing


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The whole FAQ built without drawing a frame (silent voice), as the smoke test builds it."""
    import os

    from scenes.faq.scene import Faq

    saved = {k: os.environ.pop(k, None) for k in ("VITLESSONS_MODEL", "VITLESSONS_WEIGHTS", "VITLESSONS_IMAGE",
                                                   "VITLESSONS_TIMELINE", "VITLESSONS_ONLY_CUE")}
    os.environ["VITLESSONS_VOICE"] = "silent"
    try:
        settings = {"quality": "low_quality", "media_dir": str(tmp_path_factory.mktemp("faq")),
                    "skip_animations": True, "write_to_movie": False, "disable_caching": True,
                    "progress_bar": "none", "verbosity": "ERROR"}
        with tempconfig(settings):
            scene = Faq(skip_animations=True)
            scene.render()
    finally:
        os.environ.pop("VITLESSONS_VOICE", None)
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    return scene


def test_every_paper_number_has_its_citation_on_screen_and_every_answer_points_deeper(built):
    from scenes.faq.scene import DEEPER, PAPER_NUMBERS

    built.check_drawn()
    # The papers are named on screen by [screen] keys; the words are the script's.
    VIT, DEIT, SWIN, CONVNEXT = "paper_vit", "paper_deit", "paper_swin", "paper_convnext"
    assert "An Image is Worth 16x16 Words" in built.script.words(None, VIT)
    # The brief's paper numbers, each with its paper.
    wanted = {("77.9", VIT), ("84.0", VIT), ("76.5", VIT), ("87.1", VIT), ("81.8", DEIT), ("76.1", CONVNEXT),
              ("82.0", CONVNEXT), ("4 by 4", SWIN), ("7 by 7", SWIN)}
    listed = {item for items in PAPER_NUMBERS.values() for item in items}
    assert wanted <= listed
    assert set(built.pointed) == set(DEEPER)
    # The chart draws the numbers the voice says: Table 5's values, spoken to one decimal.
    from vitmath.papers import DEIT_B_TOP1, VIT_TABLE5

    q2 = built.script.cue("q2-recipe").text
    (b16, l16) = VIT_TABLE5["b16"], VIT_TABLE5["l16"]
    for v in (b16[0], b16[1], l16[0], l16[2], DEIT_B_TOP1):
        assert f"{v:.1f}" in q2
    # The chapters: one per question, plus the opening and the takeaway.
    chapters = [c.chapter for c in built.script.cues if c.chapter]
    assert len(chapters) == 7


# ---------------------------------------------------------------------- keys the course's inputs never pick
# No model tests/test_choices_reachable.py sets up pools by averaging, has long tokens other than the four
# corners, or gathers CLS's attention in a quarter other than the cat's, and head_reads is picked only while
# drawing (a screen word): the lesson's own key-picking functions are driven over hand-made facts instead.
# Each case: (placeholder, the key it must give, the call).
def _quarter(shares) -> str:
    from scenes.faq.scene import map_choice

    return map_choice(np.array(shares), False).extra["map"].extra["quarter"].key


def _pool(global_pool: str) -> str:
    from scenes.faq.scene import pool_key

    return pool_key(global_pool)


def _long(high: list[int], top_patches: list[int]) -> str:
    from scenes.faq.scene import long_choice

    return long_choice(high, top_patches, 14)


CORNERS_14 = [0, 13, 182, 195]   # the corner patches of a 14 x 14 grid
PICKED = [
    ("head_sentence", "average", lambda: _pool("avg")),
    ("head_reads", "average", lambda: _pool("avg")),
    ("head_reads", "token", lambda: _pool("token")),
    ("long_sentence", "corners", lambda: _long(CORNERS_14, [90, 13, 0, 195, 182])),  # one corner not in the top 4
    ("long_sentence", "other", lambda: _long([37, 120], [37, 120, 5])),
    ("quarter", "top_left", lambda: _quarter([0.7, 0.1, 0.1, 0.1])),
    ("quarter", "top_right", lambda: _quarter([0.1, 0.7, 0.1, 0.1])),
    ("quarter", "bottom_left", lambda: _quarter([0.1, 0.1, 0.7, 0.1])),
]


@pytest.mark.parametrize("placeholder, key, pick", PICKED, ids=[f"{p}-{k}" for p, k, _ in PICKED])
def test_hand_made_facts_pick_the_keys_the_course_inputs_never_do(placeholder, key, pick):
    assert pick() == key


def choice_witnesses() -> set[tuple[str, str]]:
    """The (placeholder, key) pairs the lesson's functions return on the hand-made facts above (read by
    tests/test_choices_reachable.py)."""
    return {(placeholder, pick()) for placeholder, _, pick in PICKED}
