"""What an attachment really is, judged from its bytes alone.

Prescribers rename files and mail clients guess content types, so a JPEG called `ordonnance.pdf` must still be
recognised as a photo. `sniff` looks at magic numbers only, never at names or declared types, and is a pure,
total function: any input, however hostile, yields a `FileKind` in time bounded by a small prefix of the data
(only the ZIP check reads more, and then only the central directory, which the data's length bounds).

Order matters for polyglots: executables first, then signatures at offset 0, and only then a `%PDF-` found
later in the first 1024 bytes (which PDF readers tolerate). A file that is both, say, a JPEG and a PDF is
therefore *not* called a PDF, and is rejected as something other than a PDF.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile

from gateway.models import FileKind

_PDF_WINDOW = 1024
_TEXT_SAMPLE = 64 * 1024
_MAX_CONTROL_RATIO = 0.01
_MAX_HIGH_BYTE_RATIO = 0.30

_EXECUTABLE_MAGIC = (
    b"MZ",  # DOS / Windows PE
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit, big-endian
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit, big-endian
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary (and Java class files)
    b"#!",  # script with an interpreter line
    b"L\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcut (.lnk)
)

_TNEF_MAGIC = b"\x78\x9f\x3e\x22"  # 0x223E9F78, little-endian

_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"II+\x00",  # BigTIFF
    b"MM\x00+",
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
    b"\x00\x00\x00\x0cJXL \r\n\x87\n",  # JPEG XL container
    b"\xff\x0a",  # JPEG XL codestream
    b"8BPS",  # Photoshop
)

# ISO base media "ftyp" brands that mean a still image (HEIF family, AVIF).
_IMAGE_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1", b"mif2"}
    | {b"avif", b"avis", b"avci", b"jxl "}
)

_ARCHIVE_MAGIC = (
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",  # xz
    b"\x28\xb5\x2f\xfd",  # zstd
    b"MSCF",  # Windows cabinet
    b"LZIP",
)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RTF_MAGIC = b"{\\rtf"
_OOXML_FOLDERS = ("word/", "xl/", "ppt/")
_ODF_MIMETYPE = b"application/vnd.oasis.opendocument"
_BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
# C0 and C1 control characters other than tab, line feed, vertical tab, form feed, carriage return and escape.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_HIGH_BYTES = bytes(range(0x80, 0x100))


def sniff(data: bytes) -> FileKind:
    """Classify `data` by its magic bytes. Never raises; empty data is UNKNOWN."""
    if not data:
        return FileKind.UNKNOWN
    head = bytes(data[:_PDF_WINDOW])
    for check in (_executable, _tnef, _at_offset_zero):
        kind = check(data, head)
        if kind is not None:
            return kind
    if b"%PDF-" in head:
        return FileKind.PDF
    if _looks_like_text(data):
        return FileKind.TEXT
    return FileKind.UNKNOWN


def _executable(data: bytes, head: bytes) -> FileKind | None:
    return FileKind.EXECUTABLE if head.startswith(_EXECUTABLE_MAGIC) else None


def _tnef(data: bytes, head: bytes) -> FileKind | None:
    return FileKind.TNEF if head.startswith(_TNEF_MAGIC) else None


def _at_offset_zero(data: bytes, head: bytes) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if _is_image(head):
        return FileKind.IMAGE
    if head.startswith(_ZIP_MAGIC):
        return FileKind.OFFICE if _is_office_zip(data) else FileKind.ARCHIVE
    if head.startswith(_ARCHIVE_MAGIC) or head[257:262] == b"ustar":
        return FileKind.ARCHIVE
    if head.startswith((_OLE2_MAGIC, _RTF_MAGIC)):
        return FileKind.OFFICE
    return None


def _is_image(head: bytes) -> bool:
    if head.startswith(_IMAGE_MAGIC):
        return True
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return True
    return _is_bmp(head) or is_heif(head)


def _is_bmp(head: bytes) -> bool:
    """'BM' alone is too weak (a text may start with it): also require a known DIB header size."""
    if not head.startswith(b"BM") or len(head) < 18:
        return False
    (dib_size,) = struct.unpack_from("<I", head, 14)
    return dib_size in _BMP_HEADER_SIZES


def is_heif(head: bytes) -> bool:
    """An ISO-BMFF still image (HEIC/HEIF, AVIF): what iPhones take photos in."""
    if head[4:8] != b"ftyp" or len(head) < 12:
        return False
    (box_size,) = struct.unpack_from(">I", head, 0)
    end = min(max(box_size, 16), 64, len(head))
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    return any(brand in _IMAGE_BRANDS for brand in brands)


def _is_office_zip(data: bytes) -> bool:
    """An OOXML (or OpenDocument) file is a ZIP; tell it apart from a plain archive by its entries."""
    if data[30:38] == b"mimetype" and data[38 : 38 + len(_ODF_MIMETYPE)] == _ODF_MIMETYPE:
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except Exception:  # any malformed archive: fall back to the first local header's name
        names = [_first_local_name(data)]
    return any(name == "[Content_Types].xml" or name.startswith(_OOXML_FOLDERS) for name in names)


def _first_local_name(data: bytes) -> str:
    if len(data) < 30 or not data.startswith(b"PK\x03\x04"):
        return ""
    (name_length,) = struct.unpack_from("<H", data, 26)
    return data[30 : 30 + name_length].decode("cp437", errors="replace")


def _looks_like_text(data: bytes) -> bool:
    sample = bytes(data[:_TEXT_SAMPLE])
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _printable(_decode_utf16(sample))
    if b"\x00" in sample:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(sample, final=len(data) <= _TEXT_SAMPLE)
    except UnicodeDecodeError:
        return _mostly_printable_bytes(sample)
    return _printable(text)


def _decode_utf16(sample: bytes) -> str:
    even = sample[: len(sample) // 2 * 2]
    return even.decode("utf-16", errors="replace")


def _printable(text: str) -> bool:
    if not text or "\x00" in text:
        return False
    controls = len(_CONTROL_CHARS.findall(text))
    return controls <= _MAX_CONTROL_RATIO * len(text)


def _mostly_printable_bytes(sample: bytes) -> bool:
    """Legacy 8-bit text (cp1252, latin-1): few control bytes, and accents a minority of bytes."""
    controls = len(_CONTROL_BYTES.findall(sample))
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    return controls <= _MAX_CONTROL_RATIO * len(sample) and high <= _MAX_HIGH_BYTE_RATIO * len(sample)


__all__ = ["sniff"]
