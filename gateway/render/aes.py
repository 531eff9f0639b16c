"""AES-128 (PDF security handler revision 4, «AESV2») for reportlab, so a form is locked as it is written.

Reportlab only offers RC4 or, through the slow pure-Python pyaes, the deprecated revision 5. Re-reading
every form with pypdf just to encrypt it cost as much as drawing it, which kept rendering under the
100 forms per second the gateway needs. Revision 4 derives its keys exactly as revision 3 (which reportlab
implements); only the cipher and the encryption dictionary differ, so this class reuses reportlab's key
derivation and replaces those two parts, with AES from `cryptography` (already a dependency through
pypdf[crypto]). The result is read back by pypdf and poppler in the tests.
"""

from __future__ import annotations

import os
import secrets
from hashlib import md5
from typing import Any

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from reportlab.lib.pdfencrypt import PadString, StandardEncryption, encryptionkey
from reportlab.pdfbase.pdfdoc import PDFObject


def _rc4(key: bytes, data: bytes) -> bytes:
    return Cipher(ARC4(key), mode=None).encryptor().update(data)


def _rc4_rounds(key: bytes, data: bytes, first: int) -> bytes:
    """Algorithms 3 and 5 of the PDF reference: RC4 with the key XOR-ed with each round number."""
    number, ones = int.from_bytes(key, "big"), int.from_bytes(b"\x01" * len(key), "big")
    for i in range(first, 20):
        data = _rc4((number ^ (ones * i)).to_bytes(len(key), "big"), data)
    return data


def owner_entry(owner_password: bytes) -> bytes:
    """/O for an empty user password (algorithm 3, revisions 3 and 4)."""
    digest = md5((owner_password + PadString)[:32]).digest()
    for _ in range(50):
        digest = md5(digest).digest()
    return _rc4_rounds(digest[:16], PadString[:32], 0)


def user_entry(key: bytes, document_id: bytes) -> bytes:
    """/U (algorithm 5): 16 meaningful bytes, padded to 32."""
    first = _rc4(key, md5(PadString + document_id).digest())
    return _rc4_rounds(key, first, 1) + bytes(16)


class _EncryptDictionary(PDFObject):  # type: ignore[misc]
    """The /Encrypt dictionary, which is itself never encrypted."""

    __RefOnly__ = 1

    def __init__(self, owner: bytes, user: bytes, permissions: int) -> None:
        self.owner, self.user, self.permissions = owner, user, permissions

    def format(self, document: Any) -> bytes:
        """Written out directly (no string in it is encrypted): the crypt filter, /O, /U and /P."""
        return b"".join(
            (
                b"<<\n/CF <<\n/StdCF <<\n/AuthEvent /DocOpen /CFM /AESV2 /Length 16\n>>\n>> /Filter /Standard",
                b" /Length 128 /O <" + self.owner.hex().upper().encode("ascii") + b">",
                b" /P " + str(self.permissions).encode("ascii"),
                b" /R 4 /StmF /StdCF /StrF /StdCF /U <" + self.user.hex().upper().encode("ascii") + b"> /V 4\n>>",
            )
        )


class AesV2Encryption(StandardEncryption):  # type: ignore[misc]
    """No user password, a random owner password that is never kept, the given permission bits."""

    prepared: int
    objnum: int | None
    version: int | None
    key: bytes
    O: bytes  # noqa: E741 - the PDF entry's name
    U: bytes
    P: int

    def __init__(self, permissions: int) -> None:
        super().__init__("", ownerPassword=secrets.token_urlsafe(32), strength=128)
        self._bits = permissions & 0x7FFFFFFF  # reportlab adds the sign bit itself

    def prepare(self, document: Any, overrideID: Any = None) -> None:
        """Keys as reportlab's revision 3 computes them, with RC4 from `cryptography` (40 times faster)."""
        if self.prepared:
            raise ValueError("encryption already prepared")
        document.ID()
        document_id = document.signature.digest()
        self.P = int(self.permissionBits() - 2**31)
        self.O = owner_entry(self.ownerPassword.encode("ascii"))
        self.key = encryptionkey("", self.O, self.P, document_id, revision=3)
        self.U = user_entry(self.key, document_id)
        self.objnum = self.version = None
        self.prepared = 1

    def permissionBits(self) -> int:
        return self._bits

    def encode(self, t: bytes | str) -> bytes:
        data = t.encode("utf-8") if isinstance(t, str) else t
        if self.objnum is None or self.version is None:
            raise ValueError("encryption not registered in a PDF object")
        n, g = self.objnum & 0xFFFFFF, self.version & 0xFFFF
        key = md5(self.key + n.to_bytes(3, "little") + g.to_bytes(2, "little") + b"sAlT").digest()
        iv = os.urandom(16)
        pad = 16 - len(data) % 16
        padded = data + bytes((pad,)) * pad  # PKCS#7, as the PDF reference asks
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return iv + encryptor.update(padded) + encryptor.finalize()

    def info(self) -> _EncryptDictionary:
        return _EncryptDictionary(self.O, self.U, self.P)
