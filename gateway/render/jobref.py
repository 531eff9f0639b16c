"""Job references: short, stable names for one message, printed on every page of its fax.

Derived from the Message-ID (or the raw bytes when there is none) so rendering the same message twice gives
the same reference, and carrying no clinical content so it may appear in logs and metrics.
"""

from __future__ import annotations

import hashlib


def job_ref_for(message_id: str | None, raw: bytes) -> str:
    """«OFX-» and the first 10 hex digits (upper case, easy to read back from a fax) of a SHA-256."""
    key = message_id.strip().encode("utf-8", "surrogateescape") if message_id and message_id.strip() else raw
    return "OFX-" + hashlib.sha256(key).hexdigest()[:10].upper()
