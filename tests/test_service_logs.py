"""The service's JSON log lines carry job ids, rule codes and short tokens, never clinical text."""

from __future__ import annotations

import io
import json
import logging

from gateway.service import logs


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_events_keep_tokens_and_drop_or_redact_everything_else() -> None:
    stream = io.StringIO()
    handler = logs.setup("INFO", stream=stream)
    try:
        logs.event("checked", job_id="20261202-abc123", codes=["RX_SIG_VAGUE"], state="rejected", route="fax")
        logs.event("relay_failed", job_id="20261202-abc123", cause="Côté Jean-François, NAM COTJ58061213")
        logs.event("checked", job_id="20261202-abc124", codes=[], patient="Côté", orders="Metformine 500 mg")
        try:
            raise ValueError("Metformine 500 mg pour COTJ58061213")
        except ValueError:
            logging.getLogger("gateway.relay.graph").exception("job %s: send failed", "20261202-abc125")
        logging.getLogger("mail.log").info("recip: 14505550160@telecopie.example.org")
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    for clinical in ("Côté", "COTJ58061213", "Metformine", "14505550160"):
        assert clinical not in text
    first, second, third, fourth = lines(stream)
    assert first["event"] == "checked" and first["codes"] == ["RX_SIG_VAGUE"] and first["route"] == "fax"
    assert {"ts", "level", "event", "job_id"} <= set(first)
    assert second["cause"] == "[redacted]"
    assert third["codes"] == [] and "patient" not in third and "orders" not in third
    assert fourth["exception"] == "ValueError" and fourth["message"] == "job 20261202-abc125: send failed"
