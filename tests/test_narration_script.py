"""Scripts, placeholders, lexicon, captions and voice specs: no speech engine needed."""

import os
import re
from pathlib import Path

import pytest
import srt
import webvtt

from narration.captions import MAX_CHARS, build_captions, write_captions
from narration.lexicon import speakable
from narration.script import load_script
from narration.synth import split_clauses
from narration.voices import get_voice
from vitmath.errors import UserError

FIXTURES = Path(__file__).parent / "fixtures" / "narration"


def test_load_by_path_and_by_id(monkeypatch):
    script = load_script(FIXTURES / "sample-lesson.toml")
    assert script.title == "Slice the image like a contact sheet"
    assert [c.id for c in script.cues] == ["intro", "patches", "verdict"]
    # Multi-line TOML text is folded into one line of prose.
    assert "\n" not in script.cue("patches").text
    monkeypatch.setenv("VITLESSONS_NARRATION_DIR", str(FIXTURES))
    assert load_script("sample-lesson").cues == script.cues


def test_placeholders_and_fill():
    script = load_script(FIXTURES / "sample-lesson.toml")
    assert script.placeholders() == {"image_size", "top1_label", "top1_percent"}
    filled = script.fill({"image_size": 224, "top1_label": "tabby cat", "top1_percent": 87.5, "unused": 1})
    assert filled.cue("intro").text == "Here is the photo the model sees: 224 by 224 pixels."
    assert filled.cue("verdict").text == "The model says tabby cat, 87.5% sure."
    assert script.cue("intro").text.startswith("Here is the photo the model sees: {image_size}")  # original untouched


@pytest.mark.parametrize(
    "action, needle",
    [
        (lambda: load_script(FIXTURES / "duplicate-id.toml"), "'intro' is used twice"),
        (lambda: load_script(FIXTURES / "no-cues.toml"), "no cues"),
        (lambda: load_script(FIXTURES / "bad-toml.toml"), "not valid TOML"),
        (lambda: load_script("no-such-lesson"), "no narration script for lesson 'no-such-lesson'"),
        (lambda: load_script(FIXTURES / "missing.toml"), "not found"),
        (lambda: load_script(FIXTURES / "sample-lesson.toml").cue("outro"), "no cue with id 'outro'"),
        (lambda: load_script(FIXTURES / "sample-lesson.toml").fill({"image_size": 224}), "cue 'verdict' uses {top1_label}"),
        (lambda: load_script(FIXTURES / "sample-lesson.toml").check_all_used(["intro"]), "never used by the scene: patches, verdict"),
        (lambda: get_voice("festival"), "unknown voice 'festival'"),
        (lambda: get_voice("recorded:/no/such/folder"), "recordings folder not found"),
    ],
)
def test_user_errors(action, needle):
    with pytest.raises(UserError) as err:
        action()
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_check_all_used_passes_when_every_cue_is_used():
    load_script(FIXTURES / "sample-lesson.toml").check_all_used(["intro", "patches", "verdict", "extra"])


def test_lexicon_spoken_forms():
    assert speakable("The ViT and two ViTs") == "The vit and two vits"
    assert speakable("16x16 patches of a 224x224 image") == "16 by 16 patches of a 224 by 224 image"
    assert speakable("QKV, softmax, ConvNeXt, CNN, MLP, CLS") == "Q K V, soft max, conv next, C N N, M L P, C L S"
    assert speakable("shape (196, 768)") == "shape 196 by 768"
    assert speakable("87.5% on ImageNet after LayerNorm") == "87.5 percent on image net after layer norm"
    # Whole words only: the acronym inside another word is left alone.
    assert speakable("VITAL ViTamin CNNish") == "VITAL ViTamin CNNish"


def test_clause_split_keeps_every_character_and_shapes_whole():
    text = "Each patch (16, 16) is flattened, projected, and added — to a position embedding. Yes. It works."
    clauses = split_clauses(text)
    assert " ".join(clauses).split() == text.split()
    assert any("(16, 16)" in c for c in clauses)
    assert all(len(c.split()) >= 3 for c in clauses)


