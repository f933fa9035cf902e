"""A lesson's thumbnail: the lesson's number and title in the course style beside a clean picture from it.

YouTube wants 1280x720 (16:9) and at most 2 MB. The picture is the largest colourful picture (the photo or a
heatmap, not a text slide) found in a dozen evenly spaced frames, cut out of its frame with nothing around
it. The title sits on the plain background, never over the frame, so no text of the lesson shows through.
"""
from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

SIZE = (1280, 720)
MAX_BYTES = 2 * 1024 * 1024
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]


def _background() -> np.ndarray:
    """The course background as RGB floats."""
    from scenes.common.style import BACKGROUND

    return np.array(Image.new("RGB", (1, 1), BACKGROUND).getpixel((0, 0)), np.float64)


# The picture's panel, right of the title's: the lesson's frame never lies behind the words.
PANEL = (640, 0, 1280, 720)


def best_window(rgb: np.ndarray, aspect: float) -> tuple[float, tuple, tuple]:
    """A window of this aspect (width / height, in the frame's pixels) around the frame's largest colourful
    picture: in these lessons the photo or a heatmap. Pictures are the solid areas off the background (an
    opening wipes out the thin strokes of text); of them the largest times its colour wins, so a grey table
    loses to a photo. Returns (that score, the window, the picture's own box), boxes as (left, top, right,
    bottom) fractions of the frame."""
    from scipy import ndimage

    W, H = 384, 216
    small = np.asarray(Image.fromarray(rgb).convert("RGB").resize((W, H)), np.float64)
    bg = _background()
    r, g, b = small[..., 0], small[..., 1], small[..., 2]
    chroma = np.hypot(r - g, 0.5 * (r + g) - b)
    solid = ndimage.binary_opening(np.abs(small - bg).max(axis=2) > 12, iterations=2)
    labels, n = ndimage.label(solid)
    grid_aspect = aspect * (W / H) * rgb.shape[0] / rgb.shape[1]
    boxes = [b for box in ndimage.find_objects(labels) for b in _split(solid, box, grid_aspect)]
    if not boxes:
        whole = _fit((0, H, 0, W), grid_aspect, W, H)
        return 0.0, whole, whole
    scored = [(float(solid[ys, xs].sum() / (W * H) * chroma[ys, xs][solid[ys, xs]].mean()), (ys, xs))
              for ys, xs in boxes]
    score, (ys, xs) = max(scored, key=lambda s: s[0])
    picture = (xs.start / W, ys.start / H, xs.stop / W, ys.stop / H)
    return score, _fit((ys.start, ys.stop, xs.start, xs.stop), grid_aspect, W, H), picture


