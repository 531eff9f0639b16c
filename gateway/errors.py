"""The gateway's error hierarchy.

Like aiosmtplib's, every error also subclasses the built-in it resembles, so callers may catch either.
Messages never carry clinical content: only keys, file names, job ids and rule codes.
"""

from __future__ import annotations


class OrdofaxError(Exception):
    """Base of every error the gateway raises on purpose."""


class ConfigError(OrdofaxError, ValueError):
    """The configuration file is missing, unreadable or invalid."""


class MessageUnreadable(OrdofaxError, OSError):
    """A message file cannot be read at all (not a malformed message: those get a verdict)."""


class RenderError(OrdofaxError, RuntimeError):
    """A form could not be rendered."""


class RelayError(OrdofaxError, ConnectionError):
    """A relay could not hand the message over. `retryable` says whether a later try may succeed;
    `in_doubt` that the next hop may have accepted it all the same (a time-out after the whole message was
    sent): such a job waits for the provider's notice rather than being sent again."""

    def __init__(self, message: str, *, retryable: bool, cause: str = "relay", in_doubt: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.cause = cause
        self.in_doubt = in_doubt


class StoreError(OrdofaxError, RuntimeError):
    """The durable job store is unavailable or refused a write."""


class AuditError(OrdofaxError, ValueError):
    """The audit chain does not verify."""
