"""Lesson scripts: one TOML file per lesson holding every word a viewer hears or reads.

    [screen]                       # words drawn on screen in any cue of the lesson
    next = "Next: {next_title}"

    [[cue]]
    id = "grid"
    chapter = "Cut the grid"       # a chapter of the published video starts here
    text = "Cut the photo into a grid {@grid} of {num_patches} patches, {density}."
    [cue.screen]                   # words drawn on screen in this cue only
    heading = "One patch: {P} × {P} px"

    [choice.density]               # the scene picks a key from what the tensors show; the words are here
    coarse = "a coarse grid"
    fine = "a fine grid"

A script is data a writer (or a translator) edits. `{name}` is filled from values the scene computes from
the model's tensors, so what the narrator says always matches what is on screen; a value that is a
`Choice` is filled with the words its key names in `[choice.name]`. `{@mark}` says nothing and is not
captioned: it marks the moment the voice reaches the word after it, where the scene starts an animation
(`cue.until("grid")` in scenes/common/narrated.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import tomllib

from vitmath import env
from vitmath.errors import UserError


def script_override(lesson_id: str, lang: str = "en") -> Path | None:
    """An edited copy of a lesson's script, `<VITLESSONS_NARRATION_DIR>/<lesson-id>.toml` (a translation:
    `<lesson-id>.<lang>.toml`), where one exists: how tests and the edit benchmark change words without
    touching the lesson's own scripts."""
    folder = env.get(env.NARRATION_DIR)
    name = f"{lesson_id}.toml" if lang == "en" else f"{lesson_id}.{lang}.toml"
    path = Path(folder) / name if folder else None
    return path if path is not None and path.is_file() else None


# Only `{identifier}` counts as a placeholder, so other braces in prose are left alone.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A mark and the space after it: removed from what is spoken, so "grid {@g} of" is said "grid of".
MARK = re.compile(r"\{@([A-Za-z_][A-Za-z0-9_]*)\}\s*")


@dataclass(frozen=True)
class Choice:
    """A value the scene gives for a placeholder whose words the script chooses: `[choice.<name>]` maps
    each key to a sentence, itself filled from the scene's values (and from `extra`, values of this choice)."""
    key: str
    extra: dict = field(default_factory=dict)

    def __init__(self, key: str, **extra):
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "extra", extra)


@dataclass(frozen=True)
class Cue:
    id: str
    text: str
    chapter: str | None = None  # a chapter of the published video starts at this cue
    screen: dict = field(default_factory=dict)  # name -> words drawn on screen during this cue
    marks: dict = field(default_factory=dict)   # mark name -> character offset in `text` (after filling)


