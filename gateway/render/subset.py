"""TrueType subsets for embedding, built around a part that is deflated once per process.

Reportlab rebuilt and deflated each embedded face for every document: some 35 KB of font program a face,
a third of the CPU time of a form. Half of those bytes never change (the name table, the hinting programs)
and most of the rest are the glyphs of printable ASCII, which reportlab puts in every first subset whether
used or not. So a subset's font program is laid out here as the table directory, then a *base* (the
unchanging tables and the ASCII glyphs), then a short tail (the document's other glyphs, the glyph index,
the metrics and the character map). The base is deflated once, at level 9 with a deflate block per table,
and reused; per document only the directory and the tail are deflated, each a segment of one zlib stream.

The glyphs embedded are exactly those reportlab embeds, with the same outlines, metrics and hinting, so the
page looks the same; the file comes out smaller. Only their order inside the font program differs. The
cache is keyed by the ASCII characters a subset holds (all of them in a first subset, the space alone in
the others): it holds font data, never anything derived from a document.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from gateway.render import flate

BASE_CHARS = frozenset(range(0x20, 0x7F))  # printable ASCII, which reportlab's first subset always holds
CACHE_SIZE = 8  # bases kept per face; a process uses two (first subset, later subsets)
_STATIC = ("name", "OS/2", "cvt ", "fpgm", "prep")  # copied whole, as reportlab does
_MORE_COMPONENTS, _ARG_WORDS, _SCALE, _XY_SCALE, _TWO_BY_TWO = 0x20, 0x1, 0x8, 0x40, 0x80
_ZLIB_HEADER = b"\x78\xda"  # deflate, 32 KB window, maximum compression
_ADLER_BASE = 65521


def checksum(data: bytes) -> int:
    """TrueType table checksum: the sum of big-endian 32-bit words, the data zero-padded to a word."""
    padded = _padded(data)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}L", padded)
    return sum(words) & 0xFFFFFFFF


def adler32_combine(first: int, second: int, second_len: int) -> int:
    """The Adler-32 of A+B from those of A and B (zlib's adler32_combine, which Python does not expose)."""
    rem = second_len % _ADLER_BASE
    low = ((first & 0xFFFF) + (second & 0xFFFF) - 1) % _ADLER_BASE
    high = (rem * (first & 0xFFFF) + (first >> 16) + (second >> 16) - rem) % _ADLER_BASE
    return (high << 16) | low


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


@dataclass(frozen=True, slots=True)
class _Base:
    """The cached part of a font program: the unchanging tables, then the glyphs of some ASCII characters."""

    order: tuple[int, ...]  # original glyph ids; the position is the id in the subset
    index: dict[int, int]  # original glyph id → id in the subset (never mutated)
    glyf_offsets: tuple[int, ...]  # where each of those glyphs starts in the glyf table
    tables: tuple[tuple[str, int, int, int], ...]  # (tag, offset in the base, length, checksum)
    glyf_len: int
    glyf_sum: int
    length: int  # uncompressed bytes
    adler: int
    deflated: bytes  # raw deflate, ending on a sync flush: more segments follow


class SubsetBuilder:
    """Font programs for subsets of one TrueType face (a reportlab TTFontFace), whose tables are read once."""

    def __init__(self, face: Any) -> None:
        self._char_to_glyph: dict[int, int] = dict(face.charToGlyph)
        self._glyf: bytes = face.get_table("glyf")
        self._pos: list[int] = list(face.glyphPos)
        # reportlab's own metrics, as its makeSubset writes them (advance, left side bearing, unsigned)
        self._hmetrics: list[tuple[int, int]] = [(int(a) & 0xFFFF, int(b) & 0xFFFF) for a, b in face.hmetrics]
        post = b"\x00\x03\x00\x00" + face.get_table("post")[4:16] + bytes(16)
        self._static = (*((tag, face.get_table(tag)) for tag in _STATIC if tag in face.table), ("post", post))
        self._hhea: bytes = face.get_table("hhea")
        self._maxp: bytes = face.get_table("maxp")
        self._head: bytes = face.get_table("head")
        self._parts = self._composites()
        self._lock = threading.Lock()
        self._bases: OrderedDict[frozenset[int], _Base] = OrderedDict()

    def font_program(self, codes: Sequence[int]) -> tuple[bytes, int]:
        """(zlib stream, uncompressed length) of a font program in which character code i shows codes[i]."""
        base = self._base(BASE_CHARS.intersection(codes))
        order, index = list(base.order), dict(base.index)
        gids = self._glyphs_for(codes)
        self._add(gids, order, index)
        extra = [self._glyph(g, index) for g in order[len(base.order) :]]
        offsets = list(base.glyf_offsets)
        at = base.glyf_len
        for glyph in extra:
            offsets.append(at)
            at += len(glyph)
        offsets.append(at)
        loca, long_loca = _loca(offsets)
        hmtx, full_metrics = self._hmtx(order)
        tables = {
            "loca": loca,
            "hmtx": hmtx,
            "cmap": _cmap(list(map(index.__getitem__, gids))),
            "hhea": self._hhea[:34] + struct.pack(">H", full_metrics) + self._hhea[36:],
            "maxp": self._maxp[:4] + struct.pack(">H", len(order)) + self._maxp[6:],
            "head": self._head[:8] + bytes(4) + self._head[12:50] + struct.pack(">H", long_loca) + self._head[52:],
        }
        return _assemble(base, b"".join(extra), tables)

    def cached_keys(self) -> list[frozenset[int]]:
        """The ASCII character sets whose base is cached, least recently used first."""
        with self._lock:
            return list(self._bases)

    # --- glyphs ---------------------------------------------------------------------------------------

    def _glyphs_for(self, codes: Iterable[int]) -> list[int]:
        """Original glyph ids; 0 (.notdef) for a character the face lacks."""
        return list(map(self._char_to_glyph.get, codes, repeat(0)))

    def _raw(self, gid: int) -> bytes:
        return self._glyf[self._pos[gid] : self._pos[gid + 1]]

    def _composites(self) -> dict[int, tuple[tuple[int, int], ...]]:
        """For every composite glyph of the face, where its components' glyph ids are and what they are."""
        glyf, pos = self._glyf, self._pos
        return {
            gid: _components(self._raw(gid))
            for gid in range(len(pos) - 1)
            if pos[gid + 1] - pos[gid] > 2 and struct.unpack_from(">h", glyf, pos[gid])[0] < 0
        }

    def _add(self, gids: Iterable[int], order: list[int], index: dict[int, int]) -> None:
        """Append the glyphs not yet in the subset, then the components of the composites among them."""
        start = len(order)
        for gid in gids:
            if gid not in index:
                index[gid] = len(order)
                order.append(gid)
        n = start
        while n < len(order):
            for _, comp in self._parts.get(order[n], ()):
                if comp not in index:
                    index[comp] = len(order)
                    order.append(comp)
            n += 1

    def _glyph(self, gid: int, index: dict[int, int]) -> bytes:
        """A glyph as stored in the subset: its components renumbered, padded to four bytes as reportlab does."""
        data = self._raw(gid)
        parts = self._parts.get(gid)
        if parts:
            buf = bytearray(data)
            for at, comp in parts:
                struct.pack_into(">H", buf, at, index[comp])
            data = bytes(buf)
        return _padded(data)

    def _hmtx(self, order: list[int]) -> tuple[bytes, int]:
        """(hmtx, numberOfHMetrics): a trailing run of equal advances stored once, as reportlab does."""
        metrics = list(map(self._hmetrics.__getitem__, order))
        full = len(metrics)
        while full > 1 and metrics[full - 1][0] == metrics[full - 2][0]:
            full -= 1
        values = [v for pair in metrics[:full] for v in pair] + [lsb for _, lsb in metrics[full:]]
        return struct.pack(f">{len(values)}H", *values), full

    # --- the cached base ------------------------------------------------------------------------------

    def _base(self, key: frozenset[int]) -> _Base:
        with self._lock:
            base = self._bases.get(key)
            if base is not None:
                self._bases.move_to_end(key)
                return base
        base = self._make_base(key)  # outside the lock: two threads may build the same base, harmlessly
        with self._lock:
            self._bases[key] = base
            while len(self._bases) > CACHE_SIZE:
                self._bases.popitem(last=False)
        return base

    def _make_base(self, key: frozenset[int]) -> _Base:
        order: list[int] = []
        index: dict[int, int] = {}
        self._add([0, *self._glyphs_for(sorted(key))], order, index)
        glyphs = [self._glyph(g, index) for g in order]
        offsets, at = [], 0
        for glyph in glyphs:
            offsets.append(at)
            at += len(glyph)
        tables, chunks, at = [], [], 0
        for tag, data in self._static:
            tables.append((tag, at, len(data), checksum(data)))
            chunks.append(_padded(data))
            at += len(chunks[-1])
        glyf = b"".join(glyphs)
        raw = b"".join(chunks) + glyf
        blocks = (*(offset for _, offset, _, _ in tables[1:]), at)  # a deflate block per table
        return _Base(
            order=tuple(order),
            index=index,
            glyf_offsets=tuple(offsets),
            tables=tuple(tables),
            glyf_len=len(glyf),
            glyf_sum=checksum(glyf),
            length=len(raw),
            adler=zlib.adler32(raw),
            deflated=flate.segment(raw, 9, last=False, blocks=blocks),
        )


def _assemble(base: _Base, glyf_tail: bytes, tables: dict[str, bytes]) -> tuple[bytes, int]:
    """Directory + base + tail, as one zlib stream of three deflate segments; and its uncompressed length."""
    start = 12 + 16 * (len(base.tables) + 1 + len(tables))
    entries = {tag: (start + offset, length, total) for tag, offset, length, total in base.tables}
    glyf_sum = (base.glyf_sum + checksum(glyf_tail)) & 0xFFFFFFFF
    entries["glyf"] = (start + base.length - base.glyf_len, base.glyf_len + len(glyf_tail), glyf_sum)
    at = start + base.length + len(glyf_tail)
    chunks = [glyf_tail]
    for tag, data in tables.items():
        entries[tag] = (at, len(data), checksum(data))
        chunks.append(_padded(data))
        at += len(chunks[-1])
    directory = _directory(entries)
    whole = sum(total for _, _, total in entries.values()) + checksum(directory)
    tail = bytearray(b"".join(chunks))
    head_at = entries["head"][0] - start - base.length
    struct.pack_into(">L", tail, head_at + 8, (0xB1B0AFBA - whole) & 0xFFFFFFFF)  # head.checkSumAdjustment
    adler = adler32_combine(zlib.adler32(directory), base.adler, base.length)
    adler = zlib.adler32(tail, adler)
    segments = (flate.segment(directory, last=False), base.deflated, flate.segment(bytes(tail), last=True))
    return b"".join((_ZLIB_HEADER, *segments, struct.pack(">L", adler))), len(directory) + base.length + len(tail)


def _components(data: bytes) -> tuple[tuple[int, int], ...]:
    """(offset of the glyph id, glyph id) of each component of one composite glyph."""
    out, at, flags = [], 10, _MORE_COMPONENTS
    while flags & _MORE_COMPONENTS:
        flags, gid = struct.unpack_from(">HH", data, at)
        out.append((at + 2, gid))
        at += 4 + (4 if flags & _ARG_WORDS else 2)
        at += 2 if flags & _SCALE else 4 if flags & _XY_SCALE else 8 if flags & _TWO_BY_TWO else 0
    return tuple(out)


def _directory(entries: dict[str, tuple[int, int, int]]) -> bytes:
    """The offset table and the table records (checksum, offset, length), sorted by tag as TrueType requires."""
    count = len(entries)
    power = 1 << (count.bit_length() - 1)
    out = [struct.pack(">LHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)]
    for tag in sorted(entries):
        offset, length, total = entries[tag]
        out.append(tag.encode("latin-1") + struct.pack(">LLL", total, offset, length))
    return b"".join(out)


def _loca(offsets: list[int]) -> tuple[bytes, int]:
    """(loca table, indexToLocFormat): short offsets (halved) when the glyf table allows it."""
    if (offsets[-1] + 1) >> 1 > 0xFFFF:
        return struct.pack(f">{len(offsets)}L", *offsets), 1
    return struct.pack(f">{len(offsets)}H", *[o >> 1 for o in offsets]), 0


def _cmap(glyphs: list[int]) -> bytes:
    """A format 6 (trimmed) Macintosh cmap from code 0: the lookup a PDF symbolic TrueType font uses."""
    head = (0, 1, 1, 0, 0, 12, 6, 10 + 2 * len(glyphs), 0, 0, len(glyphs))
    return struct.pack(f">{len(head) + len(glyphs)}H", *head, *glyphs)
