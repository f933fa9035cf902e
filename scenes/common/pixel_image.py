"""Fast, pixel-exact raster images for Manim's Cairo renderer.

Manim's stock :class:`~manim.ImageMobject` is composited by the Cairo camera
through a full-frame RGBA PIL image on *every* frame, which makes scenes with
many images (196 patches, heatmaps, an attention matrix) crawl at ~2 frames/s
at 1080p.  This module draws images with Cairo itself instead:

* :class:`PixelImage` -- an ``ImageMobject`` subclass holding an immutable RGBA
  array.  It moves/scales/rotates like any mobject, works with ``.animate``,
  ``Transform``/``ReplacementTransform`` (position, size and a cross-fade of
  the pixels), ``FadeIn``/``FadeOut``, ``set_opacity``, ``Group`` and
  ``LaggedStart``.
* :class:`FastCamera` (and :class:`FastMovingCamera`) -- cameras that paint
  ``PixelImage`` batches through a cached premultiplied ``cairo.ImageSurface``
  with nearest-neighbour sampling (pixel-exact patches), in the right z-order
  with vector mobjects.
* :class:`FastImageScene` / :class:`FastMovingCameraScene` -- scene bases that
  select those cameras (``camera_class=FastCamera``), so a scene works under
  the plain ``manim`` CLI and in-process with ``tempconfig`` + ``render()``.

A ``PixelImage`` rendered by a stock ``Camera`` still works (slowly) through
Manim's PIL path, so nothing breaks if a scene forgets the fast camera.
"""

from __future__ import annotations

import hashlib
import weakref
from typing import Any, Iterable

import cairo
import numpy as np
from manim.camera.camera import Camera
from manim.camera.moving_camera import MovingCamera
from manim.constants import RESAMPLING_ALGORITHMS
from manim.mobject.mobject import Mobject
from manim.mobject.types.image_mobject import AbstractImageMobject, ImageMobject
from manim.scene.moving_camera_scene import MovingCameraScene
from manim.scene.scene import Scene
from manim.utils.color import ManimColor, ParsableManimColor, color_to_int_rgb

__all__ = [
    "PixelImage",
    "FastCamera",
    "FastMovingCamera",
    "FastImageScene",
    "FastMovingCameraScene",
    "to_rgba_uint8",
]

_FILTERS = {
    "nearest": cairo.FILTER_NEAREST,
    "bilinear": cairo.FILTER_BILINEAR,
    "good": cairo.FILTER_GOOD,
    "best": cairo.FILTER_BEST,
}

# --------------------------------------------------------------------------
# array helpers
# --------------------------------------------------------------------------


def to_rgba_uint8(array: Any) -> np.ndarray:
    """Return a C-contiguous, read-only HxWx4 uint8 RGBA copy of ``array``.

    Accepts HxW (grey), HxWx1, HxWx3 or HxWx4 arrays, either integer (0..255)
    or floating point in [0, 1] (values are clipped).
    """
    a = np.asarray(array)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(
            f"PixelImage needs an HxW, HxWx3 or HxWx4 array, got shape {a.shape}"
        )
    if a.dtype == np.bool_:
        a = a.astype(np.uint8) * 255
    elif np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)):
            raise ValueError("PixelImage float array contains NaN/inf")
        a = np.rint(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)
    elif a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    h, w, c = a.shape
    out = np.empty((h, w, 4), dtype=np.uint8)
    if c == 1:
        out[:, :, :3] = a
        out[:, :, 3] = 255
    elif c == 3:
        out[:, :, :3] = a
        out[:, :, 3] = 255
    else:
        out[:] = a
    out.flags.writeable = False
    return out


def _digest(rgba: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=12)
    h.update(str(rgba.shape).encode())
    h.update(np.ascontiguousarray(rgba).tobytes())
    return h.hexdigest()


# Cache of cairo surfaces keyed by id() of the (immutable) RGBA array they were
# made from.  Entries die with their array.  Kept out of the mobject's __dict__
# so that copy.deepcopy and Manim's scene hashing never see a cairo object.
_SURFACES: dict[int, tuple[weakref.ref, np.ndarray, cairo.ImageSurface, dict]] = {}


def _surface_for(rgba: np.ndarray) -> cairo.ImageSurface:
    return _cache_entry(rgba)[2]


def _pattern_for(rgba: np.ndarray, cfilter: int) -> cairo.SurfacePattern:
    """Cached surface pattern (EXTEND_NONE) of ``rgba`` with the given filter."""
    patterns = _cache_entry(rgba)[3]
    pattern = patterns.get(cfilter)
    if pattern is None:
        pattern = cairo.SurfacePattern(_cache_entry(rgba)[2])
        pattern.set_filter(cfilter)
        patterns[cfilter] = pattern
    return pattern


