"""Every written lesson, built end to end without drawing a frame: seconds per lesson, so CI stays fast.

Manim's own skipping runs each scene's construct (every mobject built, every cue narrated with the silent
voice) but renders and encodes nothing. What a full render would get wrong about the script or the numbers
shows up here: a cue the scene never plays, a placeholder left unfilled, a spoken value that is not the
trace's.
"""
from __future__ import annotations

import importlib
import re
import tomllib
from types import SimpleNamespace

import pytest
from pathlib import Path
from manim import tempconfig

import vitmath
from scenes import course, glossary
from scenes.common.values import narration_values

WRITTEN = [lesson for lesson in course.LESSONS if lesson.written]


@pytest.fixture(autouse=True)
def silent(monkeypatch, tmp_path):
    monkeypatch.setenv("VITLESSONS_VOICE", "silent")
    for name in ("VITLESSONS_MODEL", "VITLESSONS_WEIGHTS", "VITLESSONS_IMAGE", "VITLESSONS_TIMELINE",
                 "VITLESSONS_ONLY_CUE", "VITLESSONS_LANG"):
        monkeypatch.delenv(name, raising=False)


def build(lesson, media_dir):
    settings = {"quality": "low_quality", "media_dir": str(media_dir), "skip_animations": True,
                "write_to_movie": False, "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}
    with tempconfig(settings):
        module = importlib.import_module(lesson.scene_module)
        # Skipping is a renderer setting the Scene takes as an argument (config's flag does not reach it).
        scene = getattr(module, lesson.scene_class)(skip_animations=True)
        scene.render()
    return scene


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """One Manim media folder for every build here: a formula is typeset once, not once per lesson and input."""
    return tmp_path_factory.mktemp("smoke-media")


_BUILT: dict = {}  # lesson id -> what a build on the course photo said and drew (scenes are not kept)


def record(lesson, scene) -> SimpleNamespace:
    _BUILT[lesson.id] = SimpleNamespace(cues=[(c.id, c.text) for c in scene.script.cues],
                                        screen=[words for _, words in scene.screen_words],
                                        depth=scene.dims.depth, heads=scene.dims.H)
    return _BUILT[lesson.id]


def built_words(lesson, media) -> SimpleNamespace:
    return _BUILT.get(lesson.id) or record(lesson, build(lesson, media))


def test_the_registry_matches_the_files():
    course.check_course()
    assert WRITTEN, "no lesson is written"


@pytest.mark.parametrize("lesson", WRITTEN, ids=[lesson.id for lesson in WRITTEN])
def test_lesson_builds_with_every_cue_and_the_traces_numbers(lesson, media):
    scene = build(lesson, media)
    record(lesson, scene)
    played = [c.id for c in scene.timeline.cues]
    assert played == [c.id for c in scene.script.cues], "cues must be played once each, in script order"
    for cue in scene.script.cues:
        assert not re.search(r"\{[A-Za-z_]\w*\}", cue.text), f"{cue.id}: unfilled placeholder"
    # Words a viewer's screen may crop: every text and formula inside the title-safe area at each cue's end.
    assert not scene.outside_safe, scene.outside_safe
    # The shared spoken values are the trace's, recomputed here from a fresh trace.
    expected = narration_values(vitmath.cached_trace())
    assert {k: scene.values[k] for k in expected} == expected
    assert scene.lesson is lesson
    # At least half the seed's minutes of narration (the course's standard), even at silent reading speed.
    if lesson.minutes:
        spoken = sum(c.duration for c in scene.timeline.cues)
        assert spoken >= 0.5 * 60 * lesson.minutes * 0.6, f"only {spoken:.0f} s of narration"
    drawn = getattr(scene, "check_drawn", None)
    if drawn is not None:
        drawn()


def test_a_one_cue_preview_builds_that_cue_alone(monkeypatch, media):
    """`preview --cue`: the cues before it stop at their `narrate` line, so only the previewed cue is built."""
    lesson = course.BY_ID["p2-01-contact-sheet"]
    scene = build(lesson, media)
    last = scene.script.cues[-1].id
    monkeypatch.setenv("VITLESSONS_ONLY_CUE", last)
    preview = build(lesson, media)
    assert [c.id for c in preview.timeline.cues] == [last]
    assert preview.timeline.cues[0].start == 0 and preview.clock > 0
    assert len(preview.renderer.animations_hashes) < len(scene.renderer.animations_hashes) / 5


@pytest.mark.parametrize("lesson", WRITTEN, ids=[lesson.id for lesson in WRITTEN])
def test_no_term_is_heard_before_its_lesson_unexplained(lesson, media):
    """scenes/glossary.toml: a term said before the lesson that teaches it is glossed where the lesson first
    says it, and its teaching lesson explains it; read from the filled narration (choices and values in)."""
    problems = glossary.unexplained(lesson, built_words(lesson, media).cues)
    assert not problems, "\n".join(problems)


# "block 3", "blocks 9 to 12", "head-2", "heads 1 and 2": every number a block or a head is called by.
# A number followed by a decimal part ("block 1 to 19.4 after block 12") is a measurement, not a block.
NUMBERED = re.compile(r"\b(block|head)s?[- ](\d+(?![.,]?\d)(?:(?: and | to | or |–|-)\d+(?![.,]?\d))*)", re.I)


@pytest.mark.parametrize("lesson", WRITTEN, ids=[lesson.id for lesson in WRITTEN])
def test_blocks_and_heads_count_from_one_in_speech_and_on_screen(lesson, media):
    b = built_words(lesson, media)
    texts = [text for _, text in b.cues] + b.screen
    named = [(m.group(1).lower(), int(n), text) for text in texts for m in NUMBERED.finditer(text)
             for n in re.findall(r"\d+", m.group(2))]
    for kind, n, text in named:
        top = b.depth if kind == "block" else b.heads
        assert 1 <= n <= top, f"{kind} {n} outside 1..{top}: {text!r}"


TRANSLATED = [(lesson, lang) for lesson in WRITTEN for lang in lesson.languages() if lang != "en"]


@pytest.mark.parametrize("lesson, lang", TRANSLATED, ids=[f"{l.id}.{lang}" for l, lang in TRANSLATED])
def test_a_translated_lesson_builds_in_its_language(lesson, lang, media, monkeypatch):
    """`--lang es`: the same scene, every cue played, its words from script.es.toml, numbers written the
    language's way, the kit's cards in that language."""
    from scenes.common import words

    monkeypatch.setenv("VITLESSONS_LANG", lang)
    try:
        scene = build(lesson, media)
    finally:
        words.use_language("en")
    assert [c.id for c in scene.timeline.cues] == [c.id for c in scene.script.cues]
    spoken = " ".join(c.text for c in scene.script.cues)
    assert not re.search(r"\{[A-Za-z_]\w*\}", spoken)
    english = _BUILT.get(lesson.id)  # the English build, when this session made one
    if english is not None:
        same = [cue for (cue, theirs), ours in zip(english.cues, scene.script.cues) if theirs == ours.text]
        assert not same, f"cues left in English: {same}"
    table = tomllib.loads(words.words_file(lang).read_text(encoding="utf-8"))
    drawn = " ".join(w for _, w in scene.screen_words)
    point = table["numbers"]["decimal_point"]
    if point != ".":
        # 0,53 and 50.176 in Spanish: no English decimal (a point followed by other than three digits) is left.
        # Section numbers of a citation ("Sec. 3.1") are not decimals.
        text = re.sub(r"\b(Sec|Secc|Fig|Eq|Ec|App|Table|Tabla)\.?\s*[\d.]+", "", spoken + " " + drawn)
        english_decimal = re.search(r"\d\.(\d{1,2}|\d{4,})(?!\d)", text)
        assert english_decimal is None, english_decimal
        assert re.search(rf"\d{re.escape(point)}\d", spoken + " " + drawn), "no decimal written the language's way"
