"""sniff judges attachments by their bytes: a photo named .pdf is a photo, a .docx is Office, not a ZIP."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.models import FileKind
from gateway.parsing.sniff import sniff

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
BMP = b"BM" + struct.pack("<IHHI", 58, 0, 0, 54) + struct.pack("<I", 40) + b"\x00" * 36
HEIC = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 32
AVIF = struct.pack(">I", 28) + b"ftypavif" + b"\x00\x00\x00\x00" + b"avifmif1miaf" + b"\x00" * 32
MP4 = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2" + b"\x00" * 32
ODT = b"PK\x03\x04" + b"\x00" * 22 + b"\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.text"
TAR_OF_A_PDF = b"ordonnance.pdf".ljust(257, b"\x00") + b"ustar\x0000" + b"\x00" * 243 + b"%PDF-1.4\n"
WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + b"\x00" * 30


def zip_bytes(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"<x/>")
    return buffer.getvalue()


DOCX = zip_bytes("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX = zip_bytes("xl/workbook.xml")
PLAIN_ZIP = zip_bytes("ordonnance.pdf", "notes.txt")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", FileKind.PDF),
        (b"\r\n" * 10 + b"%PDF-1.4\n", FileKind.PDF),  # junk before the header, as readers allow
        (JPEG, FileKind.IMAGE),
        (PNG, FileKind.IMAGE),
        (b"GIF89a\x01\x00\x01\x00", FileKind.IMAGE),
        (BMP, FileKind.IMAGE),
        (b"II*\x00\x08\x00\x00\x00", FileKind.IMAGE),
        (b"MM\x00*\x00\x00\x00\x08", FileKind.IMAGE),
        (WEBP, FileKind.IMAGE),
        (HEIC, FileKind.IMAGE),
        (AVIF, FileKind.IMAGE),
        (MP4, FileKind.UNKNOWN),
        (b"\x78\x9f\x3e\x22\x01\x00" + b"\x00" * 20, FileKind.TNEF),
        (PLAIN_ZIP, FileKind.ARCHIVE),
        (DOCX, FileKind.OFFICE),
        (XLSX, FileKind.OFFICE),
        (ODT, FileKind.OFFICE),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", FileKind.ARCHIVE),
        (b"Rar!\x1a\x07\x01\x00", FileKind.ARCHIVE),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", FileKind.ARCHIVE),
        (b"BZh91AY&SY", FileKind.ARCHIVE),
        (b"\xfd7zXZ\x00\x00\x04", FileKind.ARCHIVE),
        (TAR_OF_A_PDF, FileKind.ARCHIVE),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, FileKind.OFFICE),
        (b"{\\rtf1\\ansi Ordonnance}", FileKind.OFFICE),
        (b"MZ\x90\x00\x03\x00\x00\x00", FileKind.EXECUTABLE),
        (b"\x7fELF\x02\x01\x01\x00", FileKind.EXECUTABLE),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", FileKind.EXECUTABLE),
        (b"#!/bin/sh\nrm -rf /\n", FileKind.EXECUTABLE),
        ("Ordonnance : amoxicilline 500 mg, TÉLÉCONSULTATION\n".encode(), FileKind.TEXT),
        ("Ordonnance : amoxicilline, réf. été\r\n".encode("cp1252"), FileKind.TEXT),
        ("Ordonnance".encode("utf-16"), FileKind.TEXT),
        (b"", FileKind.UNKNOWN),
        (bytes(range(256)) * 4, FileKind.UNKNOWN),
        (b"BMW X5 : r\xc3\xa9vision\n", FileKind.TEXT),  # 'BM' alone does not make a bitmap
    ],
)
def test_kind_comes_from_the_bytes(data: bytes, kind: FileKind) -> None:
    assert sniff(data) is kind


def test_a_jpeg_named_pdf_is_still_a_photo() -> None:
    """Names never reach sniff: what the caller would have called `ordonnance.pdf` is judged by its bytes."""
    assert sniff(JPEG) is FileKind.IMAGE


def test_a_jpeg_carrying_a_pdf_header_in_its_metadata_is_not_a_pdf() -> None:
    polyglot = JPEG[:20] + b"%PDF-1.4 " + JPEG[20:]
    assert sniff(polyglot) is FileKind.IMAGE


def test_a_damaged_zip_whose_first_entry_is_content_types_is_still_office() -> None:
    assert sniff(DOCX[:200]) is FileKind.OFFICE


def test_a_large_text_is_judged_on_a_prefix_quickly() -> None:
    assert sniff(("é" * 1_000_000).encode()) is FileKind.TEXT


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_give_a_kind(data: bytes) -> None:
    assert isinstance(sniff(data), FileKind)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([DOCX, PLAIN_ZIP, HEIC, BMP, PNG]), st.data())
def test_mutated_signatures_give_a_kind(sample: bytes, data: st.DataObject) -> None:
    mutated = bytearray(sample)
    for _ in range(data.draw(st.integers(1, 6))):
        mutated[data.draw(st.integers(0, len(mutated) - 1))] = data.draw(st.integers(0, 255))
    assert isinstance(sniff(bytes(mutated)), FileKind)
