"""The base class of every lesson: real tensors in, narration that paces the animation.

A lesson's `construct` is a sequence of

    with self.narrate("cue-id") as cue:
        self.play(SomeAnimation, run_time=cue.share(0.4))
        ...

`narrate` synthesises (or loads from cache) that cue's speech, starts it at the current time and, when the
block ends, waits out whatever speech is left. So an edited sentence stretches or shrinks its own stretch of
animation only, and the voice is never cut off.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from manim import config

import vitmath
from narration.script import load_script
from narration.synth import synthesize_cue
from narration.voices import get_voice
from scenes.common.inputs import LessonInputs
from scenes.common.pixel_image import FastImageScene
from scenes.common.style import BACKGROUND
from scenes.common.values import narration_values


@dataclass
class Cue:
    id: str
    start: float
    duration: float

    def share(self, fraction: float) -> float:
        """A run time that is this fraction of the cue's speech."""
        return max(fraction * self.duration, 1 / config.frame_rate)


class NarratedScene(FastImageScene):
    lesson_id: str = ""

    def setup(self):
        self.camera.background_color = BACKGROUND
        self.inputs = LessonInputs.from_env()
        self.trace = vitmath.cached_trace(self.inputs.model, self.inputs.weights, self.inputs.image)
        values = narration_values(self.trace) | self.extra_values()
        self.script = load_script(self.lesson_id).fill(values)
        self.voice = get_voice(self.inputs.voice)
        self.timeline: list[dict] = []

    def extra_values(self) -> dict[str, object]:
        """Lesson-specific narration values; each must come from a tensor."""
        return {}

    @contextmanager
    def narrate(self, cue_id: str):
        audio = synthesize_cue(self.script.cue(cue_id), self.voice)
        start = self.renderer.time
        # The render CLI mixes and normalises the whole track itself; a plain `manim` run gets Manim's mix.
        if audio.wav_path is not None and self.inputs.timeline is None:
            self.add_sound(str(audio.wav_path))
        cue = Cue(cue_id, start, audio.duration)
        yield cue
        left = start + audio.duration - self.renderer.time
        if left > 1e-3:
            self.wait(left)
        self.timeline.append({
            "id": cue_id,
            "start": start,
            "duration": audio.duration,
            "wav": str(audio.wav_path) if audio.wav_path else None,
            "segments": [list(s) for s in audio.segments],
        })
        self._report_progress()

    def _report_progress(self):
        if PROGRESS_HOOK is not None:
            PROGRESS_HOOK(self.lesson_id, self.renderer.time, len(self.timeline), len(self.script.cues))

    def tear_down(self):
        self.script.check_all_used([c["id"] for c in self.timeline])
        if self.inputs.timeline:
            path = Path(self.inputs.timeline)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({
                "lesson": self.lesson_id,
                "voice": self.inputs.voice,
                "duration": self.renderer.time,
                "cues": self.timeline,
            }, indent=1))
            os.replace(tmp, path)


# Set by the render CLI's worker to receive (lesson_id, seconds rendered, cues done, cues total).
PROGRESS_HOOK = None
