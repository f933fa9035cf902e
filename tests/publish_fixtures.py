"""Small stand-ins for rendered lessons: a synthetic video with narration-like audio, captions, a manifest.

Made with PyAV in well under a second, so the publish and site tests need no Manim render.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

SCRIPT = '''title = "{title}"

[[cue]]
id = "hook"
chapter = "Why patches"
text = "A photo is a grid of pixels, and a transformer reads a list."

[[cue]]
id = "photo"
chapter = "The photo"
text = "Here is the photo: {{photo_description}}."

[[cue]]
id = "grid"
text = "Draw a line every sixteen pixels."

[[cue]]
id = "order"
chapter = "Raster order"
text = "Number the patches row by row."
'''
CUES = [{"id": "hook", "start": 0.0, "duration": 11.0}, {"id": "photo", "start": 11.5, "duration": 8.0},
        {"id": "grid", "start": 20.0, "duration": 4.0}, {"id": "order", "start": 24.5, "duration": 10.0}]
DURATION = 36.0


@dataclass(frozen=True)
class FakeLesson:
    """What publish and site read from a course lesson (scenes.course.Lesson has the same fields)."""
    number: int
    id: str
    phase: str
    title: str
    minutes: int | None
    scene_class: str
    narration_file: Path

    @property
    def output_stem(self) -> str:
        return f"{self.number:02d}-{self.id.split('-', 2)[-1]}"


def make_video(path: Path, seconds: float = DURATION, fps: int = 15, size=(320, 180), mono: bool = True) -> None:
    """Moving colour bars over the course background, with a strip of noise (bits enough for a resumable
    upload of several chunks), and a quiet 220 Hz tone: a file from elsewhere, H.264 with libx264's default
    GOP and B-frames, and mono AAC, which publish must conform."""
    w, h = size
    rng = np.random.default_rng(0)
    with av.open(str(path), "w", format="mp4") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        a = c.add_stream("aac", rate=48_000, layout="mono" if mono else "stereo")
        t = np.arange(int(seconds * 48_000)) / 48_000
        tone = (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        samples = tone[:, None] if mono else np.repeat(tone[:, None], 2, axis=1)
        from narration.aac import encode_into

        encode_into(c, a, np.ascontiguousarray(samples), 48_000, "mono" if mono else "stereo")
        for i in range(int(seconds * fps)):
            img = np.full((h, w, 3), (14, 17, 22), np.uint8)
            x = (i * 4) % w
            img[h // 4: 3 * h // 4, x: x + w // 4] = (242, 165, 65)
            img[h // 3: 2 * h // 3, (w - x) % w: (w - x) % w + w // 5] = (93, 169, 233)
            img[-12:] = rng.integers(0, 255, (12, w, 3), dtype=np.uint8)
            for packet in v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(packet)
        for packet in v.encode(None):
            c.mux(packet)


def make_course(root: Path, quality: str = "low", n: int = 2) -> tuple[list[FakeLesson], Path]:
    """`n` rendered lessons in root/out/<quality>, with scripts in root/scripts; returns (lessons, out)."""
    scripts, out = root / "scripts", root / "out"
    folder = out / quality
    folder.mkdir(parents=True)
    scripts.mkdir()
    lessons, manifest = [], {}
    video = root / "source.mp4"
    make_video(video)
    phases = ["Phase 1 · Why Vision Became Sequence Modeling", "Phase 2 · Patch, Embed, Attend by Hand"]
    for k in range(n):
        lesson_id = f"p{k + 1}-01-lesson-{k + 1}"
        script = scripts / f"{lesson_id}.toml"
        title = f"Fixture lesson {k + 1}: slice the image"
        script.write_text(SCRIPT.format(title=title))
        lesson = FakeLesson(k + 1, lesson_id, phases[k % 2], title, 5, "Scene", script)
        stem = lesson.output_stem
        (folder / f"{stem}.mp4").write_bytes(video.read_bytes())
        (folder / f"{stem}.srt").write_text("1\n00:00:00,000 --> 00:00:03,000\nA photo is a grid of pixels.\n")
        (folder / f"{stem}.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nA photo is a grid of pixels.\n")
        manifest[lesson_id] = {"video": f"{stem}.mp4", "captions": [f"{stem}.srt", f"{stem}.vtt"],
                               "title": title, "key": f"key-{k}", "duration": DURATION, "cues": CUES,
                               "inputs": {"model": None, "weights": None, "image": None, "voice": "piper"}}
        lessons.append(lesson)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return lessons, out
