"""Version 1: jobs, their rendered documents, provider notices, the audit chain and its anchor.

Columns under "clinical or personal" are the only ones holding such content; the purge sets them to NULL
(and `documents.data`), everything else is metadata kept for the record. Times are UNIX seconds (REAL /
DOUBLE PRECISION) so both engines compare them the same way.
"""

from __future__ import annotations

NAME = "initial"

_JOBS = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    message_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    outcome TEXT,
    received_at {real} NOT NULL,
    updated_at {real} NOT NULL,
    next_attempt_at {real} NOT NULL,
    notice_deadline {real},
    finished_at {real},
    notified_at {real},
    purged_at {real},
    tries INTEGER NOT NULL DEFAULT 0,
    last_cause TEXT,
    lease_owner TEXT,
    lease_until {real},
    route TEXT,
    destination_kind TEXT,
    document TEXT,
    page_count INTEGER,
    rule_codes TEXT NOT NULL DEFAULT '[]',
    message_sha256 TEXT NOT NULL,
    message_size INTEGER NOT NULL,
    remote_id TEXT,
    -- clinical or personal content, destroyed by the purge
    raw {blob},
    sender TEXT,
    recipients TEXT,
    destination TEXT,
    fields TEXT
);
CREATE INDEX jobs_work ON jobs (state, next_attempt_at);
CREATE INDEX jobs_received ON jobs (received_at);
CREATE TABLE documents (
    job_id TEXT NOT NULL REFERENCES jobs (id),
    idx INTEGER NOT NULL,
    role TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pages INTEGER NOT NULL,
    size INTEGER NOT NULL,
    data {blob},
    PRIMARY KEY (job_id, idx)
);
CREATE TABLE notices (
    id {serial} PRIMARY KEY,
    job_ref TEXT,
    job_id TEXT REFERENCES jobs (id),
    received_at {real} NOT NULL,
    success INTEGER NOT NULL,
    cause TEXT,
    retryable INTEGER NOT NULL,
    remote_id TEXT,
    applied INTEGER NOT NULL
);
CREATE INDEX notices_job ON notices (job_id);
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    job_id TEXT,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{genesis}');
"""

_GENESIS = "0" * 64

SQLITE = (
    _JOBS.format(real="REAL", blob="BLOB", serial="INTEGER", genesis=_GENESIS)
    + """
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""
)

POSTGRESQL = (
    _JOBS.format(real="DOUBLE PRECISION", blob="BYTEA", serial="BIGSERIAL", genesis=_GENESIS)
    + """
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN RAISE EXCEPTION 'audit records are append-only'; END;
$fn$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
"""
)
