"""Kokoro-82M, the default voice: a recogniser understands it far better than espeak-ng, a cue is speech with
its captions on the voice, the cache knows its bytes, and a broken install says so in one line."""

import hashlib
import logging
import re

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from listening import transcribe, word_error_rate
from narration.lexicon import speakable
from scenes.common.inputs import default_voice
from narration import kokoro, synth
from narration.script import Cue
from narration.synth import synthesize_cue
from narration.voices import DEFAULT_SPEC, Espeak, KokoroTTS, get_voice
from render.cli import main
from scenes.common.inputs import DEFAULT_VOICE
from test_narration_audio import assert_speech
from vitmath.errors import UserError

# Two sentences of lesson 5's opening, in words PocketSphinx's small dictionary knows.
LISTEN = "A photo is not a sequence. It is a grid of pixels. It cuts the photo into squares, like a contact sheet."
# PocketSphinx's word error rate on LISTEN (22 words), measured with espeak-ng 1.51, onnxruntime 1.32 and
# pocketsphinx 5.1.1: Kokoro af_heart 0.23 (5 words: "it is a grid of" heard as "is the greatest"), Piper joe
# 0.23, espeak-ng 0.91. Kokoro's output is bit-identical run to run; the bound leaves room for two more
# misheard words from another onnxruntime or espeak-ng build, and stays far under espeak-ng's rate.
KOKORO_WER_BOUND = 0.35


@pytest.fixture(scope="module")
def voice():
    voice = get_voice("kokoro")
    assert isinstance(voice, KokoroTTS), "Kokoro should be installed here (./setup.sh)"
    return voice


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("speech")


def heard(audio) -> tuple[str, float]:
    samples, rate = sf.read(str(audio.wav_path), dtype="float32")
    text = transcribe(samples, rate)
    return text, word_error_rate(LISTEN, text)


def test_kokoro_is_the_default_voice():
    assert DEFAULT_SPEC == DEFAULT_VOICE == "kokoro"
    assert isinstance(get_voice(None), KokoroTTS)
    # --voice left out: the language's own voice, Kokoro's af_heart for English.
    assert {p.name: p.default for p in main.commands["render"].params}["voice"] is None
    assert default_voice("en") == "kokoro" and default_voice("es") == "kokoro:ef_dora"


def test_a_spanish_cue_is_spanish_speech(cache):
    """`--lang es`: Kokoro's ef_dora on espeak-ng's Spanish phonemes, the Spanish pronunciation table first."""
    voice = get_voice(default_voice("es"))
    assert voice.lang == "es" and voice.language == "es"
    text = "El modelo corta la foto en parches de 16x16, y el 36 % de la atención va al token CLS."
    said = speakable(text, "es")
    assert "16 por 16" in said and "36 por ciento" in said and "CLS" not in said
    assert "ɹ" not in kokoro.phonemize("la fila roja", "es")  # Spanish keeps its trill: no English fixes
    audio = synthesize_cue(Cue("es", text), voice, cache)
    samples, rate = sf.read(str(audio.wav_path), dtype="float32")
    assert_speech(samples, rate, len(said.split()))


def test_a_listener_understands_kokoro_far_better_than_espeak(voice, cache):
    kokoro_text, kokoro_wer = heard(synthesize_cue(Cue("listen", LISTEN), voice, cache))
    espeak_text, espeak_wer = heard(synthesize_cue(Cue("listen", LISTEN), get_voice("espeak"), cache))
    print(f"WER kokoro {kokoro_wer:.2f} ({kokoro_text!r}); espeak-ng {espeak_wer:.2f} ({espeak_text!r})")
    assert kokoro_wer <= KOKORO_WER_BOUND, kokoro_text
    assert kokoro_wer <= espeak_wer / 2, (kokoro_text, espeak_text)


