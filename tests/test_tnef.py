"""Outlook winmail.dat: the files inside come out intact, limits show, hostile streams end in None fast."""

from __future__ import annotations

import struct
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from tnefparse import TNEF

from gateway.models import FileKind
from gateway.parsing.sniff import sniff
from gateway.parsing.tnef import unpack_tnef

PDF = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

LVL_MESSAGE, LVL_ATTACHMENT = 1, 2
ATT_TNEF_VERSION = (0x9006, 0x0008)
ATT_OEM_CODEPAGE = (0x9007, 0x0006)
ATT_ATTACH_REND_DATA = (0x9002, 0x0006)
ATT_ATTACH_TITLE = (0x8010, 0x0001)
ATT_ATTACH_DATA = (0x800F, 0x0006)
ATT_ATTACHMENT = (0x9005, 0x0006)
PR_ATTACH_LONG_FILENAME = 0x3707
PT_UNICODE, PT_BINARY, PT_LONG = 0x001F, 0x0102, 0x0003

LIMITS = {"max_bytes": 20 * 1024 * 1024, "max_attachments": 10}


def attribute(level: int, ident: tuple[int, int], value: bytes) -> bytes:
    name, kind = ident
    checksum = sum(value) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(value)) + value + struct.pack("<H", checksum)


def pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def long_filename_props(name: str) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le")
    props = struct.pack("<HH", PT_LONG, 0x3705) + struct.pack("<I", 1)  # PR_ATTACH_METHOD = by value
    props += struct.pack("<HH", PT_UNICODE, PR_ATTACH_LONG_FILENAME) + struct.pack("<II", 1, len(encoded))
    props += pad(encoded)
    return struct.pack("<I", 2) + props


def tnef(*files: tuple[str, bytes], long_names: bool = True) -> bytes:
    """A winmail.dat as Outlook writes it: header, message attributes, then per file RendData/Title/Data."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attribute(LVL_MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += attribute(LVL_MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    for name, data in files:
        out += attribute(LVL_ATTACHMENT, ATT_ATTACH_REND_DATA, b"\x01\x00" + b"\xff" * 12)
        out += attribute(LVL_ATTACHMENT, ATT_ATTACH_TITLE, name[:12].encode("cp1252") + b"\x00")
        out += attribute(LVL_ATTACHMENT, ATT_ATTACH_DATA, data)
        if long_names:
            out += attribute(LVL_ATTACHMENT, ATT_ATTACHMENT, long_filename_props(name))
    return out


def test_a_pdf_inside_winmail_dat_comes_out_intact_and_is_sniffed_as_pdf() -> None:
    blob = tnef(("Ordonnances médicales_12345.pdf", PDF))
    assert sniff(blob) is FileKind.TNEF

    result = unpack_tnef(blob, **LIMITS)

    assert result == [("Ordonnances médicales_12345.pdf", PDF)]
    assert sniff(result[0][1]) is FileKind.PDF


def test_the_stream_built_here_is_read_the_same_way_by_tnefparse_itself() -> None:
    blob = tnef(("a.pdf", PDF), ("photo.jpg", JPEG))
    reference = TNEF(blob)
    assert [(a.long_filename(), a.data) for a in reference.attachments] == unpack_tnef(blob, **LIMITS)


def test_without_mapi_properties_the_short_title_is_the_name() -> None:
    result = unpack_tnef(tnef(("scan.pdf", PDF), long_names=False), **LIMITS)
    assert result == [("scan.pdf", PDF)]


def test_each_file_keeps_its_own_kind() -> None:
    result = unpack_tnef(tnef(("a.pdf", PDF), ("b.pdf", JPEG)), **LIMITS)
    assert result is not None
    assert [sniff(data) for _, data in result] == [FileKind.PDF, FileKind.IMAGE]


def test_a_winmail_dat_with_only_a_body_has_no_files() -> None:
    assert unpack_tnef(tnef(), **LIMITS) == []


def test_too_many_files_shows_as_one_more_than_the_limit_and_stops_there() -> None:
    blob = tnef(*[(f"{i}.pdf", PDF) for i in range(50)])
    result = unpack_tnef(blob, max_bytes=LIMITS["max_bytes"], max_attachments=3)
    assert result is not None
    assert len(result) == 4


def test_too_many_bytes_shows_as_a_total_over_the_limit_and_stops_there() -> None:
    blob = tnef(*[(f"{i}.pdf", PDF + b"x" * 1000) for i in range(20)])
    result = unpack_tnef(blob, max_bytes=2500, max_attachments=100)
    assert result is not None
    assert sum(len(data) for _, data in result) > 2500
    assert len(result) == 3


def test_not_tnef_is_none() -> None:
    assert unpack_tnef(b"", **LIMITS) is None
    assert unpack_tnef(PDF, **LIMITS) is None
    assert unpack_tnef(b"\x78\x9f\x3e", **LIMITS) is None


def test_a_truncated_stream_is_none_rather_than_a_partial_list() -> None:
    blob = tnef(("a.pdf", PDF), ("b.pdf", PDF))
    assert unpack_tnef(blob[:-40], **LIMITS) is None


def test_a_property_table_claiming_four_billion_entries_is_handled_at_once() -> None:
    hostile = attribute(LVL_ATTACHMENT, ATT_ATTACHMENT, struct.pack("<I", 0xFFFFFFFF) + b"\x02\x00" * 4000)
    blob = tnef(("a.pdf", PDF)) + hostile
    started = time.perf_counter()
    result = unpack_tnef(blob, **LIMITS)
    assert time.perf_counter() - started < 0.5
    assert result == [("a.pdf", PDF)]


def test_a_multivalued_property_claiming_four_billion_values_is_handled_at_once() -> None:
    props = struct.pack("<I", 1) + struct.pack("<HH", 0x1002, 0x1234) + struct.pack("<I", 0xFFFFFFFF)
    blob = tnef(("a.pdf", PDF)) + attribute(LVL_ATTACHMENT, ATT_ATTACHMENT, props + b"\x00" * 64)
    started = time.perf_counter()
    assert unpack_tnef(blob, **LIMITS) == [("a.pdf", PDF)]
    assert time.perf_counter() - started < 0.5


def test_a_stream_of_a_hundred_thousand_tiny_attributes_is_linear() -> None:
    """tnefparse's own walker copies the rest of the buffer per attribute; this one must not."""
    tiny = attribute(LVL_MESSAGE, (0x8004, 0x0001), b"")
    blob = tnef(("a.pdf", PDF)) + tiny * 100_000
    started = time.perf_counter()
    assert unpack_tnef(blob, **LIMITS) == [("a.pdf", PDF)]
    assert time.perf_counter() - started < 2.0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_after_the_signature_never_raise(tail: bytes) -> None:
    result = unpack_tnef(struct.pack("<IH", 0x223E9F78, 1) + tail, **LIMITS)
    assert result is None or isinstance(result, list)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_winmail_dat_never_raises(data: st.DataObject) -> None:
    blob = bytearray(tnef(("a.pdf", PDF), ("Ordonnance longue.pdf", JPEG)))
    for _ in range(data.draw(st.integers(1, 8))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    result = unpack_tnef(bytes(blob), max_bytes=1000, max_attachments=1)
    assert result is None or all(isinstance(content, bytes) for _, content in result)
