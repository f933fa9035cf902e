"""How fast and how intelligible is each voice, on the course's own sentences?

Each voice speaks the same cues through the pipeline's own path (narration.synthesize_cue: clause by clause,
lexicon applied, into a fresh cache), and PocketSphinx transcribes each cue. Per voice it prints the model
load time, the real-time factor (seconds of synthesis per second of audio, wall clock and CPU; the CPU figure
is what a loaded, shared machine barely moves) and the word error rate over all cues.

    .venv/bin/python benchmarks/kokoro_voice.py [--voices kokoro,piper,espeak] [--cues N]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from listening import transcribe, word_error_rate, words  # noqa: E402
from narration import kokoro  # noqa: E402
from narration.audio import read_audio, to_mono  # noqa: E402
from narration.script import Cue  # noqa: E402
from narration.synth import synthesize_cue  # noqa: E402
from narration.voices import get_voice  # noqa: E402

# Placeholder-free sentences from lesson 5 (narration/scripts/p2-01-contact-sheet.toml) and lesson 1.
CUES = [
    "A transformer reads a sequence of tokens. A photo is not a sequence: it is a grid of pixels.",
    "So before any attention can happen, the Vision Transformer has to turn this picture into a list.",
    "The way it does that is almost embarrassingly simple. It cuts the photo into squares, "
    "like a photographer cutting up a contact sheet.",
    "The model never sees the file itself. Everything outside that square is gone before the network starts.",
    "Each square is one patch, and no pixel belongs to two patches.",
    "Every pixel holds three numbers: how much red, green and blue.",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--voices", default="kokoro,piper,espeak")
    ap.add_argument("--cues", type=int, default=len(CUES))
    args = ap.parse_args()
    cues = CUES[: args.cues]
    for spec in args.voices.split(","):
        voice = get_voice(spec)
        load = 0.0
        if spec.startswith("kokoro"):
            t = time.perf_counter()
            kokoro.engine()  # timed apart: a render pays it once per process
            load = time.perf_counter() - t
        wall = cpu = audio_s = 0.0
        errors = total = 0
        with tempfile.TemporaryDirectory() as cache:
            for n, text in enumerate(cues):
                t, c = time.perf_counter(), time.process_time()
                audio = synthesize_cue(Cue(f"c{n}", text), voice, cache)
                wall += time.perf_counter() - t
                cpu += time.process_time() - c
                audio_s += audio.duration
                samples, rate = read_audio(audio.wav_path)
                heard = transcribe(to_mono(samples), rate)
                n_words = len(words(text))
                errors += word_error_rate(text, heard) * n_words
                total += n_words
                print(f"  {voice.name:16s} {word_error_rate(text, heard):5.0%}  heard: {heard}")
        print(f"{voice.name}: load {load:.1f} s, {audio_s:.1f} s of audio, RTF wall {wall / audio_s:.2f}, "
              f"RTF CPU {cpu / audio_s:.2f}, WER {errors / total:.1%} over {total} words", flush=True)


if __name__ == "__main__":
    main()
