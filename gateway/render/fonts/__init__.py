"""The two faces every form is drawn with, loaded once per process.

A fax is only as good as its font: it must carry all of French (é è ç œ « ») and be embedded in the PDF so
the pharmacy's machine needs nothing installed. DejaVu Sans ships inside this package (its licence lets us);
a configuration may point at other TrueType files. Reportlab's font registry is global, so faces are
registered under a name derived from their path and reused by every render in the process.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from gateway.config import RenderSection
from gateway.errors import RenderError

_LOCK = threading.Lock()
_CACHE: dict[tuple[Path, Path], FontPair] = {}


@dataclass(frozen=True, slots=True)
class Face:
    """One registered TrueType face: its reportlab name and what is needed to measure and check text."""

    name: str
    widths: dict[int, float]  # code point → advance width in 1/1000 em
    default_width: float

    def has(self, codepoint: int) -> bool:
        return codepoint in self.widths

    def width(self, text: str, size: float) -> float:
        get = self.widths.get
        dflt = self.default_width
        return sum(get(ord(ch), dflt) for ch in text) * size / 1000.0


@dataclass(frozen=True, slots=True)
class FontPair:
    regular: Face
    bold: Face

    def has(self, codepoint: int) -> bool:
        return self.regular.has(codepoint) and self.bold.has(codepoint)


def shipped_font(name: str) -> Path:
    """Path of a font file shipped beside this module."""
    return Path(str(resources.files("gateway.render.fonts") / name))


def _register(path: Path) -> Face:
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    name = f"ofx-{path.stem}-{digest}"
    try:
        font = pdfmetrics.getFont(name)
    except KeyError:
        try:
            font = TTFont(name, str(path))
        except (OSError, TTFError) as exc:
            raise RenderError(f"font {path} cannot be used: {exc.__class__.__name__}") from None
        pdfmetrics.registerFont(font)
    face = font.face
    return Face(name=name, widths=dict(face.charWidths), default_width=float(face.defaultWidth))


def load_fonts(section: RenderSection) -> FontPair:
    """The configured faces, or the shipped DejaVu Sans pair; registered once per process."""
    regular = section.font_regular or shipped_font("DejaVuSans.ttf")
    bold = section.font_bold or shipped_font("DejaVuSans-Bold.ttf")
    key = (regular, bold)
    with _LOCK:
        pair = _CACHE.get(key)
        if pair is None:
            pair = FontPair(regular=_register(regular), bold=_register(bold))
            _CACHE[key] = pair
    return pair
