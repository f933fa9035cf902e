"""The model lesson rendered for real through the CLI at low quality, then checked as a viewer's player would.

One module-scoped render with the Piper voice feeds most tests; later tests re-run the CLI on the same
output folder to check skipping, re-rendering after a narration edit; the silent voice is checked on the tiny course (test_readme_promises.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import srt
import webvtt

from narration.mix import measure
from narration.script import MARK, load_script
from narration.timeline import Timeline
from scenes.course import BY_ID

ROOT = Path(__file__).resolve().parent.parent
LESSON = "p2-01-contact-sheet"
STEM = "05-contact-sheet"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("lesson")
    narration = base / "narration"
    # An editable copy of the lesson's script; the other lessons keep reading their own.
    narration.mkdir()
    shutil.copy(BY_ID[LESSON].narration_file, narration / f"{LESSON}.toml")
    return {
        **os.environ,
        "VITLESSONS_CACHE": str(base / "cache"),        # real synthesis and tracing, no warm cache
        "VITLESSONS_NARRATION_DIR": str(narration),     # an editable copy of the script
        "OUT": str(base / "out"),
    }


def cli(env, *args, **kw):
    return subprocess.run([sys.executable, "-m", "render.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, **kw)


@pytest.fixture(scope="module")
def rendered(env):
    r = cli(env, "render", LESSON, "--quality", "low", "--voice", "piper", "--out", env["OUT"], timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    folder = Path(env["OUT"]) / "low"
    return folder / f"{STEM}.mp4"


def manifest(video: Path) -> dict:
    return json.loads((video.parent / "manifest.json").read_text())[LESSON]


def test_video_has_picture_and_sound_at_the_expected_size(rendered):
    with av.open(str(rendered)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert (v.codec_context.width, v.codec_context.height) == (854, 480)
        assert abs(float(v.average_rate) - 15) < 0.01
        assert a.codec_context.name == "aac" and a.codec_context.sample_rate == 48000
        duration = c.duration / av.time_base
    assert duration >= 210, "the lesson must run at least 3.5 minutes"


def test_frames_really_show_the_lesson(rendered):
    """Frames across the lesson are drawn (not blank) and change; the photo's colours appear early on."""
    m = manifest(rendered)
    with av.open(str(rendered)) as c:
        frames = [f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i % 150 == 0]
    assert len(frames) >= 20
    busy = [f.std() > 10 for f in frames]
    assert sum(busy) >= 0.8 * len(frames)
    assert len({hashlib.md5(f.tobytes()).hexdigest() for f in frames}) >= 0.8 * len(frames)
    # The astronaut's orange suit: strongly orange pixels are on screen while the photo is shown.
    photo_frame = frames[3]
    r, g, b = (photo_frame[..., k].astype(int) for k in range(3))
    assert ((r > 180) & (g > 60) & (g < 140) & (b < 80)).mean() > 0.01
    assert m["cues"][0]["id"] == "hook" and m["cues"][-1]["id"] == "recap"


def test_the_render_is_the_upload_publish_copies_it(rendered, tmp_path):
    """Encoded once: the rendered MP4 already meets the platform's settings (H.264 High, the GOP, two
    B-frames, moov first, AAC-LC stereo 48 kHz), so publish copies it byte for byte."""
    from render import platform

    info = platform.probe(rendered)
    assert platform.problems(info) == []
    assert info["audio_channels"] == 2 and info["video_bitrate"] <= platform.target_bitrate(480, 15)
    done = platform.conform(rendered, tmp_path / "upload.mp4")
    assert done == {"video": "copied", "audio": "copied", "because": []}
    assert sha(tmp_path / "upload.mp4") == sha(rendered)


def test_loudness_is_normalised_in_the_published_file(rendered):
    lufs, peak = measure(rendered)
    assert abs(lufs + 14) <= 1.0
    assert peak <= -1.0


