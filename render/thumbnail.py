"""A lesson's thumbnail: the lesson's number and title in the course style beside a clean picture from it.

YouTube wants 1280x720 (16:9) and at most 2 MB. The picture is a window of a real frame, the most colourful
window among a dozen evenly spaced frames: in these lessons that is the photo or a heatmap, not a text
slide. The title sits on the plain background, never over the frame, so no text of the lesson shows
through it.
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


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Suesstrunk's colourfulness metric (2003): spread and strength of the opponent colours."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


# The picture's panel, right of the title's: the lesson's frame never lies behind the words.
PANEL = (640, 0, 1280, 720)


def best_window(rgb: np.ndarray, aspect: float) -> tuple[float, tuple[float, float, float, float]]:
    """The window of this aspect (width / height, in the frame's pixels) that holds the most colourful
    detail, favouring larger ones: in these lessons that is the photo or a heatmap, while text (light grey
    on the dark background) has no colour and a flat coloured box no detail. Returns (score, (left, top,
    right, bottom) as fractions of the frame)."""
    small = np.asarray(Image.fromarray(rgb).convert("RGB").resize((192, 108)), np.float64)
    grid_aspect = aspect * (192 / 108) * rgb.shape[0] / rgb.shape[1]  # the same window on the small grid
    r, g, b = small[..., 0], small[..., 1], small[..., 2]
    chroma = np.hypot(r - g, 0.5 * (r + g) - b)
    luma = small.mean(axis=2)
    detail = np.zeros_like(luma)
    detail[1:, 1:] = np.hypot(np.diff(luma, axis=0)[:, 1:], np.diff(luma, axis=1)[1:, :])

    def table(x):  # summed-area table: any window's sum in four look-ups
        return np.pad(x.cumsum(0).cumsum(1), ((1, 0), (1, 0)))

    colour, edges = table(chroma), table(detail)
    best = (-1.0, (0.0, 0.0, 1.0, 1.0))
    for frac in (0.45, 0.6, 0.75, 0.9, 1.0):
        hh = round(108 * frac)
        ww = min(192, round(hh * grid_aspect))
        for y in range(0, 108 - hh + 1, 4):
            for x in range(0, 192 - ww + 1, 4):
                c, e = ((t[y + hh, x + ww] - t[y, x + ww] - t[y + hh, x] + t[y, x]) / (hh * ww) for t in (colour, edges))
                score = np.sqrt(max(c, 0.0) * min(max(e, 0.0), 12.0)) * frac
                if score > best[0]:
                    best = (float(score), (x / 192, y / 108, (x + ww) / 192, (y + hh) / 108))
    return best


def pick_frame(video: Path, candidates: int = 12) -> tuple[float, Image.Image, tuple]:
    """Among `candidates` frames evenly spaced between 10% and 90% of the video, the one with the most
    colourful picture-panel-shaped window; returns its time, the frame, and that window (fractions)."""
    aspect = (PANEL[2] - PANEL[0]) / (PANEL[3] - PANEL[1])
    best = (-1.0, 0.0, None, None)
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        duration = float(stream.duration * stream.time_base) if stream.duration else float(c.duration / av.time_base)
        for t in np.linspace(0.1, 0.9, candidates) * duration:
            c.seek(int(t / stream.time_base), stream=stream, backward=True)
            frame = next((f for f in c.decode(stream) if f.time is None or f.time >= t - 1e-3), None)
            if frame is None:
                continue
            image = frame.to_image()
            score, window = best_window(np.asarray(image.convert("RGB")), aspect)
            if score > best[0]:
                best = (score, float(t), image, window)
    if best[2] is None:
        raise ValueError(f"{video}: no frame could be decoded")
    return best[1], best[2], best[3]


def _font(bold: bool, size: int):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def compose(frame: Image.Image, window: tuple, number: int, phase: str, title: str) -> Image.Image:
    """The course background with the kicker, number and title on the left, and the frame's chosen window
    filling the picture panel on the right (a short fade joins the two)."""
    from scenes.common.style import ACCENT, BACKGROUND, INK, MUTED

    w, h = SIZE
    canvas = Image.new("RGB", SIZE, BACKGROUND)
    x0, y0, x1, y1 = PANEL
    box = (window[0] * frame.width, window[1] * frame.height, window[2] * frame.width, window[3] * frame.height)
    picture = frame.convert("RGB").resize((x1 - x0, y1 - y0), Image.LANCZOS, box=box)
    fade = np.clip(np.linspace(0, 1, 48), 0, 1)[None, :, None]  # the panel's left edge, into the background
    pixels = np.asarray(picture, np.float64)
    bg = np.array(canvas.getpixel((0, 0)), np.float64)
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
    t, frame, window = pick_frame(video)
    image = compose(frame, window, number, phase, title)
    part = out.with_name(f".{out.name}.part{os.getpid()}")
    try:
        for quality in (92, 85, 75, 60):
            image.save(part, "JPEG", quality=quality, optimize=True, progressive=True)
            if part.stat().st_size < MAX_BYTES:
                break
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return {"frame_at": round(t, 3), "window": [round(v, 4) for v in window], "width": image.width,
            "height": image.height, "bytes": out.stat().st_size}
