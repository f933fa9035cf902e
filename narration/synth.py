"""Speak one cue, clause by clause, and remember the result.

Piper's joe voice gives no word alignments, so each clause is synthesised on its own: concatenated
with short pauses, every clause then has exact start and end times, which is what captions need.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from vitmath import env
from vitmath.code_digest import digest_once as code_digest
from vitmath.errors import UserError
from vitmath.files import write_text

from .audio import (
    read_audio,
    to_mono,
    trim_silence,
    write_audio_atomic,
)
from .lexicon import speakable
from .voices import Recorded, Silent, Voice

if TYPE_CHECKING:  # a cue's words are read, not its script's code: editing script.py keeps the speech cache
    from .script import Cue

# How many times an engine (or a recording decode) actually ran; tests use it to see cache hits.
SYNTH_CALLS = 0

MIN_CLAUSE_WORDS = 3
SENTENCE_ENDS = ".?!"
CLAUSE_ENDS = ";:,"
DASHES = "—–"
# Pause after a clause, by the punctuation that ends it: long after a sentence, short after a comma.
PAUSES = {"sentence": 0.40, "clause": 0.22, "comma": 0.14, "none": 0.10}


@dataclass
class CueAudio:
    cue_id: str
    wav_path: Path | None  # None for the silent voice
    duration: float  # seconds
    sample_rate: int  # 0 for the silent voice
    segments: list[tuple[float, float, str]]  # (start, end, written text), seconds from cue start
    cached: bool = False


def default_cache_dir() -> Path:
    return env.cache_dir()


def split_clauses(text: str, min_words: int = MIN_CLAUSE_WORDS) -> list[str]:
    """Split at . ? ! ; : , and dashes, never inside brackets, e.g. inside a shape "(196, 768)".

    Fragments shorter than `min_words` are joined to a neighbour: Piper reads two-word snippets
    with odd, clipped prosody.
    """
    cuts, depth = [0], 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0:
            at_gap = i + 1 == len(text) or text[i + 1].isspace()
            if ch in DASHES or (ch in SENTENCE_ENDS + CLAUSE_ENDS and at_gap):
                cuts.append(i + 1)
    cuts.append(len(text))
    # Work on (start, end) positions so a merged clause is exactly the author's text, spacing included.
    spans = [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]

    def words(span):
        return len(text[span[0] : span[1]].split())

    merged: list[tuple[int, int]] = []
    for span in spans:
        if merged and words(merged[-1]) < min_words:
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    if len(merged) > 1 and words(merged[-1]) < min_words:
        tail = merged.pop()
        merged[-1] = (merged[-1][0], tail[1])
    return [text[a:b].strip() for a, b in merged]


def pause_after(clause: str) -> float:
    end = clause.rstrip("\"')]”’")[-1:]
    if end in SENTENCE_ENDS:
        return PAUSES["sentence"]
    if end in ";:" or end in DASHES:
        return PAUSES["clause"]
    if end == ",":
        return PAUSES["comma"]
    return PAUSES["none"]


def synthesize_cue(cue: Cue, voice: Voice, cache_dir=None) -> CueAudio:
    """Audio and clause timings for `cue`, from the cache when this text and voice were heard before."""
    clauses = split_clauses(cue.text)
    if not clauses:
        raise UserError(f"cue '{cue.id}' has nothing to say (its text is empty after filling placeholders)")
    if not voice.audible:
        return _silent(cue, clauses, voice)

    # This module's code (and what it imports) by its bytes: a change to the audio layout is a new key.
    key_parts = {"code": code_digest("narration.synth"), "clauses": [speakable(c, voice.lang) for c in clauses], "voice": voice.settings_key()}
    if isinstance(voice, Recorded):
        # Two cues with the same words still have different takes.
        key_parts["recording"] = str(voice.recording_for(cue.id))
    key = hashlib.sha256(json.dumps(key_parts, ensure_ascii=False).encode()).hexdigest()
    folder = Path(cache_dir or default_cache_dir()) / "audio"
    wav_path, meta_path = folder / f"{key}.wav", folder / f"{key}.json"

    if wav_path.is_file() and meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            spans = meta["spans"]
            # The JSON is written last, but the WAV can still be damaged later (a full disk, a copy cut
            # short): it counts only if it opens and is as long as the JSON says.
            wav = sf.info(str(wav_path))
            if len(spans) == len(clauses) and abs(wav.duration - meta["duration"]) < 1e-3:
                segments = [(s, e, c) for (s, e), c in zip(spans, clauses)]
                return CueAudio(cue.id, wav_path, meta["duration"], meta["sample_rate"], segments, cached=True)
        except (ValueError, KeyError, TypeError, RuntimeError):  # RuntimeError: libsndfile cannot read the WAV
            pass  # a damaged entry is simply made again

    if isinstance(voice, Recorded):
        samples, rate, spans = _from_recording(voice.recording_for(cue.id), clauses)
    else:
        samples, rate, spans = _speak_clauses(voice, clauses)

    duration = len(samples) / rate
    # WAV first, JSON last: the JSON's presence marks a complete entry.
    write_audio_atomic(wav_path, samples, rate)
    write_text(meta_path, json.dumps({"duration": duration, "sample_rate": rate, "spans": spans}))
    segments = [(s, e, c) for (s, e), c in zip(spans, clauses)]
    return CueAudio(cue.id, wav_path, duration, rate, segments)


def _speak_clauses(voice: Voice, clauses: list[str]):
    global SYNTH_CALLS
    parts, spans, cursor, rate = [], [], 0, None
    for n, clause in enumerate(clauses):
        SYNTH_CALLS += 1
        samples, clause_rate = voice.synthesize(speakable(clause, voice.lang))
        if rate is None:
            rate = clause_rate
        samples = trim_silence(np.asarray(samples, np.float32), rate)
        if samples.size == 0:  # e.g. a clause of pure punctuation: give it a breath of time
            samples = np.zeros(int(0.2 * rate), np.float32)
        spans.append([cursor / rate, (cursor + len(samples)) / rate])
        parts.append(samples)
        cursor += len(samples)
        if n + 1 < len(clauses):
            gap = np.zeros(int(pause_after(clause) * rate), np.float32)
            parts.append(gap)
            cursor += len(gap)
    return np.concatenate(parts), rate, spans


def _from_recording(path: Path, clauses: list[str]):
    """A take has no clause marks, so clauses share its length in proportion to their characters."""
    global SYNTH_CALLS
    SYNTH_CALLS += 1
    samples, rate = read_audio(path)
    samples = trim_silence(to_mono(samples), rate)
    if samples.size == 0:
        raise UserError(f"recording {path} is silent")
    return samples, rate, _proportional_spans(clauses, len(samples) / rate)


def _proportional_spans(clauses: list[str], total: float) -> list[list[float]]:
    weights = np.array([max(1, len(c)) for c in clauses], float)
    edges = np.concatenate([[0.0], np.cumsum(weights) / weights.sum() * total])
    return [[float(edges[i]), float(edges[i + 1])] for i in range(len(clauses))]


def _silent(cue: Cue, clauses: list[str], voice: Silent) -> CueAudio:
    segments, t = [], 0.0
    for n, clause in enumerate(clauses):
        length = max(0.4, voice.speaking_time(clause))
        segments.append((t, t + length, clause))
        t += length + (pause_after(clause) if n + 1 < len(clauses) else 0.0)
    return CueAudio(cue.id, None, t, 0, segments)