def _cache_entry(rgba: np.ndarray) -> tuple:
    key = id(rgba)
    entry = _SURFACES.get(key)
    if entry is not None and entry[0]() is rgba:
        return entry
    h, w = rgba.shape[:2]
    alpha = rgba[:, :, 3:4].astype(np.uint16)
    premul = np.empty((h, w, 4), dtype=np.uint8)
    # Manim's frame buffer is an RGBA byte array that Cairo reads as
    # little-endian ARGB32 (bytes B,G,R,A); Manim compensates by handing Cairo
    # colours in BGR order.  So our surface's bytes are R,G,B,A as well,
    # premultiplied by alpha as Cairo requires.
    premul[:, :, :3] = ((rgba[:, :, :3].astype(np.uint16) * alpha + 127) // 255).astype(
        np.uint8
    )
    premul[:, :, 3] = rgba[:, :, 3]
    stride = cairo.ImageSurface.format_stride_for_width(cairo.FORMAT_ARGB32, w)
    if stride != 4 * w:  # never for ARGB32, but be safe
        padded = np.zeros((h, stride), dtype=np.uint8)
        padded[:, : 4 * w] = premul.reshape(h, 4 * w)
        premul = padded
    surface = cairo.ImageSurface.create_for_data(
        memoryview(premul), cairo.FORMAT_ARGB32, w, h, stride
    )

    def _evict(ref: weakref.ref, key: int = key) -> None:
        e = _SURFACES.get(key)
        if e is not None and e[0] is ref:
            del _SURFACES[key]

    entry = (weakref.ref(rgba, _evict), premul, surface, {})
    _SURFACES[key] = entry
    return entry


# --------------------------------------------------------------------------
# the mobject
# --------------------------------------------------------------------------


