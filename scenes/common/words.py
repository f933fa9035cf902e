"""The kit's own words (scenes/common/words.toml), so a writer or translator edits TOML, not Python."""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from narration.script import PLACEHOLDER
from vitmath.errors import UserError

WORDS_FILE = Path(__file__).with_name("words.toml")


@cache
def _table() -> dict[str, str]:
    try:
        return tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UserError(f"the kit's words {WORDS_FILE} cannot be read: {e}") from None


def kit_text(name: str, /, **values) -> str:
    """The words `name`, with their {placeholders} filled from `values`."""
    text = _table().get(name)
    if text is None:
        raise UserError(f"{WORDS_FILE}: no words '{name}'")

    def fill(m):
        if m.group(1) not in values:
            raise UserError(f"{WORDS_FILE}: '{name}' uses {{{m.group(1)}}}, which its piece does not give")
        return str(values[m.group(1)])

    return PLACEHOLDER.sub(fill, text)
