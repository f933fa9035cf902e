"""A translation is the English script in another language: the same cues, marks, placeholders, screen words
and choice keys, so the scene that draws the English lesson draws the translated one unchanged; and the kit,
the course titles and the voice have that language's words."""
from __future__ import annotations

import re
import tomllib

import pytest

from narration.script import MARK, PLACEHOLDER
from scenes import course
from scenes.common import words

TRANSLATIONS = [(lesson, lang) for lesson in course.LESSONS for lang in lesson.languages() if lang != "en"]


def shape(path):
    """What a scene relies on in a script: per cue its marks in order and its placeholders; the screen and
    choice tables' keys, and the placeholders each of their entries uses."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    cues = [(c["id"], MARK.findall(c["text"]), sorted(set(PLACEHOLDER.findall(MARK.sub("", c["text"])))),
             {k: sorted(set(PLACEHOLDER.findall(v))) for k, v in c.get("screen", {}).items()},
             "chapter" in c)
            for c in table.get("cue", [])]
    screen = {k: sorted(set(PLACEHOLDER.findall(v))) for k, v in table.get("screen", {}).items()}
    choices = {name: {k: sorted(set(PLACEHOLDER.findall(v))) for k, v in keys.items()}
               for name, keys in table.get("choice", {}).items()}
    return cues, screen, choices


def test_there_is_a_translation():
    assert ("p2-01-contact-sheet", "es") in [(lesson.id, lang) for lesson, lang in TRANSLATIONS]


@pytest.mark.parametrize("lesson, lang", TRANSLATIONS, ids=[f"{l.id}.{lang}" for l, lang in TRANSLATIONS])
def test_a_translation_mirrors_its_english_script(lesson, lang):
    english, translated = shape(lesson.narration_file), shape(lesson.script_file(lang))
    assert [c[0] for c in translated[0]] == [c[0] for c in english[0]], "the same cues, in the same order"
    for (cue, *theirs), (_, *ours) in zip(english[0], translated[0]):
        assert ours == theirs, f"cue '{cue}': marks, placeholders, screen words or chapter differ"
    assert translated[1] == english[1], "[screen]"
    assert translated[2] == english[2], "[choice.*] tables"


@pytest.mark.parametrize("lang", sorted({lang for _, lang in TRANSLATIONS}))
def test_a_language_has_the_kits_words_titles_and_pronunciations(lang):
    english = tomllib.loads(words.WORDS_FILE.read_text())
    theirs = tomllib.loads(words.words_file(lang).read_text(encoding="utf-8"))
    assert theirs.keys() == english.keys() and theirs["numbers"].keys() == english["numbers"].keys()
    assert theirs["publish"].keys() == english["publish"].keys()
    titles = tomllib.loads((course.SCENES_DIR / f"course.{lang}.toml").read_text(encoding="utf-8"))
    assert set(titles["titles"]) == {row.id for row in course.LESSONS}
    assert set(titles["phases"]) == {row.phase for row in course.LESSONS}
    from narration.lexicon import speakable

    assert "%" not in speakable("36%", lang) and re.search(r"\bx\b", speakable("16x16", lang)) is None


@pytest.mark.parametrize("lesson,lang", [(lesson, lang) for lesson, lang in TRANSLATIONS][:1])
def test_a_translation_is_published_with_its_own_words(lesson, lang):
    """The platform's title, description, tags and playlist of a translated lesson are that language's
    ([publish] in words.<lang>.toml): not one English sentence of the description is left."""
    from narration.script import load_script
    from render import metadata

    i = course.LESSONS.index(lesson)
    previous, next_ = course.LESSONS[i - 1] if i else None, course.LESSONS[i + 1]
    meta = metadata.build(lesson, load_script(lesson.script_file(lang)), [], previous, next_, "kokoro:ef_dora",
                          len(course.LESSONS), lang=lang)
    theirs = tomllib.loads(words.words_file(lang).read_text(encoding="utf-8"))["publish"]
    english = tomllib.loads(words.WORDS_FILE.read_text())["publish"]
    assert meta["language"] == lang and meta["title"].startswith(words.lesson_title(lesson, lang))
    opening = theirs["opening"].format(course=theirs["course"], number=lesson.number, total=len(course.LESSONS),
                                       phase=words.lesson_phase(lesson, lang))
    assert meta["description"].startswith(opening)
    assert words.lesson_title(next_, lang) in meta["description"]
    assert theirs["computed"] in meta["description"] and english["computed"] not in meta["description"]
    assert set(theirs["tags"]) <= set(meta["tags"]) and meta["playlist"]["title"] == theirs["course"]