def _check_captions(subs, timed):
    words = [w for _, _, text in timed for w in text.split()]
    assert [w for s in subs for w in s.content.split()] == words  # every word once, in order
    for s in subs:
        lines = s.content.split("\n")
        assert 1 <= len(lines) <= 2 and all(len(line) <= MAX_CHARS for line in lines), s.content
        assert s.end > s.start
    for a, b in zip(subs, subs[1:]):
        assert a.end <= b.start
    assert subs[0].start.total_seconds() == pytest.approx(timed[0][0])
    assert subs[-1].end.total_seconds() == pytest.approx(timed[-1][1])


def test_captions_limits_order_and_timing():
    timed = [
        (0.5, 3.0, "Here is the photo the model sees: 224 by 224 pixels."),
        (3.2, 12.0, "Each patch (16, 16) is flattened, projected, and added to a position embedding, which tells "
                    "the model where in the image the patch came from; without it, the transformer would see only "
                    "a bag of patches and no arrangement at all, which is a surprisingly long clause to caption."),
        (13.0, 13.6, "Yes."),
        (14.0, 15.0, "Supercalifragilisticexpialidocious antidisestablishmentarianism words."),
    ]
    _check_captions(build_captions(timed), timed)


def test_captions_written_files_parse_back(tmp_path):
    timed = [(0.0, 2.0, "The ViT reads 196 patches."), (2.3, 5.0, "Attention mixes them, layer after layer.")]
    subs = write_captions(timed, tmp_path / "a.srt", tmp_path / "a.vtt")
    parsed = list(srt.parse((tmp_path / "a.srt").read_text()))
    assert [p.content for p in parsed] == [s.content for s in subs]
    assert "ViT" in parsed[0].content  # captions keep the written form, not the spoken "vit"
    vtt = webvtt.read(str(tmp_path / "a.vtt"))
    assert [c.text for c in vtt] == [s.content for s in subs]
    assert vtt[0].start == "00:00:00.000" and vtt[-1].end == "00:00:05.000"


def test_caption_files_are_readable_by_others(tmp_path):
    # Captions are uploaded and shared: not the owner-only mode that temporary files get.
    old = os.umask(0o022)
    try:
        srt_path, vtt_path = tmp_path / "a.srt", tmp_path / "a.vtt"
        write_captions([(0.0, 1.5, "Hello there, this is a caption.")], srt_path, vtt_path)
    finally:
        os.umask(old)
    assert [p.stat().st_mode & 0o777 for p in (srt_path, vtt_path)] == [0o644, 0o644]


def _sentence_ends_inside(text: str) -> bool:
    """A sentence ends somewhere before the caption's last word."""
    return re.search(r"[.?!][\"')”’]*\s+\S", text) is not None


@pytest.mark.parametrize("lang", ["en", "es"])
def test_captions_break_at_sentences_and_clauses_in_every_script(lang):
    """Every lesson's own words, timed by their length: no caption ends one sentence and starts the next
    ("exactly. After its first step,"), and no part of a sentence is a lone word."""
    from narration.captions import build_captions
    from narration.script import MARK
    from scenes.course import LESSONS

    checked = 0
    for lesson in LESSONS:
        path = lesson.script_file(lang)
        if not path.exists():
            continue
        timed, t = [], 0.0
        for cue in load_script(path).cues:
            # A placeholder stands for a few words of a measured value.
            text = re.sub(r"\{\w+\}", "the measured value", MARK.sub("", cue.text))
            timed.append((t, t + len(text) / 15, text))  # 15 characters a second, a pause between cues
            t += len(text) / 15 + 1.5
        subs = build_captions(timed)
        assert [w for s in subs for w in s.content.split()] == [w for _, _, x in timed for w in x.split()]
        for before, sub, after in zip([None] + subs, subs, subs[1:] + [None]):
            text = " ".join(sub.content.split())
            starts_sentence = before is None or re.search(r"[.?!][\"')”’]*$", before.content) or \
                (sub.start - before.end).total_seconds() >= 1.0
            if _sentence_ends_inside(text):
                assert starts_sentence, f"{lesson.id}: caption {sub.index} starts mid-sentence: {text!r}"
            assert len(text.split()) > 1 or (starts_sentence and re.search(r"[.?!]", text[-3:])), \
                f"{lesson.id}: caption {sub.index} is a lone word of a sentence: {text!r}"
        checked += 1
    assert checked >= (15 if lang == "en" else 1)
