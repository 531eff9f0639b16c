"""check: raw bytes → parsed message → extracted fields → document kind and route → findings.

Pure and offline: no network, no disk writes. The same function serves `ordofax check`, `render`, the relays
and the service, so a message is judged the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.config import Config
from gateway.models import CheckResult


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Everything `check` needs besides the message, loaded once from the configuration."""

    config: Config

    @classmethod
    def from_config(cls, config: Config) -> CheckContext:
        return cls(config=config)


def check_bytes(raw: bytes, ctx: CheckContext, *, file: str = "") -> CheckResult:
    raise NotImplementedError("being written")