def _split(solid: np.ndarray, box, grid_aspect: float) -> list:
    """Pictures side by side with a hairline between them (three heatmaps in a row) touch once shrunk; a
    picture much wider than the window is cut at its emptiest column, if one is nearly empty."""
    ys, xs = box
    width, height = xs.stop - xs.start, ys.stop - ys.start
    if width < 1.3 * grid_aspect * height or width < 10:
        return [box]
    columns = solid[ys, xs].sum(axis=0)
    inner = columns[width // 5: width - width // 5]
    cut = width // 5 + int(np.argmin(inner))
    if columns[cut] > 0.2 * np.median(columns):
        return [box]
    return (_split(solid, (ys, slice(xs.start, xs.start + cut)), grid_aspect)
            + _split(solid, (ys, slice(xs.start + cut + 1, xs.stop)), grid_aspect))


def _fit(box, grid_aspect: float, W: int, H: int) -> tuple[float, float, float, float]:
    """The window of the aspect that holds the box (with a small margin), centred on it, inside the frame;
    a box too wide for the aspect keeps its middle."""
    y0, y1, x0, x1 = box
    hh = min(H, max((y1 - y0) * 1.08, (x1 - x0) * 1.08 / grid_aspect))
    ww = min(W, hh * grid_aspect)
    hh = ww / grid_aspect
    cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
    top, left = min(max(cy - hh / 2, 0), H - hh), min(max(cx - ww / 2, 0), W - ww)
    return (left / W, top / H, (left + ww) / W, (top + hh) / H)


def pick_frame(video: Path, candidates: int = 12) -> tuple[float, Image.Image, tuple, tuple]:
    """Among `candidates` frames evenly spaced between 10% and 90% of the video, the one whose largest
    colourful picture scores best (best_window); returns its time, the frame, the panel-shaped window around the picture and
    the picture's own box (fractions of the frame)."""
    aspect = (PANEL[2] - PANEL[0]) / (PANEL[3] - PANEL[1])
    best = (-1.0, 0.0, None, None, None)
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        duration = float(stream.duration * stream.time_base) if stream.duration else float(c.duration / av.time_base)
        for t in np.linspace(0.1, 0.9, candidates) * duration:
            c.seek(int(t / stream.time_base), stream=stream, backward=True)
            frame = next((f for f in c.decode(stream) if f.time is None or f.time >= t - 1e-3), None)
            if frame is None:
                continue
            image = frame.to_image()
            score, window, picture = best_window(np.asarray(image.convert("RGB")), aspect)
            if score > best[0]:
                best = (score, float(t), image, window, picture)
    if best[2] is None:
        raise ValueError(f"{video}: no frame could be decoded")
    return best[1:]


def _font(bold: bool, size: int):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def compose(frame: Image.Image, window: tuple, picture: tuple, number: int, phase: str, title: str) -> Image.Image:
    """The course background with the kicker, number and title on the left, and the frame's chosen window
    filling the picture panel on the right (a short fade joins the two); only the picture itself is kept
    from the frame, the rest of the window (a neighbour's edge, a label) is background."""
    from scenes.common.style import ACCENT, BACKGROUND, INK, MUTED

    w, h = SIZE
    canvas = Image.new("RGB", SIZE, BACKGROUND)
    x0, y0, x1, y1 = PANEL
    box = (window[0] * frame.width, window[1] * frame.height, window[2] * frame.width, window[3] * frame.height)
    crop = frame.convert("RGB").resize((x1 - x0, y1 - y0), Image.LANCZOS, box=box)
    fade = np.linspace(0, 1, 48)[None, :, None]  # the panel's left edge, into the background
    pixels = np.asarray(crop, np.float64)
    bg = _background()
    left, right = (_to_panel(picture[k], window[0], window[2], x1 - x0) for k in (0, 2))
    top, bottom = (_to_panel(picture[k], window[1], window[3], y1 - y0) for k in (1, 3))
    inside = np.zeros(pixels.shape[:2], bool)
    inside[top:bottom, left:right] = True
    pixels[~inside] = bg
    pixels[:, :48] = pixels[:, :48] * fade + bg * (1 - fade)
    canvas.paste(Image.fromarray(pixels.round().astype(np.uint8)), (x0, y0))

    draw = ImageDraw.Draw(canvas)
    margin = 64  # the 5% safe area of the lessons
    room = x0 - margin - 32
    draw.text((margin, margin), phase.split("·")[0].strip().upper(), font=_font(True, 30), fill=MUTED)
    draw.text((margin, margin + 48), f"{number:02d}", font=_font(True, 120), fill=ACCENT)
    for size in (68, 60, 54, 48, 42, 36):  # the largest type that fits in five lines beside the picture
        font = _font(True, size)
        lines = _wrap(draw, title, font, room)
        if len(lines) <= 5:
            break
    y = h - margin - len(lines) * size * 1.15
    for line in lines:
        draw.text((margin, y), line, font=font, fill=INK)
        y += size * 1.15
    draw.rectangle((margin, h - margin + 10, margin + 160, h - margin + 16), fill=ACCENT)
    return canvas


def _to_panel(f: float, lo: float, hi: float, size: int) -> int:
    """A frame fraction f inside the window [lo, hi] as a pixel of the panel."""
    return int(round(np.clip((f - lo) / (hi - lo), 0, 1) * size))


def _wrap(draw, text: str, font, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def write_thumbnail(video: Path, out: Path, number: int, phase: str, title: str) -> dict:
    """Pick a frame, compose, and save a JPEG under 2 MB (atomically); returns where the frame came from."""
    t, frame, window, picture = pick_frame(video)
    image = compose(frame, window, picture, number, phase, title)
    part = out.with_name(f".{out.name}.part{os.getpid()}")
    try:
        for quality in (92, 85, 75, 60):
            image.save(part, "JPEG", quality=quality, optimize=True, progressive=True)
            if part.stat().st_size < MAX_BYTES:
                break
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return {"frame_at": round(t, 3), "window": [round(v, 4) for v in window],
            "picture": [round(v, 4) for v in picture], "width": image.width,
            "height": image.height, "bytes": out.stat().st_size}
