"""The PDF objects of an embedded TrueType face, written from the font programs of `subset`.

Reportlab's TTFont assigns character codes as text is drawn and, when the document is saved, writes one
font dictionary per 256-code subset with its widths, ToUnicode map, descriptor and font program. This
subclass keeps the codes, names and metrics and changes how the objects are produced: the font program
comes from a `SubsetBuilder`, what depends on the face alone is formatted once, and a character that is
drawn again is encoded with one look-up instead of reportlab's per-character loop.

The ToUnicode map (what text extraction reads) is written with ranges for runs of characters, at most 100
entries a block as the CMap format asks, and characters beyond U+FFFF as UTF-16 surrogate pairs:
reportlab wrote those as five hex digits, which readers reject (an emoji in a note came back as «�»).
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont

from gateway.render import flate
from gateway.render.subset import SubsetBuilder


class _FontDict(pdfdoc.PDFObject):  # type: ignore[misc]
    """A subset's font dictionary, entries in reportlab's (sorted) order, formatted without a dictionary pass."""

    __RefOnly__ = 1

    def __init__(self, base_font: str, internal: str, last: int, widths: bytes, descriptor: Any, cmap: Any) -> None:
        base, name = pdfdoc.PDFName(base_font), pdfdoc.PDFName(internal)
        self.head = f"<<\n/BaseFont {base} /FirstChar 0 /FontDescriptor ".encode("ascii")
        self.middle = f" /LastChar {last} /Name {name} /Subtype /TrueType\n /ToUnicode ".encode("ascii")
        self.tail = b" /Type /Font /Widths " + widths + b"\n>>"
        self.descriptor, self.cmap = descriptor, cmap

    def format(self, document: Any) -> bytes:
        descriptor: bytes = self.descriptor.format(document)
        cmap: bytes = self.cmap.format(document)
        return self.head + descriptor + self.middle + cmap + self.tail


class _Descriptor(pdfdoc.PDFObject):  # type: ignore[misc]
    """A FontDescriptor: the face's fixed entries, formatted once, and a reference to the font program."""

    __RefOnly__ = 1

    def __init__(self, fixed: bytes, font_file: Any) -> None:
        self.fixed, self.font_file = fixed, font_file

    def format(self, document: Any) -> bytes:
        font_file: bytes = self.font_file.format(document)
        return b"<<\n" + self.fixed + b" /FontFile2 " + font_file + b"\n>>"


def _number(value: float) -> bytes:
    text: str = fp_str(value)
    return text.encode("ascii")


def _entries(pairs: tuple[tuple[str, float], ...]) -> bytes:
    return b" ".join(f"/{key} ".encode("ascii") + _number(value) for key, value in pairs)


def _array(items: list[bytes]) -> bytes:
    """A PDF array laid out as reportlab does: ten items to a line."""
    lines = [b" ".join(items[i : i + 10]) for i in range(0, len(items), 10)]
    return b"[ " + b"\n ".join(lines) + b" ]"


def _utf16(codepoint: int) -> str:
    return chr(codepoint).encode("utf-16-be", "surrogatepass").hex().upper()


def to_unicode_cmap(name: str, subset: list[int]) -> bytes:
    """The ToUnicode CMap of a subset: code i is the character subset[i] (codes never drawn are left out).

    Runs of consecutive characters (printable ASCII, always in the first subset) are written as ranges,
    characters outside the Basic Multilingual Plane as UTF-16 surrogate pairs, at most 100 entries a block.
    """
    ranges = [(0, -2, 0)]  # (first code, last code, first character); a sentinel no code continues
    for code, char in enumerate(subset):
        if char <= 0:
            continue
        first, last, start = ranges[-1]
        if code == last + 1 and char - code == start - first and char >> 8 == start >> 8 and char <= 0xFFFF:
            ranges[-1] = (first, code, start)  # a range may not carry over into the next 256 characters
        else:
            ranges.append((code, code, char))
    del ranges[0]
    singles = [f"<{a:02X}> <{_utf16(c)}>" for a, b, c in ranges if a == b]
    spans = [f"<{a:02X}> <{b:02X}> <{_utf16(c)}>" for a, b, c in ranges if a != b]
    body = _blocks(singles, "bfchar") + _blocks(spans, "bfrange")
    return (_CMAP_HEAD.format(name=name, last=len(subset) - 1) + body + _CMAP_TAIL).encode("ascii")


