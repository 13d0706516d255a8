"""A signer's captured signature as an image: a drawn path (smoothed strokes) or a typed name in a script font.

The drawn path is kept as vectors (strokes of points in a 0..1 box) by the envelope; this module renders it,
or the typed name, to the transparent PNG stamped into the signature field.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from fidus_desktop.integrations.signing.pades import SigningError

SIZE = (600, 200)
INK = (16, 32, 110, 255)
Stroke = Sequence[tuple[float, float]]


def script_font() -> Path | None:
    """The calligraphic Type 1 font reportlab ships (callig15), or None when it is missing."""
    spec = importlib.util.find_spec("reportlab")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "fonts" / "callig15.pfb"
    return path if path.exists() else None


def render_typed(name: str) -> bytes:
    text = name.strip()
    if not text:
        raise SigningError("Type the signer's name to sign with it.")
    font_path = script_font()
    image = Image.new("RGBA", SIZE, (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    size = 96
    while True:
        font = ImageFont.truetype(str(font_path), size) if font_path else ImageFont.load_default(size)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        if right - left <= SIZE[0] - 20 or size <= 24:
            break
        size -= 8
    draw.text(((SIZE[0] - (right - left)) / 2 - left, (SIZE[1] - (bottom - top)) / 2 - top), text, font=font,
              fill=INK)
    return _png(image)


def render_strokes(strokes: Sequence[Stroke]) -> bytes:
    """Strokes of (x, y) points in the unit square (y down), smoothed with midpoint quadratic curves."""
    points = [p for stroke in strokes for p in stroke]
    if len(points) < 2 or not all(0 <= x <= 1 and 0 <= y <= 1 for x, y in points):
        raise SigningError("The drawn signature is empty or leaves its box; draw it again.")
    image = Image.new("RGBA", SIZE, (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        path = [(x * (SIZE[0] - 1), y * (SIZE[1] - 1)) for x, y in stroke]
        smooth = _smoothed(path)
        if len(smooth) == 1:
            x, y = smooth[0]
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=INK)
        else:
            draw.line(smooth, fill=INK, width=4, joint="curve")
    return _png(image)


def _smoothed(path: list[tuple[float, float]], steps: int = 6) -> list[tuple[float, float]]:
    """A quadratic curve through the midpoints of ``path`` (the points are its control points)."""
    if len(path) < 3:
        return path
    out = [path[0]]
    for i in range(1, len(path) - 1):
        (x0, y0), (cx, cy), (x2, y2) = path[i - 1], path[i], path[i + 1]
        start, end = ((x0 + cx) / 2, (y0 + cy) / 2), ((cx + x2) / 2, (cy + y2) / 2)
        for step in range(1, steps + 1):
            t = step / steps
            out.append(((1 - t) ** 2 * start[0] + 2 * (1 - t) * t * cx + t * t * end[0],
                        (1 - t) ** 2 * start[1] + 2 * (1 - t) * t * cy + t * t * end[1]))
    out.append(path[-1])
    return out


def _png(image: Image.Image) -> bytes:
    """The ink cropped to its bounds (plus a margin), so it fills the signature box when stamped."""
    box = image.getbbox()
    if box is not None:
        image = image.crop((max(0, box[0] - 6), max(0, box[1] - 6), min(SIZE[0], box[2] + 6),
                            min(SIZE[1], box[3] + 6)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
