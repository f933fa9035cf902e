"""Every key of every `[choice.*]` table is one the lesson's code really picks, on some input.

A key the scene declares but never picks is a sentence no viewer hears and nobody reads in context, so it
goes wrong unnoticed. Each lesson is set up (trace, facts, the script filled; nothing drawn) on the inputs
below, and the keys they pick are counted: the embedded ViT-Ti on the shipped photos and on a smooth gradient
and a noise image, and randomly initialised ViT-Ti, ViT-S, ViT-S/32, ViT-B and a ViT-Ti at 384 px (other widths,
head counts, grids, and models with no learned preference at all). Setting up is cheap (a few seconds per
lesson and input once the traces are cached), so every lesson sees every input.

A key that needs an input none of these gives (a photo whose class the model gets wrong, a run where the
small model wins) is reached by the lesson's own test instead, which drives the lesson's key-picking code
over hand-made facts: `choice_witnesses()` in the lesson's test (`tests/test_lesson_p2_04.py`) returns the (placeholder,
key) pairs that code returned. Keys picked only while drawing come from the witnesses too.
"""
from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import numpy as np
import pytest
from manim import tempconfig
from PIL import Image

import vitmath
from scenes import course

WRITTEN = [lesson for lesson in course.LESSONS if lesson.written]
PHOTOS = Path(vitmath.DEFAULT_IMAGE).parent
# (name, timm model or None for the embedded one, its random-init seed, photo or a made image)
INPUTS = [
    ("course", None, None, None),
    ("ti-astronaut", None, None, PHOTOS / "astronaut.png"),
    ("ti-chelsea", None, None, PHOTOS / "chelsea.png"),
    ("ti-gradient", None, None, "gradient"),
    ("ti-noise", None, None, "noise"),
    ("random-ti", "vit_tiny_patch16_224", 1, None),
    ("random-s-chelsea", "vit_small_patch16_224", 0, PHOTOS / "chelsea.png"),
    ("random-s-gradient", "vit_small_patch16_224", 0, "gradient"),
    ("random-s32-astronaut", "vit_small_patch32_224", 0, PHOTOS / "astronaut.png"),
    ("random-b-astronaut", "vit_base_patch16_224", 0, PHOTOS / "astronaut.png"),
    ("random-ti384-chelsea", "vit_tiny_patch16_384", 0, PHOTOS / "chelsea.png"),
]
NOT_A_NUMBER = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
UNSET = {"VITLESSONS_VOICE": "silent", "VITLESSONS_LANG": None, "VITLESSONS_TIMELINE": None,
         "VITLESSONS_ONLY_CUE": None, "VITLESSONS_MODEL": None, "VITLESSONS_WEIGHTS": None,
         "VITLESSONS_IMAGE": None}  # the course's own inputs


@pytest.fixture(scope="module")
def input_envs(tmp_path_factory):
    """The environment each input is set up under (the variables the CLI would set)."""
    import safetensors.torch
    import timm
    import torch

    folder = tmp_path_factory.mktemp("inputs")
    ramp = np.linspace(0, 255, 224)
    made = {"gradient": np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], 128), -1).astype(np.uint8),
            "noise": np.random.default_rng(0).integers(0, 256, (224, 224, 3), dtype=np.uint8)}
    for name, pixels in made.items():
        Image.fromarray(pixels).save(folder / f"{name}.png")
    envs = {}
    for name, model, seed, photo in INPUTS:
        env = dict(UNSET)
        if model is not None:
            weights = folder / f"{model}-{seed}.safetensors"
            if not weights.exists():
                torch.manual_seed(seed)
                safetensors.torch.save_file(timm.create_model(model, pretrained=False).state_dict(), str(weights))
            env.update(VITLESSONS_MODEL=model, VITLESSONS_WEIGHTS=str(weights))
        if photo is not None:
            env["VITLESSONS_IMAGE"] = str(folder / f"{photo}.png" if photo in made else photo)
        envs[name] = env
    return envs


def picked_on(lesson, env: dict, media: Path) -> tuple[set, dict]:
    """The (placeholder, key) pairs the scene's setup picks with these inputs (None: the variable unset), and
    the words of each cue."""
    saved = {k: os.environ.get(k) for k in env}
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        with tempconfig({"quality": "low_quality", "media_dir": str(media), "write_to_movie": False,
                         "verbosity": "ERROR", "progress_bar": "none"}):
            scene = getattr(importlib.import_module(lesson.scene_module), lesson.scene_class)()
            scene.setup()
            return set(scene.script.chosen), {cue.id: cue.text for cue in scene.script.cues}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def lesson_test(lesson) -> str | None:
    """The lesson's own test module: `test_lesson_p2_04` for `p2_04_twelve_heads`, `test_lesson_faq` for `faq`."""
    for path in sorted(Path(__file__).parent.glob("test_lesson_*.py")):
        short = path.stem.removeprefix("test_lesson_")
        if lesson.module == short or lesson.module.startswith(short + "_"):
            return path.stem
    return None


def witnesses(lesson) -> set:
    name = lesson_test(lesson)
    if name is None:
        return set()
    return set(getattr(importlib.import_module(name), "choice_witnesses", lambda: set())())


@pytest.mark.parametrize("lesson", WRITTEN, ids=[lesson.id for lesson in WRITTEN])
def test_every_choice_key_is_picked_on_some_input(lesson, input_envs, tmp_path):
    declared = {(name, key) for name, keys in course.declared_choices(lesson).items() for key in keys}
    if not declared:
        pytest.skip("the lesson makes no choices")
    on_inputs = set()
    for name, env in input_envs.items():
        picked, words = picked_on(lesson, env, tmp_path)
        on_inputs |= picked
        # 0 / 0 somewhere in the facts reads out as "nan": a number no viewer should hear
        said = {cue: m.group() for cue, text in words.items() if (m := NOT_A_NUMBER.search(text))}
        assert not said, f"on input {name}, cue(s) say {said}"
    driven = witnesses(lesson)
    assert driven <= declared, f"witnesses of keys the lesson does not declare: {sorted(driven - declared)}"
    missing = declared - on_inputs - driven
    assert not missing, f"{len(missing)} of {len(declared)} keys are never picked: {sorted(missing)}"
