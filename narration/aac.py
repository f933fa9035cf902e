"""The narration track in AAC, put together from one encoded piece per cue.

AAC codes audio in frames of 1024 samples, each packet standing alone, and a stream starts with one packet
of encoder delay. A clip encoded on its own, padded to whole frames, is therefore a run of packets that can
be laid into a longer stream at any frame boundary where the stream is silent: the joined stream decodes,
sample for sample, to the pieces decoded alone (tests/test_narration_audio.py), so what the mixer measured of
a cue is what the viewer hears. So each cue is encoded once, kept beside its levelled clip, and an edit
re-encodes only the edited cue; the silence between cues is one repeated silent packet.

The price is that a cue's voice starts on the 1024-sample grid: at most 512 samples (10.7 ms) from its
frame, under one frame at 60 fps.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import numpy as np

from vitmath.files import atomic_path

RATE = 48_000
FRAME = 1024          # samples per AAC frame
# The platform's upload settings (render/platform.py) ask for stereo at 384 kb/s: the narration is one
# voice on both channels, so the rendered file is already what publish uploads and is copied, not re-encoded.
LAYOUT = "stereo"
BIT_RATE = 384_000
WARM_UP = 4           # silent frames encoded before a piece and dropped
# Perceptual noise substitution (on by default in FFmpeg's encoder) sends some bands as "noise here" and the
# decoder draws that noise from a random state carried from packet to packet, separately on each channel. A
# piece then decodes differently in the joined stream than alone, and the two channels differ: lesson 14's
# right channel peaked at -0.79 dBFS where its cue alone measured -1.97. Without it, decoding is exact.
OPTIONS = {"aac_pns": "0"}


def _encoder() -> av.CodecContext:
    ctx = av.CodecContext.create("aac", "w")
    ctx.sample_rate, ctx.layout, ctx.format, ctx.bit_rate = RATE, LAYOUT, "fltp", BIT_RATE
    ctx.time_base = Fraction(1, RATE)
    ctx.options = OPTIONS
    ctx.open()
    return ctx


def encode(samples: np.ndarray) -> list[bytes]:
    """Mono float samples on both channels, zero-padded to whole frames, as AAC packets: one per frame, after
    one packet for the silent frame before them (the encoder's delay). Loudness adds the channels' powers, so
    a clip for a -14 LUFS track comes levelled to -17 (narration/mix.py)."""
    frames = -(-len(samples) // FRAME)
    # The encoder is warmed up on a few frames of silence whose packets are dropped: its first frames after
    # starting cold come out 20 dB noisier than the same speech after silence in a long encode.
    padded = np.zeros((WARM_UP + frames) * FRAME, np.float32)
    padded[WARM_UP * FRAME: WARM_UP * FRAME + len(samples)] = samples
    ctx, packets = _encoder(), []
    for i in range(WARM_UP + frames):
        block = padded[None, i * FRAME:(i + 1) * FRAME]
        frame = av.AudioFrame.from_ndarray(np.repeat(block, 2, axis=0), format="fltp", layout=LAYOUT)
        frame.sample_rate, frame.pts = RATE, i * FRAME
        packets += [bytes(p) for p in ctx.encode(frame)]
    packets += [bytes(p) for p in ctx.encode(None)]
    assert len(packets) == WARM_UP + frames + 1, "the AAC encoder's delay is not one frame"
    return packets[WARM_UP:]


def decode(packets: list[bytes]) -> np.ndarray:
    """The samples a player hears from these packets, (samples, 2): both channels, because a peak is measured
    on whichever is higher. As a stream's first packet, the first is dropped."""
    ctx = av.CodecContext.create("aac", "r")
    ctx.sample_rate, ctx.layout, ctx.extradata = RATE, LAYOUT, _extradata()
    out = [frame.to_ndarray() for data in packets for frame in ctx.decode(av.Packet(data))]
    return np.concatenate(out, axis=1).T[FRAME:] if out else np.zeros((0, 2), np.float32)


@cache
def _extradata() -> bytes:
    return bytes(_encoder().extradata)


@cache
def silent_packet() -> bytes:
    return encode(np.zeros(8 * FRAME, np.float32))[4]


def write_packets(path: Path, packets: list[bytes]) -> None:
    """Keep a piece as size-prefixed packets (raw AAC has no framing of its own)."""
    sizes = np.array([len(p) for p in packets], np.uint32)
    with atomic_path(path, path.suffix) as tmp:
        tmp.write_bytes(np.uint32(len(packets)).tobytes() + sizes.tobytes() + b"".join(packets))


def read_packets(path: Path) -> list[bytes]:
    data = Path(path).read_bytes()
    n = int(np.frombuffer(data[:4], np.uint32)[0])
    sizes = np.frombuffer(data[4:4 + 4 * n], np.uint32)
    ends = 4 + 4 * n + np.cumsum(sizes)
    return [data[int(e - s):int(e)] for s, e in zip(sizes, ends)]


@dataclass
class AacTrack:
    """packets[n] decodes to track samples [(n - 1) * FRAME, n * FRAME): packet 0 is the encoder's delay."""
    packets: list[bytes]

    @classmethod
    def assemble(cls, pieces: list[tuple[int, list[bytes]]], total_samples: int) -> "AacTrack":
        """pieces: (first sample, packets of a clip encoded alone), the first sample on the frame grid and
        each piece starting after the one before ends (narration/mix.py encodes cues closer than that as one)."""
        packets = [silent_packet()] * (-(-total_samples // FRAME) + 1)
        end = 0
        for at, piece in sorted(pieces):
            k = at // FRAME
            if at % FRAME or k < end:
                raise ValueError(f"an AAC piece at sample {at} is off the frame grid or overlaps the one before")
            packets[k:k + len(piece)] = piece  # may run past the end: speech outlasting the picture a little
            end = k + len(piece)
        return cls(packets)

    def mux_into(self, container, stream) -> None:
        for n, data in enumerate(self.packets):
            packet = av.Packet(data)
            packet.stream, packet.time_base = stream, Fraction(1, RATE)
            packet.pts = packet.dts = (n - 1) * FRAME
            packet.duration = FRAME
            container.mux(packet)


def encode_into(dst, stream, samples: np.ndarray, rate: int, layout: str) -> None:
    """Encode a whole (samples, channels) buffer into an open container's AAC `stream` (re-encoding a
    finished file for a platform; a lesson's own track is joined from per-cue packets instead)."""
    # AAC wants fixed-size frames; the FIFO cuts our one long buffer into them.
    fifo = av.AudioFifo()
    planar = np.ascontiguousarray(samples.T)
    frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=layout)
    frame.sample_rate = rate
    frame.pts = 0
    fifo.write(frame)
    size = stream.codec_context.frame_size or 1024
    while fifo.samples >= size:
        for packet in stream.encode(fifo.read(size)):
            dst.mux(packet)
    rest = fifo.read()
    if rest is not None:
        for packet in stream.encode(rest):
            dst.mux(packet)
    for packet in stream.encode(None):
        dst.mux(packet)
