"""Tests for scenes.common.pixel_image (PixelImage + FastCamera)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import manim  # noqa: E402
from manim import (  # noqa: E402
    DOWN,
    LEFT,
    PI,
    RED,
    RESAMPLING_ALGORITHMS,
    UP,
    FadeIn,
    FadeOut,
    Group,
    ImageMobject,
    LaggedStart,
    ReplacementTransform,
    Square,
    Transform,
    tempconfig,
)
from manim.camera.camera import Camera  # noqa: E402

from scenes.common.heatmaps import heatmap_image  # noqa: E402
from scenes.common.pixel_image import (  # noqa: E402
    FastCamera,
    FastImageScene,
    PixelImage,
)

# 480p15: 854x480 pixels for an 8-unit-high frame -> exactly 60 px per unit.
LOW = {"quality": "low_quality", "disable_caching": True, "verbosity": "WARNING",
       "progress_bar": "none", "preview": False}
PX = 60.0
W, H = 854, 480


def px_to_point(x: float, y: float) -> np.ndarray:
    """Frame point of pixel-grid coordinate (x right, y down) at 480p."""
    return np.array([(x - W / 2) / PX, (H / 2 - y) / PX, 0.0])


def place(mob, ul_x: int, ul_y: int, texel_px: int):
    """Scale so one texel is texel_px pixels and put its UL corner at (ul_x, ul_y)."""
    h, w = mob.pixel_array.shape[:2]
    mob.stretch_to_fit_height(h * texel_px / PX)
    mob.stretch_to_fit_width(w * texel_px / PX)
    mob.move_to(px_to_point(ul_x, ul_y), aligned_edge=UP + LEFT)
    return mob


def capture(camera_cls, *mobjects) -> np.ndarray:
    cam = camera_cls()
    cam.capture_mobjects(list(mobjects))
    return np.array(cam.pixel_array)


def pattern(h=4, w=4, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = rng.integers(30, 256, size=(h, w, 3), dtype=np.uint8)
    checker = (np.indices((h, w)).sum(0) % 2).astype(bool)
    img[checker] //= 3  # checkerboard of bright/dark, all distinct colours
    return img


def upscale(img: np.ndarray, k: int) -> np.ndarray:
    return np.repeat(np.repeat(img, k, axis=0), k, axis=1)


def test_checkerboard_pixel_exact_and_matches_manim():
    img = pattern()
    k, x0, y0 = 10, 100, 200
    with tempconfig(LOW):
        ours = capture(FastCamera, place(PixelImage(img), x0, y0, k))
        ref_mob = ImageMobject(img)
        ref_mob.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        ref = capture(Camera, place(ref_mob, x0, y0, k))
    assert ours.shape == (H, W, 4)
    expected = upscale(img, k)
    region = ours[y0 : y0 + 4 * k, x0 : x0 + 4 * k, :3]
    np.testing.assert_array_equal(region, expected)
    # nothing drawn outside the image
    outside = ours.copy()
    outside[y0 : y0 + 4 * k, x0 : x0 + 4 * k] = 0
    assert outside[..., :3].max() == 0
    # Manim's own (slow) path agrees except possibly on edge pixels
    inner = (slice(y0 + 1, y0 + 4 * k - 1), slice(x0 + 1, x0 + 4 * k - 1))
    np.testing.assert_array_equal(ours[inner][..., :3], ref[inner][..., :3])
    diff = np.any(ours[..., :3] != ref[..., :3], axis=-1)
    assert diff.sum() <= 4 * 4 * k  # at most the border ring differs


def test_opacity_half_over_black():
    img = np.full((4, 4, 3), 200, np.uint8)
    with tempconfig(LOW):
        frame = capture(FastCamera, place(PixelImage(img).set_opacity(0.5), 100, 100, 10))
        zero = capture(FastCamera, place(PixelImage(img).set_opacity(0.0), 100, 100, 10))
    assert abs(int(frame[120, 120, 0]) - 100) <= 2
    assert zero[..., :3].max() == 0


def test_rgba_alpha_channel_respected():
    img = np.zeros((2, 2, 4), np.uint8)
    img[..., 1] = 255
    img[0, 0, 3] = 255
    img[0, 1, 3] = 128
    img[1, :, 3] = 0
    with tempconfig(LOW):
        frame = capture(FastCamera, place(PixelImage(img), 100, 100, 10))
    assert frame[105, 105, 1] == 255
    assert abs(int(frame[105, 115, 1]) - 128) <= 1
    assert frame[115, 105, 1] == 0 and frame[115, 115, 1] == 0


def test_rotation_and_position():
    img = pattern(4, 6, seed=1)
    k = 10
    with tempconfig(LOW):
        mob = place(PixelImage(img), 0, 0, k)
        mob.rotate(PI / 2).move_to(px_to_point(400, 300))  # centre at pixel corner
        frame = capture(FastCamera, mob)
    # counter-clockwise quarter turn == np.rot90
    expected = upscale(np.rot90(img), k)  # 6x4 texels -> 60x40 px
    eh, ew = expected.shape[:2]
    y0, x0 = 300 - eh // 2, 400 - ew // 2
    np.testing.assert_array_equal(frame[y0 : y0 + eh, x0 : x0 + ew, :3], expected)
    ys, xs = np.nonzero(frame[..., :3].max(-1))
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (y0, y0 + eh - 1, x0, x0 + ew - 1)


def test_z_order_with_vector_mobjects():
    img = np.full((4, 4, 3), 255, np.uint8)
    with tempconfig(LOW):
        pic = PixelImage(img, height=2)
        sq = Square(side_length=0.5, fill_color=RED, fill_opacity=1, stroke_width=0)
        under = Square(side_length=4, fill_color=RED, fill_opacity=1, stroke_width=0)
        top = capture(FastCamera, under, pic, sq)  # red / white / red
        bottom = capture(FastCamera, sq, pic)  # square hidden under the image
        zi = capture(FastCamera, sq.copy().set_z_index(1), pic)
    red = np.array([252, 98, 85])  # manim RED = #FC6255
    np.testing.assert_array_equal(top[H // 2, W // 2, :3], red)
    np.testing.assert_array_equal(top[H // 2 - 45, W // 2, :3], [255, 255, 255])
    np.testing.assert_array_equal(top[H // 2 - 100, W // 2, :3], red)
    np.testing.assert_array_equal(bottom[H // 2, W // 2, :3], [255, 255, 255])
    np.testing.assert_array_equal(zi[H // 2, W // 2, :3], red)


def test_input_formats_and_heatmap():
    f = np.linspace(0, 1, 12).reshape(3, 4)
    assert PixelImage(f).pixel_array.shape == (3, 4, 4)
    assert PixelImage(np.dstack([f] * 3)).pixel_array[2, 3, 0] == 255
    p = PixelImage(np.zeros((5, 7, 3), np.uint8), height=2)
    assert p.height == pytest.approx(2) and p.width == pytest.approx(2 * 7 / 5)
    q = PixelImage(np.zeros((5, 7, 3), np.uint8), height=1, width=3)
    assert (q.height, q.width) == (pytest.approx(1), pytest.approx(3))
    hm = heatmap_image(np.arange(6.0).reshape(2, 3), cmap="viridis", alpha=0.5)
    assert hm.pixel_array.shape == (2, 3, 4)
    assert np.all(hm.pixel_array[..., 3] == 128)
    with pytest.raises(ValueError):
        PixelImage(np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(ValueError):  # frozen: no silent in-place edits
        p.pixel_array[0, 0, 0] = 1


def test_copy_shares_pixels_and_hash_sees_content():
    from manim.utils.hashing import get_json

    a = PixelImage(pattern(seed=2))
    b = copy.deepcopy(a)
    assert b.pixel_array is a.pixel_array and b is not a
    assert b.get_cairo_surface() is a.get_cairo_surface()
    c = PixelImage(pattern(seed=3))
    ja, jb, jc = get_json(a), get_json(b), get_json(c)
    assert "cairo" not in ja.lower()
    assert ja == jb and ja != jc  # content (digest) is part of the hash


def test_plain_camera_fallback_still_draws():
    img = pattern()
    with tempconfig(LOW):
        frame = capture(Camera, place(PixelImage(img).set_opacity(0.5), 100, 100, 10))
    assert 0 < frame[105, 105, :3].max() < img[0, 0].max()


# ---------------------------------------------------------------- rendering


def read_frames(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def render(scene_cls, tmp_path: Path, **extra) -> Path:
    opts = dict(LOW, media_dir=str(tmp_path), write_to_movie=True, **extra)
    with tempconfig(opts):
        scene = scene_cls()
        scene.render()
        return Path(scene.renderer.file_writer.movie_file_path)


def test_fadein_transform_fadeout_video(tmp_path):
    white = np.full((8, 8, 3), 255, np.uint8)
    blue = np.zeros((4, 6, 3), np.uint8)
    blue[..., 2] = 255

    class Demo(FastImageScene):
        def construct(self):
            a = PixelImage(white, height=3).shift(2 * LEFT)
            self.play(FadeIn(a), run_time=1)  # frames 0..14
            b = PixelImage(blue, height=2).shift(2 * DOWN + 3 * manim.RIGHT)
            self.play(Transform(a, b), run_time=1)  # frames 15..29
            self.wait(0.2)
            c = PixelImage(white, height=1).shift(2 * UP)
            self.play(ReplacementTransform(a, c), run_time=1)
            self.play(FadeOut(c), run_time=1)

    path = render(Demo, tmp_path)
    frames = read_frames(path)
    assert len(frames) >= 60
    lum = lambda f, x, y: f[int(H / 2 - y * PX), int(W / 2 + x * PX)].astype(int)  # noqa: E731
    # FadeIn: starts dark, ends white at (-2, 0)
    assert lum(frames[0], -2, 0).max() < 60
    assert 60 < lum(frames[7], -2, 0).mean() < 230
    assert lum(frames[14], -2, 0).min() > 235
    # Transform: mid-way the image is between both places, at the end it is the
    # blue image at (3, -2), and the white one is gone.
    mid = frames[22]
    assert mid[..., :].max() > 100
    end = frames[31]
    b_px = lum(end, 3, -2)
    assert b_px[2] > 235 and b_px[0] < 30 and b_px[1] < 30
    assert lum(end, -2, 0).max() < 30
    # ReplacementTransform ends at the small white image at (0, 2); FadeOut clears it
    assert lum(frames[-16], 0, 2).min() > 235
    assert frames[-1].max() < 30


def test_group_laggedstart_animate_rotate(tmp_path):
    patches = [np.full((16, 16, 3), v, np.uint8) for v in (60, 120, 180, 240)]

    class G(FastImageScene):
        def construct(self):
            g = Group(*[PixelImage(p, height=1) for p in patches]).arrange(manim.RIGHT, buff=0)
            self.add(g)
            self.play(LaggedStart(*[m.animate.shift(2 * DOWN).rotate(PI) for m in g], lag_ratio=0.3),
                      run_time=1)
            # Group.set_opacity is a no-op in Manim (Mobject.__getattr__ setter); fade() recurses
            self.play(g.animate.scale(0.5).fade(0.5), run_time=0.5)

    frames = read_frames(render(G, tmp_path))
    last = frames[-1]
    # four grey squares of 0.5 units at y = -2, half opacity
    row = last[int(H / 2 + 2 * PX), :, 0].astype(int)
    levels = sorted({v for v in row if v > 10})
    assert levels and 105 <= max(levels) <= 135 and min(levels) >= 20  # 240 * 0.5 (+ codec noise)
    assert frames[0][int(H / 2), int(W / 2) - 5].max() > 100  # initially at the centre row


def test_partial_movie_cache_reused_and_content_sensitive(tmp_path):
    def make(value):
        class C(FastImageScene):
            def construct(self):
                self.play(FadeIn(PixelImage(np.full((4, 4, 3), value, np.uint8), height=2)),
                          run_time=0.2)
        return C

    def partials(cls):
        opts = dict(LOW, media_dir=str(tmp_path), write_to_movie=True, disable_caching=False)
        with tempconfig(opts):
            scene = cls()
            scene.render()
            return [Path(p).name for p in scene.renderer.file_writer.partial_movie_files]

    first = partials(make(200))
    again = partials(make(200))
    other = partials(make(100))
    assert first == again
    assert first != other


def test_transform_cross_fades_pixels_between_different_shapes():
    white = np.full((4, 4, 3), 240, np.uint8)
    black = np.zeros((2, 3, 3), np.uint8)
    with tempconfig(LOW):
        a = place(PixelImage(white), 100, 100, 10)
        b = place(PixelImage(black), 300, 200, 20)
        anim = Transform(a, b)
        anim.begin()
        anim.interpolate(0.5)
        mid = capture(FastCamera, a)
        center = a.get_center()
        anim.interpolate(1.0)
        anim.finish()
        end = capture(FastCamera, a)
    cx = int(round(W / 2 + center[0] * PX))
    cy = int(round(H / 2 - center[1] * PX))
    assert abs(int(mid[cy, cx, 0]) - 120) <= 3  # halfway between 240 and 0
    assert a.pixel_array.shape == (2, 3, 4) and a._blend_array is None
    assert end[..., :3].max() == 0  # ends as the black image (shape of b)