class PixelImage(ImageMobject):
    """An image mobject drawn directly by Cairo (with :class:`FastCamera`).

    Parameters
    ----------
    array
        HxWx3 or HxWx4 uint8 array (or float in [0, 1]; HxW is grey).
        The array is copied and frozen; treat ``pixel_array`` as read-only.
    height, width
        Size in scene units.  One given: the other follows the aspect ratio.
        Both: the image is stretched.  None: one texel per pixel at 1080p
        (Manim's ImageMobject default).
    filter
        Cairo sampling filter: ``"nearest"`` (default, pixel-exact blocks),
        ``"bilinear"``, ``"good"`` or ``"best"``.
    opacity
        Initial opacity in [0, 1].
    """

    def __init__(
        self,
        array: Any,
        height: float | None = None,
        width: float | None = None,
        *,
        filter: str = "nearest",
        opacity: float = 1.0,
        **kwargs: Any,
    ) -> None:
        if filter not in _FILTERS:
            raise ValueError(f"filter must be one of {sorted(_FILTERS)}, got {filter!r}")
        rgba = to_rgba_uint8(array)
        # Mirror what ImageMobject.__init__ sets up, without its mutable copies.
        self.invert_image = False
        self.image_mode = "RGBA"
        self.pixel_array = rgba
        self.pixel_array_dtype = "uint8"
        self.sampling_filter = filter
        self.image_opacity = float(opacity)
        self.fill_opacity = self.image_opacity
        self.stroke_opacity = self.image_opacity
        # Manim's scene hashing skips `pixel_array`; this keeps the image
        # content in the partial-movie hash.
        self.pixel_digest = _digest(rgba)
        # Cross-fade state used while a Transform runs between two images.
        self._blend_array: np.ndarray | None = None
        self._blend_digest: str | None = None
        self._blend_t = 0.0
        kwargs.setdefault(
            "resampling_algorithm",
            RESAMPLING_ALGORITHMS["nearest" if filter == "nearest" else "bilinear"],
        )
        AbstractImageMobject.__init__(
            self, QUALITY_1080P_HEIGHT, **kwargs
        )
        if height is not None and width is not None:
            self.stretch_to_fit_height(height)
            self.stretch_to_fit_width(width)
        elif height is not None:
            self.scale_to_fit_height(height)
        elif width is not None:
            self.scale_to_fit_width(width)

    # -- copying / hashing -------------------------------------------------
    def __deepcopy__(self, memo: dict[int, Any]) -> PixelImage:
        # Pixel arrays are immutable: share them between copies (cheap copies,
        # and the cairo surface cache is shared too).
        for name in ("pixel_array", "_blend_array"):
            arr = self.__dict__.get(name)
            if isinstance(arr, np.ndarray):
                memo.setdefault(id(arr), arr)
        return super().__deepcopy__(memo)

    # -- pixels --------------------------------------------------------------
    @property
    def texel_shape(self) -> tuple[int, int]:
        """(rows, cols) of the image."""
        return self.pixel_array.shape[0], self.pixel_array.shape[1]

    def set_pixels(self, array: Any) -> PixelImage:
        """Replace the image content (new array; size on screen unchanged)."""
        rgba = to_rgba_uint8(array)
        self.pixel_array = rgba
        self.pixel_digest = _digest(rgba)
        self._blend_array = None
        self._blend_digest = None
        self._blend_t = 0.0
        return self

    def get_pixel_array(self) -> np.ndarray:
        """RGBA array as Manim's stock camera expects it (opacity applied).

        Only used when a PixelImage is rendered by a non-fast camera.
        """
        base = self.pixel_array
        if self._blend_array is not None and self._blend_t > 0:
            if self._blend_array.shape == base.shape:
                base = (
                    base.astype(np.float32) * (1 - self._blend_t)
                    + self._blend_array.astype(np.float32) * self._blend_t
                ).astype(np.uint8)
            elif self._blend_t >= 0.5:
                base = self._blend_array
        if self.image_opacity >= 1.0:
            return base
        out = np.array(base)
        out[:, :, 3] = (out[:, :, 3] * max(self.image_opacity, 0.0)).astype(np.uint8)
        return out

    def get_cairo_surface(self) -> cairo.ImageSurface:
        """The cached premultiplied ARGB32 surface of the image."""
        return _surface_for(self.pixel_array)

    # -- colour / opacity ------------------------------------------------------
    def set_opacity(self, alpha: float) -> PixelImage:
        self.image_opacity = float(alpha)
        self.fill_opacity = self.image_opacity
        self.stroke_opacity = self.image_opacity
        return self

    def get_opacity(self) -> float:
        return self.image_opacity

    def fade(self, darkness: float = 0.5, family: bool = True) -> PixelImage:
        self.set_opacity(1 - darkness)
        Mobject.fade(self, darkness, family)
        return self

    def set_color(
        self,
        color: ParsableManimColor = "#FFFF00",
        alpha: Any = None,
        family: bool = True,
    ) -> PixelImage:
        """Tint: replaces RGB (and alpha if given), like ImageMobject.set_color."""
        rgba = np.array(self.pixel_array)
        rgba[:, :, :3] = color_to_int_rgb(color)
        if alpha is not None:
            rgba[:, :, 3] = int(255 * alpha)
        self.set_pixels(rgba)
        for submob in self.submobjects:
            submob.set_color(color, alpha, family)
        self.color = ManimColor(color)
        return self

    def interpolate_color(
        self, mobject1: Mobject, mobject2: Mobject, alpha: float
    ) -> PixelImage:
        o1 = _opacity_of(mobject1)
        o2 = _opacity_of(mobject2)
        self.set_opacity(o1 + (o2 - o1) * alpha)
        a1 = getattr(mobject1, "pixel_array", None)
        a2 = getattr(mobject2, "pixel_array", None)
        if not isinstance(mobject1, PixelImage):
            a1 = to_rgba_uint8(a1) if a1 is not None else self.pixel_array
        if not isinstance(mobject2, PixelImage):
            a2 = to_rgba_uint8(a2) if a2 is not None else a1
        same = a1 is a2 or (
            isinstance(mobject1, PixelImage)
            and isinstance(mobject2, PixelImage)
            and mobject1.pixel_digest == mobject2.pixel_digest
        )
        if same or alpha <= 0.0:
            self.pixel_array = a1
            self.pixel_digest = getattr(mobject1, "pixel_digest", None) or _digest(a1)
            self._blend_array, self._blend_digest, self._blend_t = None, None, 0.0
        elif alpha >= 1.0:
            self.pixel_array = a2
            self.pixel_digest = getattr(mobject2, "pixel_digest", None) or _digest(a2)
            self._blend_array, self._blend_digest, self._blend_t = None, None, 0.0
        else:
            self.pixel_array = a1
            self.pixel_digest = getattr(mobject1, "pixel_digest", None) or _digest(a1)
            self._blend_array = a2
            self._blend_digest = getattr(mobject2, "pixel_digest", None)
            self._blend_t = float(alpha)
        return self


QUALITY_1080P_HEIGHT = 1080


def _opacity_of(mob: Mobject) -> float:
    if isinstance(mob, PixelImage):
        return mob.image_opacity
    return float(getattr(mob, "stroke_opacity", 1.0))


