"""Real synthesis (Piper joe voice, espeak-ng), the cue cache, captions from real timings, and the
loudness of the mix, measured on the WAV and again after AAC encoding into an MP4."""

import logging
import sys

import av
import numpy as np
import pytest
import soundfile as sf

from narration import aac, synth
from narration.captions import build_captions
from narration.mix import measure, mix_track, true_peak
from narration.script import Cue
from narration.synth import synthesize_cue
from narration.voices import Espeak, PiperTTS, get_voice
from vitmath.errors import UserError

SENTENCE = "The ViT cuts the photo into 16x16 patches, and reads them all at once."


@pytest.fixture(scope="module")
def piper():
    voice = get_voice("piper")
    assert isinstance(voice, PiperTTS), "the bundled joe voice should load here"
    return voice


def modulation_share(samples, rate):
    """Share of the energy envelope's fluctuation at syllable rate (2-8 Hz). Speech is high, noise low."""
    hop = rate // 100
    n = len(samples) // hop
    env = np.sqrt((samples[: n * hop].reshape(n, hop) ** 2).mean(axis=1))
    spectrum = np.abs(np.fft.rfft(env - env.mean())) ** 2
    freqs = np.fft.rfftfreq(n, 1 / 100)
    return spectrum[(freqs >= 2) & (freqs <= 8)].sum() / spectrum[(freqs > 0.5) & (freqs <= 50)].sum()


def assert_speech(samples, rate, words):
    duration = len(samples) / rate
    assert 0.6 * words / 3.5 < duration < 2.0 * words / 2.0, f"{duration:.2f} s for {words} words"
    rms = np.sqrt(np.mean(samples**2))
    assert 20 * np.log10(rms) > -35, "far too quiet to be speech"
    assert modulation_share(samples, rate) > 0.25, "no syllable-rate rhythm: not speech"


def test_modulation_check_rejects_noise():
    noise = np.random.default_rng(0).normal(0, 0.1, 22050 * 3).astype(np.float32)
    assert modulation_share(noise, 22050) < 0.2


@pytest.mark.parametrize("spec", ["piper", "espeak"])
def test_engine_speaks(spec, piper, tmp_path):
    voice = piper if spec == "piper" else get_voice("espeak")
    audio = synthesize_cue(Cue("s", SENTENCE), voice, tmp_path)
    samples, rate = sf.read(audio.wav_path, dtype="float32")
    assert rate == audio.sample_rate == (22050 if spec == "piper" else rate)
    assert audio.duration == pytest.approx(len(samples) / rate)
    assert_speech(samples, rate, len(SENTENCE.split()))
    # Clause timings: in order, inside the audio, and the written text (ViT, 16x16) is kept.
    assert [t for _, _, t in audio.segments] == synth.split_clauses(SENTENCE)
    assert " ".join(t for _, _, t in audio.segments) == SENTENCE
    ends = [x for s, e, _ in audio.segments for x in (s, e)]
    assert ends == sorted(ends) and ends[0] == 0.0 and ends[-1] == pytest.approx(audio.duration)


def test_cache_hit_calls_no_engine(tmp_path, monkeypatch):
    voice = get_voice("espeak")
    cue = Cue("intro", "Here is the photo the model sees, two hundred pixels wide.")
    first = synthesize_cue(cue, voice, tmp_path)
    calls = synth.SYNTH_CALLS
    assert not first.cached and calls > 0

    def refuse(text):
        raise AssertionError("engine called on a cache hit")

    monkeypatch.setattr(voice, "synthesize", refuse)
    second = synthesize_cue(cue, voice, tmp_path)
    assert second.cached and second.wav_path == first.wav_path and second.segments == first.segments
    assert synth.SYNTH_CALLS == calls
    monkeypatch.undo()

    changed = synthesize_cue(Cue("intro", cue.text + " Then it is cut."), voice, tmp_path)
    faster = synthesize_cue(cue, Espeak(speed=1.3), tmp_path)
    assert not changed.cached and not faster.cached
    assert len({first.wav_path, changed.wav_path, faster.wav_path}) == 3
    assert faster.duration < first.duration


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("VITLESSONS_CACHE", str(tmp_path / "cache"))
    audio = synthesize_cue(Cue("a", "One more short sentence here."), get_voice("espeak"))
    assert audio.wav_path.parent == tmp_path / "cache" / "audio"


