"""Version 3: Exchange send intents (a Graph draft's id, kept while the send is not yet recorded).

Why in the store rather than in files: the intent must be durable before the draft is sent, and it must go
away exactly when the send is recorded. As a row it is written by a durable commit (grouped with the
others) and deleted in the same transaction as the state change that records the send, so the two can never
disagree, and the purge takes any leftover with the job. Draft ids and keys are not clinical.
"""

from __future__ import annotations

NAME = "exchange_intents"

_SQL = """
CREATE TABLE exchange_intents (
    job_id TEXT NOT NULL REFERENCES jobs (id),
    key TEXT NOT NULL,
    draft_id TEXT NOT NULL,
    PRIMARY KEY (job_id, key)
);
"""

SQLITE = _SQL
POSTGRESQL = _SQL
