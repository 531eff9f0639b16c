"""Property-based tests of the date, phone and NAM parsers: what is written is what is read back."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.extract.dates import find_date, parse_date
from gateway.extract.nam import decode, expected_letters
from gateway.extract.phones import fax_address_number, find_phones, is_valid_nanp, to_e164

FR_MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip
TODAY = dt.date(2026, 12, 2)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)


@given(dates)
def test_iso_and_written_dates_round_trip(d: dt.date) -> None:
    assert parse_date(d.isoformat(), today=TODAY) == d
    day = "1er" if d.day == 1 else str(d.day)
    assert parse_date(f"{day} {FR_MONTHS[d.month - 1]} {d.year}", today=TODAY) == d
    assert parse_date(f"{d.day} {FR_MONTHS[d.month - 1].upper()} {d.year}", today=TODAY) == d


@given(dates)
def test_numeric_day_first_is_read_only_when_unambiguous(d: dt.date) -> None:
    found = find_date(f"né le {d.day:02d}/{d.month:02d}/{d.year}", today=TODAY)
    assert found is not None
    if d.day > 12 or d.day == d.month:
        assert found.value == d and not found.ambiguous
    else:
        assert found.value is None and found.ambiguous
        settled = find_date(f"{d.day:02d}/{d.month:02d}/{d.year}", today=TODAY, hint=d)
        assert settled is not None and settled.value == d


@given(st.integers(1900, 2026), st.integers(1, 12), st.integers(29, 31))
def test_impossible_dates_are_never_returned(year: int, month: int, day: int) -> None:
    try:
        real: dt.date | None = dt.date(year, month, day)
    except ValueError:
        real = None
    assert parse_date(f"{year}-{month:02d}-{day:02d}", today=TODAY) == real


areas = st.from_regex(r"[2-9][0-8][0-9]", fullmatch=True).filter(lambda a: a[1:] != "11")
exchanges = st.from_regex(r"[2-9][0-9][0-9]", fullmatch=True).filter(lambda e: e[1:] != "11")
lines = st.from_regex(r"[0-9]{4}", fullmatch=True)
separators = st.sampled_from(
    ["{a} {e}-{l}", "{a}-{e}-{l}", "({a}) {e}-{l}", "{a}.{e}.{l}", "1-{a}-{e}-{l}", "+1 {a} {e} {l}"]
)


@given(areas, exchanges, lines, separators)
def test_valid_numbers_normalise_to_e164_in_any_writing(area: str, exch: str, line: str, fmt: str) -> None:
    written = fmt.format(a=area, e=exch, l=line)
    expected = f"+1{area}{exch}{line}"
    assert to_e164(written) == expected
    found = list(find_phones(f"Tél : {written}, merci"))
    assert [m.e164 for m in found] == [expected]
    assert fax_address_number(f"{area}{exch}{line}") == expected
    assert fax_address_number(f"1{area}{exch}{line}") == expected


@given(st.from_regex(r"[0-9]{10}", fullmatch=True))
def test_validity_matches_the_nanp_plan(digits: str) -> None:
    area, exch = digits[:3], digits[3:6]
    rule = area[0] not in "01" and area[1] != "9" and area[1:] != "11" and exch[0] not in "01" and exch[1:] != "11"
    assert is_valid_nanp(digits) == rule
    assert (to_e164(digits) is not None) == rule


@given(st.text(alphabet="0123456789-+() abcx.", max_size=16))
def test_fax_address_accepts_only_plain_digits(local: str) -> None:
    if fax_address_number(local) is not None:
        assert local.isdigit() and len(local) in (10, 11)


letters = st.from_regex(r"[A-Z]{4}", fullmatch=True)


@settings(max_examples=200)
@given(letters, dates, st.sampled_from(["F", "M"]), st.integers(0, 99))
def test_nam_encodes_birth_date_and_sex(prefix: str, d: dt.date, sex: str, tail: int) -> None:
    month = d.month + (50 if sex == "F" else 0)
    nam = f"{prefix}{d.year % 100:02d}{month:02d}{d.day:02d}{tail:02d}"
    spaced = f"{nam[:4]} {nam[4:8]} {nam[8:]}"
    for written in (nam, spaced, nam.lower()):
        info = decode(written, today=TODAY)
        assert info is not None
        assert info.value == nam and info.sex == sex and d in info.birth_dates


@given(st.text(max_size=20))
def test_nam_decoding_never_raises_and_rejects_bad_structure(text: str) -> None:
    info = decode(text, today=TODAY)
    if info is not None:
        assert len(info.value) == 12 and info.value[:4].isalpha() and info.value[4:].isdigit()


def test_nam_letters_follow_the_ramq_construction() -> None:
    assert expected_letters("Ng", "Lan") == "NGXL"
    assert expected_letters("D'Amours", "Élise") == "DAME"
    assert expected_letters("Côté", "Jean-François") == "COTJ"
    assert expected_letters("Saint-Pierre", "Marc") == "SAIM"
