"""After a demo-like run, nothing clinical is left: not in the data directory (the SQLite file and its WAL
included), not in the PostgreSQL database (pg_dump of its schema), not in the service's logs.

The clinical strings searched for are what the check itself extracts from each message — patient names, the
NAM as written and normalised, the date of birth as written and in ISO form, each order — in the encodings a
message may arrive in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config import Config, RetentionSection, StorageSection, default_config, demo_dir
from gateway.pipeline import CheckContext, check_bytes
from gateway.service import logs
from gateway.service.standins import running_gateway, submit
from gateway.store import JobState
from gateway.store.pgserver import shared_server, storage_for_test, unavailable_reason

MESSAGES = sorted((demo_dir() / "messages").glob("*.eml"))
_PG_MISSING = unavailable_reason()
ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(_PG_MISSING is not None, reason=_PG_MISSING or "")),
]


def clinical_needles(config: Config) -> set[bytes]:
    ctx = CheckContext.from_config(config)
    texts: set[str] = set()
    for path in MESSAGES:
        result = check_bytes(path.read_bytes(), ctx)
        p = result.extracted.patient
        texts.update(v for v in (p.last_name, p.first_name, p.nam, p.nam_raw, p.dob_raw) if v)
        if p.dob:
            texts.add(p.dob.isoformat())
        texts.update(order[:24] for order in result.extracted.orders)
    needles = set()
    for text in texts:
        if len(text.strip()) >= 4:
            for encoding in ("utf-8", "cp1252", "utf-16-le"):
                with contextlib.suppress(UnicodeEncodeError):
                    needles.add(text.strip().encode(encoding))
    return needles


def found_in(data: bytes, needles: set[bytes]) -> list[bytes]:
    lowered = data.lower()
    return sorted(n for n in needles if n.lower() in lowered)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "logs" / "ordofax.jsonl"
    handler = logs.setup("DEBUG", path)
    yield path
    logging.getLogger().removeHandler(handler)
    handler.close()


@pytest.mark.parametrize("engine", ENGINES)
async def test_no_clinical_data_is_left_after_the_run(
    engine: str, tmp_path: Path, log_file: Path, request: pytest.FixtureRequest
) -> None:
    base = default_config()
    needles = clinical_needles(base)
    assert len(found_in(b"".join(p.read_bytes() for p in MESSAGES), needles)) > 20  # the search can find
    data_dir = tmp_path / "data"
    storage_override: dict[str, StorageSection] = {}
    if engine == "postgresql":
        pg = storage_for_test("postgresql", data_dir, request.node.name)
        storage_override["storage"] = pg.model_copy(update={"data_dir": data_dir / "files"})
    retention = RetentionSection(rejected_purge_after_seconds=0.5)  # the sweeper purges rejections after this
    async with running_gateway(base, data_dir, retention=retention, **storage_override) as (standins, service):
        domain = service.config.gateway.fax_domain
        job_ids = [await submit(service.listener_port, p.read_bytes(), fax_domain=domain) for p in MESSAGES]
        assert all(job_ids)
        for _ in range(300):
            states = [service.store.get(j).state for j in job_ids if j]
            if all(s is JobState.PURGED for s in states):
                break
            await service.sweep()
            await asyncio.sleep(0.05)
        assert all(s is JobState.PURGED for s in states), states
        assert len(standins.provider.jobs) == 2  # the run really relayed things
        for job_id in job_ids:
            assert job_id is not None
            assert all(d.data is None for d in service.store.documents(job_id))
            assert service.store.fields(job_id) is None
        assert service.store.verify_audit().ok
    # the service is stopped and the store closed: everything it left is on disk
    leftovers = {}
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file():
            hits = found_in(path.read_bytes(), needles)
            if hits:
                leftovers[str(path.relative_to(tmp_path))] = hits
    assert log_file.stat().st_size > 0
    assert not leftovers, leftovers
    if engine == "postgresql":
        schema = storage_override["storage"].dsn.split("search_path=")[1].rstrip("'")
        dump = shared_server().dump(schema)
        assert b"CREATE TABLE" in dump and b"COPY" in dump
        assert not found_in(dump, needles), found_in(dump, needles)
