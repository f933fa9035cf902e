"""The course's terms (`scenes/glossary.toml`) and the rule that keeps them in order: no term is heard before
the lesson that teaches it unless the sentence says what it means.

The rule, per lesson and term, on the lesson's filled narration:
- before the teaching lesson, the sentence where the lesson first says the term glosses it (or points to the
  teaching lesson by number);
- in the teaching lesson, the cue where it is first said explains it;
- after it, the term is free.
A learner then has an explanation of every word at its first hearing in every lesson.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scenes import course

GLOSSARY_FILE = Path(__file__).with_name("glossary.toml")
# A sentence ends at . ! or ? followed by a space and the next sentence's first character.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


@dataclass(frozen=True)
class Term:
    term: str
    lesson: str
    definition: str
    says: re.Pattern
    glosses: tuple[re.Pattern, ...]

    @property
    def number(self) -> int:
        return course.BY_ID[self.lesson].number

    def glossed(self, text: str) -> bool:
        return (any(g.search(text) for g in self.glosses)
                or re.search(rf"\blesson {self.number}\b", text, re.I) is not None)


@cache
def terms() -> tuple[Term, ...]:
    rows = tomllib.loads(GLOSSARY_FILE.read_text())["term"]
    out = []
    for row in rows:
        if row["lesson"] not in course.BY_ID:
            raise ValueError(f"{GLOSSARY_FILE.name}: '{row['term']}' names no lesson '{row['lesson']}'")
        flags = 0 if row.get("case") else re.I
        out.append(Term(row["term"], row["lesson"], row["definition"], re.compile(row["says"], flags),
                        tuple(re.compile(g, flags) for g in row.get("glosses", ()))))
    return tuple(out)


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text) if s.strip()]


def unexplained(lesson: course.Lesson, cues: list[tuple[str, str]]) -> list[str]:
    """What `lesson` says before it is taught without a gloss, one line each, from its (cue id, spoken text)
    pairs in order."""
    problems = []
    for term in terms():
        if lesson.number > term.number:
            continue
        for cue_id, text in cues:
            first = next((s for s in sentences(text) if term.says.search(s)), None)
            if first is None:
                continue
            if lesson.number < term.number and not term.glossed(first):
                problems.append(f"{lesson.id} cue '{cue_id}': '{term.term}' (taught in lesson {term.number}) "
                                f"is said without a gloss: {first!r}")
            elif lesson.number == term.number and not term.glossed(text):
                problems.append(f"{lesson.id} cue '{cue_id}': '{term.term}' is first said here, its teaching "
                                f"lesson, but the cue does not explain it: {first!r}")
            break
    return problems
