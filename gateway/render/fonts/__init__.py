"""The two faces every form is drawn with, loaded once per process.

A fax is only as good as its font: it must carry all of French (é è ç œ « ») and be embedded in the PDF so
the pharmacy's machine needs nothing installed. DejaVu Sans ships inside this package (its licence lets us);
a configuration may point at other TrueType files. Reportlab's font registry is global, so faces are
registered under a name derived from their path and reused by every render in the process, as
`EmbeddedTTFont`s, which embed their subsets from font programs prepared once (see `embed`, `subset`).
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import repeat
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError

from gateway.config import RenderSection
from gateway.errors import RenderError
from gateway.render.embed import EmbeddedTTFont

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
        return sum(map(self.widths.get, map(ord, text), repeat(self.default_width))) * size / 1000.0


@dataclass(frozen=True, slots=True)
class FontPair:
    regular: Face
    bold: Face
    # characters both faces draw and that text cleaning leaves as they are (see `text.clean`)
    plain: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def has(self, codepoint: int) -> bool:
        return self.regular.has(codepoint) and self.bold.has(codepoint)


def _plain(regular: Face, bold: Face) -> frozenset[str]:
    """Characters with a glyph in both faces that are neither control, format, unassigned nor white space
    (the space itself excepted): a text made only of these needs no character-by-character cleaning."""
    chars = (chr(c) for c in regular.widths.keys() & bold.widths.keys())
    return frozenset(ch for ch in chars if _is_plain(ch))


def _is_plain(ch: str) -> bool:
    if ch == " ":
        return True
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp")


@lru_cache(maxsize=8)
def shipped_font(name: str) -> Path:
    """Path of a font file shipped beside this module (looked up once: importlib.resources is slow)."""
    return Path(str(resources.files("gateway.render.fonts") / name))


def _register(path: Path) -> Face:
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    name = f"ofx-{path.stem}-{digest}"
    try:
        font = pdfmetrics.getFont(name)
    except KeyError:
        try:
            font = EmbeddedTTFont(name, str(path))
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
            faces = _register(regular), _register(bold)
            pair = FontPair(*faces, plain=_plain(*faces))
            _CACHE[key] = pair
    return pair