@dataclass(frozen=True)
class Script:
    title: str
    cues: list[Cue]
    source: str = ""
    screen: dict = field(default_factory=dict)   # name -> words drawn on screen in any cue
    choices: dict = field(default_factory=dict)  # placeholder name -> {key: words}
    values: dict = field(default_factory=dict)   # what `fill` was given: screen words are filled from it too
    chosen: frozenset = frozenset()              # (placeholder, key) pairs `fill` and `words` used

    def cue(self, cue_id: str) -> Cue:
        for cue in self.cues:
            if cue.id == cue_id:
                return cue
        raise UserError(f"{self._where()}: no cue with id '{cue_id}' (known: {', '.join(c.id for c in self.cues)})")

    def placeholders(self) -> set[str]:
        return {name for cue in self.cues for name in PLACEHOLDER.findall(cue.text)}

    def fill(self, values: dict) -> Script:
        """A copy with every `{name}` of the narration replaced by its value and every `{@mark}` taken out
        (its place kept in `Cue.marks`). Screen words are filled when drawn (`words`), from the same values."""
        chosen: set = set()
        filled = []
        for cue in self.cues:
            where = f"cue '{cue.id}'"
            text = self._fill_text(cue.text, values, where, chosen)
            marks, spoken, last = {}, [], 0
            for m in MARK.finditer(text):
                spoken.append(text[last:m.start()])
                name = m.group(1)
                if name in marks:
                    raise UserError(f"{self._where()}: {where} has the mark {{@{name}}} twice")
                marks[name] = len("".join(spoken))
                last = m.end()
            spoken.append(text[last:])
            filled.append(replace(cue, text="".join(spoken).strip(), marks=marks))
        return replace(self, cues=filled, values=dict(values), chosen=frozenset(chosen))

    def words(self, cue_id: str | None, name: str, /, **more) -> str:
        """The on-screen words `name`: the cue's `[cue.screen]` first, then the lesson's `[screen]`, filled
        from the values `fill` was given and `more` (values only this drawing has, e.g. a row's number)."""
        table = self.cue(cue_id).screen if cue_id is not None else {}
        text = table.get(name, self.screen.get(name))
        if text is None:
            where = f"cue '{cue_id}'" if cue_id else "the lesson"
            raise UserError(f"{self._where()}: no screen words '{name}' for {where} (add {name} = \"...\" to "
                            f"{'[cue.screen] of that cue' if cue_id else '[screen]'} or [screen])")
        chosen: set = set()
        out = self._fill_text(text, {**self.values, **more}, f"screen words '{name}'", chosen)
        object.__setattr__(self, "chosen", self.chosen | chosen)
        return out

    def _fill_text(self, text: str, values: dict, where: str, chosen: set, depth: int = 0) -> str:
        def value(m):
            name = m.group(1)
            if name not in values:
                raise UserError(f"{self._where()}: {where} uses {{{name}}} but the scene gave no value for it")
            v = values[name]
            if isinstance(v, Choice):
                options = self.choices.get(name)
                if options is None:
                    raise UserError(f"{self._where()}: {where} uses {{{name}}}, a choice, but the script has no "
                                    f"[choice.{name}] table")
                if v.key not in options:
                    raise UserError(f"{self._where()}: [choice.{name}] has no key '{v.key}' (it has: "
                                    f"{', '.join(options)})")
                chosen.add((name, v.key))
                if depth > 8:
                    raise UserError(f"{self._where()}: [choice.{name}] fills itself")
                return self._fill_text(options[v.key], {**values, **v.extra}, f"[choice.{name}] {v.key}",
                                       chosen, depth + 1)
            return str(v)

        return PLACEHOLDER.sub(value, text)

    def check_all_used(self, used_ids) -> None:
        """A cue the scene never plays is almost always a typo in an id, so it is an error."""
        used = set(used_ids)
        unused = [c.id for c in self.cues if c.id not in used]
        if unused:
            raise UserError(f"{self._where()}: cue(s) never used by the scene: {', '.join(unused)}")

    def check_choices(self, declared: dict[str, tuple[str, ...]]) -> None:
        """The scene's declared choices (`CHOICES`) and the script's [choice.*] tables name the same keys:
        a key only the script has can never be said, a key only the scene has has no words."""
        for name in sorted(set(declared) | set(self.choices)):
            keys, words = set(declared.get(name, ())), set(self.choices.get(name, {}))
            if keys - words:
                raise UserError(f"{self._where()}: [choice.{name}] has no words for "
                                f"{', '.join(sorted(keys - words))}, which the scene may choose")
            if words - keys:
                raise UserError(f"{self._where()}: [choice.{name}] key {', '.join(sorted(words - keys))} is one "
                                "the scene never chooses (its CHOICES do not list it)")

    def _where(self) -> str:
        return f"script {self.source}" if self.source else "script"


def load_script(lesson_id_or_path) -> Script:
    """Load a .toml script given by path (a lesson's is `Lesson.narration_file`), or an edited copy by id."""
    path = _find(lesson_id_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"script {path}: not valid TOML: {e}") from None
    except OSError as e:
        raise UserError(f"script {path}: cannot read: {e.strerror}") from None

    # The lesson's title lives in its registry row (scenes/course.py); a title here must match it.
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
        screen = _words_table(raw.get("screen", {}), f"script {path}: [cue.screen] of cue '{cue_id}'")
        # TOML multi-line strings keep line breaks; narration is prose, so fold them to spaces.
        cues.append(Cue(cue_id, " ".join(text.split()), " ".join(chapter.split()) if chapter else None, screen))
    screen = _words_table(data.get("screen", {}), f"script {path}: [screen]")
    raw_choices = data.get("choice", {})
    if not isinstance(raw_choices, dict):
        raise UserError(f"script {path}: 'choice' must be tables [choice.NAME] of key = \"words\"")
    choices = {name: _words_table(table, f"script {path}: [choice.{name}]", fold=True)
               for name, table in raw_choices.items()}
    return Script(title=title, cues=cues, source=str(path), screen=screen, choices=choices)


def _words_table(table, where: str, fold: bool = False) -> dict[str, str]:
    """A table of name = "words". Spoken words (choices) fold line breaks; screen words keep them: a label
    may be meant to take two lines."""
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise UserError(f"{where} must hold only name = \"words\" entries")
    return {k: " ".join(v.split()) if fold else v.strip("\n") for k, v in table.items()}


def _find(lesson_id_or_path) -> Path:
    given = Path(lesson_id_or_path)
    if given.suffix == ".toml" or given.parent != Path("."):
        if given.is_file():
            return given
        raise UserError(f"narration script not found: {given}")
    # A bare id finds only an edited copy; a lesson's own script is found by its registry row (Lesson.narration_file).
    candidate = script_override(given.name) or Path(f"{given.name}.toml")
    if candidate.is_file():
        return candidate
    raise UserError(f"no narration script for lesson '{given}' (looked for {candidate})")
