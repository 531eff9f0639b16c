"""Unpacking Outlook's `winmail.dat` (TNEF) so that the files inside are judged instead of the wrapper.

The format's definitions — signature, attribute ids, MAPI property tags and types, the IMessage IID, code
pages — come from tnefparse. Its `TNEF` class is not used to walk the stream, because on hostile input it is
unbounded: it re-slices the whole remaining buffer for every attribute (quadratic), and its MAPI decoder
loops over 32-bit counts read from the data (a four-billion-property table is a hang). The walk here is
linear: every count is checked against the bytes that remain before it is trusted, and nothing is
decompressed (the RTF body is not needed, only the attachments).

Limits: the result is cut right after the first attachment that takes it over `max_attachments` or over
`max_bytes` in total, so a caller sees that a limit was crossed (`len(result) > max_attachments`, or
`sum(len(d) for _, d in result) > max_bytes`) without the rest being read. Memory stays below the input size.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from tnefparse import mapi, properties
from tnefparse.codepage import FALLBACK, Codepage
from tnefparse.tnef import TNEF

_ATTRIBUTE_HEADER = struct.Struct("<BHHI")  # level, attribute id, attribute type, length
_CHECKSUM_SIZE = 2
_SMALLEST_ATTRIBUTE = _ATTRIBUTE_HEADER.size + _CHECKSUM_SIZE  # fewer bytes at the end: zero padding
_IID_SIZE = 16

_FIXED_SIZES = {
    mapi.SZMAPI_NULL: 4,
    mapi.SZMAPI_INT: 4,
    mapi.SZMAPI_FLOAT: 4,
    mapi.SZMAPI_ERROR: 4,
    mapi.SZMAPI_DOUBLE: 8,
    mapi.SZMAPI_CURRENCY: 8,
    mapi.SZMAPI_APPTIME: 8,
    mapi.SZMAPI_INT8BYTE: 8,
    mapi.SZMAPI_SYSTIME: 8,
    mapi.SZMAPI_CLSID: 16,
}
_SHORT_TYPES = frozenset({mapi.SZMAPI_SHORT, mapi.SZMAPI_BOOLEAN})  # 2 bytes each, padded to 4 in total
_VARIABLE_TYPES = frozenset({mapi.SZMAPI_STRING, mapi.SZMAPI_UNICODE_STRING, mapi.SZMAPI_BINARY, mapi.SZMAPI_OBJECT})
_WANTED_PROPERTIES = frozenset(
    {
        properties.MAPI_ATTACH_LONG_FILENAME,
        properties.MAPI_ATTACH_FILENAME,
        properties.MAPI_DISPLAY_NAME,
        properties.MAPI_ATTACH_DATA_OBJ,
    }
)


class _Malformed(Exception):
    """The stream is not well-formed TNEF."""


@dataclass(slots=True)
class _Attachment:
    title: str | None = None
    data: bytes | None = None
    props: dict[int, str | bytes] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        for candidate in (
            self.props.get(properties.MAPI_ATTACH_LONG_FILENAME),
            self.title,
            self.props.get(properties.MAPI_ATTACH_FILENAME),
            self.props.get(properties.MAPI_DISPLAY_NAME),
        ):
            if isinstance(candidate, str) and candidate.strip():
                return candidate.strip()
        return None

    @property
    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        embedded = self.props.get(properties.MAPI_ATTACH_DATA_OBJ)
        return embedded if isinstance(embedded, bytes) else b""


def unpack_tnef(data: bytes, *, max_bytes: int, max_attachments: int) -> list[tuple[str | None, bytes]] | None:
    """The (name, bytes) of each file inside a TNEF stream; None when `data` is not well-formed TNEF.

    Never raises. See the module docstring for how the limits show in the result.
    """
    try:
        return _unpack(memoryview(data), max_bytes, max_attachments)
    except Exception:  # _Malformed, struct.error, a codec's complaint…: not usable TNEF
        return None


def _unpack(view: memoryview, max_bytes: int, max_attachments: int) -> list[tuple[str | None, bytes]]:
    if len(view) < 6 or struct.unpack_from("<I", view, 0)[0] != TNEF.TNEF_SIGNATURE:
        raise _Malformed
    codepage = FALLBACK
    result: list[tuple[str | None, bytes]] = []
    current: _Attachment | None = None
    total = 0
    offset = 6
    while len(view) - offset >= _SMALLEST_ATTRIBUTE:
        level, attribute, _, length = _ATTRIBUTE_HEADER.unpack_from(view, offset)
        start = offset + _ATTRIBUTE_HEADER.size
        end = start + length
        if end + _CHECKSUM_SIZE > len(view):
            raise _Malformed
        value = view[start:end]
        offset = end + _CHECKSUM_SIZE
        if attribute == TNEF.ATTATTACHRENDDATA:
            if current is not None:
                total = _collect(result, current, total)
                if total > max_bytes or len(result) > max_attachments:
                    return result
            current = _Attachment()
        elif level == TNEF.LVL_ATTACHMENT:
            current = current or _Attachment()
            _attachment_attribute(current, attribute, value, codepage)
        elif attribute == TNEF.ATTOEMCODEPAGE and len(value) >= 4:
            codepage = _codec(struct.unpack_from("<I", value, 0)[0])
    if any(view[offset:]):  # a cut-off attribute, not zero padding
        raise _Malformed
    if current is not None:
        _collect(result, current, total)
    return result


def _collect(result: list[tuple[str | None, bytes]], attachment: _Attachment, total: int) -> int:
    content = attachment.content
    result.append((attachment.name, content))
    return total + len(content)


def _codec(number: int) -> str:
    name: str = Codepage(number).best_guess() or FALLBACK
    try:
        b"".decode(name)
    except LookupError:
        return str(FALLBACK)
    return name


def _attachment_attribute(attachment: _Attachment, attribute: int, value: memoryview, codepage: str) -> None:
    if attribute == TNEF.ATTATTACHDATA:
        attachment.data = bytes(value)
    elif attribute == TNEF.ATTATTACHTITLE:
        attachment.title = _text(bytes(value), codepage)
    elif attribute == TNEF.ATTATTACHMENT:
        _read_properties(value, codepage, attachment.props)


def _text(raw: bytes, codec: str) -> str:
    return raw.decode(codec, errors="replace").split("\x00", 1)[0]


class _Cursor:
    def __init__(self, view: memoryview) -> None:
        self.view = view
        self.offset = 0

    @property
    def remaining(self) -> int:
        return len(self.view) - self.offset

    def take(self, size: int) -> memoryview:
        if size < 0 or size > self.remaining:
            raise _Malformed
        chunk = self.view[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def u16(self) -> int:
        value: int = struct.unpack("<H", self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack("<I", self.take(4))[0]
        return value

    def count(self, smallest_item: int) -> int:
        """A 32-bit count, trusted only if that many items of at least `smallest_item` bytes could follow."""
        number = self.u32()
        if number * smallest_item > self.remaining:
            raise _Malformed
        return number


def _read_properties(view: memoryview, codepage: str, found: dict[int, str | bytes]) -> None:
    """Pick the wanted properties out of a MAPI property list; stop quietly at anything not understood."""
    cursor = _Cursor(view)
    try:
        for _ in range(cursor.count(4)):
            kind, tag = cursor.u16(), cursor.u16()
            if tag >= mapi.GUID_EXISTS_FLAG:
                _skip_named_property_id(cursor)
            values = _read_values(cursor, kind, codepage)
            if tag in _WANTED_PROPERTIES and values:
                found.setdefault(tag, values[0])
    except _Malformed:
        return


def _skip_named_property_id(cursor: _Cursor) -> None:
    cursor.take(_IID_SIZE)
    if cursor.u32() == 0:
        cursor.u32()
    else:
        cursor.take(_padded(cursor.u32()))


def _read_values(cursor: _Cursor, kind: int, codepage: str) -> list[str | bytes]:
    multi = bool(kind & mapi.MULTI_VALUE_FLAG)
    kind &= ~mapi.MULTI_VALUE_FLAG
    if kind in _SHORT_TYPES:
        number = cursor.count(2) if multi else 1
        cursor.take(_padded(2 * number))
        return []
    if kind in _FIXED_SIZES:
        size = _FIXED_SIZES[kind]
        cursor.take(size * (cursor.count(size) if multi else 1))
        return []
    if kind in _VARIABLE_TYPES:
        return [_variable_value(cursor, kind, codepage) for _ in range(cursor.count(4))]
    raise _Malformed


def _variable_value(cursor: _Cursor, kind: int, codepage: str) -> str | bytes:
    length = cursor.u32()
    return _decode(kind, cursor.take(_padded(length))[:length], codepage)


def _decode(kind: int, raw: memoryview, codepage: str) -> str | bytes:
    if kind == mapi.SZMAPI_UNICODE_STRING:
        return bytes(raw).decode("utf-16-le", errors="replace").split("\x00", 1)[0]
    if kind == mapi.SZMAPI_STRING:
        return _text(bytes(raw), codepage)
    if kind == mapi.SZMAPI_OBJECT:
        return bytes(raw[_IID_SIZE:])  # the interface id; an embedded message stays a TNEF stream
    return bytes(raw)


def _padded(size: int) -> int:
    return size + (-size % 4)


__all__ = ["unpack_tnef"]
