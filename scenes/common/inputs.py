"""What a lesson is rendered from, read from the environment.

The render CLI sets these variables for each worker; a plain `manim -ql scenes/<lesson>.py Scene` run uses
the defaults (the embedded ViT-Ti/16, the course photo, the Piper voice). Environment variables are the one
channel that reaches a scene both ways, since Manim's CLI instantiates the scene itself.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class LessonInputs:
    model: str | None = None     # a timm model name; None = the embedded default
    weights: str | None = None   # a local weights file
    image: str | None = None     # a photo; None = the course photo
    voice: str = "piper"         # a narration voice spec, see narration.voices
    timeline: str | None = None  # where the scene writes its cue timeline (set by the render CLI)

    @classmethod
    def from_env(cls) -> "LessonInputs":
        env = os.environ.get
        return cls(
            model=env("VITLESSONS_MODEL") or None,
            weights=env("VITLESSONS_WEIGHTS") or None,
            image=env("VITLESSONS_IMAGE") or None,
            voice=env("VITLESSONS_VOICE") or "piper",
            timeline=env("VITLESSONS_TIMELINE") or None,
        )

    def to_env(self) -> dict[str, str]:
        pairs = {
            "VITLESSONS_MODEL": self.model,
            "VITLESSONS_WEIGHTS": self.weights,
            "VITLESSONS_IMAGE": self.image,
            "VITLESSONS_VOICE": self.voice,
            "VITLESSONS_TIMELINE": self.timeline,
        }
        return {k: str(v) for k, v in pairs.items() if v}
