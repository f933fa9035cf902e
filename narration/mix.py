"""Lay cue audio on the video's timeline and bring it to streaming loudness.

Target: -14 LUFS integrated (ITU-R BS.1770, measured by pyloudnorm) with true peak at most
-1 dBFS, where true peak is the peak of the 4x oversampled signal. Speech normalised to -14 LUFS
usually peaks above full scale, so a look-ahead limiter takes the peaks down afterwards.
"""

from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from vitmath.errors import UserError

from .audio import read_audio, to_mono, write_wav_atomic

MIX_RATE = 48_000
# AAC encoding overshoots peaks (we measured 0.4 to 1.5 dB at 192 kb/s, depending on the speech); limit
# below the ceiling so the encoded video usually meets it. The caller measures the encoded file and
# mixes again with more headroom when it does not.
CODEC_HEADROOM_DB = 1.0
# The look-ahead limiter's gain reaches its floor LOOKAHEAD before a peak and holds it as long after.
LOOKAHEAD = 0.003
HOLD = 0.010


def mix_track(placements, total_duration: float, out_path, target_lufs: float = -14.0,
              true_peak_db: float = -1.0, channels: int = 1, headroom_db: float = CODEC_HEADROOM_DB) -> dict:
    """Place each (start_seconds, audio_path), normalise, limit to true_peak_db - headroom_db, write a 48 kHz WAV."""
    track = np.zeros(round(total_duration * MIX_RATE), np.float64)
    for start, path in placements:
        samples, rate = read_audio(path)
        samples = _resample(to_mono(samples).astype(np.float64), rate)
        at = round(start * MIX_RATE)
        if at < 0:
            raise UserError(f"audio {Path(path).name} is placed at {start:.2f} s, before the video starts")
        overrun = at + len(samples) - len(track)
        if overrun > 0.05 * MIX_RATE:
            raise UserError(
                f"audio {Path(path).name} at {start:.2f} s runs {overrun / MIX_RATE:.2f} s past the end of the video "
                f"({total_duration:.2f} s): give the scene more time after that cue"
            )
        samples = samples[: len(track) - at]  # a few ms of rounding overrun are trimmed, not an error
        track[at : at + len(samples)] += samples

    if np.isfinite(loudness(track)):
        # BS.1770 sums channel powers, so the same mono signal on two channels reads 3 dB louder.
        mono_target = target_lufs - 10 * np.log10(channels)
        track = _normalise(track, mono_target, true_peak_db - headroom_db)
    out = np.repeat(track[:, None], channels, axis=1) if channels > 1 else track
    write_wav_atomic(out_path, out.astype(np.float32), MIX_RATE)
    lufs, peak = measure(out_path)
    return {"measured_lufs": lufs, "true_peak_db": peak}


def measure(path) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBFS) of any audio file, AAC in MP4 included."""
    samples, rate = read_audio(path)
    samples = samples.astype(np.float64)
    return loudness(samples, rate), true_peak(samples)


def loudness(samples: np.ndarray, rate: int = MIX_RATE) -> float:
    if len(samples) < int(0.4 * rate):  # BS.1770 gates on 400 ms blocks; shorter is unmeasurable
        return float("-inf")
    if samples.ndim == 2 and samples.shape[1] == 1:
        samples = samples[:, 0]
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def true_peak(samples: np.ndarray) -> float:
    upsampled = resample_poly(samples, 4, 1, axis=0)
    peak = float(np.max(np.abs(upsampled))) if upsampled.size else 0.0
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == MIX_RATE:
        return samples
    g = gcd(rate, MIX_RATE)
    return resample_poly(samples, MIX_RATE // g, rate // g)


def _normalise(track: np.ndarray, target_lufs: float, ceiling_db: float) -> np.ndarray:
    """Find the gain that, after limiting, lands on the target loudness.

    Limiting takes loudness away, more the harder we push, so the gain is found by the secant
    method on (gain -> loudness after limiting), always limiting the untouched track.
    """

    def attempt(gain_db: float):
        limited = _limit(track * 10 ** (gain_db / 20), ceiling_db)
        return limited, loudness(limited)

    g0 = target_lufs - loudness(track)
    out, l0 = attempt(g0)
    g1 = g0 + (target_lufs - l0)
    out, l1 = attempt(g1)
    for _ in range(8):
        if abs(l1 - target_lufs) < 0.1:
            break
        slope = (l1 - l0) / (g1 - g0) if g1 != g0 else 1.0
        step = (target_lufs - l1) / min(1.0, max(0.1, slope))
        g0, l0 = g1, l1
        g1 = g1 + float(np.clip(step, -12.0, 12.0))
        out, l1 = attempt(g1)
    return out


def _limit(x: np.ndarray, ceiling_db: float) -> np.ndarray:
    """Look-ahead peak limiter on the 4x oversampled envelope, re-run until the ceiling holds."""
    ceiling = aim = 10 ** (ceiling_db / 20)
    for _ in range(8):
        upsampled = np.abs(resample_poly(x, 4, 1))
        if upsampled.max() <= ceiling * 1.0001:  # within 0.001 dB: floating-point noise, not a peak
            return x
        envelope = upsampled.reshape(-1, 4).max(axis=1)[: len(x)]
        needed = np.minimum(1.0, aim / np.maximum(envelope, 1e-12))
        # A minimum over ±HOLD then a moving average over ±LOOKAHEAD is a smooth gain that never
        # exceeds what any sample needs (the average only sees values already <= that need).
        held = minimum_filter1d(needed, size=2 * int(HOLD * MIX_RATE) + 1)
        smooth = uniform_filter1d(held, size=2 * int(LOOKAHEAD * MIX_RATE) + 1)
        x = x * smooth
        aim *= 10 ** (-0.1 / 20)  # inter-sample peaks can creep back; aim slightly lower next pass
    return x
