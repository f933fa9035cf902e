"""The `vitlessons` CLI: the course registry, and every bad input ending in one line and a non-zero exit."""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scenes import course
from render.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "render.cli"]


def run(*args, env=None, timeout=300):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*CLI, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0
    err = result.stderr.strip()
    assert "Traceback" not in err and "Traceback" not in result.stdout
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


def test_registry_lists_the_whole_course_in_order():
    assert len(course.LESSONS) == 15
    assert [lesson.number for lesson in course.LESSONS] == list(range(1, 16))
    phases = [lesson.id.split("-")[0] for lesson in course.LESSONS]
    assert phases == ["p1"] * 4 + ["p2"] * 5 + ["p3"] * 4 + ["p4", "faq"]
    assert sum(lesson.minutes for lesson in course.LESSONS if lesson.minutes) == 6 * 4 + 7 + 6 + 7 + 6 + 7 + 7 * 4 + 18
    sheet = course.BY_ID["p2-01-contact-sheet"]
    assert sheet.written and sheet.output_stem == "05-contact-sheet"
    assert sheet.scene_file == sheet.folder / "scene.py" and sheet.narration_file == sheet.folder / "script.toml"
    assert sheet.narration_file.exists()


def test_list_shows_every_lesson(tmp_path):
    r = run("list", "--out", str(tmp_path), "--voice", "silent")
    assert r.returncode == 0, r.stderr
    for lesson in course.LESSONS:
        assert lesson.id in r.stdout and lesson.title in r.stdout
    lines = {line.split()[1]: line for line in r.stdout.splitlines() if line[:2].strip().isdigit()}
    assert "never" in lines["p2-01-contact-sheet"]
    for lesson in course.LESSONS:
        assert ("not written" in lines[lesson.id]) == (not lesson.written)


UNWRITTEN = course.Lesson(16, "p9-99-unwritten", "Test", "A lesson nobody wrote yet", 1, "Unwritten")


@pytest.fixture
def with_unwritten(monkeypatch):
    """The registry plus one row whose scene and script do not exist (every real lesson may be written)."""
    monkeypatch.setattr(course, "LESSONS", [*course.LESSONS, UNWRITTEN])
    monkeypatch.setattr(course, "BY_ID", {**course.BY_ID, UNWRITTEN.id: UNWRITTEN})
    return CliRunner()


def test_an_unwritten_lesson_is_listed_as_such(with_unwritten, tmp_path):
    r = with_unwritten.invoke(main, ["list", "--out", str(tmp_path), "--voice", "silent"])
    assert r.exit_code == 0, r.output
    line = next(line for line in r.output.splitlines() if UNWRITTEN.id in line)
    assert "not written" in line


def test_unwritten_lesson_is_an_error_not_an_empty_video(with_unwritten, tmp_path):
    r = with_unwritten.invoke(main, ["render", UNWRITTEN.id, "--out", str(tmp_path), "--voice", "silent"])
    assert r.exit_code == 1 and f"{UNWRITTEN.id} has no scene yet" in r.output
    assert not list(tmp_path.rglob("*.mp4"))


def test_a_script_without_its_scene_stops_list_in_one_line(with_unwritten, tmp_path, monkeypatch):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copy(course.BY_ID["p2-01-contact-sheet"].narration_file, scripts / "p2-01-contact-sheet.toml")
    (scripts / f"{UNWRITTEN.id}.toml").write_text('[[cue]]\nid = "a"\ntext = "Words."\n')
    monkeypatch.setenv("VITLESSONS_NARRATION_DIR", str(scripts))
    r = with_unwritten.invoke(main, ["list", "--out", str(tmp_path / "out"), "--voice", "silent"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [f"error: {UNWRITTEN.id}: its script exists but its scene "
                                             f"{UNWRITTEN.scene_file.name} does not"]


def test_a_title_in_the_script_must_match_the_registry(tmp_path, monkeypatch):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copy(course.BY_ID["p2-01-contact-sheet"].narration_file, scripts / "p2-01-contact-sheet.toml")
    script = scripts / "p2-01-contact-sheet.toml"
    script.write_text('title = "Another title"\n' + script.read_text())
    monkeypatch.setenv("VITLESSONS_NARRATION_DIR", str(scripts))
    r = CliRunner().invoke(main, ["list", "--out", str(tmp_path / "out"), "--voice", "silent"])
    assert r.exit_code == 1 and "differs from the registry's" in r.output


def test_unknown_lesson_is_one_line(tmp_path):
    assert_one_line_error(run("render", "p9-99-nope", "--out", str(tmp_path)), "unknown lesson p9-99-nope")


def test_missing_photo_is_one_line(tmp_path):
    r = run("render", "p2-01-contact-sheet", "--image", str(tmp_path / "nope.png"), "--out", str(tmp_path))
    assert_one_line_error(r, "nope.png")


def test_corrupt_photo_is_one_line(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png")
    r = run("render", "p2-01-contact-sheet", "--image", str(bad), "--voice", "silent", "--out", str(tmp_path / "o"))
    assert_one_line_error(r, "bad.png")
    assert not list(tmp_path.rglob("*.mp4"))


def test_wrong_weights_file_is_one_line(tmp_path):
    bad = tmp_path / "w.safetensors"
    bad.write_bytes(b"definitely not safetensors")
    r = run("render", "p2-01-contact-sheet", "--weights", str(bad), "--voice", "silent", "--out", str(tmp_path / "o"))
    assert_one_line_error(r, "w.safetensors")


def test_unwritable_output_folder_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    r = run("render", "p2-01-contact-sheet", "--voice", "silent", "--out", str(blocker / "sub"))
    assert_one_line_error(r, "cannot write to output folder")


def test_missing_latex_is_one_line(tmp_path):
    # Only the venv's own tools on PATH: no latex, no dvisvgm.
    r = run("render", "p2-01-contact-sheet", "--voice", "silent", "--out", str(tmp_path),
            env={"PATH": str(Path(sys.executable).parent)})
    assert_one_line_error(r, "LaTeX is missing")


def test_unknown_voice_is_one_line(tmp_path):
    assert_one_line_error(run("list", "--voice", "kazoo", "--out", str(tmp_path)), "unknown voice 'kazoo'")


def test_a_second_render_on_the_same_folder_is_refused(tmp_path):
    (tmp_path / "high").mkdir()
    with open(tmp_path / ".vitlessons.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = run("render", "p2-01-contact-sheet", "--voice", "silent", "--out", str(tmp_path))
    assert_one_line_error(r, "is writing to")


def test_doctor_finds_everything_on_a_set_up_machine():
    r = run("doctor")
    assert r.returncode == 0, r.stdout + r.stderr
    for what in ("Cairo", "Pango", "LaTeX: latex", "LaTeX: dvisvgm", "Piper", "espeak-ng", "weights", "photo"):
        assert what in r.stdout


def test_doctor_names_what_is_missing_and_the_fix():
    r = run("doctor", env={"PATH": str(Path(sys.executable).parent)})
    assert r.returncode == 1
    assert "MISSING" in r.stdout and "apt-get install" in r.stdout and "dvisvgm" in r.stdout


def test_inspect_prints_dimensions_and_top5():
    r = run("inspect")
    assert r.returncode == 0, r.stderr
    assert "D=192" in r.stdout and "heads=3" in r.stdout and "depth=12" in r.stdout
    top1 = next(line for line in r.stdout.splitlines() if line.startswith("top-1"))
    assert "tiger cat" in top1 and 0.29 <= float(top1.split()[1]) <= 0.32