def test_captions_cover_the_narration_in_order(rendered, env):
    subs = list(srt.parse((rendered.with_suffix(".srt")).read_text()))
    vtt = list(webvtt.read(str(rendered.with_suffix(".vtt"))))
    assert len(subs) == len(vtt) > 50
    with av.open(str(rendered)) as c:
        duration = c.duration / av.time_base
    for a, b in zip(subs, subs[1:]):
        assert a.end <= b.start, f"captions {a.index} and {b.index} overlap"
    for s in subs:
        lines = s.content.splitlines()
        assert 1 <= len(lines) <= 2 and all(len(line) <= 42 for line in lines), s.content
        assert s.start < s.end
    assert subs[0].start.total_seconds() < 1.0
    assert subs[-1].end.total_seconds() <= duration + 0.05
    # Every spoken word is captioned, in order: the script's words are the captions' words.
    os.environ["VITLESSONS_NARRATION_DIR"] = env["VITLESSONS_NARRATION_DIR"]
    try:
        script_words = " ".join(MARK.sub("", c.text) for c in load_script(BY_ID[LESSON].narration_file).cues)  # marks are silent
    finally:
        del os.environ["VITLESSONS_NARRATION_DIR"]
    captions = " ".join(" ".join(s.content.split()) for s in subs)
    # The script with each {placeholder} standing for some words: the captions must be exactly that text.
    pattern = "".join(".+?" if part.startswith("{") else re.escape(part)
                      for part in re.split(r"(\{[a-z_0-9]+\})", script_words))
    assert re.fullmatch(pattern, captions), "captions drop, add or reorder words"
    assert "{" not in captions, "an unfilled placeholder reached the captions"


def test_captions_follow_the_audio(rendered):
    """A caption's span holds speech: the audio under captions is much louder than outside them."""
    subs = list(srt.parse(rendered.with_suffix(".srt").read_text()))
    with av.open(str(rendered)) as c:
        samples = np.concatenate([f.to_ndarray().mean(axis=0) for f in c.decode(audio=0)])
    rate = 48000
    inside = np.zeros(len(samples), bool)
    for s in subs:
        inside[int(s.start.total_seconds() * rate):int(s.end.total_seconds() * rate)] = True
    rms_in = np.sqrt(np.mean(samples[inside] ** 2))
    outside = samples[~inside]
    rms_out = np.sqrt(np.mean(outside ** 2)) if outside.size else 0.0
    assert rms_in > 4 * rms_out
    assert inside.mean() > 0.6


def test_manifest_records_inputs(rendered):
    m = manifest(rendered)
    assert m["video"] == f"{STEM}.mp4" and m["parts"]["quality"] == "low" and m["parts"]["voice"].startswith("piper")
    assert abs(m["loudness"]["measured_lufs"] + 14) <= 1.0


def test_second_run_renders_nothing(rendered, env):
    before = (sha(rendered), rendered.stat().st_mtime_ns)
    r = cli(env, "render", LESSON, "--quality", "low", "--voice", "piper", "--out", env["OUT"], timeout=600)
    assert r.returncode == 0, r.stderr
    assert "up to date" in r.stderr
    assert (sha(rendered), rendered.stat().st_mtime_ns) == before
    listed = cli(env, "list", "--quality", "low", "--voice", "piper", "--out", env["OUT"])
    assert re.search(rf"{LESSON}\s+\d+ min\s+rendered", listed.stdout), listed.stdout


def test_preview_frame_writes_a_png(rendered, env):
    r = cli(env, "preview", LESSON, "--frame", "30", "--voice", "piper", "--out", env["OUT"], timeout=600)
    assert r.returncode == 0, r.stderr
    png = Path(r.stdout.strip().splitlines()[-1])
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (854, 480)
        assert np.asarray(im).std() > 10


# Interruption is tested on the tiny course, in test_readme_promises.py: there the render is interrupted at a
# deterministic point (its .part file written, not yet renamed), which a long lesson cannot offer cheaply.


