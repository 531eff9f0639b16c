"""Version 2: the raw message in a table of its own, and an index that hands out the next job directly.

Why: the raw message (tens of kilobytes, up to the listener's limit) sat in the middle of the `jobs` row,
so reading any column after it — every job load and every claim reads the row — went through its overflow
pages. And `claim_next` sorted every claimable job on each call, reading each row: under a backlog of a few
hundred messages a claim cost milliseconds. The partial index below holds exactly the claimable jobs in the
order they are handed out, with the lease, so a claim reads one index entry. Its state list is the
CLAIMABLE set of this version, spelled out: a migration must not change when the code does.
"""

from __future__ import annotations

NAME = "messages_claim_index"

_CLAIMABLE = "('accepted', 'archived', 'checked', 'delivered', 'failed', 'queued', 'received', 'rejected', " \
    "'rendering', 'retry_wait')"  # fmt: skip

_COMMON = f"""
CREATE TABLE messages (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id),
    raw {{blob}} NOT NULL
);
INSERT INTO messages (job_id, raw) SELECT id, raw FROM jobs WHERE raw IS NOT NULL;
ALTER TABLE jobs DROP COLUMN raw;
CREATE INDEX jobs_claimable ON jobs (next_attempt_at, received_at, lease_until, id) WHERE state IN {_CLAIMABLE};
"""

SQLITE = _COMMON.format(blob="BLOB")
POSTGRESQL = _COMMON.format(blob="BYTEA")
