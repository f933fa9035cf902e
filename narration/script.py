"""Lesson scripts: one TOML file per lesson, an ordered list of cues.

A script is data a non-programmer edits. Its `{placeholders}` are filled from numbers the scene
computes from the model's tensors, so what the narrator says always matches what is on screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import tomllib

from vitmath import env
from vitmath.errors import UserError

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"


def scripts_dir() -> Path:
    """Where lesson scripts live; VITLESSONS_NARRATION_DIR points at an edited copy (tests use it)."""
    return Path(env.get(env.NARRATION_DIR) or SCRIPTS_DIR)

# Only `{identifier}` counts as a placeholder, so other braces in prose are left alone.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Cue:
    id: str
    text: str
    chapter: str | None = None  # a chapter of the published video starts at this cue


@dataclass(frozen=True)
class Script:
    title: str
    cues: list[Cue]
    source: str = ""

    def cue(self, cue_id: str) -> Cue:
        for cue in self.cues:
            if cue.id == cue_id:
                return cue
        raise UserError(f"{self._where()}: no cue with id '{cue_id}' (known: {', '.join(c.id for c in self.cues)})")

    def placeholders(self) -> set[str]:
        return {name for cue in self.cues for name in PLACEHOLDER.findall(cue.text)}

    def fill(self, values: dict) -> Script:
        """A copy with every `{name}` replaced by `str(values[name])`."""
        filled = []
        for cue in self.cues:
            for name in PLACEHOLDER.findall(cue.text):
                if name not in values:
                    raise UserError(f"{self._where()}: cue '{cue.id}' uses {{{name}}} but the scene gave no value for it")
            text = PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), cue.text)
            filled.append(replace(cue, text=text))
        return replace(self, cues=filled)

    def check_all_used(self, used_ids) -> None:
        """A cue the scene never plays is almost always a typo in an id, so it is an error."""
        used = set(used_ids)
        unused = [c.id for c in self.cues if c.id not in used]
        if unused:
            raise UserError(f"{self._where()}: cue(s) never used by the scene: {', '.join(unused)}")

    def _where(self) -> str:
        return f"script {self.source}" if self.source else "script"


def load_script(lesson_id_or_path) -> Script:
    """Load `narration/<lesson-id>.toml`, or a .toml file given by path."""
    path = _find(lesson_id_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"script {path}: not valid TOML: {e}") from None
    except OSError as e:
        raise UserError(f"script {path}: cannot read: {e.strerror}") from None

    # The lesson's title lives in its registry row (render/course.py); a title here must match it.
    title = data.get("title", "")
    if not isinstance(title, str):
        raise UserError(f"script {path}: 'title' must be text")
    raw_cues = data.get("cue", [])
    if not isinstance(raw_cues, list) or not raw_cues:
        raise UserError(f"script {path}: no cues (add [[cue]] tables with id and text)")

    cues, seen = [], set()
    for n, raw in enumerate(raw_cues, 1):
        cue_id, text = raw.get("id"), raw.get("text")
        if not isinstance(cue_id, str) or not cue_id.strip():
            raise UserError(f"script {path}: cue number {n} has no id")
        if not isinstance(text, str) or not text.strip():
            raise UserError(f"script {path}: cue '{cue_id}' has no text")
        if cue_id in seen:
            raise UserError(f"script {path}: cue id '{cue_id}' is used twice")
        seen.add(cue_id)
        chapter = raw.get("chapter")
        if chapter is not None and (not isinstance(chapter, str) or not chapter.strip()):
            raise UserError(f"script {path}: cue '{cue_id}' has a chapter that is not a short text")
        # TOML multi-line strings keep line breaks; narration is prose, so fold them to spaces.
        cues.append(Cue(cue_id, " ".join(text.split()), " ".join(chapter.split()) if chapter else None))
    return Script(title=title, cues=cues, source=str(path))


def _find(lesson_id_or_path) -> Path:
    given = Path(lesson_id_or_path)
    if given.suffix == ".toml" or given.parent != Path("."):
        if given.is_file():
            return given
        raise UserError(f"narration script not found: {given}")
    candidate = scripts_dir() / f"{given.name}.toml"
    if candidate.is_file():
        return candidate
    raise UserError(f"no narration script for lesson '{given}' (looked for {candidate})")