# --------------------------------------------------------------------------
# the camera
# --------------------------------------------------------------------------


class FastImageCameraMixin:
    """Camera mixin: draw PixelImage batches with Cairo instead of PIL."""

    def type_or_raise(self, mobject: Mobject) -> type:
        # Camera.type_or_raise rebuilds self.display_funcs on every call, so
        # re-register our batch function each time it ran.  PixelImage runs are
        # grouped separately from other image mobjects, keeping z-order.
        if isinstance(mobject, PixelImage):
            funcs = self.__dict__.get("display_funcs")
            if funcs is None or PixelImage not in funcs:
                super().type_or_raise(mobject)
                self.display_funcs[PixelImage] = self.display_multiple_pixel_images
            return PixelImage
        result = super().type_or_raise(mobject)
        self.display_funcs[PixelImage] = self.display_multiple_pixel_images
        return result

    def display_multiple_pixel_images(
        self, images: Iterable[PixelImage], pixel_array: np.ndarray
    ) -> None:
        ctx = self.get_cairo_context(pixel_array)
        for image in images:
            self.display_pixel_image(image, ctx)

    def display_pixel_image(self, image: PixelImage, ctx: cairo.Context) -> None:
        """Paint one PixelImage onto the frame's cairo context.

        The image's texel (u, v) maps to UL + u/w * (UR - UL) + v/h * (DL - UL)
        in frame units; the context's own matrix takes frame units to pixels.
        """
        opacity = image.image_opacity
        if not opacity > 0.0:
            return
        points = image.points
        if len(points) < 3:
            return
        (ulx, uly, _), (urx, ury, _), (dlx, dly, _) = points[:3].tolist()
        rgba = image.pixel_array
        h, w = rgba.shape[:2]
        exx, exy = urx - ulx, ury - uly  # along the image rows (u)
        eyx, eyy = dlx - ulx, dly - uly  # down the image columns (v)
        det = exx * eyy - exy * eyx
        if not abs(det) > 1e-12:  # degenerate (scaled to 0) or NaN: nothing to draw
            return
        cfilter = _FILTERS.get(image.sampling_filter, cairo.FILTER_NEAREST)
        blend = image._blend_array
        t = image._blend_t
        ctx.save()
        try:
            ctx.transform(cairo.Matrix(exx / w, exy / w, eyx / h, eyy / h, ulx, uly))
            if blend is None or not 0.0 < t < 1.0:
                # EXTEND_NONE pattern: painting only touches the image's quad.
                ctx.set_source(_pattern_for(rgba, cfilter))
                if opacity >= 1.0:
                    ctx.paint()
                else:
                    ctx.paint_with_alpha(opacity)
            else:
                # Premultiplied cross-fade (1-t)*A + t*B of two images mapped to
                # the same quad, then composited with the image's opacity.
                ctx.rectangle(0, 0, w, h)
                ctx.clip()  # keeps the group surface small
                ctx.push_group()
                ctx.set_source(_pattern_for(rgba, cfilter))
                ctx.paint_with_alpha(1.0 - t)
                ctx.set_operator(cairo.OPERATOR_ADD)
                bh, bw = blend.shape[:2]
                ctx.scale(w / bw, h / bh)
                ctx.set_source(_pattern_for(blend, cfilter))
                ctx.paint_with_alpha(t)
                ctx.pop_group_to_source()
                ctx.paint_with_alpha(min(opacity, 1.0))
        except cairo.Error:
            # e.g. a non-invertible matrix from extreme squashing: draw nothing
            pass
        finally:
            ctx.restore()


class FastCamera(FastImageCameraMixin, Camera):
    """Manim's Cairo camera, drawing :class:`PixelImage` through Cairo."""


class FastMovingCamera(FastImageCameraMixin, MovingCamera):
    """:class:`~manim.MovingCamera` drawing :class:`PixelImage` through Cairo."""


class FastImageScene(Scene):
    """Scene base class rendering :class:`PixelImage` with :class:`FastCamera`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("camera_class", FastCamera)
        super().__init__(**kwargs)


class FastMovingCameraScene(MovingCameraScene):
    """MovingCameraScene with :class:`FastMovingCamera`, encoding held frames once (scenes/common/encoding.py)."""

    def __init__(self, **kwargs: Any) -> None:
        from scenes.common.encoding import use_held_frame_encoder

        kwargs.setdefault("camera_class", FastMovingCamera)
        super().__init__(**kwargs)
        use_held_frame_encoder(self.renderer.file_writer)