def test_a_kokoro_cue_is_speech_with_captions_on_the_voice(voice, cache):
    text = "The ViT cuts the photo into 16x16 patches, and reads them all at once."
    audio = synthesize_cue(Cue("speech", text), voice, cache)
    samples, rate = sf.read(str(audio.wav_path), dtype="float32")
    assert rate == audio.sample_rate == kokoro.SAMPLE_RATE
    assert_speech(samples, rate, len(text.split()) + 2)  # "16x16" is spoken as three words
    # Each caption span is its clause's own audio (clauses are synthesised one by one): sound inside,
    # near-silence in the pause between, and the voice starts at most 50 ms after its caption.
    assert [s[2] for s in audio.segments] == ["The ViT cuts the photo into 16x16 patches,", "and reads them all at once."]
    peak, win = np.abs(samples).max(), rate // 100
    levels = np.abs(samples[: len(samples) // win * win]).reshape(-1, win).max(axis=1) / peak
    loud = levels > 10 ** (-45 / 20)
    for start, end, _ in audio.segments:
        first = int(np.argmax(loud[int(start * 100):])) / 100 + start
        assert first - start <= 0.05, f"voice starts {first - start:.3f} s after its caption"
    gap = levels[int(audio.segments[0][1] * 100) + 1 : int(audio.segments[1][0] * 100) - 1]
    assert gap.size and gap.max() < 0.01, "the pause between clauses should be silent"


def test_the_cache_knows_the_voice_bytes_and_the_code(voice, cache, tmp_path):
    before = synth.SYNTH_CALLS
    assert synthesize_cue(Cue("again", LISTEN), voice, cache).cached
    assert synth.SYNTH_CALLS == before
    key = voice.settings_key()
    assert kokoro.MODEL_SHA256[:16] in key
    assert hashlib.sha256(voice.voice_path.read_bytes()).hexdigest()[:16] in key
    assert KokoroTTS("am_michael").settings_key() != key
    assert KokoroTTS("af_heart", speed=1.1).settings_key() != key


def test_phonemes_use_only_the_model_vocabulary():
    assert len(kokoro.VOCAB) == 114 and len(set(kokoro.VOCAB.values())) == 114
    assert 0 not in kokoro.VOCAB.values() and max(kokoro.VOCAB.values()) < 178
    phonemes = kokoro.phonemize("Ninety-nine patches, two hundred tokens: the model's view.")
    assert set(phonemes) <= set(kokoro.VOCAB)
    assert "nˈaɪndi" in phonemes  # the American flap kokoro.js writes for "ninety"
    assert " hˈʌndɹɪd" in phonemes  # espeak-ng runs "twohundred" together
    assert "," in phonemes and ":" in phonemes and phonemes.endswith(".")  # punctuation kept for prosody
    assert "r" not in phonemes


def test_long_phoneme_strings_are_cut_at_word_gaps():
    words = ["pˈætʃᵻz"] * 200
    pieces = kokoro.chunks(" ".join(words), limit=100)
    assert all(len(p) <= 100 for p in pieces) and " ".join(pieces).split() == words


def test_committed_voices_match_their_provenance():
    table = (kokoro.VOICE_DIR / "PROVENANCE.md").read_text()
    listed = dict(re.findall(r"\| `(\w+)`\s*\|.*\| `([0-9a-f]{64})` \|", table))
    assert sorted(listed) == kokoro.voice_names() and kokoro.DEFAULT_VOICE in listed
    for name, digest in listed.items():
        path = kokoro.voice_file(name)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name
        assert kokoro.load_voice(path).shape == (510, 256)
    assert (kokoro.VOICE_DIR / "LICENSE").read_text().lstrip().startswith("Apache License")


def test_an_unknown_kokoro_voice_is_one_line():
    with pytest.raises(UserError, match="unknown Kokoro voice 'nobody': use one of af_bella, af_heart"):
        get_voice("kokoro:nobody")


# --- a broken or absent install, on four small stand-in parts ----------------------------------------------

@pytest.fixture
def parts(tmp_path, monkeypatch):
    """Four tiny packages in place of the model wheels, pinned the way the real ones are."""
    blobs = [bytes([n]) * (100 + n) for n in range(1, 5)]
    pinned = []
    for n, blob in enumerate(blobs, 1):
        package = tmp_path / f"stand_in_kokoro_part_{n}"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "part.bin").write_bytes(blob)
        pinned.append((package.name, len(blob), hashlib.sha256(blob).hexdigest()))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(kokoro, "PARTS", pinned)
    monkeypatch.setattr(kokoro, "MODEL_BYTES", sum(map(len, blobs)))
    monkeypatch.setattr(kokoro, "MODEL_SHA256", hashlib.sha256(b"".join(blobs)).hexdigest())
    kokoro.engine.cache_clear()
    yield [tmp_path / name / "part.bin" for name, _, _ in pinned]
    kokoro.engine.cache_clear()


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_intact_parts_join_in_order(parts):
    assert kokoro.model_bytes() == b"".join(p.read_bytes() for p in parts)


def test_a_corrupt_part_is_one_line_naming_it(parts):
    blob = bytearray(parts[1].read_bytes())
    blob[7] ^= 0xFF  # same size, one byte off: only the digest can tell
    parts[1].write_bytes(bytes(blob))
    voice = get_voice("kokoro:af_heart")  # its cheap checks pass; the digest is checked at the first word
    with pytest.raises(UserError) as e:
        voice.synthesize("Hello there.")
    assert "Kokoro model part 2 of 4 is corrupt" in one_line(e)
    assert "pip install --force-reinstall stand-in-kokoro-part-2==0.1.0" in one_line(e)


def test_a_truncated_part_is_found_before_the_render_starts(parts):
    parts[2].write_bytes(parts[2].read_bytes()[:-1])
    with pytest.raises(UserError) as e:
        get_voice("kokoro")  # a damaged install is an error even for the default: never a silent fallback
    assert "Kokoro model part 3 of 4 is corrupt" in one_line(e)


def test_a_missing_part_is_one_line_from_the_cli(parts, tmp_path):
    parts[3].unlink()
    r = CliRunner().invoke(main, ["list", "--voice", "kokoro:af_heart", "--out", str(tmp_path / "out")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip().count("\n") == 0, r.output
    assert "Kokoro model part 4 of 4 is missing" in r.output


def test_without_kokoro_the_default_falls_back_to_espeak_in_one_warning(monkeypatch, caplog):
    monkeypatch.setattr(kokoro, "PARTS", [(f"no_such_kokoro_part_{n}", 1, "0" * 64) for n in range(1, 5)])
    with caplog.at_level(logging.WARNING):
        assert isinstance(get_voice("kokoro"), Espeak)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "Kokoro model not installed" in warnings[0] and "espeak-ng" in warnings[0]
    with pytest.raises(UserError, match="Kokoro model not installed"):
        get_voice("kokoro:af_heart")  # a voice asked for by name never changes behind the user's back
