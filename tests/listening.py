"""Ears for the tests: PocketSphinx's transcript of a clip, and its word error rate against the script.

PocketSphinx is a small, old recogniser (its US English model ships inside the PyPI wheel), so its word error
rate measures intelligibility coarsely; it is used to compare voices on the same words, never as a
transcript of record.
"""
from __future__ import annotations

import re

import numpy as np
from scipy.signal import resample_poly

ASR_RATE = 16000


def transcribe(samples: np.ndarray, rate: int) -> str:
    from pocketsphinx import Decoder

    samples = np.asarray(samples, np.float64)
    if rate != ASR_RATE:
        g = np.gcd(rate, ASR_RATE)
        samples = resample_poly(samples, ASR_RATE // g, rate // g)
    peak = np.max(np.abs(samples)) or 1.0
    pcm = (samples / peak * 0.9 * 32767).astype("<i2").tobytes()
    decoder = Decoder(samprate=ASR_RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance over words."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))
