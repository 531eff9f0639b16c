"""The message both Exchange relays' tests send: a lab requisition e-mailed, encrypted, to a patient."""

from __future__ import annotations

from typing import Any

from gateway.relay.base import Outbound, OutboundAttachment

PDF = b"%PDF-1.4\n% lab requisition\n" + bytes(range(256)) * 40


def lab_requisition_to_patient(job_ref: str, **changes: Any) -> Outbound:
    values: dict[str, Any] = {
        "job_ref": job_ref,
        "to": "usager@courriel.example.com",
        "subject": "Requête de laboratoire",
        "body_text": "Veuillez trouver ci-joint votre requête.",
        "attachments": [OutboundAttachment("AH-251.pdf", PDF)],
        "encrypt": True,
    }
    values.update(changes)
    return Outbound(**values)
