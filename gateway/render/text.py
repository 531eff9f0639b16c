"""Making arbitrary e-mail text safe to draw: clean characters, then wrap to a width.

Prescribers paste anything: 5,000-character lines, emoji, right-to-left scripts, control characters, lone
surrogates from badly encoded mail. None of it may crash the renderer or run off the page. Characters the
font lacks become U+FFFD (one per run) instead of an empty box or an exception; invisible formatting
characters (bidi overrides, zero-width joiners, soft hyphens) are removed because on paper they can only
mislead. Wrapping breaks at spaces, then after hyphens or slashes, and as a last resort inside a word.
"""

from __future__ import annotations

import unicodedata

from gateway.render.fonts import Face, FontPair

REPLACEMENT = "\ufffd"
_BREAK_AFTER = "-/,;"
_MARGIN = 1e-6  # points: far above the rounding of summing widths word by word instead of all at once


def clean(text: str | None, fonts: FontPair) -> str:
    """One display line: NFC, no control or format characters, missing glyphs replaced, spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if fonts.plain.issuperset(text):
        return " ".join(text.split())
    replacement = REPLACEMENT if fonts.has(ord(REPLACEMENT)) else "?"
    out: list[str] = []
    for ch in text:
        if ch in "\t\r\n\f\v\u2028\u2029":
            ch = " "
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf"):
            continue
        if cat == "Zs":
            ch = " "
        elif not fonts.has(ord(ch)) or cat in ("Cs", "Co", "Cn"):
            if out and out[-1] == replacement:
                continue
            ch = replacement
        if ch == " " and (not out or out[-1] == " "):
            continue
        out.append(ch)
    return "".join(out).strip()


def clean_lines(text: str | None, fonts: FontPair) -> list[str]:
    """Like `clean`, keeping the author's line breaks (empty lines dropped)."""
    if not text:
        return []
    lines = (clean(part, fonts) for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [line for line in lines if line]


def _fit(word: str, face: Face, size: float, width: float) -> int:
    """How many leading characters of `word` fit in `width` (at least one, so wrapping always progresses)."""
    get, dflt, scale = face.widths.get, face.default_width, size / 1000.0
    used = 0.0
    for i, ch in enumerate(word):
        used += get(ord(ch), dflt) * scale
        if used > width:
            return max(i, 1)
    return len(word)


def _head(word: str, face: Face, size: float, width: float) -> str:
    """The longest start of `word` that fits, preferring a cut just after a hyphen or slash."""
    n = _fit(word, face, size, width)
    if n < len(word):
        cut = max(word.rfind(c, 0, n) for c in _BREAK_AFTER)
        if cut >= n // 2:
            n = cut + 1
    return word[:n]


def wrap(text: str, face: Face, size: float, width: float, first_indent: float = 0.0) -> list[str]:
    """Greedy wrap of an already cleaned line; no line is wider than `width` (the first: minus the indent)."""
    if not text:
        return [""]
    if face.width(text, size) < width - first_indent - _MARGIN:
        return [text]  # what `greedy_wrap` gives a line that fits, without measuring it word by word
    return greedy_wrap(text, face, size, width, first_indent)


def greedy_wrap(text: str, face: Face, size: float, width: float, first_indent: float = 0.0) -> list[str]:
    """`wrap`, word by word: as many words on a line as fit, long words cut."""
    space = face.width(" ", size)
    lines: list[str] = []
    current: list[str] = []
    used = 0.0

    def limit() -> float:
        return width - first_indent if not lines else width

    for word in text.split(" "):
        w = face.width(word, size)
        if current and used + space + w <= limit():
            current.append(word)
            used += space + w
            continue
        if current:
            lines.append(" ".join(current))
            current, used = [], 0.0
        while w > limit():
            head = _head(word, face, size, limit())
            lines.append(head)
            word = word[len(head) :]
            w -= face.width(head, size)
        current, used = [word], w
    if current:
        lines.append(" ".join(current))
    return lines


def wrap_capped(
    text: str, face: Face, size: float, width: float, max_lines: int, first_indent: float = 0.0
) -> list[str]:
    """Wrap, keeping at most `max_lines`; a cut is shown with an ellipsis rather than hidden."""
    lines = wrap(text, face, size, width, first_indent)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and face.width(last + " …", size) > width:
        last = last[:-1]
    kept[-1] = (last + " …").strip()
    return kept
