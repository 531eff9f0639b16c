"""How many pages a faxed PDF has, as the stand-in provider must know before it queues a fax, cheaply.

Opening every fax with pypdf cost the benchmark's stand-ins more than a millisecond per message, mostly in
pypdf's password checks of the gateway's AES-locked forms, on the same cores as the service they measure.
`page_count` first tries a narrow reading of the file: one classic cross-reference table and trailer, no
incremental update or object stream, a page tree of indirect `/Pages` and `/Page` dictionaries whose
leaves agree with the root's `/Count`, and either no encryption or the standard handler's AES-128
(revision 4) opening with the empty user password. Only a file read entirely that way gets its answer from
here, and it is the number pypdf gives; anything else, including every file this reading does not fully
understand, is left to pypdf, which refuses what it cannot open or what needs a user password.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from hashlib import md5

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher
from pypdf import PdfReader
from pypdf.errors import PyPdfError

_WS = rb"[\x00\t\n\x0c\r ]"
_END = rb"(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"  # a token ends at white space, a delimiter or the end
_TOKEN = re.compile(
    rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*)*"
    rb"(?:(?P<open><<|\[)|(?P<close>>>|\])|(?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%#]*" + _END + rb")"
    rb"|<(?P<hex>[0-9A-Fa-f\x00\t\n\x0c\r ]*)>|(?P<literal>\()"
    rb"|(?P<ref>(?P<number>\d+)" + _WS + rb"+(?P<generation>\d+)" + _WS + rb"+R" + _END + rb")"
    rb"|(?P<int>[+-]?\d+" + _END + rb")|(?P<real>[+-]?(?:\d+\.\d*|\.\d+)" + _END + rb")"
    rb"|(?P<keyword>true|false|null)" + _END + rb")"
)
_OBJ_HEAD = re.compile(_WS + rb"*(\d+)" + _WS + rb"+(\d+)" + _WS + rb"+obj" + _END)
_TAIL = re.compile(rb"startxref" + _WS + rb"+(\d+)" + _WS + rb"+%%EOF" + _WS + rb"*\Z")
_XREF = re.compile(rb"xref" + _WS)
_TRAILER = re.compile(rb"trailer" + _END)
_LITERAL_STOP = re.compile(rb"[()\\]")
_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
_ONES = int.from_bytes(b"\x01" * 16, "big")
_MAX_DEPTH = 32


class _Unsupported(Exception):
    """Not a file the narrow reading is sure about: pypdf decides."""


@dataclass(frozen=True, slots=True)
class _Ref:
    number: int
    generation: int


class _Literal:
    """A literal string: skipped, never needed by the narrow reading."""


_Value = dict[bytes, "_Value"] | list["_Value"] | _Ref | int | float | bytes | bool | _Literal | None


def page_count(data: bytes) -> int | None:
    """The number of pages of `data`; None when it is not a PDF a fax service can render (unreadable, no
    pages, or a user password needed)."""
    if not data.startswith(b"%PDF-"):
        return None
    try:
        return _Narrow(data).pages()
    except (_Unsupported, ValueError, KeyError, IndexError, RecursionError):
        return _pypdf_pages(data)


def _pypdf_pages(data: bytes) -> int | None:
    try:
        reader = PdfReader(io.BytesIO(data))
        # permissions-only encryption (an owner password, as on locked forms) opens with an empty password;
        # a PDF that needs a user password cannot be rendered into a fax
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        return len(reader.pages) or None
    except (PyPdfError, ValueError, KeyError, OSError):
        return None


class _Narrow:
    """The narrow reading; every method raises `_Unsupported` (or a ValueError) on anything unexpected."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offsets: dict[int, tuple[int, int]] = {}
        self.objects: dict[_Ref, _Value] = {}

    def pages(self) -> int | None:
        trailer = self._trailer()
        if b"/Prev" in trailer or b"/XRefStm" in trailer:
            raise _Unsupported("incremental update")
        if b"/Encrypt" in trailer:
            self._check_empty_user_password(trailer)
        root = self._resolve(trailer[b"/Root"])
        if not isinstance(root, dict):
            raise _Unsupported("catalog")
        tree = root[b"/Pages"]
        if not isinstance(tree, _Ref):
            raise _Unsupported("inline page tree")
        count = self._leaves(tree, set(), 0)
        node = self._resolve(tree)
        if not isinstance(node, dict) or node.get(b"/Count") != count:
            raise _Unsupported("/Count disagrees with the page tree")
        return count or None

    # --- cross-reference table and trailer

    def _trailer(self) -> dict[bytes, _Value]:
        tail = _TAIL.search(self.data, max(0, len(self.data) - 1024))
        if tail is None:
            raise _Unsupported("no startxref at the end")
        start = int(tail[1])
        if _XREF.match(self.data, start) is None:
            raise _Unsupported("cross-reference stream")
        marker = _TRAILER.search(self.data, start, tail.start())
        if marker is None:
            raise _Unsupported("no trailer")
        self._read_table(self.data[start + 4 : marker.start()].split())
        trailer, _ = self._value(marker.end())
        if not isinstance(trailer, dict):
            raise _Unsupported("trailer")
        return trailer

    def _read_table(self, words: list[bytes]) -> None:
        at = 0
        while at < len(words):
            first, count = int(words[at]), int(words[at + 1])
            entries = words[at + 2 : at + 2 + 3 * count]
            if len(entries) != 3 * count:
                raise _Unsupported("short cross-reference subsection")
            for i in range(count):
                offset, generation, kind = entries[3 * i : 3 * i + 3]
                if first + i in self.offsets:
                    raise _Unsupported("object listed twice")
                if kind == b"n":
                    self.offsets[first + i] = (int(offset), int(generation))
                elif kind != b"f":
                    raise _Unsupported("cross-reference entry")
            at += 2 + 3 * count

    def _resolve(self, value: _Value) -> _Value:
        if not isinstance(value, _Ref):
            return value
        if value not in self.objects:
            offset, generation = self.offsets[value.number]
            head = _OBJ_HEAD.match(self.data, offset)
            if (
                head is None
                or (int(head[1]), int(head[2])) != (value.number, generation)
                or generation != value.generation
            ):
                raise _Unsupported("object not where the table says")
            self.objects[value] = self._value(head.end())[0]
        return self.objects[value]

    # --- page tree and encryption

    def _leaves(self, ref: _Ref, seen: set[_Ref], depth: int) -> int:
        if ref in seen or depth > _MAX_DEPTH:
            raise _Unsupported("cyclic or deep page tree")
        seen.add(ref)
        node = self._resolve(ref)
        if not isinstance(node, dict):
            raise _Unsupported("page tree node")
        kind = node.get(b"/Type")
        if kind == b"/Page":
            return 1
        kids = node.get(b"/Kids")
        if kind != b"/Pages" or not isinstance(kids, list) or not all(isinstance(k, _Ref) for k in kids):
            raise _Unsupported("page tree node")
        return sum(self._leaves(kid, seen, depth + 1) for kid in kids if isinstance(kid, _Ref))

    def _check_empty_user_password(self, trailer: dict[bytes, _Value]) -> None:
        """Algorithms 2 and 5 of ISO 32000-1 (revision 4, AESV2), for the empty user password."""
        crypt = self._resolve(trailer[b"/Encrypt"])
        ids = trailer[b"/ID"]
        if not isinstance(crypt, dict) or not isinstance(ids, list) or not isinstance(ids[0], bytes):
            raise _Unsupported("encryption dictionary")
        owner, user, permissions = crypt[b"/O"], crypt[b"/U"], crypt[b"/P"]
        if not (_is_aes128(crypt) and isinstance(owner, bytes) and isinstance(user, bytes)):
            raise _Unsupported("encryption other than AES-128 with the standard handler")
        if not isinstance(permissions, int) or isinstance(permissions, bool) or len(owner) != 32:
            raise _Unsupported("encryption dictionary")
        digest = md5(_PAD + owner + (permissions & 0xFFFFFFFF).to_bytes(4, "little") + ids[0]).digest()
        for _ in range(50):
            digest = md5(digest).digest()
        key, check = int.from_bytes(digest, "big"), md5(_PAD + ids[0]).digest()
        for i in range(20):  # the key with every byte XOR-ed with i
            check = Cipher(ARC4((key ^ i * _ONES).to_bytes(16, "big")), mode=None).encryptor().update(check)
        if check != user[:16]:
            raise _Unsupported("the empty password is not the user password")

    # --- objects

    def _value(self, pos: int) -> tuple[_Value, int]:
        """The object at `pos` and the position after it; nesting kept on a stack, not in recursion."""
        open_: list[tuple[bytes, list[_Value]]] = []
        while (token := _TOKEN.match(self.data, pos)) is not None:
            pos = token.end()
            if token["open"] is not None:
                open_.append((token["open"], []))
                continue
            if token["close"] is not None:
                kind, items = open_.pop()
                value = _container(kind, token["close"], items)
            elif token["literal"] is not None:
                value, pos = _Literal(), _skip_literal(self.data, pos - 1)
            else:
                value = _scalar(token)
            if not open_:
                return value, pos
            open_[-1][1].append(value)
        raise _Unsupported("token")


