"""The course, in order: the one registry every command reads.

A lesson's row in `scenes/course.toml` is its identity: number (its place), id, phase, title, seed minutes
and scene class. Everything else of
the lesson lives in one folder, `scenes/<module>/`: `scene.py` defining `scene_class`, `script.toml` (every
word the viewer hears or reads) and, where it computes its own measures from the trace, `facts.py`. The scene
finds its own row (`lesson_of`), so nothing else repeats the id or the title. A lesson with no folder is "not
written"; `check` turns every other mismatch into one line before any render starts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENES_DIR = ROOT / "scenes"


@dataclass(frozen=True)
class Lesson:
    number: int          # position in the course, 1-based; names the output file
    id: str              # e.g. "p2-01-contact-sheet"
    phase: str
    title: str
    minutes: int | None  # the seed's planned length
    scene_class: str

    @property
    def slug(self) -> str:
        return self.id.split("-", 2)[2] if self.id.startswith("p") else self.id

    @property
    def output_stem(self) -> str:
        return f"{self.number:02d}-{self.slug}"

    @property
    def module(self) -> str:
        return self.id.replace("-", "_")

    @property
    def folder(self) -> Path:
        return SCENES_DIR / self.module

    @property
    def scene_file(self) -> Path:
        return self.folder / "scene.py"

    @property
    def scene_module(self) -> str:
        return f"scenes.{self.module}.scene"

    @property
    def narration_file(self) -> Path:
        return self.script_file("en")

    def script_file(self, lang: str) -> Path:
        """The lesson's script in `lang`: `script.toml` is the English source, `script.<lang>.toml` a
        translation with the same cues, marks, placeholders, screen words and choice keys."""
        from narration.script import script_override

        own = self.folder / ("script.toml" if lang == "en" else f"script.{lang}.toml")
        return script_override(self.id, lang) or own

    def languages(self) -> list[str]:
        """The languages the lesson has a script in, English first."""
        return ["en"] + sorted(p.suffixes[0][1:] for p in self.folder.glob("script.*.toml"))

    @property
    def written(self) -> bool:
        return self.scene_file.exists() or self.narration_file.exists()

    @property
    def next(self) -> "Lesson | None":
        return LESSONS[self.number] if self.number < len(LESSONS) else None


COURSE_FILE = SCENES_DIR / "course.toml"


def load_rows(path: Path = COURSE_FILE) -> list[Lesson]:
    """The registry rows of `course.toml`, numbered in order."""
    import tomllib

    from vitmath.errors import UserError

    try:
        rows = tomllib.loads(path.read_text(encoding="utf-8"))["lesson"]
        return [Lesson(i + 1, r["id"], r["phase"], r["title"], r.get("minutes"), r["scene_class"])
                for i, r in enumerate(rows)]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as e:
        raise UserError(f"the course registry {path} cannot be read: {e}") from None


LESSONS: list[Lesson] = load_rows()
BY_ID = {lesson.id: lesson for lesson in LESSONS}


def lesson_of(scene_class: type) -> Lesson:
    """The registry row of a Scene class, found by its module and class name."""
    from vitmath.errors import UserError

    # scenes.<module>.scene when imported, <module>.scene or scene.py's folder when Manim loads the file by path
    parts = scene_class.__module__.split(".")
    module = parts[-2] if parts[-1] == "scene" and len(parts) > 1 else parts[-1]
    for lesson in LESSONS:
        if lesson.module == module and lesson.scene_class == scene_class.__name__:
            return lesson
    raise UserError(f"scene {module}.{scene_class.__name__} is not in the course registry (scenes/course.py)")


def check(lesson: Lesson) -> None:
    """One-line UserError if a written lesson's files do not match its registry row."""
    from narration.script import load_script
    from vitmath.errors import UserError

    if not lesson.scene_file.exists():
        raise UserError(f"{lesson.id}: its script exists but its scene {lesson.scene_file.name} does not")
    if not lesson.narration_file.exists():
        raise UserError(f"{lesson.id}: its scene exists but its script {lesson.narration_file} does not")
    if not re.search(rf"^class {re.escape(lesson.scene_class)}\(", lesson.scene_file.read_text(), re.M):
        raise UserError(f"{lesson.id}: {lesson.scene_file.name} defines no class {lesson.scene_class} "
                        "(the registry's scene_class)")
    script = load_script(lesson.narration_file)
    if script.title and script.title != lesson.title:
        raise UserError(f"{lesson.id}: the script's title {script.title!r} differs from the registry's "
                        f"{lesson.title!r}; the title lives in scenes/course.toml, drop it from the script")
    script.check_choices(declared_choices(lesson))


def declared_choices(lesson: Lesson) -> dict[str, tuple[str, ...]]:
    """The `CHOICES = {placeholder: (key, ...)}` the lesson's scene and facts declare, read without importing
    them (listing the course must not cost a Manim or torch import)."""
    import ast

    declared = {}
    for path in (lesson.scene_file, lesson.folder / "facts.py"):
        if not path.is_file():
            continue
        for node in ast.parse(path.read_text()).body:
            if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CHOICES"
                                                     for t in node.targets)):
                declared.update({k: tuple(v) for k, v in ast.literal_eval(node.value).items()})
    return declared


def check_course() -> None:
    """`check` every written lesson, and refuse lesson-like scene files the registry does not know."""
    from vitmath.errors import UserError

    known = {lesson.module for lesson in LESSONS}
    strays = sorted(p.parent.name for p in SCENES_DIR.glob("*/scene.py") if p.parent.name not in known)
    if strays:
        raise UserError(f"scenes/{strays[0]}/ is not in the course registry (scenes/course.py)")
    for lesson in LESSONS:
        if lesson.written:
            check(lesson)


def find(lesson_ids: list[str] | tuple[str, ...]) -> list[Lesson]:
    """The named lessons in course order, or all of them; unknown ids are a UserError."""
    from vitmath.errors import UserError

    if not lesson_ids:
        return list(LESSONS)
    unknown = [i for i in lesson_ids if i not in BY_ID]
    if unknown:
        raise UserError(f"unknown lesson {', '.join(unknown)}; `vitlessons list` shows the ids")
    wanted = set(lesson_ids)
    return [lesson for lesson in LESSONS if lesson.id in wanted]
