"""The listener's fast path for MAIL/RCPT addresses gives exactly what aiosmtpd's own parser gives."""

from __future__ import annotations

from pathlib import Path

import aiosmtplib
from aiosmtpd.smtp import SMTP
from hypothesis import example, given
from hypothesis import strategies as st

from gateway.config import Config, StorageSection
from gateway.service.app import Service
from gateway.service.listener import GatewaySMTP

ATOM = st.text(alphabet="abcXYZ019!#$%&'*+/=?^_`{|}~-.", min_size=0, max_size=12)
LABEL = st.text(alphabet="abz09-", min_size=0, max_size=8)
PARAMS = st.sampled_from(["", " SIZE=1234", "SIZE=1", " BODY=8BITMIME SMTPUTF8", "  ", " x"])
NOISE = st.text(alphabet=' <>@."[]\\()abc', max_size=20)


class _Handler:
    pass


FAST, FULL = GatewaySMTP(_Handler()), SMTP(_Handler())


@given(ATOM, st.lists(LABEL, min_size=1, max_size=4), PARAMS, st.sampled_from(["", " ", "  "]))
def test_fast_path_agrees_on_addresses(local: str, labels: list[str], params: str, lead: str) -> None:
    arg = f"{lead}<{local}@{'.'.join(labels)}>{params}"
    assert FAST._getaddr(arg) == FULL._getaddr(arg)


@given(NOISE)
@example(".@[")
def test_fast_path_agrees_on_anything(arg: str) -> None:
    try:
        expected = FULL._getaddr(arg)
    except Exception:  # aiosmtpd's parser trips over a lone '<' or '"', or '.@['
        expected = (None, None)  # for us a syntax error, not an exception
    assert FAST._getaddr(arg) == expected


async def test_malformed_address_gets_a_syntax_error_reply(demo_config: Config, tmp_path: Path) -> None:
    config = demo_config.model_copy(
        update={"storage": StorageSection(path=tmp_path / "s.sqlite3", data_dir=tmp_path / "data")}
    )
    async with Service(config) as service:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=service.listener_port, timeout=10)
        await smtp.connect()
        code, _ = await smtp.execute_command(b"MAIL", b'FROM:<"')
        assert code == 553
        code, _ = await smtp.execute_command(b"NOOP")
        assert code == 250  # the session goes on
        await smtp.quit()
