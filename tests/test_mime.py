"""MIME details: the fast address reader agrees with the standard parser; flowed text; signatures."""

from __future__ import annotations

from email.utils import getaddresses

from hypothesis import given
from hypothesis import strategies as st

from gateway.parsing.mime import _pairs, _unflow

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDÉéè -'.", max_size=20)
locals_ = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,15}", fullmatch=True)
domains = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6}){1,2}", fullmatch=True)


@given(
    st.lists(st.tuples(names, locals_, domains, st.sampled_from(["plain", "angle", "quoted"])), min_size=1, max_size=4)
)
def test_fast_address_reading_agrees_with_getaddresses(items: list[tuple[str, str, str, str]]) -> None:
    written = []
    for name, local, domain, shape in items:
        address = f"{local}@{domain}"
        if shape == "plain":
            written.append(address)
        elif shape == "angle":
            written.append(f"{name.strip()} <{address}>")
        else:
            written.append(f'"{name}" <{address}>')
    header = [", ".join(written)]
    assert [a for _, a in _pairs(header)] == [a for _, a in getaddresses(header)]


def test_format_flowed_soft_breaks_are_joined() -> None:
    assert _unflow("Téléc. 450 \n555-0160\n\nRamipril", delsp=False) == "Téléc. 450 555-0160\n\nRamipril"
    assert _unflow("abc\n-- \nsig", delsp=False) == "abc\n-- \nsig"
