"""Reading the shared mailbox through Graph and through EWS, each against its stand-in on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Protocol

import pytest

from fakes.ews import FakeEws
from fakes.graph import FakeGraph
from gateway.config import ExchangeSection
from gateway.errors import RelayError
from gateway.mailbox import EwsMailbox, GraphMailbox, Mailbox, open_mailbox
from gateway.relay.graph import GraphClient


class _Stored(Protocol):
    id: str
    is_read: bool
    mime: bytes


class _Fake(Protocol):
    def seed(self, mime: bytes, folder: str = ..., *, is_read: bool = ...) -> str: ...
    def add_folder(self, display_name: str, parent: str = ...) -> str: ...


@dataclass
class Lab:
    backend: str
    fake: FakeGraph | FakeEws
    settings: ExchangeSection

    def stored(self, folder: str) -> list[_Stored]:
        if isinstance(self.fake, FakeGraph):
            return list(self.fake.messages_in(folder))
        return list(self.fake.items_in(folder))


def prescription(n: int) -> bytes:
    body = f"Destinataire : pharmacie\r\nOrdonnance n° {n} — Réf. é à ç\r\n".encode()
    return (
        b"From: =?utf-8?q?Dr_B=C3=A9dard?= <dr.bedard@ssss.gouv.qc.ca>\r\n"
        b"To: ordofax@ssss.gouv.qc.ca\r\n"
        + f"Subject: Ordonnance {n}\r\nMessage-ID: <rx{n}@ssss.gouv.qc.ca>\r\n".encode()
        + b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + body
    )


@pytest.fixture(params=["graph", "ews"])
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    if request.param == "graph":
        with FakeGraph() as graph:
            yield Lab("graph", graph, ExchangeSection(**graph.exchange_settings()))
    else:
        with FakeEws() as ews:
            yield Lab("ews", ews, ExchangeSection(**ews.exchange_settings()))


@pytest.fixture
async def mailbox(lab: Lab) -> AsyncIterator[Mailbox]:
    box = open_mailbox(lab.settings)
    yield box
    await box.aclose()


def test_open_mailbox_follows_the_backend(lab: Lab) -> None:
    expected = GraphMailbox if lab.backend == "graph" else EwsMailbox
    assert isinstance(open_mailbox(lab.settings), expected)


async def test_lists_unread_messages_oldest_first(lab: Lab, mailbox: Mailbox) -> None:
    ids = [lab.fake.seed(prescription(n)) for n in range(3)]
    lab.fake.seed(prescription(99), is_read=True)

    items = await mailbox.list_unread()

    assert [i.id for i in items] == ids
    assert [i.internet_message_id for i in items] == [f"<rx{n}@ssss.gouv.qc.ca>" for n in range(3)]
    assert {i.sender for i in items} == {"dr.bedard@ssss.gouv.qc.ca"}
    assert items[0].subject == "Ordonnance 0" and items[0].received_at is not None


async def test_fetched_mime_is_byte_identical(lab: Lab, mailbox: Mailbox) -> None:
    item_id = lab.fake.seed(prescription(7))

    assert await mailbox.fetch_mime(item_id) == prescription(7)


async def test_mark_read_takes_it_off_the_unread_list(lab: Lab, mailbox: Mailbox) -> None:
    first, second = lab.fake.seed(prescription(1)), lab.fake.seed(prescription(2))

    await mailbox.mark_read(first)

    assert [i.id for i in await mailbox.list_unread()] == [second]
    assert {m.id: m.is_read for m in lab.stored("inbox")} == {first: True, second: False}


async def test_move_to_a_folder_by_display_name(lab: Lab, mailbox: Mailbox) -> None:
    lab.fake.add_folder("Traités")
    item_id = lab.fake.seed(prescription(3))

    new_id = await mailbox.move(item_id, "Traités")

    assert [m.id for m in lab.stored("Traités")] == [new_id]
    assert lab.stored("inbox") == []
    assert await mailbox.fetch_mime(new_id) == prescription(3)


async def test_move_to_a_folder_under_the_inbox(lab: Lab, mailbox: Mailbox) -> None:
    lab.fake.add_folder("Rejetés", "inbox")
    item_id = lab.fake.seed(prescription(4))

    new_id = await mailbox.move(item_id, "Rejetés")

    assert [m.id for m in lab.stored("Rejetés")] == [new_id]


async def test_move_to_a_well_known_folder(lab: Lab, mailbox: Mailbox) -> None:
    item_id = lab.fake.seed(prescription(5))

    await mailbox.move(item_id, "deleteditems")

    assert len(lab.stored("deleteditems")) == 1 and lab.stored("inbox") == []


async def test_unknown_folder_is_not_retryable(lab: Lab, mailbox: Mailbox) -> None:
    item_id = lab.fake.seed(prescription(6))

    with pytest.raises(RelayError) as caught:
        await mailbox.move(item_id, "Nulle part")

    assert caught.value.cause == "folder_not_found" and not caught.value.retryable
    assert [m.id for m in lab.stored("inbox")] == [item_id]


async def test_unknown_item_is_not_retryable(lab: Lab, mailbox: Mailbox) -> None:
    lab.fake.seed(prescription(8))
    [item] = await mailbox.list_unread()
    await mailbox.move(item.id, "deleteditems")  # the old id is now gone

    with pytest.raises(RelayError) as caught:
        await mailbox.fetch_mime(item.id)

    assert not caught.value.retryable


async def test_every_page_is_listed(lab: Lab) -> None:
    ids = [lab.fake.seed(prescription(n)) for n in range(5)]
    box: Mailbox = (
        GraphMailbox(lab.settings, page_size=2) if lab.backend == "graph" else EwsMailbox(lab.settings, page_size=2)
    )

    items = await box.list_unread()
    await box.aclose()

    assert [i.id for i in items] == ids


async def test_watching_another_folder(lab: Lab) -> None:
    lab.fake.add_folder("Ordofax", "inbox")
    lab.fake.seed(prescription(1))
    wanted = lab.fake.seed(prescription(2), "Ordofax")
    box = open_mailbox(lab.settings, folder="Ordofax")

    items = await box.list_unread()
    await box.aclose()

    assert [i.id for i in items] == [wanted]


async def test_processing_loop_empties_the_inbox(lab: Lab, mailbox: Mailbox) -> None:
    lab.fake.add_folder("Traités")
    for n in range(4):
        lab.fake.seed(prescription(n))

    received = []
    for item in await mailbox.list_unread():
        received.append(await mailbox.fetch_mime(item.id))
        await mailbox.mark_read(item.id)
        await mailbox.move(item.id, "Traités")

    assert received == [prescription(n) for n in range(4)]
    assert await mailbox.list_unread() == []
    assert all(m.is_read for m in lab.stored("Traités")) and len(lab.stored("Traités")) == 4


async def test_graph_listing_survives_throttling() -> None:
    with FakeGraph() as graph:
        settings = ExchangeSection(**graph.exchange_settings())
        graph.seed(prescription(1))
        graph.fail_next(2, status=429, retry_after=0)
        box = GraphMailbox(settings, client=GraphClient(settings, attempts=3))

        items = await box.list_unread()
        await box.aclose()

    assert len(items) == 1


async def test_ews_listing_survives_server_busy() -> None:
    with FakeEws() as ews:
        ews.seed(prescription(1))
        ews.fail_next(1, back_off_ms=10)
        box = EwsMailbox(ExchangeSection(**ews.exchange_settings()))

        items = await box.list_unread()
        await box.aclose()

    assert len(items) == 1
