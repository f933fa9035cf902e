"""A lesson's thumbnail: a real frame of the lesson, with the lesson's title set in the course style.

YouTube wants 1280x720 (16:9) and at most 2 MB. The frame is the most colourful of a dozen evenly spaced
candidates: in these lessons that is where the photo and the heatmaps are on screen, not a text slide.
"""
from __future__ import annotations

import os
import textwrap
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


def pick_frame(video: Path, candidates: int = 12) -> tuple[float, Image.Image]:
    """The most colourful frame among `candidates` evenly spaced between 10% and 90% of the video."""
    best = (-1.0, 0.0, None)
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        duration = float(stream.duration * stream.time_base) if stream.duration else float(c.duration / av.time_base)
        for t in np.linspace(0.1, 0.9, candidates) * duration:
            c.seek(int(t / stream.time_base), stream=stream, backward=True)
            frame = next((f for f in c.decode(stream) if f.time is None or f.time >= t - 1e-3), None)
            if frame is None:
                continue
            image = frame.to_image()
            score = colourfulness(np.asarray(image.convert("RGB").resize((160, 90))))
            if score > best[0]:
                best = (score, float(t), image)
    if best[2] is None:
        raise ValueError(f"{video}: no frame could be decoded")
    return best[1], best[2]


def _font(bold: bool, size: int):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def compose(frame: Image.Image, number: int, phase: str, title: str) -> Image.Image:
    """The frame filling 16:9, darkened to the left under the course kicker, number and title."""
    from scenes.common.style import ACCENT, BACKGROUND, INK, MUTED

    w, h = SIZE
    scale = max(w / frame.width, h / frame.height)
    resized = frame.convert("RGB").resize((round(frame.width * scale), round(frame.height * scale)),
                                          Image.LANCZOS)
    left, top = (resized.width - w) // 2, (resized.height - h) // 2
    canvas = resized.crop((left, top, left + w, top + h))
    # A left-to-right fade into the course background keeps the title readable over any frame.
    fade = np.clip(1.15 - np.linspace(0, 1.6, w), 0, 0.92)[None, :, None]
    bg = np.array(Image.new("RGB", (1, 1), BACKGROUND).getpixel((0, 0)), np.float64)
    pixels = np.asarray(canvas, np.float64) * (1 - fade) + bg * fade
    canvas = Image.fromarray(pixels.round().astype(np.uint8))

    draw = ImageDraw.Draw(canvas)
    margin = 64  # the 5% safe area of the lessons
    draw.text((margin, margin), phase.split("·")[0].strip().upper(), font=_font(True, 30), fill=MUTED)
    draw.text((margin, margin + 48), f"{number:02d}", font=_font(True, 120), fill=ACCENT)
    for size in (72, 64, 56, 48, 42):  # the largest type that fits in four lines over 62% of the width
        font = _font(True, size)
        chars = max(8, int(0.62 * w / (0.58 * size)))
        lines = textwrap.wrap(title, chars)
        if len(lines) <= 4 and all(draw.textlength(line, font=font) <= 0.62 * w for line in lines):
            break
    y = h - margin - len(lines) * size * 1.15
    for line in lines:
        # An outline in the background colour keeps the title legible where it crosses the picture.
        draw.text((margin, y), line, font=font, fill=INK, stroke_width=max(2, size // 18), stroke_fill=BACKGROUND)
        y += size * 1.15
    draw.rectangle((margin, h - margin + 10, margin + 160, h - margin + 16), fill=ACCENT)
    return canvas


def write_thumbnail(video: Path, out: Path, number: int, phase: str, title: str) -> dict:
    """Pick a frame, compose, and save a JPEG under 2 MB (atomically); returns where the frame came from."""
    t, frame = pick_frame(video)
    image = compose(frame, number, phase, title)
    part = out.with_name(f".{out.name}.part{os.getpid()}")
    try:
        for quality in (92, 85, 75, 60):
            image.save(part, "JPEG", quality=quality, optimize=True, progressive=True)
            if part.stat().st_size < MAX_BYTES:
                break
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return {"frame_at": round(t, 3), "width": image.width, "height": image.height, "bytes": out.stat().st_size}
