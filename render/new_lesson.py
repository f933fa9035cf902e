"""`vitlessons new ID`: a working three-cue lesson, rendered at once, to start writing from.

It writes the lesson's registry row (scenes/course.toml), its folder scenes/<module>/ (scene.py,
script.toml) and its test, from the templates in render/lesson_template/. Nothing is overwritten: an id
already in the course, or a file already there, is a one-line error before anything is written.
"""
from __future__ import annotations

import re
from pathlib import Path
from string import Template

from scenes import course
from vitmath.errors import UserError
from vitmath.files import write_text

TEMPLATES = Path(__file__).resolve().parent / "lesson_template"
ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


def class_name(lesson_id: str) -> str:
    """p5-01-my-lesson -> MyLesson (the phase prefix dropped when there is one)."""
    words = lesson_id.split("-")
    if re.fullmatch(r"p\d+", words[0]) and len(words) > 2 and words[1].isdigit():
        words = words[2:]
    return "".join(w.capitalize() for w in words)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_lesson(lesson_id: str, title: str, phase: str | None = None, minutes: int | None = None,
               root: Path | None = None) -> list[Path]:
    """Write the lesson; returns the files written."""
    root = Path(root) if root else course.ROOT
    if not ID.match(lesson_id):
        raise UserError(f"lesson id {lesson_id!r}: use lower-case words joined by '-', e.g. p5-01-my-lesson")
    if lesson_id in course.BY_ID:
        raise UserError(f"lesson {lesson_id} is already in the course (scenes/course.toml)")
    if not title.strip():
        raise UserError("a lesson needs a --title")
    phase = phase or course.LESSONS[-1].phase
    module = lesson_id.replace("-", "_")
    folder = root / "scenes" / module
    test = root / "tests" / f"test_lesson_{module}.py"
    for path in (folder, test):
        if path.exists():
            raise UserError(f"{path} exists already; choose another id or remove it")
    number = len(course.LESSONS) + 1
    fields = {"id": lesson_id, "module": module, "number": number, "title": title,
              "scene_class": class_name(lesson_id)}
    written = []
    for template, dest in (("scene.py.tmpl", folder / "scene.py"), ("script.toml.tmpl", folder / "script.toml"),
                           ("test.py.tmpl", test)):
        folder.mkdir(parents=True, exist_ok=True)
        write_text(dest, Template((TEMPLATES / template).read_text()).substitute(fields))
        written.append(dest)
    write_text(folder / "__init__.py", f'"""Lesson {number}: {title}. Its scene, facts and script live here."""\n')
    # The row last: until it is there, the half-made lesson is a stray folder `list` names, not a lesson.
    registry = root / "scenes" / "course.toml"
    row = ["", "[[lesson]]", f"id = {_toml_string(lesson_id)}", f"phase = {_toml_string(phase)}",
           f"title = {_toml_string(title)}"]
    if minutes:
        row.append(f"minutes = {int(minutes)}  # the seed's planned length")
    row.append(f"scene_class = {_toml_string(fields['scene_class'])}")
    write_text(registry, registry.read_text().rstrip("\n") + "\n" + "\n".join(row) + "\n")
    return [registry, folder / "__init__.py", *written]
