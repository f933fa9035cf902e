"""A rendered lesson's narration timeline: when each cue starts, how long it speaks, and its clause times.

The scene writes it as it renders (scenes/common/narrated.py) and the render step reads it to mix the voice
and write captions (render/build.py). Times are in seconds from the start of the video and fall on whole
frames, so they are the times the picture really shows.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vitmath.files import write_text


@dataclass
class CueTiming:
    id: str
    start: float                   # seconds from the start of the video
    duration: float                # seconds of speech
    wav: str | None                # the cue's speech, None for the silent voice
    segments: list[tuple[float, float, str]] = field(default_factory=list)  # clause (start, end, text), cue-relative
    animations: list[str | None] = field(default_factory=list)  # Manim's hash of each play in the cue
    # What the next render needs to re-use this cue's picture unchanged (scenes/common/narrated.py): a hash of
    # the cue's words and speech, the place and name of the scene method that drew it, and the frames and
    # partial movie files from its first frame to the next cue's.
    signature: str = ""
    method: str = ""
    text: str = ""                 # the words spoken, as filled: publish and site read them, not the script
    chapter: str | None = None     # a chapter of the published video starts here
    frames: int = 0
    files: list[str] = field(default_factory=list)


@dataclass
class Timeline:
    lesson: str
    voice: str
    fps: int
    duration: float                # the video's length: every frame written
    cues: list[CueTiming] = field(default_factory=list)
    picture_key: str = ""          # LessonInputs.picture_key of the render that wrote it

    def placements(self) -> list[tuple[float, str]]:
        """(start, wav) of every audible cue, for the mixer."""
        return [(c.start, c.wav) for c in self.cues if c.wav]

    def captions(self) -> list[tuple[float, float, str]]:
        """(start, end, text) of every clause, in video time."""
        return [(c.start + s, c.start + e, t) for c in self.cues for s, e, t in c.segments]

    def write(self, path) -> None:
        write_text(path, json.dumps(asdict(self), indent=1))

    @classmethod
    def read(cls, path) -> "Timeline":
        data = json.loads(Path(path).read_text())
        cues = [CueTiming(**{**c, "segments": [tuple(s) for s in c["segments"]]}) for c in data.pop("cues")]
        return cls(**data, cues=cues)


def time_at(text: str, segments, offset: int) -> float:
    """When the voice reaches character `offset` of a cue's spoken `text`, in seconds from the cue's start.

    `segments` are the synthesiser's clauses (start, end, clause) in order, each a piece of `text`: inside
    its clause the time is interpolated by characters, which is as close as clause-level timings allow.
    """
    cursor = 0
    for start, end, clause in segments:
        at = text.find(clause, cursor)
        if at < 0:
            at = cursor
        if offset < at + len(clause):
            inside = max(0, offset - at) / max(1, len(clause))
            return start + inside * (end - start)
        cursor = at + len(clause)
    return segments[-1][1] if segments else 0.0


def clause_end(segments, t: float) -> float:
    """The end of the clause being spoken at `t` (or of the next one, in a pause between clauses)."""
    for _, end, _ in segments:
        if t < end - 1e-9:
            return end
    return segments[-1][1] if segments else t
