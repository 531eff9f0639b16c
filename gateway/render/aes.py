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

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from reportlab.lib.pdfencrypt import StandardEncryption, hexText
from reportlab.pdfbase.pdfdoc import DummyDoc, PDFDictionary, PDFName, PDFObject


class _EncryptDictionary(PDFObject):  # type: ignore[misc]
    """The /Encrypt dictionary: written through a dummy document so it is itself not encrypted."""

    __RefOnly__ = 1

    def __init__(self, owner: bytes, user: bytes, permissions: int) -> None:
        self.owner, self.user, self.permissions = owner, user, permissions

    def format(self, document: Any) -> bytes:
        std_cf = PDFDictionary({"CFM": PDFName("AESV2"), "AuthEvent": PDFName("DocOpen"), "Length": 16})
        entries = {
            "Filter": PDFName("Standard"),
            "V": 4,
            "R": 4,
            "Length": 128,
            "CF": PDFDictionary({"StdCF": std_cf}),
            "StmF": PDFName("StdCF"),
            "StrF": PDFName("StdCF"),
            "O": hexText(self.owner),
            "U": hexText(self.user),
            "P": self.permissions,
        }
        return PDFDictionary(entries).format(DummyDoc())  # type: ignore[no-any-return]


class AesV2Encryption(StandardEncryption):  # type: ignore[misc]
    """No user password, a random owner password that is never kept, the given permission bits."""

    def __init__(self, permissions: int) -> None:
        super().__init__("", ownerPassword=secrets.token_urlsafe(32), strength=128)
        self._bits = permissions & 0x7FFFFFFF  # reportlab adds the sign bit itself

    def permissionBits(self) -> int:
        return self._bits

    def encode(self, t: bytes | str) -> bytes:
        data = t.encode("utf-8") if isinstance(t, str) else t
        n, g = self.objnum & 0xFFFFFF, self.version & 0xFFFF
        key = md5(self.key + n.to_bytes(3, "little") + g.to_bytes(2, "little") + b"sAlT").digest()
        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return iv + encryptor.update(padded) + encryptor.finalize()

    def info(self) -> _EncryptDictionary:
        return _EncryptDictionary(self.O, self.U, self.P)