def test_captions_cover_real_piper_timings(piper, tmp_path):
    cues = [
        Cue("a", "Here is the photo the model sees: 224x224 pixels, sliced into 196 patches."),
        Cue("b", "Each patch becomes a token; the ViT compares every token with every other one, "
                 "and softmax turns the scores into weights that sum to one."),
    ]
    timed, t = [], 0.5
    for cue in cues:
        audio = synthesize_cue(cue, piper, tmp_path)
        timed += [(t + s, t + e, text) for s, e, text in audio.segments]
        t += audio.duration + 0.8
    subs = build_captions(timed)
    assert [w for s in subs for w in s.content.split()] == [w for c in cues for w in c.text.split()]
    assert subs[0].start.total_seconds() == pytest.approx(0.5)
    assert subs[-1].end.total_seconds() == pytest.approx(timed[-1][1])
    for a, b in zip(subs, subs[1:]):
        assert a.end <= b.start
    assert all(len(s.content.split("\n")) <= 2 and max(map(len, s.content.split("\n"))) <= 42 for s in subs)


def encode_aac(wav_path, out_path):
    samples, rate = sf.read(wav_path, dtype="float32", always_2d=True)
    with av.open(str(out_path), "w", format="mp4") as container:
        layout = "stereo" if samples.shape[1] == 2 else "mono"
        stream = container.add_stream("aac", rate=rate, layout=layout)
        stream.bit_rate = 160_000
        for i in range(0, len(samples), 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[i : i + 1024].T), format="fltp", layout=layout)
            frame.sample_rate = rate
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def test_mix_loudness_on_wav_and_after_aac(piper, tmp_path):
    a = synthesize_cue(Cue("a", "Here is the photo the model sees: 224 by 224 pixels."), piper, tmp_path)
    b = synthesize_cue(Cue("b", "The model is eighty seven percent sure it is a tabby cat."), get_voice("espeak"), tmp_path)
    total = 1.0 + a.duration + 1.0 + b.duration + 1.0
    out = tmp_path / "mix.wav"
    report = mix_track([(1.0, a.wav_path), (2.0 + a.duration, b.wav_path)], total, out).report
    info = sf.info(out)
    assert info.samplerate == 48000 and info.duration == pytest.approx(total, abs=0.01)
    lufs, peak = measure(out)
    assert lufs == pytest.approx(report["measured_lufs"]) and abs(lufs + 14) <= 1.0 and peak <= -1.0
    m4a = tmp_path / "mix.m4a"
    encode_aac(out, m4a)
    lufs_aac, peak_aac = measure(m4a)
    assert abs(lufs_aac + 14) <= 1.0 and peak_aac <= -1.0, (lufs_aac, peak_aac)


def test_aac_track_joined_from_cues_plays_like_one_encode_and_re_encodes_only_an_edited_cue(tmp_path):
    voice = get_voice("espeak")
    a, b, c = (synthesize_cue(Cue(k, text), voice, tmp_path) for k, text in (
        ("a", "Every patch asks every patch how related they are."), ("b", "Twelve heads read the image twelve ways."),
        ("c", "Twelve heads read the picture in twelve different ways.")))
    total = 0.7 + a.duration + 0.6 + c.duration + 0.5
    out = tmp_path / "mix" / "mix.wav"
    first = mix_track([(0.7, a.wav_path), (1.3 + a.duration, b.wav_path)], total, out, aac=True)
    levelled = out.parent / "levelled"
    kept = {p.name: p.stat().st_mtime_ns for p in levelled.glob("*.aac")}
    assert len(kept) == 2
    mixed = mix_track([(0.7, a.wav_path), (1.3 + a.duration, c.wav_path)], total, out, aac=True)
    now = {p.name: p.stat().st_mtime_ns for p in levelled.glob("*.aac")}
    # Cue a's piece is the same file, untouched; b's is gone, c's is new.
    assert len(now) == 2 and len(set(now.items()) & set(kept.items())) == 1
    assert first.aac.packets[:20] == mixed.aac.packets[:20]

    wav = sf.read(out, dtype="float32", always_2d=True)[0][:, 0]  # one voice on both channels
    joined = aac.decode(mixed.aac.packets)[: len(wav), 0]
    whole = aac.decode(aac.encode(wav))[: len(wav), 0]
    assert len(joined) == len(wav)

    def snr(x, ref):
        return 10 * np.log10(np.sum(ref ** 2) / np.sum((x - ref) ** 2))

    # The joined track is as close to the mix as one encode of the whole mix is, and no louder anywhere.
    assert snr(joined, wav) > 25 and abs(snr(joined, wav) - snr(whole, wav)) < 0.5, (snr(joined, wav), snr(whole, wav))
    assert mixed.report["aac_true_peak_db"] <= -1.0 and true_peak(joined) <= -1.0
    # Cues start on the AAC frame grid, within half a frame of where they were placed.
    onset = np.argmax(np.abs(wav) > 1e-4)
    assert abs(onset - 0.7 * 48000) < aac.FRAME


