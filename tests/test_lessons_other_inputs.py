"""Every written lesson built, without drawing a frame, on inputs the course was not made on: another model's
dimensions (a random ViT-S/16: D 384, 6 heads) and another photo (Chelsea the cat alone) at once, so one
build per lesson shows that nothing is tuned to the embedded ViT-Ti or the course photo. (The builds on the
course photo are in test_lessons_smoke.py; the two files run side by side.)
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import vitmath
from test_lessons_smoke import WRITTEN, build

OTHER_PHOTO = Path(vitmath.DEFAULT_IMAGE).with_name("chelsea.png")


@pytest.fixture(autouse=True)
def silent(monkeypatch):
    monkeypatch.setenv("VITLESSONS_VOICE", "silent")
    for name in ("VITLESSONS_TIMELINE", "VITLESSONS_ONLY_CUE", "VITLESSONS_LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("other-inputs-media")


@pytest.fixture(scope="module")
def vit_small_weights(tmp_path_factory):
    """A random-init ViT-S/16 saved to a file: other dimensions (D 384, 6 heads) than the embedded ViT-Ti."""
    import safetensors.torch
    import timm
    import torch

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("vit-s") / "vit_small_random.safetensors"
    safetensors.torch.save_file(timm.create_model("vit_small_patch16_224", pretrained=False).state_dict(), str(path))
    return path


@pytest.mark.parametrize("lesson", WRITTEN, ids=[lesson.id for lesson in WRITTEN])
def test_lesson_builds_on_another_model_and_photo(lesson, media, monkeypatch, vit_small_weights):
    """`--model vit_small_patch16_224 --weights FILE --image chelsea.png`: every cue built, every word filled,
    and the narration speaks of that model's width and heads, never the embedded ViT-Ti's."""
    monkeypatch.setenv("VITLESSONS_MODEL", "vit_small_patch16_224")
    monkeypatch.setenv("VITLESSONS_WEIGHTS", str(vit_small_weights))
    monkeypatch.setenv("VITLESSONS_IMAGE", str(OTHER_PHOTO))
    scene = build(lesson, media)
    assert [c.id for c in scene.timeline.cues] == [c.id for c in scene.script.cues]
    assert scene.dims.D == 384 and scene.dims.H == 6
    assert scene.inputs.image == str(OTHER_PHOTO)
    spoken = " ".join(c.text for c in scene.script.cues)
    assert not re.search(r"\{[A-Za-z_]\w*\}", spoken)
    # The embedded ViT-Ti's width and head count, as words: never said of a model that has 384 and 6.
    assert not re.search(r"\b192\b|\bthree heads\b", spoken), "narration speaks of ViT-Ti's dimensions"