def _blocks(entries: list[str], kind: str) -> str:
    out = []
    for i in range(0, len(entries), 100):
        chunk = entries[i : i + 100]
        out.append(f"{len(chunk)} begin{kind}\n" + "\n".join(chunk) + f"\nend{kind}\n")
    return "".join(out)


_CMAP_HEAD = (
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo\n<< /Registry ({name})\n/Ordering ({name})\n/Supplement 0\n>> def\n"
    "/CMapName /{name} def\n/CMapType 2 def\n1 begincodespacerange\n<00> <{last:02X}>\nendcodespacerange\n"
)
_CMAP_TAIL = "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"


class EmbeddedTTFont(TTFont):  # type: ignore[misc]
    """A reportlab TTFont whose subsets are embedded from a `SubsetBuilder` made when the face is loaded.

    Everything kept between documents is face data: the builder's pieces, the descriptor's entries, the
    formatted widths of printable ASCII. Nothing is keyed by or derived from what a document says.
    """

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename, asciiReadable=True)  # the base a SubsetBuilder caches is ASCII
        face = self.face
        self.builder = SubsetBuilder(face)
        flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
        bbox = b" ".join(_number(v) for v in face.bbox)
        head = (("Ascent", face.ascent), ("CapHeight", face.capHeight), ("Descent", face.descent), ("Flags", flags))
        tail = (("ItalicAngle", face.italicAngle), ("MissingWidth", face.defaultWidth), ("StemV", face.stemV))
        self._descriptor_head = _entries(head) + b" /FontBBox [ " + bbox + b" ] /FontName "
        self._descriptor_tail = b" " + _entries(tail) + b" /Type /FontDescriptor"
        self._ascii_widths = {c: _number(face.getCharWidth(c)) for c in range(0x80)}

    def _font_file(self, doc: Any, base_font: str, subset: list[int]) -> Any:
        program, length = self.builder.font_program(subset)
        entries = {"Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")]), "Length1": length}
        stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary(entries), program)
        ref = doc.Reference(stream, f"fontFile:{self.face.filename}({base_font})")
        fixed = self._descriptor_head + pdfdoc.PDFName(base_font).encode("ascii") + self._descriptor_tail
        return doc.Reference(_Descriptor(fixed, ref), "fontDescriptor:" + base_font)

    def _to_unicode(self, doc: Any, base_font: str, subset: list[int]) -> Any:
        entries = {"Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])}
        stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary(entries), flate.compress(to_unicode_cmap(base_font, subset)))
        return doc.Reference(stream, "toUnicodeCMap:" + base_font)

    def _widths(self, subset: list[int]) -> bytes:
        """The /Widths array, as reportlab formats it (ASCII widths formatted once)."""
        known, width = self._ascii_widths, self.face.getCharWidth
        return _array([known.get(c) or _number(width(c)) for c in subset])

    def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        """Reportlab's result, looked up in one pass when every character already has a first-subset code."""
        state = self.state.get(doc)
        if text and isinstance(text, str) and state is not None:
            try:
                return [(0, bytes(map(state.assignments.__getitem__, map(ord, text))))]
            except (KeyError, ValueError):  # a character not yet assigned, or in a later subset
                pass
        return super().splitString(text, doc, encoding)  # type: ignore[no-any-return]

    def addObjects(self, doc: Any) -> None:
        """Reportlab's TTFont.addObjects: the same objects, names and values, from the builder's programs."""
        state = self._assignState(doc)
        state.frozen = 1
        face = self.face
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            base_font = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            cmap = self._to_unicode(doc, base_font, subset)
            descriptor = self._font_file(doc, base_font, subset)
            font = _FontDict(base_font, internal, len(subset) - 1, self._widths(subset), descriptor, cmap)
            doc.Reference(font, internal)
            doc.idToObject["BasicFonts"].dict[internal] = font
        del self.state[doc]