def test_cues_too_close_to_join_are_encoded_together(tmp_path):
    """Back-to-back cues (a scene with its own construct may leave no gap) share one AAC run."""
    voice = get_voice("espeak")
    a, b = (synthesize_cue(Cue(k, text), voice, tmp_path) for k, text in (
        ("a", "No pause after this sentence."), ("b", "The next one follows at once.")))
    total = 0.5 + a.duration + b.duration + 0.5
    out = tmp_path / "mix.wav"
    mixed = mix_track([(0.5, a.wav_path), (0.5 + a.duration, b.wav_path)], total, out, aac=True)
    wav = sf.read(out, dtype="float32", always_2d=True)[0][:, 0]  # one voice on both channels
    joined = aac.decode(mixed.aac.packets)[: len(wav), 0]
    whole = aac.decode(aac.encode(wav))[: len(wav), 0]
    assert len(joined) == len(wav) and np.max(np.abs(joined - whole)) < 1e-3
    assert mixed.report["aac_true_peak_db"] <= -1.0


def test_a_joined_piece_decodes_exactly_as_alone_on_both_channels():
    """What the mixer measures of a cue (its packets decoded alone) must be what the joined track plays. Noise
    bursts over a tone are what made FFmpeg's encoder substitute noise, which the decoder draws from a state
    carried across packets and channels: with it on, this piece was 0.42 off in the join and L and R 0.59 apart."""
    rng = np.random.default_rng(0)
    t = np.arange(2 * aac.RATE) / aac.RATE
    bursts = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.3 * rng.standard_normal(len(t)) * (np.sin(2 * np.pi * 3 * t) > 0)
    first = np.clip(bursts, -0.9, 0.9).astype(np.float32)
    second = first[::-1].copy()
    a, b = aac.encode(first), aac.encode(second)
    at = 200 * aac.FRAME
    track = aac.decode(aac.AacTrack.assemble([(0, a), (at, b)], 400 * aac.FRAME).packets)
    alone = aac.decode(b)
    assert np.array_equal(track[at:at + len(alone)], alone)
    assert np.max(np.abs(track[:, 0] - track[:, 1])) < 1e-3  # one voice on both channels stays one voice


def test_mix_rejects_audio_past_the_end(tmp_path):
    a = synthesize_cue(Cue("a", "A sentence that lasts a second or two."), get_voice("espeak"), tmp_path)
    with pytest.raises(UserError, match="past the end of the video"):
        mix_track([(0.0, a.wav_path)], a.duration / 2, tmp_path / "mix.wav")


def test_recorded_voice(tmp_path):
    takes = tmp_path / "takes"
    takes.mkdir()
    samples, rate = get_voice("espeak").synthesize("This is my own recording of the intro.")
    sf.write(takes / "intro.flac", np.concatenate([np.zeros(rate // 2, np.float32), samples]), rate)
    voice = get_voice(f"recorded:{takes}")
    audio = synthesize_cue(Cue("intro", "This is my own recording, of the intro."), voice, tmp_path / "cache")
    assert audio.duration < len(samples) / rate + 0.2  # leading silence trimmed
    assert audio.segments[-1][1] == pytest.approx(audio.duration)
    with pytest.raises(UserError, match=r"no recording for cue 'outro' in .*takes"):
        synthesize_cue(Cue("outro", "Goodbye."), voice, tmp_path / "cache")


def test_silent_voice_times_by_reading_speed(tmp_path):
    audio = synthesize_cue(Cue("a", " ".join(["word"] * 40) + ". And a short tail here."), get_voice("silent"), tmp_path)
    assert audio.wav_path is None
    assert 15 < audio.duration < 20  # 45 words at 160 words a minute, plus a pause
    assert build_captions(audio.segments)


def test_missing_espeak_is_a_user_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError, match="espeak-ng not found: sudo apt-get install espeak-ng"):
        get_voice("espeak")


def test_missing_piper_falls_back_to_espeak(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "piper", None)  # makes `import piper` fail
    with caplog.at_level(logging.WARNING):
        voice = get_voice("piper")
    assert isinstance(voice, Espeak)
    assert any("falling back to espeak-ng" in r.getMessage() for r in caplog.records)


def test_missing_named_piper_voice_file_is_a_user_error(tmp_path):
    # A voice file the user named explicitly is never silently replaced by espeak: that would hide a typo.
    with pytest.raises(UserError, match="nope.onnx"):
        get_voice(f"piper:{tmp_path / 'nope.onnx'}")


def test_stereo_mix_is_normalised_as_stereo(tmp_path):
    a = synthesize_cue(Cue("a", "Two channels must not read three decibels too loud."), get_voice("espeak"), tmp_path)
    out = tmp_path / "stereo.wav"
    mix_track([(0.5, a.wav_path)], a.duration + 1.0, out, channels=1)
    mono_lufs, _ = measure(out)
    mix_track([(0.5, a.wav_path)], a.duration + 1.0, out)
    lufs, peak = measure(out)
    assert abs(mono_lufs + 14) <= 1.0
    assert sf.info(out).channels == 2 and abs(lufs + 14) <= 1.0 and peak <= -1.0
