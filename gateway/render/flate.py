"""Deflate for the form's small streams, with a window no larger than the data.

`zlib.compress` sets up a 32 KB window and its hash tables for every call; for the few kilobytes of a page,
a ToUnicode map or a font's tail that setup (fresh memory, page faults) cost more than compressing. A
window that just holds the data finds exactly the same matches, so the compressed bytes are the same; only
the zlib header, which records the window size, differs. `FLATE` is that compressor as a reportlab stream
filter, for a document's default filter.
"""

from __future__ import annotations

import zlib

LEVEL = 6  # zlib's default, as reportlab uses
_LOOKAHEAD = 262  # zlib's MIN_LOOKAHEAD: how much more than the data the window must hold


def window_bits(size: int) -> int:
    """The smallest window (as zlib's log2 size, 9 to 15) in which every match within `size` bytes fits."""
    return min(15, max(9, (size + _LOOKAHEAD).bit_length()))


def compress(data: bytes, level: int = LEVEL) -> bytes:
    """A zlib stream of `data`, as `zlib.compress(data, level)` would deflate it."""
    z = zlib.compressobj(level, zlib.DEFLATED, window_bits(len(data)))
    return z.compress(data) + z.flush()


def segment(data: bytes, level: int = LEVEL, *, last: bool, blocks: tuple[int, ...] = ()) -> bytes:
    """Raw deflate of `data`, self-contained and byte-aligned, so segments can be joined into one stream.

    `blocks` are offsets where a new deflate block, with Huffman codes of its own, starts; `last` ends the
    stream (the final block), otherwise the segment ends with a sync flush and more may follow.
    """
    z = zlib.compressobj(level, zlib.DEFLATED, -window_bits(len(data)))
    out: list[bytes] = []
    start = 0
    for end in blocks:
        out += (z.compress(data[start:end]), z.flush(zlib.Z_BLOCK))
        start = end
    out += (z.compress(data[start:]), z.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
    return b"".join(out)


class FlateFilter:
    """A reportlab stream filter (the interface of pdfdoc.PDFZCompress) that deflates with `compress`."""

    pdfname = "FlateDecode"

    def encode(self, text: bytes | str) -> bytes:
        return compress(text.encode("utf-8") if isinstance(text, str) else text)

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


FLATE = FlateFilter()
