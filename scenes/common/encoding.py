"""How a lesson's frames reach the video encoder: the settings and the one shortcut that make renders fast.

Encoding was the limit of a 1080p60 render on two cores (profile in issue 9): every frame was handed to
PyAV as RGBA, converted to YUV and compressed by x264 at its "medium" preset, and a frame held still while
the narrator speaks (about a third of a lesson) went through all of that again sixty times a second.

- Segments are encoded once, to the platform's upload settings (render/platform.py `x264_options`, passed in
  by render/build.py): joined and muxed, they are the file `vitlessons publish` uploads, copied, not encoded
  again. x264's "veryfast" preset with a lower CRF keeps the picture no worse than the stock settings'
  ("medium", CRF 23): tests/test_encoding.py compares the two frame by frame.
- A held frame is converted to YUV once and the same picture is handed to x264 as often as it is shown.
- Two segment encoders run at once, so drawing the next animation overlaps encoding the last.
- A segment is written under a temporary name and renamed when complete: Manim trusts any file with the
  animation's hash as cached, and a render task killed mid-animation (a worker lost, Ctrl-C) must not leave
  a truncated one for the next run, or another task of the same render, to splice in.
"""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
from manim.scene.video_segment_encoder import VideoSegmentEncoder

# Manim's config keys for the segment files; set by render/build.py for every render and preview, with the
# encoder's options for the quality's size and frame rate.
MANIM_SETTINGS = {
    "max_inflight_encoders": 2,
}


class HeldFrameEncoder(VideoSegmentEncoder):
    """Manim's segment encoder, converting a repeated frame once instead of once per repeat, and putting the
    finished segment in place by a rename."""

    def __init__(self, *, target: Path, spec) -> None:
        final = Path(target)
        super().__init__(target=final.with_name(f".{final.stem}.part-{os.getpid()}{final.suffix}"), spec=spec)
        self._part, self.target = self.target, final

    def finish(self) -> None:
        if self._closed:
            return
        super().finish()
        os.replace(self._part, self.target)

    def abort(self) -> None:
        self.target = self._part  # Manim's abort deletes its target: the incomplete file, never a finished one
        super().abort()

    def write_frame(self, pixels, *, repeat: int = 1) -> None:
        if repeat == 1:
            return super().write_frame(pixels, repeat=1)
        self._validate_frame(pixels, repeat)
        time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
        try:
            frame = av.VideoFrame.from_ndarray(pixels, format="rgba").reformat(format=self.spec.pixel_format)
            for _ in range(repeat):
                frame.pts = self._next_pts
                frame.time_base = time_base
                self._next_pts += 1
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error


def use_held_frame_encoder(file_writer) -> None:
    """Make a scene's file writer build its segments with HeldFrameEncoder."""
    if getattr(file_writer, "video_encoder", None) is None:  # no video output (e.g. skipped animations)
        return
    file_writer._create_segment_encoder = lambda target: HeldFrameEncoder(target=target, spec=file_writer.video_encoder)
