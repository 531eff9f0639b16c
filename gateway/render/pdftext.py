"""Text operators for the form, appended to the page directly instead of through reportlab text objects.

`Canvas.drawString` builds a text object per call (font look-ups, a bidi pass-through, a width computed
and thrown away); at forty-odd strings a page that was a fifth of a render. `draw_string` appends exactly
the operators drawString appends for a TrueType face: the same character codes (reportlab's font still
assigns them), the same numbers, so the page content is byte for byte what it was. A test holds it to that.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfgen.canvas import Canvas


def draw_string(canvas: Canvas, font: Any, size: float, x: float, y: float, text: str) -> None:
    """What `canvas.setFont(font.fontName, size); canvas.drawString(x, y, text)` draws."""
    doc = canvas._doc
    selection = _selection(size)
    ops = ["BT 1 0 0 1", fp_str(x, y), "Tm"]
    current = -1
    for subset, chunk in font.splitString(text, doc):
        if subset != current:
            ops.append(f"{font.getSubsetInternalName(subset, doc)} {selection}")
            current = subset
        ops.append(f"({escapePDF(chunk)}) Tj")
    canvas._code.append(" ".join(ops) + " T* ET")


@lru_cache(maxsize=64)
def _selection(size: float) -> str:
    """The size and leading after a subset's name, as setFont(name, size) leaves them (leading 1.2 × size)."""
    return f"{fp_str(size)} Tf {fp_str(size * 1.2)} TL"


def draw_right_string(canvas: Canvas, font: Any, size: float, x: float, y: float, text: str) -> None:
    """What `drawRightString` draws: the text ending at x."""
    draw_string(canvas, font, size, x - font.stringWidth(text, size), y, text)


def draw_centred_string(canvas: Canvas, font: Any, size: float, x: float, y: float, text: str) -> None:
    """What `drawCentredString` draws: the text centred on x."""
    draw_string(canvas, font, size, x - 0.5 * font.stringWidth(text, size), y, text)