def test_editing_one_cue_rerenders_only_that_cue(rendered, env):
    script = Path(env["VITLESSONS_NARRATION_DIR"]) / f"{LESSON}.toml"
    text = script.read_text()
    edited = text.replace("stack the rows in raster order.", "stack the rows, one under another, in raster order.")
    assert edited != text
    script.write_text(edited)
    listed = cli(env, "list", "--quality", "low", "--voice", "piper", "--out", env["OUT"])
    assert re.search(rf"{LESSON}.*out of date \(changed: narration\)", listed.stdout), listed.stdout
    others = [line for line in listed.stdout.splitlines() if line[:2].strip().isdigit() and LESSON not in line]
    assert others and not any("out of date" in line for line in others)

    work = Path(env["OUT"]) / ".work" / "low" / LESSON
    partials_before = {p.name for p in work.rglob("partial_movie_files/**/*.mp4")}
    before = rendered.stat().st_mtime_ns
    old_timeline = Timeline.read(work / "timeline.json")
    old_video = Path(env["OUT"]).parent / "before-edit.mp4"
    shutil.copyfile(rendered, old_video)
    r = cli(env, "render", LESSON, "--quality", "low", "--voice", "piper", "--out", env["OUT"], timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    assert rendered.stat().st_mtime_ns != before
    partials_after = {p.name for p in work.rglob("partial_movie_files/**/*.mp4")}
    new = {name.removesuffix(".mp4") for name in partials_after - partials_before}
    timeline = Timeline.read(work / "timeline.json")
    edited = next(c for c in timeline.cues if c.id == "matrix")
    # Only the edited cue's animations are new: every other cue kept its frames and its cache hashes.
    assert new and new <= set(edited.animations), sorted(new - set(edited.animations))[:5]
    # And voice and picture stay in sync: the video is as long as the timeline, to the frame.
    fps = 15
    with av.open(str(rendered)) as c:
        frames = c.streams.video[0].frames
    assert abs(frames / fps - timeline.duration) <= 1 / fps + 1e-9, (frames / fps, timeline.duration)
    starts = {round(c.start * fps) for c in timeline.cues}
    assert all(abs(c.start * fps - round(c.start * fps)) < 1e-6 for c in timeline.cues), "cue starts off the frame grid"
    subs = list(srt.parse(rendered.with_suffix(".srt").read_text()))
    firsts = [next(s for s in subs if s.start.total_seconds() >= c.start - 1e-3) for c in timeline.cues]
    assert all(abs(s.start.total_seconds() - c.start - c.segments[0][0]) <= 1 / fps
               for s, c in zip(firsts, timeline.cues)), "a cue's first caption is off its audio"
    assert len(starts) == len(timeline.cues)

    # Every other cue was spliced in whole from the last render (its code not even run): same partial movies,
    # and the same frames as before, later by the edit's change in length after the edited cue.
    old_cues = {c.id: c for c in old_timeline.cues}
    for c in timeline.cues:
        if c.id != "matrix":
            assert c.files == old_cues[c.id].files and c.frames == old_cues[c.id].frames, c.id
    shift = round((timeline.duration - old_timeline.duration) * fps)
    assert shift > 0, "the added words must lengthen the edited cue"
    old_at, new_at = {}, {}
    for c in timeline.cues:
        if c.id != "matrix":
            o = old_cues[c.id]
            old_at[c.id] = round(o.start * fps) + o.frames // 2
            new_at[c.id] = round(c.start * fps) + c.frames // 2
            assert new_at[c.id] - old_at[c.id] == (shift if c.start > edited.start else 0), c.id
    old_frames, new_frames = _frames(old_video, set(old_at.values())), _frames(rendered, set(new_at.values()))
    for cue_id in old_at:
        assert np.array_equal(old_frames[old_at[cue_id]], new_frames[new_at[cue_id]]), f"{cue_id}: another picture"


def _frames(video: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    with av.open(str(video)) as c:
        return {i: f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i in wanted}


@pytest.mark.parametrize("edit, named", [
    (lambda t: t.replace("Do the same for every patch", "Do the same for every {patch_budget}"), "patch_budget"),
    (lambda t: t + '\n[[cue]]\nid = "orphan"\ntext = "Nobody plays this line."\n', "orphan"),
], ids=["placeholder-without-value", "cue-never-used"])
def test_a_script_error_stops_the_render_and_keeps_the_good_video(rendered, env, edit, named):
    good = sha(rendered)
    script = Path(env["VITLESSONS_NARRATION_DIR"]) / f"{LESSON}.toml"
    original = script.read_text()
    script.write_text(edit(original))
    try:
        r = cli(env, "render", LESSON, "--quality", "low", "--voice", "piper", "--out", env["OUT"], timeout=1800)
    finally:
        script.write_text(original)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert named in r.stderr.strip().splitlines()[-1]
    assert sha(rendered) == good
