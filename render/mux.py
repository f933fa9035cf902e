"""Putting Manim's picture and our narration track into one publishable MP4, with PyAV.

The video stream is copied packet for packet (no re-encode, no quality loss); the narration's AAC packets
come put together from its cues (narration/aac.py) and are copied too. The result is written under a
temporary name and renamed into place by the caller. `narration.aac.encode_into` encodes a whole buffer to AAC, for
the publishing step (render/platform.py).
"""
from __future__ import annotations

from pathlib import Path

import av

from narration.aac import BIT_RATE, LAYOUT, RATE, AacTrack
from vitmath.files import atomic_path


def mux(video_in: Path, aac: AacTrack | None, out_path: Path) -> None:
    with av.open(str(video_in)) as src, av.open(str(out_path), "w", format="mp4",
                                                options={"movflags": "+faststart"}) as dst:
        v_in = src.streams.video[0]
        v_out = dst.add_stream_from_template(v_in)
        if aac is not None:
            a_out = dst.add_stream("aac", rate=RATE, layout=LAYOUT)
            a_out.bit_rate = BIT_RATE
        for packet in src.demux(v_in):
            if packet.dts is None:  # the demuxer's flush packet
                continue
            packet.stream = v_out
            dst.mux(packet)
        if aac is not None:
            aac.mux_into(dst, a_out)


def probe(path: Path) -> dict:
    """What a player will see: streams, size, frame rate, duration."""
    with av.open(str(path)) as c:
        info: dict = {"duration": float(c.duration / av.time_base) if c.duration else 0.0}
        if c.streams.video:
            v = c.streams.video[0]
            info.update(width=v.codec_context.width, height=v.codec_context.height,
                        fps=float(v.average_rate), video_codec=v.codec_context.name)
        if c.streams.audio:
            a = c.streams.audio[0]
            info.update(audio_codec=a.codec_context.name, sample_rate=a.codec_context.sample_rate)
        return info


def frame_png(video: Path, t: float, out_png: Path) -> Path:
    """The frame shown at time t (seconds), as a PNG."""
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        chosen = None
        for frame in c.decode(stream):
            if frame.time is not None and frame.time > t + 1e-6:
                break
            chosen = frame
        else:  # no frame starts after t: t must still be within the last frame's time on screen
            end = chosen.time + 1 / float(stream.average_rate) if chosen is not None else 0.0
            if t >= end - 1e-6:
                raise ValueError(f"the video is only {end:.2f} s long")
        if chosen is None:
            raise ValueError(f"no frame at {t} s")
        with atomic_path(out_png, ".png") as tmp:
            chosen.to_image().save(tmp)
    return out_png