def _container(kind: bytes, close: bytes, items: list[_Value]) -> _Value:
    if kind == b"[" and close == b"]":
        return items
    keys = items[0::2]
    if kind != b"<<" or close != b">>" or len(items) % 2 or not all(isinstance(k, bytes) for k in keys):
        raise _Unsupported("dictionary")
    return {k: v for k, v in zip(keys, items[1::2], strict=True) if isinstance(k, bytes)}


def _scalar(token: re.Match[bytes]) -> _Value:
    kind = token.lastgroup
    if kind == "name":
        return token["name"]
    if kind == "hex":
        digits = re.sub(_WS, b"", token["hex"])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
    if kind == "ref":
        return _Ref(int(token["number"]), int(token["generation"]))
    if kind == "int":
        return int(token["int"])
    if kind == "real":
        return float(token["real"])
    return _KEYWORDS[token["keyword"]]


_KEYWORDS: dict[bytes, _Value] = {b"true": True, b"false": False, b"null": None}


def _is_aes128(crypt: dict[bytes, _Value]) -> bool:
    filters = crypt.get(b"/CF")
    std = filters.get(b"/StdCF") if isinstance(filters, dict) else None
    return (
        crypt.get(b"/Filter") == b"/Standard"
        and b"/SubFilter" not in crypt
        and crypt.get(b"/V") == 4
        and crypt.get(b"/R") == 4
        and crypt.get(b"/Length", 128) == 128
        and crypt.get(b"/StmF") == b"/StdCF"
        and crypt.get(b"/StrF") == b"/StdCF"
        and b"/EFF" not in crypt
        and crypt.get(b"/EncryptMetadata", True) is True
        and isinstance(std, dict)
        and std.get(b"/CFM") == b"/AESV2"
        and std.get(b"/Length", 16) == 16
    )


def _skip_literal(data: bytes, pos: int) -> int:
    """The position after the literal string opening at `pos` (balanced parentheses, backslash escapes)."""
    depth, at = 0, pos
    while (stop := _LITERAL_STOP.search(data, at)) is not None:
        at = stop.end()
        if stop[0] == b"\\":
            at += 1
            continue
        depth += 1 if stop[0] == b"(" else -1
        if depth == 0:
            return at
    raise _Unsupported("unterminated string")
