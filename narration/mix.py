"""Lay cue audio on the video's timeline and bring it to streaming loudness.

Target: -14 LUFS integrated (ITU-R BS.1770, measured by pyloudnorm) with true peak at most
-1 dBFS, where true peak is the peak of the 4x oversampled signal. Speech normalised to -14 LUFS
usually peaks above full scale, so a look-ahead limiter takes the peaks down afterwards.

Each cue is levelled on its own (gain to the target, then the limiter) and the levelled clips are kept in a
folder beside the mix with their AAC (narration/aac.py), keyed by the clip's bytes and the settings. The
cues do not overlap, so the track is the levelled clips laid end to end with silence between, and a
re-render after an edit levels and encodes only the edited cue. Every cue at the same loudness is also
what a listener wants from a lesson whose cues were synthesised one at a time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
import pyloudnorm
import soundfile as sf
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from vitmath.code_digest import digest_once as code_digest
from vitmath.errors import UserError
from vitmath.files import write_text

from .aac import FRAME, AacTrack, decode, encode, read_packets, write_packets
from .audio import read_audio, to_mono, write_audio_atomic

MIX_RATE = 48_000
# Streaming platforms' loudness: -14 LUFS integrated, true peak at most -1 dBFS.
TARGET_LUFS = -14.0
CEILING_DB = -1.0
# AAC encoding overshoots peaks (we measured 0.4 to 1.5 dB at 192 kb/s, depending on the speech); limit
# below the ceiling so the encoded video usually meets it. Each cue's AAC is decoded and measured, and the
# cue levelled again with more headroom when it does not.
CODEC_HEADROOM_DB = 1.0
# The look-ahead limiter's gain reaches its floor LOOKAHEAD before a peak and holds it as long after.
LOOKAHEAD = 0.003
HOLD = 0.010
# How many clips were levelled (not found made); a render records it per task.
LEVEL_CALLS = 0


@dataclass
class Mix:
    report: dict             # measured_lufs and true_peak_db of the WAV, the most headroom a cue needed
    aac: AacTrack | None     # the track in AAC (stereo, narration/aac.py), when asked for


def mix_track(placements, total_duration: float, out_path, target_lufs: float = TARGET_LUFS,
              true_peak_db: float = CEILING_DB, channels: int = 2, aac: bool = False) -> Mix:
    """Place each (start_seconds, audio_path), each cue levelled to target_lufs with true peak at most
    true_peak_db, and write a 48 kHz WAV, the one voice on every channel (stereo: what the platform asks
    for). Starts fall on the AAC frame grid (narration/aac.py)."""
    clips = _clips(out_path, target_lufs, true_peak_db, channels, aac)
    track = np.zeros(round(total_duration * MIX_RATE), np.float32)
    pieces = []
    for start, path in placements:
        if start < 0:
            raise UserError(f"audio {Path(path).name} is placed at {start:.2f} s, before the video starts")
        at = FRAME * round(start * MIX_RATE / FRAME)
        clip = clips.get(path)
        overrun = at + len(clip.samples) - len(track)
        if overrun > 0.05 * MIX_RATE:
            raise UserError(
                f"audio {Path(path).name} at {start:.2f} s runs {overrun / MIX_RATE:.2f} s past the end of the video "
                f"({total_duration:.2f} s): give the scene more time after that cue"
            )
        samples = clip.samples[: len(track) - at]  # a few ms of rounding overrun are trimmed, not an error
        track[at : at + len(samples)] += samples
        pieces.append((at, clip))
    clips.forget_the_rest()
    out = np.repeat(track[:, None], channels, axis=1) if channels > 1 else track
    write_audio_atomic(out_path, out, MIX_RATE)
    report = {"measured_lufs": loudness(out.astype(np.float64)),
              "true_peak_db": max((c.peak_db for _, c in pieces), default=float("-inf")),
              "headroom_db": max((c.headroom_db for _, c in pieces), default=CODEC_HEADROOM_DB)}
    track_aac = None
    if clips.aac:
        encoded = []
        for run in _runs(sorted(pieces, key=lambda p: p[0])):
            at, clip = run[0]
            encoded.append((at, clip.packets, clip.aac_peak_db) if len(run) == 1 else _encode_run(track, run))
        track_aac = AacTrack.assemble([(at, packets) for at, packets, _ in encoded], len(track))
        report["aac_true_peak_db"] = max((peak for _, _, peak in encoded), default=float("-inf"))
    return Mix(report, track_aac)


def level_ahead(audio_path, out_path, target_lufs: float = TARGET_LUFS, true_peak_db: float = CEILING_DB,
                channels: int = 2, aac: bool = False) -> None:
    """Level (and encode) one cue's clip where `mix_track` with the same arguments will find it. Levelling
    is most of a mix's cost (47 of 49 CPU-s for lesson 5), so a render does it per cue, beside the cue's
    speech and in parallel with the drawing, and the mix that waits for the last picture only lays clips out."""
    _clips(out_path, target_lufs, true_peak_db, channels, aac).get(audio_path)


def _clips(out_path, target_lufs: float, true_peak_db: float, channels: int, aac: bool) -> LevelledClips:
    # BS.1770 sums channel powers, so the same mono signal on two channels reads 3 dB louder.
    mono_target = target_lufs - 10 * np.log10(channels)
    if aac and channels != 2:
        raise ValueError("the AAC track is stereo (narration/aac.py): mix it with channels=2")
    return LevelledClips(Path(out_path).parent / "levelled", mono_target, true_peak_db, aac)


def _runs(pieces):
    """Cues in runs: a cue starting less than two AAC frames after the one before cannot be joined to it as a
    separate piece (each piece needs a silent frame before it), so the two are encoded as one."""
    runs = []
    for at, clip in pieces:
        if runs and at < runs[-1][-1][0] + len(runs[-1][-1][1].samples) + 2 * FRAME:
            runs[-1].append((at, clip))
        else:
            runs.append([(at, clip)])
    return runs


def _encode_run(track, run):
    at = run[0][0]
    end = max(a + len(c.samples) for a, c in run)
    packets = encode(track[at:end])
    return at, packets, true_peak(decode(packets))


@dataclass
class Clip:
    samples: np.ndarray      # levelled, 48 kHz mono, as read back from its 16-bit FLAC
    peak_db: float           # its true peak
    headroom_db: float       # how far below the ceiling its limiter aimed
    packets: list[bytes] | None = None  # the clip alone in AAC
    aac_peak_db: float = float("-inf")  # the true peak of those packets decoded


class LevelledClips:
    """Cue clips levelled at 48 kHz (and encoded, with aac=True), kept beside the mix: a 16-bit FLAC (the
    mix is written at 16 bits anyway), its AAC packets and a JSON of its peaks, named by the clip's bytes
    and the settings."""

    def __init__(self, folder: Path, target_lufs: float, true_peak_db: float, aac: bool):
        self.folder, self.target, self.true_peak, self.aac = Path(folder), target_lufs, true_peak_db, aac
        self.used: set[str] = set()

    def get(self, path) -> Clip:
        data = Path(path).read_bytes()
        # The code that levels and encodes, by its bytes: an edit to it is a new name, never a stale clip.
        settings = f"{code_digest('narration.mix')} {MIX_RATE} {self.target:.4f} {self.true_peak:.4f} {self.aac}".encode()
        stem = self.folder / hashlib.sha256(data + settings).hexdigest()[:32]
        self.used.add(stem.name)
        meta_path = stem.with_suffix(".json")
        if not meta_path.is_file():
            self._make(path, stem)
        meta = json.loads(meta_path.read_text())
        samples, _ = sf.read(str(stem.with_suffix(".flac")), dtype="float32")
        packets = read_packets(stem.with_suffix(".aac")) if self.aac else None
        return Clip(samples, meta["peak_db"], meta["headroom_db"], packets, meta.get("aac_peak_db", float("-inf")))

    def _make(self, path, stem: Path) -> None:
        """Level; with AAC, encode, decode and measure, and level again with more headroom while the
        decoded peak is over the ceiling. The JSON is written last: its presence marks a whole entry."""
        global LEVEL_CALLS
        LEVEL_CALLS += 1
        samples, rate = read_audio(path)
        clip = _resample(to_mono(samples).astype(np.float64), rate)
        headroom, meta = CODEC_HEADROOM_DB, {}
        for _ in range(4):
            write_audio_atomic(stem.with_suffix(".flac"), level(clip, self.target, self.true_peak - headroom), MIX_RATE)
            # Measured as read back, so a fresh mix and a re-used one hold the same 16-bit values.
            levelled, _ = sf.read(str(stem.with_suffix(".flac")), dtype="float32")
            meta = {"peak_db": true_peak(levelled), "headroom_db": headroom}
            if not self.aac:
                break
            packets = encode(levelled)
            meta["aac_peak_db"] = true_peak(decode(packets))
            write_packets(stem.with_suffix(".aac"), packets)
            if meta["aac_peak_db"] <= self.true_peak:
                break
            headroom += meta["aac_peak_db"] - self.true_peak + 0.2
        write_text(stem.with_suffix(".json"), json.dumps(meta))

    def forget_the_rest(self) -> None:
        """Drop clips this mix did not use (older takes of edited cues), so the folder does not grow."""
        for p in self.folder.glob("*.*"):
            if p.stem not in self.used:
                p.unlink(missing_ok=True)


def level(clip: np.ndarray, target_lufs: float, ceiling_db: float) -> np.ndarray:
    """One cue at target_lufs, true peak at most ceiling_db; a clip too short or too quiet to measure is
    left as it is."""
    if not np.isfinite(loudness(clip)):
        return clip
    return _normalise(clip, target_lufs, ceiling_db)


def measure(path) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBFS) of any audio file, AAC in MP4 included."""
    samples, rate = read_audio(path)
    return loudness(samples.astype(np.float64), rate), true_peak(samples)


def loudness(samples: np.ndarray, rate: int = MIX_RATE) -> float:
    if len(samples) < int(0.4 * rate):  # BS.1770 gates on 400 ms blocks; shorter is unmeasurable
        return float("-inf")
    if samples.ndim == 2 and samples.shape[1] == 1:
        samples = samples[:, 0]
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def true_peak(samples: np.ndarray) -> float:
    """Peak of the 4x oversampled signal, in dBFS. Oversampled a minute at a time, each piece with enough
    neighbours for the interpolation filter, so a long track never needs four times its memory."""
    x = np.asarray(samples, np.float32)
    x = x.reshape(len(x), -1)
    chunk, pad = 60 * MIX_RATE, 64  # resample_poly's filter reaches 10 input samples either side
    peak = 0.0
    for a in range(0, len(x), chunk):
        lo, b, hi = max(0, a - pad), min(len(x), a + chunk), min(len(x), a + chunk + pad)
        up = resample_poly(x[lo:hi], 4, 1, axis=0)[4 * (a - lo) : 4 * (b - lo)]
        peak = max(peak, float(np.max(np.abs(up))))
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
