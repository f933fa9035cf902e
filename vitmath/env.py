"""The environment variables the pipeline reads, in one place.

The render CLI sets the VITLESSONS_* inputs for each worker process (Manim's CLI builds the scene itself, so
the environment is the one channel that reaches a scene both ways); users may set WEIGHTS and CACHE.
"""
from __future__ import annotations

import os
from pathlib import Path

MODEL = "VITLESSONS_MODEL"              # a timm model name
WEIGHTS = "VITLESSONS_WEIGHTS"          # a local weights file for MODEL
IMAGE = "VITLESSONS_IMAGE"              # the photo to explain
VOICE = "VITLESSONS_VOICE"              # a narration voice spec
LANG = "VITLESSONS_LANG"                # the language a lesson is narrated and drawn in ("en", "es")
TIMELINE = "VITLESSONS_TIMELINE"        # where a scene writes its cue timeline (set by the render CLI)
ONLY_CUE = "VITLESSONS_ONLY_CUE"        # render only this cue (preview); the cues before it are skipped
SEGMENTS = "VITLESSONS_SEGMENTS"        # draw only these cue methods (JSON list of keys): one task of a render
KEPT = "VITLESSONS_KEPT"                # timelines whose cues a render may splice in (os.pathsep between them)
PICTURE_KEY = "VITLESSONS_PICTURE_KEY"  # hash of all a cue's picture depends on but its own words (set by the CLI)
CACHE = "VITLESSONS_CACHE"              # traces, analyses and speech; default ~/.cache/vitlessons
NARRATION_DIR = "VITLESSONS_NARRATION_DIR"  # an edited copy of the lesson scripts (tests use it)


def get(name: str) -> str | None:
    return os.environ.get(name) or None


def cache_dir() -> Path:
    return Path(get(CACHE) or Path.home() / ".cache" / "vitlessons")
