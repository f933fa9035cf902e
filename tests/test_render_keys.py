"""A lesson's render key is the code it runs: an edit anywhere in that code, and only there, makes it stale.

On a temporary copy of the project's code: each lesson is "rendered" (its key written into a manifest, as
`render` does), one file is edited, and `vitlessons list`'s states must name exactly the lessons that run
that file, with the file named. The static import closure is checked against Python's own: every project
module that importing a lesson's scene really loads is in its closure.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from render import build
from scenes import course
from scenes.common.inputs import LessonInputs
from vitmath import code_digest

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = [lesson for lesson in course.LESSONS if lesson.written]


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """The project's code (no assets) copied, every lesson marked rendered from its current key."""
    root = tmp_path / "tree"
    for package in code_digest.PACKAGES:
        shutil.copytree(ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", "assets", "site_files", "*.png"))
    monkeypatch.setattr(build, "ROOT", root)
    monkeypatch.setattr(course, "SCENES_DIR", root / "scenes")
    folder = build.OutputFolder(tmp_path / "out", "low")
    folder.prepare()
    inputs, voice = LessonInputs(voice="silent"), "silent"

    def parts(lesson):
        return build.key_parts(lesson, "low", inputs, voice, build.code_files(lesson, root))

    for lesson in WRITTEN:
        folder.record(lesson.id, {"parts": parts(lesson), "code files": build.code_files(lesson, root)})
        folder.video(lesson).write_bytes(b"")

    def stale():
        got = {}
        for lesson in WRITTEN:
            state = build.staleness(lesson, folder, parts(lesson))
            if state.state != "rendered":
                got[lesson.id] = state.why
        return got

    assert stale() == {}
    return root, stale


def users(root: Path, file: str) -> set[str]:
    return {lesson.id for lesson in WRITTEN if file in build.code_files(lesson, root)}


@pytest.mark.parametrize("file", ["vitmath/analyses.py", "vitmath/locality.py", "scenes/common/heatmaps.py",
                                  "vitmath/tracing.py", "scenes/p2_04_twelve_heads/facts.py"])
def test_an_edit_marks_exactly_the_lessons_that_run_the_file(copy, file):
    root, stale = copy
    expected = users(root, file)
    assert expected, f"no lesson runs {file}?"
    with open(root / file, "a") as f:
        f.write("\n# an edit\n")
    got = stale()
    assert set(got) == expected
    assert all(file in why for why in got.values()), got
    if file == "vitmath/tracing.py":
        assert expected == {lesson.id for lesson in WRITTEN}  # every lesson shows the trace
    else:
        assert expected != {lesson.id for lesson in WRITTEN}, f"{file} is not in every lesson"


def test_a_registry_title_marks_its_lesson_and_those_that_name_it(copy, monkeypatch):
    _, stale = copy
    target = course.BY_ID["p1-03-position-embeddings"]
    renamed = dataclasses.replace(target, title=target.title + " (edited)")
    monkeypatch.setattr(course, "LESSONS", [renamed if row.id == target.id else row for row in course.LESSONS])
    monkeypatch.setattr(course, "BY_ID", {row.id: row for row in course.LESSONS})
    got = {lesson_id for lesson_id, why in stale().items() if "course rows" in why}
    # Its own lesson, the lesson before it (whose closing card names it) and every lesson that cites it by id.
    mentions = {lesson.id for lesson in WRITTEN
                if target.id in "".join(p.read_text() for p in lesson.scene_file.parent.glob("*.*")
                                        if p.suffix in (".py", ".toml"))}
    assert got == {target.id, "p1-02-sixteen-words"} | mentions
    assert len(got) < len(WRITTEN)


def test_the_static_closure_holds_every_module_python_really_loads():
    """Import each lesson's scene in a fresh interpreter and compare the project modules it loads."""
    probe = (
        "import json, sys, importlib\n"
        "importlib.import_module(sys.argv[1])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{list(code_digest.PACKAGES)!r})))\n"
    )
    lessons = WRITTEN[:: max(1, len(WRITTEN) // 5)]  # five lessons spread over the course: a fresh Python each
    for lesson in lessons:
        out = subprocess.run([sys.executable, "-c", probe, lesson.scene_module], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
        loaded = set(json.loads(out.strip().splitlines()[-1]))
        static = set(code_digest.closure(lesson.scene_module))
        assert loaded <= static, f"{lesson.id}: loaded but not keyed: {sorted(loaded - static)}"


def test_no_version_is_hand_bumped():
    assert not (ROOT / "vitmath" / "_version.py").exists()
    text = (ROOT / "render" / "build.py").read_text() + (ROOT / "vitmath" / "sources.py").read_text()
    assert "PIPELINE_VERSION" not in text and "__version__" not in text


def test_the_speech_key_holds_the_code_that_shapes_a_sample_and_nothing_else():
    """Re-synthesising the course costs about an hour on two cores: the captions, the mix, the AAC and the
    script's parsing do not change a sample, so an edit to them must keep every cached voice."""
    speech = set(code_digest.closure("narration.synth"))
    assert {"narration.kokoro", "narration.voices", "narration.lexicon", "narration.audio"} <= speech
    assert not speech & {"narration.captions", "narration.mix", "narration.aac", "narration.script",
                         "vitmath.sources", "vitmath.cache"}


def test_imports_for_annotations_only_are_not_followed(tmp_path):
    package = tmp_path / "vitmath"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vitmath import b\n"
                                  "else:\n    from vitmath import c\n")
    for name in ("b", "c"):
        (package / f"{name}.py").write_text("")
    assert set(code_digest.closure("vitmath.a", root=tmp_path)) == {"vitmath", "vitmath.a", "vitmath.c"}
