"""Structured logs for the service: one JSON object per line, carrying job ids and rule codes only.

Why a whitelist instead of care: a log line outlives the purge (it is shipped, rotated, backed up), so it must
never carry a patient name, a NAM, a date of birth or an order. `event()` accepts a fixed set of keys whose
values are short tokens (states, routes, causes, rule codes, counts); anything else is dropped. Records from
other loggers keep their level and logger name; their text is kept only for the gateway's own modules (which
promise to log no content) and exception text is never written — only the exception's class name, because
an exception message may quote the data that caused it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

LOGGER_NAME = "ordofax.service"
_TOKEN = re.compile(r"^[A-Za-z0-9_.:/@+-]{0,80}$")
SAFE_KEYS = frozenset(
    {
        "state",
        "route",
        "cause",
        "retryable",
        "tries",
        "count",
        "seconds",
        "age_seconds",
        "pages",
        "worker",
        "port",
        "host",
        "engine",
        "kind",
        "step",
        "error",
        "outcome",
        "reason",
        "workers",
        "instance",
    }
)
_QUIET = ("mail.log", "aiosmtpd", "exchangelib", "msal", "httpx", "httpcore", "urllib3", "requests")

log = logging.getLogger(LOGGER_NAME)


def _safe(value: object) -> object:
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value)
    return text if _TOKEN.match(text) else "[redacted]"


class JsonLines(logging.Formatter):
    """ts, level, event, job_id, codes, then the whitelisted fields of `event()`."""

    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds")
        fields = getattr(record, "ordofax", None)
        out: dict[str, object] = {"ts": ts, "level": record.levelname.lower()}
        if isinstance(fields, dict):
            out.update(fields)
        else:
            out["event"] = "log"
            out["logger"] = record.name
            own = record.name.startswith(("gateway", "ordofax", "validators"))
            out["message"] = record.getMessage() if own else str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            out["exception"] = type(record.exc_info[1]).__name__
        return json.dumps(out, ensure_ascii=False, default=str)


def event(
    name: str,
    *,
    job_id: str | None = None,
    codes: Iterable[str] | None = None,
    level: int = logging.INFO,
    **fields: object,
) -> None:
    """Log one event. Keys outside SAFE_KEYS are dropped; values that are not short tokens are redacted.
    `codes` (rule codes) is written whenever given, even empty."""
    if not log.isEnabledFor(level):
        return
    record: dict[str, object] = {"event": name}
    if job_id is not None:
        record["job_id"] = _safe(job_id)
    if codes is not None:
        record["codes"] = [str(_safe(c)) for c in codes]
    for key, value in fields.items():
        if key in SAFE_KEYS:
            record[key] = _safe(value)
    log.log(level, name, extra={"ordofax": record})


def setup(level: str = "INFO", log_file: Path | None = None, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to `log_file` (appended) or standard error as JSON lines; return the handler."""
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, JsonLines)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
