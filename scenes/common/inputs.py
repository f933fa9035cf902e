"""What a lesson is rendered from, read from the environment.

The render CLI sets these variables for each worker; a plain `manim -ql scenes/<lesson>.py Scene` run uses
the defaults (the embedded ViT-Ti/16, the course photo, the Kokoro voice). Environment variables are the one
channel that reaches a scene both ways, since Manim's CLI instantiates the scene itself.
"""
from __future__ import annotations

from dataclasses import dataclass

from vitmath import env

# narration.voices.DEFAULT_SPEC, repeated so that reading the inputs does not import the audio stack
# (tests/test_kokoro.py checks the two agree).
DEFAULT_VOICE = "kokoro"


# The voice a language is narrated in unless one is chosen: Kokoro's voices for that language.
LANGUAGE_VOICES = {"en": DEFAULT_VOICE, "es": "kokoro:ef_dora"}


def default_voice(lang: str) -> str:
    return LANGUAGE_VOICES.get(lang, DEFAULT_VOICE)


@dataclass(frozen=True)
class LessonInputs:
    model: str | None = None     # a timm model name; None = the embedded default
    weights: str | None = None   # a local weights file
    image: str | None = None     # a photo; None = the course photo
    voice: str = DEFAULT_VOICE   # a narration voice spec, see narration.voices
    lang: str = "en"             # the language: its script (script.<lang>.toml), words and voice
    timeline: str | None = None  # where the scene writes its cue timeline (set by the render CLI)
    only_cue: str | None = None  # preview: render this cue alone, skipping the ones before it
    picture_key: str | None = None  # set by the render CLI: unchanged cues of the last render are re-used
    segments: str | None = None  # a render task: draw only these cue methods (JSON list of their keys)
    kept: str | None = None      # timelines to splice unchanged cues from (os.pathsep); default: `timeline`

    _NAMES = {"model": env.MODEL, "weights": env.WEIGHTS, "image": env.IMAGE, "voice": env.VOICE, "lang": env.LANG,
              "timeline": env.TIMELINE, "only_cue": env.ONLY_CUE,
              "picture_key": env.PICTURE_KEY, "segments": env.SEGMENTS, "kept": env.KEPT}

    @classmethod
    def from_env(cls) -> "LessonInputs":
        values = {field: env.get(name) for field, name in cls._NAMES.items()}
        lang = values["lang"] or "en"
        return cls(**{**values, "lang": lang, "voice": values["voice"] or default_voice(lang)})

    def to_env(self) -> dict[str, str]:
        return {name: str(getattr(self, field)) for field, name in self._NAMES.items() if getattr(self, field)}
