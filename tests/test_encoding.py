"""The fast encoding path (scenes/common/encoding.py) gives the same picture as Manim's stock one.

One small scene, with animations and a narrated-style hold, is rendered twice at low quality: with Manim's
stock segment settings and encoder, and with ours. Every frame of the two videos is compared.
"""
from __future__ import annotations

import av
import numpy as np
import pytest
from manim import BLUE, RIGHT, UP, Circle, Create, ImageMobject, Square, Text, Transform, tempconfig

from render import platform
from scenes.common.encoding import MANIM_SETTINGS, HeldFrameEncoder
from scenes.common.pixel_image import FastMovingCameraScene


class Sample(FastMovingCameraScene):
    def construct(self):
        rng = np.random.default_rng(0)
        photo = ImageMobject(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).scale_to_fit_height(3)
        self.add(photo.shift(3 * RIGHT))
        self.play(Create(Circle(color=BLUE)), run_time=1)
        self.add(Text("held while the narrator speaks", font_size=28).to_edge(UP))
        self.wait(2)  # a held frame: one picture, many frames
        self.play(Transform(self.mobjects[1], Square()), run_time=1)


class StockSample(Sample):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        del self.renderer.file_writer._create_segment_encoder  # back to Manim's own method


# What render/build.py hands Manim at low quality (480p15).
OURS = {**MANIM_SETTINGS, "video_encoder_options": platform.x264_options(480, 15)}


def render(scene_class, media_dir, settings) -> tuple[list[np.ndarray], str]:
    base = {"quality": "low_quality", "media_dir": str(media_dir), "progress_bar": "none", "verbosity": "ERROR",
            "disable_caching": True, "write_to_movie": True, "preview": False}
    with tempconfig({**base, **settings}):
        scene = scene_class()
        scene.render()
        path = scene.renderer.file_writer.movie_file_path
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24").astype(np.float64) for f in c.decode(video=0)]
    return frames, str(path)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    stock, _ = render(StockSample, tmp_path_factory.mktemp("stock"), {})
    fast, path = render(Sample, tmp_path_factory.mktemp("fast"), OURS)
    return stock, fast, path


def test_same_frames_as_the_stock_encoder(both):
    stock, fast, _ = both
    assert len(stock) == len(fast) == 4 * 15
    worst = min(psnr(a, b) for a, b in zip(stock, fast))
    assert worst >= 40, f"worst frame {worst:.1f} dB"


def test_a_held_frame_is_shown_unchanged(both):
    _, fast, _ = both
    held = fast[16:44]  # inside the two-second wait, away from its first frame
    # The platform's keyframe every half second codes the held picture afresh (about 46 dB against the
    # first on this noise photo, the worst case); between keyframes nothing moves.
    assert all(psnr(held[0], f) >= 44 for f in held[1:])
    gop = platform.gop_frames(15)
    assert sum(psnr(a, b) == float("inf") for a, b in zip(held, held[1:])) >= len(held) // gop * 2


def test_the_scene_encodes_with_the_held_frame_encoder(tmp_path):
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path), "verbosity": "ERROR",
                     "write_to_movie": True, **OURS}):
        writer = Sample().renderer.file_writer
        assert isinstance(writer._create_segment_encoder(tmp_path / "x.mp4"), HeldFrameEncoder)


def test_the_joined_segments_already_meet_the_platform_settings(both):
    """Encoded once: the segments Manim joins are H.264 High with the platform's GOP and B-frames, so
    publish copies the video stream instead of encoding it again."""
    info = platform.probe(both[2])
    assert platform.video_problems(info) == []
    assert info["max_gop"] == platform.gop_frames(15) and info["max_consecutive_b_frames"] == 2
