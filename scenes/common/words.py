"""The kit's own words (scenes/common/words.toml), so a writer or translator edits TOML, not Python.

A lesson is drawn in one language: the scene sets it once (`use_language`) before it builds anything, and
every piece of the kit then draws that language's words (`words.<lang>.toml`, and the course's titles from
`scenes/course.<lang>.toml`); numbers are written the language's way (`number_words`). English is the
source: `words.toml` and `scenes/course.toml`.
"""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from narration.script import PLACEHOLDER
from vitmath.errors import UserError

WORDS_FILE = Path(__file__).with_name("words.toml")
COURSE_DIR = Path(__file__).parent.parent
SOURCE_LANGUAGE = "en"

_language = SOURCE_LANGUAGE


def use_language(lang: str) -> None:
    """Draw and write numbers in `lang` from now on, in this process (one lesson renders in one language)."""
    global _language
    _table(lang)  # a language without its words is one clear error, before anything is drawn
    course_table(lang)
    _language = lang


def language() -> str:
    return _language


def words_file(lang: str) -> Path:
    return WORDS_FILE if lang == SOURCE_LANGUAGE else WORDS_FILE.with_name(f"words.{lang}.toml")


def _read(path: Path, what: str, lang: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no {what} for language '{lang}' ({path} is missing)") from None
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UserError(f"{what} {path} cannot be read: {e}") from None


@cache
def _table(lang: str = SOURCE_LANGUAGE) -> dict:
    return _read(words_file(lang), "kit words", lang)


@cache
def course_table(lang: str) -> dict:
    """`scenes/course.<lang>.toml`: the course's titles ([titles], by lesson id) and phases ([phases], by
    English phase) in `lang`; empty for English, whose titles are the registry's own."""
    if lang == SOURCE_LANGUAGE:
        return {}
    return _read(COURSE_DIR / f"course.{lang}.toml", "course titles", lang)


def _fill(name: str, text: str, values: dict, lang: str | None = None) -> str:
    def fill(m):
        if m.group(1) not in values:
            raise UserError(f"{words_file(lang or _language)}: '{name}' uses {{{m.group(1)}}}, which its piece does not give")
        return str(values[m.group(1)])

    return PLACEHOLDER.sub(fill, text)


def kit_text(name: str, /, **values) -> str:
    """The words `name` in the lesson's language, with their {placeholders} filled from `values`."""
    text = _table(_language).get(name)
    if not isinstance(text, str):
        raise UserError(f"{words_file(_language)}: no words '{name}'")
    return _fill(name, text, values)


def publish_text(name: str, lang: str, /, **values):
    """The platform's words `name` (the `[publish]` table) in `lang`: a string filled from `values`, or a
    list (the tags) as it is."""
    text = _table(lang).get("publish", {}).get(name)
    if text is None:
        raise UserError(f"{words_file(lang)}: [publish] has no '{name}'")
    return text if isinstance(text, list) else _fill(name, text, values, lang)


def number_words() -> dict[str, str]:
    """How the lesson's language writes and says numbers: the `[numbers]` table."""
    table = _table(_language).get("numbers")
    if not isinstance(table, dict):
        raise UserError(f"{words_file(_language)}: no [numbers] table")
    return table


def number_text(name: str, /, **values) -> str:
    text = number_words().get(name)
    if text is None:
        raise UserError(f"{words_file(_language)}: [numbers] has no '{name}'")
    return _fill(name, text, values)


def lesson_title(row, lang: str | None = None) -> str:
    """A registry row's title in `lang` (default: the lesson's language)."""
    return _translated(row.title, "titles", row.id, lang or _language)


def lesson_phase(row, lang: str | None = None) -> str:
    return _translated(row.phase, "phases", row.phase, lang or _language)


def _translated(english: str, table: str, key: str, lang: str) -> str:
    if lang == SOURCE_LANGUAGE:
        return english
    words = course_table(lang).get(table, {}).get(key)
    if words is None:
        raise UserError(f"scenes/course.{lang}.toml: no entry for '{key}' under [{table}]")
    return words


def language_name(lang: str) -> str:
    """The language's own name ("English", "Español"): a caption track's and the course page's label."""
    return _table(lang)["language_name"]
