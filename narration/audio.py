"""Small audio helpers shared by the voices, the cache and the mixer."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import soundfile as sf

from vitmath.errors import UserError
from vitmath.files import atomic_path


def read_audio(path) -> tuple[np.ndarray, int]:
    """Decode any audio file (WAV, FLAC, MP3, AAC in MP4, ...) to float32 of shape (frames, channels)."""
    path = Path(path)
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
        return samples, rate
    except (sf.LibsndfileError, RuntimeError, TypeError):
        pass  # not a format libsndfile knows (e.g. MP3 on old builds, AAC): let FFmpeg decode it
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            # Planar float keeps channels apart, so the result reshapes without de-interleaving.
            resampler = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=stream.rate)
            blocks = [
                out.to_ndarray()
                for frame in container.decode(stream)
                for out in resampler.resample(frame)
            ]
            blocks += [out.to_ndarray() for out in resampler.resample(None)]
            rate = stream.rate
    except (av.FFmpegError, IndexError) as e:
        raise UserError(f"cannot decode audio file {path}: {e}") from None
    if not blocks:
        raise UserError(f"audio file {path} contains no samples")
    return np.concatenate(blocks, axis=1).T.astype(np.float32), rate


def to_mono(samples: np.ndarray) -> np.ndarray:
    return samples.mean(axis=1) if samples.ndim == 2 else samples


def trim_silence(samples: np.ndarray, rate: int, threshold_db: float = -45.0, keep: float = 0.04) -> np.ndarray:
    """Cut leading/trailing near-silence but keep `keep` seconds so consonants are not clipped."""
    if samples.size == 0:
        return samples
    peak = float(np.max(np.abs(samples)))
    if peak == 0.0:
        return samples[:0]
    # Judge loudness in 10 ms windows, relative to the clip's own peak.
    win = max(1, rate // 100)
    n = len(samples) // win
    if n == 0:
        return samples
    levels = np.abs(samples[: n * win]).reshape(n, win).max(axis=1)
    loud = np.nonzero(levels > peak * 10 ** (threshold_db / 20))[0]
    start = max(0, loud[0] * win - int(keep * rate))
    end = min(len(samples), (loud[-1] + 1) * win + int(keep * rate))
    return samples[start:end]


def write_audio_atomic(path, samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> Path:
    """Write a WAV or FLAC (by the name's suffix) so that a crash or a parallel reader never sees half a file."""
    path = Path(path)
    with atomic_path(path, path.suffix) as tmp:
        sf.write(tmp, np.clip(samples, -1.0, 1.0), rate, subtype=subtype, format=path.suffix[1:].upper())
    return path
