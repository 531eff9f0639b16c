"""The leaf parts of a received message as the standard library's parser (compat32) sees them, found cheaply.

The stand-in provider looks at every fax's parts. `email`'s feed parser walks a 60 kB fax line by line and
compiles a new regular expression for each boundary, which cost the benchmark's stand-ins about a millisecond
per message on the cores of the service they measure. `leaf_parts` finds the parts of a plain
multipart message (CRLF line ends only, one level of parts, none of them `message/*`, a closing delimiter)
by searching for the delimiter lines, and hands each part's header block and body to the same `email` code
the feed parser would: the same headers, the same decoded payloads. Any other message, and any message whose
delimiters are not laid out the simple way, is parsed by `email` itself.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import re
from email.message import Message
from email.parser import BytesHeaderParser

_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:|[ \t]")  # the feed parser's header or continuation line
_PADDING = re.compile(rb"[ \t]*")


class _NotSimple(Exception):
    """A layout the delimiter search does not follow exactly: the feed parser decides."""


def leaf_parts(raw: bytes) -> tuple[Message, list[Message]]:
    """The message (its headers) and its non-multipart parts, as `email.message_from_bytes` would give them."""
    try:
        return _simple_multipart(raw)
    except _NotSimple:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        return message, [part for part in message.walk() if not part.is_multipart()]


def _simple_multipart(raw: bytes) -> tuple[Message, list[Message]]:
    if not raw.count(b"\r") == raw.count(b"\n") == raw.count(b"\r\n"):
        raise _NotSimple("bare CR or LF")
    head_end = raw.find(b"\r\n\r\n")
    top = _headers(raw[: head_end + 2] if head_end >= 0 else b"")
    boundary = top.get_boundary() if top.get_content_maintype() == "multipart" else None
    if boundary is None:
        raise _NotSimple("not a multipart with a boundary")
    try:
        separator = ("--" + boundary).encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        raise _NotSimple("non-ASCII boundary") from None
    return top, [_part(chunk) for chunk in _chunks(raw[head_end + 4 :], separator)]


def _headers(block: bytes) -> Message:
    """A header block (each line ending in CRLF) parsed as the feed parser does, or _NotSimple."""
    lines = block.split(b"\r\n")[:-1]
    if not lines or lines[0][:1] in (b" ", b"\t") or not all(_HEADER_LINE.match(line) for line in lines):
        raise _NotSimple("header block")
    return BytesHeaderParser(policy=email.policy.compat32).parsebytes(block + b"\r\n")


def _chunks(body: bytes, separator: bytes) -> list[bytes]:
    """What lies between the delimiter lines: each part's lines and the CRLF before the next delimiter."""
    text = b"\r\n" + body  # a delimiter is a line that starts with the separator
    starts: list[int] = []  # where each inter-part delimiter line's content ends, and the next begins
    at = text.find(b"\r\n" + separator)
    while at >= 0:
        line_end = text.find(b"\r\n", at + 2)
        rest = text[at + 2 + len(separator) : line_end if line_end >= 0 else len(text)]
        if _PADDING.fullmatch(rest):
            starts.append(at)
            if line_end < 0:
                break
        elif rest.startswith(b"--") and _PADDING.fullmatch(rest, 2):
            if not starts:
                raise _NotSimple("closing delimiter first")
            starts.append(at)
            return [text[begin:end] for begin, end in _spans(text, starts)]
        at = text.find(b"\r\n" + separator, at + 2)
    raise _NotSimple("no closing delimiter")


def _spans(text: bytes, delimiters: list[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for delimiter, following in itertools.pairwise(delimiters):
        begin = text.find(b"\r\n", delimiter + 2) + 2
        if begin >= following + 2:
            raise _NotSimple("empty part between two delimiters")
        spans.append((begin, following + 2))
    return spans


def _part(chunk: bytes) -> Message:
    """One part: its headers up to the blank line, its body without the CRLF that belongs to the delimiter."""
    if chunk.startswith(b"\r\n"):
        part, body = Message(policy=email.policy.compat32), chunk[2:]  # no header lines at all
    else:
        head_end = chunk.find(b"\r\n\r\n")
        if head_end < 0:
            raise _NotSimple("part without a blank line")
        part, body = _headers(chunk[: head_end + 2]), chunk[head_end + 4 :]
    if part.get_content_maintype() in ("multipart", "message"):
        raise _NotSimple("nested part")
    part.set_payload(body.removesuffix(b"\r\n").decode("ascii", "surrogateescape"))
    return part
