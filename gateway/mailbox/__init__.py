"""Reading the gateway's shared Exchange mailbox — the alternative to the SMTP listener (issue 5).

One interface, `Mailbox`, two implementations: `GraphMailbox` (Exchange Online) and `EwsMailbox`
(on-premises). `open_mailbox(config.exchange)` picks the one `exchange.backend` names. The service lists the
unread messages, fetches each one's raw MIME for the pipeline, marks it read and files it in a folder
("Traités", "Rejetés"…), so a message is processed once even if the gateway restarts in between.
"""

from __future__ import annotations

from gateway.config import ExchangeSection
from gateway.mailbox.base import Mailbox, MailboxItem
from gateway.mailbox.ews import EwsMailbox
from gateway.mailbox.graph import GraphMailbox

__all__ = ["EwsMailbox", "GraphMailbox", "Mailbox", "MailboxItem", "open_mailbox"]


def open_mailbox(settings: ExchangeSection, folder: str = "inbox") -> Mailbox:
    """The mailbox reader for `settings.backend`, watching `folder` (well-known name or display name)."""
    if settings.backend == "ews":
        return EwsMailbox(settings, folder)
    return GraphMailbox(settings, folder)
